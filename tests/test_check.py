"""`flake8-backend check`: the same findings as `flake8 --select=BE`, without flake8.

Parity is checked on every fixture (grouped by their `# config:` tables) and on
files written to stress `# noqa` and line ends; then the command's own promises:
exit codes, error lines for unparsable files, formats, statistics, discovery,
selection and parallel runs.
"""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from flake8_backend.cli import main
from flake8_backend.noqa import Suppressions, noqa_line_mapping, source_lines
from flake8_backend.runner import read_source
import harness
from harness import FIXTURES, parse_fixture

PROBE = 'enable = ["BE014"]'  # BE014 (opt-in): the finding most tests here look for


@pytest.fixture(autouse=True)
def _probe_rule_on(tmp_path):
    """Projects here turn BE014 on unless a test writes its own configuration."""
    harness.write_project(tmp_path, PROBE)


def write_project(directory: Path, config_toml: str = "") -> None:
    """`harness.write_project`, keeping BE014 on unless the table says what to enable."""
    if "enable" not in config_toml:
        config_toml = f"{PROBE}\n{config_toml}"
    harness.write_project(directory, config_toml)


ROOT = Path(__file__).resolve().parent.parent
REQUESTS = "import requests\nrequests.get('u')\n"


def run_check(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["check", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def flake8_lines(directory: Path, *args: str) -> list[str]:
    """flake8's own report (in-process), BE codes plus its read and syntax errors."""
    import linecache

    from flake8.main.application import Application

    linecache.clearcache()  # flake8 reads noqa lines through it; other tests used these names
    out = directory.parent / f".{directory.name}-flake8.txt"
    app = Application()
    app.run(["--isolated", "--select=BE,E999,E902", f"--output-file={out}", *args])
    lines = out.read_text(encoding="utf-8").splitlines()
    out.unlink()
    return lines


def _groups() -> dict[str, list[Path]]:
    groups: dict[str, list[Path]] = {}
    for path in sorted(FIXTURES.glob("*.py")):
        config = parse_fixture(path).config_toml
        groups.setdefault(config, []).append(path)
    return groups


GROUPS = _groups()


@pytest.mark.parametrize("config", sorted(GROUPS), ids=lambda c: f"config:{c[:30]}" if c
                         else "defaults")
def test_check_prints_what_flake8_prints_on_the_fixtures(config, tmp_path, monkeypatch, capsys):
    project = tmp_path / "project"
    project.mkdir()
    write_project(project, config)
    for path in GROUPS[config]:
        shutil.copy(path, project / path.name)
    monkeypatch.chdir(project)
    expected = flake8_lines(project, ".")
    code, out, err = run_check(capsys, ".")
    assert out.splitlines() == expected
    assert code == (1 if expected else 0) and err == ""
    assert expected or config  # the default group has findings: the comparison means something


NOQA_CASES = {
    "multiline.py": (
        "import requests\n"
        "x = requests.get(\n"
        "    'u')  # noqa: BE014\n"
        "requests.get('''a\n"
        "b''')  # noqa\n"
        "requests.get('v') \\\n"
        "    # NOQA:BE0\n"
        "requests.get('w')  # noqa: E501\n"
        "requests.get('x')  # noqa:BE014,E501\n"
        "requests.get('y')  # noqa : BE014\n"
        "s = '# noqa'; requests.get('z')\n"),
    "cr.py": "import requests\rrequests.get('u')  # noqa\rrequests.get('v')\r",
    "crlf.py": "import requests\r\nrequests.get('u')  # noqa\r\nrequests.get('v')\r\n",
    "bom.py": "\ufeffimport requests\nrequests.get('u')\n",
    "latin1.py": b"# -*- coding: latin-1 -*-\nimport requests\nrequests.get('\xe9')\n",
    "not_utf8.py": b"import requests\nrequests.get('\xff')\n",
    "file_noqa.py": "import requests\n# flake8: noqa\nrequests.get('u')\n",
    "file_noqa_codes.py": "import requests  # flake8: noqa: E501\nrequests.get('u')\n",
    "syntax.py": "import requests\nrequests.get(\n",
    "syntax_noqa.py": "x = (  # noqa\n",
    "nul.py": "x = 1\x00\n",
    "semicolons.py": "import requests\nx = '''a\nb'''; requests.get('u')  # noqa\n",
    "decorated.py": ("import requests\n@app.get(\n    '/x')  # noqa\ndef f():\n"
                     "    try:\n        pass\n    except:  # noqa: BE020\n        pass\n"
                     "    else:\n        requests.get('u')\n"),
}
if sys.version_info < (3, 11):
    # flake8 itself dies on NUL bytes there (compile raises ValueError, which it does not
    # catch), so there is no reference to compare with; check's E999 for them is tested in
    # test_hostile_input on every version.
    del NOQA_CASES["nul.py"]


def test_check_matches_flake8_on_noqa_line_ends_and_encodings(tmp_path, monkeypatch, capsys):
    project = tmp_path / "noqa"
    project.mkdir()
    for name, text in NOQA_CASES.items():
        data = text if isinstance(text, bytes) else text.encode("utf-8")
        (project / name).write_bytes(data)
    monkeypatch.chdir(project)
    expected = flake8_lines(project, ".")
    code, out, _ = run_check(capsys, ".")
    assert out.splitlines() == expected
    assert "./syntax.py:2:14: E999 SyntaxError: '(' was never closed" in expected
    assert not any(line.startswith("./file_noqa.py") for line in expected)
    assert any(line.startswith("./file_noqa_codes.py:2:1: BE014") for line in expected)
    assert code == 1


def test_statement_window_noqa_mapping_equals_flake8s_whole_file_mapping():
    """`Suppressions` tokenizes only the statement holding a finding; it must see what
    flake8's whole-file mapping sees, on every line of every fixture and noqa case."""
    texts = [read_source(str(path)) for path in sorted(FIXTURES.glob("*.py"))]
    texts += [t for t in NOQA_CASES.values() if isinstance(t, str) and "\x00" not in t]
    compared = 0
    for text in texts:
        text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
        try:
            tree = ast.parse(text)
        except SyntaxError:
            continue
        lines = source_lines(text)
        full = noqa_line_mapping(lines)
        suppressions = Suppressions(text, tree)
        suppressions._noqa_lines = list(range(1, len(lines) + 1))  # force every window
        for number in range(1, len(lines) + 1):
            assert suppressions.line_for(number) == (full.get(number) or lines[number - 1]), (
                number, text[:60])
            compared += 1
    assert compared > 1000


def test_noqa_patterns_are_flake8s():
    from flake8 import defaults, utils

    from flake8_backend import noqa

    for ours, theirs in ((noqa.NOQA_INLINE_REGEXP, defaults.NOQA_INLINE_REGEXP),
                         (noqa.NOQA_FILE, defaults.NOQA_FILE),
                         (noqa.COMMA_SEPARATED_LIST_RE, utils.COMMA_SEPARATED_LIST_RE)):
        assert (ours.pattern, ours.flags) == (theirs.pattern, theirs.flags)


def test_check_never_imports_flake8_or_pylint(tmp_path):
    (tmp_path / "a.py").write_text(REQUESTS, encoding="utf-8")
    probe = ("import sys\nfrom flake8_backend.cli import main\n"
             "code = main(['check', '-j1', '--format', 'json', '.'])\n"
             "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
             "('flake8', 'pylint', 'astroid'))\nprint(code, bad, file=sys.stderr)\n")
    done = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.stderr.strip() == "1 []", done.stderr


# -- exit codes and error lines ---------------------------------------------------------
def test_exit_codes(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "clean.py").write_text("x = 1\n", encoding="utf-8")
    assert run_check(capsys, "clean.py") == (0, "", "")
    (tmp_path / "dirty.py").write_text(REQUESTS, encoding="utf-8")
    code, out, _ = run_check(capsys, "dirty.py")
    assert code == 1 and out.startswith("dirty.py:2:1: BE014 ")
    assert run_check(capsys, "--exit-zero", "dirty.py")[0] == 0
    write_project(tmp_path, 'bare-except-strict = "yes"')
    code, out, err = run_check(capsys, "dirty.py")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "pyproject.toml" in err and "bare-except-strict" in err
    write_project(tmp_path, "")
    code, _, err = run_check(capsys, "--select", "BE999", "dirty.py")
    assert code == 2 and "--select" in err and "BE999" in err
    code, _, err = run_check(capsys, "--select", "requests-without-timeouts", "dirty.py")
    assert code == 2 and "did you mean 'requests-without-timeout'?" in err
    with pytest.raises(SystemExit) as info:
        main(["check", "--format", "xml", "dirty.py"])
    assert info.value.code == 2
    with pytest.raises(SystemExit) as info:
        main(["check", "-j", "0", "dirty.py"])
    assert info.value.code == 2
    capsys.readouterr()


def test_unreadable_and_unparsable_files_are_error_lines(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "new_syntax.py").write_text("type X = int\n" if sys.version_info < (3, 12)
                                            else "match = (\n", encoding="utf-8")
    code, out, _ = run_check(capsys, "new_syntax.py", "missing.py")
    lines = out.splitlines()
    assert code == 1 and len(lines) == 2
    assert lines[0].startswith("missing.py:0:1: E902 FileNotFoundError")
    assert lines[1].startswith("new_syntax.py:1:") and " E999 SyntaxError: " in lines[1]


# -- output ----------------------------------------------------------------------------
@pytest.fixture
def dirty(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "app.py").write_text(
        "import requests\n\ndef f(conn, name):\n    try:\n        requests.get(name)\n"
        "    except:\n        conn.execute(f'SELECT n FROM t WHERE n = {name}')\n"
        "requests.post('u')\n", encoding="utf-8")
    (tmp_path / "broken.py").write_text("def (\n", encoding="utf-8")
    write_project(tmp_path, 'enable = ["BE001", "BE014"]')  # opt-in
    return tmp_path


def test_json_format(dirty, capsys):
    code, out, _ = run_check(capsys, "--format", "json", ".")
    items = json.loads(out)
    assert code == 1
    assert [(i["filename"], i["line"], i["column"], i["code"]) for i in items] == [
        ("./app.py", 5, 9, "BE014"), ("./app.py", 6, 5, "BE020"), ("./app.py", 7, 9, "BE001"),
        ("./app.py", 8, 1, "BE014"), ("./broken.py", 1, 6, "E999")]
    first = items[0]
    assert first["name"] == "requests-without-timeout" and first["end_column"] == 21
    assert first["message"].startswith("requests.get() has no timeout")
    assert items[-1]["name"] is None and items[-1]["severity"] == "error"


def test_sarif_format_is_valid_and_github_format_annotates(dirty, capsys):
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text())
    code, out, _ = run_check(capsys, "--format", "sarif", ".")
    log = json.loads(out)
    jsonschema.validate(log, schema)
    results = log["runs"][0]["results"]
    assert code == 1 and [r["ruleId"] for r in results] == [
        "BE014", "BE020", "BE001", "BE014", "E999"]
    assert results[0]["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 5, "startColumn": 9, "endLine": 5, "endColumn": 21}
    assert results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "app.py"
    code, out, _ = run_check(capsys, "--format", "github", ".")
    lines = out.splitlines()
    assert lines[0] == ("::warning file=app.py,line=5,col=9,title=BE014 requests-without-timeout"
                        "::" + lines[0].split("::", 2)[2])
    assert lines[2].startswith("::error file=app.py,line=7,col=9,title=BE001 sql-fstring::")
    assert lines[-1].startswith("::error file=broken.py,line=1,col=6,title=E999::")


def test_statistics_and_output_file_match_flake8(dirty, capsys):
    from flake8.main.application import Application

    out_file = dirty / "flake8.txt"
    Application().run(["--isolated", "--select=BE,E999", "--statistics",
                       f"--output-file={out_file}", "."])
    expected = out_file.read_text(encoding="utf-8")
    out_file.unlink()
    code, out, _ = run_check(capsys, "--statistics", ".")
    assert out == expected and code == 1
    assert "2     BE014 " in out
    code, out, _ = run_check(capsys, "--statistics", "--output-file", "sub/report.txt", ".")
    assert out == "" and (dirty / "sub" / "report.txt").read_text(encoding="utf-8") == expected
    code, out, err = run_check(capsys, "--statistics", "--format", "json", ".")
    assert json.loads(out) and "2     BE014 " in err


# -- discovery -------------------------------------------------------------------------
def test_discovery_honours_gitignore_exclude_and_defaults(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "info").mkdir()
    (tmp_path / ".git" / "info" / "exclude").write_text("local_only.py\n", encoding="utf-8")
    (tmp_path / ".gitignore").write_text(
        "# build output\nbuild/\n/generated_*.py\n*.tmp.py\n!keep.tmp.py\n", encoding="utf-8")
    files = ["app.py", "build/out.py", "generated_a.py", "pkg/generated_b.py", "x.tmp.py",
             "keep.tmp.py", "local_only.py", "pkg/sub/.gitignore", "pkg/sub/ignored.py",
             "pkg/sub/kept.py", "__pycache__/c.py", ".tox/t.py", "vendor/v.py", "notes.txt"]
    for name in files:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("ignored.py\n" if name.endswith(".gitignore") else REQUESTS,
                        encoding="utf-8")
    _, out, _ = run_check(capsys, "--extend-exclude", "vendor")
    shown = sorted({line.split(":")[0] for line in out.splitlines()})
    assert shown == ["./app.py", "./keep.tmp.py", "./pkg/generated_b.py", "./pkg/sub/kept.py"]
    _, out, _ = run_check(capsys, "--no-respect-gitignore", "--exclude", "vendor,.tox,pkg")
    shown = sorted({line.split(":")[0] for line in out.splitlines()})
    assert "./build/out.py" in shown and "./__pycache__/c.py" in shown
    assert "./vendor/v.py" not in shown and not any(s.startswith("./pkg") for s in shown)
    # A file named explicitly is checked even if .gitignore ignores it.
    _, out, _ = run_check(capsys, "build/out.py")
    assert out.startswith("build/out.py:2:1: BE014")
    # extend-exclude from the table is relative to the project root.
    write_project(tmp_path, 'extend-exclude = ["pkg/sub"]')
    _, out, _ = run_check(capsys)
    assert "./pkg/sub/kept.py" not in out and "./app.py" in out


def test_parallel_run_prints_the_same_report(tmp_path, monkeypatch, capsys):
    for path in sorted(FIXTURES.glob("*.py")):
        shutil.copy(path, tmp_path / path.name)
    monkeypatch.chdir(tmp_path)
    serial = run_check(capsys, "-j1", ".")
    parallel = run_check(capsys, "-j2", ".")
    assert serial == parallel and serial[1].count("\n") > 50


def test_stdin_and_the_installed_script(tmp_path):
    script = Path(sys.executable).parent / "flake8-backend"
    done = subprocess.run([str(script), "check", "--stdin-display-name", "app/x.py", "-"],
                          input=REQUESTS, capture_output=True, text=True, cwd=tmp_path,
                          timeout=60, check=False)
    assert done.returncode == 1 and done.stdout.startswith("app/x.py:2:1: BE014 "), done.stderr


# -- selection -------------------------------------------------------------------------
SELECTION_SOURCE = (
    "import requests\n"
    "def f(conn, name):\n"
    "    try:\n"
    "        requests.get(name)\n"
    "    except:\n"
    "        conn.execute(f'SELECT 1 FROM t WHERE n = {name}')\n")


@pytest.mark.parametrize(("config", "args", "codes"), [
    ("", [], {"BE014", "BE020"}),  # BE001 is opt-in (BE014 is on in every project here)
    ('enable = ["BE001"]', [], {"BE020", "BE001"}),  # the table's own list: BE014 off
    ('enable = ["BE001", "BE014"]', [], {"BE014", "BE020", "BE001"}),
    ("", ["--select", "BE01"], {"BE014"}),
    ("", ["--select", "bare-except-handler,BE001"], {"BE020", "BE001"}),
    ("", ["--ignore", "BE0"], set()),
    ("", ["--extend-ignore", "sql-fstring", "--ignore", "W7314"], {"BE020"}),
    ('disable = ["BE020"]', [], {"BE014"}),
    ('disable = ["bare-except-handler"]', ["--select", "BE"], {"BE014"}),
    ('disable = ["BE020"]', ["--extend-select", "BE020"], {"BE014", "BE020"}),
    ('disable = ["BE0"]', ["--select", "BE020"], {"BE020"}),
])
def test_selection(tmp_path, monkeypatch, capsys, config, args, codes):
    monkeypatch.chdir(tmp_path)
    write_project(tmp_path, config)
    (tmp_path / "m.py").write_text(SELECTION_SOURCE, encoding="utf-8")
    _, out, err = run_check(capsys, *args, "m.py")
    assert {line.split()[1] for line in out.splitlines()} == codes, err


def test_per_file_ignores_in_every_front_end(tmp_path, monkeypatch, capsys):
    from harness import flake8_hits, pylint_hits

    monkeypatch.chdir(tmp_path)
    for name in ("tests/test_a.py", "scripts/run.py", "app.py"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(SELECTION_SOURCE, encoding="utf-8")

    def check_codes():
        out = run_check(capsys, ".")[1]
        return {(line.split(":")[0], line.split()[1]) for line in out.splitlines()}

    before = check_codes()
    per_file = {name: {code for _, code in flake8_hits(tmp_path / name)}
                for name in ("tests/test_a.py", "scripts/run.py")}
    assert {("./tests/test_a.py", "BE020"), ("./scripts/run.py", "BE014")} <= before
    write_project(tmp_path, '[tool.flake8-backend.per-file-ignores]\n'
                            '"tests/**" = ["BE020"]\n"scripts/*.py" = ["requests-without-timeout"]')
    assert before - check_codes() == {("./tests/test_a.py", "BE020"),
                                      ("./scripts/run.py", "BE014")}
    for name, gone in (("tests/test_a.py", "BE020"), ("scripts/run.py", "BE014")):
        for hits in (flake8_hits(tmp_path / name), pylint_hits(tmp_path / name)):
            assert {code for _, code in hits} == per_file[name] - {gone}


def test_config_option_names_the_table_file(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "m.py").write_text(SELECTION_SOURCE, encoding="utf-8")
    (tmp_path / "lint.toml").write_text('[tool.flake8-backend]\ndisable = ["BE0"]\n',
                                        encoding="utf-8")
    assert run_check(capsys, "--config", "lint.toml", "m.py")[:2] == (0, "")
    code, _, err = run_check(capsys, "--config", "nowhere.toml", "m.py")
    assert code == 2 and err == "flake8-backend: --config nowhere.toml: no such file\n"


@pytest.mark.parametrize(("pattern", "path", "is_dir", "ignored"), [
    ("*.py", "a/b/c.py", False, True),
    ("/top.py", "top.py", False, True),
    ("/top.py", "sub/top.py", False, False),
    ("build/", "build", True, True),
    ("build/", "build", False, False),
    ("docs/*.py", "docs/x.py", False, True),
    ("docs/*.py", "docs/sub/x.py", False, False),
    ("**/gen", "a/b/gen", True, True),
    ("gen/**", "gen/a/b.py", False, True),
    ("a/**/b.py", "a/b.py", False, True),
    ("a/**/b.py", "a/x/y/b.py", False, True),
    ("file[0-9].py", "file7.py", False, True),
    ("file[!0-9].py", "file7.py", False, False),
    ("\\#hash.py", "#hash.py", False, True),
    ("# a comment", "# a comment", False, False),
    ("trailing.py   ", "trailing.py", False, True),
])
def test_gitignore_patterns(tmp_path, pattern, path, is_dir, ignored):
    from flake8_backend.discovery import GitIgnore, parse_gitignore

    rules = parse_gitignore(str(tmp_path), pattern + "\n")
    assert GitIgnore.ignored(str(tmp_path / path), is_dir, rules) is ignored


def test_gitignore_negation_and_nested_files(tmp_path):
    from flake8_backend.discovery import GitIgnore, parse_gitignore

    rules = parse_gitignore(str(tmp_path), "*.py\n!keep.py\n")
    rules += parse_gitignore(str(tmp_path / "sub"), "keep.py\n")
    assert GitIgnore.ignored(str(tmp_path / "keep.py"), False, rules) is False
    assert GitIgnore.ignored(str(tmp_path / "sub" / "keep.py"), False, rules) is True
    assert GitIgnore.ignored(str(tmp_path / "other.py"), False, rules) is True


@pytest.mark.parametrize("path", ["a/b.py", "build/x.py", ".git/c.py", "pkg/x.egg/y.py",
                                  "deep/__pycache__/z.py", "weird[1]/q.py", "Ab.PY", "."])
def test_exclude_matching_is_flake8s_fnmatch_per_pattern(path):
    """One compiled regex per pattern list answers as flake8's pattern-by-pattern loop."""
    import fnmatch
    import os

    from flake8_backend.discovery import DEFAULT_EXCLUDE, matches_exclude

    for patterns in (DEFAULT_EXCLUDE, ("build", "*.egg", "weird[1]"), ("*.PY",),
                     (os.path.abspath("deep"),)):
        base = os.path.basename(path)
        expected = (base not in {".", ".."} and any(fnmatch.fnmatch(base, p) for p in patterns)
                    ) or any(fnmatch.fnmatch(os.path.abspath(path), p) for p in patterns)
        assert matches_exclude(path, patterns) == expected, (path, patterns)


@pytest.mark.parametrize("data", [
    b"x = 1\n", b"", b"\n\n# coding: latin-1\n", b"# coding: latin-1\nx = '\xe9'\n",
    b"#!/usr/bin/env python\n# -*- coding: cp1252 -*-\n", b"\xef\xbb\xbfx = 1\n",
    b"x = '\xff'\n", b"# vim: set fileencoding=utf-8 :\n", b"# coding: nonsense\n",
    b"x = 1\r# coding: latin-1\r",
])
def test_read_source_decodes_as_detect_encoding_does(tmp_path, data):
    """The fast path for files without a cookie or BOM reads what tokenize would."""
    import io
    import tokenize

    path = tmp_path / "m.py"
    path.write_bytes(data)
    try:
        expected = data.decode(tokenize.detect_encoding(io.BytesIO(data).readline)[0])
    except (SyntaxError, UnicodeError, LookupError):
        expected = data.decode("latin-1")
    expected = expected.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    assert read_source(str(path)) == expected
