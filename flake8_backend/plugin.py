"""The flake8 front end: a thin tree plugin over the shared engine.

flake8 applies `# noqa`, `--select` and `--extend-ignore` itself; this adapter
maps options in and findings out, and hides what `[tool.flake8-backend]` says to
hide in every front end (`per-file-ignores`, the `baseline`). `formatters` holds
the report plugins.
"""

from __future__ import annotations

import argparse
import ast
import os
import sys
from typing import Any, Iterator

from flake8_backend.config import ConfigError, Settings, load_settings, native_options
from flake8_backend.engine import lint_tree_safely
from flake8_backend.rules import load_rules

EXIT_CONFIG = 2  # what flake8 itself exits with for a bad command line


def _flag_on_command_line(flag: str) -> bool:
    return any(arg == flag or arg.startswith(flag + "=") for arg in sys.argv[1:])


def _config_file(options: argparse.Namespace) -> str | None:
    """The flake8 configuration file this run reads (flake8's own discovery)."""
    if getattr(options, "isolated", False):
        return None
    if getattr(options, "config", None):
        return options.config
    try:
        from flake8.options.config import _find_config_file

        return _find_config_file(os.path.abspath("."))
    except Exception:  # noqa: BLE001 - a private helper that may move; only for messages
        return None


def native_sources(options: argparse.Namespace) -> dict[str, str]:
    """Where each `--be-*` value came from: flake8's command line or its config file."""
    config = _config_file(options)
    sources = {"": "flake8 option"}
    for name, option in native_options().items():
        flag = f"--{option.native_name}"
        if _flag_on_command_line(flag):
            sources[name] = "flake8 command line"
        elif config:
            sources[name] = f"{os.path.relpath(config)} [flake8]"
        else:
            sources[name] = "flake8 command line"
    return sources


class Flake8Plugin:
    """Registered under the `BE` prefix through the `flake8.extension` entry point."""

    name = "flake8-backend"  # flake8 reads the version from the distribution's metadata
    settings: Settings | None = None
    filter: Any = None  # a baseline.FileFilter when the project has per-file ignores or a baseline

    def __init__(self, tree: ast.AST, filename: str, lines: list[str]) -> None:
        self.tree = tree
        self.filename = filename
        self.lines = lines

    @classmethod
    def add_options(cls, manager: Any) -> None:
        # Opt-in rules are not added to flake8's default ignore list: the engine reports only
        # the rules the configuration enables, so `enable = ["BE001"]` alone turns one on.
        load_rules()
        for name, option in sorted(native_options().items()):
            manager.add_option(
                f"--{option.native_name}", default=None, parse_from_config=True,
                metavar="VALUE", help=f"flake8-backend: {option.help} (pyproject key: {name})")

    @classmethod
    def parse_options(cls, options: argparse.Namespace) -> None:
        native = {name: getattr(options, option.native_name.replace("-", "_"), None)
                  for name, option in native_options().items()}
        try:
            cls.settings = load_settings(native, native_source=native_sources(options))
            values = cls.settings.values
            if values.get("per-file-ignores") or values.get("baseline"):
                # imported only when used: most projects have neither (a few ms per run)
                from flake8_backend.baseline import FileFilter

                cls.filter = FileFilter(cls.settings)
        except ConfigError as exc:
            # Exit 2 as flake8 does for a bad command line, so CI can tell a broken
            # configuration (2) from findings (1).
            sys.stderr.write(f"flake8-backend: {exc}\n")
            raise SystemExit(EXIT_CONFIG) from None

    def run(self) -> Iterator[tuple[int, int, str, type]]:
        settings = self.settings or load_settings()
        source = "".join(self.lines)
        findings = lint_tree_safely(self.tree, source, settings, self.filename)
        if findings and self.filter is not None and self.filter.active:
            findings = self.filter.apply(findings, self.lines, self.filename)
        for finding in findings:
            yield finding.line, finding.col, finding.message, type(self)
