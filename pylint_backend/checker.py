"""The pylint front end: one raw-file checker running the shared engine.

It re-parses the module with the stdlib `ast` (about a tenth of astroid's cost)
rather than using astroid inference, so a rule never goes silent because a
library is not installed where pylint runs. Message ids and symbols are
generated from the registry; `# pylint: disable=<symbol>` is handled by pylint,
`# noqa` by `pylint_backend.noqa`.
"""

from __future__ import annotations

import io
import sys
from typing import Any

from astroid import nodes
from pylint.checkers import BaseRawFileChecker

from flake8_backend.config import ConfigError, Settings, load_settings
from flake8_backend.engine import lint_tree_safely, parse_source
from flake8_backend.codes import alias_id
from flake8_backend.registry import RULES, all_options
from flake8_backend.rules import load_rules
from pylint_backend.noqa import file_is_ignored, is_suppressed, noqa_line_mapping

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
        for name, (_, option) in sorted(all_options().items()))


class BackendChecker(BaseRawFileChecker):
    """All flake8-backend rules, reported under the rule's kebab-case symbol."""

    name = "flake8-backend"
    msgs = _messages()
    options = _options()

    def __init__(self, linter: Any) -> None:
        super().__init__(linter)
        self._settings: Settings | None = None
        self._by_code = {code: rule.pylint_id for code, rule in RULES.items()}

    def open(self) -> None:
        native = {name: getattr(self.linter.config, option.native_name.replace("-", "_"), None)
                  for name, (_, option) in all_options().items()}
        try:
            self._settings = load_settings(native, native_source="pylint option")
        except ConfigError as exc:
            print(f"flake8-backend: {exc}", file=sys.stderr)
            sys.exit(32)  # pylint's own exit code for a usage error

    def process_module(self, node: nodes.Module) -> None:
        with node.stream() as stream:
            data = stream.read()
        parsed = parse_source(data, node.file or "<unknown>")
        if parsed is None:
            return  # pylint reports the syntax error itself
        tree, source = parsed
        findings = lint_tree_safely(tree, source, self._settings or load_settings(), node.file)
        if not findings:
            return
        # Only \n, \r\n and \r end lines for the tokenizer (and so for `ast` line numbers);
        # str.splitlines() would also split on form feeds and U+2028.
        lines = io.StringIO(source, newline="").readlines()
        if file_is_ignored(lines):
            return
        mapping = noqa_line_mapping(lines) if "noqa" in source.lower() else {}
        for finding in findings:
            text = mapping.get(finding.line) or (
                lines[finding.line - 1] if finding.line <= len(lines) else "")
            if is_suppressed(finding.code, text):
                continue
            self.add_message(self._by_code[finding.code], line=finding.line,
                             col_offset=finding.col, end_lineno=finding.end_line,
                             end_col_offset=finding.end_col, args=(finding.message,))
