"""BE003: SQL whose outer projection is `SELECT *` or `SELECT t.*`.

Only SQL that reaches a sink, or sits in a `*sql*`/`*query*`/`stmt` variable, is
read, so docs and messages mentioning `SELECT *` stay silent. Parenthesised
parts are skipped, so `COUNT(*)`, `EXISTS (SELECT * ...)` and sub-queries are
exempt; only the statement's own column list counts.

`SELECT *` is a finding where the code could name the columns and the schema can
change under it. Not where the code cannot know the columns (the table itself
is chosen at run time: introspection, generic data browsers), nor on the
database's own catalogs (`sqlite_master`, `information_schema.*`, `pg_*`), whose
columns are fixed by the vendor, nor in tests, where the schema is the test's own.
"""

from __future__ import annotations

import ast

from flake8_backend.analysis.astutil import callee_name
from flake8_backend.analysis.context import ModuleContext
from flake8_backend.analysis.paths import path_matches
from flake8_backend.domain.sql_sinks import (
    SQL_NAME_WORDS, find_sink, sink_callees, sql_named_targets)
from flake8_backend.domain.sql_text import string_pieces
from flake8_backend.patterns import lazy_compile
from flake8_backend.registry import Option, Rule, check, register

BE003 = register(Rule(
    code="BE003",
    name="select-star",
    message="`SELECT {star}` in SQL {where}; name the columns the code reads",
    summary="SQL at a sink (or in a SQL variable) selects `*` in its outer projection.",
    what="Checks SQL literals that reach a SQL sink, or are assigned to a "
         "`*sql*`/`*query*`/`stmt` variable and handed to no other call, for an outer "
         "projection of `SELECT *` or `SELECT t.*` from a table the code names.",
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
    options=(
        Option("select-star-exclude", "list",
               ("tests/**", "test_*.py", "*_test.py", "conftest.py"),
               "Glob patterns of files where `SELECT *` is not reported (tests by default: "
               "their schema is their own fixture, and none of the costs of `SELECT *` "
               "apply), matched against the end of the path (`*` within one segment, `**` "
               "across segments)."),
    ),
    related=("sqlfluff AM04 ambiguous.column_count (lints .sql files, not Python strings)",),
    default_enabled=False,
    notes="Opt-in: turn it on with `enable = [\"BE003\"]`. Its reviewed strict precision "
          "on the pinned library and application corpora is 29% (2 TP of 7 findings, all "
          "in data migrations; 5 debatable) (benchmarks/precision/BE003.md), below the "
          "90% a default-on rule needs: what is left reads most columns of a table frozen "
          "at its migration's revision, where naming them is tidier but nothing can "
          "drift. "
          "Silent: `COUNT(*)`, `EXISTS (SELECT * ...)`, "
          "sub-queries and CTE bodies (anything in parentheses), `SELECT * FROM (sub-query) "
          "alias` (the sub-query names the columns), statements that copy every column on "
          "purpose (`CREATE TABLE/VIEW ... AS SELECT *`, `INSERT INTO ... SELECT *`), a "
          "table chosen at run time (`FROM {table}`, `FROM %s`, `FROM \"{0}\"`: introspection "
          "and generic table browsers cannot know the columns; an UPPER_CASE constant in an "
          "f-string is a known table and is checked), the database's catalogs "
          "(`sqlite_master`, `sqlite_*`, `pragma_*()`, `information_schema.*`, `pg_catalog.*`, "
          "`pg_*`, `sys.*`: their columns are fixed), files matching `select-star-exclude` "
          "(tests by default), text that reaches no sink and no SQL-named variable, and text "
          "in a SQL-named variable that is handed to a call that is not a SQL sink (SQL "
          "as data: a payload for an API, an expected value). The finding is reported on the "
          "literal's first line.",
))

_SELECT = lazy_compile(r"(?is)\bselect\s+(?:distinct\s+|all\s+)?(.*?)\bfrom\b")
_QUOTED = lazy_compile(r"'(?:[^']|'')*'")
_STAR_ITEM = lazy_compile(r"^(?:[\w\"`\[\]]+\.)?\*$")
_MAX_TEXT = 20_000
# `CREATE TABLE/VIEW ... AS SELECT *` and `INSERT INTO ... SELECT *` copy every column on
# purpose.
_COPIES_ALL = lazy_compile(r"(?is)^\s*(create|insert)\b")
# The sources of the outer query: what follows its FROM (a comma list) and each JOIN.
_SOURCE = lazy_compile(r"(?is)(?:\bfrom|\bjoin|,)\s+([\w\"`\[\]{}%().$]+)")
_SOURCES_END = lazy_compile(
    r"(?is)\b(where|group|order|limit|offset|having|window|union|intersect|except|fetch|for|"
    r"returning)\b")
# A placeholder filled in at run time: `{}`, `{0}`, `{table}`, `%s`, `%(table)s` (whose
# parentheses `_top_level` has emptied).
_PLACEHOLDER = lazy_compile(r"\{[^{}]*\}|%s|%\(\w*\)s")
_CATALOG = lazy_compile(
    r"(?i)^(?:(?:information_schema|pg_catalog|sys|performance_schema|mysql)\.\S+"
    r"|pg_\w+|sqlite_\w+|pragma_\w+\(\)|dual)$")
_CONSTANT = lazy_compile(r"^_?[A-Z][A-Z0-9_]*$")
_KNOWN_TABLE = "known_table"
_RUN_TIME_TABLE = "{}"


