"""What a check sees while the engine walks one module: scopes, name resolution, reporting.

Every check is called as `check(node, ctx: ModuleContext)`. The walk contract,
what is true of `ctx` at each node, is written in `docs/engine.md`; in short:
the walk goes in source order, a node's own bindings are recorded before its
checks run, `ctx.scope` is the innermost module, class or function scope,
and `ctx.enclosing` answers what encloses the node.
"""

from __future__ import annotations

import ast
import os
from typing import Callable, NamedTuple, TypeVar

from flake8_backend.analysis.enclosing import Enclosing
from flake8_backend.analysis.scope import ASSIGN, IMPORT, _FAR, Binding, Pos, Scope
from flake8_backend.registry import Rule
from flake8_backend.settings import Settings

_MAX_ALIAS_HOPS = 8
T = TypeVar("T")


class Finding(NamedTuple):
    """One reported problem; positions are 1-based lines and 0-based columns, as in `ast`."""

    line: int
    col: int
    code: str
    message: str
    end_line: int
    end_col: int


class ModuleContext:
    """Shared facts for one module, built once per file during the single pass."""

    def __init__(self, source: str, settings: Settings, filename: str = "<unknown>") -> None:
        self.source = source
        self.settings = settings
        self.filename = filename
        self.findings: list[Finding] = []
        self.module: Scope = Scope("module", ast.Module(body=[], type_ignores=[]), None)
        self.scope: Scope = self.module  # the innermost module, class or function scope
        self.enclosing = Enclosing(self)
        # id(statement) -> span of the statement list holding it (see scope.Binding)
        self.blocks: dict[int, tuple[int, int, int, int]] = {}
        self.at_end: list[Callable[[], None]] = []  # checks that need the whole module seen
        self.expression_statement: ast.Expr | None = None  # the latest `Expr` statement walked
        # name -> names it may stand for when called, for the Call dispatch (see `callees`)
        self.aliases: dict[str, set[str]] = {}
        # checks that raised: (check name, line, error), reported by the engine
        self.errors: list[tuple[str, int, str]] = []
        self._cache: dict[Callable, object] = {}
        self._path: str | None = None

    def cached(self, factory: Callable[[ModuleContext], T]) -> T:
        """`factory(ctx)`, made on first use and kept for this module, keyed by the factory.

        The typed replacement for string-keyed memo entries: the key is a function, so
        two rules cannot clash on a name, and the value has the factory's return type.
        Factories for mutable state (a set of seen ids) return a fresh object.
        """
        try:
            return self._cache[factory]  # type: ignore[return-value]
        except KeyError:
            value = self._cache[factory] = factory(self)
            return value

    @property
    def path(self) -> str:
        """The file's path relative to the project root, POSIX-style, however the front end
        spelled it (`app.py`, `./app.py`, `/abs/app.py`): what path options match against.
        Files outside the root keep their absolute path."""
        if self._path is None:
            self._path = project_path(self.filename, self.settings.root)
        return self._path

    # -- scopes -------------------------------------------------------------
    @property
    def function(self) -> Scope | None:
        """The innermost enclosing function scope, if any."""
        scope: Scope | None = self.scope
        while scope is not None and scope.kind != "function":
            scope = scope.parent
        return scope

    def reaching(self, name: str, at: ast.AST) -> list[Binding]:
        """Bindings of `name` that may reach `at`, most recent first."""
        pos: Pos = (at.lineno, at.col_offset)
        scope: Scope | None = self.scope
        first = True
        while scope is not None:
            if scope.kind == "class" and not first:
                scope = scope.parent  # methods do not see names bound in class bodies
                continue
            if name in scope.globals:
                scope, pos = self.module, _FAR
            if scope.unbound_parameters:
                scope.bind_parameters()
            bindings = scope.names.get(name)
            if bindings:
                return _reaching(bindings, pos)
            scope, pos, first = scope.parent, _FAR, False  # outer bindings all ran before
        return []

    def attr_bindings(self, node: ast.Attribute) -> list[Binding]:
        """Bindings of `self.<attr>` made in methods of the enclosing class, or class-level ones."""
        func = self.function
        if (func is None or func.cls is None or not isinstance(node.value, ast.Name)
                or node.value.id != func.self_name):
            return []
        cls = func.cls
        found = list(reversed(cls.attrs.get(node.attr, ())))
        found.extend(_reaching(cls.names.get(node.attr, ()), _FAR))
        return found

    def qualname(self, expr: ast.AST) -> str | None:
        """The dotted name an expression refers to through imports and simple aliases."""
        parts: list[str] = []
        hops = 0
        while True:
            while isinstance(expr, ast.Attribute):
                parts.append(expr.attr)
                expr = expr.value
            if not isinstance(expr, ast.Name):
                return None
            bindings = self.reaching(expr.id, expr)
            if not bindings:
                return None
            latest = bindings[0]
            if latest.kind == IMPORT:
                parts.append(latest.qualname or expr.id)
                return ".".join(reversed(parts))
            value = latest.value
            if (latest.kind != ASSIGN or hops >= _MAX_ALIAS_HOPS
                    or not isinstance(value, (ast.Name, ast.Attribute))):
                return None
            hops += 1
            expr = value

    def expression_statement_is(self, call: ast.AST) -> bool:
        """Whether `call` is a whole expression statement (`x.save()`, `await x.save()`)."""
        stmt = self.expression_statement
        if stmt is None:
            return False
        value = stmt.value.value if isinstance(stmt.value, ast.Await) else stmt.value
        return value is call

    # -- reporting ----------------------------------------------------------
    def report(self, rule: Rule, node: ast.AST, end: ast.AST | tuple[int, int] | None = None,
               **fields: object) -> None:
        """Record a finding at the first line of `node` (where `# noqa` is looked for).

        `end` narrows the reported range: another node, or an explicit (line, col).
        """
        if rule.code not in self.settings.enabled:
            return
        if isinstance(end, tuple):
            end_line, end_col = end
        else:
            last = end or node
            end_line = getattr(last, "end_lineno", None) or node.lineno
            end_col = getattr(last, "end_col_offset", None) or node.col_offset
        self.findings.append(Finding(node.lineno, node.col_offset, rule.code,
                                     rule.format(**fields), end_line, end_col))


def _reaching(bindings: list[Binding], pos: Pos) -> list[Binding]:
    found = []
    for binding in reversed(bindings):
        if binding.pos > pos:
            continue
        found.append(binding)
        if binding.kills_at(pos):
            break
    return found


def project_path(filename: str, root: str | None) -> str:
    """`filename` relative to `root` (default: the working directory), with `/` separators."""
    if filename.startswith("<"):  # "<unknown>", "<stdin>"
        return filename
    try:
        absolute = os.path.abspath(filename)
        relative = os.path.relpath(absolute, root or os.getcwd())
    except ValueError:  # another drive on Windows
        return filename.replace("\\", "/")
    if relative == os.pardir or relative.startswith(os.pardir + os.sep):
        relative = absolute
    return relative.replace("\\", "/")
