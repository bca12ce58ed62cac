"""`flake8-backend check`: the engine alone, over many files, in parallel.

Each file is read and parsed as flake8 reads and parses it (so lines, columns and
`# noqa` agree with `flake8 --select=BE`), linted by the engine, and filtered by
per-file ignores, `# noqa` (flake8's semantics, `noqa.py`) and the baseline. A
file that cannot be read or parsed is reported as an error line (`E902`/`E999`,
flake8's codes), never skipped silently. Workers are forked once the engine is
imported, so each pays only for its files.
"""

from __future__ import annotations

import ast
import gc
import io
import multiprocessing
import os
import sys
import tokenize
import warnings
from typing import NamedTuple, Sequence

from flake8_backend.analysis.context import Finding, project_path
from flake8_backend.analysis.paths import path_matches
from flake8_backend.baseline import Entry, entries_for
from flake8_backend.engine import collector_paused, lint_tree_safely
from flake8_backend.noqa import Suppressions, source_is_ignored, source_lines
from flake8_backend.report import Record
from flake8_backend.settings import Settings


class RunOptions(NamedTuple):
    """What every worker needs; picklable for platforms that spawn workers."""

    settings: Settings  # `enabled` already narrowed to the selected codes
    disable_noqa: bool = False
    baseline: frozenset = frozenset()
    collect: bool = False  # keep each reported finding's baseline entry
    stdin_display_name: str = "stdin"
    baseline_files: frozenset = frozenset()  # the files the baseline has entries for


class FileResult(NamedTuple):
    """One file: what is reported, the baseline entries of what would be without the
    baseline (when collected), and its project-relative path."""

    filename: str
    records: list[Record]
    entries: list[Entry]
    path: str
    hidden: int = 0  # findings the baseline hid


def read_source(filename: str) -> str:
    """The text as flake8 reads it: encoding from the BOM or coding cookie (latin-1 when
    that fails), universal newlines, no BOM."""
    if filename == "-":
        data = sys.stdin.buffer.read()
    else:
        with open(filename, "rb") as handle:
            data = handle.read()
    try:
        text = data.decode(_encoding(data))
    except (SyntaxError, UnicodeError, LookupError):
        text = data.decode("latin-1")
    text = text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text
    if text[:1] == "\ufeff":
        text = text[1:]
    elif text[:3] == "\xef\xbb\xbf":
        text = text[3:]
    return text


def _encoding(data: bytes) -> str:
    """`tokenize.detect_encoding`, without its line reader for the usual file: one with no
    BOM and no `coding` in its first two lines is UTF-8."""
    first = data.find(b"\n")
    second = data.find(b"\n", first + 1) if first >= 0 else -1
    head = data if second < 0 else data[:second]
    if b"coding" not in head and not data.startswith(b"\xef\xbb\xbf"):
        return "utf-8"
    return tokenize.detect_encoding(io.BytesIO(data).readline)[0]


def _syntax_position(exc: BaseException) -> tuple[int, int]:
    """flake8's `FileChecker._extract_syntax_information` (row, and column as flake8 keeps it)."""
    args = getattr(exc, "args", ())
    if len(args) > 1 and args[1] and len(args[1]) > 2:
        row, column = args[1][1:3]
        return row or 1, column or 0
    return 1, 0


def _error(filename: str, code: str, row: int, column: int, text: str,
           suppressions: Suppressions | None) -> list[Record]:
    if suppressions is not None and suppressions.suppressed(code, row):
        return []
    return [Record(filename, row, column + 1, code, text)]


def check_file(filename: str, options: RunOptions) -> FileResult:
    """Lint one file: read, parse, run the engine, apply ignores, `# noqa` and the baseline."""
    settings = options.settings
    shown = options.stdin_display_name if filename == "-" else filename
    path = project_path(shown, settings.root)
    try:
        text = read_source(filename)
    except OSError as exc:
        return FileResult(shown, [Record(shown, 0, 1, "E902", f"{type(exc).__name__}: {exc}")],
                          [], path)
    if not options.disable_noqa and source_is_ignored(text):
        return FileResult(shown, [], [], path)
    with collector_paused():  # see `_lint`
        return _lint(shown, path, text, options)


