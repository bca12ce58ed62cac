"""Which calls run a database query: the classifier shared by the data-access rules.

Receivers have no types here, so each family is recognised by a shape that is
rare outside databases: DB-API and asyncpg calls with SQL text, SQLAlchemy
session methods called with a model or statement, Django manager methods
(`Model.objects.filter`), and `.save()`/`.delete()` on an ORM row. HTTP
clients named `session` (requests, httpx, aiohttp) are excluded by origin.

A SQLAlchemy session is known by its name (`session`, `sess`, `db_session`),
by its annotation (`db: Session`, `AsyncSession`, `scoped_session`), or, for the
ambiguous name `db`, by the call's SQLAlchemy shape (`db.get(Model, pk)`,
`db.query(Model)`, `db.execute(select(...))`). `session.add()` runs no SQL (the
row is flushed at the next flush or commit); `merge()` does (it SELECTs by
primary key). A Django queryset is lazy: the manager call that starts a chain
is returned with family "manager", and whether the chain is evaluated (by a
method such as `get()`/`count()`, by iteration, `list()`, `len()`, a truth
test) is the caller's question (`EVALUATING`, `LAZY`).
"""

from __future__ import annotations

import ast
from typing import Collection, NamedTuple

from flake8_backend.analysis.astutil import callee_name, receiver_label, terminal_name
from flake8_backend.analysis.context import ModuleContext
from flake8_backend.analysis.origins import made_by_module
from flake8_backend.analysis.scope import ASSIGN, PARAM, WITH
from flake8_backend.domain.sql_sinks import LOOKS_LIKE_SQL
from flake8_backend.domain.sql_text import leading_text
from flake8_backend.patterns import lazy_compile
from flake8_backend.registry import Callees
from flake8_backend.settings import Settings

SQL_METHODS = frozenset({"execute", "fetch", "fetchrow", "fetchval"})
# `add`/`add_all` are not here: they only stage the row for the next flush.
SESSION_METHODS = frozenset({"query", "get", "scalar", "scalars", "execute", "merge",
                             "refresh", "get_one"})
# Django QuerySet methods that run the query when called (one row, one count, one write).
EVALUATING = frozenset({
    "get", "create", "get_or_create", "update_or_create", "count", "exists", "first", "last",
    "aggregate", "latest", "earliest", "in_bulk", "update", "delete", "contains", "explain",
    "aget", "acreate", "aget_or_create", "aupdate_or_create", "acount", "aexists", "afirst",
    "alast", "aaggregate", "alatest", "aearliest", "ain_bulk", "aupdate", "adelete",
    "acontains",
})
# Writes of many rows at once: they run a query too, but they are the batching, and a loop
# around them iterates over groups of rows.
BULK = frozenset({"bulk_create", "bulk_update", "abulk_create", "abulk_update"})
# Django QuerySet methods that return a new, unevaluated queryset.
LAZY = frozenset({
    "all", "filter", "exclude", "values", "values_list", "annotate", "alias", "order_by",
    "select_related", "prefetch_related", "distinct", "only", "defer", "using", "none",
    "reverse", "extra", "select_for_update", "dates", "datetimes", "union", "intersection",
    "difference", "iterator",
})
MANAGER_METHODS = EVALUATING | LAZY
# SQLAlchemy's legacy `Query` (`session.query(User)...`) is lazy too: these methods run it,
QUERY_RUNNING = frozenset({"all", "first", "one", "one_or_none", "scalar", "count", "get",
                           "update", "delete", "first_or_404", "one_or_404", "get_or_404",
                           "paginate"})
# and these embed it, unrun, in another statement.
QUERY_EMBEDDED = frozenset({"subquery", "cte", "exists", "as_scalar", "scalar_subquery",
                            "label", "union", "union_all"})
ROW_METHODS = frozenset({"save", "delete", "refresh_from_db", "asave", "adelete",
                         "arefresh_from_db"})
# Calls that open a new database (or cache) connection, engine or client.
DB_CONNECTION_FACTORIES = frozenset({
    "psycopg2.connect", "psycopg.connect", "psycopg.AsyncConnection.connect",
    "pymysql.connect", "mysql.connector.connect", "sqlite3.connect", "asyncpg.connect",
    "sqlalchemy.create_engine", "sqlalchemy.ext.asyncio.create_async_engine",
    "redis.Redis", "redis.StrictRedis", "redis.Redis.from_url", "redis.from_url",
    "redis.asyncio.Redis", "redis.asyncio.from_url", "pymongo.MongoClient",
    "motor.motor_asyncio.AsyncIOMotorClient", "aioredis.from_url",
})
SESSION_ANNOTATIONS = frozenset({"Session", "AsyncSession", "scoped_session",
                                 "async_scoped_session"})
