"""BE004: a query inside a loop over data, the N+1 pattern.

A loop over rows that runs one query per row turns one page into hundreds of
round trips. Only loops over data are considered: a literal list, `range(3)` or
an UPPER_CASE constant is a small fixed set. For raw SQL, only a fixed
statement counts (one statement run with new parameters per item); a loop over
different statements (`for stmt in migrations: cur.execute(stmt)`), DDL, and a
`while` loop paging with LIMIT/OFFSET are batch work, not N+1.
"""

from __future__ import annotations

import ast

from flake8_backend.analysis.astutil import callee_name, terminal_name
from flake8_backend.analysis.context import ModuleContext
from flake8_backend.analysis.paths import path_matches
from flake8_backend.analysis.scope import ASSIGN
from flake8_backend.domain.db_calls import classify, db_callees
from flake8_backend.domain.sql_text import leading_text
from flake8_backend.patterns import lazy_compile
from flake8_backend.registry import Option, Rule, check, register

BE004 = register(Rule(
    code="BE004",
    name="query-in-loop",
    message="{call} runs a query on every iteration of the loop on line {line}; load the rows "
            "in one query (IN/ANY, select_related/prefetch_related, selectinload) or batch the "
            "writes (executemany, bulk_create)",
    summary="A database query inside a loop over data (N+1 queries).",
    what="Checks for database calls inside a `for`/`while` body or a comprehension that "
         "iterates over data: DB-API and asyncpg `execute`/`fetch*` with a fixed SQL "
         "statement, SQLAlchemy `session.get/query/execute/scalar(s)/add`, Django "
         "`Model.objects.get/filter/create/...`, and `.save()`/`.delete()` on the loop's row.",
    why="N+1 queries, loading related data in a loop instead of batching, multiply database "
        "round trips by the number of rows: fast in development, slow under real data. "
        "The review guideline asks to identify them proactively in code review.",
    bad="""\
def owners(cur, orders):
    for o in orders:
        cur.execute("SELECT name FROM users WHERE id = %s", (o.user_id,))
""",
    good="""\
def owners(cur, orders):
    ids = list({o.user_id for o in orders})
    cur.execute("SELECT id, name FROM users WHERE id = ANY(%s)", (ids,))
""",
    options=(
        Option("query-in-loop-exclude", "list",
               ("migrations/**", "tests/**", "test_*.py", "*_test.py", "conftest.py"),
               "Glob patterns of files where loops of queries are batch work by design (data "
               "migrations, test setup), matched against the end of the path (`*` within one "
               "segment, `**` across segments)."),
    ),
    related=("semgrep batch-import (only `db.session.add` in a loop)",
             "nplusone (runtime detection)"),
    notes="Not reported: files matching `query-in-loop-exclude` (migrations and tests by "
          "default); loops over batches (a loop variable, iterable or helper named "
          "`chunk`/`batch`/`page`); Django lookups already batched with `__in`; loops over literal "
          "collections, `range(<constant>)` and UPPER_CASE constants; SQL built per item (a "
          "different statement each time), DDL, and `while` loops whose SQL pages with "
          "LIMIT/OFFSET; HTTP clients named `session`. Lazy relationship loads "
          "(`order.user.name` in a loop) are not visible without types. Add your own "
          "data-access helpers with `extend-db-calls`.",
))

_DML = lazy_compile(r"(?is)^\s*\(?\s*(select|insert|update|delete|with|replace|merge)\b")
_FROM = lazy_compile(r"(?i)\bfrom\b")
_BATCH_NAME = lazy_compile(r"(?i)chunk|batch|page")
_PAGING = lazy_compile(r"(?is)\b(limit|offset|fetch\s+first|fetch\s+next)\b")
_CONSTANT = lazy_compile(r"^_?[A-Z][A-Z0-9_]*$")


@check(ast.Call, rules=(BE004,), callees=db_callees)
def check_query_in_loop(node: ast.Call, ctx: ModuleContext) -> None:
    loops = ctx.scope.loops
    if not loops or ctx.cached(_excluded):
        return
    repeating, rows = _repeating(loops, ctx)
    if not repeating:
        return
    db = classify(node, ctx, rows)
    if db is None:
        return
    if db.family == "sql" and not _fixed_statement(db.sql, repeating[-1], ctx):
        return
    if db.family == "manager" and any(k.arg and k.arg.endswith("__in") for k in node.keywords):
        return  # `filter(id__in=batch)`: already one query per batch
    ctx.report(BE004, node, end=node.func, call=db.label, line=repeating[-1].lineno)


