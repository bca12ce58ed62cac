"""Baselines: written by `check`, honoured by check, flake8 and pylint; robust to edits."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from flake8_backend.baseline import Entry, dumps, entries_for, parse
from flake8_backend.cli import main
from flake8_backend.config import ConfigError, build_settings
from flake8_backend.engine import lint_source
from harness import flake8_hits, pylint_hits, write_project

PROBE = 'enable = ["BE014"]'  # BE014 is opt-in; its findings are what the baselines hold

APP = """\
import requests


def fetch(url):
    return requests.get(url)


def fetch_again(url):
    return requests.get(url)


def save(conn):
    try:
        conn.commit()
    except:
        pass
"""


def check(capsys, *argv):
    code = main(["check", *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def project(tmp_path, monkeypatch, capsys):
    """A project whose three findings are recorded in `.baseline.json`."""
    monkeypatch.chdir(tmp_path)
    app = tmp_path / "src" / "app.py"
    app.parent.mkdir()
    app.write_text(APP, encoding="utf-8")
    write_project(tmp_path, PROBE)
    code, out, err = check(capsys, "--write-baseline", ".baseline.json", "src")
    assert (code, out) == (0, "") and "wrote 3 baseline entries" in err
    write_project(tmp_path, f'{PROBE}\nbaseline = ".baseline.json"')
    return tmp_path, app


def all_front_ends(capsys, app):
    code, out, _ = check(capsys, "src")
    lines = {(int(line.split(":")[1]), line.split()[1]) for line in out.splitlines()}
    return code, lines, flake8_hits(app), pylint_hits(app)


def test_written_baseline_is_sorted_json_one_entry_per_line(project):
    root, _ = project
    text = (root / ".baseline.json").read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0] == '{"flake8-backend-baseline": 1, "findings": ['
    assert lines[-1] == "]}" and len(lines) == 5
    entries = [json.loads(line.rstrip(",")) for line in lines[1:-1]]
    assert entries == sorted(entries, key=lambda e: (e["file"], e["code"], e["text"],
                                                     e["occurrence"]))
    assert [(e["file"], e["code"], e["text"], e["occurrence"]) for e in entries] == [
        ("src/app.py", "BE014", "return requests.get(url)", 0),
        ("src/app.py", "BE014", "return requests.get(url)", 1),
        ("src/app.py", "BE020", "except:", 0)]
    assert parse(text, "x") == frozenset(Entry(*e.values()) for e in (
        {k: e[k] for k in ("file", "code", "text", "occurrence")} for e in entries))
    assert dumps(parse(text, "x")) == text


def test_baseline_hides_everything_in_every_front_end(project, capsys):
    _, app = project
    assert all_front_ends(capsys, app) == (0, set(), set(), set())


def test_edits_above_and_below_keep_findings_hidden(project, capsys):
    _, app = project
    app.write_text("'''A module docstring\nadded later.'''\nimport os\n\n" + APP.replace(
        "def save(conn):", "def unrelated():\n    return os.sep\n\n\ndef save(conn):")
        + "\n\nVALUE = 1\n", encoding="utf-8")
    assert all_front_ends(capsys, app) == (0, set(), set(), set())


def test_one_new_defect_is_exactly_one_finding_everywhere(project, capsys):
    _, app = project
    app.write_text(APP + "\n\ndef post(url):\n    return requests.post(url)\n",
                   encoding="utf-8")
    code, lines, flake8, pylint = all_front_ends(capsys, app)
    assert code == 1 and lines == flake8 == pylint == {(20, "BE014")}


def test_a_copy_of_a_baselined_line_is_new(project, capsys):
    _, app = project
    app.write_text(APP + "\n\ndef third(url):\n    return requests.get(url)\n",
                   encoding="utf-8")
    code, lines, flake8, pylint = all_front_ends(capsys, app)
    # Three identical findings, two accepted: one is reported (by occurrence: the last).
    assert code == 1 and lines == flake8 == pylint == {(20, "BE014")}


def test_fixed_finding_is_stale_and_pruning_only_shrinks(project, capsys):
    root, app = project
    app.write_text(APP.replace("    except:\n        pass\n",
                               "    except Exception:\n        pass\n")
                   + "\n\ndef post(url):\n    return requests.post(url)\n", encoding="utf-8")
    code, out, _ = check(capsys, "--show-stale", "src")
    lines = out.splitlines()
    assert code == 1 and len(lines) == 2
    assert lines[0].startswith("src/app.py:20:12: BE014")
    assert lines[1] == ("src/app.py: BE020 fixed, remove it from the baseline: except: "
                        "(occurrence 0)")
    code, _, err = check(capsys, "--baseline", ".baseline.json",
                         "--write-baseline", ".baseline.json", "src")
    assert code == 0 and "wrote 2 baseline entries" in err
    text = (root / ".baseline.json").read_text(encoding="utf-8")
    assert "BE020" not in text and "requests.post" not in text
    code, out, _ = check(capsys, "--show-stale", "src")
    assert code == 1 and out.count("\n") == 1  # only the new finding, nothing stale


def test_show_stale_needs_a_baseline_and_ignores_unchecked_files(project, capsys):
    root, _ = project
    other = root / "other"
    other.mkdir()
    (other / "b.py").write_text("x = 1\n", encoding="utf-8")
    assert check(capsys, "--show-stale", "other")[:2] == (0, "")
    write_project(root, PROBE)
    code, _, err = check(capsys, "--show-stale", "other")
    assert code == 2 and "--show-stale: no baseline" in err


def test_baseline_path_is_relative_to_the_project_root(project, capsys, monkeypatch):
    root, app = project
    monkeypatch.chdir(root / "src")
    assert check(capsys, "app.py")[:2] == (0, "")
    assert flake8_hits(app) == set()


@pytest.mark.parametrize("content", ["not json", '{"findings": []}',
                                     '{"flake8-backend-baseline": 1, "findings": [{"file": 1}]}'])
def test_broken_baseline_is_a_config_error_everywhere(project, capsys, content):
    root, app = project
    (root / ".baseline.json").write_text(content, encoding="utf-8")
    code, out, err = check(capsys, "src")
    assert code == 2 and out == "" and ".baseline.json" in err and err.count("\n") == 1
    env = {k: v for k, v in os.environ.items() if k != "FLAKE8_BACKEND_RAISE"}
    flake8 = subprocess.run([sys.executable, "-m", "flake8", "--select=BE", str(app)],
                            capture_output=True, text=True, cwd=root, env=env, timeout=120)
    assert flake8.returncode == 2 and "Traceback" not in flake8.stderr
    assert ".baseline.json" in flake8.stderr


def test_missing_baseline_names_the_option(project, capsys):
    root, _ = project
    (root / ".baseline.json").unlink()
    code, _, err = check(capsys, "src")
    assert code == 2 and "no such file" in err and "--write-baseline" in err


def test_entries_count_occurrences_over_all_findings():
    source = "import requests\nrequests.get(u)\nrequests.get(u)\nrequests.get( u )\n"
    findings = lint_source(source, "m.py", build_settings({"enable": ["BE014"]}))
    entries = entries_for(findings, source, "m.py")
    assert [(e.text, e.occurrence) for e in entries] == [
        ("requests.get(u)", 0), ("requests.get(u)", 1), ("requests.get( u )", 0)]


def test_parse_rejects_what_it_cannot_use():
    with pytest.raises(ConfigError, match="entry 1 needs file, code, text and occurrence"):
        parse('{"flake8-backend-baseline": 1, "findings": [{"file": "a"}]}', "b.json")
