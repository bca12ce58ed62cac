"""`flake8-backend check`: options in, report out (the work is in `runner.py`).

Selection: by default the rules the configuration enables run. `--select` replaces
that set with the codes it names (prefixes pick among the configured rules; a full
code or rule name also turns on an opt-in or disabled rule), `--extend-select` adds,
`--ignore` removes. Exit codes: 0 nothing reported, 1 findings or unreadable files,
2 usage or configuration error (one line on stderr naming the source).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Iterable, TextIO

from flake8_backend import baseline as baseline_file
from flake8_backend.config import (
    ConfigError, build_settings, load_settings, read_table, resolve_codes)
from flake8_backend.discovery import (
    DEFAULT_EXCLUDE, expand_paths, normalize_patterns)
from flake8_backend.registry import RULES
from flake8_backend.report import (
    Record, github_line, json_document, sarif_log, statistics_lines, text_line)
from flake8_backend.runner import FileResult, RunOptions, run
from flake8_backend.settings import Settings

EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


def _split(values: str | Iterable[str] | None) -> list[str]:
    if values is None:
        return []
    items = [values] if isinstance(values, str) else list(values)
    return [part.strip() for item in items for part in item.split(",") if part.strip()]


def load(args: argparse.Namespace) -> Settings:
    """The configuration, with --baseline (and --config) from the command line."""
    native = {"baseline": args.baseline}
    if args.config:
        path = Path(args.config)
        table = read_table(path, required=True, where=f"--config {args.config}")
        return build_settings(table, str(path), native, "command line",
                              str(path.resolve().parent))
    return load_settings(native, native_source="command line")


def selected(settings: Settings, args: argparse.Namespace) -> frozenset[str]:
    """The codes this run reports (see the module docstring)."""
    base = set(settings.enabled)

    def pick(items: list[str], flag: str) -> set[str]:
        chosen = set()
        for item, code in zip(items, resolve_codes(items, f"command line {flag}")):
            explicit = code in RULES
            chosen.update(c for c in RULES if c.startswith(code) and (explicit or c in base))
        return chosen

    if args.select is not None:
        codes = pick(_split(args.select), "--select")
    else:
        codes = base
    codes |= pick(_split(args.extend_select), "--extend-select")
    ignore = tuple(resolve_codes(_split(args.ignore), "command line --ignore"))
    return frozenset(code for code in codes if not code.startswith(ignore))


def excludes(settings: Settings, args: argparse.Namespace) -> list[str]:
    """flake8's exclude list: the defaults (or --exclude), plus both extend-excludes."""
    patterns = (normalize_patterns(_split(args.exclude)) if args.exclude is not None
                else list(DEFAULT_EXCLUDE))
    patterns += normalize_patterns(_split(args.extend_exclude))
    patterns += normalize_patterns(list(settings.values.get("extend-exclude", ())),
                                   settings.root)
    return patterns


def _open_output(path: str | None) -> TextIO:
    if not path:
        return sys.stdout
    try:
        directory = os.path.dirname(os.path.abspath(path))
        os.makedirs(directory, exist_ok=True)
        return open(path, "w", encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"--output-file {path}: {exc.strerror}") from None


def render(records: list[Record], fmt: str) -> str:
    if fmt == "json":
        return json_document(records) + "\n"
    if fmt == "sarif":
        return json.dumps(sarif_log(records), indent=2) + "\n"
    line = github_line if fmt == "github" else text_line
    return "".join(line(record) + "\n" for record in records)


def main(args: argparse.Namespace) -> int:
    try:
        return _main(args)
    except ConfigError as exc:
        sys.stderr.write(f"flake8-backend: {exc}\n")
        return EXIT_USAGE


def _main(args: argparse.Namespace) -> int:
    settings = load(args)
    codes = selected(settings, args)
    run_settings = Settings(settings.values, codes, settings.source, settings.root)
    entries: frozenset = frozenset()
    if not args.write_baseline or args.baseline:
        entries = baseline_file.settings_baseline(settings)
    if args.show_stale and not baseline_file.baseline_path(settings):
        raise ConfigError("--show-stale: no baseline (give --baseline FILE or set `baseline`)")
    files = list(expand_paths(args.paths, excludes(settings, args), args.gitignore))
    output = _open_output(args.output_file)
    options = RunOptions(
        settings=run_settings, disable_noqa=args.disable_noqa, baseline=entries,
        collect=bool(args.write_baseline or args.show_stale),
        stdin_display_name=args.stdin_display_name,
        baseline_files=frozenset(entry.file for entry in entries))
    results = run(files, options, args.jobs)
    if args.write_baseline:
        return _write_baseline(args, results, entries, output)
    records = [record for result in results for record in result.records]
    text = render(records, args.format)
    if args.statistics:
        stats = "".join(line + "\n" for line in statistics_lines(records))
        if args.format in ("json", "sarif"):
            sys.stderr.write(stats)  # text after a JSON document would make it unreadable
        else:
            text += stats
    status = EXIT_FINDINGS if records else EXIT_CLEAN
    if args.show_stale:
        stale = _stale(results, entries, codes, settings)
        lines = [f"{entry.file}: {entry.code} fixed, remove it from the baseline: "
                 f"{entry.text} (occurrence {entry.occurrence})" for entry in stale]
        if lines:
            status = EXIT_FINDINGS
            stale_text = "".join(line + "\n" for line in lines)
            if args.format in ("json", "sarif"):
                sys.stderr.write(stale_text)
            else:
                text += stale_text
    output.write(text)
    output.flush()
    if output is not sys.stdout:
        output.close()
    return EXIT_CLEAN if args.exit_zero else status


def _stale(results: list[FileResult], entries: frozenset, codes: frozenset[str],
           settings: Settings) -> list:
    reported = [entry for result in results for entry in result.entries]
    checked = [result.path for result in results]
    return baseline_file.stale_entries(entries, reported, checked, codes, settings.root)


def _write_baseline(args: argparse.Namespace, results: list[FileResult], entries: frozenset,
                    output: TextIO) -> int:
    """Record the findings (with --baseline: only the entries that still match)."""
    found = [entry for result in results for entry in result.entries]
    if args.baseline:
        found = [entry for entry in found if entry in entries]
    errors = [record for result in results for record in result.records
              if record.code in ("E902", "E999")]
    try:
        count = baseline_file.write(Path(args.write_baseline), found)
    except OSError as exc:
        raise ConfigError(f"--write-baseline {args.write_baseline}: {exc.strerror}") from None
    output.write(render(errors, args.format) if errors else "")
    output.flush()
    noun = "entry" if count == 1 else "entries"
    sys.stderr.write(f"flake8-backend: wrote {count} baseline {noun} to "
                     f"{args.write_baseline}\n")
    return EXIT_FINDINGS if errors and not args.exit_zero else EXIT_CLEAN


__all__ = ["main", "selected", "excludes"]
