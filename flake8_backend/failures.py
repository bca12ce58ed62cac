"""A failing check costs its own findings, never the other checks' findings for the file.

A plugin exception aborts a whole flake8 run in CI, and even caught at the file
level it would silence every rule for that file. So checks run under a guard
that is free until something raises (a `try` costs nothing in CPython 3.11+):
on an exception the node's checks are re-run one by one, each alone, and the
failing one is recorded in `ctx.errors`. Findings are a set, so re-running the
checks that had already succeeded reports nothing twice.
"""

from __future__ import annotations

import ast
import os
from typing import Callable, Iterable

from flake8_backend.analysis.context import ModuleContext

Check = Callable[[ast.AST, ModuleContext], None]


_OFF = frozenset({"", "0", "false", "no", "off", "n"})


def raise_errors() -> bool:
    """FLAKE8_BACKEND_RAISE=1: let exceptions through, with their traceback (tests set it).
    `0`, `false`, `no`, `off` or empty mean off, as a user reads them."""
    value = os.environ.get("FLAKE8_BACKEND_RAISE")
    return value is not None and value.strip().lower() not in _OFF


def run_each(checks: Iterable[Check], node: ast.AST, ctx: ModuleContext) -> None:
    """Run every check on `node`, each isolated from the others' failures."""
    for check in checks:
        try:
            check(node, ctx)
        except Exception as exc:  # noqa: BLE001 - see the module docstring
            if raise_errors():
                raise
            note_error(ctx, check, node, exc)


def run_callbacks(callbacks: list[Callable[[], None]], ctx: ModuleContext) -> None:
    """Run the end-of-module callbacks, each isolated from the others' failures."""
    for callback in callbacks:
        try:
            callback()
        except Exception as exc:  # noqa: BLE001 - see the module docstring
            if raise_errors():
                raise
            note_error(ctx, callback, None, exc)


def note_error(ctx: ModuleContext, check: Callable, node: ast.AST | None,
               exc: Exception) -> None:
    """Record the first failure of each check in this module (one line each on stderr)."""
    name = getattr(check, "__qualname__", None) or type(check).__name__
    if any(existing[0] == name for existing in ctx.errors):
        return
    line = getattr(node, "lineno", 0) if node is not None else 0
    ctx.errors.append((name, line, f"{type(exc).__name__}: {exc}"))
