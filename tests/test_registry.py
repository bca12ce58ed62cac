"""The registry is the single source of truth: complete, unique, and consistent with fixtures."""

from __future__ import annotations

import importlib
import pkgutil
import re

import pytest

from flake8_backend import registry
from flake8_backend.config import build_settings
from flake8_backend.engine import lint_source
from flake8_backend.registry import CHECKS, RULES
from flake8_backend.rules import load_rules
from harness import FIXTURES, parse_fixture

load_rules()
ALL_RULES = sorted(RULES.values(), key=lambda rule: rule.code)


def _fixture_hits():
    expected, near = set(), set()
    for path in FIXTURES.glob("*.py"):
        fixture = parse_fixture(path)
        expected |= {code for _, code in fixture.expected}
        near |= {code for _, code in fixture.near_misses}
    return expected, near


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.code)
def test_rule_metadata_is_complete(rule):
    assert re.fullmatch(r"BE\d{3}", rule.code)
    assert re.fullmatch(r"[a-z]+(-[a-z0-9]+)+", rule.name)
    for text in (rule.message, rule.summary, rule.what, rule.why, rule.bad, rule.good):
        assert text.strip()
    assert not rule.message.startswith("BE"), "the code is prepended by Rule.format"
    assert re.fullmatch(r"[CWE]\d{4}", rule.pylint_id)
    for option in rule.options:
        assert option.help.strip() and option.native_name.startswith("be-")


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.code)
def test_bad_example_is_reported_and_good_example_is_not(rule):
    settings = build_settings({"enable": [rule.code]})  # opt-in rules too
    assert rule.code in {f.code for f in lint_source(rule.bad, settings=settings)}
    assert rule.code not in {f.code for f in lint_source(rule.good, settings=settings)}


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.code)
def test_every_rule_has_true_positive_and_near_miss_fixtures(rule):
    expected, near = _fixture_hits()
    assert rule.code in expected, f"no `# expect: {rule.code}` line in tests/fixtures"
    assert rule.code in near, f"no `# ok: {rule.code}` near miss in tests/fixtures"


def test_codes_names_ids_and_options_are_unique():
    assert len({r.name for r in ALL_RULES}) == len(ALL_RULES)
    assert len({r.pylint_id[1:] for r in ALL_RULES}) == len(ALL_RULES)
    options = [o.name for r in ALL_RULES for o in r.options]
    assert len(options) == len(set(options))


def test_fixed_anchor_codes_keep_their_meaning():
    assert RULES["BE001"].name == "sql-fstring"
    assert RULES["BE014"].name == "requests-without-timeout"
    assert RULES["BE020"].name == "bare-except-handler"


def test_no_collision_with_pylint_builtin_messages():
    """A plugin reusing a symbol or id crashes pylint at load (e.g. `bare-except`)."""
    import pylint.extensions
    from pylint.lint import PyLinter

    linter = PyLinter()
    linter.load_default_plugins()
    extensions = [f"pylint.extensions.{m.name}" for m in pkgutil.iter_modules(
        pylint.extensions.__path__) if not m.name.startswith("_")]
    for name in extensions:
        module = importlib.import_module(name)
        if hasattr(module, "register"):
            module.register(linter)
    builtin = linter.msgs_store._messages_definitions.values()
    symbols = {m.symbol for m in builtin}
    ids = {m.msgid for m in builtin}
    for rule in ALL_RULES:
        assert rule.name not in symbols and rule.pylint_id not in ids
    import pylint_backend

    pylint_backend.register(linter)  # raises on any clash
    assert linter.msgs_store.get_message_definitions("requests-without-timeout")


# -- the code table ---------------------------------------------------------------------
PUBLISHED = {"BE001": ("sql-fstring", "E7301"), "BE002": ("sql-string-building", "E7302"),
             "BE003": ("select-star", "W7303"), "BE004": ("query-in-loop", "W7304"),
             "BE005": ("unbounded-query-in-handler", "W7305"),
             "BE006": ("connection-per-request", "W7306"),
             "BE007": ("foreign-key-without-index", "W7307"),
             "BE008": ("irreversible-migration", "W7308"),
             "BE014": ("requests-without-timeout", "W7314"),
             "BE020": ("bare-except-handler", "W7320")}


def test_published_codes_names_and_pylint_ids_never_change():
    for code, (name, pylint_id) in PUBLISHED.items():
        assert (RULES[code].name, RULES[code].pylint_id) == (name, pylint_id)


def test_code_table_is_consistent():
    from flake8_backend import codes

    assert codes.check_table() == []
    assert len(codes.CATALOG) == 42
    assert set(RULES) <= set(codes.PYLINT_IDS) <= set(codes.CATALOG)
    for code, rule in RULES.items():
        family = codes.family_of(code)
        module = next(c.func.__module__ for c in CHECKS if rule in c.rules)
        assert module.split(".")[2] == family.package, f"{code} lives in {module}"
        assert module.rsplit(".", 1)[1] == f"{code.lower()}_{rule.name.replace('-', '_')}"


def test_code_table_refuses_shared_pylint_numbers(monkeypatch):
    from flake8_backend import codes

    monkeypatch.setitem(codes.PYLINT_IDS, "BE021", "W7320")  # BE020's number
    assert any("share" in problem for problem in codes.check_table())


def _register_from(module: str, rule):
    """Call `register` as if from `module` (register reads its caller's module name)."""
    namespace = {"__name__": module, "register": registry.register, "rule": rule}
    exec("result = register(rule)", namespace)  # noqa: S102 - a test of the caller check
    return namespace["result"]


def test_register_refuses_what_the_code_table_does_not_allow(monkeypatch):
    monkeypatch.setattr(registry, "RULES", dict(RULES))
    monkeypatch.setitem(registry.PYLINT_IDS, "BE021", "W7321")
    base = RULES["BE020"]._replace(code="BE021", name="swallowed-exception")
    with pytest.raises(ValueError, match="BE099"):
        _register_from("tests", base._replace(code="BE099"))
    with pytest.raises(ValueError, match="swallowed-exception"):
        _register_from("tests", base._replace(name="other-name"))
    with pytest.raises(ValueError, match="severity"):
        _register_from("tests", base._replace(severity="error"))
    with pytest.raises(ValueError, match="rules/errors/"):
        _register_from("flake8_backend.rules.data.be021_x", base)
    monkeypatch.delitem(registry.PYLINT_IDS, "BE022")
    with pytest.raises(ValueError, match="pylint id"):
        _register_from("tests", base._replace(code="BE022", name="broad-except-swallowed"))
    assert _register_from("flake8_backend.rules.errors.be021_swallowed_exception", base) is base
    with pytest.raises(ValueError, match="duplicate"):
        _register_from("tests", base)
