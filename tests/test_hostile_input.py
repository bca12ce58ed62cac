"""Hostile input: whatever a file contains, the engine and both front ends must not crash.

A plugin exception aborts a whole flake8 or pylint run in CI, so one odd file in a
repository must cost at most that file's findings. Every case goes through the
engine with FLAKE8_BACKEND_RAISE=1 (nothing is swallowed); the nastiest files also
go through the real flake8 and pylint command lines, in one run of each.

Parser limits recorded here (CPython 3.10-3.13): 200 nested brackets (`(`, `[`, `{`,
calls) and 100 indentation levels are hard limits ("too many nested parentheses",
"too many levels of indentation"); unbracketed chains (`a + a + ...`, `a.b.c...`,
`f()()...`, `----x`, `elif` chains) are limited by the AST depth guard instead: about
3,000 on 3.11/3.12 (3.11 scales it with the recursion limit, so 10,000 parses with a
raised limit; 3.12 does not), 6,000-10,000 on 3.13, none on 3.10; `lambda: lambda: ...`
and 10,000 unbracketed unary operators hit the parser stack (MemoryError) instead.
"""

from __future__ import annotations

import ast
import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Callable

import pytest

from flake8_backend.config import build_settings
from flake8_backend.engine import lint_source as _lint_source
from flake8_backend.engine import lint_tree as _lint_tree
from flake8_backend.engine import parse_source

# BE001 and BE002 are opt-in; these tests attack them as the engine's deepest checks.
SQL_ON = build_settings({"enable": ["BE001", "BE002", "BE014"]})


def lint_source(source, filename="<unknown>", settings=None):
    """The engine with the SQL rules on, unless a test passes its own settings."""
    return _lint_source(source, filename, settings or SQL_ON)


def lint_tree(tree, source, settings=None, filename="<unknown>"):
    return _lint_tree(tree, source, settings or SQL_ON, filename)


ROOT = Path(__file__).resolve().parents[1]
DEEP = 10_000
PYLINT_CHECKS = "sql-fstring,requests-without-timeout,bare-except-handler"
# Every option at its most reporting value: the code paths behind each option run too.
LOUD = build_settings({"enable": ["BE"], "bare-except-strict": True, "forwarded-kwargs": "flag",
                       "extend-session-factories": ["a.b", "x"], "sql-safe-names": ["y"]})


@pytest.fixture(autouse=True)
def _raise_internal_errors(monkeypatch):
    monkeypatch.setenv("FLAKE8_BACKEND_RAISE", "1")


# Expectations name these rules only; every registered rule still runs on every case.
CHECKED = ("BE001", "BE014", "BE020")


def hits(findings) -> list[tuple[int, str]]:
    return [(f.line, f.code) for f in findings if f.code in CHECKED]


@contextlib.contextmanager
def recursion_limit(limit: int):
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(limit)
    try:
        yield
    finally:
        sys.setrecursionlimit(old)


def parse_deep(source: str) -> ast.Module | None:
    """`ast.parse` with room for 10,000-deep trees (3.11 ties its AST guard to the limit)."""
    with recursion_limit(max(sys.getrecursionlimit(), 12_000)):
        try:
            return ast.parse(source)
        except (SyntaxError, ValueError, MemoryError, RecursionError):
            return None


