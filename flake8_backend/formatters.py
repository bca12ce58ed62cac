"""Machine-readable flake8 output for CI: `flake8 --format=sarif` and `--format=github`.

Registered through the `flake8.report` entry point, so they format every code
flake8 reports (E501 as well as BE014), not only ours. SARIF 2.1.0 feeds GitHub
code scanning and other dashboards; the GitHub format prints workflow commands
that become inline annotations on a pull request without any upload step.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from flake8.formatting.base import BaseFormatter
from flake8.statistics import Statistics
from flake8.violation import Violation

from flake8_backend.report import (
    FATAL_CODES, SARIF_SCHEMA, SRCROOT, Record, escape_data, escape_property, github_line,
    information_uri, level_for, relative_path, sarif_log, sarif_region, sarif_rule, _rules)

# flake8 imports every installed report plugin on every run, whichever --format is
# chosen: `report` imports the registry and the docs only when a formatter needs them.


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
        return sarif_log([_record(v) for v in self.violations], self._end_for)

    def _end_for(self, record: Record) -> tuple[int, int] | None:
        if record.code not in _rules():
            return None
        end = self.ends.get(record.filename, max(record.line, 1), max(record.col, 1) - 1,
                            record.code)
        return (end[0], end[1] + 1) if end is not None else None

    def region(self, error: Violation) -> dict[str, int]:
        """Start and end; the end is the finding's own for BE codes, else the line's end."""
        return sarif_region(_record(error), self._end_for)


def _record(error: Violation) -> Record:
    return Record(error.filename, error.line_number, error.column_number, error.code,
                  error.text)


class GithubFormatter(BaseFormatter):
    """GitHub Actions workflow commands, one per violation, shown as PR annotations."""

    def format(self, error: Violation) -> str | None:
        return github_line(_record(error))

    def show_source(self, error: Violation) -> str | None:
        return ""  # source lines would be printed as stray log lines between commands


__all__ = ["FATAL_CODES", "SARIF_SCHEMA", "SRCROOT", "GithubFormatter", "SarifFormatter",
           "escape_data", "escape_property", "information_uri", "level_for", "relative_path",
           "sarif_rule"]
