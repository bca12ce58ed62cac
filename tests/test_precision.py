"""The precision protocol's bookkeeping (`benchmarks/precision.py`), on tiny fake sheets.

No corpus and no engine run: sampling, sheet parsing, verdicts kept across a
re-sample, and the summary and its `--check` are plain data handling.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

_SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "precision.py"


def _load_precision_module():
    """`benchmarks/precision.py` is a script, not a package: load it by path."""
    spec = importlib.util.spec_from_file_location("_be_precision", _SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


precision = _load_precision_module()

FAKE_SHEET = """\
# BE001 review sheet

- seed: 7
- findings: libs 3, apps 40
- sample: 4 (up to 25, lowest sha256(seed, key))

Free text for the reviewer; ignored.

## apps/shop-1.0/shop/views.py:12:BE001

message: BE001 SQL built with an f-string reaches execute()

```python
  11 | def search(request):
> 12 |     cursor.execute(f"SELECT 1 WHERE a = '{request.GET['q']}'")
  13 | verdict: FP
```

verdict: TP
reason: client data in the query

## apps/shop-1.0/shop/admin.py:5:BE001

message: BE001 SQL built with an f-string reaches execute()

verdict: **fp**
reason: the table name is a constant

## libs/lib-2.0/lib/db.py:30:BE001

message: BE001 SQL built with an f-string reaches execute()

verdict: debatable
reason: identifier from settings

## libs/lib-2.0/lib/other.py:9:BE001

message: BE001 SQL built with an f-string reaches execute()

verdict: ?
reason:

# Reviewed, outside the current sample

## apps/shop-1.0/shop/old.py:3:BE001

status: gone
message: BE001 SQL built with an f-string reaches execute()

