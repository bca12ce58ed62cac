"""Property-based fuzzing: generated programs never crash the engine, and lint deterministically.

hypothesmith writes programs no human would (odd nesting, every node type, strange
but valid tokens), which is where an unguarded `node.attr` or a recursion hides.
Random programs almost never contain `requests` or `execute`, so the engine's text
prefilter would skip every rule; the mixed strategy therefore plants rule triggers
inside generated code and fills their holes with generated expressions. Every
example is also linted with the engine's shortcuts off, which must change nothing.

Budget: FUZZ_EXAMPLES examples per test (default 200); CI=1 derandomizes the run;
FUZZ_TARGET=1 turns on hypothesmith's auto-targeting (bigger programs, about 3x slower per
example, and it leaves its largest examples in .hypothesis/, which later runs replay).
Run `pytest tests/test_fuzz.py --hypothesis-show-statistics` to see counts and events.
"""

from __future__ import annotations

import ast
import os
import re
import textwrap

import hypothesmith
import pytest
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st

from flake8_backend.config import build_settings
from flake8_backend.engine import lint_source, lint_tree, parse_source
from flake8_backend.registry import RULES

pytestmark = [
    pytest.mark.fuzz,
    pytest.mark.filterwarnings("ignore::SyntaxWarning"),  # `"a" "b"()`, `1 is 1`, ...
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),  # invalid escapes on 3.11
]

FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "200")),
    deadline=None,
    derandomize=bool(os.environ.get("CI")),
    phases=[p for p in Phase if p is not Phase.explain],  # explaining costs minutes
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                           HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
)

SETTINGS = st.sampled_from([
    None,
    # every rule on (opt-in ones too), every option at its most reporting value
    build_settings({"enable": ["BE"], "bare-except-strict": True, "forwarded-kwargs": "flag",
                    "extend-session-factories": ["client.make", "x"], "sql-safe-names": ["y"]}),
    build_settings({"sql-constant-pattern": "^[a-z]$"}),
    build_settings({"disable": ["BE001", "BE020"]}),
])


_LINE_BREAK = re.compile(r"\r\n|\r|\n")
TARGET = os.environ.get("FUZZ_TARGET") == "1"
# Built once: each `from_grammar()` call compiles a LALR table (seconds). The mixed
# strategy never targets: targeting inside it grows the programs without bound.
GRAMMAR = hypothesmith.from_grammar(auto_target=TARGET)
PLAIN_GRAMMAR = hypothesmith.from_grammar(auto_target=False) if TARGET else GRAMMAR


@pytest.fixture(autouse=True, scope="module")
def _raise_internal_errors():
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FLAKE8_BACKEND_RAISE", "1")
        yield


def check(source: str, config=None) -> list:
    """Lint twice, then from a parsed tree (twice: the tree must not be mutated), all equal."""
    first = lint_source(source, settings=config)
    assert lint_source(source, settings=config) == first
    parsed = parse_source(source)
    if parsed is None:
        event("does not parse")
        assert first == []
        return first
    tree, text = parsed
    before = ast.dump(tree, include_attributes=True)
    assert lint_tree(tree, text, config) == first
    assert lint_tree(tree, text, config) == first
    assert ast.dump(tree, include_attributes=True) == before
    assert lint_tree(ast.parse(text), text, config) == first
    # the prefilter and the call gate are shortcuts: without them, the same findings
    assert lint_tree(tree, text, config, shortcuts=False) == first
    lines = len(_LINE_BREAK.split(text))  # as the tokenizer counts: \r\n, \r and \n only
    for finding in first:
        assert finding.code in RULES
        assert finding.message.startswith(finding.code + " ")
        assert "\n" not in finding.message
        assert 1 <= finding.line <= finding.end_line <= lines
        assert finding.col >= 0 and finding.end_col >= 0
        assert (finding.line, finding.col) <= (finding.end_line, finding.end_col)
    assert first == sorted(first)
    event(f"findings: {' '.join(sorted({f.code for f in first})) or 'none'}")
    return first


@FUZZ
@given(source=GRAMMAR, config=SETTINGS)
def test_grammar_programs(source, config):
    """Programs generated from the Python grammar."""
    check(source, config)


@FUZZ
@given(source=hypothesmith.from_node(auto_target=TARGET), config=SETTINGS)
def test_node_programs(source, config):
    """Programs generated from libcst node trees (more realistic structure than the grammar)."""
    check(source, config)


