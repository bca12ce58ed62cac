#!/usr/bin/env python3
"""Where our rules and ruff's equivalents disagree on the pinned corpus.

Each disagreement is either a bug of ours (a false positive or negative to fix)
or a deliberate difference (prose without a sink, constant identifiers,
placeholders, `requests.Session` coverage, re-raising handlers) that the rule
docs should explain. Findings match when they are on the same (file, line), or
on lines of the same statement: ruff reports S608 at the string, we report at the
call that executes it. ruff runs with `--ignore-noqa`, because the engine's own
findings are compared before any `# noqa` (flake8 and pylint apply those later).

Usage::

    python benchmarks/differential.py [--show 5] [--pairs S608,S113]

Needs ruff on PATH, beside this interpreter, or importable:
`python -m pip install ruff==0.17.5`.
"""

from __future__ import annotations

import argparse
import ast
import importlib.util
import json
import shutil
import subprocess
import sys
import warnings
from collections import defaultdict
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RUFF_VERSION = "0.17.5"
PAIRS: dict[str, tuple[str, ...]] = {
    "S608": ("BE001", "BE002"),
    "S113": ("BE014",),
    "E722": ("BE020",),
    "BLE001": ("BE022",),
    "B904": ("BE023",),
    "TRY002": ("BE024",),
    "TRY400": ("BE025",),
    "S105": ("BE030",),
    "S324": ("BE031",),
    "S501": ("BE032",),
    "S201": ("BE036",),
}
_CHUNK = 400  # files per ruff invocation, far below any argv limit

Key = tuple[str, int]  # (display path, line)


def load_snapshot_module() -> Any:
    """`benchmarks/snapshot.py`: the corpus and engine runner are shared with the snapshot."""
    if str(HERE) not in sys.path:
        sys.path.insert(0, str(HERE))
    import snapshot  # noqa: PLC0415 - path set just above

    return snapshot


def ruff_command() -> list[str]:
    """ruff from PATH, beside this interpreter, or as a module; one-line exit if absent."""
    for candidate in (shutil.which("ruff"), Path(sys.executable).with_name("ruff")):
        if candidate and Path(candidate).is_file():
            return [str(candidate)]
    if importlib.util.find_spec("ruff") is not None:
        return [sys.executable, "-m", "ruff"]
    raise SystemExit("differential: error: ruff not found; install it with: "
                     f"{sys.executable} -m pip install ruff=={RUFF_VERSION}")


def ruff_version(ruff: list[str]) -> str:
    out = subprocess.run([*ruff, "--version"], capture_output=True, text=True, check=False)
    return out.stdout.strip().rsplit(" ", 1)[-1] or "unknown"


