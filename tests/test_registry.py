"""The registry is the single source of truth: complete, unique, and consistent with fixtures."""

from __future__ import annotations

import importlib
import pkgutil
import re

import pytest

from flake8_backend.engine import lint_source
from flake8_backend.registry import RULES
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
    assert re.fullmatch(r"[CWE]73\d\d", rule.pylint_id)
    assert rule.pylint_id.endswith(rule.code[-2:])
    for option in rule.options:
        assert option.help.strip() and option.native_name.startswith("be-")


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.code)
def test_bad_example_is_reported_and_good_example_is_not(rule):
    assert rule.code in {f.code for f in lint_source(rule.bad)}
    assert rule.code not in {f.code for f in lint_source(rule.good)}


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
