"""HTTP clients: which calls send a request with `requests`, and which objects are sessions.

Matching is on names resolved through imports, so it works without `requests`
installed and never takes an unrelated object's `.get()` for a request. Sessions
are recognised by where they were made (`requests.Session()`, bound by
assignment, `with ... as`, inline, or `self.x = ...`), see `analysis.origins`.
"""

from __future__ import annotations

import ast

from flake8_backend.analysis.astutil import receiver_label
from flake8_backend.analysis.context import ModuleContext
from flake8_backend.analysis.origins import made_by
from flake8_backend.analysis.scope import Scope

REQUESTS_VERBS = frozenset({"get", "options", "head", "post", "put", "patch", "delete",
                            "request"})
REQUESTS_FUNCTIONS = frozenset(
    [f"requests.{verb}" for verb in REQUESTS_VERBS]
    + [f"requests.api.{verb}" for verb in REQUESTS_VERBS])
REQUESTS_SESSION_FACTORIES = frozenset({"requests.Session", "requests.session",
                                        "requests.sessions.Session",
                                        "requests.sessions.session"})

# Attributes whose replacement changes every request `requests` sends, module verbs and
# sessions alike (`HTTPAdapter.send = send_with_default_timeout`): a project that patches one
# of them with a function setting a timeout has a process-wide default.
REQUESTS_SEND_PATCH_TARGETS = frozenset({
    "requests.adapters.HTTPAdapter.send",
    "requests.Session.request", "requests.Session.send",
    "requests.sessions.Session.request", "requests.sessions.Session.send",
})

# Calls that open an HTTP client with its own connection pool.
HTTP_CLIENT_FACTORIES = frozenset({"httpx.Client", "httpx.AsyncClient", "aiohttp.ClientSession"})


def requests_call(node: ast.Call, ctx: ModuleContext,
                  factories: frozenset[str] | set[str]) -> str | None:
    """A label (`requests.get()`, `self.session.post()`) when `node` sends a request through
    `requests` or a session made by one of `factories`; None otherwise."""
    func = node.func
    if isinstance(func, ast.Attribute):
        if func.attr not in REQUESTS_VERBS:
            return None
        if ctx.qualname(func) in REQUESTS_FUNCTIONS:
            return f"requests.{func.attr}()"
        if _is_session(func.value, ctx, factories):
            return f"{_session_label(func.value)}.{func.attr}()"
        return None
    if isinstance(func, ast.Name):
        qualname = ctx.qualname(func)
        if qualname in REQUESTS_FUNCTIONS:
            return f"requests.{qualname.rsplit('.', 1)[-1]}()"
    return None


def patches_requests_send(target: ast.expr, ctx: ModuleContext) -> bool:
    """Whether assigning to `target` replaces how every `requests` request is sent."""
    return (isinstance(target, ast.Attribute)
            and target.attr in ("send", "request")
            and ctx.qualname(target) in REQUESTS_SEND_PATCH_TARGETS)


def mentions_timeout(node: ast.AST) -> bool:
    """Whether a replacement function (or `partial(...)`) visibly deals with a timeout: a
    `timeout` parameter, keyword, name or attribute, or a `"timeout"` key. A bounded look at one
    definition, iterative (`ast.walk`)."""
    for sub in ast.walk(node):
        if isinstance(sub, ast.arg):
            text = sub.arg
        elif isinstance(sub, ast.keyword):
            text = sub.arg or ""
        elif isinstance(sub, ast.Name):
            text = sub.id
        elif isinstance(sub, ast.Attribute):
            text = sub.attr
        elif isinstance(sub, ast.Constant) and sub.value == "timeout":
            return True
        else:
            continue
        if "timeout" in text.lower():
            return True
    return False


def _is_session(expr: ast.expr, ctx: ModuleContext, factories: frozenset[str] | set[str]) -> bool:
    if isinstance(expr, ast.Call):
        return ctx.qualname(expr.func) in factories
    if isinstance(expr, ast.Name) and _has_default_timeout(expr.id, ctx):
        return False
    return made_by(expr, ctx, factories)


def _session_label(expr: ast.expr) -> str:
    if isinstance(expr, ast.Call):
        return "requests.Session()"
    if isinstance(expr, ast.Name) or (isinstance(expr, ast.Attribute)
                                      and isinstance(expr.value, ast.Name)):
        return receiver_label(expr)
    return "session"


# -- sessions given a default timeout -------------------------------------------
def _timeout_mounts(ctx: ModuleContext) -> set[tuple[int, str]]:
    """(id of the scope's node, session name) for each `s.mount(prefix, Adapter(timeout=...))`."""
    return set()


def note_mount(node: ast.Call, ctx: ModuleContext) -> None:
    """Record `s.mount("https://", TimeoutAdapter(timeout=5))`: the session has a default."""
    func = node.func
    if (isinstance(func, ast.Attribute) and func.attr == "mount"
            and isinstance(func.value, ast.Name) and ctx.expression_statement_is(node)
            and any(isinstance(arg, ast.Call) and any(k.arg == "timeout" for k in arg.keywords)
                    for arg in node.args)):
        ctx.cached(_timeout_mounts).add((id(ctx.scope.node), func.value.id))


def _has_default_timeout(name: str, ctx: ModuleContext) -> bool:
    mounts = ctx.cached(_timeout_mounts)
    if not mounts:
        return False
    scope: Scope | None = ctx.scope
    while scope is not None:
        if (id(scope.node), name) in mounts:
            return True
        scope = scope.parent
    return False