# -- unparsable input ------------------------------------------------------------------
SYNTAX_ERRORS = {
    "unclosed-paren": "import requests\nrequests.get(url\n",
    "unterminated-string": "import requests\nrequests.get('url)\n",
    "unterminated-triple-quote": 'import requests\nrequests.get(url)\nx = """never closed\n',
    "unterminated-fstring": "cur.execute(f\"SELECT {x\")\n",
    "invalid-token": "import requests\nrequests.get(url) $ 1\n",
    "bad-def": "def f(:\n    pass\n",
    "unexpected-indent": "import requests\n    requests.get(url)\n",
    "dedent-mismatch": "if x:\n    pass\n  pass\n",
    "tab-space-mix": "if x:\n\tpass\n        pass\n",
    "except-without-try": "except:\n    pass\n",
    "backslash-at-eof": "x = 1 \\",
    "finding-before-error": "import requests\nrequests.get(url)\ndef broken(\n",
    "keyword-as-name": "class = 1\n",
    "walrus-at-statement-level": "x := 1\n",
    "vertical-tab": "import requests\nx = 1 \x0b\nrequests.get(url)\n",
    "nul-byte-str": "import requests\x00\nrequests.get(url)\n",
    "lone-surrogate-str": "import requests\nx = '\ud800'\nrequests.get(url)\n",
    "bom-then-latin1-cookie": b"\xef\xbb\xbf# coding: latin-1\nimport requests\nrequests.get(u)\n",
    "unknown-cookie": b"# coding: nonsense\nimport requests\nrequests.get(url)\n",
    "utf16-cookie": b"# coding: utf-16\nimport requests\nrequests.get(url)\n",
    "non-utf8-no-cookie": b"import requests\nx = '\xe9\xff'\nrequests.get(url)\n",
    "nul-byte-bytes": b"import requests\x00\nrequests.get(url)\n",
    "deep-blocks-200": "".join(" " * i + "if x:\n" for i in range(200)) + " " * 200 + "pass\n",
}


@pytest.mark.parametrize("source", SYNTAX_ERRORS.values(), ids=SYNTAX_ERRORS)
def test_unparsable_input_yields_nothing(source):
    """Input Python itself rejects is not ours to report: no findings, no exception."""
    assert parse_source(source) is None
    assert lint_source(source) == []


def test_deep_blocks_10000_rejected_cleanly():
    """10,000 nested blocks (a 50 MB file): the tokenizer stops at 100 levels; clean []."""
    source = "".join(" " * i + "if x:\n" for i in range(DEEP)) + " " * DEEP + "pass\n"
    started = time.perf_counter()
    assert lint_source(source) == []
    assert lint_source("".join(" " * i + "if x:\n" for i in range(100)) + " " * 100 + "y\n") == []
    assert time.perf_counter() - started < 10


PARSES_BUT_DOES_NOT_COMPILE = {
    # ast.parse accepts these; the compiler would reject them later.
    "return-await-yield-at-module-level":
        "return 1\nawait x\nyield 2\nimport requests\nrequests.get(url)\n",
    "nonlocal-at-module-level": "nonlocal q\nimport requests\nrequests.get(url)\n",
    "break-outside-loop": "break\nimport requests\nrequests.get(url)\n",
}


@pytest.mark.parametrize("source", PARSES_BUT_DOES_NOT_COMPILE.values(),
                         ids=PARSES_BUT_DOES_NOT_COMPILE)
def test_parses_but_does_not_compile(source):
    """Trees the compiler would refuse still reach the rules; they must cope."""
    assert hits(lint_source(source)) == [(source.count("\n"), "BE014")]


# -- encodings, line endings, odd characters ----------------------------------------------
BODY = "import requests\nrequests.get(url)\ntry:\n    pass\nexcept:\n    pass\n"
BODY_HITS = [(2, "BE014"), (5, "BE020")]
LATIN1 = ("# -*- coding: latin-1 -*-\nimport requests\nname = 'caf\xe9 \xff'\n"
          "requests.get(name)  # \xe9\n").encode("latin-1")

