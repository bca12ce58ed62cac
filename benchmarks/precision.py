#!/usr/bin/env python3
"""Reviewed precision per rule: sample findings on both corpora, keep verdicts, summarize.

A rule is only worth its default-on place if a reviewer would act on what it
reports. This script samples up to 25 findings per rule from both pinned corpora
(`corpus.py`: libs and apps) and writes one review sheet per rule to
`benchmarks/precision/BE0xx.md`. A reviewer fills in each entry's `verdict:`
(TP, FP or debatable) and `reason:`; the sheets are kept in the repository.

The sample is drawn with a fixed seed: each finding's key is ranked by
sha256(seed, key) and the lowest 25 are taken. Adding or removing findings thus
changes the sample by as few entries as possible, and re-sampling keeps every
verdict by its key (`<corpus>/<package-version>/<path>:<line>:<code>`; findings
of one rule on one line count once). Reviewed entries that leave the sample (the
finding is gone, or another took its place) move to the end of the sheet, verdict
and all, so no review is lost and a fix shows as an FP that is no longer reported.

Usage::

    python benchmarks/precision.py              # run the engine, (re)write the sheets, summary
    python benchmarks/precision.py --summary    # per-rule table from the sheets alone
    python benchmarks/precision.py --summary --check   # exit 1 if a rule is below 90%

Strict precision = TP / reviewed; debatable counts as not TP. `--check` fails
for a default-on rule whose sample is fully reviewed and below 90%.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SHEETS_DIR = HERE / "precision"
CORPORA = ("libs", "apps")
SEED = 20240610
SAMPLE_SIZE = 25
THRESHOLD = 0.90
BEFORE, AFTER = 6, 3  # lines of code shown around the flagged line
MAX_CODE_WIDTH = 160
VERDICTS = {"tp": "TP", "fp": "FP", "debatable": "debatable"}
UNREVIEWED = "?"
OUTSIDE_TITLE = "# Reviewed, outside the current sample"
COMMAND = "python benchmarks/precision.py"

_HOW_TO = f"""\
Judge each entry by the code, not the message, and fill in `verdict:` and `reason:`:
**TP** (a senior reviewer would ask for the change here), **FP** (the code is correct as
written, or the message names the wrong problem or place) or **debatable** (reasonable
reviewers would disagree; counts as not TP). `{UNREVIEWED}` means not reviewed yet.
Re-running `{COMMAND}` keeps verdicts by the entry's key."""


class PrecisionError(RuntimeError):
    """A failure worth one line to the user: corpus unavailable, engine crash, bad sheet."""


class SheetError(PrecisionError):
    """A review sheet that cannot be read back; the message names file and line."""


@dataclass
class Entry:
    """One sampled finding and its review."""

    key: str  # <corpus>/<package-version>/<path>:<line>:<code>
    message: str
    code: str = ""  # the fenced code block, as written in the sheet
    verdict: str = UNREVIEWED
    reason: str = ""
    status: str = ""  # outside the sample: "gone" (no longer reported) or "unsampled"

    @property
    def reviewed(self) -> bool:
        return self.verdict != UNREVIEWED

    @property
    def rule(self) -> str:
        return self.key.rsplit(":", 1)[1]


@dataclass
class Sheet:
    """One rule's review sheet: header counts, the sample, and reviews kept outside it."""

    rule: str
    seed: int = SEED
    totals: dict[str, int] = field(default_factory=dict)  # findings per corpus
    entries: list[Entry] = field(default_factory=list)
    outside: list[Entry] = field(default_factory=list)


# --- sampling ------------------------------------------------------------------------

def finding_key(corpus: str, path: str, line: int, code: str) -> str:
    """The stable key of a finding: where it is in the pinned corpus, and which rule."""
    return f"{corpus}/{path}:{line}:{code}"


