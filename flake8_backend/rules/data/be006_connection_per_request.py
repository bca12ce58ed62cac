"""BE006: a route handler that opens its own connection, engine or client.

Opening one per request pays a TCP, TLS and auth handshake every time and can
exhaust the server's connection limit; pools belong at module or app level.
"""

from __future__ import annotations

import ast

from flake8_backend.analysis.context import ModuleContext
from flake8_backend.domain.db_calls import DB_CONNECTION_FACTORIES
from flake8_backend.domain.http_clients import HTTP_CLIENT_FACTORIES
from flake8_backend.domain.routes import enclosing_route_handler
from flake8_backend.registry import Callees, Option, Rule, check, register
from flake8_backend.settings import Settings

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
          "tutorial's `get_db()` helper (which caches on `g`) stay silent. A route handler is a "
          "function decorated with `.get/.post/.put/.patch/.delete/.route/.api_route/"
          ".websocket(...)` on an application, router or blueprint (made by `Flask`, `FastAPI`, "
          "`APIRouter`, `Blueprint`, `Starlette`, `Quart`, `Sanic`, aiohttp's `RouteTableDef`, "
          "any `*Router`/`*Blueprint`, or, when its origin is not in view, named `app`, "
          "`router`, `bp`, `blueprint`, `api`, `routes` or `*_router`/`*_app`...; so "
          "`@mock.patch` is not `PATCH`), DRF's `@api_view`/`@action`, a method such as "
          "`get`/`post`/`list` of an `APIView`/`ViewSet`/`View`-style class, or a Django "
          "function view (first parameter `request`) in a `views.py` or `api.py` module.",
))


def _callees(settings: Settings) -> Callees:
    return Callees(qualnames=_factories(settings))


def _factories(settings: Settings) -> frozenset[str]:
    return (DB_CONNECTION_FACTORIES | HTTP_CLIENT_FACTORIES
            | frozenset(settings["extend-connection-factories"]))


def _configured(ctx: ModuleContext) -> frozenset[str]:
    return _factories(ctx.settings)


@check(ast.Call, rules=(BE006,), callees=_callees)
def check_connection_per_request(node: ast.Call, ctx: ModuleContext) -> None:
    handler = enclosing_route_handler(ctx)  # decided once per function: most calls end here
    if handler is None:
        return
    qualname = ctx.qualname(node.func)
    if qualname in ctx.cached(_configured):
        ctx.report(BE006, node, end=node.func, call=f"{qualname}()", handler=handler.name)