TEXT_CASES = {
    "crlf": (BODY.replace("\n", "\r\n").encode(), BODY_HITS),
    "lone-cr": (BODY.replace("\n", "\r").encode(), BODY_HITS),
    "mixed-eol": (b"import requests\r\nrequests.get(url)\rx = 1\nrequests.get(url)", [
        (2, "BE014"), (4, "BE014")]),
    "utf8-bom": (b"\xef\xbb\xbf" + BODY.encode(), BODY_HITS),
    "latin1-cookie": (LATIN1, [(4, "BE014")]),
    "cp1252-cookie-line-2": (b"#!/usr/bin/env python\n# vim: set fileencoding=cp1252 :\n"
                             b"import requests\nrequests.get('\x80')\n", [(4, "BE014")]),
    "tabs": (b"import requests\ndef f():\n\tif x:\n\t\trequests.get(url)\n", [(4, "BE014")]),
    "form-feed": (b"import requests\n\x0c\ndef f():\n\x0c    requests.get(url)\n", [
        (4, "BE014")]),
    "unicode-line-separators": (
        "import requests\n# a\u2028b\x85c\u2029d\nx = 'e\u2028f'\nrequests.get(url)\n".encode(),
        [(4, "BE014")]),
    "non-ascii-identifiers": ("import requests as r\u00e9q\nd\u00e9f = r\u00e9q.get(url)\n"
                              .encode(), [(2, "BE014")]),
    "no-trailing-newline": (b"import requests\nrequests.get(url)", [(2, "BE014")]),
    "continuation-lines": (b"import requests\nrequests.get(\\\n    url)\n", [(2, "BE014")]),
    "one-megabyte-line": (b"import requests\nrequests.get('" + b"a" * 1_000_000 + b"')\n", [
        (2, "BE014")]),
    "empty": (b"", []),
    "only-comments": (b"# just a comment\n#!/not/a/shebang\n# coding: utf-8\n# TODO\n", []),
    "only-whitespace": (b" \n\t\n\x0c\n\r\n   ", []),
    "only-a-docstring": (b'"""Nothing to see: requests.get(url), cur.execute(f"{x}")."""\n', []),
    "hundred-thousand-blank-lines": (b"\n" * 100_000 + b"import requests\nrequests.get(url)\n",
                                     [(100_002, "BE014")]),
}


@pytest.mark.parametrize(("data", "expected"), TEXT_CASES.values(), ids=TEXT_CASES)
def test_text_oddities_keep_findings(data, expected):
    """Encodings and line endings must not move or lose findings, as bytes or as text."""
    assert hits(lint_source(data)) == expected
    text = parse_source(data)[1]
    assert hits(lint_source(text)) == expected


# -- deep and long trees --------------------------------------------------------------
def _fstring_chain(n: int) -> str:
    return "def f(cur, x):\n    cur.execute(" + " + ".join(['f"SELECT {x}"'] * n) + ")\n"


def _elif_chain(n: int) -> str:
    return ("import requests\nif a:\n    pass\n"
            + "elif b:\n    requests.get(url)\n" * n)


def _reraise_elif_chain(n: int) -> str:
    return ("def f():\n    try:\n        pass\n    except:\n        if a:\n            raise\n"
            + "        elif b:\n            raise\n" * n + "        else:\n            return\n")


# name -> (source for depth n, expected findings for depth n or None when only "no crash")
DEEP_CASES: dict[str, tuple[Callable[[int], str], Callable[[int], list] | None]] = {
    "plus-chain": (lambda n: "x = " + " + ".join(["1"] * n) + "\n", lambda n: []),
    "unary-chain": (lambda n: "x = " + "-" * n + "1\n", lambda n: []),
    "not-chain": (lambda n: "x = " + "not " * n + "y\n", lambda n: []),
    "call-chain": (lambda n: "x = f" + "()" * n + "\n", lambda n: []),
    "attribute-chain-session-receiver": (
        lambda n: "import requests\ns = requests.Session()\ns" + ".a" * n + ".get(url)\n",
        lambda n: []),
    "attribute-chain-module-receiver": (
        lambda n: "import requests\nrequests" + ".a" * n + ".get(url)\n", lambda n: []),
    "attribute-chain-self-receiver": (
        lambda n: ("import requests\nclass C:\n    def m(self):\n"
                   "        self.s = requests.Session()\n        self" + ".s" * n + ".get(u)\n"),
        lambda n: []),
    "attribute-chain-execute-arg": (lambda n: "cur.execute(a" + ".b" * n + ")\n", lambda n: []),
    "attribute-chain-in-fstring": (
        lambda n: 'cur.execute(f"SELECT {a' + ".b" * n + '}")\n', lambda n: [(1, "BE001")]),
    "django-manager-chain": (
        lambda n: "Model" + ".objects" * n + ".raw(f'SELECT {x}')\n", lambda n: [(1, "BE001")]),
    "call-chain-receiver": (
        lambda n: "x" + "()" * n + ".raw(f'select {x}')\n", lambda n: [(1, "BE001")]),
    "subscript-chain-in-fstring": (
        lambda n: 'cur.execute(f"SELECT {a' + "[0]" * n + '}")\n', lambda n: [(1, "BE001")]),
    "slice-chain-in-fstring": (
        lambda n: 'cur.execute(f"SELECT {A' + "[1:]" * n + '}")\n', lambda n: [(1, "BE001")]),
    "method-chain-on-fstring": (
        lambda n: "cur.execute(f'SELECT {x}'" + ".strip()" * n + ")\n", None),
    "percent-chain": (lambda n: "cur.execute(" + " % ".join(['f"{x}"'] * n) + ")\n", None),
    "elif-chain": (_elif_chain, lambda n: [(3 + 2 * i, "BE014") for i in range(1, n + 1)]),
    "reraise-elif-chain-with-return": (_reraise_elif_chain, lambda n: [(4, "BE020")]),
    "lambda-chain": (lambda n: "f = " + "lambda: " * n + "cur.execute(f'SELECT {x}')\n",
                     lambda n: [(1, "BE001")]),
    "assignment-chain": (
        lambda n: "q0 = f'SELECT {x}'\n" + "".join(
            f"q{i} = q{i - 1} + ' '\n" for i in range(1, n)) + f"cur.execute(q{n - 1})\n",
        None),
}
DEPTHS = (DEEP, 5_000, 2_000, 1_000)
# The engine skips checks whose words are absent; this trailer makes every check walk the tree.
EVERY_CHECK = "# requests execute except: every check is dispatched\n"


