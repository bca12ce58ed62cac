"""BE001/BE002's shortcuts on calls to local functions lose no finding.

Statements whose calls may reach a local function are kept during the walk and resolved
at the end, in their own scope and loops, only when the module has a wrapper by then;
`_may_wrap` searches the text only for the sink words holding no other one.
"""

from __future__ import annotations

import ast

import pytest

from flake8_backend.config import build_settings
from flake8_backend.domain import sql_sinks
from flake8_backend.engine import lint_source

SQL_RULES = build_settings({"enable": ["BE001", "BE002"]})

# Calls met before the wrapper they reach, in a loop, a method, a `for` iterable, awaited
# and nested in another call: each is resolved at the end as it was during the walk.
CALLERS_FIRST = '''\
import sqlite3


class Repo:
    def names(self, cur, table):
        for row in list(self.query_iter(cur, "SELECT a FROM t WHERE b = '%s'" % table)):
            yield row

    def query_iter(self, cur, sql):
        return cur.execute(sql)


def main(cur, ids):
    for uid in ids:
        run_query(cur, f"DELETE FROM users WHERE id = {uid}")


async def later(cur, name):
    return await run_async(cur, "SELECT * FROM t WHERE n = '" + name + "'")


def run_query(cur, sql):
    cur.execute(sql)


async def run_async(cur, sql):
    return cur.execute(sql)
'''


def _codes_by_line(source: str) -> list[tuple[int, str]]:
    return sorted((f.line, f.code) for f in lint_source(source, "app/db.py", SQL_RULES))


def test_calls_met_before_their_wrapper_are_reported():
    assert _codes_by_line(CALLERS_FIRST) == [(6, "BE002"), (15, "BE001"), (19, "BE002")]


def test_a_module_without_wrappers_reports_the_same_as_one_with_an_unused_wrapper():
    """The calls kept in a module with no wrapper are never resolved; adding a wrapper
    that nothing calls must not change what is reported."""
    without = "def f(cur, x):\n    cur.execute(f'SELECT * FROM t WHERE a = {x}')\n    g(x)\n"
    unused = without + "\n\ndef run(cur, sql):\n    cur.execute(sql)\n"
    assert _codes_by_line(without) == _codes_by_line(unused) == [(2, "BE001")]


@pytest.mark.parametrize("extra", [(), ("mydb.run_sql", "run_raw"), ("a.execute", "exec")])
def test_the_innermost_sink_words_answer_as_every_sink_word(extra):
    settings = build_settings({"enable": ["BE001"], "extend-sql-sinks": list(extra)})

    class Ctx:
        def __init__(self, source):
            self.settings, self.source, self._cache = settings, source, {}

        def cached(self, factory):
            return self._cache.setdefault(factory, factory(self))

    configured = sql_sinks._configured(Ctx(""))
    words = [*configured.methods, *configured.functions, *configured.function_names,
             *(f.split(".", 1)[0] for f in configured.functions), "nothing", "exec", ""]
    for word in words:
        for text in (word, f"x = {word}", f"{word}_many()", word[:-1]):
            ctx = Ctx(text)
            full = any(name in text for name in configured.methods) or (
                any(f.split(".", 1)[0] in text for f in configured.functions)
                and any(name in text for name in configured.function_names))
            assert sql_sinks._may_wrap(ctx) is full, text


def test_statement_calls_are_what_the_walk_kept():
    """A kept statement's value is a call (awaited or not): `_statement_calls` finds it."""
    tree = ast.parse("async def a():\n    x = f(g(1), await h())\n    await k()\n    y = 1\n")
    body = tree.body[0].body
    assert [c.func.id for c in sql_sinks._statement_calls(body[0])] == ["f", "g", "h"]
    assert [c.func.id for c in sql_sinks._statement_calls(body[1])] == ["k"]
    assert sql_sinks._statement_calls(body[2]) == []
