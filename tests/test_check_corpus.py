"""`flake8-backend check` on both pinned corpora prints what flake8 prints.

Without `# noqa`, `check --disable-noqa` must print exactly the engine's findings in
the snapshot format (`benchmarks/snapshot.py`). flake8 can only differ from that in
files that spell `noqa` or do not parse, so flake8 itself runs on those (a few
dozen files, not the whole corpus), and everywhere else `check` must print the
same with and without `--disable-noqa`.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from flake8_backend.cli import main
from test_corpus import snapshot

pytestmark = pytest.mark.corpus
NOQA = re.compile(rb"noqa", re.I)


@pytest.fixture(scope="module", params=sorted(snapshot.SNAPSHOTS))
def corpus(request):
    name = request.param
    try:
        root, files = snapshot.fetch_corpus(name)
    except snapshot.corpus_errors() as exc:
        if os.environ.get("FLAKE8_BACKEND_SKIP_CORPUS") == "1":
            pytest.skip(f"{name} corpus unavailable ({exc})")
        pytest.fail(f"the pinned {name} corpus could not be fetched: {exc}", pytrace=False)
    return name, root, [path.relative_to(root).as_posix() for path in files]


def _check(root: Path, files: list[str], config: Path, *args: str) -> list[str]:
    report = config.parent / "check.txt"
    cwd = os.getcwd()
    os.chdir(root)
    try:
        code = main(["check", "--config", str(config), "--output-file", str(report),
                     "-j2", *args, *files])
    finally:
        os.chdir(cwd)
    assert code in (0, 1)
    return report.read_text(encoding="utf-8").splitlines()


def test_check_equals_the_engine_and_flake8_on_the_corpus(corpus, tmp_path):
    name, root, files = corpus
    config = tmp_path / "pyproject.toml"
    # every rule on, opt-in ones too, as the snapshot is written (snapshot_settings)
    config.write_text('[tool.flake8-backend]\nenable = ["BE"]\n', encoding="utf-8")
    raw = _check(root, files, config, "--disable-noqa")
    errors = [line for line in raw if " E999 " in line or " E902 " in line]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FLAKE8_BACKEND_RAISE", "1")
        run = snapshot.run_engine(root, [root / f for f in files])
    expected = snapshot.render(run, corpus=name).splitlines()[2:]
    assert sorted(set(raw) - set(errors)) == sorted(expected)
    assert sorted(line.split(":")[0] for line in errors) == sorted(run.unparsable)
    for line in errors:  # each really does not parse here
        with warnings.catch_warnings(), pytest.raises((SyntaxError, ValueError)):
            warnings.simplefilter("ignore")
            ast.parse((root / line.split(":")[0]).read_bytes())

    with_noqa = _check(root, files, config)
    flagged = {line.split(":")[0] for line in raw}
    risky = sorted(f for f in flagged if NOQA.search((root / f).read_bytes()))
    assert [line for line in with_noqa if line.split(":")[0] not in risky] == \
        [line for line in raw if line.split(":")[0] not in risky]
    assert risky  # flake8 does run: flagged files that spell noqa exist in both corpora
    env = {k: v for k, v in os.environ.items() if k != "FLAKE8_BACKEND_RAISE"}
    env["FLAKE8_BACKEND_CONFIG"] = str(config)
    flake8 = subprocess.run(
        [sys.executable, "-m", "flake8", "--isolated", "--select=BE,E999,E902", *risky],
        cwd=root, env=env, capture_output=True, text=True, timeout=900, check=False)
    assert flake8.returncode in (0, 1), flake8.stderr
    assert sorted(flake8.stdout.splitlines()) == sorted(
        line for line in with_noqa if line.split(":")[0] in risky)


def test_a_corpus_baseline_hides_everything_and_one_new_defect_shows(corpus, tmp_path):
    """Every flagged corpus file, copied into a project: a baseline written by check hides
    all of their findings in check, flake8 and pylint; one new defect shows once in each."""
    import shutil

    from harness import pylint_hits

    name, root, files = corpus
    project = tmp_path / "project"
    config = tmp_path / "pyproject.toml"
    # every rule on, opt-in ones too, as the snapshot is written (snapshot_settings)
    config.write_text('[tool.flake8-backend]\nenable = ["BE"]\n', encoding="utf-8")
    flagged = sorted({line.split(":")[0] for line in _check(root, files, config)
                      if " BE0" in line})
    for rel in flagged:
        (project / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(root / rel, project / rel)
    (project / "pyproject.toml").write_text(
        '[tool.flake8-backend]\nbaseline = "baseline.json"\n'
        'enable = ["BE014"]\n', encoding="utf-8")  # the new defect below is a BE014
    cwd = os.getcwd()
    os.chdir(project)
    try:
        assert main(["check", "--write-baseline", "baseline.json", *flagged]) == 0
        assert main(["check", "--output-file", "after.txt", *flagged]) == 0
        assert Path("after.txt").read_text(encoding="utf-8") == ""
        env = {k: v for k, v in os.environ.items() if k != "FLAKE8_BACKEND_RAISE"}
        flake8 = subprocess.run([sys.executable, "-m", "flake8", "--isolated", "--select=BE",
                                 *flagged], env=env, capture_output=True, text=True,
                                timeout=900, check=False)
        assert (flake8.returncode, flake8.stdout) == (0, ""), flake8.stderr
        sample = [project / rel for rel in flagged[:: max(1, len(flagged) // 8)]]
        assert all(pylint_hits(path) == set() for path in sample)
        target = sample[0]
        with target.open("a", encoding="utf-8") as handle:
            handle.write("\n\nimport requests\nrequests.get('https://new.example')\n")
        new_line = target.read_text(encoding="utf-8").count("\n")
        assert main(["check", "--output-file", "new.txt", *flagged]) == 1
        new = Path("new.txt").read_text(encoding="utf-8").splitlines()
        assert [line.split()[1] for line in new] == ["BE014"]
        assert new[0].startswith(f"{target.relative_to(project).as_posix()}:{new_line}:1: ")
        flake8 = subprocess.run([sys.executable, "-m", "flake8", "--isolated", "--select=BE",
                                 str(target.relative_to(project))], env=env,
                                capture_output=True, text=True, timeout=300, check=False)
        assert flake8.stdout == new[0] + "\n"
        assert pylint_hits(target) == {(new_line, "BE014")}
    finally:
        os.chdir(cwd)
