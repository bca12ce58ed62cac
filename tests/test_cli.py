"""`flake8-backend rules` / `flake8-backend rule BE014`, in-process and as the installed script."""

from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from flake8_backend import __version__
from flake8_backend.cli import main
from flake8_backend.docs import rule_page
from flake8_backend.registry import RULES
from flake8_backend.rules import load_rules

load_rules()
CODES = sorted(RULES)


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_rules_lists_code_name_default_and_summary(capsys):
    code, out, err = run(capsys, "rules")
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0].split() == ["Code", "Name", "Default", "Summary"]
    assert [line.split()[0] for line in lines[1:]] == CODES
    for line, rule_code in zip(lines[1:], CODES):
        rule = RULES[rule_code]
        state = "on" if rule.default_enabled else "opt-in"
        assert line.split()[:3] == [rule.code, rule.name, state]
        assert line.endswith(rule.summary)


def test_rules_json_is_the_registry(capsys):
    code, out, _ = run(capsys, "rules", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert [item["code"] for item in data] == CODES
    for item in data:
        rule = RULES[item["code"]]
        assert (item["name"], item["pylint_id"], item["summary"], item["default_enabled"]) == (
            rule.name, rule.pylint_id, rule.summary, rule.default_enabled)
        assert [o["flag"] for o in item["options"]] == [
            f"--{o.native_name}" for o in rule.options]


@pytest.mark.parametrize("key", ["BE014", "be014", "requests-without-timeout", "W7314"])
def test_rule_by_code_or_symbol_prints_its_page(capsys, key):
    code, out, err = run(capsys, "rule", key)
    assert code == 0 and err == ""
    assert out == rule_page(RULES["BE014"])
    assert out.startswith("# BE014 requests-without-timeout\n")


def test_rule_json(capsys):
    code, out, _ = run(capsys, "rule", "bare-except-handler", "--format", "json")
    assert code == 0 and json.loads(out)["code"] == "BE020"


@pytest.mark.parametrize("key", ["BE999", "bare-except", "W0702", ""])
def test_unknown_rule_is_one_line_and_exit_2(capsys, key):
    code, out, err = run(capsys, "rule", key)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and repr(key) in err


def test_usage_errors_exit_2_and_version(capsys):
    with pytest.raises(SystemExit) as exc:
        main([])
    assert exc.value.code == 2
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0 and __version__ in capsys.readouterr().out


def test_installed_console_script_and_python_m():
    """The entry point in pyproject.toml is installed and wired to the same main()."""
    script = Path(sysconfig.get_path("scripts")) / (
        "flake8-backend.exe" if sys.platform == "win32" else "flake8-backend")
    assert script.is_file(), "reinstall the package: the console script is missing"
    done = subprocess.run([str(script), "rule", "BE014"], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("# BE014 requests-without-timeout\n")
    unknown = subprocess.run([sys.executable, "-m", "flake8_backend", "rule", "BE999"],
                             capture_output=True, text=True, timeout=60, check=False)
    assert unknown.returncode == 2 and unknown.stdout == ""
    assert unknown.stderr.startswith("flake8-backend: unknown rule 'BE999'")
