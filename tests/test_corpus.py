"""The rules on real backend code: no crash anywhere, and no unreviewed change in findings.

Each test runs on both pinned corpora of `benchmarks/corpus.py`: `libs`
(frameworks and libraries) and `apps` (Django, Flask and FastAPI applications),
each with its own snapshot. A corpus is downloaded on first use. Without network
access these tests fail, naming the cause; set FLAKE8_BACKEND_SKIP_CORPUS=1 to
skip them instead. The engine runs once per corpus and settings, shared by the tests.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest


pytestmark = pytest.mark.corpus

_SNAPSHOT_SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "snapshot.py"
_SHOWN_DIFF_LINES = 60


def _load_snapshot_module():
    """`benchmarks/snapshot.py` is a script, not a package: load it by path."""
    spec = importlib.util.spec_from_file_location("_be_corpus_snapshot", _SNAPSHOT_SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


snapshot = _load_snapshot_module()


@pytest.fixture(scope="module", params=sorted(snapshot.SNAPSHOTS))
def corpus(request):
    """(name, root, files), or a clear failure (or skip, when asked) if it cannot be fetched."""
    name = request.param
    try:
        return (name, *snapshot.fetch_corpus(name))
    except snapshot.corpus_errors() as exc:
        problem = str(exc)  # reported outside the handler, without a chained traceback
    if os.environ.get("FLAKE8_BACKEND_SKIP_CORPUS") == "1":
        pytest.skip(f"{name} corpus unavailable ({problem}); "
                    "skipped: FLAKE8_BACKEND_SKIP_CORPUS=1")
    pytest.fail(f"the pinned {name} corpus could not be fetched: {problem}\n"
                f"Fetch it with `python benchmarks/corpus.py --corpus {name}` (needs network), "
                "or set FLAKE8_BACKEND_SKIP_CORPUS=1 to skip the corpus tests.", pytrace=False)


@pytest.fixture(scope="module")
def runs(corpus):
    """One engine run with every rule on (opt-in ones too), as the snapshot is written."""
    name, root, files = corpus
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FLAKE8_BACKEND_RAISE", "1")
        all_rules = snapshot.run_engine(root, files, snapshot.snapshot_settings())
    return name, all_rules, all_rules


def test_every_rule_runs_on_the_whole_corpus_without_exceptions(runs):
    _, all_rules, _ = runs
    assert all_rules.files > 0
    if all_rules.errors:
        listing = "\n".join(f"  {path}: {error}" for path, error in all_rules.errors)
        pytest.fail(f"the engine raised on {len(all_rules.errors)} of {all_rules.files} corpus "
                    f"files (FLAKE8_BACKEND_RAISE=1):\n{listing}", pytrace=False)


def test_findings_match_the_snapshot(runs):
    name, _, default_run = runs
    path, command = snapshot.SNAPSHOTS[name], snapshot.update_command(name)
    if default_run.errors:
        pytest.fail("the engine raised on corpus files; see the no-exception test",
                    pytrace=False)
    if not path.is_file():
        pytest.fail(f"no snapshot at {path}; create it with `{command}` and review it",
                    pytrace=False)
    stored = path.read_text(encoding="utf-8")
    diff = snapshot.snapshot_diff(stored, snapshot.render(default_run, corpus=name), name)
    if diff:
        shown = diff[:_SHOWN_DIFF_LINES]
        more = len(diff) - len(shown)
        if more:
            shown.append(f"... {more} more diff lines")
        pytest.fail(f"findings on the {name} corpus changed:\n" + "\n".join(shown)
                    + f"\nIf the change is intended, update the snapshot with "
                    f"`{command}` and review its diff.", pytrace=False)
