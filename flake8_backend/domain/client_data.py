"""Request data of web frameworks: values the client controls, never constants.

Django (`request.GET/POST/COOKIES/META/FILES/headers/body`, DRF `request.data/query_params`),
Flask (`request.args/form/values/json/get_json()/cookies/headers/files`) and
Starlette/FastAPI (`request.query_params/path_params/headers/cookies/json()/form()/body()`).
The request object is known by name (`request`, `req`, `self.request` in class-based
views), by import (`from flask import request`) and by annotation (`r: Request`,
`HttpRequest`). Values assigned from request data carry it (`title = request.GET["q"]`).
"""

from __future__ import annotations

import ast

from flake8_backend.analysis.astutil import callee_name
from flake8_backend.analysis.context import ModuleContext
from flake8_backend.analysis.scope import ASSIGN, AUG, IMPORT, ITER, PARAM
from flake8_backend.domain.routes import enclosing_route_handler

REQUEST_NAMES = frozenset({"request", "req"})
# Module-level request proxies (Flask and its relatives).
REQUEST_QUALNAMES = frozenset({"flask.request", "quart.request", "bottle.request",
                               "werkzeug.local.request"})
# Annotations that make a parameter the request: FastAPI/Starlette/DRF `Request`, Django's.
REQUEST_ANNOTATIONS = frozenset({"Request", "HttpRequest", "WSGIRequest", "ASGIRequest"})
# Attributes of the request that hold what the client sent.
CLIENT_ATTRIBUTES = frozenset({
    "GET", "POST", "COOKIES", "META", "FILES", "headers", "body", "data", "query_params",
    "args", "form", "values", "json", "cookies", "files", "path_params", "view_args",
    "query_string",
})
# Methods of the request that return what the client sent (`await request.json()`).
CLIENT_METHODS = frozenset({"get_json", "get_data", "json", "form", "body", "stream"})
# Calls that turn any value into a number or a quoted identifier: no client text survives.
_SANITIZING_CALLS = frozenset({"int", "float", "len", "bool", "abs", "round"})
# Parameters of a route handler that the framework fills with something else than request
# data: the request itself, a database session, injected dependencies.
_NOT_CLIENT_ANNOTATIONS = frozenset({
    "Request", "HttpRequest", "WSGIRequest", "ASGIRequest", "WebSocket", "Response",
    "BackgroundTasks", "Session", "AsyncSession", "Connection", "AsyncConnection", "Database",
    "SecurityScopes", "HTTPConnection"})
_INJECTIONS = frozenset({"Depends", "Security", "Inject", "Provide"})
_MAX_HOPS = 4
_MAX_NODES = 64


def is_request(expr: ast.AST, ctx: ModuleContext) -> bool:
    """Whether `expr` is the request object of a web framework."""
    if isinstance(expr, ast.Attribute):  # `self.request` in Django/DRF class-based views
        return (expr.attr == "request" and isinstance(expr.value, ast.Name)
                and expr.value.id in ("self", "cls"))
    if not isinstance(expr, ast.Name):
        return False
    if expr.id in REQUEST_NAMES:
        return True
    bindings = ctx.reaching(expr.id, expr)
    if not bindings:
        return False
    latest = bindings[0]
    if latest.kind == IMPORT:
        return latest.qualname in REQUEST_QUALNAMES
    if latest.kind == PARAM:
        return _annotation_name(getattr(latest.value, "annotation", None)) in REQUEST_ANNOTATIONS
    return False


def _annotation_name(annotation: ast.AST | None) -> str:
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        return annotation.value.rsplit(".", 1)[-1]  # `r: "Request"`
    if isinstance(annotation, ast.Attribute):
        return annotation.attr
    if isinstance(annotation, ast.Name):
        return annotation.id
    return ""


def reads_request(expr: ast.AST, ctx: ModuleContext) -> bool:
    """Whether `expr` reads what the client sent: `request.GET`, `request.args["q"]`,
    `request.form.get("q", "").strip()`, `await request.json()`."""
    node = expr
    for _ in range(16):  # a chain of subscripts and method calls on request data
        if isinstance(node, ast.Await):
            node = node.value
        elif isinstance(node, ast.Subscript):
            node = node.value
        elif isinstance(node, ast.Call):
            func = node.func
            if not isinstance(func, ast.Attribute):
                return False
            if func.attr in CLIENT_METHODS and is_request(func.value, ctx):
                return True
            node = func.value  # `.get("q")`, `.getlist("ids")`, `.strip()` keep the data
        elif isinstance(node, ast.Attribute):
            if node.attr in CLIENT_ATTRIBUTES and is_request(node.value, ctx):
                return True
            node = node.value
        else:
            return False
    return False


