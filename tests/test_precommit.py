"""The pre-commit hook manifest and the README's pre-commit snippets.

pre-commit itself is not run here: it would clone hook repositories over the
network. Instead the manifest is parsed and checked against pre-commit's manifest
keys, and the hook's `entry` is run the way pre-commit runs it (entry + file names,
inside the environment the package is installed in).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from flake8_backend import __version__

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = ROOT / ".pre-commit-hooks.yaml"
README = (ROOT / "README.md").read_text(encoding="utf-8")
# pre-commit's manifest schema (pre_commit/clientlib.py, MANIFEST_HOOK_DICT).
HOOK_KEYS = {
    "id", "name", "entry", "language", "alias", "files", "exclude", "types", "types_or",
    "exclude_types", "additional_dependencies", "args", "always_run", "fail_fast",
    "pass_filenames", "description", "language_version", "log_file",
    "minimum_pre_commit_version", "require_serial", "stages", "verbose",
}
REQUIRED_KEYS = {"id", "name", "entry", "language"}


# -- a tiny YAML subset: block mappings and sequences, flow lists, quoted/plain scalars -----
def _strip_comment(line: str) -> str:
    quote = None
    for i, char in enumerate(line):
        if quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i].rstrip()
    return line.rstrip()


def _scalar(text: str):
    text = text.strip()
    if text.startswith("[") and text.endswith("]"):
        inner = text[1:-1].strip()
        return [_scalar(item) for item in inner.split(",")] if inner else []
    if text.startswith('"'):
        return json.loads(text)
    if text.startswith("'"):
        return text[1:-1].replace("''", "'")
    return text


def _block(lines: list[tuple[int, str]], i: int, indent: int):
    if lines[i][1].startswith("- ") or lines[i][1] == "-":
        items = []
        while i < len(lines) and lines[i][0] == indent and lines[i][1].startswith("-"):
            rest = lines[i][1][1:].lstrip()
            if not rest:
                value, i = _block(lines, i + 1, lines[i + 1][0])
            elif ":" in rest and not rest.startswith(("'", '"', "[")):
                inner = indent + len(lines[i][1]) - len(rest)
                lines[i] = (inner, rest)
                value, i = _block(lines, i, inner)
            else:
                value, i = _scalar(rest), i + 1
            items.append(value)
        return items, i
    mapping = {}
    while i < len(lines) and lines[i][0] == indent and not lines[i][1].startswith("- "):
        key, sep, rest = lines[i][1].partition(":")
        assert sep, f"not a mapping entry: {lines[i][1]!r}"
        i += 1
        if rest.strip():
            mapping[key.strip()] = _scalar(rest)
        elif i < len(lines) and (lines[i][0] > indent or (
                lines[i][0] == indent and lines[i][1].startswith("- "))):
            mapping[key.strip()], i = _block(lines, i, lines[i][0])
        else:
            mapping[key.strip()] = None
    return mapping, i


def parse_yaml(text: str):
    """Enough YAML for hook manifests and config snippets; cross-checked with PyYAML below."""
    lines = [(len(line) - len(line.lstrip(" ")), stripped.lstrip(" "))
             for line in text.splitlines() if (stripped := _strip_comment(line)).strip()]
    value, end = _block(lines, 0, lines[0][0])
    assert end == len(lines), f"unparsed YAML from line {end}: {lines[end]}"
    return value


def readme_yaml_blocks() -> list:
    section = README.split("## pre-commit", 1)[1].split("\n## ", 1)[0]
    return [parse_yaml(block) for block in re.findall(r"```yaml\n(.+?)```", section, re.S)]


# -- the manifest -------------------------------------------------------------------------
def test_manifest_offers_the_standalone_hooks():
    hooks = parse_yaml(MANIFEST.read_text(encoding="utf-8"))
    assert isinstance(hooks, list)
    assert [hook["id"] for hook in hooks] == ["flake8-backend-check", "flake8-backend"]
    for hook in hooks:
        assert REQUIRED_KEYS <= set(hook) <= HOOK_KEYS
        assert hook["language"] == "python"
        assert hook["types"] == ["python"]
    assert [hook["entry"] for hook in hooks] == ["flake8-backend check -j1",
                                                 "flake8 --select=BE,E902,E999"]


def test_tiny_parser_agrees_with_pyyaml():
    yaml = pytest.importorskip("yaml")
    texts = [MANIFEST.read_text(encoding="utf-8"),
             *re.findall(r"```yaml\n(.+?)```", README, re.S)]
    for text in texts:
        assert parse_yaml(text) == yaml.safe_load(text)


def _run_entry(entry: str, cwd: Path, *files: str) -> subprocess.CompletedProcess:
    """As pre-commit does: the entry's words plus the staged file names, in the hook's env."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([sysconfig.get_path("scripts"), env.get("PATH", "")])
    return subprocess.run([*shlex.split(entry), *files], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120, check=False)