def _deepest(make: Callable[[int], str], depths: tuple[int, ...] = DEPTHS,
             ) -> tuple[int, str, ast.Module]:
    """The deepest of `depths` this interpreter's parser accepts (10,000 where it can)."""
    for depth in depths:
        source = make(depth) + EVERY_CHECK
        tree = parse_deep(source)
        if tree is not None:
            return depth, source, tree
    pytest.fail(f"the parser rejects even {depths[-1]} levels")


@pytest.mark.parametrize("name", DEEP_CASES)
def test_deep_trees(name, capsys, pytestconfig):
    """Deep trees: expected findings, quickly, and independent of the recursion limit.

    The engine walks iteratively; a recursive helper would crash on exactly the
    generated or minified code that reaches these depths. The tree is built first
    (with room to build it), then linted with the recursion limit at 200.
    """
    make, expect = DEEP_CASES[name]
    depth, source, tree = _deepest(make)
    started = time.perf_counter()
    found = lint_tree(tree, source)
    elapsed = time.perf_counter() - started
    if expect is not None:
        assert hits(found) == expect(depth)
    assert elapsed < 5, f"{name} at depth {depth}: {elapsed:.1f}s"
    with recursion_limit(200):
        assert lint_tree(tree, source) == found
        assert set(found) <= set(lint_tree(tree, source, LOUD))
    # At the default limit the parser may refuse the file: then nothing, never an exception.
    assert lint_source(source) in ([], found)
    if pytestconfig.getoption("verbose") > 0:  # the figures, with -v only
        with capsys.disabled():
            print(f"\n  {name}: depth {depth}, {len(found)} findings, {elapsed:.3f}s", end="")


# 3.12+ tokenizes f-strings (PEP 701): the `{` of an interpolation counts as a bracket.
_FB = 2 if sys.version_info >= (3, 12) else 1
BRACKET_NESTING = {
    "nested-lists": lambda n: "x = " + "[" * n + "]" * n + "\n",
    "nested-parenthesized-unary": lambda n: "x = " + "-(" * n + "1" + ")" * n + "\n",
    "nested-calls-in-execute": lambda n: "cur.execute(" + "f(" * (n - 1) + "x"
                                         + ")" * (n - 1) + ")\n",
    "nested-dicts": lambda n: "x = " + "{1: " * n + "1" + "}" * n + "\n",
    "nested-str-in-fstring": lambda n: 'cur.execute(f"SELECT {' + "str(" * (n - _FB) + "x"
                                       + ")" * (n - _FB) + '}")\n',
    "nested-format-calls": lambda n: "cur.execute(f'SELECT {x}' + " + "'{}'.format(" * (n - 1)
                                     + "x" + ")" * n + "\n",
}