def rank(seed: int, key: str) -> str:
    """Pseudo-random but fixed order of keys; independent of which other keys exist."""
    return hashlib.sha256(f"{seed}:{key}".encode()).hexdigest()


def sample_keys(keys: Iterable[str], seed: int = SEED, size: int = SAMPLE_SIZE) -> list[str]:
    """The *size* keys ranked lowest for *seed* (all of them if fewer), sorted by key."""
    return sorted(sorted(set(keys), key=lambda k: rank(seed, k))[:size])


# --- rendering and parsing -------------------------------------------------------------

def source_lines(data: bytes) -> list[str]:
    """Lines as Python numbers them; str.splitlines() would also split at form feeds."""
    text = data.decode("utf-8", errors="replace").replace("\r\n", "\n").replace("\r", "\n")
    return text.removesuffix("\n").split("\n")


def code_block(lines: list[str], line: int) -> str:
    """The code around 1-based *line*, numbered, the flagged line marked with `>`."""
    first, last = max(1, line - BEFORE), min(len(lines), line + AFTER)
    width = len(str(last))
    shown = []
    for number in range(first, last + 1):
        text = lines[number - 1].rstrip()
        if len(text) > MAX_CODE_WIDTH:
            text = text[:MAX_CODE_WIDTH] + " ..."
        mark = ">" if number == line else " "
        shown.append(f"{mark} {number:>{width}} | {text}".rstrip())
    fence = "`" * max(3, 1 + max((len(run) for s in shown for run in re.findall("`+", s)),
                                 default=0))
    return "\n".join([f"{fence}python", *shown, fence])


def _render_entry(entry: Entry) -> list[str]:
    lines = [f"## {entry.key}", ""]
    if entry.status:
        lines.append(f"status: {entry.status}")
    lines += [f"message: {entry.message}", ""]
    if entry.code:
        lines += [entry.code, ""]
    lines += [f"verdict: {entry.verdict}", f"reason: {entry.reason}".rstrip(), ""]
    return lines


def render_sheet(sheet: Sheet) -> str:
    """The sheet as Markdown; `parse_sheet` reads it back."""
    totals = ", ".join(f"{corpus} {sheet.totals.get(corpus, 0)}" for corpus in CORPORA)
    lines = [
        f"# {sheet.rule} review sheet", "",
        f"- seed: {sheet.seed}",
        f"- findings: {totals}",
        f"- sample: {len(sheet.entries)} (up to {SAMPLE_SIZE}, lowest sha256(seed, key))",
        "", _HOW_TO, "",
    ]
    if not sheet.entries:
        lines += ["No findings on either corpus.", ""]
    for entry in sheet.entries:
        lines += _render_entry(entry)
    if sheet.outside:
        lines += [OUTSIDE_TITLE, "",
                  "Kept for their verdicts: `gone` is no longer reported, `unsampled` "
                  "is reported but no longer drawn.", ""]
        for entry in sheet.outside:
            lines += _render_entry(entry)
    return "\n".join(lines).rstrip("\n") + "\n"


_FIELD = re.compile(r"^(status|message|verdict|reason):[ \t]*(.*)$")


def _parse_verdict(value: str, where: str) -> str:
    value = value.strip().strip("*`").strip()
    if value in ("", UNREVIEWED):
        return UNREVIEWED
    try:
        return VERDICTS[value.lower()]
    except KeyError:
        raise SheetError(f"{where}: unknown verdict {value!r} "
                         f"(use TP, FP, debatable or {UNREVIEWED})") from None


