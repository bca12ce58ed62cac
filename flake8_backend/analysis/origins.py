"""Where an object came from: the constructor calls that may have produced a value.

`s = requests.Session(); s.get(url)`, `with httpx.Client() as c`, and
`self.session = Session()` in `__init__` all tell what a receiver is without
type inference. Rules ask which calls made a value and match their qualified
names (a requests session for BE014, an HTTP client that is not a database
session for BE004).
"""

from __future__ import annotations

import ast

from flake8_backend.analysis.context import ModuleContext
from flake8_backend.analysis.scope import ASSIGN, WITH, Binding

_MAX_HOPS = 4


def bindings_of(expr: ast.expr, ctx: ModuleContext) -> list[Binding]:
    """Bindings of a name, or of `self.<attr>` in a method, that may reach `expr`."""
    if isinstance(expr, ast.Name):
        return ctx.reaching(expr.id, expr)
    if isinstance(expr, ast.Attribute):
        return ctx.attr_bindings(expr)
    return []


def origin_calls(expr: ast.expr, ctx: ModuleContext) -> list[ast.Call]:
    """Calls whose result `expr` may hold: itself if a call, else through assignments."""
    found: list[ast.Call] = []
    pending = [(expr, 0)]
    seen: set[int] = set()
    while pending:
        node, hops = pending.pop()
        if isinstance(node, ast.Call):
            found.append(node)
            continue
        if hops >= _MAX_HOPS:
            continue
        for binding in bindings_of(node, ctx):
            if id(binding) in seen:
                continue
            seen.add(id(binding))
            if binding.kind in (ASSIGN, WITH) and binding.value is not None:
                pending.append((binding.value, hops + 1))
    return found


def made_by(expr: ast.expr, ctx: ModuleContext, qualnames: frozenset[str] | set[str]) -> bool:
    """Whether `expr` may hold the result of a call to one of `qualnames`."""
    return any(ctx.qualname(call.func) in qualnames for call in origin_calls(expr, ctx))


def made_by_module(expr: ast.expr, ctx: ModuleContext, prefixes: tuple[str, ...]) -> bool:
    """Whether `expr` may come from a call into one of the modules named by `prefixes`."""
    for call in origin_calls(expr, ctx):
        qualname = ctx.qualname(call.func)
        if qualname and qualname.startswith(prefixes):
            return True
    return False
