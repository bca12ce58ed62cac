"""The rule registry: every rule is declared once, as data, beside its check.

The flake8 adapter, the pylint adapter, the docs and the tests all read this
registry, so a rule's code, name and message cannot drift between front ends.
"""

from __future__ import annotations

import ast
import re
from typing import Any, Callable, NamedTuple, Union

CODE_PATTERN = re.compile(r"^BE\d{3}$")
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)+$")
SEVERITY_PREFIX = {"error": "E", "warning": "W", "convention": "C"}
# pylint reserves ids 51-99 for third-party checkers; 73 is ours for every message.
PYLINT_CHECKER_DIGITS = "73"


class Option(NamedTuple):
    """A rule setting, read from `[tool.flake8-backend]` or a front end's native options."""

    name: str
    kind: str  # "bool" | "str" | "regex" | "list" | "choice"
    default: Any
    help: str
    choices: tuple[str, ...] = ()

    @property
    def native_name(self) -> str:
        """The flag both front ends register (`--be-<name>`), prefixed to avoid clashes."""
        return f"be-{self.name}"


class Rule(NamedTuple):
    """One lint code. Docs are written in ruff's shape: what / why / example / fix."""

    code: str
    name: str
    message: str  # format template, without the code; fields filled by the check
    summary: str
    what: str
    why: str
    bad: str
    good: str
    severity: str = "warning"
    default_enabled: bool = True
    options: tuple[Option, ...] = ()
    related: tuple[str, ...] = ()
    notes: str = ""

    @property
    def pylint_id(self) -> str:
        """`BE014` -> `W7314`: one checker, one middle pair, severity letter first."""
        return f"{SEVERITY_PREFIX[self.severity]}{PYLINT_CHECKER_DIGITS}{self.code[-2:]}"

    def format(self, **fields: Any) -> str:
        """The full message text; it starts with the code so flake8 and pylint print the same."""
        return f"{self.code} {self.message.format(**fields)}"


# Callee names a check accepts: a set, or a function of the settings returning a set
# or a predicate on the name.
Callees = Union[frozenset[str], Callable[[Any], Union[frozenset[str], Callable[[str], bool]]]]


class Handler(NamedTuple):
    """A check function attached to node types, active while any of its rules is enabled.

    `needs` is a cheap text prefilter: when none of its words occurs in the
    source, the check cannot fire, so the engine does not dispatch to it.
    `callees` (checks on `ast.Call` only) gates the check by the callee's last
    name: the engine calls it only for `x.name(...)` and `name(...)` calls (a
    local alias of `name` included) whose name is accepted, so a module's many
    unrelated calls cost one dictionary lookup instead of one call per check.
    """

    func: Callable[..., None]
    node_types: tuple[type, ...]
    rules: tuple[Rule, ...]
    needs: tuple[str, ...] | Callable[..., tuple[str, ...]] = ()
    callees: Callees | None = None


RULES: dict[str, Rule] = {}
HANDLERS: list[Handler] = []


def register(rule: Rule) -> Rule:
    """Add a rule to the registry, refusing duplicate codes, names or malformed metadata."""
    if not CODE_PATTERN.match(rule.code):
        raise ValueError(f"bad rule code {rule.code!r}")
    if not NAME_PATTERN.match(rule.name):
        raise ValueError(f"bad rule name {rule.name!r}")
    if rule.code in RULES:
        raise ValueError(f"duplicate rule code {rule.code}")
    if any(existing.name == rule.name for existing in RULES.values()):
        raise ValueError(f"duplicate rule name {rule.name}")
    RULES[rule.code] = rule
    return rule


def check(*node_types: type, rules: tuple[Rule, ...],
          needs: tuple[str, ...] | Callable[..., tuple[str, ...]] = (),
          callees: Callees | None = None):
    """Decorator attaching a check to the node types it inspects.

    `needs` is a tuple of words, or a function of the settings returning one;
    `callees` is described on `Handler`.
    """
    if callees is not None and tuple(node_types) != (ast.Call,):
        raise ValueError("callees= gates checks on ast.Call only")

    def decorate(func: Callable[..., None]) -> Callable[..., None]:
        words = needs if callable(needs) else tuple(needs)
        HANDLERS.append(Handler(func, tuple(node_types), tuple(rules), words, callees))
        return func

    return decorate


def all_options() -> dict[str, tuple[Rule | None, Option]]:
    """Every option name, with the rule that owns it (None for global options)."""
    from flake8_backend.config import GLOBAL_OPTIONS

    table: dict[str, tuple[Rule | None, Option]] = {o.name: (None, o) for o in GLOBAL_OPTIONS}
    for rule in RULES.values():
        for opt in rule.options:
            table[opt.name] = (rule, opt)
    return table


def load_rules() -> dict[str, Rule]:
    """Import the rule modules (registration happens at import) and return the registry."""
    import flake8_backend.rules  # noqa: F401  (import registers the rules)

    return RULES


__all__ = ["Option", "Rule", "Handler", "RULES", "HANDLERS", "register", "check", "load_rules"]
