"""BE002: SQL text built from values with `%`, `.format()`, `+`, `+=`, `join` or `.replace()`.

Like BE001, tied to sinks and followed through local assignments, so a template
held in a module constant (`SQL % name`) and `sql += str(uid)` chains are seen,
which text-regex rules (ruff S608, bandit B608) miss. Values that cannot carry
user text are exempt (constants, numbers, quoting calls, placeholder lists),
and `psycopg.sql` composition is never building. A string that never reaches a
visible sink is reported only when it is assigned to a `*sql*`/`*query*`/`stmt`
name and reads like SQL.
"""

from __future__ import annotations

import ast

from flake8_backend.analysis.context import ModuleContext
from flake8_backend.analysis.scope import ASSIGN, AUG
from flake8_backend.domain.sql_sinks import (
    SQL_NAME_WORDS, find_sink, looks_like_sql, sink_callees, sql_named_targets)
from flake8_backend.domain.sql_text import OPERAND, Piece, string_pieces
from flake8_backend.domain.sql_values import describe, is_safe_value
from flake8_backend.patterns import lazy_compile
from flake8_backend.registry import Rule, check, register

BE002 = register(Rule(
    code="BE002",
    name="sql-string-building",
    message="SQL built with {how} {where}; pass `{value}` as a query parameter instead of "
            "building the text",
    summary="SQL text built with `%`, `.format()`, `+`, `+=`, `join` or `.replace()` reaches "
            "a SQL sink.",
    what="Checks for SQL whose text is built from values with `%`, `.format()`, `+`, `+=` "
         "chains, `str.join` or `.replace()`, and reaches a SQL sink (DB-API `execute*`, "
         "SQLAlchemy `text()`, Django `.raw()`/`.extra()`/`RawSQL()`, pandas `read_sql*`, "
         "asyncpg `fetch*`), followed through local variables, reassignments and templates "
         "held in module constants.",
    why="Pasting a value into SQL text is SQL injection: a quote in the value rewrites the "
        "query. The review guideline: write parameterized queries, never concatenate user "
        "input into SQL. Text-regex linters miss `+=` chains, `join`, and templates kept in "
        "constants; this rule follows them to the sink.",
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
    notes="Shares BE001's `sql-constant-pattern`, `sql-safe-names` and `sql-safe-functions` "
          "options. Exempt: placeholder lists (`\", \".join([\"%s\"] * n)`), `psycopg.sql` "
          "composition (`sql.SQL(...).format(sql.Identifier(col))`), and literals with "
          "`%s`/`%(name)s` placeholders passed with parameters. A `*sql*`/`*query*`/`stmt` "
          "variable that never reaches a visible sink is reported at its assignment when it "
          "reads like SQL.",
))

# The statement shapes ruff S608 looks for, used only for strings with no visible sink;
# anchored at the start and with same-case keywords, so prose such as
# "Select a value from the list" does not read like SQL (ruff#8717).
_SHAPES = (r"select\s.*\sfrom\s|delete\s+from\s|insert\s+into\s.*\svalues\b|"
           r"update\s.*\sset\s")
_SHAPES_UPPER = (r"SELECT\s.*\sFROM\s|DELETE\s+FROM\s|INSERT\s+INTO\s.*\sVALUES\b|"
                 r"UPDATE\s.*\sSET\s")
_READS_LIKE_SQL = lazy_compile(rf"(?s)^\s*\(?\s*(?:{_SHAPES}|{_SHAPES_UPPER})")
_STRUCTURAL = (ast.Constant, ast.JoinedStr, ast.IfExp, ast.List, ast.Tuple,
               ast.ListComp, ast.GeneratorExp, ast.SetComp)


@check(ast.Call, rules=(BE002,), callees=sink_callees)
def check_sql_building(node: ast.Call, ctx: ModuleContext) -> None:
    sink = find_sink(node, ctx)
    if sink is None:
        return
    consumed = ctx.cached(_Builders).consumed
    for sql in sink.sqls:
        pieces = string_pieces(sql, ctx)
        consumed.update(id(p.node) for p in pieces)
        unsafe = _first_unsafe_piece(pieces, ctx)
        if unsafe is None:
            continue
        if sink.ambiguous and not looks_like_sql(sql, ctx):
            return
        ctx.report(BE002, node, end=node.func, how=unsafe.how,
                   where=f"reaches {sink.label.lstrip('.')}()", value=describe(unsafe.node))
        return


