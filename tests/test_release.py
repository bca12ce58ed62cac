"""Release readiness: licence and its metadata, changelog, one version, honest ranges."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from flake8_backend import __version__

ROOT = Path(__file__).resolve().parent.parent

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def test_mit_licence_file_and_metadata():
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License\n") and "WITHOUT WARRANTY OF ANY KIND" in text
    assert PROJECT["license"] == "MIT" and PROJECT["license-files"] == ["LICENSE"]
    assert not any("License ::" in c for c in PROJECT["classifiers"])  # PEP 639: one place


def test_version_is_written_once():
    """pyproject.toml holds it; the package reads its metadata; docs name it, code does not."""
    assert PROJECT["version"] == __version__
    written = [path for package in ("flake8_backend", "pylint_backend")
               for path in (ROOT / package).rglob("*.py")
               if re.search(rf"""["']{re.escape(__version__)}["']""",
                            path.read_text(encoding="utf-8"))]
    assert written == []


def test_changelog_has_the_current_version():
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert re.search(rf"^## {re.escape(__version__)} - ", changelog, re.M)
    assert changelog.index("## Unreleased") < changelog.index(f"## {__version__}")


def test_dependency_ranges_match_the_versions_ci_tests():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    for name in ("flake8", "pylint", "astroid"):
        lowest = re.search(rf'"{name}==([\d.]+)"', ci).group(1)
        requirement = next(d for d in PROJECT["dependencies"] if d.startswith(name))
        assert f">={lowest.rsplit('.', 1)[0]}" in requirement or f">={lowest}" in requirement