@pytest.mark.parametrize("name", BRACKET_NESTING)
def test_bracket_nesting_limit(name):
    """200 nested brackets parse and lint; 201 and 10,000 are refused by the parser, cleanly."""
    def make(depth: int) -> str:
        return BRACKET_NESTING[name](depth) + EVERY_CHECK

    source = make(200)
    tree = ast.parse(source)
    with recursion_limit(200):
        found = lint_tree(tree, source)
    assert lint_source(source) == found
    for depth in (201, DEEP):
        assert parse_source(make(depth)) is None
        assert lint_source(make(depth)) == []


@pytest.mark.parametrize("pieces", [2, 200, 256, 257, 1_000, DEEP])
def test_fstring_plus_chain_reports_once_and_quickly(pieces):
    """A generated query of up to 10,000 `f"..." + f"..."` pieces: one BE001, not one per
    piece, and quickly (the walk over a `+` chain is bounded; it once lost the finding
    past 256 pieces). Depths the parser here refuses fall back to the deepest it takes."""
    depth, source, tree = _deepest(_fstring_chain, (pieces, *[d for d in DEPTHS if d < pieces]))
    started = time.perf_counter()
    found = lint_tree(tree, source)
    assert time.perf_counter() - started < 2
    assert hits(found) == [(2, "BE001")]
    assert lint_source(source) in ([], found)


def test_deep_subscript_interpolation():
    """`f"{a[0][0]...[0]}"`, which the parser accepts at the default limit: no recursion."""
    source = 'cur.execute(f"SELECT {a' + "[0]" * 2_000 + '}")\n'
    assert hits(lint_source(source)) == [(1, "BE001")]


# -- big input --------------------------------------------------------------------------
_HEADER = ("import logging\nimport requests\nfrom sqlalchemy import text\n\n"
           "log = logging.getLogger(__name__)\nTIMEOUT = (3.05, 27)\n")
_CHUNK = '''

class OrderRepo{i}:
    """Repository {i}: one unsafe query, one session without timeout, one bare except."""

    def __init__(self, conn, base_url):
        self.conn = conn
        self.base_url = base_url
        self.session = requests.Session()

    def find(self, order_id: int):
        cur = self.conn.cursor()
        cur.execute("SELECT * FROM orders WHERE id = %s", (order_id,))
        return cur.fetchone()

    def search(self, term):
        cur = self.conn.cursor()
        query = f"SELECT * FROM orders_{i} WHERE note LIKE '%{{term}}%'"
        cur.execute(query)
        return cur.fetchall()

    def sync(self, payload):
        try:
            resp = self.session.post(self.base_url + "/sync", json=payload)
            resp.raise_for_status()
        except:
            log.exception("sync failed")
            return None
        return requests.get(self.base_url + "/status", timeout=TIMEOUT).json()

    def cleanup(self):
        try:
            self.conn.commit()
        except:
            self.conn.rollback()
            raise

    def count(self, table_id: int):
        return self.conn.execute(text(f"SELECT count(*) FROM t{{table_id:d}}")).scalar()


def helper_{i}(rows, limit=10):
    total = 0
    for row in rows[:limit]:
        total += len(row) if row else 0
    data = {{"k{i}": [r for r in rows if r], "n": total}}
    return sorted(data.items(), key=lambda kv: kv[0])
'''


def test_five_megabyte_file(capsys, pytestconfig):
    """A ~5 MB module of realistic code: exactly the planted findings, in bounded time."""
    chunks = 5 * 1024 * 1024 // len(_CHUNK) + 1
    source = _HEADER + "".join(_CHUNK.format(i=i) for i in range(chunks))
    started = time.perf_counter()
    found = lint_source(source)
    elapsed = time.perf_counter() - started
    counts = Counter(code for _, code in hits(found))
    assert counts == {"BE001": chunks, "BE014": chunks, "BE020": chunks}
    assert elapsed < 60
    if pytestconfig.getoption("verbose") > 0:  # the figures, with -v only
        with capsys.disabled():
            print(f"\n  5 MB file: {len(source) / 1e6:.1f} MB, {chunks} classes, "
                  f"{len(found)} findings in {elapsed:.1f}s", end="")