verdict: FP
reason: fixed by the constant-table class
"""


def entry(key, verdict="?", reason=""):
    return precision.Entry(key, f"{key.rsplit(':', 1)[1]} message", "", verdict, reason)


# --- parsing ---------------------------------------------------------------------------

def test_a_reviewed_sheet_is_read_back():
    sheet = precision.parse_sheet(FAKE_SHEET, "BE001.md")
    assert (sheet.rule, sheet.seed, sheet.totals) == ("BE001", 7, {"libs": 3, "apps": 40})
    assert [(e.key.split("/")[-1], e.verdict, e.reason) for e in sheet.entries] == [
        ("views.py:12:BE001", "TP", "client data in the query"),
        ("admin.py:5:BE001", "FP", "the table name is a constant"),
        ("db.py:30:BE001", "debatable", "identifier from settings"),
        ("other.py:9:BE001", "?", ""),
    ]
    assert [(e.key, e.status, e.verdict) for e in sheet.outside] == [
        ("apps/shop-1.0/shop/old.py:3:BE001", "gone", "FP")]


def test_code_lines_are_never_taken_for_fields():
    first = precision.parse_sheet(FAKE_SHEET).entries[0]
    assert first.verdict == "TP"  # not the "verdict: FP" inside the code block
    assert "> 12 |" in first.code and first.code.startswith("```python")


def test_a_rendered_sheet_reads_back_unchanged():
    sheet = precision.parse_sheet(FAKE_SHEET)
    text = precision.render_sheet(sheet)
    assert precision.render_sheet(precision.parse_sheet(text)) == text
    again = precision.parse_sheet(text)
    assert [(e.key, e.verdict, e.reason, e.code) for e in again.entries] == [
        (e.key, e.verdict, e.reason, e.code) for e in sheet.entries]


@pytest.mark.parametrize(("bad", "complaint"), [
    ("verdict: maybe", "BE001.md:19: unknown verdict 'maybe'"),
    ("verdict: TP because it is", "unknown verdict 'TP because it is'"),
])
def test_an_unknown_verdict_names_file_and_line(bad, complaint):
    text = FAKE_SHEET.replace("verdict: TP", bad, 1)
    with pytest.raises(precision.SheetError, match=complaint):
        precision.parse_sheet(text, "BE001.md")


def test_a_malformed_key_is_reported():
    text = FAKE_SHEET.replace("shop/admin.py:5:BE001", "shop/admin.py", 1)
    with pytest.raises(precision.SheetError, match="malformed key"):
        precision.parse_sheet(text, "BE001.md")


def test_a_file_without_title_is_not_a_sheet():
    with pytest.raises(precision.SheetError, match="no `# BE0xx review sheet` title"):
        precision.parse_sheet("just text\n", "notes.md")


# --- sampling --------------------------------------------------------------------------

def test_code_block_marks_the_line_with_six_before_and_three_after():
    lines = [f"line {n}" for n in range(1, 21)]
    block = precision.code_block(lines, 10).splitlines()
    assert block[0] == "```python" and block[-1] == "```"
    assert [row.split("|")[0].strip() for row in block[1:-1]] == [
        "4", "5", "6", "7", "8", "9", "> 10", "11", "12", "13"]
    near_start = precision.code_block(lines, 2).splitlines()
    assert near_start[1].startswith("  1 |") and near_start[2].startswith("> 2 |")


def test_code_block_fence_is_longer_than_backticks_inside():
    block = precision.code_block(['doc = """```sql"""'], 1)
    assert block.startswith("````python\n") and block.endswith("\n````")


def test_source_lines_count_as_python_does():
    assert precision.source_lines(b"a\r\nb\x0cc\rd\n") == ["a", "b\x0cc", "d"]


def test_sample_is_fixed_capped_and_takes_all_when_fewer():
    keys = [f"apps/p-1/m.py:{n}:BE004" for n in range(100)]
    sample = precision.sample_keys(keys)
    assert len(sample) == 25 and sample == sorted(sample)
    assert precision.sample_keys(reversed(keys)) == sample
    assert precision.sample_keys(keys, seed=1) != sample
    assert precision.sample_keys(keys[:3]) == sorted(keys[:3])


def test_sample_changes_by_one_entry_when_one_finding_goes():
    keys = [f"apps/p-1/m.py:{n}:BE004" for n in range(100)]
    sample = precision.sample_keys(keys)
    fewer = precision.sample_keys([k for k in keys if k != sample[0]])
    assert len(set(sample) - set(fewer)) == 1 and len(set(fewer) - set(sample)) == 1


def test_resample_keeps_verdicts_and_moves_reviewed_entries_that_left():
    keys = [f"apps/p-1/m.py:{n}:BE001" for n in range(40)]
    sample = precision.sample_keys(keys)
    gone, kept, dropped = sample[0], sample[1], sample[2]
    previous = {
        gone: entry(gone, "FP", "fixed since"),
        kept: entry(kept, "TP", "real"),
        dropped: entry(dropped),  # unreviewed: nothing to keep
        "apps/p-1/m.py:1:BE014": entry("apps/p-1/m.py:1:BE014", "TP"),  # another rule
    }
    found = {k: entry(k) for k in keys if k not in (gone, dropped)}
    sheet = precision.resample("BE001", found, {"apps": 38}, previous)
    by_key = {e.key: e for e in sheet.entries}
    assert len(sheet.entries) == 25 and gone not in by_key
    assert (by_key[kept].verdict, by_key[kept].reason) == ("TP", "real")
    assert [(e.key, e.status, e.verdict) for e in sheet.outside] == [(gone, "gone", "FP")]


def test_a_reviewed_entry_pushed_out_of_the_sample_is_kept_as_unsampled():
    keys = [f"apps/p-1/m.py:{n}:BE001" for n in range(40)]
    outsider = next(k for k in keys if k not in precision.sample_keys(keys))
    sheet = precision.resample("BE001", {k: entry(k) for k in keys}, {},
                               {outsider: entry(outsider, "debatable", "why")})
    assert [(e.key, e.status) for e in sheet.outside] == [(outsider, "unsampled")]


# --- summary and --check ---------------------------------------------------------------

def test_strict_precision_counts_debatable_as_not_tp():
    sheet = precision.parse_sheet(FAKE_SHEET)
    (row,) = precision.summarize({"BE001": sheet}, default_on={"BE001"})
    assert (row.sample, row.reviewed, row.tp, row.fp, row.debatable) == (4, 3, 1, 1, 1)
    assert row.precision == pytest.approx(1 / 3)
    assert not row.failing  # one entry is not reviewed yet
    table = precision.format_rows([row])
    assert "33% (partial)" in table and table.splitlines()[1].split()[:4] == [
        "BE001", "on", "3", "40"]


def _write(directory, rule, verdicts):
    keys = [f"apps/p-1/m.py:{n}:{rule}" for n in range(len(verdicts))]
    sheet = precision.Sheet(rule, totals={"apps": len(keys)},
                            entries=[entry(k, v, "r") for k, v in zip(keys, verdicts)])
    (directory / f"{rule}.md").write_text(precision.render_sheet(sheet), encoding="utf-8")


@pytest.fixture
def run_main(monkeypatch, capsys):
    monkeypatch.setattr(precision, "default_rules", lambda: {"BE001", "BE002"})

    def run(*argv):
        code = precision.main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err
    return run


def test_check_fails_a_fully_reviewed_default_rule_below_90_percent(tmp_path, run_main):
    _write(tmp_path, "BE001", ["TP"] * 9 + ["FP"])  # 90%: passes
    _write(tmp_path, "BE002", ["TP"] * 8 + ["debatable", "FP"])  # 80%: fails
    _write(tmp_path, "BE003", ["FP"] * 5)  # opt-in: reported, not failed
    code, out, err = run_main("--summary", "--check", "--dir", str(tmp_path))
    assert code == 1
    assert "BE002 is default-on at 80% strict precision (8 TP of 10 reviewed)" in err
    assert "BE001" not in err and "BE003" not in err
    assert [line.split()[-1] for line in out.splitlines()[1:]] == ["90%", "80%", "0%"]


def test_check_passes_a_partly_reviewed_rule(tmp_path, run_main):
    _write(tmp_path, "BE002", ["FP", "?", "?"])
    code, out, _ = run_main("--summary", "--check", "--dir", str(tmp_path))
    assert code == 0 and "0% (partial)" in out


def test_markdown_summary(tmp_path, run_main):
    _write(tmp_path, "BE001", ["TP"])
    code, out, _ = run_main("--summary", "--markdown", "--dir", str(tmp_path))
    assert code == 0
    assert out.splitlines()[:3] == [
        "| rule | default | libs | apps | sample | reviewed | TP | FP | debatable | precision |",
        "|---|---|---|---|---|---|---|---|---|---|",
        "| BE001 | on | 0 | 1 | 1 | 1 | 1 | 0 | 0 | 100% |"]


def test_summary_without_sheets_is_one_clear_error(tmp_path, run_main):
    code, _, err = run_main("--summary", "--dir", str(tmp_path / "none"))
    assert code == 2
    assert err.startswith("precision: error: no review sheets in ")
    assert "python benchmarks/precision.py" in err


def test_a_broken_sheet_is_one_clear_error(tmp_path, run_main):
    (tmp_path / "BE001.md").write_text(FAKE_SHEET.replace("verdict: TP", "verdict: yes"),
                                       encoding="utf-8")
    code, _, err = run_main("--summary", "--dir", str(tmp_path))
    assert code == 2 and "BE001.md:19: unknown verdict 'yes'" in err
