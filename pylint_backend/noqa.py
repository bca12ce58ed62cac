"""`# noqa` for pylint, with exactly flake8's semantics (shared with `flake8-backend check`).

pylint knows nothing of `# noqa`; a team that writes `# noqa: BE014` for flake8
expects pylint to agree. The patterns and the line mapping live in
`flake8_backend.noqa`, so the front ends can never disagree on what is suppressed.
"""

from __future__ import annotations

from flake8_backend.noqa import (  # noqa: F401 - re-exported
    NOQA_FILE, NOQA_INLINE_REGEXP, Suppressions, file_is_ignored, is_suppressed,
    noqa_line_mapping, source_is_ignored, source_lines)

__all__ = ["NOQA_FILE", "NOQA_INLINE_REGEXP", "Suppressions", "file_is_ignored",
           "is_suppressed", "noqa_line_mapping", "source_is_ignored", "source_lines"]
