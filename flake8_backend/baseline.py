"""Baselines and per-file ignores: what every front end hides after the engine ran.

A baseline records the findings a project accepted on the day it adopted the
linter, so that only new findings fail. An entry is matched on the file, the
code, the finding's own source text (its lines, whitespace-normalised) and its
occurrence among the findings with that file, code and text; never on line
numbers, so edits above or below a finding keep it hidden. A fixed finding
leaves a stale entry, which `flake8-backend check --show-stale` lists.

The file is JSON with one entry per line, sorted, so that it diffs well::

    {"flake8-backend-baseline": 1, "findings": [
    {"file": "app/db.py", "code": "BE001", "text": "cur.execute(f\\"...\\")", "occurrence": 0}
    ]}

Occurrences count every finding the engine reports for the file (before `# noqa`
and selection), so every front end numbers them the same way.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Iterable, NamedTuple, Sequence

from flake8_backend.analysis.context import Finding, project_path
from flake8_backend.analysis.paths import path_matches
from flake8_backend.config import ConfigError
from flake8_backend.noqa import source_lines
from flake8_backend.settings import Settings

FORMAT_KEY = "flake8-backend-baseline"
FORMAT_VERSION = 1
MAX_TEXT = 200  # longer texts keep their start and a hash of the whole
_SPACE = re.compile(r"\s+")


class Entry(NamedTuple):
    """One accepted finding."""

    file: str
    code: str
    text: str
    occurrence: int

    def as_json(self) -> str:
        return json.dumps({"file": self.file, "code": self.code, "text": self.text,
                           "occurrence": self.occurrence}, ensure_ascii=False)


def finding_text(lines: Sequence[str], finding: Finding) -> str:
    """The source lines a finding covers, whitespace-normalised (long ones hashed)."""
    first = max(finding.line, 1)
    last = max(finding.end_line or first, first)
    text = _SPACE.sub(" ", " ".join(lines[first - 1:last])).strip()
    if len(text) > MAX_TEXT:
        import hashlib  # noqa: PLC0415 - only when keys are made (a few ms of import)

        digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]
        text = f"{text[:MAX_TEXT - 30]}... sha256:{digest}"
    return text


def entries_for(findings: Sequence[Finding], source: str | Sequence[str],
                file: str) -> list[Entry]:
    """The baseline entry of each finding, in the findings' order.

    `findings` must be every finding of the engine for the file (occurrences are
    counted in source order over all of them); `file` is the project-relative path.
    """
    lines = source_lines(source) if isinstance(source, str) else source
    seen: dict[tuple[str, str], int] = {}
    order = sorted(range(len(findings)),
                   key=lambda i: (findings[i].line, findings[i].col, findings[i].code))
    out: list[Entry | None] = [None] * len(findings)
    for index in order:
        finding = findings[index]
        text = finding_text(lines, finding)
        number = seen.get((finding.code, text), 0)
        seen[(finding.code, text)] = number + 1
        out[index] = Entry(file, finding.code, text, number)
    return out  # type: ignore[return-value]


# -- the file -----------------------------------------------------------------------------
def dumps(entries: Iterable[Entry]) -> str:
    """The baseline text: sorted, one entry per line, ending in a newline."""
    rows = sorted(set(entries))
    body = ",\n".join(entry.as_json() for entry in rows)
    return (f'{{"{FORMAT_KEY}": {FORMAT_VERSION}, "findings": [\n'
            + (body + "\n" if body else "") + "]}\n")


def write(path: Path, entries: Iterable[Entry]) -> int:
    """Write a baseline; returns the number of entries."""
    text = dumps(entries)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="\n")
    return text.count("\n") - 2


def parse(text: str, where: str) -> frozenset[Entry]:
    """Entries of a baseline file's text; any malformation is a `ConfigError`."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ConfigError(f"{where}: not a flake8-backend baseline (invalid JSON: {exc})") \
            from None
    if not isinstance(data, dict) or data.get(FORMAT_KEY) != FORMAT_VERSION \
            or not isinstance(data.get("findings"), list):
        raise ConfigError(f"{where}: not a flake8-backend baseline (write one with "
                          "`flake8-backend check --write-baseline FILE`)")
    entries = set()
    for number, item in enumerate(data["findings"]):
        try:
            entry = Entry(str(item["file"]), str(item["code"]), str(item["text"]),
                          int(item["occurrence"]))
        except (KeyError, TypeError, ValueError):
            raise ConfigError(f"{where}: entry {number + 1} needs file, code, text and "
                              f"occurrence, got {item!r:.80}") from None
        entries.add(entry)
    return frozenset(entries)