# -- newer syntax -----------------------------------------------------------------------
NEW_SYNTAX = {
    "soft-keywords-as-names": ((3, 10), """\
import requests
match, case, type, _ = 1, 2, 3, 4
print(match, case, type, _)
requests.get(match)
""", [(4, "BE014")]),
    "match-with-captures": ((3, 10), """\
import requests

def handle(cmd, cur):
    match cmd:
        case {"id": ident, **rest}:
            cur.execute(f"DELETE FROM t WHERE id = {ident}")
        case [first, *others] if others:
            requests.post(first)
        case Point(x=px) | Other(px) as matched:
            return px, matched
        case str() | bytes() as raw:
            try:
                return raw
            except:
                return None
        case _:
            pass
""", [(6, "BE001"), (8, "BE014"), (14, "BE020")]),
    "except-star": ((3, 11), """\
import requests
try:
    requests.get(url)
except* (ValueError, TypeError) as group:
    requests.get(url, timeout=None)
except* OSError:
    pass
""", [(3, "BE014"), (5, "BE014")]),
    "pep695-type-alias": ((3, 12), """\
import requests
type Alias[T] = list[T]
type Query = str
requests.get(url)
""", [(4, "BE014")]),
    "pep695-generic-def": ((3, 12), """\
def run[T: (int, str), *Ts, **P](cur, x: T) -> T:
    cur.execute(f"SELECT {x}")
    return x
""", [(2, "BE001")]),
    "pep695-generic-class": ((3, 12), """\
import requests

class Client[T]:
    def fetch[U](self, url: U) -> None:
        self.session = requests.Session()
        self.session.get(url)
""", [(6, "BE014")]),
    "pep701-fstrings": ((3, 12), """\
def q(cur, names, x):
    cur.execute(f"SELECT {", ".join(names)} FROM t WHERE a = {x!r:>{10}}")
    cur.execute(f"SELECT {f"{f"{x}"}"}")
""", [(2, "BE001"), (3, "BE001")]),
    "pep696-type-param-defaults": ((3, 13), """\
import requests
def get[T = int](url: T) -> None:
    requests.get(url)
""", [(3, "BE014")]),
}


@pytest.mark.parametrize("name", NEW_SYNTAX)
def test_new_syntax_on_this_interpreter(name):
    """Syntax added since 3.10 parses where the interpreter supports it, and rules still fire."""
    minimum, source, expected = NEW_SYNTAX[name]
    if sys.version_info < minimum:
        assert lint_source(source) == []
        pytest.skip(f"needs Python {'.'.join(map(str, minimum))}")
    assert hits(lint_source(source)) == expected


_NEW_PYTHON_SCRIPT = """\
import json, os, sys
sys.path.insert(0, sys.argv[1])
os.environ["FLAKE8_BACKEND_RAISE"] = "1"
from flake8_backend.config import build_settings
from flake8_backend.engine import lint_source
sql_on = build_settings({"enable": ["BE001", "BE002", "BE014"]})
cases = json.load(sys.stdin)
out = {"version": list(sys.version_info[:2]),
       "front_ends_imported": sorted({"flake8", "pylint", "astroid"} & set(sys.modules)),
       "results": {}}
for name, (minimum, source) in cases.items():
    if tuple(sys.version_info[:2]) >= tuple(minimum):
        out["results"][name] = [[f.line, f.code] for f in lint_source(source, "<unknown>", sql_on)]
print(json.dumps(out))
"""


def _newest_python() -> str | None:
    candidates = [shutil.which(name) for name in ("python3.12", "python3.13", "python3.14")]
    candidates += sorted(Path.home().glob(".pyenv/versions/3.1[2-9].*/bin/python"),
                         key=lambda p: tuple(int(n) for n in p.parts[-3].split(".")[:2]))
    found = [str(c) for c in candidates if c]
    return found[-1] if found else None


