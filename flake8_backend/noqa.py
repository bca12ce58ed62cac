"""`# noqa` with exactly flake8's semantics, for the front ends flake8 does not run.

flake8 applies `# noqa` itself; pylint and `flake8-backend check` do it here. The
patterns are flake8's own (`flake8.defaults`, copied so that `check` never imports
flake8; a test compares them), and so is the line mapping: a comment after a
multi-line string or a backslash-continued statement covers every line of it.
Lines are read as flake8 reads them (universal newlines), so a file with `\\r` or
`\\r\\n` line ends maps the same as one with `\\n`.
"""

from __future__ import annotations

import ast
import bisect
import io
import re
import tokenize
from typing import Iterable, Sequence

# flake8.defaults.NOQA_INLINE_REGEXP and NOQA_FILE, flake8.utils.COMMA_SEPARATED_LIST_RE
NOQA_INLINE_REGEXP = re.compile(
    r"# noqa(?::[\s]?(?P<codes>([A-Z]+[0-9]+(?:[,\s]+)?)+))?", re.IGNORECASE)
NOQA_FILE = re.compile(r"\s*# flake8[:=]\s*noqa", re.I)
COMMA_SEPARATED_LIST_RE = re.compile(r"[,\s]")
# Cheap whole-text pre-checks: most files have no `noqa` at all.
_ANY_NOQA = re.compile(r"noqa", re.I)
_FILE_NOQA_ANYWHERE = re.compile(r"^\s*# flake8[:=]\s*noqa", re.I | re.M)


def universal_newlines(source: str) -> str:
    """The text as flake8 reads it (`tokenize.open`): `\\r\\n` and `\\r` become `\\n`."""
    if "\r" in source:
        source = source.replace("\r\n", "\n").replace("\r", "\n")
    return source


def source_lines(source: str) -> list[str]:
    """flake8's `FileProcessor.lines` for this text: split on `\\n` only, ends kept."""
    return io.StringIO(universal_newlines(source), newline="\n").readlines()


def file_is_ignored(lines: Sequence[str]) -> bool:
    """A `# flake8: noqa` line on its own disables the whole file, as in flake8.

    (`# flake8: noqa` after code on a line, or with codes, does not.)"""
    return any(NOQA_FILE.match(line) for line in lines)


def source_is_ignored(source: str) -> bool:
    """`file_is_ignored` for a whole text, without splitting it when it cannot match."""
    text = universal_newlines(source)
    if _FILE_NOQA_ANYWHERE.search(text) is None:
        return False
    return file_is_ignored(source_lines(text))


def noqa_line_mapping(lines: Sequence[str]) -> dict[int, str]:
    """Line number -> text searched for `noqa` (flake8's `FileProcessor._noqa_line_mapping`).

    `lines` must end in `\\n` only (see `source_lines`), as flake8's do."""
    mapping: dict[int, str] = {}
    line_iter = iter(lines)
    try:
        tokens = list(tokenize.generate_tokens(lambda: next(line_iter)))
    except (tokenize.TokenError, SyntaxError):
        return mapping
    min_line, max_line = len(lines) + 2, -1
    for kind, _, (start_line, _), (end_line, _), _ in tokens:
        if kind in (tokenize.ENDMARKER, tokenize.DEDENT):
            continue
        min_line, max_line = min(min_line, start_line), max(max_line, end_line)
        if kind in (tokenize.NL, tokenize.NEWLINE):
            joined = "".join(lines[min_line - 1:max_line])
            mapping.update(dict.fromkeys(range(min_line, max_line + 1), joined))
            min_line, max_line = len(lines) + 2, -1
    return mapping


def is_suppressed(code: str, text: str | None) -> bool:
    """Whether `text` carries a `# noqa` that covers `code` (bare, exact or prefix)."""
    if not text:
        return False
    match = NOQA_INLINE_REGEXP.search(text)
    if match is None:
        return False
    codes_str = match.group("codes")
    if codes_str is None:
        return True
    codes = {item.strip() for item in COMMA_SEPARATED_LIST_RE.split(codes_str)} - {""}
    return code in codes or code.startswith(tuple(codes))


_BODIES = ("body", "handlers", "orelse", "finalbody", "cases")


def _first_line(node: ast.AST) -> int:
    if type(node).__name__ == "match_case":
        return node.pattern.lineno
    decorators = getattr(node, "decorator_list", None)
    line = node.lineno
    return min([line, *(d.lineno for d in decorators)]) if decorators else line