_Answer = tuple[list[ast.AST], frozenset[str]]


def _loop_answers(ctx: ModuleContext) -> dict[tuple[int, int], _Answer]:
    return {}


def _repeating(loops: list[ast.AST], ctx: ModuleContext) -> tuple[list[ast.AST], frozenset[str]]:
    """The loops over data among `loops`, and the names holding their rows (decided once)."""
    answers = ctx.cached(_loop_answers)
    key = (id(loops[-1]), len(loops))
    found = answers.get(key)
    if found is None:
        repeating = [loop for loop in loops if not _fixed(loop) and not _batches(loop)]
        found = answers[key] = (repeating, _row_names(repeating))
    return found


def _excluded(ctx: ModuleContext) -> bool:
    """The file matches `query-in-loop-exclude` (its path relative to the project root)."""
    return path_matches(ctx.path, ctx.settings["query-in-loop-exclude"])


def _fixed(loop: ast.AST) -> bool:
    """Loops over a small fixed set: literals, `range(3)`, UPPER_CASE constants."""
    if isinstance(loop, ast.While):
        return False
    iterable = loop.iter if isinstance(loop, (ast.For, ast.AsyncFor)) else loop.generators[0].iter
    if isinstance(iterable, ast.Call) and isinstance(iterable.func, ast.Attribute) \
            and iterable.func.attr in ("items", "keys", "values") and not iterable.args:
        iterable = iterable.func.value
    if isinstance(iterable, (ast.List, ast.Tuple, ast.Set)):
        return all(isinstance(e, ast.Constant) for e in iterable.elts)
    if isinstance(iterable, ast.Dict):
        return all(isinstance(k, ast.Constant) for k in iterable.keys)
    if isinstance(iterable, ast.Constant):
        return True
    if isinstance(iterable, ast.Call) and isinstance(iterable.func, ast.Name) \
            and iterable.func.id == "range":
        return all(isinstance(a, ast.Constant) for a in iterable.args)
    return bool(_CONSTANT.match(terminal_name(iterable)))


def _batches(loop: ast.AST) -> bool:
    """`for chunk in chunks:`, `for batch in batched(ids, 500):`: one query per batch."""
    if isinstance(loop, ast.While):  # `while keys: chunk = keys[:500]; keys = keys[500:]`
        return any(isinstance(stmt, ast.Assign) and any(
            isinstance(t, ast.Name) and _BATCH_NAME.search(t.id) for t in stmt.targets)
            for stmt in loop.body)
    first = loop if isinstance(loop, (ast.For, ast.AsyncFor)) else loop.generators[0]
    names = [n.id for n in (first.target, first.iter) if isinstance(n, ast.Name)]
    if isinstance(first.iter, ast.Call):
        names.append(callee_name(first.iter.func))
    return any(_BATCH_NAME.search(name) for name in names)


def _row_names(loops: list[ast.AST]) -> frozenset[str]:
    names: set[str] = set()
    for loop in loops:
        if isinstance(loop, ast.While):
            continue
        targets = [loop.target] if isinstance(loop, (ast.For, ast.AsyncFor)) else [
            g.target for g in loop.generators]
        for target in targets:
            names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
    return frozenset(names)


def _fixed_statement(sql: ast.expr | None, loop: ast.AST, ctx: ModuleContext) -> bool:
    """One DML statement, the same text on every iteration (only parameters vary)."""
    if sql is None:
        return False
    if isinstance(sql, ast.Name):
        bindings = ctx.reaching(sql.id, sql)
        if not bindings or not all(b.kind == ASSIGN and isinstance(b.value, ast.Constant)
                                   for b in bindings):
            return False
    elif not isinstance(sql, ast.Constant):
        return False
    text = leading_text(sql, ctx) or ""
    match = _DML.match(text)
    if not match or (match.group(1).lower() == "select" and not _FROM.search(text)):
        return False  # `SELECT load_extension(?)` calls a function, it reads no rows
    return not (isinstance(loop, ast.While) and _PAGING.search(text))