# SQLAlchemy statement constructors (`select(User)`, `update(User).where(...)`).
STATEMENT_FUNCTIONS = frozenset({"select", "insert", "update", "delete", "text", "union",
                                 "union_all", "exists"})
_SESSION_NAME = lazy_compile(r"(?i)(^|_)(session|sess|db_session|dbsession)$")
_AMBIGUOUS_SESSION_NAME = lazy_compile(r"(?i)^(db|_db)$")
_HTTP_MODULES = ("requests.", "httpx.", "aiohttp.", "urllib3.")
_MANAGERS = ("objects", "_default_manager", "_base_manager")
_MAX_HOPS = 3


class DbCall(NamedTuple):
    """A call that runs a query: a label for messages and the family it belongs to."""

    label: str
    family: str  # "sql" | "session" | "manager" | "row" | "custom"
    sql: ast.expr | None = None


def classify(call: ast.Call, ctx: ModuleContext,
             row_names: Collection[str] = frozenset()) -> DbCall | None:
    """The query this call runs, if it is one. `row_names`: names holding ORM rows.

    A "manager" answer is the call that starts a Django queryset chain
    (`Model.objects.filter(...)`); it runs a query only if the chain is evaluated.
    """
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
    if name in SESSION_METHODS and is_db_session_call(receiver, call, name, ctx):
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


def is_db_session_call(receiver: ast.expr, call: ast.Call, method: str,
                       ctx: ModuleContext) -> bool:
    """`session.query(User)`, `db.session.get(User, uid)`, `db.execute(select(User))`."""
    terminal = terminal_name(receiver)
    named = bool(_SESSION_NAME.search(terminal)) or _annotated_session(receiver, ctx)
    if not named and not _AMBIGUOUS_SESSION_NAME.match(terminal):
        return False
    if made_by_module(receiver, ctx, _HTTP_MODULES):
        return False  # an HTTP client that happens to be called `session`
    if method in ("get", "get_one"):
        # SQLAlchemy: session.get(Model, pk); HTTP clients and dicts: session.get(url)
        return len(call.args) >= 2 and _looks_like_class(call.args[0])
    if method == "query":
        return bool(call.args) and _looks_like_class(call.args[0])
    if not named:  # `db`: only a SQLAlchemy statement says it is a session
        return (method in ("execute", "scalars", "scalar") and bool(call.args)
                and is_statement(call.args[0], ctx))
    if method in ("merge", "refresh"):
        return len(call.args) == 1
    return bool(call.args)


def _annotated_session(receiver: ast.expr, ctx: ModuleContext) -> bool:
    """A parameter annotated as a SQLAlchemy session: `db: Session`, `s: AsyncSession | None`."""
    if not isinstance(receiver, ast.Name):
        return False
    for binding in ctx.reaching(receiver.id, receiver):
        if binding.kind == PARAM and isinstance(binding.value, ast.arg):
            return _session_annotation(binding.value.annotation)
    return False


def _session_annotation(annotation: ast.expr | None) -> bool:
    pending = [annotation]
    while pending:
        node = pending.pop()
        if node is None:
            continue
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value.strip("'\" ").rsplit(".", 1)[-1] in SESSION_ANNOTATIONS
        if isinstance(node, ast.BinOp):  # `Session | None`
            pending.extend((node.left, node.right))
        elif isinstance(node, ast.Subscript):  # `Optional[Session]`, `Annotated[Session, ...]`
            inner = node.slice
            pending.extend(inner.elts if isinstance(inner, ast.Tuple) else [inner])
        elif terminal_name(node) in SESSION_ANNOTATIONS:
            return True
    return False


def is_statement(expr: ast.expr, ctx: ModuleContext) -> bool:
    """A SQLAlchemy statement: `select(User).where(...)`, directly or through a name."""
    return _statement_root(expr, ctx) is not None


def _statement_root(expr: ast.expr, ctx: ModuleContext) -> ast.Call | None:
    """The `select(...)`-like call a statement chain starts from, through a few assignments."""
    pending = [(expr, 0)]
    while pending:
        node, hops = pending.pop()
        while True:
            if isinstance(node, ast.Call):
                if isinstance(node.func, ast.Name) and node.func.id in STATEMENT_FUNCTIONS:
                    return node
                if isinstance(node.func, ast.Attribute):
                    if node.func.attr in STATEMENT_FUNCTIONS and _is_sqlalchemy(node.func, ctx):
                        return node  # `sa.select(...)`
                    node = node.func.value
                    continue
                break
            if isinstance(node, ast.Name) and hops < _MAX_HOPS:
                pending.extend((b.value, hops + 1) for b in ctx.reaching(node.id, node)
                               if b.kind in (ASSIGN, WITH) and isinstance(b.value, ast.expr))
            break
    return None