def _last_line(node: ast.AST) -> int:
    end = getattr(node, "end_lineno", None)
    if end is None:  # match_case
        end = node.body[-1].end_lineno
    return end


class Suppressions:
    """The `# noqa` comments of one file, read only when a finding asks.

    Tokenizing is several times slower than parsing, so nothing is tokenized for a
    file without `noqa`, and with the file's tree only the statement holding the
    finding is (flake8's mapping joins lines only within a statement: a multi-line
    string, a backslash continuation), and only when one of its lines says `noqa`.
    """

    def __init__(self, source: str, tree: ast.AST | None = None) -> None:
        self.source = source
        self.tree = tree
        self._has_noqa: bool | None = None
        self._lines: list[str] | None = None
        self._mapping: dict[int, str] | None = None
        self._noqa_lines: list[int] | None = None
        self._starts: dict[int, list[int]] = {}
        self._spans: dict[tuple[int, int], dict[int, str]] = {}

    @property
    def lines(self) -> list[str]:
        if self._lines is None:
            self._lines = source_lines(self.source)
        return self._lines

    def _full_line_for(self, line: int) -> str | None:
        if self._mapping is None:
            self._mapping = noqa_line_mapping(self.lines)
        text = self._mapping.get(line)
        if text is None and 1 <= line <= len(self.lines):
            text = self.lines[line - 1]  # flake8 falls back to the physical line
        return text

    def _span(self, line: int) -> tuple[int, int] | None:
        """Lines of the innermost statement (or compound statement header) holding `line`,
        from a line where the tokenizer starts clean; None when unsure."""
        node: ast.AST = self.tree  # type: ignore[assignment]
        floor = line
        while True:
            children = [child for field in _BODIES for child in getattr(node, field, ()) or ()]
            key = id(node)
            if key not in self._starts:
                self._starts[key] = [_first_line(child) for child in children]
            starts = self._starts[key]
            index = bisect.bisect_right(starts, line) - 1
            if index >= 0 and _last_line(children[index]) >= line:
                # `a = """...\n..."""; b = 1`: b's line starts inside a's tokens.
                shared = index
                while shared > 0 and _last_line(children[shared - 1]) >= starts[shared]:
                    shared -= 1
                floor = min(floor, starts[shared])
                node = children[index]
                continue
            if isinstance(node, ast.Module):
                return None
            first = _first_line(node)
            if not children:
                return min(first, floor), _last_line(node)
            body_start = starts[0]
            if line >= body_start and body_start != first:
                return None  # an `else:` or `finally:` line: ask the whole file
            return min(first, floor), max(first, body_start - 1)

    def line_for(self, line: int) -> str | None:
        """What flake8 searches for `noqa` when something is reported on `line`."""
        if self.tree is None or not isinstance(self.tree, ast.Module):
            return self._full_line_for(line)
        span = self._span(line)
        if span is None:
            return self._full_line_for(line)
        first, last = span
        lines = self.lines
        while last < len(lines) and lines[last - 1].endswith("\\\n"):
            last += 1  # a backslash continues the token range past the statement's end
        span = first, last
        if self._noqa_lines is None:
            self._noqa_lines = [number for number, text in enumerate(self.lines, start=1)
                                if _ANY_NOQA.search(text)]
        at = bisect.bisect_left(self._noqa_lines, first)
        if at == len(self._noqa_lines) or self._noqa_lines[at] > last:
            return self.lines[line - 1] if line <= len(self.lines) else None  # no noqa
        if span not in self._spans:
            partial = noqa_line_mapping(self.lines[first - 1:last])
            self._spans[span] = {number + first - 1: text for number, text in partial.items()}
        text = self._spans[span].get(line)
        if text is None:
            return self._full_line_for(line)
        return text

    def suppressed(self, code: str, line: int) -> bool:
        if self._has_noqa is None:
            self._has_noqa = _ANY_NOQA.search(self.source) is not None
        if not self._has_noqa:
            return False
        return is_suppressed(code, self.line_for(line))

    def keep(self, findings: Iterable, code=lambda f: f.code, line=lambda f: f.line) -> list:
        """The findings no `# noqa` covers."""
        return [f for f in findings if not self.suppressed(code(f), line(f))]


__all__ = ["NOQA_FILE", "NOQA_INLINE_REGEXP", "Suppressions", "file_is_ignored",
           "is_suppressed", "noqa_line_mapping", "source_is_ignored", "source_lines",
           "universal_newlines"]
