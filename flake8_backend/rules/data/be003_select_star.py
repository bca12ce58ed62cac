"""BE003: SQL whose outer projection is `SELECT *` or `SELECT t.*`.

Only SQL that reaches a sink, or sits in a `*sql*`/`*query*`/`stmt` variable, is
read, so docs and messages mentioning `SELECT *` stay silent. Parenthesised
parts are skipped, so `COUNT(*)`, `EXISTS (SELECT * ...)` and sub-queries are
exempt; only the statement's own column list counts.
"""

from __future__ import annotations

import ast

from flake8_backend.analysis.context import ModuleContext
from flake8_backend.domain.sql_sinks import (
    SQL_NAME_WORDS, find_sink, sink_callees, sql_named_targets)
from flake8_backend.domain.sql_text import literal_text, string_pieces
from flake8_backend.patterns import lazy_compile
from flake8_backend.registry import Rule, check, register

BE003 = register(Rule(
    code="BE003",
    name="select-star",
    message="`SELECT {star}` in SQL {where}; name the columns the code reads",
    summary="SQL at a sink (or in a SQL variable) selects `*` in its outer projection.",
    what="Checks SQL literals that reach a SQL sink, or are assigned to a "
         "`*sql*`/`*query*`/`stmt` variable, for an outer projection of `SELECT *` or "
         "`SELECT t.*`.",
    why="`SELECT *` ships every column, including ones added later (large blobs, secrets), "
        "breaks positional row access when the schema changes, and defeats covering indexes. "
        "The review guideline: avoid `SELECT *`; explicit is better.",
    bad="""\
def orders(cur, uid):
    cur.execute("SELECT * FROM orders WHERE user_id = %s", (uid,))
""",
    good="""\
def orders(cur, uid):
    cur.execute("SELECT id, total, status FROM orders WHERE user_id = %s", (uid,))
""",
    related=("sqlfluff AM04 ambiguous.column_count (lints .sql files, not Python strings)",),
    notes="Silent: `COUNT(*)`, `EXISTS (SELECT * ...)`, sub-queries and CTE bodies (anything "
          "in parentheses), `SELECT * FROM (sub-query) alias` (the sub-query names the "
          "columns), statements that copy every column on purpose (`CREATE TABLE/VIEW ... AS "
          "SELECT *`, `INSERT INTO ... SELECT *`), and text that reaches no sink and no "
          "SQL-named variable. The finding is reported on the literal's first line.",
))

_SELECT = lazy_compile(r"(?is)\bselect\s+(?:distinct\s+|all\s+)?(.*?)\bfrom\b")
_QUOTED = lazy_compile(r"'(?:[^']|'')*'")
_STAR_ITEM = lazy_compile(r"^(?:[\w\"`\[\]]+\.)?\*$")
_MAX_TEXT = 20_000
# `CREATE TABLE/VIEW ... AS SELECT *` and `INSERT INTO ... SELECT *` copy every column on
# purpose.
_COPIES_ALL = lazy_compile(r"(?is)^\s*(create|insert)\b")


@check(ast.Call, rules=(BE003,), callees=sink_callees)
def check_select_star_at_sink(node: ast.Call, ctx: ModuleContext) -> None:
    sink = find_sink(node, ctx)
    if sink is None:
        return
    for sql in sink.sqls:
        literal = _first_literal(sql, ctx)
        if literal is not None:
            _check_literal(literal, ctx, f"reaching {sink.label.lstrip('.')}()")


@check(ast.Assign, rules=(BE003,), needs=SQL_NAME_WORDS)
def check_select_star_assigned(node: ast.Assign, ctx: ModuleContext) -> None:
    names = sql_named_targets(node.targets)
    if names and _is_literal(node.value):
        _check_literal(node.value, ctx, f"assigned to `{names[0]}`")


def _first_literal(sql: ast.expr, ctx: ModuleContext) -> ast.Constant | ast.JoinedStr | None:
    for piece in string_pieces(sql, ctx):
        if _is_literal(piece.node):
            return piece.node
    return None


def _is_literal(node: ast.AST) -> bool:
    return isinstance(node, ast.JoinedStr) or (
        isinstance(node, ast.Constant) and isinstance(node.value, str))


def _reported(ctx: ModuleContext) -> set[int]:
    """Ids of literals already reported (one literal may reach several sinks)."""
    return set()


def _check_literal(literal: ast.Constant | ast.JoinedStr, ctx: ModuleContext, where: str) -> None:
    reported = ctx.cached(_reported)
    if id(literal) in reported:
        return
    text = literal.value if isinstance(literal, ast.Constant) else literal_text(literal, "x")
    star = outer_star(text)
    if star:
        reported.add(id(literal))
        ctx.report(BE003, literal, star=star, where=where)


def outer_star(text: str) -> str | None:
    """`*` or `t.*` when the first top-level SELECT projects it, else None."""
    if len(text) > _MAX_TEXT or "*" not in text:
        return None
    top = _top_level(_QUOTED.sub("''", text))
    if _COPIES_ALL.match(top):
        return None
    match = _SELECT.search(top)
    if match is None or top[match.end():].lstrip().startswith("("):
        return None  # `SELECT * FROM (SELECT id, ...) sub`: the sub-query names the columns
    for item in match.group(1).split(","):
        item = item.strip()
        if _STAR_ITEM.match(item):
            return item
    return None


def _top_level(text: str) -> str:
    """The text with every parenthesised group emptied: `count(*)` becomes `count()`."""
    out, depth = [], 0
    for char in text:
        if char == "(":
            if depth == 0:
                out.append("(")
            depth += 1
        elif char == ")":
            depth = max(depth - 1, 0)
            if depth == 0:
                out.append(")")
        elif depth == 0:
            out.append(char)
    return "".join(out)
