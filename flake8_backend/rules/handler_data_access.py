"""BE005 and BE006: database work that costs every request when done in a route handler.

BE005: a handler that loads a whole table (`.all()`, `fetchall()` of a SELECT
without LIMIT) grows with the data until the endpoint times out. BE006: a
handler that opens its own connection, engine or client pays a TCP and auth
handshake per request and can exhaust the server's connection limit; pools
belong at module or app level.
"""

from __future__ import annotations

import ast
from typing import Callable

from flake8_backend.analysis.handlers import current_handler
from flake8_backend.analysis.strings import leading_text
from flake8_backend.patterns import lazy_compile
from flake8_backend.registry import Option, Rule, check, register

BE005 = register(Rule(
    code="BE005",
    name="unbounded-query-in-handler",
    message="{call} in route handler `{handler}` loads every matching row; paginate it "
            "(LIMIT/OFFSET, .limit(), a slice, paginate())",
    summary="A route handler loads every row: `.all()` or `fetchall()` without a limit.",
    what="Checks route handlers for `.all()` on a SQLAlchemy query/select or a Django manager "
         "with no `.limit()`/`.paginate()`/slice/`.first()`/primary-key lookup in the chain, "
         "and `fetchall()` after a SELECT with no LIMIT/FETCH FIRST/TOP.",
    why="An endpoint that returns every row is fast on the developer's table of ten rows and "
        "times out in production. The review guideline: pagination for list endpoints; never "
        "return unbounded results; no SELECT without LIMIT on user-facing endpoints.",
    bad="""\
@app.get("/users")
def list_users():
    return jsonify([u.to_dict() for u in User.query.all()])
""",
    good="""\
@app.get("/users")
def list_users():
    page = User.query.order_by(User.id).limit(limit).offset(offset)
    return jsonify([u.to_dict() for u in page])
""",
    notes="Exempt: chains with `.limit()`, `.paginate()`, `.offset()`, a slice, `.first()`, "
          "`.one()`, `.get()`, or a filter on `id`/`pk`; SQL with LIMIT, FETCH FIRST, TOP or "
          "`WHERE id =`. Not seen: pagination applied by a serializer or helper in another "
          "function, and small lookup tables (use `# noqa: BE005`).",
))

BE006 = register(Rule(
    code="BE006",
    name="connection-per-request",
    message="{call} opens a new connection in route handler `{handler}`; create the pool, "
            "engine or client once at startup and reuse it",
    summary="A route handler opens its own database connection, engine or HTTP client.",
    what="Checks route handlers for calls that build a connection, engine or client: "
         "`psycopg2/psycopg/pymysql/mysql.connector/sqlite3/asyncpg.connect`, "
         "`create_engine`, `create_async_engine`, `redis.Redis(...)`, `MongoClient(...)`, "
         "`httpx.Client/AsyncClient()`, `aiohttp.ClientSession()`.",
    why="Opening a connection per request pays a TCP, TLS and auth handshake every time and "
        "can exhaust the database's connection limit under load. The review guideline: "
        "database connections must be pooled; never open a connection per request.",
    bad="""\
import psycopg2


@app.get("/orders")
def orders():
    conn = psycopg2.connect(DSN)
    return fetch_orders(conn)
""",
    good="""\
from psycopg2.pool import ThreadedConnectionPool

pool = ThreadedConnectionPool(1, 20, DSN)


@app.get("/orders")
def orders():
    conn = pool.getconn()
    try:
        return fetch_orders(conn)
    finally:
        pool.putconn(conn)
""",
    options=(
        Option("extend-connection-factories", "list", (),
               "Dotted names of extra callables that open a connection or client, e.g. "
               "`myapp.db.connect`."),
    ),
    notes="Only route handlers are checked, so app factories, CLI scripts and the Flask "
          "tutorial's `get_db()` helper (which caches on `g`) stay silent.",
))

_LIMITERS = frozenset({"limit", "paginate", "offset", "first", "one", "one_or_none", "get",
                       "scalar", "scalar_one", "scalar_one_or_none", "get_or_404",
                       "first_or_404", "one_or_404", "fetch", "slice", "exists", "count",
                       "iterator", "aggregate"})
_QUERY_MARKERS = frozenset({"query", "objects", "scalars", "select", "execute", "filter",
                            "filter_by", "where", "order_by", "exclude"})
_BOUNDED_SQL = lazy_compile(r"(?is)\blimit\b|\bfetch\s+(first|next)\b|\btop\s*\(?\d|"
                            r"\bwhere\s+(\w+\.)?(id|pk)\s*=")
CONNECTION_FACTORIES = frozenset({
    "psycopg2.connect", "psycopg.connect", "psycopg.AsyncConnection.connect",
    "pymysql.connect", "mysql.connector.connect", "sqlite3.connect", "asyncpg.connect",
    "sqlalchemy.create_engine", "sqlalchemy.ext.asyncio.create_async_engine",
    "redis.Redis", "redis.StrictRedis", "redis.Redis.from_url", "redis.from_url",
    "redis.asyncio.Redis", "redis.asyncio.from_url", "pymongo.MongoClient",
    "motor.motor_asyncio.AsyncIOMotorClient", "httpx.Client", "httpx.AsyncClient",
    "aiohttp.ClientSession", "aioredis.from_url",
})
_CONNECTION_WORDS = ("connect", "create_engine", "create_async_engine", "Redis", "redis",
                     "MongoClient", "Client", "ClientSession")


