"""The per-rule pages are generated from the registry; committed copies must not drift."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from flake8_backend import docs
from flake8_backend.config import build_settings
from flake8_backend.engine import lint_source
from flake8_backend.registry import RULES, Option
from flake8_backend.rules import load_rules
from harness import FIXTURES, parse_fixture

ROOT = Path(__file__).resolve().parent.parent
load_rules()
ALL_RULES = sorted(RULES.values(), key=lambda rule: rule.code)
GENERATED = docs.generated_docs()
SECTIONS = ["## What it does", "## Why is this bad?", "## Example", "## Use instead",
            "## Options", "## Notes", "## Related rules in other linters", "## Suppressing"]
FIX = "run `python -m flake8_backend.docs`"


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.code)
def test_every_rule_has_a_committed_page(rule):
    assert (ROOT / "docs" / "rules" / f"{rule.code}.md").is_file(), FIX


@pytest.mark.parametrize("rel", sorted(GENERATED))
def test_committed_page_matches_the_registry(rel):
    path = ROOT / rel
    assert path.is_file() and path.read_text(encoding="utf-8") == GENERATED[rel], FIX


def test_no_page_for_a_rule_that_does_not_exist():
    committed = {f"docs/rules/{p.name}" for p in (ROOT / "docs" / "rules").glob("*.md")}
    assert committed <= set(GENERATED), FIX


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.code)
def test_page_has_ruffs_sections_in_order(rule):
    page = docs.rule_page(rule)
    assert page.startswith(f"# {rule.code} {rule.name}\n")
    expected = [s for s in SECTIONS if s != "## Notes" or rule.notes]
    assert re.findall(r"^## .+$", page, re.M) == expected
    assert f"```python\n{rule.bad.rstrip()}\n```" in page
    assert f"```python\n{rule.good.rstrip()}\n```" in page
    for text in (rule.what, rule.why, *rule.related):
        assert text in page
    assert f"# noqa: {rule.code}" in page and f"# pylint: disable={rule.name}" in page
    assert rule.pylint_id in page


@pytest.mark.parametrize("rule", [r for r in ALL_RULES if r.options], ids=lambda r: r.code)
def test_page_documents_every_option_both_ways(rule):
    page = docs.rule_page(rule)
    for option in rule.options:
        assert f"### `{option.name}`" in page and option.help in page
        assert f"--{option.native_name}=VALUE" in page
        assert f"Default: `{docs.toml_value(option.default)}`" in page


def test_option_defaults_are_written_as_valid_toml():
    """A user copies the default into pyproject.toml; it must parse back to the same value."""
    from harness import tomllib

    for rule in ALL_RULES:
        for option in rule.options:
            parsed = tomllib.loads(f"x = {docs.toml_value(option.default)}")["x"]
            expected = list(option.default) if isinstance(option.default, tuple) \
                else option.default
            assert parsed == expected, option.name


def test_rule_without_options_or_notes_says_so():
    bare = RULES["BE020"]._replace(options=(), notes="", related=())
    page = docs.rule_page(bare)
    assert "## Options\n\nNone.\n" in page
    assert "## Notes" not in page
    assert "## Related rules in other linters\n\nNone known.\n" in page


def test_option_type_lists_choices():
    option = Option("x-mode", "choice", "a", "help", choices=("a", "b"))
    assert docs.option_type(option) == "one of `a`, `b`"


def test_index_and_readme_table_link_every_code_to_its_page():
    index = (ROOT / "docs" / "rules" / "README.md").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for rule in ALL_RULES:
        assert f"[{rule.code}]({rule.code}.md)" in index
        link = f"[{rule.code}](docs/rules/{rule.code}.md)"
        assert f"| {link} | `{rule.name}` |" in readme
        assert (ROOT / "docs" / "rules" / f"{rule.code}.md").is_file()


def test_generator_writes_checks_and_prunes(tmp_path, capsys):
    (tmp_path / "README.md").write_text(
        f"# x\n\n{docs.TABLE_BEGIN}\nold\n{docs.TABLE_END}\n\n## After\n", encoding="utf-8")
    stale = tmp_path / "docs" / "rules" / "BE999.md"
    stale.parent.mkdir(parents=True)
    stale.write_text("gone\n", encoding="utf-8")
    assert docs.main(["--check", "--root", str(tmp_path)]) == 1
    assert "docs/rules/BE999.md" in capsys.readouterr().err

    assert docs.main(["--root", str(tmp_path)]) == 0
    assert not stale.exists()
    assert docs.drift(tmp_path) == []
    assert docs.main(["--check", "--root", str(tmp_path)]) == 0
    readme = (tmp_path / "README.md").read_text(encoding="utf-8")
    assert docs.rules_table() in readme and readme.endswith("## After\n")

    page = tmp_path / "docs" / "rules" / "BE014.md"
    page.write_text(page.read_text(encoding="utf-8") + "hand edit\n", encoding="utf-8")
    assert docs.drift(tmp_path) == ["docs/rules/BE014.md"]


def _fixture_messages():
    for path in sorted(FIXTURES.glob("*.py")):
        fixture = parse_fixture(path)
        settings = build_settings(fixture.table)
        for finding in lint_source(path.read_bytes(), str(path), settings):
            yield pytest.param(finding.code, finding.message, id=f"{path.stem}:{finding.line}")


@pytest.mark.parametrize(("code", "message"), list(_fixture_messages()))
def test_messages_name_the_problem_then_the_fix_on_one_line(code, message):
    """Editors show one line: `BEnnn <problem>; <fix>` must survive that."""
    assert "\n" not in message and "\r" not in message
    assert message.startswith(f"{code} ")
    problem, sep, fix = message.partition("; ")
    assert sep and problem.strip() and fix.strip(), message


def test_rule_url_uses_the_documentation_project_url_when_declared(monkeypatch):
    rule = RULES["BE014"]
    monkeypatch.setattr(docs, "project_urls", lambda: {})
    assert docs.rule_url(rule) == docs.PYPI_URL
    monkeypatch.setattr(docs, "project_urls",
                        lambda: {"documentation": "https://docs.example/rules/"})
    assert docs.rule_url(rule) == "https://docs.example/rules/BE014.md"