# -- generated code with rule triggers planted in it -------------------------------------
# `@` marks a hole for a generated expression, put in parentheses on lines of its own so
# that a trailing comment in the expression cannot swallow the closing bracket.
TRIGGERS = [
    "import requests\n",
    "import requests as rq\nrq.post(url, timeout=None)\n",
    "from requests import get, Session\nget(@)\n",
    "requests.get(@)\n",
    "requests.request('GET', @, **@)\n",
    "kw = {'timeout': @}\nrequests.get(url, **kw)\n",
    "requests.get(url, timeout=(@, None))\n",
    "s = requests.Session()\ns.mount('https://', Adapter(timeout=@))\ns.get(@)\n",
    "with requests.Session() as s:\n    s.get(@)\n",
    "s = @\ns.get(url)\n",
    'cur.execute(f"SELECT * FROM t WHERE id = {x}")\n',
    'cur.execute(f"SELECT {x}" + @)\n',
    'cur.execute(@ % f"{x}")\n',
    'x = @\ncur.execute(f"DELETE FROM t WHERE id = {x}")\n',
    'q = f"UPDATE {table} SET a = {x}"\nq += @\ncur.executemany(q, rows)\n',
    'q = @\nq += f" WHERE {x}"\ncur.execute(q.strip())\n',
    "cur.execute(', '.join(@).format(f'{x}'))\n",
    "from sqlalchemy import text\nconn.execute(text(f'SELECT {x} FROM {@}'))\n",
    "Model.objects.raw(f'select {x}')\nthing.fetch(f'{x}')\n",
    "pd.read_sql(sql=f'SELECT {x}', con=@)\n",
    "try:\n    pass\nexcept:\n    pass\n",
    "try:\n    @\nexcept:\n    cleanup()\n    raise\n",
    "try:\n    pass\nexcept:\n    if @:\n        raise\n    else:\n        return\n",
    "for _ in @:\n    try:\n        pass\n    except:\n        continue\n",
    "class Svc:\n    def __init__(self):\n        self.s = requests.Session()\n"
    "    def go(self):\n        return self.s.get(@)\n",
    "def helper(cur, x: int, *args, **kwargs):\n    cur.execute(f'SELECT {x}')\n"
    "    requests.get(url, **kwargs)\n",
    "global x\nnonlocal y\n",
    # shapes the hand-written prefilter words of old missed (see tests/test_shortcuts.py)
    "conn.exec_driver_sql(f\"DELETE FROM t WHERE name = '{x}'\")\n",
    "for o in @:\n    sess.get(User, o.id)\n",
    "Stmt = 'SELECT * FROM t'\nQUERY = f'SELECT {@}'\n",
    "try:\n    pass\nexcept  :\n    pass\n",
    "cur.\uff45\uff58\uff45\uff43\uff55\uff54\uff45(f'SELECT {x}')\n",
    "sql = 'SELECT a FROM t WHERE 1=1'\nsql += ' AND b = ' + @\nsql = sql + @\n",
]
HEADERS = [
    "def f(cur, x, *args, **kw):",
    "async def f(cur, x):",
    "class C:",
    "if @:",
    "while @:",
    "for x in @:",
    "async for x in @:",
    "with @ as cur:",
    "try:",
    "holder = lambda: @\nif True:",
    "match @:\n    case {'id': x, **rest} if @:",
]
# Hand-written hole fillers; each example adds the sub-expressions of one generated program.
SIMPLE = ["url", "x", "None", "(3.05, None)", "f'{x}'", "'SELECT ' + x", "kw", "{'timeout': 1}",
          "requests.Session()", "[s.strip() for s in x]", "lambda: x", "TIMEOUT", "x[1:]"]
_NOT_STANDALONE = (ast.Starred, ast.Slice, ast.FormattedValue)


def expressions_of(program: str) -> list[str]:
    """Source text of every expression in a program that can stand alone in parentheses."""
    found = []
    try:
        tree = ast.parse(program)
    except (SyntaxError, ValueError):
        return found
    for node in ast.walk(tree):
        if isinstance(node, ast.expr) and not isinstance(node, _NOT_STANDALONE):
            text = ast.get_source_segment(program, node)
            found.append(text if text and _is_expression(text) else ast.unparse(node))
    return found


def _is_expression(text: str) -> bool:
    try:
        ast.parse("(\n" + text + "\n)", mode="eval")
    except (SyntaxError, ValueError):
        return False
    return True


def _block(header: str, body: str) -> str:
    """`header` with an indented body; a `try:` also gets a handler, so it stays valid."""
    indent = "        " if "case " in header else "    "
    text = header + "\n" + textwrap.indent(body, indent) + indent + "pass\n"
    return text + ("except Exception:\n    pass\n" if header.endswith("try:") else "")


@st.composite
def programs_with_triggers(draw) -> str:
    """A generated program, plus rule triggers nested in generated-looking contexts.

    Holes take sub-expressions of the generated program (or hand-written ones), each in
    parentheses on lines of its own so a trailing comment cannot swallow the bracket.
    """
    program = draw(PLAIN_GRAMMAR) + "\n"
    pool = SIMPLE + expressions_of(program)

    def fill(template: str) -> str:
        pieces = template.split("@")
        out = [pieces[0]]
        for piece in pieces[1:]:
            out += ["(\n" + draw(st.sampled_from(pool)) + "\n)", piece]
        return "".join(out)

    parts = []
    nested = False  # the program goes in once at top level and at most once nested
    for _ in range(draw(st.integers(1, 5))):
        body = "".join(fill(draw(st.sampled_from(TRIGGERS)))
                       for _ in range(draw(st.integers(1, 3))))
        for _ in range(draw(st.integers(0, 3))):
            if not nested and draw(st.booleans()):
                body, nested = body + program, True
            body = _block(fill(draw(st.sampled_from(HEADERS))), body)
        parts.append(body)
    parts.insert(draw(st.integers(0, len(parts))), program)
    return "".join(parts)


@FUZZ
@given(source=programs_with_triggers(), config=SETTINGS)
def test_generated_code_with_rule_triggers(source, config):
    """Rule code paths run on generated contexts and generated sub-expressions."""
    check(source, config)
