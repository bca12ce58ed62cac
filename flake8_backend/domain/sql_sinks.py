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
from typing import NamedTuple

from flake8_backend.analysis.context import ModuleContext
from flake8_backend.domain.sql_text import leading_text
from flake8_backend.patterns import lazy_compile
from flake8_backend.registry import Callees, Needs
from flake8_backend.settings import Settings

# Methods whose first argument is SQL on every DB-API cursor and most drivers.
METHOD_SINKS = frozenset({"execute", "executemany", "executescript", "fetchrow", "fetchval",
                          "read_sql", "read_sql_query", "exec_driver_sql"})
# Method names that are also common outside SQL: the text must start like SQL.
AMBIGUOUS_METHOD_SINKS = frozenset({"fetch", "raw"})
FUNCTION_SINKS = frozenset({
    "sqlalchemy.text", "sqlalchemy.sql.text", "sqlalchemy.sql.expression.text",
    "sqlalchemy.DDL", "sqlalchemy.schema.DDL",
    "django.db.models.RawSQL", "django.db.models.expressions.RawSQL",
    "pandas.read_sql", "pandas.read_sql_query", "pandas.io.sql.read_sql",
    "pandas.io.sql.read_sql_query",
})
SQL_KEYWORDS = {"sql", "query", "statement", "stmt", "operation", "sql_query", "raw_query"}

# Variables whose name says they hold SQL; every name it matches contains one of the
# words, in some case (the prefilter words of checks on SQL-named assignments).
SQL_NAME = lazy_compile(r"(?i)sql|query|^stmt$|_stmt$|^stmt_")
SQL_NAME_WORDS = Needs(("sql", "query", "stmt"), ignore_case=True)

LOOKS_LIKE_SQL = lazy_compile(
    r"^\s*\(?\s*(select|insert|update|delete|with|create|drop|alter|truncate|replace|merge|"
    r"pragma|explain|grant|revoke|upsert|copy|call|exec|declare|set|show|vacuum|analyze)\b",
    re.IGNORECASE)


class Sink(NamedTuple):
    """A call that executes SQL: its display name and the expressions holding the SQL."""

    label: str
    sqls: tuple[ast.expr, ...]
    call: ast.Call
    ambiguous: bool
    has_params: bool


class _LastSink:
    """The last call asked about and its answer: every SQL rule asks about the same call."""

    __slots__ = ("call", "sink")

    def __init__(self, ctx: ModuleContext) -> None:
        self.call: ast.Call | None = None
        self.sink: Sink | None = None


def find_sink(call: ast.Call, ctx: ModuleContext) -> Sink | None:
    """The SQL sink this call is, if any."""
    last = ctx.cached(_LastSink)
    if last.call is not call:
        last.call, last.sink = call, _find_sink(call, ctx)
    return last.sink


def _find_sink(call: ast.Call, ctx: ModuleContext) -> Sink | None:
    func = call.func
    methods, functions, function_names = ctx.cached(_configured)
    if isinstance(func, ast.Attribute):
        name = func.attr
        if name == "extra":
            sqls = _extra_arguments(call)
            return Sink(".extra", sqls, call, False, False) if sqls else None
        if name in methods or name in AMBIGUOUS_METHOD_SINKS:
            sql = _sql_argument(call)
            if sql is None:
                return None
            ambiguous = name in AMBIGUOUS_METHOD_SINKS and not _is_manager(func.value)
            return Sink(f".{name}", (sql,), call, ambiguous, _has_params(call))
    if isinstance(func, ast.Attribute) and func.attr not in function_names:
        return None  # `x.y.text(...)` keeps its last name through aliases: skip the lookup
    qualname = ctx.qualname(func)
    if qualname in functions:
        sql = _sql_argument(call)
        if sql is not None:
            return Sink(qualname.rsplit(".", 1)[-1], (sql,), call, False, _has_params(call))
    return None


class _Configured(NamedTuple):
    """Built-in sinks plus `extend-sql-sinks` (dotted: functions; plain: method names)."""

    methods: frozenset[str]
    functions: frozenset[str]
    function_names: frozenset[str]  # last parts of `functions`