def parse_sheet(text: str, name: str = "<sheet>") -> Sheet:
    """Read a sheet written by `render_sheet` (and edited by a reviewer) back.

    Only the lines that matter are read: the title, `- seed:`, `- findings:`, each
    `## key` and its `status:`/`message:`/`verdict:`/`reason:` lines. Code lines
    start with a mark and a line number, so they can never be taken for a field.
    """
    sheet: Sheet | None = None
    entry: Entry | None = None
    outside = False
    code: list[str] = []
    for number, line in enumerate(text.splitlines(), 1):
        where = f"{name}:{number}"
        if line.startswith("# "):
            if sheet is None:
                sheet = Sheet(rule=line[2:].split()[0])
            elif line.strip() == OUTSIDE_TITLE:
                outside = True
            continue
        if sheet is None:
            continue
        if line.startswith("## "):
            entry = Entry(key=line[3:].strip(), message="")
            if not re.fullmatch(r".+:\d+:\w+", entry.key):
                raise SheetError(f"{where}: malformed key {entry.key!r} "
                                 "(expected <corpus>/<path>:<line>:<code>)")
            (sheet.outside if outside else sheet.entries).append(entry)
            code = []
            continue
        if entry is None:
            if line.startswith("- seed:"):
                seed = line.split(":", 1)[1].strip()
                if not seed.isdigit():
                    raise SheetError(f"{where}: the seed must be a whole number, not {seed!r}")
                sheet.seed = int(seed)
            elif line.startswith("- findings:"):
                sheet.totals = {c: int(n) for c, n in re.findall(r"(\w+) (\d+)", line[11:])}
            continue
        match = _FIELD.match(line)
        if match is None:
            if line.strip() or code:
                code.append(line)
            continue
        name_, value = match.groups()
        if name_ == "verdict":
            entry.verdict = _parse_verdict(value, where)
            entry.code = "\n".join(code).strip("\n")
        elif name_ == "reason":
            entry.reason = value.strip()
        else:
            setattr(entry, name_, value.strip())
    if sheet is None:
        raise SheetError(f"{name}: no `# BE0xx review sheet` title")
    return sheet


def read_sheets(directory: Path = SHEETS_DIR) -> dict[str, Sheet]:
    """Every sheet in *directory*, by rule."""
    sheets = {}
    for path in sorted(directory.glob("BE*.md")):
        sheet = parse_sheet(path.read_text(encoding="utf-8"), path.name)
        sheets[sheet.rule] = sheet
    return sheets


# --- re-sampling -----------------------------------------------------------------------

def resample(rule: str, found: dict[str, Entry], totals: dict[str, int],
             previous: dict[str, Entry], seed: int = SEED) -> Sheet:
    """The new sheet of *rule*: a fresh sample of *found*, verdicts kept from *previous*.

    *found* maps every current key of the rule to an entry (message and code);
    *previous* maps keys to earlier reviewed or unreviewed entries of any sheet.
    """
    chosen = sample_keys(found, seed)
    entries = []
    for key in chosen:
        entry = found[key]
        old = previous.get(key)
        if old is not None:
            entry.verdict, entry.reason = old.verdict, old.reason
        entries.append(entry)
    outside = []
    for key in sorted(k for k, e in previous.items() if e.rule == rule and k not in chosen):
        old = previous[key]
        if old.reviewed or old.reason:
            old.status = "unsampled" if key in found else "gone"
            outside.append(old)
    return Sheet(rule=rule, seed=seed, totals=totals, entries=entries, outside=outside)


def previous_entries(sheets: dict[str, Sheet]) -> dict[str, Entry]:
    """All entries of all sheets by key; a sampled entry wins over a kept one."""
    entries = {}
    for sheet in sheets.values():
        for entry in [*sheet.outside, *sheet.entries]:
            entries[entry.key] = entry
    return entries


# --- summary ---------------------------------------------------------------------------

@dataclass
class Row:
    """One rule's line of the summary."""

    rule: str
    default_on: bool
    totals: dict[str, int]
    sample: int
    tp: int
    fp: int
    debatable: int

    @property
    def reviewed(self) -> int:
        return self.tp + self.fp + self.debatable

    @property
    def precision(self) -> float | None:
        """Strict precision TP / reviewed, None before any review."""
        return self.tp / self.reviewed if self.reviewed else None

    @property
    def failing(self) -> bool:
        """A default-on rule, fully reviewed, below the threshold."""
        return (self.default_on and self.sample > 0 and self.reviewed == self.sample
                and self.precision is not None and self.precision < THRESHOLD)


