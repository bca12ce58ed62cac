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
from flake8_backend.patterns import lazy_compile

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
SINK_WORDS = ("execute", "fetch", "sqlalchemy", "raw", "RawSQL", "read_sql", "extra")

# Variables whose name says they hold SQL, and the words the prefilter looks for.
SQL_NAME = lazy_compile(r"(?i)sql|query|^stmt$|_stmt$|^stmt_")
SQL_NAME_WORDS = ("sql", "SQL", "Sql", "query", "Query", "QUERY", "stmt", "STMT")

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


def find_sink(call: ast.Call, ctx) -> Sink | None:
    """The SQL sink this call is, if any (memoized: every SQL rule asks about the same call)."""
    memo = ctx.memo
    if memo.get("sink-call") is call:
        return memo["sink"]
    sink = _find_sink(call, ctx)
    memo["sink-call"], memo["sink"] = call, sink
    return sink


def _find_sink(call: ast.Call, ctx) -> Sink | None:
    func = call.func
    methods, functions = _configured(ctx)
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
    if isinstance(func, ast.Attribute) and func.attr not in _function_names(ctx, functions):
        return None  # `x.y.text(...)` keeps its last name through aliases: skip the lookup
    qualname = ctx.qualname(func)
    if qualname in functions:
        sql = _sql_argument(call)
        if sql is not None:
            return Sink(qualname.rsplit(".", 1)[-1], (sql,), call, False, _has_params(call))
    return None


def _function_names(ctx, functions: frozenset[str]) -> frozenset[str]:
    found = ctx.memo.get("sql-sink-names")
    if found is None:
        found = ctx.memo["sql-sink-names"] = frozenset(f.rsplit(".", 1)[-1] for f in functions)
    return found


def _configured(ctx) -> tuple[frozenset[str], frozenset[str]]:
    """Built-in sinks plus `extend-sql-sinks` (dotted: functions; plain: method names)."""
    memo = ctx.memo
    found = memo.get("sql-sinks")
    if found is None:
        extra = ctx.settings["extend-sql-sinks"]
        methods = METHOD_SINKS | {e for e in extra if "." not in e}
        functions = FUNCTION_SINKS | {e for e in extra if "." in e}
        found = memo["sql-sinks"] = (methods, functions)
    return found


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


def sink_callees(settings) -> frozenset[str]:
    """Every callee name `find_sink` can accept: method sinks and the last part of functions."""
    extra = settings["extend-sql-sinks"]
    return (METHOD_SINKS | AMBIGUOUS_METHOD_SINKS | {"extra"}
            | {name.rsplit(".", 1)[-1] for name in FUNCTION_SINKS}
            | {name.rsplit(".", 1)[-1] for name in extra})


def sink_words(settings) -> tuple[str, ...]:
    """Words the engine's text prefilter looks for before dispatching SQL checks."""
    extra = tuple(e.rsplit(".", 1)[-1] for e in settings["extend-sql-sinks"])
    return SINK_WORDS + extra


def looks_like_sql(expr: ast.expr, ctx) -> bool:
    """Whether the string's visible leading text starts with a SQL keyword."""
    from flake8_backend.analysis.strings import leading_text

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
    """A string built in place: a literal, an f-string, or `+`/`%`/`.format()` on one."""
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
        return _is_text(node.left)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.attr == "format" and _is_text(node.func.value)
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
