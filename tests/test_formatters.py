"""`flake8 --format=sarif` and `--format=github`, run through the real flake8 in-process.

SARIF is validated against the official SARIF 2.1.0 JSON schema (OASIS errata01,
vendored in tests/data), since code-scanning uploads reject invalid logs outright.
"""

from __future__ import annotations

import argparse
import json
from importlib.metadata import entry_points
from pathlib import Path

import jsonschema
import pytest
from flake8.main.application import Application
from flake8.violation import Violation

from flake8_backend import __version__
from flake8_backend.docs import rule_url
from flake8_backend.formatters import (
    GithubFormatter, SarifFormatter, escape_data, escape_property)
from flake8_backend.registry import RULES
from flake8_backend.rules import load_rules

SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text(
    encoding="utf-8"))
load_rules()

# Line 3: BE014; line 7: BE001; line 9: E305; line 11: BE020 and E722; line 13: E501.
SAMPLE = '''import requests

resp = requests.get("https://rates.example.com/latest")


def find(db, name):
    return db.execute(f"SELECT id FROM users WHERE name = '{name}'")

try:
    pass
except:
    pass
LONG = "a line that is far too long for pycodestyle's default limit of seventy-nine chars"
'''


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A throwaway project as the working directory, so paths and config are its own."""
    (tmp_path / "pyproject.toml").write_text(  # BE001 and BE014 are opt-in
        '[tool.flake8-backend]\nenable = ["BE001", "BE014"]\n', encoding="utf-8")
    (tmp_path / "app.py").write_text(SAMPLE, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def flake8(fmt: str, *args: str, out: str = "report.out") -> str:
    Application().run(["--isolated", "-j1", f"--format={fmt}", f"--output-file={out}", *args])
    return Path(out).read_text(encoding="utf-8")


def sarif(*args: str) -> dict:
    log = json.loads(flake8("sarif", *args, out="report.sarif"))
    jsonschema.Draft4Validator.check_schema(SCHEMA)
    jsonschema.Draft4Validator(SCHEMA).validate(log)
    return log


def test_formatters_are_registered_as_flake8_report_plugins():
    found = {ep.name: ep.value for ep in entry_points(group="flake8.report")}
    assert found["sarif"] == "flake8_backend.formatters:SarifFormatter"
    assert found["github"] == "flake8_backend.formatters:GithubFormatter"


def test_sarif_is_valid_and_describes_our_rules(project):
    log = sarif("app.py")
    assert log["version"] == "2.1.0" and len(log["runs"]) == 1
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "flake8-backend" and driver["version"] == __version__
    assert driver["informationUri"].startswith("https://")
    by_id = {rule["id"]: rule for rule in driver["rules"]}
    assert set(RULES) <= set(by_id)
    for code, rule in RULES.items():
        entry = by_id[code]
        assert entry["name"] == rule.name
        assert entry["shortDescription"]["text"] == rule.summary
        assert entry["fullDescription"]["text"] == rule.what
        for text in (rule.why, rule.bad.strip(), rule.good.strip()):
            assert text in entry["help"]["text"] and text in entry["help"]["markdown"]
        assert entry["helpUri"] == rule_url(rule)
        level = {"error": "error", "warning": "warning", "convention": "note"}[rule.severity]
        assert entry["defaultConfiguration"]["level"] == level
    # Codes from other plugins get a result and a minimal rule entry.
    assert by_id["E501"] == {"id": "E501"} and by_id["E722"] == {"id": "E722"}


def test_sarif_results_locations_are_relative_and_one_based(project):
    run = sarif("app.py")["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    results = {r["ruleId"]: r for r in run["results"]}
    assert set(results) == {"BE001", "BE014", "BE020", "E305", "E501", "E722"}
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"] == {"uri": "app.py", "uriBaseId": "%SRCROOT%"}
    be014 = results["BE014"]
    assert be014["level"] == "warning"
    assert be014["message"]["text"].startswith("requests.get() has no timeout; pass timeout=")
    # `requests.get` spans columns 8..19 (1-based); SARIF's endColumn is exclusive.
    assert be014["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 3, "startColumn": 8, "endLine": 3, "endColumn": 20}
    assert results["BE001"]["level"] == "error"
    assert results["BE001"]["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 7, "startColumn": 12, "endLine": 7, "endColumn": 22}
    assert results["BE020"]["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 11, "startColumn": 1, "endLine": 11, "endColumn": 7}
    # Other codes span to the end of their line.
    long_line = SAMPLE.splitlines()[12]
    assert results["E501"]["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 13, "startColumn": 80, "endLine": 13, "endColumn": len(long_line) + 1}
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == project.as_uri() + "/"


def test_sarif_paths_in_subfolders_outside_and_with_spaces(project, tmp_path_factory):
    (project / "pkg dir").mkdir()
    (project / "pkg dir" / "my mod.py").write_text(SAMPLE, encoding="utf-8")
    outside = tmp_path_factory.mktemp("elsewhere") / "other.py"
    outside.write_text(SAMPLE, encoding="utf-8")
    run = sarif("--select=BE014", "pkg dir/my mod.py", str(outside))["runs"][0]
    uris = sorted(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                  for r in run["results"])
    assert uris == sorted(["pkg%20dir/my%20mod.py", outside.as_uri()])


def test_sarif_clean_run_and_rerun_stay_one_valid_document(project):
    (project / "clean.py").write_text("X = 1\n", encoding="utf-8")
    assert sarif("clean.py")["runs"][0]["results"] == []
    # flake8 appends to --output-file, and --statistics/--benchmark print text: neither
    # may corrupt the JSON document.
    log = sarif("--statistics", "--benchmark", "app.py")
    assert len(log["runs"][0]["results"]) == 6


def test_github_annotations(project):
    lines = flake8("github", "app.py").splitlines()
    assert ("::warning file=app.py,line=3,col=8,title=BE014 requests-without-timeout::"
            "requests.get() has no timeout; pass timeout=(3.05, 27) (connect, read "
            "seconds)") in lines
    assert any(line.startswith("::error file=app.py,line=7,col=12,title=BE001 sql-fstring::")
               for line in lines)
    assert "::warning file=app.py,line=13,col=80,title=E501::line too long (90 > 79 characters)" \
        in lines
    assert len(lines) == 6 and all(line.startswith("::") for line in lines)


def _options(**overrides):
    base = dict(output_file=None, color="never", show_source=True, tee=False)
    return argparse.Namespace(**{**base, **overrides})


def test_github_escapes_per_workflow_command_rules():
    assert escape_data("100% done\r\nnext") == "100%25 done%0D%0Anext"
    assert escape_property("a,b:c%\n") == "a%2Cb%3Ac%25%0A"
    formatter = GithubFormatter(_options())
    error = Violation("BE020", "dir,x/a:b.py", 4, 1, "bad 50%\nmore", "except:\n")
    assert formatter.format(error) == (
        "::warning file=dir%2Cx/a%3Ab.py,line=4,col=1,title=BE020 bare-except-handler::"
        "bad 50%25%0Amore")
    assert formatter.show_source(error) == ""


@pytest.mark.parametrize(("code", "command"), [
    ("BE001", "error"), ("BE014", "warning"), ("E501", "warning"), ("E999", "error")])
def test_github_levels_follow_severity(code, command):
    line = GithubFormatter(_options()).format(Violation(code, "a.py", 0, 0, "m", None))
    assert line.startswith(f"::{command} file=a.py,line=1,col=1,")


def test_sarif_formatter_handles_unreadable_and_zero_positions(project):
    formatter = SarifFormatter(_options())
    formatter.handle(Violation("E902", "missing.py", 0, 0, "FileNotFoundError", None))
    formatter.handle(Violation("BE014", "missing.py", 2, 3, "no timeout", None))
    log = formatter.sarif_log()
    jsonschema.Draft4Validator(SCHEMA).validate(log)
    first, second = log["runs"][0]["results"]
    assert first["level"] == "error"
    assert first["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 1, "startColumn": 1, "endLine": 1}
    assert second["locations"][0]["physicalLocation"]["region"]["startColumn"] == 3