def _is_sqlalchemy(func: ast.Attribute, ctx: ModuleContext) -> bool:
    qualname = ctx.qualname(func)
    return bool(qualname) and qualname.startswith("sqlalchemy")


def statement_chains(expr: ast.expr, ctx: ModuleContext) -> list[ast.expr]:
    """The expressions a statement argument may be: itself and, through names, the values
    assigned to it (`stmt = select(X); stmt = stmt.limit(10)`), a few hops deep."""
    found: list[ast.expr] = []
    pending = [(expr, 0)]
    seen: set[int] = set()
    while pending:
        node, hops = pending.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        found.append(node)
        root = node
        while isinstance(root, (ast.Call, ast.Attribute, ast.Subscript, ast.Await)):
            root = root.func if isinstance(root, ast.Call) else root.value
        if isinstance(root, ast.Name) and hops < _MAX_HOPS:
            pending.extend((b.value, hops + 1) for b in ctx.reaching(root.id, root)
                           if b.kind in (ASSIGN, WITH) and isinstance(b.value, ast.expr))
    return found


def _looks_like_class(node: ast.expr) -> bool:
    return terminal_name(node)[:1].isupper()


def _is_manager(receiver: ast.expr) -> bool:
    """`Model.objects.<method>`: a Django manager on a class-like name."""
    return (isinstance(receiver, ast.Attribute) and receiver.attr in _MANAGERS
            and _looks_like_class(receiver.value))


def _is_row(receiver: ast.expr, row_names: Collection[str]) -> bool:
    """The loop's own row (`order.save()`), not something it holds (`order.file.delete()`)."""
    return isinstance(receiver, ast.Name) and receiver.id in row_names


# -- what a loop iterates over -------------------------------------------------------

DJANGO, SQLALCHEMY = "django", "sqlalchemy"
# Methods that, somewhere in a chain, say the chain is a SQLAlchemy query or result.
_SQLALCHEMY_MARKERS = frozenset({"query", "scalars", "execute", "filter_by", "scalar",
                                 "unique", "mappings", "fetchall", "where"})
_DJANGO_ROW_METHODS = frozenset({"all", "filter", "exclude", "order_by", "select_related",
                                 "prefetch_related", "distinct", "only", "defer", "iterator",
                                 "select_for_update", "annotate", "using", "reverse", "none"})


def rows_origin(expr: ast.expr, ctx: ModuleContext) -> str:
    """What kind of rows iterating `expr` yields: DJANGO model instances (a queryset chain
    that returns instances), SQLALCHEMY objects (a session query or result), or "" (unknown:
    a parameter, a helper's result, values()/values_list() tuples, an API's list)."""
    for node in _origins(expr, ctx):
        found = _chain_origin(node)
        if found:
            return found
    return ""


def _origins(expr: ast.expr, ctx: ModuleContext) -> list[ast.expr]:
    """`expr` and, through plain names, the values assigned to it (a few hops)."""
    found: list[ast.expr] = []
    pending = [(expr, 0)]
    while pending:
        node, hops = pending.pop()
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                and node.func.id in ("list", "sorted", "reversed", "enumerate", "tuple",
                                     "set") and node.args:
            node = node.args[0]  # `enumerate(qs)`, `list(qs)`
        if isinstance(node, ast.Name):
            if hops < _MAX_HOPS:
                pending.extend((b.value, hops + 1) for b in ctx.reaching(node.id, node)
                               if b.kind == ASSIGN and isinstance(b.value, ast.expr))
            continue
        found.append(node)
    return found


def _chain_origin(node: ast.expr) -> str:
    django = False
    while True:
        if isinstance(node, ast.Await):
            node = node.value
        elif isinstance(node, ast.Subscript):
            node = node.value
        elif isinstance(node, ast.Call):
            method = callee_name(node.func)
            if method in ("values", "values_list"):
                return ""  # dicts and tuples, not model instances
            if method in _SQLALCHEMY_MARKERS:
                return SQLALCHEMY
            django = django or method in _DJANGO_ROW_METHODS
            if not isinstance(node.func, ast.Attribute):
                return DJANGO if django else ""
            node = node.func.value
        elif isinstance(node, ast.Attribute):
            if node.attr in _MANAGERS:  # `Order.objects`; not boto3's `bucket.objects`
                return DJANGO if _looks_like_class(node.value) else ""
            if node.attr == "query":
                return SQLALCHEMY  # Flask-SQLAlchemy `Model.query`
            node = node.value
        else:
            return DJANGO if django else ""
