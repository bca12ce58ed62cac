"""Which files `flake8-backend check` reads: flake8's discovery plus `.gitignore`.

Paths named on the command line are walked as flake8 walks them (`os.walk`, files
matching `*.py`, the names printed as flake8 prints them, e.g. `./app.py` for
`.`), and `--exclude`/`--extend-exclude` patterns mean what they mean in flake8
(matched against the base name and the absolute path). On top of that, files and
directories ignored by a `.gitignore` (in the walked directories and in their
parents up to the repository's top) or by `.git/info/exclude` are skipped, as
ruff does; a file named explicitly is always checked unless `--exclude` matches it.
"""

from __future__ import annotations

import fnmatch
import os
import re
from typing import Callable, Iterator, Sequence

# flake8.defaults.EXCLUDE
DEFAULT_EXCLUDE = (".svn", "CVS", ".bzr", ".hg", ".git", "__pycache__", ".tox", ".nox",
                   ".eggs", "*.egg")
FILENAME_PATTERNS = ("*.py",)


def normalize_patterns(patterns: Sequence[str], parent: str | None = None) -> list[str]:
    """flake8's `normalize_paths`: a pattern with a separator becomes absolute, from `parent`."""
    base = parent or os.curdir
    out = []
    for pattern in patterns:
        pattern = pattern.strip()
        if not pattern:
            continue
        if pattern == "." or os.sep in pattern or (os.altsep and os.altsep in pattern):
            pattern = os.path.abspath(os.path.join(base, pattern))
        out.append(pattern.rstrip(os.sep + (os.altsep or "")))
    return out


def matches_exclude(path: str, patterns: Sequence[str]) -> bool:
    """flake8's `utils.matches_filename`: the base name or the absolute path matches."""
    if not patterns:
        return False
    match = _any_of(tuple(patterns))
    basename = os.path.basename(path)
    if basename not in {".", ".."} and match(os.path.normcase(basename)):
        return True
    return match(os.path.normcase(os.path.abspath(path))) is not None


_ANY_OF: dict[tuple[str, ...], Callable[[str], object]] = {}


def _any_of(patterns: tuple[str, ...]) -> Callable[[str], object]:
    """`any(fnmatch.fnmatch(name, p) for p in patterns)` as one compiled regex (names are
    normcased by the caller, as `fnmatch.fnmatch` does)."""
    found = _ANY_OF.get(patterns)
    if found is None:
        joined = "|".join(fnmatch.translate(os.path.normcase(p)) for p in patterns)
        found = _ANY_OF[patterns] = re.compile(joined).match
    return found


# -- .gitignore ---------------------------------------------------------------------------
def _translate(pattern: str) -> str:
    out, i = [], 0
    while i < len(pattern):
        char = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("/**", i) and i + 3 == len(pattern):
            out.append("/.*")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif char == "*":
            out.append("[^/]*")
            i += 1
        elif char == "?":
            out.append("[^/]")
            i += 1
        elif char == "[":
            end = pattern.find("]", i + 2)
            if end < 0:
                out.append(re.escape(char))
                i += 1
            else:
                body = pattern[i + 1:end]
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append("[" + body.replace("\\", "\\\\") + "]")
                i = end + 1
        elif char == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
        else:
            out.append(re.escape(char))
            i += 1
    return "".join(out)


class _Rule:
    __slots__ = ("base", "regex", "negate", "dir_only")

    def __init__(self, base: str, line: str) -> None:
        self.negate = line.startswith("!")
        if self.negate:
            line = line[1:]
        self.dir_only = line.endswith("/")
        line = line.rstrip("/")
        anchored = "/" in line
        line = line.lstrip("/")
        body = _translate(line)
        self.base = base
        self.regex = re.compile(("^" if anchored else "(?:^|.*/)") + body + "$", re.S)


