"""The engine's shortcuts (text prefilter, call gate) never change a finding.

A shortcut must be provably unable to lose a finding; these tests compare the
findings with both shortcuts on and off (`lint_source(..., shortcuts=False)`
calls every enabled check on every node of its types) over every fixture, a
sample of both corpora, and (in tests/test_fuzz.py) generated modules with
planted rule triggers.
"""

from __future__ import annotations

import ast
import importlib.util
import os
import sys
from pathlib import Path

import pytest

from flake8_backend.config import build_settings
from flake8_backend.engine import Engine, lint_source
from flake8_backend.prefilter import Prefilter
from flake8_backend.registry import CHECKS, Needs
from flake8_backend.rules import load_rules
from harness import FIXTURES, parse_fixture

load_rules()
_SAMPLE_EVERY = 7  # one corpus file in seven, in sorted order
_SNAPSHOT_SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "snapshot.py"


def _same_findings(source: bytes | str, filename: str, settings) -> list:
    fast = lint_source(source, filename, settings)
    slow = lint_source(source, filename, settings, shortcuts=False)
    assert fast == slow, f"{filename}: shortcuts on {fast} != off {slow}"
    return fast


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*.py")), ids=lambda p: p.name)
def test_fixtures_give_the_same_findings_without_shortcuts(path, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # path options see the file as a project file, not a test
    monkeypatch.setenv("FLAKE8_BACKEND_RAISE", "1")
    table = parse_fixture(path).table
    for settings in (build_settings(table), build_settings({**table, "enable": ["BE"]})):
        _same_findings(path.read_bytes(), path.name, settings)


def test_the_prefilter_examples_would_be_lost_without_derived_words():
    """Each `prefilter_*` fixture reports, though no hand-written word of old occurs in it."""
    for path in sorted(FIXTURES.glob("prefilter_*.py")):
        fixture = parse_fixture(path)
        expected = {code for _, code in fixture.expected}
        found = {f.code for f in lint_source(path.read_bytes(), path.name,
                                             build_settings(fixture.table))}
        assert expected and expected <= found, path.name


def _snapshot_module():
    spec = importlib.util.spec_from_file_location("_be_shortcut_snapshot", _SNAPSHOT_SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.corpus
@pytest.mark.parametrize("corpus", ["libs", "apps"])
def test_corpus_sample_gives_the_same_findings_without_shortcuts(corpus, monkeypatch):
    snapshot = _snapshot_module()
    try:
        root, files = snapshot.fetch_corpus(corpus)
    except snapshot.corpus_errors() as exc:
        if os.environ.get("FLAKE8_BACKEND_SKIP_CORPUS") == "1":
            pytest.skip(f"corpus unavailable: {exc}")
        raise
    monkeypatch.setenv("FLAKE8_BACKEND_RAISE", "1")
    settings = build_settings({"enable": ["BE"]})
    sample = files[::_SAMPLE_EVERY]
    reported = sum(len(_same_findings(path.read_bytes(), str(path), settings))
                   for path in sample)
    assert sample and reported, "the sample must hold findings to compare"


def answers(scan):
    """Every answer of a scan, in registration order."""
    return [scan.answer(index) for index in range(len(scan.answers))]


def test_prefilter_reads_identifiers_as_python_does():
    prefilter = Prefilter()
    exact = prefilter.add(Needs(("execute",)))
    any_case = prefilter.add(Needs(("sql", "stmt"), ignore_case=True))
    assert answers(prefilter.scan("cur.execute(q)")) == [True, False]
    assert answers(prefilter.scan("Stmt = 1")) == [False, True]
    assert prefilter.scan("cur.\uff45\uff58\uff45\uff43\uff55\uff54\uff45(q)").answer(exact)
    assert prefilter.scan("\u017fql = 1").answer(any_case)  # long s: NFKC makes it `sql`
    assert answers(prefilter.scan("EXECUTE = 1")) == [False, False]
    # already NFKC (kept as written) and not (normalised), in one module each
    assert answers(prefilter.scan("# café\ncur.execute(q)")) == [True, False]
    assert answers(prefilter.scan("# caf\u00e9 \uff53ql\nx = 1")) == [False, True]


def test_prefilter_shorter_words_decide_longer_ones():
    prefilter = Prefilter()
    prefilter.add(Needs(("fetchall",)))
    prefilter.add(Needs(("fetch",)))
    assert answers(prefilter.scan("x.fetchall()")) == [True, True]
    assert answers(prefilter.scan("x.fetch()")) == [False, True]
    assert answers(prefilter.scan("x.get()")) == [False, False]


def test_every_check_declares_what_it_can_fire_on():
    """Call checks declare callees (words derived); other checks declare their words."""
    settings = build_settings({"enable": ["BE"]})
    for check in CHECKS:
        needs, callees = check.resolved(settings)
        name = check.func.__qualname__
        assert needs is not None and needs.words, f"{name} has no prefilter words"
        if check.node_types == (__import__("ast").Call,):
            assert callees is not None, f"{name}: a Call check must declare callees="


def test_turning_shortcuts_off_dispatches_checks_whose_words_are_absent():
    """Guards the comparison above: `shortcuts=False` must really bypass both shortcuts."""

    settings = build_settings({"enable": ["BE"]})
    source = "x = 1\n"
    engine = Engine(settings, source)
    assert ast.Call not in engine.dispatch  # no call check's words: expressions not walked
    assert engine.statements_only and engine.dispatch == {}  # nor anything else
    off = Engine(settings, source, shortcuts=False)
    assert ast.Call in off.dispatch and not off.statements_only
    assert off.funcs_for(ast.Assign) == [func for func, _ in off.dispatch[ast.Assign]]


def test_a_node_types_checks_are_asked_for_their_words_when_first_met():
    settings = build_settings({"enable": ["BE"]})
    source = "import requests\nrequests.get(u)\nx = 1\n"
    engine = Engine(settings, source)
    assert not engine.statements_only
    assert ast.ClassDef not in engine.funcs  # not met yet: no word searched for it
    engine.funcs_for(ast.ClassDef)
    candidates = [func for func, _ in engine.dispatch[ast.ClassDef]]
    assert engine.funcs[ast.ClassDef] is None or set(engine.funcs[ast.ClassDef]) < set(
        candidates)


def test_words_are_searched_on_demand():
    prefilter = Prefilter()
    many = prefilter.add(Needs(tuple("abcde")))
    few = prefilter.add(Needs(("a", "b")))
    assert few == prefilter.add(Needs(("b", "a"))) == 1
    scan = prefilter.scan("e = 1")
    assert scan.answers[few] is None and scan.answers[many] is None  # nothing searched yet
    assert scan.answer(many) is True and scan.answers[many] is True
    assert scan.answer(few) is False and scan.answers[few] is False


def test_many_word_checks_are_searched_when_absence_spares_the_expressions():
    """BE006 (a call check with many words) alone: its absence leaves a statements-only
    walk; next to another call check it is dispatched without a search."""
    from flake8_backend.rules.data.be006_connection_per_request import (
        check_connection_per_request)

    from flake8_backend.rules import load_rules

    others = [code for code in load_rules() if code not in ("BE006", "BE020")]
    alone = build_settings({"enable": ["BE006", "BE020"], "disable": others})
    engine = Engine(alone, "try:\n    x = 1\nexcept:\n    pass\n")
    assert set(engine.dispatch) == {ast.ExceptHandler} and engine.statements_only
    engine = Engine(alone, "import sqlite3\ntry:\n    x = 1\nexcept:\n    pass\n")
    assert ast.Call in engine.dispatch and not engine.statements_only
    walrus = Engine(alone, "try:\n    (x := 1)\nexcept:\n    pass\n")
    assert ast.Call in walrus.dispatch and not walrus.statements_only  # `:=`: no search
    with_calls = build_settings({"enable": ["BE006", "BE014"]})
    engine = Engine(with_calls, "import requests\n(r := requests.get(u))\n")
    dispatcher = engine.dispatch[ast.Call][0][0].__self__
    assert check_connection_per_request in {func for func, _ in dispatcher._table._gated}
    assert isinstance(dispatcher._words[check_connection_per_request], int)  # not searched
