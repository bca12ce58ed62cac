"""Every fixture through the engine, flake8 and pylint: all three must give the expected hits."""

from __future__ import annotations

import shutil

import pytest

from harness import FIXTURES, engine_hits, flake8_hits, parse_fixture, pylint_hits, write_project

RULE_FIXTURES = sorted(p for p in FIXTURES.glob("*.py") if not p.name.startswith("noqa_"))


@pytest.fixture(params=RULE_FIXTURES, ids=lambda p: p.stem)
def fixture_in_project(request, tmp_path, monkeypatch):
    fixture = parse_fixture(request.param)
    write_project(tmp_path, fixture.config_toml)
    target = tmp_path / (fixture.linted_as or request.param.name)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(request.param, target)
    monkeypatch.chdir(tmp_path)
    return fixture, target


def _check(fixture, hits):
    hits = fixture.scoped(hits)
    missing = sorted(fixture.expected - hits)
    unexpected = sorted(hits - fixture.expected)
    assert not missing and not unexpected, f"missing={missing} unexpected={unexpected}"
    assert not fixture.near_misses & hits


def test_engine(fixture_in_project):
    fixture, target = fixture_in_project
    _check(fixture, engine_hits(target, fixture.table))


def test_flake8(fixture_in_project):
    fixture, target = fixture_in_project
    _check(fixture, flake8_hits(target))


def test_pylint(fixture_in_project):
    fixture, target = fixture_in_project
    _check(fixture, pylint_hits(target))


def test_clean_fixtures_exist_and_expect_nothing():
    clean = [p for p in RULE_FIXTURES if p.stem.startswith("clean_")]
    assert clean
    for path in clean:
        assert not parse_fixture(path).expected


def test_fixtures_are_scoped_to_the_codes_they_name():
    """A rule fixture answers for its own codes; clean fixtures answer for every rule."""
    fixture = parse_fixture(FIXTURES / "be005_be006_handlers.py")
    assert {"BE005", "BE006"} <= fixture.codes
    assert fixture.scoped({(1, "BE005"), (1, "BE999")}) == {(1, "BE005")}
    clean = parse_fixture(FIXTURES / "clean_service.py")
    assert clean.codes is None and clean.scoped({(1, "BE999")}) == {(1, "BE999")}
