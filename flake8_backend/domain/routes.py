"""Route handlers (web endpoints), shared by the rules about request-time work.

A handler runs once per request, so work that is fine in a script (opening a
connection, loading a whole table) becomes a per-request cost there. Detected:
`@<router>.get/post/put/patch/delete/route/api_route/websocket(...)` decorators
where the receiver is an application, router or blueprint: made by a call to
`Flask`, `FastAPI`, `APIRouter`, `Blueprint`, `Starlette`, `Quart`, `Sanic`, aiohttp's
`RouteTableDef`... (any `*Router`/`*Blueprint`), or, when its origin is not in
view, named like one (`app`, `router`, `bp`, `blueprint`, `api`, `routes`,
`users_router`, `api_app`), so `@mock.patch` is not `PATCH`; DRF `@api_view` and
`@action`; methods of `APIView`/`ViewSet`-style classes; and Django function views
(first parameter `request`) in `views.py` modules. Nested functions inside a
handler are not handlers themselves.
"""

from __future__ import annotations

import ast

from flake8_backend.analysis.astutil import callee_name, terminal_name
from flake8_backend.analysis.context import ModuleContext
from flake8_backend.analysis.origins import origin_calls
from flake8_backend.analysis.scope import Scope
from flake8_backend.patterns import lazy_compile

ROUTE_DECORATORS = frozenset({"get", "post", "put", "patch", "delete", "head", "options",
                              "route", "api_route", "websocket"})
VIEW_DECORATORS = frozenset({"api_view", "action"})
# What makes an application, router or blueprint object (the last part of the callee's name).
ROUTER_FACTORIES = ("Flask", "FastAPI", "Router", "Blueprint", "Starlette", "Quart", "Sanic",
                    "RouteTableDef", "Namespace", "Litestar", "Bottle")
_ROUTER_NAME = lazy_compile(r"(?i)(^|_)(app|application|router|routes|bp|blueprint|api)$")
VIEW_BASES = ("APIView", "ViewSet", "GenericAPIView", "ModelViewSet", "GenericViewSet",
              "ReadOnlyModelViewSet", "View", "HTTPEndpoint", "MethodView")
VIEW_METHODS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "list",
                          "retrieve", "create", "update", "partial_update", "destroy",
                          "dispatch"})


def _answers(ctx: ModuleContext) -> dict[int, bool]:
    """id(function node) -> whether it is a route handler, decided once per function."""
    return {}


def enclosing_route_handler(ctx: ModuleContext) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    """The route handler whose body is being walked (the innermost function must be it)."""
    scope = ctx.scope
    if scope.kind != "function" or not isinstance(
            scope.node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None  # module or class level, or a lambda: not a handler body
    answers = ctx.cached(_answers)
    found = answers.get(id(scope.node))
    if found is None:
        found = answers[id(scope.node)] = is_route_handler(scope, ctx)
    return scope.node if found else None


def is_route_handler(scope: Scope, ctx: ModuleContext) -> bool:
    """Whether the function of `scope` is a route handler (see the module docstring)."""
    node = scope.node
    filename = ctx.filename
    for decorator in node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        name = terminal_name(target)
        if isinstance(target, ast.Attribute) and name in ROUTE_DECORATORS \
                and is_router(target.value, ctx):
            return True
        if name in VIEW_DECORATORS and _drf_decorator(target, ctx):
            return True
    parent = scope.parent
    if parent is not None and parent.kind == "class" and node.name in VIEW_METHODS:
        return _is_view_class(parent.node)
    if parent is not None and parent.kind == "module":
        args = node.args.posonlyargs + node.args.args
        base = filename.replace("\\", "/").rsplit("/", 1)[-1]
        return bool(args) and args[0].arg == "request" and base in ("views.py", "api.py")
    return False


def is_router(receiver: ast.expr, ctx: ModuleContext) -> bool:
    """An application, router or blueprint: made by a known factory, or, when how it was made
    is not in view (an import, a parameter, `create_app()`), named like one."""
    for call in origin_calls(receiver, ctx):
        qualname = ctx.qualname(call.func) or callee_name(call.func)
        if qualname.rsplit(".", 1)[-1].endswith(ROUTER_FACTORIES):
            return True
    return bool(_ROUTER_NAME.search(terminal_name(receiver)))


def _drf_decorator(target: ast.expr, ctx: ModuleContext) -> bool:
    """`@api_view([...])`, `@action(detail=True)` from DRF; not Django admin's `@admin.action`."""
    qualname = ctx.qualname(target)
    if qualname is None:
        return isinstance(target, ast.Name)  # imported in a way not followed here
    return qualname.startswith("rest_framework")


def _is_view_class(cls: ast.ClassDef) -> bool:
    for base in cls.bases:
        if terminal_name(base).endswith(VIEW_BASES):
            return True
    return False
