"""Scopes, bindings and reaching definitions, recorded during the engine's single pass.

Rules need to know what a name held when it was used (`q = f"..."; cur.execute(q)`)
and what it was imported as (`import requests as r`). The engine records every
binding as it walks in source order, so at any use the bindings seen so far are
exactly those that precede it. Control flow is approximated by blocks: a plain
assignment whose statement list encloses the use is taken to kill older ones;
assignments in other branches or loops may reach, so they are kept too.
"""

from __future__ import annotations

import ast
import bisect
from typing import Iterator

Pos = tuple[int, int]
Span = tuple[int, int, int, int]
_FAR = (1 << 30, 0)
NO_SPAN: Span = (0, 0, 0, 0)  # a statement outside any recorded block

# Binding kinds. ASSIGN and WITH carry the bound value; ITER (a plain `for` target) carries
# the iterable it takes values from.
ASSIGN, AUG, WITH, IMPORT, PARAM, OTHER, MUTATE, ITER = (
    "assign", "aug", "with", "import", "param", "other", "mutate", "iter")
_KILLING = frozenset({ASSIGN, WITH, IMPORT, PARAM, OTHER, ITER})
# Method calls, as statements, that change what a container name holds (`kw.update(...)`).
MUTATING_METHODS = frozenset({"update", "setdefault", "pop", "popitem", "clear", "__setitem__"})


class Binding:
    """One event on a name: what was bound, where, and in which block."""

    __slots__ = ("kind", "value", "pos", "span", "qualname")

    def __init__(self, kind: str, value: ast.AST | None, pos: Pos, span: Span,
                 qualname: str | None = None) -> None:
        self.kind = kind
        self.value = value
        self.pos = pos
        self.span = span
        self.qualname = qualname

    def kills_at(self, pos: Pos) -> bool:
        """True when this binding surely replaced older ones before `pos`."""
        if self.kind not in _KILLING:
            return False
        s = self.span
        return (s[0], s[1]) <= pos <= (s[2], s[3])


def _pos_key(binding: Binding) -> Pos:
    return binding.pos


class Scope:
    """A module, class or function body with the bindings recorded in it so far."""

    __slots__ = ("kind", "node", "parent", "names", "globals", "attrs", "self_name", "cls",
                 "loops", "frames", "unbound_parameters")

    def __init__(self, kind: str, node: ast.AST, parent: Scope | None) -> None:
        self.kind = kind  # "module" | "class" | "function"
        self.node = node
        self.parent = parent
        self.names: dict[str, list[Binding]] = {}
        self.globals: set[str] = set()
        self.attrs: dict[str, list[Binding]] = {}  # class scopes: self.<attr> bindings
        self.self_name: str | None = None  # functions defined in a class: first parameter
        self.cls: Scope | None = None  # functions defined in a class: that class scope
        self.loops: list[ast.AST] = []  # enclosing loops and comprehensions, innermost last
        # enclosing try/except/with blocks, innermost last (tracked on demand: see enclosing)
        self.frames: list = []
        # functions and lambdas: parameters are bound on the first lookup in the scope
        # (see `bind_parameters`); most scopes are never asked about a name
        self.unbound_parameters = kind == "function"

    def add(self, name: str, binding: Binding) -> None:
        """Append a binding, keeping each name's list in source order."""
        found = self.names.get(name)
        if found is None:
            self.names[name] = [binding]
        elif found[-1].pos <= binding.pos:
            found.append(binding)
        else:  # a module-level import recorded up front, then an earlier assignment
            bisect.insort(found, binding, key=_pos_key)

    def bind_parameters(self) -> None:
        """Bind the function's parameters, positioned at the `def`, before its body's bindings."""
        self.unbound_parameters = False
        node = self.node
        pos = (node.lineno, node.col_offset)
        body = node.body
        span = span_of(body) if body.__class__ is list else (pos[0], pos[1], 1 << 30, 0)
        names = self.names
        for arg in parameters(node.args):
            binding = Binding(PARAM, arg, pos, span)
            found = names.get(arg.arg)
            if found is None:
                names[arg.arg] = [binding]
            else:  # the body bound it again, later in the source
                found.insert(0, binding)


def parameters(args: ast.arguments) -> list[ast.arg]:
    """Every parameter of a signature, in source order."""
    found = [*args.posonlyargs, *args.args]
    if args.vararg:
        found.append(args.vararg)
    found.extend(args.kwonlyargs)
    if args.kwarg:
        found.append(args.kwarg)
    return found


def span_of(stmts: list[ast.stmt]) -> Span:
    first, last = stmts[0], stmts[-1]
    return (first.lineno, first.col_offset, last.end_lineno or first.lineno,
            last.end_col_offset or 0)


def end_pos(node: ast.AST) -> Pos:
    return (getattr(node, "end_lineno", None) or node.lineno,
            getattr(node, "end_col_offset", None) or 0)


def import_bindings(node: ast.Import | ast.ImportFrom) -> Iterator[tuple[str, str]]:
    """(bound name, qualified name) for each alias of an import statement."""
    if isinstance(node, ast.Import):
        for alias in node.names:
            if alias.asname:
                yield alias.asname, alias.name
            else:
                top = alias.name.partition(".")[0]
                yield top, top
        return
    module = "." * (node.level or 0) + (node.module or "")
    for alias in node.names:
        if alias.name == "*":
            continue
        yield alias.asname or alias.name, f"{module}.{alias.name}" if module else alias.name


_IMPORTS = (ast.Import, ast.ImportFrom)
# Module-level statements whose blocks run at import time (`if TYPE_CHECKING:`, `try:`
# around an optional import, `with`, loops); definitions' bodies do not.
_BLOCKS = {cls: fields for cls, fields in (
    (ast.If, ("body", "orelse")), (ast.Try, ("body", "handlers", "orelse", "finalbody")),
    (getattr(ast, "TryStar", None), ("body", "handlers", "orelse", "finalbody")),
    (ast.With, ("body",)), (ast.AsyncWith, ("body",)), (ast.For, ("body", "orelse")),
    (ast.AsyncFor, ("body", "orelse")), (ast.While, ("body", "orelse")),
    (ast.ExceptHandler, ("body",))) if cls is not None}


def prescan_module_imports(tree: ast.Module, scope: Scope) -> None:
    """Record module-level imports up front, so functions defined above an import see it."""
    if not tree.body:
        return
    span = span_of(tree.body)
    pending = [tree.body]
    while pending:
        for stmt in pending.pop():
            cls = stmt.__class__
            if cls in _IMPORTS:
                pos = (stmt.lineno, stmt.col_offset)
                for name, qualname in import_bindings(stmt):
                    scope.add(name, Binding(IMPORT, None, pos, span, qualname))
            else:
                fields = _BLOCKS.get(cls)
                if fields is not None:
                    pending.extend(getattr(stmt, field) for field in fields)
