"""The pylint front end: one raw-file checker running the shared engine.

It re-parses the module with the stdlib `ast` (about a tenth of astroid's cost)
rather than using astroid inference, so a rule never goes silent because a
library is not installed where pylint runs. Message ids and symbols are
generated from the registry; `# pylint: disable=<symbol>` is handled by pylint,
`# noqa` by `pylint_backend.noqa` (flake8's semantics), and `per-file-ignores` and
the `baseline` of `[tool.flake8-backend]` as in every front end.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from astroid import nodes
from pylint.checkers import BaseRawFileChecker

from flake8_backend.baseline import FileFilter
from flake8_backend.codes import alias_id
from flake8_backend.config import ConfigError, Settings, load_settings, native_options
from flake8_backend.engine import lint_tree_safely, parse_source
from flake8_backend.registry import RULES
from flake8_backend.rules import load_rules
from pylint_backend.noqa import Suppressions, source_is_ignored

EXIT_USAGE = 32  # pylint's own exit code for a usage error (2 means "error messages")

load_rules()


def _messages() -> dict[str, tuple]:
    """One message per rule. The BE code is registered as an old name of the symbol, so
    `# pylint: disable=BE014` and `--disable=BE014` work as well as the symbol."""
    return {rule.pylint_id: ("%s", rule.name, f"{rule.summary} {rule.why}",
                             {"old_names": [(alias_id(rule.pylint_id), rule.code)]})
            for rule in RULES.values()}


def _options() -> tuple[tuple[str, dict[str, Any]], ...]:
    return tuple(
        (option.native_name, {"default": None, "type": "string", "metavar": "<value>",
                              "help": f"{option.help} (pyproject key: {name})"})
        for name, option in sorted(native_options().items()))


class BackendChecker(BaseRawFileChecker):
    """All flake8-backend rules, reported under the rule's kebab-case symbol."""

    name = "flake8-backend"
    msgs = _messages()
    options = _options()

    def __init__(self, linter: Any) -> None:
        super().__init__(linter)
        self._settings: Settings | None = None
        self._filter: FileFilter | None = None
        self._by_code = {code: rule.pylint_id for code, rule in RULES.items()}

    def _sources(self) -> dict[str, str]:
        config = getattr(self.linter, "config_file", None)
        sources = {"": "pylint option"}
        for name, option in native_options().items():
            flag = f"--{option.native_name}"
            if any(arg == flag or arg.startswith(flag + "=") for arg in sys.argv[1:]):
                sources[name] = "pylint command line"
            elif config:
                sources[name] = f"{os.path.relpath(str(config))} (pylint configuration)"
            else:
                sources[name] = "pylint option"
        return sources

    def open(self) -> None:
        native = {name: getattr(self.linter.config, option.native_name.replace("-", "_"), None)
                  for name, option in native_options().items()}
        try:
            self._settings = load_settings(native, native_source=self._sources())
            self._filter = FileFilter(self._settings)
        except ConfigError as exc:
            print(f"flake8-backend: {exc}", file=sys.stderr)
            sys.exit(EXIT_USAGE)

    def process_module(self, node: nodes.Module) -> None:
        with node.stream() as stream:
            data = stream.read()
        parsed = parse_source(data, node.file or "<unknown>")
        if parsed is None:
            return  # pylint reports the syntax error itself
        tree, source = parsed
        settings = self._settings or load_settings()
        findings = lint_tree_safely(tree, source, settings, node.file)
        if not findings or source_is_ignored(source):
            return
        if self._filter is not None and self._filter.active:
            findings = self._filter.apply(findings, source, node.file or "<unknown>")
        suppressions = Suppressions(source, tree)
        for finding in findings:
            if suppressions.suppressed(finding.code, finding.line):
                continue
            self.add_message(self._by_code[finding.code], line=finding.line,
                             col_offset=finding.col, end_lineno=finding.end_line,
                             end_col_offset=finding.end_col, args=(finding.message,))