def test_new_syntax_on_newest_interpreter():
    """3.12+ syntax really reaches the engine, which runs there with the stdlib alone."""
    python = _newest_python()
    if python is None:
        pytest.skip("no Python 3.12+ interpreter found")
    if not (ROOT / "flake8_backend" / "engine.py").is_file():
        pytest.skip("source tree not available")
    cases = {name: [list(minimum), source] for name, (minimum, source, _) in NEW_SYNTAX.items()}
    run = subprocess.run([python, "-I", "-c", _NEW_PYTHON_SCRIPT, str(ROOT)],
                         input=json.dumps(cases), capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    assert tuple(out["version"]) >= (3, 12)
    assert out["front_ends_imported"] == []
    expected = {name: [list(hit) for hit in NEW_SYNTAX[name][2]] for name in out["results"]}
    assert out["results"] == expected
    assert "pep695-generic-def" in out["results"]


# -- the real front ends ----------------------------------------------------------------
PY312 = NEW_SYNTAX["pep695-generic-class"][1]
# file name -> (bytes, expected hits from both front ends; "E999" stands for a syntax error)
FRONT_END_FILES = {
    "syntax_error.py": (b"import requests\nrequests.get(url\n", {"E999"}),
    "deep_blocks.py": (SYNTAX_ERRORS["deep-blocks-200"].encode(), {"E999"}),
    "nul_bytes.py": (SYNTAX_ERRORS["nul-byte-bytes"], {"E999"}),
    "latin1_cookie.py": (LATIN1, {(4, "BE014")}),
    "utf8_bom.py": (TEXT_CASES["utf8-bom"][0], set(BODY_HITS)),
    "crlf.py": (TEXT_CASES["crlf"][0], set(BODY_HITS)),
    "lone_cr.py": (TEXT_CASES["lone-cr"][0], set(BODY_HITS)),
    "tabs.py": (TEXT_CASES["tabs"][0], {(4, "BE014")}),
    "empty.py": (b"", set()),
    "comments_only.py": (TEXT_CASES["only-comments"][0], set()),
    "fstring_chain.py": (_fstring_chain(200).encode(), {(2, "BE001")}),
    "py312_syntax.py": (PY312.encode(),
                        {(6, "BE014")} if sys.version_info >= (3, 12) else {"E999"}),
    # Not asserted per file (decoding differs by design), only "no crash":
    "non_utf8.py": (SYNTAX_ERRORS["non-utf8-no-cookie"], None),
}
if sys.version_info < (3, 11):
    # flake8 itself dies on NUL bytes there (`compile` raises ValueError, which its parse
    # does not catch) and takes the whole run down; the engine's E999-free handling of NUL
    # bytes is tested above on every version.
    del FRONT_END_FILES["nul_bytes.py"]
# `# noqa` on a line after a form feed, U+2028, NEL or FS: flake8 reports line 4 only.
_NOQA_THEN_REPORT = "requests.get(u)  # noqa: BE014\nrequests.get(v)\n"
NOQA_AFTER_LINE_BREAKERS = {
    "form_feed_noqa.py": ("import requests\n\x0c\n" + _NOQA_THEN_REPORT).encode(),
    "u2028_noqa.py": ("import requests\n# a\u2028b\n" + _NOQA_THEN_REPORT).encode(),
    "nel_fs_noqa.py": ("import requests\nx = 'a\x85b\x1cc'\n" + _NOQA_THEN_REPORT).encode(),
}
_LINE = re.compile(r"^(?P<path>[\w.]+):(?P<line>\d+):(?P<col>\d+): (?P<code>\w+) ")


def _env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("FLAKE8_BACKEND_RAISE", "FLAKE8_BACKEND_CONFIG")}
    env["PYLINTHOME"] = str(tmp / "pylint-home")
    return env


def _flake8(paths: list[str], cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "flake8", "--select=BE,E999", *args, *paths],
                          cwd=cwd, env=_env(cwd), capture_output=True, text=True, timeout=300)


def _pylint(paths: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pylint", "--load-plugins=pylint_backend", "--disable=all",
         f"--enable={PYLINT_CHECKS}", "--persistent=n",
         "--msg-template={path}:{line}:{column}: {msg_id} {msg}", *paths],
        cwd=cwd, env=_env(cwd), capture_output=True, text=True, timeout=300)


def _by_file(output: str) -> dict[str, set]:
    found: dict[str, set] = {}
    for line in output.splitlines():
        match = _LINE.match(line)
        if not match:
            continue
        code = match["code"]
        if code in ("E999", "E0001", "F0010"):  # flake8; pylint syntax-error, parse-error
            hit = "E999"
        else:  # flake8 prints the BE code; pylint an id like W7314, then the message
            code = code if code.startswith("BE") else line[match.end():].split()[0]
            if code not in CHECKED:
                continue
            hit = (int(match["line"]), code)
        found.setdefault(match["path"], set()).add(hit)
    return found


