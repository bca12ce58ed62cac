"""The README's claims that can drift: the generated rules table and the quick-start commands."""

from __future__ import annotations

import re
from pathlib import Path

from flake8_backend.docs import TABLE_BEGIN, TABLE_END, rules_table, update_readme

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_rules_table_matches_registry():
    assert TABLE_BEGIN in README and TABLE_END in README
    assert update_readme(README) == README, "run `python -m flake8_backend.docs`"
    assert rules_table() in README


def test_readme_starts_with_install_and_test_commands():
    blocks = re.findall(r"```sh\n(.+?)\n```", README)
    assert "pip install ." in blocks[0]
    assert "flake8 --select=BE --be-enable=BE001,BE014 examples/" in blocks[0]
    assert 'pip install ".[test]"' in blocks[1] and "pytest" in blocks[1]
    # The README's commands come before anything else but the title and one line each.
    assert README.index(blocks[1]) < README.index("## Rules")


def test_ci_runs_the_readme_commands():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "awk '/^```sh$/{getline; print}' README.md" in ci


def test_config_example_in_readme_is_valid_and_complete():
    """The documented table is accepted as is and names every option."""
    from flake8_backend.config import build_settings, options
    from harness import tomllib

    block = re.search(r"```toml\n(\[tool\.flake8-backend\].+?)```", README, re.S).group(1)
    table = tomllib.loads(block)["tool"]["flake8-backend"]
    table.pop("baseline")  # the example names a file that does not exist here
    build_settings(table)
    assert set(table) | {"baseline"} == set(options())


def _readme_commands() -> list[str]:
    commands = []
    for block in re.findall(r"```sh\n(.+?)```", README, re.S):
        for line in block.splitlines():
            if line.startswith(("flake8-backend ", "flake8 ")):
                commands.append(line.split("  #", 1)[0].strip())
    return commands


def test_every_readme_lint_command_runs_as_written(tmp_path):
    """Each `flake8-backend ...` and `flake8 ...` line of the README's sh blocks, in a small
    project; then the baseline the README writes hides what it recorded."""
    import os
    import shlex
    import subprocess
    import sys
    import sysconfig

    for folder in ("src", "tests"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "app.py").write_text("import requests\nrequests.get('u')\n",
                                                  encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text("[tool.flake8-backend]\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "FLAKE8_BACKEND_RAISE"}
    env["PATH"] = os.pathsep.join([sysconfig.get_path("scripts"), env.get("PATH", "")])
    commands = _readme_commands()
    assert len(commands) >= 11 and any("--write-baseline" in c for c in commands)
    for command in commands:
        done = subprocess.run(shlex.split(command), cwd=tmp_path, env=env, capture_output=True,
                              text=True, timeout=120, check=False)
        assert done.returncode in (0, 1), (command, done.stderr)
        assert "Traceback" not in done.stderr and "error:" not in done.stderr, command
    assert (tmp_path / "be.sarif").is_file()
    baseline = re.search(r'```toml\n(\[tool\.flake8-backend\]\nbaseline = .+?)```', README,
                         re.S).group(1)
    (tmp_path / "pyproject.toml").write_text(baseline, encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "flake8_backend", "check"], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=120, check=False)
    assert (done.returncode, done.stdout) == (0, ""), done.stderr
