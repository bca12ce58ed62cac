"""BE002: SQL text built from values with `%`, `.format()`, `+`, `+=`, `join` or `.replace()`.

Like BE001, tied to sinks and followed through local assignments, so a template
held in a module constant (`SQL % name`) and `sql += str(uid)` chains are seen,
which text-regex rules (ruff S608, bandit B608) miss. Values that cannot carry
user text are exempt (see `domain/sql_values.py`), and `psycopg.sql` composition
is never building. A string that never reaches a visible sink is reported only
when it is assigned to a `*sql*`/`*query*`/`stmt` name and reads like SQL.
"""

from __future__ import annotations

import ast

from flake8_backend.analysis.context import ModuleContext
from flake8_backend.analysis.scope import ASSIGN, AUG
from flake8_backend.domain.sql_sinks import (
    SQL_NAME_WORDS, STATEMENT_TYPES, SqlFlow, excluded, find_sink,
    sql_named_targets,
    looks_like_sql, record_local_calls, sink_callees, sql_flow, wrapper_words)
from flake8_backend.domain.sql_text import (
    APPEND_METHODS, OPERAND, Piece, before_text, is_concatenation, record_append, sql_position,
    string_pieces)
from flake8_backend.domain.sql_values import MAX_VALUES, Unsafe, judge
from flake8_backend.domain.sql_reports import report_at_end, report_sql
from flake8_backend.registry import Callees, Rule, check, register
from flake8_backend.rules.data.be001_sql_fstring import BE001, note_fstring_variable

BE002 = register(Rule(
    code="BE002",
    name="sql-string-building",
    message="SQL built with {how}{built} {where}{client}; {advice}",
    summary="SQL text built with `%`, `.format()`, `+`, `+=`, `join` or `.replace()` reaches "
            "a SQL sink.",
    what="Checks for SQL whose text is built from values with `%`, `.format()`, `+`, `+=` "
         "chains, `str.join` (and the lists it joins) or `.replace()`, and reaches a SQL sink "
         "(the sinks of BE001: DB-API `execute*`, SQLAlchemy `text()`, Django `.raw()`/"
         "`.extra()`/`RawSQL()`, pandas `read_sql*`, asyncpg `fetch*`, peewee `execute_sql`, "
         "web.py `db.query`, `databases` `fetch_*`, and `extend-sql-sinks`), followed through "
         "local variables, reassignments, templates held in module constants, and functions "
         "or methods of the same module that pass their parameter to a sink "
         "(`q = \"... '%s'\" % key; self.query_iter(q)`).",
    why="Pasting a value into SQL text is SQL injection: a quote in the value rewrites the "
        "query. The review guideline: write parameterized queries, never concatenate user "
        "input into SQL. Text-regex linters miss `+=` chains, `join`, and templates kept in "
        "constants; this rule follows them to the sink. Request data (`request.POST[...]`, "
        "`request.args[...]`) is named as client data in the message.",
    bad="""\
def find(cur, name):
    cur.execute("SELECT id FROM users WHERE name = '%s'" % name)
""",
    good="""\
def find(cur, name):
    cur.execute("SELECT id FROM users WHERE name = %s", (name,))
""",
    severity="error",
    related=("ruff S608 / bandit B608 (text regex, no sink)", "ruff S610/S611, bandit B610/B611 "
             "(`extra`, `RawSQL`)", "semgrep formatted-sql-query", "BE001 sql-fstring"),
    default_enabled=False,
    notes="Opt-in: turn it on with `enable = [\"BE002\"]`. Its reviewed strict precision "
          "on the pinned library and application corpora is 0% (0 TP of 25; 4 debatable) "
          "(benchmarks/precision/BE002.md), below the 90% a default-on rule needs: what "
          "is left after the exemptions is SQL fragments, subqueries and identifiers "
          "passed by an API's contract, mostly in library internals, and values of "
          "unknown origin; client data (`request.args[...]`) is reported as such. "
          "Shares BE001's options (`sql-constant-pattern`, `sql-safe-names`, "
          "`sql-safe-functions`, `sql-fragment-pattern`, `sql-building-exclude`) and its "
          "exemptions (see BE001's notes: constants, numbers, quoting calls, configuration, "
          "loop variables over literal collections, membership checks, model metadata, names "
          "the database lists, ...), and its handling of parameters pasted where no query "
          "parameter can go (judged at the calls in the module). Also exempt: `%d`/`%i`/`%f` "
          "conversions and `{:d}` fields, placeholder lists (`\", \".join([\"%s\"] * n)`), "
          "`psycopg.sql` composition (`sql.SQL(...).format(sql.Identifier(col))`), "
          "`.format(**params)` with a visible dict of safe values, and literals with "
          "`%s`/`%(name)s` placeholders passed with parameters. SQLAlchemy's "
          "`select(...).join(...)` and `query.join(...)` are not `str.join`. A "
          "`*sql*`/`*query*`/`stmt` variable that never reaches a visible sink (nor a local "
          "function that runs it) is reported at its assignment when it reads like SQL. The "
          "finding is reported at the sink call, or at the SQL text when it sits inside the "
          "call on a line of its own (black-wrapped code), where `# noqa: BE002` goes; the "
          "message names each value as written (up to three), says when it is client data, "
          "gives the fix for its place, and the line where the text was built when it is "
          "elsewhere.",
))