def _lint(shown: str, path: str, text: str, options: RunOptions) -> FileResult:
    """Parse and lint with the collector off: a module's tree and the engine's tables
    would otherwise be traversed again and again while they grow (on the corpus, a
    tenth of the run); they become garbage together and are collected once, after."""
    settings = options.settings
    try:
        with warnings.catch_warnings():  # invalid escapes etc.: the checked code's business
            warnings.simplefilter("ignore")
            tree = ast.parse(text)
    except SyntaxError as exc:
        suppressions = None if options.disable_noqa else Suppressions(text)
        row, column = _syntax_position(exc)
        message = exc.args[0] if exc.args else str(exc)
        return FileResult(shown, _error(shown, "E999", row, column,
                                        f"{type(exc).__name__}: {message}", suppressions),
                          [], path)
    except (ValueError, RecursionError, MemoryError, OverflowError) as exc:
        suppressions = None if options.disable_noqa else Suppressions(text)
        return FileResult(shown, _error(shown, "E999", 1, 0, f"{type(exc).__name__}: {exc}",
                                        suppressions), [], path)
    findings = lint_tree_safely(tree, text, settings, shown)
    if not findings:
        return FileResult(shown, [], [], path)
    suppressions = None if options.disable_noqa else Suppressions(text, tree)
    pairs: list[tuple[Finding, Entry | None]]
    if options.collect or path in options.baseline_files:
        pairs = list(zip(findings, entries_for(findings, source_lines(text), path)))
    else:
        pairs = [(finding, None) for finding in findings]
    ignored = tuple(code for glob, codes in _per_file(settings) if _matches(path, glob)
                    for code in codes)
    if ignored:
        pairs = [pair for pair in pairs if not pair[0].code.startswith(ignored)]
    if suppressions is not None:
        pairs = [pair for pair in pairs
                 if not suppressions.suppressed(pair[0].code, pair[0].line)]
    entries = [entry for _, entry in pairs if entry is not None] if options.collect else []
    shown_pairs = pairs
    if options.baseline:
        shown_pairs = [pair for pair in pairs if pair[1] not in options.baseline]
    # flake8 sorts a file's results by (line, column), stably.
    shown_pairs.sort(key=lambda pair: (pair[0].line, pair[0].col))
    records = [Record(shown, f.line, f.col + 1, f.code, f.message.split(" ", 1)[-1],
                      f.end_line, f.end_col + 1) for f, _ in shown_pairs]
    return FileResult(shown, records, entries, path, len(pairs) - len(shown_pairs))


def _per_file(settings: Settings) -> tuple:
    return tuple(settings.values.get("per-file-ignores", {}).items())


def _matches(path: str, glob: str) -> bool:
    return path_matches(path, [glob])


# -- parallel -----------------------------------------------------------------------------
_STATE: RunOptions | None = None


def _init(options: RunOptions) -> None:
    global _STATE
    _STATE = options
    _freeze()


def _freeze() -> None:
    """Keep the garbage collector off the engine's own modules and tables: each file's
    trees are garbage after it, and full collections would otherwise walk everything."""
    gc.collect()
    gc.freeze()


def _work(filename: str) -> FileResult:
    assert _STATE is not None
    return check_file(filename, _STATE)


def default_jobs() -> int:
    """Every core this process may run on."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def run(files: Sequence[str], options: RunOptions, jobs: int | None = None) -> list[FileResult]:
    """Every file's result, sorted by file name (as flake8 orders its report)."""
    jobs = default_jobs() if not jobs or jobs < 1 else jobs
    jobs = min(jobs, len(files))
    if jobs <= 1 or len(files) < 4 or "-" in files:
        _freeze()
        results = [check_file(name, options) for name in files]
    else:
        # Forked workers inherit the imported engine; elsewhere (macOS, Windows) forking is
        # unsafe or unavailable and workers start afresh (`RunOptions` is picklable).
        context = multiprocessing.get_context("fork" if sys.platform.startswith("linux")
                                              else None)
        chunk = max(1, min(32, len(files) // (jobs * 8)))
        with context.Pool(jobs, initializer=_init, initargs=(options,)) as pool:
            results = list(pool.imap_unordered(_work, files, chunksize=chunk))
    results.sort(key=lambda result: result.filename)
    return results


__all__ = ["FileResult", "RunOptions", "check_file", "default_jobs", "read_source", "run"]
