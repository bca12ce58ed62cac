"""`# noqa` for BE001/BE002 where people put it, in both front ends.

When the SQL text sits inside the sink call on a line of its own (black-wrapped code),
the finding is reported at the text (its first line), as ruff reports S608; otherwise at
the sink call. A comment on the other line does not suppress it.
"""

from __future__ import annotations

import shutil

import pytest

from flake8_backend.config import build_settings
from flake8_backend.engine import lint_source
from harness import FIXTURES, engine_hits, flake8_hits, parse_fixture, pylint_hits, write_project

SQL_RULES = build_settings({"enable": ["BE001", "BE002"]})  # opt-in rules

WRAPPED = [FIXTURES / "noqa_be001_wrapped.py", FIXTURES / "noqa_be002_wrapped.py"]


@pytest.fixture(params=WRAPPED, ids=lambda p: p.stem)
def wrapped_file(request, tmp_path, monkeypatch):
    target = tmp_path / request.param.name
    shutil.copy(request.param, target)
    fixture = parse_fixture(request.param)
    write_project(tmp_path, fixture.config_toml)
    monkeypatch.chdir(tmp_path)
    return fixture, target


def test_the_engine_reports_every_finding_before_suppression(wrapped_file):
    fixture, target = wrapped_file
    code = "BE001" if "be001" in target.name else "BE002"
    hits = engine_hits(target, fixture.table)
    noqa_lines = [n for n, line in enumerate(target.read_text().splitlines(), 1)
                  if f"noqa: {code}" in line]
    assert fixture.expected <= hits
    assert len(hits) > len(fixture.expected) and noqa_lines


def test_flake8_suppresses_at_the_reported_line(wrapped_file):
    fixture, target = wrapped_file
    assert flake8_hits(target) == fixture.expected


def test_pylint_suppresses_at_the_reported_line(wrapped_file):
    fixture, target = wrapped_file
    assert pylint_hits(target) == fixture.expected


@pytest.mark.parametrize(("source", "line"), [
    ("def f(cur, x):\n    cur.execute(f'SELECT a FROM t WHERE b = {x}')\n", 2),
    ("def f(cur, x):\n    cur.execute(\n        f'SELECT a FROM t WHERE b = {x}'\n    )\n", 3),
    ("def f(cur, x):\n    cur.execute(\n        f'''\n        SELECT a FROM t WHERE b = {x}\n"
     "        '''\n    )\n", 3),
    ("def f(cur, x):\n    q = f'SELECT a FROM t WHERE b = {x}'\n    cur.execute(\n        q\n"
     "    )\n", 3),
])
def test_report_line_is_the_text_when_it_has_its_own_line(source, line):
    [finding] = lint_source(source, "app.py", SQL_RULES)
    assert (finding.code, finding.line) == ("BE001", line)