_STRUCTURAL = (ast.Constant, ast.JoinedStr, ast.IfExp, ast.List, ast.Tuple, ast.Set,
               ast.ListComp, ast.GeneratorExp, ast.SetComp)


@check(ast.Call, rules=(BE002,), callees=sink_callees)
def check_sql_building(node: ast.Call, ctx: ModuleContext) -> None:
    if excluded(ctx):
        return
    sink = find_sink(node, ctx)
    if sink is None:
        return
    flow = sql_flow(ctx)
    flow.note_sink(sink)
    flow.judge(BE002.code, lambda arg: _judge(arg, ctx))
    flow.on_end(_report_at_end)
    for sql in sink.sqls:
        values, how = unsafe_pieces(string_pieces(sql, ctx), ctx)
        if not values:
            continue
        if sink.ambiguous and not looks_like_sql(sql, ctx):
            return
        values, _ = flow.defer(values, sink, BE002.code, how)
        if values:
            report_sql(BE002, ctx, node, sql, values, f"reaches {sink.label.lstrip('.')}()", how)
        return


@check(*STATEMENT_TYPES, rules=(BE001, BE002), needs=wrapper_words)
def check_calls_to_local_sinks(node: ast.stmt, ctx: ModuleContext) -> None:
    """Calls that may reach a function of this module running its argument as SQL (BE001
    and BE002 decide at the end, with the verdicts each registered at a sink)."""
    record_local_calls(node, ctx)


@check(ast.Call, rules=(BE001, BE002), callees=Callees(names=APPEND_METHODS))
def check_list_appends(node: ast.Call, ctx: ModuleContext) -> None:
    """`parts.append(f"name = '{name}'")`: what a later `" AND ".join(parts)` joins."""
    record_append(node, ctx)


@check(ast.Assign, ast.AugAssign, rules=(BE001, BE002), needs=SQL_NAME_WORDS)
def check_sql_variable(node: ast.Assign | ast.AugAssign, ctx: ModuleContext) -> None:
    """SQL built in a SQL-named variable, reported at the end if no sink consumes it (BE001
    for f-strings, BE002 for the rest)."""
    names = sql_named_targets(node.targets if node.__class__ is ast.Assign else [node.target])
    if not names:
        return
    flow = sql_flow(ctx)
    if flow.excluded:
        return
    tracked = flow.track_variable(node, names)
    if tracked is None:
        return
    builder, pieces = tracked
    enabled = ctx.settings.enabled
    if BE001.code in enabled:
        note_fstring_variable(node, builder, pieces, ctx)
    if BE002.code not in enabled:
        return
    flow.on_end(_report_at_end)
    if BE002.code in builder.unsafe:
        return
    values, how = unsafe_pieces(pieces, ctx)
    values, _ = flow.defer(values, None, BE002.code, how)
    if values:
        builder.unsafe[BE002.code] = ((values, how), node)


def _judge(arg: ast.expr, ctx: ModuleContext) -> tuple[list[Unsafe], str] | None:
    values, how = unsafe_pieces(string_pieces(arg, ctx), ctx)
    return (values, how) if values else None


def _report_at_end(flow: SqlFlow) -> None:
    report_at_end(flow, BE002)


def unsafe_pieces(pieces: list[Piece], ctx: ModuleContext) -> tuple[list[Unsafe], str]:
    """The unsafe values inserted into the text, and how the first one was inserted."""
    found: list[Unsafe] = []
    how = ""
    judged: set[int] = set()  # values of names judged as a whole: not judged again
    for piece in pieces:
        node = piece.node
        if id(node) in judged:
            if isinstance(node, ast.Name):
                judged.update(id(b.value) for b in ctx.reaching(node.id, node) if b.value)
            continue
        if piece.role != OPERAND or piece.how is None:
            continue
        if _is_structural(node):
            continue  # its own pieces follow in the list
        if isinstance(node, ast.Name):
            if _followed(node, ctx):
                continue
            judged.update(id(b.value) for b in ctx.reaching(node.id, node) if b.value)
        unsafe = judge(node, ctx, piece.comps, None, piece.numeric)
        if unsafe is None:
            continue
        unsafe = unsafe._replace(position=_position(piece, ctx))
        found.append(unsafe)
        how = how or piece.how
        if len(found) >= MAX_VALUES:
            break
    return found, how


def _position(piece: Piece, ctx: ModuleContext) -> str:
    return sql_position(before_text(piece, ctx))


def _followed(name: ast.Name, ctx: ModuleContext) -> bool:
    """A name whose every binding is an assignment we followed (so its pieces are listed)."""
    bindings = ctx.reaching(name.id, name)
    return bool(bindings) and all(b.kind in (ASSIGN, AUG) for b in bindings) and any(
        b.kind == AUG or _is_structural(b.value) for b in bindings)


def _is_structural(node: ast.AST | None) -> bool:
    """Pieces the walk looks into: literals, concatenation, formatting, containers."""
    if isinstance(node, ast.BinOp):
        return isinstance(node.op, ast.Mod) or isinstance(node.op, ast.Add) and \
            is_concatenation(node)
    return isinstance(node, _STRUCTURAL) or _is_text_call(node)


def _is_text_call(node: ast.AST) -> bool:
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("format", "format_map", "join", "replace", "strip",
                                   "lstrip", "rstrip", "lower", "upper"))