def run_ruff(ruff: list[str], root: Path, files: list[Path], codes: list[str]
             ) -> dict[str, dict[Key, str]]:
    """ruff's findings per code: (file, line) -> message. Syntax errors are ignored."""
    found: dict[str, dict[Key, str]] = defaultdict(dict)
    for start in range(0, len(files), _CHUNK):
        chunk = [p.relative_to(root).as_posix() for p in files[start:start + _CHUNK]]
        proc = subprocess.run(
            [*ruff, "check", "--select", ",".join(codes), "--output-format", "json",
             "--no-cache", "--isolated", "--ignore-noqa", "--exit-zero", *chunk],
            cwd=root, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
            raise SystemExit(f"differential: error: ruff exited {proc.returncode}: {last}")
        for item in json.loads(proc.stdout or "[]"):
            if not item.get("code"):
                continue
            path = Path(item["filename"]).resolve().relative_to(root.resolve()).as_posix()
            found[item["code"]][(path, item["location"]["row"])] = item["message"]
    return found


def run_ours(root: Path, files: list[Path]) -> tuple[dict[str, dict[Key, str]], set[str]]:
    """Our findings per code with every registered rule on, and the registered codes."""
    from flake8_backend.config import build_settings
    from flake8_backend.rules import load_rules

    snapshot = load_snapshot_module()
    settings = build_settings({"enable": ["BE"]}, "differential")
    run = snapshot.run_engine(root, files, settings)
    for shown, error in run.errors:
        print(f"differential: warning: engine crashed on {shown}: {error}", file=sys.stderr)
    found: dict[str, dict[Key, str]] = defaultdict(dict)
    for shown, finding in run.findings:
        found[finding.code].setdefault((shown, finding.line), finding.message)
    return found, set(load_rules())


class SourceLines:
    """Source lines and statement spans of corpus files, read once each."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.lines: dict[str, list[str]] = {}
        self.spans: dict[str, list[tuple[int, int]]] = {}

    def line(self, path: str, number: int) -> str:
        if path not in self.lines:
            data = (self.root / path).read_bytes().decode("utf-8", errors="replace")
            self.lines[path] = data.splitlines()
        lines = self.lines[path]
        return lines[number - 1].strip() if 0 < number <= len(lines) else ""

    def statement(self, key: Key) -> Key:
        """(file, first line of the innermost statement holding the line)."""
        path, number = key
        if path not in self.spans:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                tree = ast.parse((self.root / path).read_bytes())
            self.spans[path] = [(n.lineno, n.end_lineno or n.lineno)
                                for n in ast.walk(tree) if isinstance(n, ast.stmt)]
        holding = [(start, end) for start, end in self.spans[path] if start <= number <= end]
        if not holding:
            return key
        return path, min(holding, key=lambda span: (span[1] - span[0], -span[0]))[0]


def match(ruff: dict[Key, str], ours: dict[Key, str], sources: SourceLines
          ) -> tuple[int, list[Key], list[Key]]:
    """Matches (same line, else same statement), then the ruff-only and ours-only keys."""
    ruff_left = set(ruff) - set(ours)
    ours_left = set(ours) - set(ruff)
    matched = len(set(ruff) & set(ours))
    ours_by_stmt: dict[Key, list[Key]] = defaultdict(list)
    for key in sorted(ours_left):
        ours_by_stmt[sources.statement(key)].append(key)
    for key in sorted(ruff_left):
        partners = ours_by_stmt.get(sources.statement(key))
        if partners:
            ours_left.discard(partners.pop(0))
            ruff_left.discard(key)
            matched += 1
    return matched, sorted(ruff_left), sorted(ours_left)


def spread(keys: list[Key], count: int) -> list[Key]:
    """Up to `count` examples spread over the sorted list, not all from the first file."""
    if len(keys) <= count:
        return keys
    return [keys[i * len(keys) // count] for i in range(count)]


def report_pair(code: str, ours_codes: tuple[str, ...], ruff: dict[Key, str],
                ours_by_code: dict[str, dict[Key, str]], registered: set[str],
                sources: SourceLines, show: int) -> dict[str, Any]:
    """Print counts and examples for one ruff code and its equivalents; return the counts."""
    active = [c for c in ours_codes if c in registered]
    missing = [c for c in ours_codes if c not in registered]
    label = f"{code} <-> {'+'.join(ours_codes)}"
    if not active:
        print(f"{label}: not implemented yet (ruff: {len(ruff)})")
        return {"ruff": len(ruff), "implemented": False}
    ours: dict[Key, str] = {}
    for c in active:
        for key, message in ours_by_code.get(c, {}).items():
            ours.setdefault(key, message)
    both, ruff_only, ours_only = match(ruff, ours, sources)
    note = f" ({', '.join(missing)} not implemented yet)" if missing else ""
    print(f"{label}: ruff {len(ruff)}, ours {len(ours)}, both {both}, "
          f"ruff-only {len(ruff_only)}, ours-only {len(ours_only)}{note}")
    for title, keys, messages in (("ruff-only", ruff_only, ruff), ("ours-only", ours_only, ours)):
        for path, line in spread(keys, show):
            print(f"  {title} {path}:{line}: {sources.line(path, line)[:110]}")
            print(f"      {messages[(path, line)][:130]}")
    return {"ruff": len(ruff), "ours": len(ours), "both": both, "ruff_only": len(ruff_only),
            "ours_only": len(ours_only), "implemented": True}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", type=int, default=5, metavar="N",
                        help="examples per direction and pair (default: %(default)s)")
    parser.add_argument("--pairs", default=",".join(PAIRS),
                        help="comma-separated ruff codes to compare (default: all)")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the counts here")
    args = parser.parse_args(argv)
    codes = [c.strip() for c in args.pairs.split(",") if c.strip()]
    unknown = [c for c in codes if c not in PAIRS]
    if unknown:
        parser.error(f"unknown ruff code(s) {', '.join(unknown)}; choose from {', '.join(PAIRS)}")
    ruff = ruff_command()
    version = ruff_version(ruff)
    snapshot = load_snapshot_module()
    try:
        root, files = snapshot.fetch_corpus()
    except snapshot.corpus_errors() as exc:
        raise SystemExit(f"differential: error: corpus unavailable: {exc}") from None
    if version != RUFF_VERSION:
        print(f"differential: warning: ruff {version}, results were pinned with {RUFF_VERSION}",
              file=sys.stderr)
    theirs = run_ruff(ruff, root, files, codes)
    ours, registered = run_ours(root, files)
    print(f"corpus: {len(files)} files | ruff {version} --ignore-noqa | "
          "matched by (file, line), else by (file, statement)")
    sources = SourceLines(root)
    counts = {code: report_pair(code, PAIRS[code], theirs.get(code, {}), ours, registered,
                                sources, args.show) for code in codes}
    if args.json:
        args.json.write_text(json.dumps(counts, indent=2, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
