#!/usr/bin/env python3
"""Every finding of the engine on a pinned corpus, kept as a reviewed snapshot.

A rule change that adds or loses findings on real code shows up as a diff of
the snapshot in review, instead of going unnoticed. There is one snapshot per
corpus of `benchmarks/corpus.py`; `tests/test_corpus.py` compares against the
same files through this module.

Regenerate after an intended change (one command per corpus), then review the diff::

    python benchmarks/snapshot.py                  # libs -> tests/snapshots/corpus_findings.txt
    python benchmarks/snapshot.py --corpus apps    # apps -> tests/snapshots/app_corpus_findings.txt

Compare without writing (exit 1 and print a diff if findings changed)::

    python benchmarks/snapshot.py --check [--corpus apps]
"""

from __future__ import annotations

import argparse
import difflib
import os
import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SNAPSHOTS = {
    "libs": REPO / "tests" / "snapshots" / "corpus_findings.txt",
    "apps": REPO / "tests" / "snapshots" / "app_corpus_findings.txt",
}
SNAPSHOT = SNAPSHOTS["libs"]
UPDATE_COMMAND = "python benchmarks/snapshot.py"
# The header names the corpus; the libs wording predates the apps corpus and is kept.
_TITLES = {"libs": "the pinned corpus", "apps": "the pinned application corpus"}


def update_command(corpus: str = "libs") -> str:
    """The command that rewrites *corpus*'s snapshot."""
    return UPDATE_COMMAND if corpus == "libs" else f"{UPDATE_COMMAND} --corpus {corpus}"


def load_corpus_module() -> Any:
    """`benchmarks/corpus.py`, imported by path so callers need no package setup."""
    if str(HERE) not in sys.path:
        sys.path.insert(0, str(HERE))
    import corpus  # noqa: PLC0415 - path set just above

    return corpus


def corpus_errors() -> tuple[type[BaseException], ...]:
    """Exceptions meaning "the corpus is not available" (network, pip, hash mismatch)."""
    return (load_corpus_module().CorpusError, OSError)


def fetch_corpus(corpus: str = "libs") -> tuple[Path, list[Path]]:
    """The corpus root and its sorted files, downloading once if needed."""
    module = load_corpus_module()
    root = module.ensure_corpus(quiet=True, corpus=corpus)
    return root, module.corpus_files(root, corpus)


def display_path(root: Path, path: Path) -> str:
    """`<package-version>/<path in the package>`, POSIX, the same on every machine."""
    return path.relative_to(root).as_posix()


@dataclass
class EngineRun:
    """Findings per corpus file, plus what could not be checked."""

    findings: list[tuple[str, Any]] = field(default_factory=list)  # (display path, Finding)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (display path, exception)
    unparsable: list[str] = field(default_factory=list)
    files: int = 0


def snapshot_settings() -> Any:
    """Every rule on, opt-in ones too: a change to any rule shows in the snapshot."""
    from flake8_backend.config import build_settings

    return build_settings({"enable": ["BE"]})


def run_engine(root: Path, files: list[Path], settings: Any = None) -> EngineRun:
    """Lint every file like the front ends do (`lint_tree_safely`), collecting crashes.

    With FLAKE8_BACKEND_RAISE=1 an internal error surfaces here as an exception and is
    recorded against its file; without it the engine logs it and drops the file's findings.
    """
    from flake8_backend.engine import lint_tree_safely, parse_source

    settings = settings or snapshot_settings()
    run = EngineRun(files=len(files))
    for path in files:
        shown = display_path(root, path)
        with warnings.catch_warnings():  # corpus code has invalid escapes; not our findings
            warnings.simplefilter("ignore")
            parsed = parse_source(path.read_bytes(), str(path))
        if parsed is None:
            run.unparsable.append(shown)
            continue
        tree, text = parsed
        try:
            found = lint_tree_safely(tree, text, settings, str(path))
        except Exception as exc:  # noqa: BLE001 - collected and reported per file
            run.errors.append((shown, f"{type(exc).__name__}: {exc}"))
            continue
        run.findings.extend((shown, finding) for finding in found)
    return run


def render(run: EngineRun, settings: Any = None, corpus: str = "libs") -> str:
    """The snapshot text: a header, then one finding per line in (path, line, col) order.

    Columns are 1-based, as flake8 and ruff print them.
    """
    pins = load_corpus_module().get_corpus(corpus).packages
    settings = settings or snapshot_settings()
    packages = ", ".join(f"{name}-{pin.version}" for name, pin in sorted(pins.items()))
    ordered = sorted(run.findings, key=lambda item: (item[0], item[1].line, item[1].col,
                                                     item[1].message))
    lines = [
        f"# flake8-backend findings on {_TITLES[corpus]}: {packages}",
        f"# rules enabled: {', '.join(sorted(settings.enabled))}; "
        f"columns are 1-based; regenerate with: {update_command(corpus)}",
    ]
    lines.extend(f"{path}:{f.line}:{f.col + 1}: {f.message}" for path, f in ordered)
    return "\n".join(lines) + "\n"


def snapshot_diff(expected: str, actual: str, corpus: str = "libs") -> list[str]:
    """Unified diff from the stored snapshot to the current findings."""
    stored = SNAPSHOTS[corpus].relative_to(REPO).as_posix()
    return list(difflib.unified_diff(
        expected.splitlines(), actual.splitlines(),
        fromfile=f"{stored} (stored)", tofile="current findings", lineterm=""))


def current_text(corpus: str = "libs") -> tuple[str, EngineRun]:
    """Fetch the corpus and render the findings, with internal errors raised, not logged."""
    os.environ["FLAKE8_BACKEND_RAISE"] = "1"
    root, files = fetch_corpus(corpus)
    run = run_engine(root, files)
    return render(run, corpus=corpus), run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", choices=sorted(SNAPSHOTS), default="libs",
                        help="libs: frameworks and libraries; apps: applications "
                             "(default: %(default)s)")
    parser.add_argument("--check", action="store_true",
                        help="compare with the stored snapshot instead of rewriting it")
    parser.add_argument("--path", type=Path,
                        help="snapshot file (default: tests/snapshots/corpus_findings.txt "
                             "for libs, app_corpus_findings.txt beside it for apps)")
    args = parser.parse_args(argv)
    args.path = args.path or SNAPSHOTS[args.corpus]
    try:
        text, run = current_text(args.corpus)
    except corpus_errors() as exc:
        print(f"snapshot: error: corpus unavailable: {exc}", file=sys.stderr)
        return 2
    for shown, error in run.errors:
        print(f"snapshot: error: engine crashed on {shown}: {error}", file=sys.stderr)
    if run.errors:
        return 1
    if args.check:
        stored = args.path.read_text(encoding="utf-8") if args.path.is_file() else ""
        diff = snapshot_diff(stored, text, args.corpus)
        if diff:
            print("\n".join(diff))
            print(f"snapshot: findings changed; review, then update with: "
                  f"{update_command(args.corpus)}", file=sys.stderr)
            return 1
        print(f"snapshot: {len(run.findings)} findings, unchanged")
        return 0
    args.path.parent.mkdir(parents=True, exist_ok=True)
    args.path.write_text(text, encoding="utf-8", newline="\n")
    print(f"snapshot: wrote {len(run.findings)} findings from {run.files} files "
          f"({len(run.unparsable)} unparsable) to {args.path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
