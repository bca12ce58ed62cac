"""Path patterns for options that exempt files (migrations, tests).

Globs are matched against the end of the path, segment-aware: `*` stays within
one path segment and `**` spans segments, so `tests/**` means "inside a
directory named tests" and `test_*.py` means "a file named test_*.py",
wherever the project sits on disk.
"""

from __future__ import annotations

import functools
import re


@functools.lru_cache(maxsize=256)
def _compile(pattern: str) -> re.Pattern[str]:
    out = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile(r"(?:^|/)" + "".join(out) + r"$")


def path_matches(path: str, patterns: tuple[str, ...] | list[str]) -> bool:
    """Whether `path` (any separator) matches one of the glob `patterns` from its end."""
    posix = path.replace("\\", "/")
    return any(_compile(pattern).search(posix) for pattern in patterns)
