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

Accepts = Callable[[str], bool]
_ATTRIBUTE, _NAME = ast.Attribute, ast.Name
_MAX_CACHED = 100_000


def accepts_for(callees: Any, settings: Any) -> Accepts | None:
    """The name predicate of a check's `callees=` under `settings`; None accepts every call."""
    if callees is None:
        return None
    found = callees if isinstance(callees, Callees) else callees(settings)
    if not isinstance(found, Callees):
        raise TypeError(f"callees must be a registry.Callees, not {type(found).__name__}")
    return found.accepted().__contains__


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


class CallDispatcher:
    """Runs, for one module, the Call checks whose callee names accept each call."""

    __slots__ = ("_gated", "_aliases", "_cache", "_words", "_scan", "_local")

    def __init__(self, gated: list[tuple[Callable, Accepts | None]],
                 aliases: dict[str, set[str]], cache: dict[Any, tuple[Callable, ...]],
                 words: dict[Callable, int] | None = None, scan: Any = None) -> None:
        self._gated = gated  # (check, predicate or None), in registry order
        self._aliases = aliases
        self._cache = cache  # shared by the modules that enable the same checks
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
            checks = self._cache.get(key)
            if checks is None:
                if len(self._cache) > _MAX_CACHED:  # a bound for long-lived processes (pylsp)
                    self._cache.clear()
                checks = self._cache[key] = self._select(key)
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

    def _select(self, key: Any) -> tuple[Callable, ...]:
        if key is None:
            return tuple(check for check, accepts in self._gated if accepts is None)
        if key.__class__ is str:
            return tuple(check for check, accepts in self._gated
                         if accepts is None or accepts(key))
        return tuple(check for check, accepts in self._gated
                     if accepts is None or any(map(accepts, key)))
