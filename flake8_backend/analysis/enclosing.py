"""What encloses the node a check is looking at: function, class, loop, and blocks.

The error, async, logging and route rules all ask the same questions (am I in an
`async def`? in an `except` handler, and what name does it bind? in a `finally`?),
so the walk answers them once instead of each rule walking up the tree.

Answers stop at the innermost function or lambda, because a nested `def` runs
later, elsewhere: a `time.sleep()` in a sync helper defined inside an `async def`
does not block that coroutine, and a `return` in a nested function does not leave
an `except` handler around it. Functions, classes and loops are always known (the
walk keeps them for scopes). `try`/`except`/`with` blocks are tracked only while an
enabled check declares `blocks=True` (see `registry.Check`): that costs a few
markers per such statement, and nothing when no check asks.
"""

from __future__ import annotations

import ast
from typing import Protocol

from flake8_backend.analysis.scope import Scope

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda

# Frame kinds and the parts of a `try` statement.
TRY, EXCEPT, WITH_BLOCK = "try", "except", "with"
BODY, HANDLER, ELSE, FINALLY = "body", "handler", "else", "finally"


class Frame:
    """One enclosing block: a `try` (with the part being walked), an `except`, a `with`."""

    __slots__ = ("kind", "node", "part")

    def __init__(self, kind: str, node: ast.AST, part: str = BODY) -> None:
        self.kind = kind
        self.node = node
        self.part = part

    def __repr__(self) -> str:
        return f"Frame({self.kind}, line {getattr(self.node, 'lineno', '?')}, {self.part})"


class _Walked(Protocol):
    """What `Enclosing` reads of the module context: the walk's current scope."""

    scope: Scope


class BlocksNotTracked(RuntimeError):
    """A check asked about blocks without declaring `blocks=True`: its answer would be wrong."""


class Enclosing:
    """Queries on the walk's current position; `ctx.enclosing` of the module being checked."""

    __slots__ = ("_ctx", "tracking_blocks")

    def __init__(self, ctx: _Walked) -> None:
        self._ctx = ctx
        self.tracking_blocks = False  # set by the engine when an enabled check asks

    # -- always known --------------------------------------------------------
    def function(self) -> FunctionNode | None:
        """The innermost function or lambda whose body is being walked."""
        scope = self._function_scope()
        return scope.node if scope is not None else None

    def async_function(self) -> ast.AsyncFunctionDef | None:
        """The `async def` whose body is being walked, unless a sync `def` or a lambda
        lies in between (code there does not run on the event loop's turn)."""
        node = self.function()
        return node if isinstance(node, ast.AsyncFunctionDef) else None

    def class_def(self) -> ast.ClassDef | None:
        """The innermost class whose body, or one of whose methods, is being walked."""
        scope = self._ctx.scope
        while scope is not None and scope.kind != "class":
            scope = scope.parent
        return scope.node if scope is not None else None

    def loop(self) -> ast.AST | None:
        """The innermost loop or comprehension of the current function that repeats here."""
        scope = self._ctx.scope
        return scope.loops[-1] if scope is not None and scope.loops else None

    # -- tracked on demand -----------------------------------------------------
    def except_handler(self) -> ast.ExceptHandler | None:
        """The innermost `except` handler body being walked (`.name` is the bound name)."""
        frame = self._innermost(EXCEPT)
        return frame.node if frame is not None else None

    def try_part(self) -> tuple[ast.Try, str] | None:
        """The innermost `try` statement and which part of it is being walked:
        `body`, `handler`, `else` or `finally`."""
        frame = self._innermost(TRY)
        return (frame.node, frame.part) if frame is not None else None

    def with_block(self) -> ast.With | ast.AsyncWith | None:
        """The innermost `with` statement whose body is being walked."""
        frame = self._innermost(WITH_BLOCK)
        return frame.node if frame is not None else None

    def frames(self) -> tuple[Frame, ...]:
        """Every enclosing block of the current function, outermost first."""
        self._require_blocks()
        scope = self._ctx.scope
        return tuple(scope.frames) if scope is not None else ()

    # -- helpers -------------------------------------------------------------
    def _function_scope(self) -> Scope | None:
        scope = self._ctx.scope
        while scope is not None and scope.kind != "function":
            scope = scope.parent
        return scope

    def _innermost(self, kind: str) -> Frame | None:
        self._require_blocks()
        scope = self._ctx.scope
        if scope is None:
            return None
        for frame in reversed(scope.frames):
            if frame.kind == kind:
                return frame
        return None

    def _require_blocks(self) -> None:
        if not self.tracking_blocks:
            raise BlocksNotTracked("declare blocks=True on the check to ask about "
                                   "try/except/with blocks")
