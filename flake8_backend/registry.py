"""The rule registry: every rule is declared once, as data, beside its check.

The flake8 adapter, the pylint adapter, the docs and the tests all read this
registry, so a rule's code, name and message cannot drift between front ends.
This module is the bottom of the import layers: it imports no other module of
the package except the code table. Importing `flake8_backend.rules` fills it.
"""

from __future__ import annotations

import ast
import re
import sys
from typing import Any, Callable, NamedTuple, Union

from flake8_backend.codes import CATALOG, PYLINT_IDS, family_of

CODE_PATTERN = re.compile(r"^BE\d{3}$")
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)+$")
SEVERITY_PREFIX = {"error": "E", "warning": "W", "convention": "C"}


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


GLOBAL_OPTIONS = (
    Option("enable", "list", (),
           "Codes, prefixes, rule names or pylint ids to turn on in addition to the defaults."),
    Option("disable", "list", (), "Codes, prefixes, rule names or pylint ids to turn off."),
    Option("extend-sql-sinks", "list", (),
           "Extra SQL sinks taking SQL as their first argument: dotted names are functions "
           "(`myapp.db.run_sql`), plain names are methods on any object (`run_sql`)."),
    Option("extend-db-calls", "list", (),
           "Extra calls that run a query (BE004): dotted names are functions "
           "(`myapp.repo.load_user`), plain names are methods on any object (`load_user`)."),
)


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
        """The fixed id from the code table (`codes.PYLINT_IDS`), e.g. `W7314`."""
        return PYLINT_IDS[self.code]

    def format(self, **fields: Any) -> str:
        """The full message text; it starts with the code so flake8 and pylint print the same."""
        return f"{self.code} {self.message.format(**fields)}"


class Callees(NamedTuple):
    """The calls a check on `ast.Call` can fire on, declared once.

    Both of the engine's shortcuts come from it, so they cannot disagree with it:
    the call gate (the check is called only for callees whose last name, through
    aliases, is accepted) and the text prefilter (a module in which none of the
    check's words occurs is not dispatched to the check at all).

    `names`: callee names accepted as written (`cur.execute(...)`, `execute(...)`): the
    name itself is in the source, at the call or at the import or assignment it aliases.
    `qualnames`: dotted names accepted only when the callee resolves to one through
    imports (`sqlalchemy.text`): gated by the last part; the first part is in the source,
    in the import statement. `modules`: for checks that, whatever the callee, fire only
    on objects resolved through imports of these modules (a `requests` session's
    `.get()`): then these roots are the words.
    """

    names: frozenset[str] = frozenset()
    qualnames: frozenset[str] = frozenset()
    modules: tuple[str, ...] | None = None

    def accepted(self) -> frozenset[str]:
        """Last names the call gate lets through."""
        return self.names | {q.rsplit(".", 1)[-1] for q in self.qualnames}

    def words(self) -> Needs:
        """Words of which at least one occurs in every module where the check can fire."""
        if self.modules is not None:
            return Needs(tuple(sorted(self.modules)))
        roots = {q.lstrip(".").split(".", 1)[0] for q in self.qualnames}
        return Needs(tuple(sorted(self.names | roots)))


class Needs(NamedTuple):
    """Prefilter words of a check on other nodes: it can fire only where one occurs.

    Compared after NFKC normalisation (how Python reads identifiers), and without case
    when `ignore_case` (for checks matching names case-insensitively).
    """

    words: tuple[str, ...]
    ignore_case: bool = False


CalleesSpec = Union[Callees, Callable[[Any], Callees]]
NeedsSpec = Union[Needs, Callable[[Any], Needs]]


class Check(NamedTuple):
    """A check function attached to node types, active while any of its rules is enabled.

    `callees` (checks on `ast.Call`) or `needs` (other checks) declare what the check
    can fire on; see `Callees` and `Needs`. Either may be a function of the settings.
    `blocks`: the check asks `ctx.enclosing` about try/except/with blocks, which the
    walk tracks only while an enabled check asks.
    """

    func: Callable[..., None]
    node_types: tuple[type, ...]
    rules: tuple[Rule, ...]
    needs: NeedsSpec | None = None
    callees: CalleesSpec | None = None
    blocks: bool = False

    def resolved(self, settings: Any) -> tuple[Needs | None, Callees | None]:
        """(prefilter words, callee spec) under `settings`; None words: no prefilter."""
        callees = self.callees(settings) if callable(self.callees) else self.callees
        if callees is not None:
            return callees.words(), callees
        needs = self.needs(settings) if callable(self.needs) else self.needs
        return needs, None


RULES: dict[str, Rule] = {}
CHECKS: list[Check] = []


def register(rule: Rule) -> Rule:
    """Add a rule to the registry, refusing anything the code table does not allow."""
    if not CODE_PATTERN.match(rule.code):
        raise ValueError(f"bad rule code {rule.code!r}")
    if not NAME_PATTERN.match(rule.name):
        raise ValueError(f"bad rule name {rule.name!r}")
    if rule.code in RULES:
        raise ValueError(f"duplicate rule code {rule.code}")
    if any(existing.name == rule.name for existing in RULES.values()):
        raise ValueError(f"duplicate rule name {rule.name}")
    if CATALOG.get(rule.code) != rule.name:
        raise ValueError(f"{rule.code} is `{CATALOG.get(rule.code)}` in the code table, "
                         f"not `{rule.name}`")
    pylint_id = PYLINT_IDS.get(rule.code)
    if pylint_id is None:
        raise ValueError(f"{rule.code} has no pylint id in codes.PYLINT_IDS")
    if pylint_id[0] != SEVERITY_PREFIX.get(rule.severity):
        raise ValueError(f"{rule.code}: severity {rule.severity!r} does not match its "
                         f"published pylint id {pylint_id}")
    module = sys._getframe(1).f_globals.get("__name__", "")
    family = family_of(rule.code)
    if module.startswith("flake8_backend.rules.") and (
            family is None or module.split(".")[2] != family.package):
        raise ValueError(f"{rule.code} belongs to rules/{family.package if family else '?'}/, "
                         f"not to {module}")
    RULES[rule.code] = rule
    return rule


def check(*node_types: type, rules: tuple[Rule, ...], needs: NeedsSpec | None = None,
          callees: CalleesSpec | None = None, blocks: bool = False):
    """Decorator attaching a check to the node types it inspects (see `Check`)."""
    if callees is not None and tuple(node_types) != (ast.Call,):
        raise ValueError("callees= gates checks on ast.Call only")
    if callees is not None and needs is not None:
        raise ValueError("declare callees= or needs=, not both: the words come from callees")

    def decorate(func: Callable[..., None]) -> Callable[..., None]:
        CHECKS.append(Check(func, tuple(node_types), tuple(rules), needs, callees, blocks))
        return func

    return decorate


def all_options() -> dict[str, tuple[Rule | None, Option]]:
    """Every option name, with the rule that owns it (None for global options)."""
    table: dict[str, tuple[Rule | None, Option]] = {o.name: (None, o) for o in GLOBAL_OPTIONS}
    for rule in RULES.values():
        for opt in rule.options:
            table[opt.name] = (rule, opt)
    return table


__all__ = ["Option", "Rule", "Callees", "Needs", "Check", "RULES", "CHECKS", "GLOBAL_OPTIONS",
           "register", "check", "all_options"]
