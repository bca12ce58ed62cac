"""Engine defects found under attack, each kept as a regression test."""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import pytest

from flake8_backend import engine, registry
from flake8_backend.config import build_settings, load_settings
from flake8_backend.domain import sql_text
from flake8_backend.engine import lint_source as _lint_source
from flake8_backend.rules import load_rules
from harness import flake8_hits, pylint_hits

load_rules()
# opt-in rules under attack here (BE014: the probe)
SQL_ON = build_settings({"enable": ["BE001", "BE002", "BE014"]})


def lint_source(source, filename="<unknown>", settings=None):
    return _lint_source(source, filename, settings or SQL_ON)


def _builder(lines: int, sink: bool) -> str:
    body = ['def report(cur, names):', '    sql = "SELECT id FROM t WHERE 1 = 1"']
    body += [f"    sql += \" OR name = '\" + names[{i}] + \"'\"" for i in range(lines)]
    if sink:
        body.append("    cur.execute(sql)")
    return "\n".join(body) + "\n"


@pytest.mark.parametrize("sink", [True, False])
def test_a_long_sql_builder_is_one_finding(sink):
    findings = [f for f in lint_source(_builder(100, sink), "app.py") if f.code == "BE002"]
    assert len(findings) == 1, findings
    if sink:
        assert "reaches execute()" in findings[0].message
        assert findings[0].line == 103
    else:
        assert "is assigned to `sql`" in findings[0].message
        assert findings[0].line == 3  # where the first unsafe piece enters


@pytest.mark.parametrize("sink", [True, False])
def test_a_long_sql_builder_costs_linear_work(sink, monkeypatch):
    """Counted in pieces followed, not timed: 4x the builder may cost at most ~4x the work."""
    counted = []
    original = sql_text.Piece.__init__

    def counting(self, *args):
        counted.append(1)
        original(self, *args)

    monkeypatch.setattr(sql_text.Piece, "__init__", counting)
    work = {}
    for lines in (1000, 4000):
        counted.clear()
        findings = lint_source(_builder(lines, sink), "app.py")
        assert len([f for f in findings if f.code == "BE002"]) == 1
        work[lines] = len(counted)
    assert work[4000] <= 4.5 * work[1000], work


def test_a_long_plus_chain_at_a_sink_does_not_cost_the_files_other_findings():
    chain = " + ".join(["'a'"] * 1000)
    source = f"import requests\n\ndef f(cur, x):\n    cur.execute(x, {chain})\n" \
             "    requests.get(x)\n"
    assert [f.code for f in lint_source(source, "app.py")] == ["BE014"]


def test_a_failing_check_costs_only_its_own_findings(monkeypatch, capsys):
    def broken(node, ctx):
        raise RuntimeError("boom")

    rule = registry.RULES["BE001"]
    check = registry.Check(broken, (ast.Call,), (rule,), None,
                           registry.Callees(names=frozenset({"execute", "get"})))
    monkeypatch.setattr(engine, "CHECKS", [check, *registry.CHECKS])
    monkeypatch.setattr(engine, "_PLAN", [])
    monkeypatch.delenv("FLAKE8_BACKEND_RAISE", raising=False)
    source = ("import requests\n\ndef f(cur, x):\n"
              "    cur.execute(f'SELECT a FROM t WHERE b = {x}')\n"
              "    requests.get(x)\n    try:\n        pass\n    except:\n        pass\n")
    codes = [f.code for f in lint_source(source, "app.py")]
    assert codes == ["BE001", "BE014", "BE020"]
    err = capsys.readouterr().err
    assert err.count("internal error in") == 1 and "broken" in err and "app.py:4" in err
    monkeypatch.setenv("FLAKE8_BACKEND_RAISE", "1")
    with pytest.raises(RuntimeError, match="boom"):
        lint_source(source, "app.py")


N_PLUS_ONE = """\
def owners(cur, orders):
    for o in orders:
        cur.execute("SELECT name FROM users WHERE id = %s", (o.user_id,))  # expect: BE004
"""


@pytest.fixture
def project_in_tests_folder(tmp_path, monkeypatch):
    """A project whose own root sits inside a directory called `tests`."""
    root = tmp_path / "tests" / "proj"
    root.mkdir(parents=True)
    (root / "pyproject.toml").write_text("[tool.flake8-backend]\nenable = [\"BE004\"]\n",
                                         encoding="utf-8")
    (root / "app.py").write_text(N_PLUS_ONE, encoding="utf-8")
    (root / "tests").mkdir()
    shutil.copy(root / "app.py", root / "tests" / "test_app.py")
    monkeypatch.chdir(root)
    return root


def test_path_exclusions_match_the_path_inside_the_project(project_in_tests_folder):
    root = project_in_tests_folder
    settings = load_settings(start=root)
    assert settings.root == str(root.resolve())
    for spelling in ("app.py", "./app.py", str(root / "app.py"), "../proj/app.py"):
        assert [f.code for f in lint_source(N_PLUS_ONE, spelling, settings)] == ["BE004"]
    for spelling in ("tests/test_app.py", str(root / "tests" / "test_app.py")):
        assert lint_source(N_PLUS_ONE, spelling, settings) == []


def test_front_ends_agree_however_the_path_is_spelled(project_in_tests_folder):
    root = project_in_tests_folder
    expected = {(3, "BE004")}
    assert flake8_hits(Path("app.py")) == expected  # `flake8 app.py` inside tests/proj/
    assert flake8_hits(root / "app.py") == expected
    assert flake8_hits(Path("tests/test_app.py")) == set()
    assert flake8_hits(root / "tests" / "test_app.py") == set()
    assert pylint_hits(Path("app.py")) == expected
    assert pylint_hits(root / "app.py") == expected
    assert pylint_hits(root / "tests" / "test_app.py") == set()


def test_without_a_configuration_paths_are_taken_from_the_working_directory(
        tmp_path, monkeypatch):
    (tmp_path / "tests").mkdir()
    monkeypatch.chdir(tmp_path)
    settings = build_settings({"enable": ["BE004"]})  # opt-in
    assert settings.root is None
    assert lint_source(N_PLUS_ONE, "tests/test_app.py", settings) == []
    assert lint_source(N_PLUS_ONE, str(tmp_path / "tests" / "test_app.py"), settings) == []
    assert lint_source(N_PLUS_ONE, "app.py", settings)


@pytest.mark.parametrize("enabled_before", [True, False])
def test_lint_tree_pauses_the_collector_and_restores_it(monkeypatch, enabled_before):
    """Every front end gets the pause (pylint's heap is large): off during the walk, back as
    it was afterwards, also when the walk raises."""
    import gc

    seen = []
    real_run = engine.Engine.run

    def run(self, tree):
        seen.append(gc.isenabled())
        return real_run(self, tree)

    monkeypatch.setattr(engine.Engine, "run", run)
    was = gc.isenabled()
    try:
        (gc.enable if enabled_before else gc.disable)()
        engine.lint_source("import sqlite3\nx = 1\n")
        assert seen == [False] and gc.isenabled() is enabled_before

        def boom(self, tree):
            raise RuntimeError("boom")

        monkeypatch.setattr(engine.Engine, "run", boom)
        with pytest.raises(RuntimeError):
            engine.lint_source("x = 1\n")
        assert gc.isenabled() is enabled_before
    finally:
        (gc.enable if was else gc.disable)()