def parse_gitignore(base: str, text: str) -> list[_Rule]:
    """The rules of one ignore file whose patterns are relative to directory `base`."""
    rules = []
    for raw in text.splitlines():
        line = raw.rstrip("\n")
        if not line or line.startswith("#"):
            continue
        if not line.endswith("\\ "):
            line = line.rstrip(" ")
        if line.startswith("\\#") or line.startswith("\\!"):
            line = line[1:] if line[1] == "#" else line
        if line in ("", "/"):
            continue
        rules.append(_Rule(base, line))
    return rules


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read()
    except OSError:
        return None


class GitIgnore:
    """The `.gitignore` rules in force for the directories being walked."""

    def __init__(self) -> None:
        self._by_dir: dict[str, list[_Rule]] = {}

    def rules_for_dir(self, directory: str) -> list[_Rule]:
        """Rules of `directory`'s own ignore files (cached)."""
        directory = os.path.abspath(directory)
        if directory not in self._by_dir:
            rules = []
            text = _read(os.path.join(directory, ".gitignore"))
            if text:
                rules = parse_gitignore(directory, text)
            if os.path.isdir(os.path.join(directory, ".git")):
                extra = _read(os.path.join(directory, ".git", "info", "exclude"))
                if extra:
                    rules = parse_gitignore(directory, extra) + rules
            self._by_dir[directory] = rules
        return self._by_dir[directory]

    def chain(self, directory: str) -> list[_Rule]:
        """Every rule that applies inside `directory`: its ancestors' up to the repository
        top (the first directory holding `.git`), then its own; later rules win."""
        directory = os.path.abspath(directory)
        folders = [directory]
        here = directory
        while not os.path.exists(os.path.join(here, ".git")):
            parent = os.path.dirname(here)
            if parent == here:
                folders = [directory]  # not in a repository: only the walked tree's files
                break
            folders.append(parent)
            here = parent
        rules: list[_Rule] = []
        for folder in reversed(folders):
            rules.extend(self.rules_for_dir(folder))
        return rules

    @staticmethod
    def ignored(path: str, is_dir: bool, rules: Sequence[_Rule]) -> bool:
        """Whether the last rule matching `path` ignores it."""
        absolute = os.path.abspath(path)
        verdict = False
        for rule in rules:
            if rule.dir_only and not is_dir:
                continue
            relative = os.path.relpath(absolute, rule.base).replace(os.sep, "/")
            if relative.startswith("../"):
                continue
            if rule.regex.match(relative):
                verdict = not rule.negate
        return verdict


def expand_paths(paths: Sequence[str], exclude: Sequence[str],
                 respect_gitignore: bool = True) -> Iterator[str]:
    """The files to check, spelled as flake8 spells them (see the module docstring)."""
    gitignore = GitIgnore() if respect_gitignore else None
    for arg in paths or ["."]:
        if matches_exclude(arg, exclude):
            continue
        if not os.path.isdir(arg):
            yield arg
            continue
        chains: dict[str, list[_Rule]] = {}
        for root, directories, files in os.walk(arg):
            rules: list[_Rule] = []
            if gitignore is not None:
                key = os.path.normpath(root)
                parent = os.path.normpath(os.path.dirname(key)) if root != arg else None
                if parent is not None and parent in chains:
                    rules = chains[parent] + gitignore.rules_for_dir(root)
                else:
                    rules = gitignore.chain(root)
                chains[key] = rules
            for directory in tuple(directories):
                joined = os.path.join(root, directory)
                if matches_exclude(joined, exclude) or (
                        rules and GitIgnore.ignored(joined, True, rules)):
                    directories.remove(directory)
            directories.sort()
            for name in sorted(files):
                joined = os.path.join(root, name)
                if matches_exclude(joined, exclude):
                    continue
                if not _any_of(FILENAME_PATTERNS)(os.path.normcase(joined)):
                    continue
                if rules and GitIgnore.ignored(joined, False, rules):
                    continue
                yield joined


__all__ = ["DEFAULT_EXCLUDE", "GitIgnore", "expand_paths", "matches_exclude",
           "normalize_patterns", "parse_gitignore"]