# -- BE005 --------------------------------------------------------------------
@check(ast.Call, rules=(BE005,), needs=(".all(", "fetchall"),
       callees=frozenset({"all", "fetchall", "execute"}))
def check_unbounded_query(node: ast.Call, ctx) -> None:
    func = node.func
    if not isinstance(func, ast.Attribute) or func.attr not in ("all", "fetchall", "execute"):
        return
    handler = current_handler(ctx)
    if handler is None:
        return
    if func.attr == "execute":
        _remember_sql(node, ctx)
    elif func.attr == "all" and not node.args and id(node) not in _sliced(ctx) \
            and _unbounded_chain(func.value):
        ctx.report(BE005, node, end=func, call=f"{_chain_label(func.value)}.all()",
                   handler=handler.name)
    elif func.attr == "fetchall" and _unbounded_sql(func.value, ctx):
        ctx.report(BE005, node, end=func, call="fetchall()", handler=handler.name)


@check(ast.Subscript, rules=(BE005,), needs=(".all(",))
def note_sliced_queries(node: ast.Subscript, ctx) -> None:
    """`Order.objects.all()[:20]`: the subscript is walked before the call it bounds."""
    if isinstance(node.slice, ast.Slice) and node.slice.upper is not None:
        _sliced(ctx).add(id(node.value))


def _sliced(ctx) -> set[int]:
    found = ctx.memo.get("sliced")
    if found is None:
        found = ctx.memo["sliced"] = set()
    return found


def _unbounded_chain(receiver: ast.expr) -> bool:
    """A query chain with a query marker and nothing that bounds or pins the rows."""
    seen_marker = False
    node = receiver
    while True:
        if isinstance(node, ast.Await):
            node = node.value
            continue
        if isinstance(node, ast.Subscript):
            return False  # qs[:20]
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute):
                if func.attr in _LIMITERS or _pins_primary_key(node):
                    return False
                seen_marker = seen_marker or func.attr in _QUERY_MARKERS
                node = func.value
                continue
            name = getattr(func, "id", "")
            return seen_marker or name == "select"
        if isinstance(node, ast.Attribute):
            if node.attr in ("objects", "query"):
                return True  # Model.objects.all(), Model.query.all()
            seen_marker = seen_marker or node.attr in _QUERY_MARKERS
            node = node.value
            continue
        return seen_marker


def _pins_primary_key(call: ast.Call) -> bool:
    if any(k.arg in ("id", "pk") for k in call.keywords):
        return True
    for arg in call.args:
        if isinstance(arg, ast.Compare) and isinstance(arg.left, ast.Attribute) \
                and arg.left.attr in ("id", "pk") and isinstance(arg.ops[0], ast.Eq):
            return True
    return False


def _remember_sql(call: ast.Call, ctx) -> None:
    receiver = call.func.value
    if isinstance(receiver, ast.Name) and call.args:
        ctx.memo[("last-sql", id(ctx.function.node), receiver.id)] = call.args[0]


def _unbounded_sql(receiver: ast.expr, ctx) -> bool:
    if isinstance(receiver, ast.Call) and isinstance(receiver.func, ast.Attribute) \
            and receiver.func.attr == "execute" and receiver.args:
        sql = receiver.args[0]
    elif isinstance(receiver, ast.Name):
        sql = ctx.memo.get(("last-sql", id(ctx.function.node), receiver.id))
    else:
        return False
    if sql is None:
        return False
    text = leading_text(sql, ctx)
    return bool(text) and text.lstrip().lower().startswith("select") \
        and not _BOUNDED_SQL.search(text)


def _chain_label(receiver: ast.expr) -> str:
    parts = []
    node = receiver
    while len(parts) < 4:
        if isinstance(node, ast.Call):
            node = node.func
            parts.append("()")
        elif isinstance(node, ast.Attribute):
            parts.append("." + node.attr)
            node = node.value
        else:
            break
    if isinstance(node, ast.Name):
        parts.append(node.id)
    else:
        parts.append("...")
    return "".join(reversed(parts)).replace(".()", "()")


# -- BE006 --------------------------------------------------------------------
def _connection_needs(settings) -> tuple[str, ...]:
    extra = tuple(e.rsplit(".", 1)[-1] for e in settings["extend-connection-factories"])
    return _CONNECTION_WORDS + extra


def _connection_callees(settings) -> Callable[[str], bool]:
    words = _connection_needs(settings)
    return lambda name: any(word in name for word in words)


@check(ast.Call, rules=(BE006,), needs=_connection_needs, callees=_connection_callees)
def check_connection_per_request(node: ast.Call, ctx) -> None:
    handler = current_handler(ctx)  # memoized per function: most calls end here
    if handler is None:
        return
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    if not name or not any(word in name for word in _connection_needs(ctx.settings)):
        return
    qualname = ctx.qualname(func)
    factories = CONNECTION_FACTORIES | set(ctx.settings["extend-connection-factories"])
    if qualname in factories:
        ctx.report(BE006, node, end=func, call=f"{qualname}()", handler=handler.name)