def _entries() -> list[str]:
    manifest = [hook["entry"] for hook in parse_yaml(MANIFEST.read_text(encoding="utf-8"))]
    local = [hook["entry"] for hook in readme_yaml_blocks()[2]["repos"][0]["hooks"]]
    return manifest + local


@pytest.mark.parametrize("entry", _entries())
def test_hook_entry_reports_only_be_codes(tmp_path, entry):
    (tmp_path / "pyproject.toml").write_text("[tool.flake8-backend]\nenable = [\"BE014\"]\n",
                                             encoding="utf-8")
    (tmp_path / "bad.py").write_text(
        "import requests\n\nr = requests.get('https://x.example', params={'a':1})"
        "  # E231, and far too long for pycodestyle's limit of seventy-nine\n",
        encoding="utf-8")
    (tmp_path / "good.py").write_text("X = 1\n", encoding="utf-8")
    done = _run_entry(entry, tmp_path, "bad.py", "good.py")
    assert done.returncode == 1, done.stderr
    assert [line.split()[1] for line in done.stdout.splitlines()] == ["BE014"]
    clean = _run_entry(entry, tmp_path, "good.py")
    assert (clean.returncode, clean.stdout) == (0, "")


# -- the README snippets ------------------------------------------------------------------
def test_readme_upstream_flake8_hook_snippet():
    upstream = readme_yaml_blocks()[0]["repos"][0]
    assert upstream["repo"] == "https://github.com/PyCQA/flake8"
    flake8_requirement = next(
        Requirement(dep) for dep in _dependencies() if dep.startswith("flake8"))
    assert flake8_requirement.specifier.contains(upstream["rev"])
    hook = upstream["hooks"][0]
    assert hook["id"] == "flake8"
    assert f"flake8-backend=={__version__}" in hook["additional_dependencies"]


def test_readme_standalone_hook_snippet_names_a_hook_of_the_manifest():
    ids = {hook["id"] for hook in parse_yaml(MANIFEST.read_text(encoding="utf-8"))}
    standalone = readme_yaml_blocks()[1]["repos"][0]
    assert {hook["id"] for hook in standalone["hooks"]} <= ids
    assert standalone["rev"] == f"v{__version__}"


def test_readme_local_hook_needs_no_tag_and_mirrors_the_manifest():
    """`repo: local` runs the installed command (its entry runs in the test above)."""
    manifest = {hook["id"]: hook for hook in parse_yaml(MANIFEST.read_text(encoding="utf-8"))}
    local = readme_yaml_blocks()[2]["repos"][0]
    assert set(local) == {"repo", "hooks"} and local["repo"] == "local"
    for hook in local["hooks"]:
        assert REQUIRED_KEYS <= set(hook) <= HOOK_KEYS
        assert hook["language"] == "system"
        assert (hook["entry"], hook["types"]) == (manifest[hook["id"]]["entry"],
                                                  manifest[hook["id"]]["types"])


def test_tiny_parser_handles_the_shapes_it_claims():
    text = ("# c\nrepos:\n- repo: 'a # b'\n  hooks:\n    - id: x  # c\n      args: [--a, \"b\"]\n"
            "    -\n      id: y\nplain: text\nempty:\n")
    assert parse_yaml(text) == {
        "repos": [{"repo": "a # b", "hooks": [{"id": "x", "args": ["--a", "b"]}, {"id": "y"}]}],
        "plain": "text", "empty": None}


def _dependencies() -> list[str]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))[
        "project"]["dependencies"]
