"""`# noqa` for pylint, with exactly flake8's semantics.

pylint knows nothing of `# noqa`; a team that writes `# noqa: BE014` for flake8
expects pylint to agree. This reuses flake8's own patterns and its line mapping
(a comment after a multi-line string covers every line of that string), so the
two front ends can never disagree on what is suppressed.
"""

from __future__ import annotations

import io
import tokenize

from flake8.defaults import NOQA_FILE, NOQA_INLINE_REGEXP
from flake8.utils import parse_comma_separated_list


def file_is_ignored(lines: list[str]) -> bool:
    """A `# flake8: noqa` line on its own disables the whole file, as in flake8."""
    return any(NOQA_FILE.match(line) for line in lines)


def noqa_line_mapping(lines: list[str]) -> dict[int, str]:
    """Line number -> text searched for `noqa` (flake8's `FileProcessor._noqa_line_mapping`)."""
    mapping: dict[int, str] = {}
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO("".join(lines)).readline))
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
    codes = set(parse_comma_separated_list(codes_str))
    return code in codes or code.startswith(tuple(codes))
