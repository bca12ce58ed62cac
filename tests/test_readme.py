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
    assert "pip install ." in blocks[0] and "flake8 --select=BE examples/" in blocks[0]
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
