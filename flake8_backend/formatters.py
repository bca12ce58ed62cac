"""Machine-readable flake8 output for CI: `flake8 --format=sarif` and `--format=github`.

Registered through the `flake8.report` entry point, so they format every code
flake8 reports (E501 as well as BE014), not only ours. SARIF 2.1.0 feeds GitHub
code scanning and other dashboards; the GitHub format prints workflow commands
that become inline annotations on a pull request without any upload step.
"""

from __future__ import annotations

import json
import linecache
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from flake8.formatting.base import BaseFormatter
from flake8.statistics import Statistics
from flake8.violation import Violation

if TYPE_CHECKING:
    from flake8_backend.registry import Rule

# flake8 imports every installed report plugin on every run, whichever --format is
# chosen: the registry and the docs are imported when a formatter first needs them.

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_LEVEL = {"error": "error", "warning": "warning", "convention": "note"}
GITHUB_COMMAND = {"error": "error", "warning": "warning", "note": "notice"}
# flake8 itself could not read or parse the file: nothing else in it was checked.
FATAL_CODES = frozenset({"E902", "E999"})
SRCROOT = "%SRCROOT%"


def _rules() -> dict[str, Rule]:
    from flake8_backend.rules import load_rules

    return load_rules()


def level_for(code: str) -> str:
    """SARIF level: ours from the rule's severity; other codes are warnings unless fatal."""
    rule = _rules().get(code)
    if rule is not None:
        return SARIF_LEVEL[rule.severity]
    return "error" if code in FATAL_CODES else "warning"


def relative_path(filename: str) -> str | None:
    """`filename` relative to the working directory with `/` separators, or None if outside.

    CI uploads and annotations resolve paths against the checkout, which is where
    flake8 runs, so relative paths keep reports portable between machines.
    """
    path = os.path.abspath(filename)
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return None
    if rel == os.pardir or rel.startswith(os.pardir + os.sep):
        return None
    return rel.replace(os.sep, "/")


def information_uri() -> str:
    """The project's home page from its metadata, else its PyPI page."""
    from flake8_backend.docs import PYPI_URL, project_urls

    urls = project_urls()
    for label in ("homepage", "home", "repository", "source", "documentation"):
        if urls.get(label):
            return urls[label]
    return PYPI_URL


class _EndPositions:
    """End positions of our findings, which flake8's `Violation` does not carry.

    The engine records where each finding ends (the callee, the `except` keyword);
    re-linting only the files that have BE violations recovers that range, so a
    code-scanning alert highlights the call rather than the whole line.
    """

    def __init__(self) -> None:
        self._cache: dict[str, dict[tuple[int, int, str], tuple[int, int]]] = {}

    def get(self, filename: str, line: int, col: int, code: str) -> tuple[int, int] | None:
        if filename not in self._cache:
            self._cache[filename] = self._scan(filename)
        return self._cache[filename].get((line, col, code))

    @staticmethod
    def _scan(filename: str) -> dict[tuple[int, int, str], tuple[int, int]]:
        from flake8_backend.config import ConfigError, load_settings
        from flake8_backend.engine import lint_source
        from flake8_backend.plugin import Flake8Plugin

        try:
            data = Path(filename).read_bytes()
            settings = Flake8Plugin.settings or load_settings()
            findings = lint_source(data, filename, settings)
        except (OSError, ConfigError):
            return {}
        return {(f.line, f.col, f.code): (f.end_line, f.end_col) for f in findings}