def _no_crash(run: subprocess.CompletedProcess) -> None:
    output = run.stdout + run.stderr
    assert "Traceback" not in output, output[-3000:]
    assert "flake8-backend: internal error" not in output, output[-3000:]


@pytest.fixture(scope="module")
def front_ends(tmp_path_factory):
    """One flake8 run and one pylint run over every nasty file (each costs about a second)."""
    folder = tmp_path_factory.mktemp("hostile")
    files = {**FRONT_END_FILES, **NOQA_AFTER_LINE_BREAKERS}
    for name, data in files.items():
        (folder / name).write_bytes(data[0] if isinstance(data, tuple) else data)
    (folder / "pyproject.toml").write_text(  # the SQL rules and BE014 are opt-in
        '[tool.flake8-backend]\nenable = ["BE001", "BE002", "BE014"]\n', encoding="utf-8")
    names = sorted(files)
    return _flake8(names, folder), _pylint(names, folder)


def test_front_ends_do_not_crash(front_ends):
    """Neither CLI prints a traceback or our internal-error line; exit codes mean findings."""
    flake8, pylint = front_ends
    _no_crash(flake8)
    _no_crash(pylint)
    assert flake8.returncode == 1  # 1: findings were reported
    assert pylint.returncode & ~(1 | 2 | 4) == 0  # fatal/error/warning bits only, no usage error
    assert pylint.returncode & 2 and pylint.returncode & 4


@pytest.mark.parametrize("name", [n for n, (_, hit) in FRONT_END_FILES.items() if hit is not None])
def test_front_ends_report_expected(front_ends, name):
    """Both front ends agree with the engine, and leave syntax errors to flake8/pylint."""
    flake8, pylint = front_ends
    expected = FRONT_END_FILES[name][1]
    assert _by_file(flake8.stdout).get(name, set()) == expected, flake8.stdout
    assert _by_file(pylint.stdout).get(name, set()) == expected, pylint.stdout
    if "E999" not in expected:
        assert {hit for hit in hits(lint_source(FRONT_END_FILES[name][0]))} == expected


@pytest.mark.parametrize("name", NOQA_AFTER_LINE_BREAKERS)
def test_flake8_noqa_after_line_breakers(front_ends, name):
    """flake8 numbers lines like `ast`; a form feed or U+2028 is not a line break."""
    assert _by_file(front_ends[0].stdout).get(name) == {(4, "BE014")}


@pytest.mark.parametrize("name", NOQA_AFTER_LINE_BREAKERS)
def test_pylint_noqa_after_line_breakers(front_ends, name):
    """pylint must apply `# noqa` to the same line flake8 does."""
    assert _by_file(front_ends[1].stdout).get(name) == {(4, "BE014")}


def test_front_ends_on_trees_too_deep_for_them(tmp_path):
    """Files that crash flake8's own parse, pyflakes or astroid: none of it comes from us.

    flake8 7.5 does not catch RecursionError from its `ast.parse` and prints a traceback;
    pyflakes and astroid give up near 1,000 levels. The point here is that no frame of
    the traceback is ours and our safety net never fires.
    """
    files = {
        "deep_plus.py": "x = " + " + ".join(["1"] * DEEP) + "\n",
        "deep_attribute.py": "import requests\nrequests" + ".a" * 2_000 + ".get(url)\n",
        "long_fstring_chain.py": _fstring_chain(DEEP),  # too deep for flake8 on 3.11/3.12
    }
    for name, source in files.items():
        (tmp_path / name).write_text(source)
    # -j1: a flake8 worker process that dies of RecursionError can leave flake8's pool
    # waiting forever (seen once in CI); in one process the same traceback is printed.
    for run in (_flake8(sorted(files), tmp_path, "-j1"), _pylint(sorted(files), tmp_path)):
        output = run.stdout + run.stderr
        assert "flake8-backend: internal error" not in output
        assert not re.search(r'File "[^"]*(flake8|pylint)_backend', output), output[-3000:]
        assert run.returncode != 0  # the tools do refuse these files