_LOADED: dict[tuple[str, int, int], frozenset[Entry]] = {}


def load(path: str | Path, where: str | None = None) -> frozenset[Entry]:
    """A baseline file's entries, read once per run (and again if the file changes)."""
    shown = where or str(path)
    try:
        info = os.stat(path)
        key = (os.path.abspath(path), info.st_mtime_ns, info.st_size)
        if key in _LOADED:
            return _LOADED[key]
        if os.path.isdir(path):
            raise ConfigError(f"{shown}: is a directory, not a baseline file")
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{shown}: no such file (write it with `flake8-backend check "
                          "--write-baseline FILE`)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{shown}: cannot read: {exc}") from None
    entries = parse(text, shown)
    if len(_LOADED) > 8:
        _LOADED.clear()
    _LOADED[key] = entries
    return entries


def baseline_path(settings: Settings) -> str | None:
    """The configured baseline file, absolute, or None."""
    value = settings.values.get("baseline") or ""
    return value or None


def settings_baseline(settings: Settings) -> frozenset[Entry]:
    """The configured baseline's entries (empty when none is configured)."""
    path = baseline_path(settings)
    return load(path, f"baseline {path}") if path else frozenset()


# -- what the front ends hide -------------------------------------------------------------
class FileFilter:
    """Per-file ignores and the baseline of one run, applied to one file's findings."""

    def __init__(self, settings: Settings, baseline: frozenset[Entry] | None = None) -> None:
        self.settings = settings
        self.per_file = tuple(settings.values.get("per-file-ignores", {}).items())
        self.baseline = settings_baseline(settings) if baseline is None else baseline
        self.files = {entry.file for entry in self.baseline}

    @property
    def active(self) -> bool:
        return bool(self.per_file or self.baseline)

    def ignored_codes(self, path: str) -> tuple[str, ...]:
        """Codes and prefixes per-file-ignores turn off for this project-relative path."""
        return tuple(code for glob, codes in self.per_file if path_matches(path, [glob])
                     for code in codes)

    def apply(self, findings: list[Finding], source: str | Sequence[str],
              filename: str) -> list[Finding]:
        """The findings neither ignored for this file nor recorded in the baseline."""
        if not findings or not self.active:
            return findings
        path = project_path(filename, self.settings.root)
        ignored = self.ignored_codes(path) if self.per_file else ()
        keep = findings
        if path in self.files:
            entries = entries_for(findings, source, path)
            keep = [f for f, entry in zip(findings, entries) if entry not in self.baseline]
        if ignored:
            keep = [f for f in keep if not f.code.startswith(ignored)]
        return keep


def stale_entries(baseline: frozenset[Entry], reported: Iterable[Entry],
                  checked_files: Iterable[str], codes: Iterable[str],
                  root: str | None) -> list[Entry]:
    """Entries that match no finding any more: their finding was fixed (or its file is gone).

    Only entries for files checked in this run (or that no longer exist) and for codes
    that ran are considered, so a partial run does not call the rest stale.
    """
    still = set(reported)
    checked, ran = set(checked_files), set(codes)
    base = root or os.getcwd()
    stale = []
    for entry in sorted(baseline):
        if entry in still or entry.code not in ran:
            continue
        if entry.file in checked or not os.path.exists(os.path.join(base, entry.file)):
            stale.append(entry)
    return stale


__all__ = ["Entry", "FileFilter", "dumps", "entries_for", "finding_text", "load", "parse",
           "settings_baseline", "stale_entries", "write"]