def _excluded(ctx: ModuleContext) -> bool:
    """The file matches `select-star-exclude` (its path relative to the project root)."""
    return path_matches(ctx.path, ctx.settings["select-star-exclude"])


@check(ast.Call, rules=(BE003,), callees=sink_callees)
def check_select_star_at_sink(node: ast.Call, ctx: ModuleContext) -> None:
    if ctx.cached(_excluded):
        return
    sink = find_sink(node, ctx)
    if sink is None:
        return
    for sql in sink.sqls:
        literal = _first_literal(sql, ctx)
        if literal is not None:
            _check_literal(literal, ctx, f"reaching {sink.label.lstrip('.')}()")


@check(ast.Assign, rules=(BE003,), needs=SQL_NAME_WORDS)
def check_select_star_assigned(node: ast.Assign, ctx: ModuleContext) -> None:
    """SQL in a SQL-named variable: reported at the end unless a sink reported it, or the
    variable is handed to a call that is not a sink (the text is data, not a query)."""
    names = sql_named_targets(node.targets)
    if not names or not _is_literal(node.value) or ctx.cached(_excluded):
        return
    literal = node.value
    if not outer_star(_text(literal)):
        return
    function = ctx.scope.node if ctx.scope.kind == "function" else None
    ctx.at_end.append(lambda: _report_unless_data(literal, names[0], function, ctx))


def _report_unless_data(literal: ast.Constant | ast.JoinedStr, name: str,
                        function: ast.AST | None, ctx: ModuleContext) -> None:
    if id(literal) in ctx.cached(_reported):
        return
    if function is not None and _handed_to_other_call(name, function, ctx):
        return
    _check_literal(literal, ctx, f"assigned to `{name}`")


def _handed_to_other_call(name: str, function: ast.AST, ctx: ModuleContext) -> bool:
    """`name` is an argument of a call in `function` that is not a SQL sink and not a
    function of this module (which may be a wrapper around one)."""
    handed = ctx.cached(_handed_names)
    names = handed.get(id(function))
    if names is None:
        sinks = sink_callees(ctx.settings).accepted() | ctx.cached(_module_functions)
        names = handed[id(function)] = {
            arg.id for node in ast.walk(function)
            if isinstance(node, ast.Call) and callee_name(node.func) not in sinks
            for arg in (*node.args, *(k.value for k in node.keywords))
            if isinstance(arg, ast.Name)}
    return name in names


def _handed_names(ctx: ModuleContext) -> dict[int, set[str]]:
    """id(function) -> names passed as arguments to calls that are not sinks, made once."""
    return {}


def _module_functions(ctx: ModuleContext) -> frozenset[str]:
    """Names of the module's functions and of its classes' methods."""
    names = set()
    for stmt in ctx.module.node.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            names.add(stmt.name)
        elif isinstance(stmt, ast.ClassDef):
            names.update(s.name for s in stmt.body
                         if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)))
    return frozenset(names)


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


def _text(literal: ast.Constant | ast.JoinedStr) -> str:
    """The literal's text; an f-string's values become a known table name when they are
    UPPER_CASE constants (or `Model.__tablename__`), else a run-time placeholder."""
    if isinstance(literal, ast.Constant):
        return literal.value
    pieces = []
    for value in literal.values:
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            pieces.append(value.value)
        elif isinstance(value, ast.FormattedValue) and _is_constant_name(value.value):
            pieces.append(_KNOWN_TABLE)
        else:
            pieces.append(_RUN_TIME_TABLE)
    return "".join(pieces)


def _is_constant_name(node: ast.expr) -> bool:
    if isinstance(node, ast.Name):
        return bool(_CONSTANT.match(node.id))
    if isinstance(node, ast.Attribute):
        return bool(_CONSTANT.match(node.attr)) or node.attr == "__tablename__"
    return False


def _check_literal(literal: ast.Constant | ast.JoinedStr, ctx: ModuleContext, where: str) -> None:
    reported = ctx.cached(_reported)
    if id(literal) in reported:
        return
    star = outer_star(_text(literal))
    if star:
        reported.add(id(literal))
        ctx.report(BE003, literal, star=star, where=where)


def outer_star(text: str) -> str | None:
    """`*` or `t.*` when the first top-level SELECT projects it from tables the code names
    (not a run-time table, not the database's catalog), else None."""
    if len(text) > _MAX_TEXT or "*" not in text:
        return None
    top = _top_level(_QUOTED.sub("''", text))
    if _COPIES_ALL.match(top):
        return None
    match = _SELECT.search(top)
    if match is None or top[match.end():].lstrip().startswith("("):
        return None  # `SELECT * FROM (SELECT id, ...) sub`: the sub-query names the columns
    star = next((item.strip() for item in match.group(1).split(",")
                 if _STAR_ITEM.match(item.strip())), None)
    if star is None:
        return None
    sources = _sources(top[match.end() - len("from"):])
    if any(_PLACEHOLDER.search(source) for source in sources):
        return None  # the table is chosen at run time: the code cannot name its columns
    if sources and all(_CATALOG.match(source.replace('"', "").replace("`", ""))
                       for source in sources):
        return None  # the database's own catalog: its columns are fixed
    return star


def _sources(from_clause: str) -> list[str]:
    """The tables after the outer FROM and its JOINs: `FROM a x, b JOIN c ON ...`."""
    end = _SOURCES_END.search(from_clause)
    clause = from_clause[:end.start()] if end else from_clause
    return [m.group(1) for m in _SOURCE.finditer(clause)]


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