class SarifFormatter(BaseFormatter):
    """One SARIF 2.1.0 log with one run, written when flake8 finishes.

    The document is only valid whole, so violations are collected and written in
    `stop()`; statistics and benchmarks, which would corrupt it, are not printed.
    """

    def after_init(self) -> None:
        self.violations: list[Violation] = []
        self.ends = _EndPositions()

    def start(self) -> None:
        # flake8 appends to --output-file; a second JSON document would make it invalid.
        if self.filename:
            os.makedirs(os.path.dirname(os.path.abspath(self.filename)), exist_ok=True)
            self.output_fd = open(self.filename, "w", encoding="utf-8")

    def handle(self, error: Violation) -> None:
        self.violations.append(error)

    def format(self, error: Violation) -> str | None:
        return None  # everything is written at once in stop()

    def show_statistics(self, statistics: Statistics) -> None:
        """Not printed: text after the JSON document would make it unreadable."""

    def show_benchmarks(self, benchmarks: list[tuple[str, float]]) -> None:
        """Not printed, for the same reason as statistics."""

    def stop(self) -> None:
        self._write(json.dumps(self.sarif_log(), indent=2))
        super().stop()

    def sarif_log(self) -> dict[str, Any]:
        """The whole log: our rules first (all of them), then other codes seen."""
        from flake8_backend import __version__

        registry = _rules()
        rules = [sarif_rule(registry[code]) for code in sorted(registry)]
        index = {rule["id"]: i for i, rule in enumerate(rules)}
        for code in sorted({v.code for v in self.violations} - set(index)):
            index[code] = len(rules)
            rules.append({"id": code})
        results = [self.sarif_result(v, index[v.code]) for v in self.violations]
        driver = {
            "name": "flake8-backend",
            "version": __version__,
            "semanticVersion": __version__,
            "informationUri": information_uri(),
            "rules": rules,
        }
        return {
            "$schema": SARIF_SCHEMA,
            "version": "2.1.0",
            "runs": [{
                "tool": {"driver": driver},
                "originalUriBaseIds": {SRCROOT: {"uri": Path.cwd().as_uri() + "/"}},
                "results": results,
            }],
        }

    def sarif_result(self, error: Violation, rule_index: int) -> dict[str, Any]:
        """One violation; columns are 1-based like flake8's (`Violation` already adds 1)."""
        rel = relative_path(error.filename)
        if rel is None:
            artifact = {"uri": Path(os.path.abspath(error.filename)).as_uri()}
        else:
            artifact = {"uri": quote(rel), "uriBaseId": SRCROOT}
        return {
            "ruleId": error.code,
            "ruleIndex": rule_index,
            "level": level_for(error.code),
            "message": {"text": error.text},
            "locations": [{"physicalLocation": {
                "artifactLocation": artifact,
                "region": self.region(error),
            }}],
        }

    def region(self, error: Violation) -> dict[str, int]:
        """Start and end; the end is the finding's own for BE codes, else the line's end."""
        line, col = max(error.line_number, 1), max(error.column_number, 1)
        region = {"startLine": line, "startColumn": col}
        end = self.ends.get(error.filename, line, col - 1, error.code) if error.code in _rules() \
            else None
        if end is not None and (end[0], end[1] + 1) > (line, col):
            region["endLine"], region["endColumn"] = end[0], end[1] + 1
            return region
        text = linecache.getline(error.filename, line).rstrip("\r\n")
        region["endLine"] = line
        if text:
            region["endColumn"] = max(col, len(text) + 1)  # exclusive, like SARIF wants
        return region


def sarif_rule(rule: Rule) -> dict[str, Any]:
    """A `reportingDescriptor` built from the registry, with the rule page's core inline."""
    from flake8_backend.docs import rule_url

    bad, good = rule.bad.rstrip("\n"), rule.good.rstrip("\n")
    help_text = f"{rule.why}\n\nExample:\n\n{bad}\n\nUse instead:\n\n{good}\n"
    help_markdown = (f"{rule.why}\n\n## Example\n\n```python\n{bad}\n```\n\n"
                     f"## Use instead\n\n```python\n{good}\n```\n")
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.what, "markdown": rule.what},
        "help": {"text": help_text, "markdown": help_markdown},
        "helpUri": rule_url(rule),
        "defaultConfiguration": {"level": SARIF_LEVEL[rule.severity],
                                 "enabled": rule.default_enabled},
        "properties": {"pylintId": rule.pylint_id},
    }


def escape_data(text: str) -> str:
    """A workflow command's message: `%`, CR and LF would end or corrupt the command."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value: `,` and `:` also delimit properties."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


class GithubFormatter(BaseFormatter):
    """GitHub Actions workflow commands, one per violation, shown as PR annotations."""

    def format(self, error: Violation) -> str | None:
        rule = _rules().get(error.code)
        title = f"{rule.code} {rule.name}" if rule else error.code
        path = relative_path(error.filename) or os.path.abspath(error.filename)
        props = ",".join(f"{key}={escape_property(str(value))}" for key, value in (
            ("file", path), ("line", max(error.line_number, 1)),
            ("col", max(error.column_number, 1)), ("title", title)))
        command = GITHUB_COMMAND[level_for(error.code)]
        return f"::{command} {props}::{escape_data(error.text)}"

    def show_source(self, error: Violation) -> str | None:
        return ""  # source lines would be printed as stray log lines between commands