def summarize(sheets: dict[str, Sheet], default_on: set[str]) -> list[Row]:
    """One row per sheet, in rule order."""
    rows = []
    for rule, sheet in sorted(sheets.items()):
        verdicts = [e.verdict for e in sheet.entries]
        rows.append(Row(rule, rule in default_on, sheet.totals, len(sheet.entries),
                        verdicts.count("TP"), verdicts.count("FP"),
                        verdicts.count("debatable")))
    return rows


def format_rows(rows: list[Row], markdown: bool = False) -> str:
    """The summary table, plain or as Markdown for the README."""
    head = ["rule", "default", *CORPORA, "sample", "reviewed", "TP", "FP", "debatable",
            "precision"]
    table = [head]
    for row in rows:
        precision = "-" if row.precision is None else f"{row.precision:.0%}"
        if row.sample and row.reviewed < row.sample:
            precision += " (partial)" if row.reviewed else ""
        table.append([row.rule, "on" if row.default_on else "opt-in",
                      *(str(row.totals.get(c, 0)) for c in CORPORA), str(row.sample),
                      str(row.reviewed), str(row.tp), str(row.fp), str(row.debatable),
                      precision])
    if markdown:
        lines = ["| " + " | ".join(r) + " |" for r in table]
        lines.insert(1, "|" + "---|" * len(head))
        return "\n".join(lines)
    widths = [max(len(r[i]) for r in table) for i in range(len(head))]
    return "\n".join("  ".join(cell.rjust(w) if i else cell.ljust(w)
                               for i, (cell, w) in enumerate(zip(r, widths))).rstrip()
                     for r in table)


# --- engine run ------------------------------------------------------------------------

def load_snapshot_module() -> Any:
    """`benchmarks/snapshot.py`, which fetches the corpora and runs the engine."""
    if str(HERE) not in sys.path:
        sys.path.insert(0, str(HERE))
    import snapshot  # noqa: PLC0415 - path set just above

    return snapshot


def collect(settings: Any) -> tuple[dict[str, dict[str, Entry]], dict[str, dict[str, int]]]:
    """Run the engine on both corpora: entries by rule and key, and totals by rule and corpus.

    Raises PrecisionError if a corpus cannot be fetched or the engine crashes on a file.
    """
    snapshot = load_snapshot_module()
    found: dict[str, dict[str, Entry]] = {}
    totals: dict[str, dict[str, int]] = {}
    for corpus in CORPORA:
        try:
            root, files = snapshot.fetch_corpus(corpus)
        except snapshot.corpus_errors() as exc:
            raise PrecisionError(f"the {corpus} corpus is unavailable: {exc}") from None
        run = snapshot.run_engine(root, files, settings)
        if run.errors:
            crashed = ", ".join(path for path, _ in run.errors[:3])
            raise PrecisionError(
                f"the engine crashed on {len(run.errors)} {corpus} files ({crashed}); "
                f"see `python benchmarks/snapshot.py --check --corpus {corpus}`")
        _add_findings(corpus, root, run.findings, found, totals)
    return found, totals


def _add_findings(corpus: str, root: Path, findings: list[tuple[str, Any]],
                  found: dict[str, dict[str, Entry]], totals: dict[str, dict[str, int]]) -> None:
    """Count *findings* of one corpus and make an entry per key (the first column wins)."""
    lines_of: dict[str, list[str]] = {}
    for path, finding in sorted(findings, key=lambda item: (item[0], item[1].line, item[1].col)):
        per_corpus = totals.setdefault(finding.code, {})
        per_corpus[corpus] = per_corpus.get(corpus, 0) + 1
        key = finding_key(corpus, path, finding.line, finding.code)
        entries = found.setdefault(finding.code, {})
        if key in entries:
            continue
        if path not in lines_of:
            lines_of[path] = source_lines((root / path).read_bytes())
        message = " ".join(finding.message.split())  # one line in the sheet
        entries[key] = Entry(key, message, code_block(lines_of[path], finding.line))


