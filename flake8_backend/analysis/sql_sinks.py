"""Where SQL text is executed: the sink registry shared by the SQL rules.

A finding is tied to a sink, not to text that merely reads like SQL, which is
what keeps prose such as `raise ValueError(f"Please select a value from {x}")`
silent. Methods are matched by name (the receiver's type is unknown without
inference); module-level functions are matched by qualified name after
import resolution, so an unrelated `text()` is never a sink.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

# Methods whose first argument is SQL on every DB-API cursor and most drivers.
METHOD_SINKS = frozenset({"execute", "executemany", "executescript", "fetchrow", "fetchval",
                          "read_sql", "read_sql_query"})
# Method names that are also common outside SQL: the text must start like SQL.
AMBIGUOUS_METHOD_SINKS = frozenset({"fetch", "raw"})
FUNCTION_SINKS = frozenset({
    "sqlalchemy.text", "sqlalchemy.sql.text", "sqlalchemy.sql.expression.text",
    "django.db.models.RawSQL", "django.db.models.expressions.RawSQL",
    "pandas.read_sql", "pandas.read_sql_query", "pandas.io.sql.read_sql",
    "pandas.io.sql.read_sql_query",
})
SQL_KEYWORDS = {"sql", "query", "statement", "stmt", "operation", "sql_query", "raw_query"}
# Words the engine's text prefilter looks for before dispatching SQL checks.
SINK_WORDS = ("execute", "fetch", "sqlalchemy", "raw", "RawSQL", "read_sql")

LOOKS_LIKE_SQL = re.compile(
    r"^\s*\(?\s*(select|insert|update|delete|with|create|drop|alter|truncate|replace|merge|"
    r"pragma|explain|grant|revoke|upsert|copy|call|exec|declare|set|show|vacuum|analyze)\b",
    re.IGNORECASE)


@dataclass(frozen=True)
class Sink:
    """A call that executes SQL: its display name and the expression holding the SQL."""

    label: str
    sql: ast.expr
    call: ast.Call
    ambiguous: bool
    has_params: bool


def find_sink(call: ast.Call, ctx) -> Sink | None:
    """The SQL sink this call is, if any."""
    func = call.func
    if isinstance(func, ast.Attribute):
        name = func.attr
        if name in METHOD_SINKS or name in AMBIGUOUS_METHOD_SINKS:
            sql = _sql_argument(call)
            if sql is None:
                return None
            ambiguous = name in AMBIGUOUS_METHOD_SINKS and not _is_manager(func.value)
            return Sink(f".{name}", sql, call, ambiguous, _has_params(call))
    qualname = ctx.qualname(func)
    if qualname in FUNCTION_SINKS:
        sql = _sql_argument(call)
        if sql is not None:
            return Sink(qualname.rsplit(".", 1)[-1], sql, call, False, _has_params(call))
    return None


def is_sink_call(node: ast.AST, ctx) -> bool:
    return isinstance(node, ast.Call) and find_sink(node, ctx) is not None


def _sql_argument(call: ast.Call) -> ast.expr | None:
    if call.args and not isinstance(call.args[0], ast.Starred):
        return call.args[0]
    for keyword in call.keywords:
        if keyword.arg in SQL_KEYWORDS:
            return keyword.value
    return None


def _has_params(call: ast.Call) -> bool:
    return len(call.args) > 1 or any(
        k.arg in ("params", "parameters", "args", "bind_params") for k in call.keywords)


def _is_manager(receiver: ast.expr) -> bool:
    """`Model.objects.raw(...)`: Django managers make `.raw()` unambiguous."""
    while isinstance(receiver, ast.Call):
        receiver = receiver.func
    return isinstance(receiver, ast.Attribute) and (
        receiver.attr == "objects" or receiver.attr.endswith("manager"))
