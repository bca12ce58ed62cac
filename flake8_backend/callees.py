"""Dispatch of `ast.Call` nodes by callee name.

Most calls in a module (`len()`, `logger.info()`, `self.helper()`) concern no
rule, yet every enabled check on `ast.Call` used to be called for each of them:
about a tenth of the engine's time on the corpus. A check that declares
`callees=` is called only when the callee's last name is one it accepts. The
answer is cached per name for the whole run (per set of enabled checks), so an
unrelated call costs one dict lookup.

Names are matched through aliases: `from requests import get as fetch` and
`run = cur.execute` make `fetch(...)` and `run(...)` reach the checks for `get`
and `execute`. The alias graph is flow-insensitive and only grows, so the gate
lets through at least every call that `ModuleContext.qualname` can resolve to
an accepted name; the check itself still decides.
"""

from __future__ import annotations

import ast
from typing import Any, Callable

from flake8_backend.failures import raise_errors, run_each
from flake8_backend.registry import Callees

Accepts = frozenset  # the callee names a check's gate lets through
_ATTRIBUTE, _NAME = ast.Attribute, ast.Name
_MAX_CACHED = 100_000


def accepts_for(callees: Any, settings: Any) -> Accepts | None:
    """The names a check's `callees=` accepts under `settings`; None accepts every call."""
    if callees is None:
        return None
    found = callees if isinstance(callees, Callees) else callees(settings)
    if not isinstance(found, Callees):
        raise TypeError(f"callees must be a registry.Callees, not {type(found).__name__}")
    return found.accepted()


def note_alias(aliases: dict[str, set[str]], name: str, target: str) -> None:
    """Record that calling `name` may call what `target` names (`name = x.target`)."""
    if target != name:
        found = aliases.get(name)
        if found is None:
            aliases[name] = {target}
        else:
            found.add(target)


def alias_closure(name: str, aliases: dict[str, set[str]]) -> frozenset[str]:
    """`name` and every name it may stand for, following aliases of aliases."""
    seen = {name}
    pending = [name]
    while pending:
        for other in aliases.get(pending.pop(), ()):
            if other not in seen:
                seen.add(other)
                pending.append(other)
    return frozenset(seen)


class CallTable:
    """The Call checks to run for each callee name, built once per set of enabled checks.

    A name's checks are one dict lookup: a single run over a codebase meets about 14k
    distinct callee names, and asking every check's gate for each cost up to 5% of the
    engine's time. `select` gives the same checks, in the same order, as asking each gate
    (tests/test_callees.py compares the two).
    """

    __slots__ = ("_gated", "_by_name", "ungated", "_closures")

    def __init__(self, gated: list[tuple[Callable, Accepts | None]]) -> None:
        self._gated = gated  # (check, accepted names or None for every call), registry order
        self.ungated = tuple(check for check, names in gated if names is None)
        self._by_name = {
            name: tuple(check for check, names in gated if names is None or name in names)
            for name in frozenset().union(*(names for _, names in gated if names is not None))}
        self._closures: dict[frozenset[str], tuple[Callable, ...]] = {}

    def select(self, key: str | frozenset[str] | None) -> tuple[Callable, ...]:
        """The checks for a callee's last name, its alias set, or None (no name)."""
        if key is None:
            return self.ungated
        if key.__class__ is str:
            return self._by_name.get(key, self.ungated)
        found = self._closures.get(key)
        if found is None:
            if len(self._closures) > _MAX_CACHED:  # a bound for long-lived processes (pylsp)
                self._closures.clear()
            found = self._closures[key] = tuple(
                check for check, names in self._gated
                if names is None or not names.isdisjoint(key))
        return found


class CallDispatcher:
    """Runs, for one module, the Call checks whose callee names accept each call."""

    __slots__ = ("_table", "_aliases", "_words", "_scan", "_local")

    def __init__(self, table: CallTable, aliases: dict[str, set[str]],
                 words: dict[Callable, int] | None = None, scan: Any = None) -> None:
        self._table = table
        self._aliases = aliases
        # checks with prefilter words: their index in `scan` (which keeps each answer),
        # asked when a call first gets past their gate
        self._words: dict[Callable, int] = words or {}
        self._scan = scan
        self._local: dict[Any, tuple[Callable, ...]] = {}  # this module's answer per callee

    def dispatch(self, node: ast.Call, ctx: Any) -> None:
        func = node.func
        cls = func.__class__
        if cls is _ATTRIBUTE:
            key: Any = func.attr
        elif cls is _NAME:
            key = func.id
            if key in self._aliases:
                key = alias_closure(key, self._aliases)
        else:
            key = None  # `f()()`, `handlers[name]()`: only ungated checks
        checks = self._local.get(key)
        if checks is None:
            checks = self._table.select(key)
            if self._words:  # keep the checks whose words are in this module
                checks = tuple(check for check in checks if self._present(check))
            self._local[key] = checks
        try:  # free until a check raises; then each runs alone (see `failures`)
            for check in checks:
                check(node, ctx)
        except Exception:  # noqa: BLE001
            if raise_errors():
                raise
            run_each(checks, node, ctx)

    def _present(self, check: Callable) -> bool:
        """Whether the check's words are in the module (searched for once, when asked)."""
        index = self._words.get(check)
        return index is None or self._scan.answer(index)