def write_sheets(settings: Any, seed: int | None, directory: Path = SHEETS_DIR,
                 only: set[str] | None = None) -> dict[str, Sheet]:
    """Re-sample every enabled rule and rewrite its sheet; other sheets are left alone.

    Without *seed*, each rule keeps the seed its sheet records (a fresh sample, once
    drawn with `--seed`, stays), or SEED for a new sheet.
    """
    sheets = read_sheets(directory) if directory.is_dir() else {}
    previous = previous_entries(sheets)
    found, totals = collect(settings)
    directory.mkdir(parents=True, exist_ok=True)
    for rule in sorted(settings.enabled):
        if only is not None and rule not in only:
            continue
        rule_seed = seed if seed is not None else sheets[rule].seed if rule in sheets else SEED
        sheet = resample(rule, found.get(rule, {}), totals.get(rule, {}), previous, rule_seed)
        (directory / f"{rule}.md").write_text(render_sheet(sheet), encoding="utf-8",
                                              newline="\n")
        sheets[rule] = sheet
    return sheets


def default_rules() -> set[str]:
    """Codes of the rules on by default, from the engine's own configuration."""
    from flake8_backend.config import default_settings

    return set(default_settings().enabled)


def _sheets_for(args: argparse.Namespace) -> dict[str, Sheet]:
    """The sheets to summarize: read as they are, or re-sampled first."""
    if args.summary or args.check:
        if not args.dir.is_dir() or not any(args.dir.glob("BE*.md")):
            raise SheetError(f"no review sheets in {args.dir}; write them with `{COMMAND}`")
        return read_sheets(args.dir)
    from flake8_backend.config import build_settings, default_settings

    settings = (build_settings({"enable": ["BE"]}) if args.all_rules
                else default_settings())
    only = set(args.rules.split(",")) if args.rules else None
    sheets = write_sheets(settings, args.seed, args.dir, only)
    written = len(settings.enabled if only is None else only & set(settings.enabled))
    print(f"precision: wrote {written} review sheets to {args.dir}", file=sys.stderr)
    return sheets


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--summary", action="store_true",
                        help="print the table from the sheets, without running the engine")
    parser.add_argument("--check", action="store_true",
                        help=f"exit 1 if a default-on rule with a fully reviewed sample is "
                             f"below {THRESHOLD * 100:.0f}%% strict precision")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    parser.add_argument("--all-rules", action="store_true",
                        help="sample opt-in rules too (default: the default settings)")
    parser.add_argument("--seed", type=int,
                        help=f"draw another sample with this seed (default: the seed each "
                             f"sheet records, {SEED} for a new one)")
    parser.add_argument("--rules", metavar="BE004,BE005",
                        help="re-sample only these rules' sheets (default: every enabled rule)")
    parser.add_argument("--dir", type=Path, default=SHEETS_DIR,
                        help="review sheets folder (default: benchmarks/precision)")
    args = parser.parse_args(argv)
    try:
        sheets = _sheets_for(args)
    except (PrecisionError, OSError) as exc:  # OSError: a sheet that cannot be read
        print(f"precision: error: {exc}", file=sys.stderr)
        return 2
    rows = summarize(sheets, default_rules())
    print(format_rows(rows, args.markdown))
    failing = [row for row in rows if row.failing]
    if args.check and failing:
        for row in failing:
            print(f"precision: {row.rule} is default-on at {row.precision:.0%} strict "
                  f"precision ({row.tp} TP of {row.reviewed} reviewed), below "
                  f"{THRESHOLD:.0%}: fix its false positives or make it opt-in",
                  file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