def _configured(ctx: ModuleContext) -> _Configured:
    extra = ctx.settings["extend-sql-sinks"]
    functions = FUNCTION_SINKS | {e for e in extra if "." in e}
    return _Configured(METHOD_SINKS | {e for e in extra if "." not in e}, functions,
                       frozenset(f.rsplit(".", 1)[-1] for f in functions))


_SQL_NAMES: dict[str, bool] = {}


def is_sql_name(name: str) -> bool:
    """Whether a variable's name says it holds SQL (`sql`, `query`, `stmt`); cached per name."""
    found = _SQL_NAMES.get(name)
    if found is None:
        if len(_SQL_NAMES) > 50_000:  # a bound on memory for very long runs
            _SQL_NAMES.clear()
        found = _SQL_NAMES[name] = SQL_NAME.search(name) is not None
    return found


def sql_named_targets(targets: list[ast.expr]) -> list[str]:
    """The SQL-named plain names among assignment targets (`sql = ...`, `a = query = ...`)."""
    if len(targets) == 1:  # nearly every assignment: no list to build
        target = targets[0]
        if target.__class__ is ast.Name and is_sql_name(target.id):
            return [target.id]
        return []
    return [t.id for t in targets if t.__class__ is ast.Name and is_sql_name(t.id)]


def sink_callees(settings: Settings) -> Callees:
    """Every call `find_sink` can accept: method sinks by name, function sinks by qualname."""
    extra = settings["extend-sql-sinks"]
    return Callees(
        names=(METHOD_SINKS | AMBIGUOUS_METHOD_SINKS | {"extra"}
               | {e for e in extra if "." not in e}),
        qualnames=FUNCTION_SINKS | {e for e in extra if "." in e})


def looks_like_sql(expr: ast.expr, ctx: ModuleContext) -> bool:
    """Whether the string's visible leading text starts with a SQL keyword."""
    text = leading_text(expr, ctx)
    return text is not None and bool(LOOKS_LIKE_SQL.match(text))


def _extra_arguments(call: ast.Call) -> tuple[ast.expr, ...]:
    """Django `QuerySet.extra(where=[...], select={...}, tables=[...], order_by=[...])`."""
    found: list[ast.expr] = []
    for keyword in call.keywords:
        value = keyword.value
        if keyword.arg in ("where", "tables", "order_by") and isinstance(
                value, (ast.List, ast.Tuple)):
            found.extend(value.elts)
        elif keyword.arg == "select" and isinstance(value, ast.Dict):
            found.extend(v for v in value.values if v is not None)
    return tuple(found)


def _sql_argument(call: ast.Call) -> ast.expr | None:
    args = call.args
    if len(args) >= 2 and _is_text(args[1]) and not _is_text(args[0]):
        return args[1]  # `datasette.execute(database_name, sql, params)`
    if args and not isinstance(args[0], ast.Starred):
        return args[0]
    for keyword in call.keywords:
        if keyword.arg in SQL_KEYWORDS:
            return keyword.value
    return None


def _is_text(node: ast.expr) -> bool:
    """A string built in place: a literal, an f-string, or `+`/`%`/`.format()` on one.

    Iterative: `"a" + "a" + ...` with thousands of terms nests that deep on the left."""
    while True:
        if isinstance(node, ast.JoinedStr):
            return True
        if isinstance(node, ast.Constant):
            return isinstance(node.value, str)
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
            node = node.left
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and node.func.attr == "format"):
            node = node.func.value
        else:
            return False


def _has_params(call: ast.Call) -> bool:
    return len(call.args) > 1 or any(
        k.arg in ("params", "parameters", "args", "bind_params") for k in call.keywords)


def _is_manager(receiver: ast.expr) -> bool:
    """`Model.objects.raw(...)`: Django managers make `.raw()` unambiguous."""
    while isinstance(receiver, ast.Call):
        receiver = receiver.func
    return isinstance(receiver, ast.Attribute) and (
        receiver.attr == "objects" or receiver.attr.endswith("manager"))