def client_source(expr: ast.expr, ctx: ModuleContext) -> ast.expr | None:
    """The expression reading request data that flows into `expr`, if one is visible.

    Follows names to their assignments (a few hops) and looks inside the value
    (`"%" + request.args["q"] + "%"`, `str(title)`), skipping calls that make a number.
    """
    pending: list[tuple[ast.AST, int]] = [(expr, 0)]
    seen: set[int] = set()
    budget = _MAX_NODES
    while pending and budget:
        node, hops = pending.pop()
        budget -= 1
        if isinstance(node, (ast.Attribute, ast.Subscript, ast.Call, ast.Await)) and \
                reads_request(node, ctx):
            return node  # type: ignore[return-value]
        if isinstance(node, ast.Name):
            if hops >= _MAX_HOPS:
                continue
            for binding in ctx.reaching(node.id, node):
                if id(binding) in seen:
                    continue
                seen.add(id(binding))
                if binding.kind == PARAM and route_parameter(binding.value, ctx):
                    return node
                if binding.kind in (ASSIGN, ITER) and binding.value is not None:
                    pending.append((binding.value, hops + 1))
                elif binding.kind == AUG:
                    pending.append((binding.value.value, hops + 1))
        elif isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id in _SANITIZING_CALLS:
                continue
            if isinstance(func, ast.Attribute):
                pending.append((func.value, hops))
            pending.extend((arg, hops) for arg in node.args)
            pending.extend((kw.value, hops) for kw in node.keywords)
        elif isinstance(node, ast.IfExp):
            pending.extend(((node.body, hops), (node.orelse, hops)))
        elif isinstance(node, (ast.Subscript, ast.Attribute, ast.Await, ast.Starred,
                               ast.FormattedValue)):
            pending.append((node.value, hops))  # `names[i]` holds what `names` holds
        elif isinstance(node, (ast.BinOp, ast.JoinedStr, ast.List, ast.Tuple, ast.BoolOp)):
            pending.extend((child, hops) for child in ast.iter_child_nodes(node)
                           if isinstance(child, ast.expr))
    return None


def route_parameter(arg: ast.AST | None, ctx: ModuleContext) -> bool:
    """A parameter of the route handler being walked that the framework fills from the URL,
    the query string or the body: FastAPI's `q: str`, Flask's `<name>`, Django's URL kwargs."""
    if not isinstance(arg, ast.arg):
        return False
    handler = enclosing_route_handler(ctx)
    if handler is None:
        return False
    args = handler.args
    positional = [*args.posonlyargs, *args.args]
    if arg.arg in ("self", "cls", "request", "req") or (positional and arg is positional[0]
                                                        and ctx.scope.parent is not None
                                                        and ctx.scope.parent.kind == "class"):
        return False
    if _annotation_name(arg.annotation) in _NOT_CLIENT_ANNOTATIONS:
        return False
    defaults = dict(zip([a.arg for a in positional[len(positional) - len(args.defaults):]],
                        args.defaults))
    defaults.update((a.arg, d) for a, d in zip(args.kwonlyargs, args.kw_defaults) if d)
    default = defaults.get(arg.arg)
    if default is None and isinstance(arg.annotation, ast.Subscript):
        default = arg.annotation  # `Annotated[Session, Depends(get_db)]`
    return not _injected(default)


def _injected(node: ast.AST | None) -> bool:
    """`Depends(get_db)`, or `Annotated[..., Depends(...)]`."""
    pending = [node] if node is not None else []
    for _ in range(16):
        if not pending:
            return False
        current = pending.pop()
        if isinstance(current, ast.Call) and callee_name(current.func) in _INJECTIONS:
            return True
        if isinstance(current, ast.Subscript):
            pending.append(current.slice)
        elif isinstance(current, ast.Tuple):
            pending.extend(current.elts)
    return False
