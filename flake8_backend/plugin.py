"""The flake8 front end: a thin tree plugin over the shared engine.

flake8 applies `# noqa`, `--select` and `--extend-ignore` itself; this adapter
only maps options in and findings out (`formatters` holds the report plugins).
"""

from __future__ import annotations

import argparse
import ast
from typing import Any, Iterator

from flake8_backend.config import ConfigError, Settings, load_settings
from flake8_backend.engine import lint_tree_safely
from flake8_backend.registry import all_options
from flake8_backend.rules import load_rules


class Flake8Plugin:
    """Registered under the `BE` prefix through the `flake8.extension` entry point."""

    name = "flake8-backend"  # flake8 reads the version from the distribution's metadata
    settings: Settings | None = None

    def __init__(self, tree: ast.AST, filename: str, lines: list[str]) -> None:
        self.tree = tree
        self.filename = filename
        self.lines = lines

    @classmethod
    def add_options(cls, manager: Any) -> None:
        rules = load_rules()
        for name, (_, option) in sorted(all_options().items()):
            manager.add_option(
                f"--{option.native_name}", default=None, parse_from_config=True,
                metavar="VALUE", help=f"flake8-backend: {option.help} (pyproject key: {name})")
        opt_in = [code for code, rule in rules.items() if not rule.default_enabled]
        if opt_in:
            manager.extend_default_ignore(opt_in)

    @classmethod
    def parse_options(cls, options: argparse.Namespace) -> None:
        native = {name: getattr(options, option.native_name.replace("-", "_"), None)
                  for name, (_, option) in all_options().items()}
        try:
            cls.settings = load_settings(native, native_source="flake8 option")
        except ConfigError as exc:
            raise SystemExit(f"flake8-backend: {exc}") from None

    def run(self) -> Iterator[tuple[int, int, str, type]]:
        settings = self.settings or load_settings()
        source = "".join(self.lines)
        for finding in lint_tree_safely(self.tree, source, settings, self.filename):
            yield finding.line, finding.col, finding.message, type(self)
