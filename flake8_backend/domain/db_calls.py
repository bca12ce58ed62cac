"""Which calls run a database query: the classifier shared by the data-access rules.

Receivers have no types here, so each family is recognised by a shape that is
rare outside databases: DB-API and asyncpg calls with SQL text, SQLAlchemy
session methods called with a model or statement, Django manager methods
(`Model.objects.filter`), and `.save()`/`.delete()` on an ORM row. HTTP
clients named `session` (requests, httpx, aiohttp) are excluded by origin.
"""

from __future__ import annotations

import ast
from typing import NamedTuple

from flake8_backend.analysis.astutil import receiver_label, terminal_name
from flake8_backend.analysis.context import ModuleContext
from flake8_backend.analysis.origins import made_by_module
from flake8_backend.domain.sql_sinks import LOOKS_LIKE_SQL
from flake8_backend.domain.sql_text import leading_text
from flake8_backend.patterns import lazy_compile
from flake8_backend.registry import Callees
from flake8_backend.settings import Settings

SQL_METHODS = frozenset({"execute", "fetch", "fetchrow", "fetchval"})
SESSION_METHODS = frozenset({"query", "get", "scalar", "scalars", "execute", "add", "merge",
                             "refresh", "get_one"})
MANAGER_METHODS = frozenset({"get", "filter", "exclude", "create", "get_or_create",
                             "update_or_create", "count", "exists", "first", "last",
                             "aggregate", "latest", "earliest", "in_bulk", "values",
                             "values_list", "aget", "acreate", "afirst", "acount", "aexists"})
ROW_METHODS = frozenset({"save", "delete", "refresh_from_db", "asave", "adelete"})
# Calls that open a new database (or cache) connection, engine or client.
DB_CONNECTION_FACTORIES = frozenset({
    "psycopg2.connect", "psycopg.connect", "psycopg.AsyncConnection.connect",
    "pymysql.connect", "mysql.connector.connect", "sqlite3.connect", "asyncpg.connect",
    "sqlalchemy.create_engine", "sqlalchemy.ext.asyncio.create_async_engine",
    "redis.Redis", "redis.StrictRedis", "redis.Redis.from_url", "redis.from_url",
    "redis.asyncio.Redis", "redis.asyncio.from_url", "pymongo.MongoClient",
    "motor.motor_asyncio.AsyncIOMotorClient", "aioredis.from_url",
})
_SESSION_NAME = lazy_compile(r"(?i)(^|_)(session|sess|db_session|dbsession)$")
_HTTP_MODULES = ("requests.", "httpx.", "aiohttp.", "urllib3.")
_MANAGERS = ("objects", "_default_manager", "_base_manager")


class DbCall(NamedTuple):
    """A call that runs a query: a label for messages and the family it belongs to."""

    label: str
    family: str  # "sql" | "session" | "manager" | "row" | "custom"
    sql: ast.expr | None = None


def classify(call: ast.Call, ctx: ModuleContext,
             row_names: frozenset[str] = frozenset()) -> DbCall | None:
    """The query this call runs, if it is one. `row_names`: names holding ORM rows."""
    func = call.func
    methods, functions = ctx.cached(_configured)
    if not isinstance(func, ast.Attribute):
        qualname = ctx.qualname(func) if isinstance(func, ast.Name) else None
        if qualname in functions:
            return DbCall(f"{qualname}()", "custom")
        return None
    name, receiver = func.attr, func.value
    label = f"{receiver_label(receiver)}.{name}()"
    if name in methods:
        return DbCall(label, "custom")
    if qualname_in(func, ctx, functions):
        return DbCall(label, "custom")
    if name in SQL_METHODS and call.args:
        sql = call.args[0]
        text = leading_text(sql, ctx)
        if text is not None and LOOKS_LIKE_SQL.match(text):
            return DbCall(label, "sql", sql)
    if name in SESSION_METHODS and _is_db_session(receiver, call, name, ctx):
        return DbCall(label, "session")
    if name in MANAGER_METHODS and _is_manager(receiver):
        return DbCall(label, "manager")
    if (name in ROW_METHODS and not call.args and _is_row(receiver, row_names)
            and ctx.expression_statement_is(call)):
        return DbCall(label, "row")  # `order.save()` as a statement, not `run(table.delete())`
    return None


def db_callees(settings: Settings) -> Callees:
    """Every call `classify` can accept (for the engine's Call dispatch and prefilter)."""
    extra = settings["extend-db-calls"]
    return Callees(
        names=(SQL_METHODS | SESSION_METHODS | MANAGER_METHODS | ROW_METHODS
               | {e for e in extra if "." not in e}),
        qualnames=frozenset(e for e in extra if "." in e))


def qualname_in(func: ast.expr, ctx: ModuleContext, functions: frozenset[str]) -> bool:
    return bool(functions) and ctx.qualname(func) in functions


def _configured(ctx: ModuleContext) -> tuple[frozenset[str], frozenset[str]]:
    """`extend-db-calls`: plain names are methods, dotted names are functions."""
    extra = ctx.settings["extend-db-calls"]
    return (frozenset(e for e in extra if "." not in e), frozenset(e for e in extra if "." in e))


def _is_db_session(receiver: ast.expr, call: ast.Call, method: str,
                   ctx: ModuleContext) -> bool:
    """`session.query(User)`, `db.session.get(User, uid)`, `session.add(obj)`."""
    terminal = terminal_name(receiver)
    if not _SESSION_NAME.search(terminal):
        return False
    if made_by_module(receiver, ctx, _HTTP_MODULES):
        return False  # an HTTP client that happens to be called `session`
    if method in ("get", "get_one"):
        # SQLAlchemy: session.get(Model, pk); HTTP clients: session.get(url)
        return len(call.args) >= 2 and _looks_like_class(call.args[0])
    if method == "query":
        return bool(call.args) and _looks_like_class(call.args[0])
    if method in ("add", "merge", "refresh"):
        return len(call.args) == 1
    return bool(call.args)


def _looks_like_class(node: ast.expr) -> bool:
    return terminal_name(node)[:1].isupper()


def _is_manager(receiver: ast.expr) -> bool:
    """`Model.objects.<method>`: a Django manager on a class-like name."""
    return (isinstance(receiver, ast.Attribute) and receiver.attr in _MANAGERS
            and _looks_like_class(receiver.value))


def _is_row(receiver: ast.expr, row_names: frozenset[str]) -> bool:
    """The loop's own row (`order.save()`), not something it holds (`order.file.delete()`)."""
    return isinstance(receiver, ast.Name) and receiver.id in row_names