class _Builder:
    """One SQL statement built in a SQL-named variable: an assignment and the `+=` after it.

    Reported once, where its first unsafe piece enters, if none of its statements reaches
    a sink (a sink reports it there). Each `+=` adds only its own pieces, so a builder of
    n lines costs O(n), not O(n^2).
    """

    __slots__ = ("name", "values", "texts", "length", "unsafe", "unsafe_stmt")

    def __init__(self, name: str) -> None:
        self.name = name
        self.values: list[ast.expr] = []  # each statement's value, as a sink's walk meets it
        self.texts: list[str] = []  # literal text, in order, to tell whether it reads like SQL
        self.length = 0
        self.unsafe: Piece | None = None
        self.unsafe_stmt: ast.Assign | ast.AugAssign | None = None

    def add(self, stmt: ast.Assign | ast.AugAssign, pieces: list[Piece],
            ctx: ModuleContext) -> None:
        self.values.append(stmt.value)
        if self.length < _MAX_TEXT:
            for piece in pieces:
                node = piece.node
                if isinstance(node, ast.Constant) and isinstance(node.value, str):
                    self.texts.append(node.value)
                    self.length += len(node.value)
        if self.unsafe is None:
            self.unsafe = _first_unsafe_piece(pieces, ctx)
            if self.unsafe is not None:
                self.unsafe_stmt = stmt


_MAX_TEXT = 10_000


class _Builders:
    """The current builder per (scope, name), every builder, and the expressions that
    reached a sink in this module."""

    __slots__ = ("current", "all", "consumed")

    def __init__(self, ctx: ModuleContext) -> None:
        self.current: dict[tuple[int, str], _Builder] = {}
        self.all: list[_Builder] = []
        self.consumed: set[int] = set()
        ctx.at_end.append(lambda: _report_unconsumed(self, ctx))


@check(ast.Assign, ast.AugAssign, rules=(BE002,), needs=SQL_NAME_WORDS)
def check_sql_variable(node: ast.Assign | ast.AugAssign, ctx: ModuleContext) -> None:
    """SQL built in a SQL-named variable, reported at the end if no sink consumes it."""
    targets = node.targets if node.__class__ is ast.Assign else [node.target]
    names = sql_named_targets(targets)
    if not names:
        return
    builders = ctx.cached(_Builders)
    key = (id(ctx.scope.node), names[0])
    value = node.value
    if isinstance(node, ast.AugAssign):
        if not isinstance(node.op, ast.Add):
            return
        pieces = [Piece(value, OPERAND, "+="), *string_pieces(value, ctx)[1:]]
        builder = builders.current.get(key)
    else:
        appended = _appended(value, names[0])
        builder = builders.current.get(key) if appended is not None else None
        if builder is None:
            pieces = string_pieces(value, ctx)
        else:  # `sql = sql + " AND ..."`: the same statement, continued
            pieces = [p for operand in appended
                      for p in (Piece(operand, OPERAND, "+"), *string_pieces(operand, ctx)[1:])]
    if builder is None:
        builder = builders.current[key] = _Builder(names[0])
        builders.all.append(builder)
    builder.add(node, pieces, ctx)


def _appended(value: ast.expr, name: str) -> list[ast.expr] | None:
    """The operands `sql = sql + a + b` appends to `sql` (`[a, b]`), else None."""
    operands = []
    while isinstance(value, ast.BinOp) and isinstance(value.op, ast.Add):
        operands.append(value.right)
        value = value.left
    if operands and isinstance(value, ast.Name) and value.id == name:
        return operands[::-1]
    return None


def _report_unconsumed(builders: _Builders, ctx: ModuleContext) -> None:
    consumed = builders.consumed
    for builder in builders.all:
        unsafe, stmt = builder.unsafe, builder.unsafe_stmt
        if unsafe is None or stmt is None or not _READS_LIKE_SQL.match("".join(builder.texts)):
            continue
        if any(id(value) in consumed for value in builder.values):
            continue
        end = stmt.targets[-1] if isinstance(stmt, ast.Assign) else stmt.target
        ctx.report(BE002, stmt, end=end, how=unsafe.how,
                   where=f"is assigned to `{builder.name}`", value=describe(unsafe.node))


def _first_unsafe_piece(pieces: list[Piece], ctx: ModuleContext) -> Piece | None:
    for piece in pieces:
        if piece.role != OPERAND or piece.how is None:
            continue
        node = piece.node
        if _is_structural(node):
            continue  # its own pieces follow in the list
        if isinstance(node, ast.Name) and _followed(node, ctx):
            continue
        if not is_safe_value(node, ctx):
            return piece
    return None


def _followed(name: ast.Name, ctx: ModuleContext) -> bool:
    """A name whose every binding is an assignment we followed (so its pieces are listed)."""
    bindings = ctx.reaching(name.id, name)
    return bool(bindings) and all(b.kind in (ASSIGN, AUG) for b in bindings) and any(
        b.kind == AUG or _is_structural(b.value) for b in bindings)


def _is_structural(node: ast.AST | None) -> bool:
    """Pieces the walk looks into: literals, concatenation, formatting, containers."""
    if isinstance(node, ast.BinOp):
        return isinstance(node.op, (ast.Add, ast.Mod))
    return isinstance(node, _STRUCTURAL) or _is_text_call(node)


def _is_text_call(node: ast.AST) -> bool:
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("format", "format_map", "join", "replace", "strip",
                                   "lstrip", "rstrip", "lower", "upper"))
