"""BE001: an f-string with an interpolation reaches a SQL sink.

Tied to sinks and followed through local assignments and `+=` chains, so text
that merely reads like SQL (an error message, a log line) is never flagged, and
DDL is caught without a keyword list. Interpolations that cannot carry user
text are exempt: UPPER_CASE constants, numbers, `len()`/`int()`, and
placeholder lists such as `", ".join(["%s"] * len(ids))`.
"""

from __future__ import annotations

import ast
import re

from flake8_backend.analysis.scope import ASSIGN, PARAM
from flake8_backend.analysis.sql_sinks import LOOKS_LIKE_SQL, SINK_WORDS, Sink, find_sink
from flake8_backend.analysis.strings import PLACEHOLDER, leading_text, literal_text, text_parts
from flake8_backend.registry import Option, Rule, check, register

BE001 = register(Rule(
    code="BE001",
    name="sql-fstring",
    message="SQL built with an f-string reaches {sink}(); pass `{value}` as a query "
            "parameter{hint}",
    summary="An f-string with an interpolation reaches a SQL sink.",
    what="Checks for f-strings with at least one interpolation whose text reaches a SQL "
         "sink: DB-API `execute`/`executemany`/`executescript`, SQLAlchemy `text()`, Django "
         "`.raw()`/`RawSQL()`, pandas `read_sql*`, asyncpg `fetch`/`fetchrow`/`fetchval`, "
         "directly or through local variables, `+=` chains, `%`, `.format()` and `join`.",
    why="Interpolating values into SQL text is SQL injection: a quote in the value rewrites "
        "the query. The review guideline requires parameterized queries, never string "
        "concatenation. The finding is reported at the sink, so prose that merely reads "
        "like SQL (`raise ValueError(f\"Please select a value from {x}\")`) is never flagged.",
    bad='cur.execute(f"SELECT id, email FROM users WHERE id = {user_id}")\n',
    good='cur.execute("SELECT id, email FROM users WHERE id = %s", (user_id,))\n',
    severity="error",
    options=(
        Option("sql-constant-pattern", "regex", r"^_?[A-Z][A-Z0-9_]*$",
               "Names (or attribute names) matching this pattern are constants; interpolating "
               "them is not reported."),
        Option("sql-safe-names", "list", (),
               "Extra names whose interpolation is safe, e.g. identifiers checked against an "
               "allowlist."),
        Option("sql-safe-functions", "regex", r"(?i)quote|escape|identifier|^qn$",
               "Calls whose function name matches this pattern quote or escape their "
               "argument (`quote_identifier(t)`, `connection.ops.quote_name(c)`); "
               "interpolating their result is not reported."),
    ),
    related=("ruff S608 / bandit B608 (text regex, no sink: flags prose, misses flow)",
             "semgrep formatted-sql-query", "BE002 sql-string-building"),
    notes="Identifier interpolation (`f\"DELETE FROM {table} WHERE id = :id\"`) is still "
          "reported, with a hint: check the identifier against an allowlist, name it in "
          "`sql-safe-names`, or compose it with `psycopg.sql.Identifier`. `.fetch()` and "
          "`.raw()` are common outside SQL, so there the string must start like SQL "
          "(or `.raw()` must be called on a Django manager).",
))

_NUMERIC_CALLS = frozenset({"int", "len", "float", "bool", "round", "abs", "min", "max"})
_NUMERIC_ANNOTATIONS = frozenset({"int", "float", "bool", "Decimal", "UUID", "uuid.UUID"})
_IDENTIFIER_BEFORE = re.compile(
    r"\b(from|join|into|update|table|exists|on|by|as|select|distinct)\s*[\"`\[]?\s*$",
    re.IGNORECASE)
_MAX_DEPTH = 4


@check(ast.Call, rules=(BE001,), needs=SINK_WORDS)
def check_sql_fstring(node: ast.Call, ctx) -> None:
    sink = find_sink(node, ctx)
    if sink is None:
        return
    for part in text_parts(sink.sql, ctx):
        if not isinstance(part, ast.JoinedStr):
            continue
        unsafe = _first_unsafe(part, ctx)
        if unsafe is None:
            continue
        if sink.ambiguous and not _looks_like_sql(sink, ctx):
            return
        ctx.report(BE001, node, end=node.func, sink=sink.label.lstrip("."),
                   value=_describe(unsafe.value), hint=_hint(part, unsafe, sink))
        return


def _looks_like_sql(sink: Sink, ctx) -> bool:
    text = leading_text(sink.sql, ctx)
    return text is not None and bool(LOOKS_LIKE_SQL.match(text))


def _first_unsafe(fstring: ast.JoinedStr, ctx) -> ast.FormattedValue | None:
    for value in fstring.values:
        if isinstance(value, ast.FormattedValue) and not _safe_interpolation(value, ctx):
            return value
    return None


def _safe_interpolation(value: ast.FormattedValue, ctx) -> bool:
    spec = value.format_spec
    if isinstance(spec, ast.JoinedStr) and literal_text(spec).rstrip().endswith(("d", "f", "e")):
        return True  # `{n:d}` / `{x:.2f}` only format numbers
    return _safe_value(value.value, ctx, 0)


def _safe_value(expr: ast.expr, ctx, depth: int) -> bool:
    """True when the value cannot carry attacker-controlled text into the SQL."""
    settings = ctx.settings
    if isinstance(expr, ast.Constant):
        return True
    if isinstance(expr, ast.Name):
        if _is_constant_name(expr.id, settings) or expr.id in settings["sql-safe-names"]:
            return True
        return depth < _MAX_DEPTH and _safe_bindings(expr, ctx, depth)
    if isinstance(expr, ast.Attribute):
        return _is_constant_name(expr.attr, settings) or expr.attr in settings["sql-safe-names"]
    if isinstance(expr, ast.Subscript):
        return _safe_value(expr.value, ctx, depth + 1) and isinstance(expr.slice, ast.Slice)
    if isinstance(expr, ast.Call):
        func = expr.func
        if isinstance(func, ast.Name) and func.id in _NUMERIC_CALLS:
            return True
        name = _callee_name(func)
        if name and re.search(settings["sql-safe-functions"], name):
            return True
        return _is_placeholder_join(expr)
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Mult):
        return _is_placeholder_repeat(expr)
    if isinstance(expr, ast.BinOp):
        return _is_number_arithmetic(expr)
    return False


def _safe_bindings(name: ast.Name, ctx, depth: int) -> bool:
    bindings = ctx.reaching(name.id, name)
    if not bindings:
        return False
    for binding in bindings:
        if binding.kind == PARAM:
            if not _numeric_annotation(binding.value):
                return False
        elif binding.kind != ASSIGN or binding.value is None:
            return False
        elif not _safe_value(binding.value, ctx, depth + 1):
            return False
    return True


def _callee_name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _numeric_annotation(arg: ast.AST | None) -> bool:
    annotation = getattr(arg, "annotation", None)
    if isinstance(annotation, ast.Name):
        return annotation.id in _NUMERIC_ANNOTATIONS
    if isinstance(annotation, ast.Attribute):
        return annotation.attr in _NUMERIC_ANNOTATIONS
    return False


def _is_constant_name(name: str, settings) -> bool:
    return re.match(settings["sql-constant-pattern"], name) is not None


def _is_placeholder_join(call: ast.Call) -> bool:
    """`", ".join(["%s"] * n)`, `",".join("?" * n)`, `", ".join("?" for _ in ids)`."""
    func = call.func
    if not (isinstance(func, ast.Attribute) and func.attr == "join" and len(call.args) == 1):
        return False
    arg = call.args[0]
    if isinstance(arg, ast.BinOp) and isinstance(arg.op, ast.Mult):
        return _is_placeholder_repeat(arg)
    if isinstance(arg, (ast.GeneratorExp, ast.ListComp)):
        return _is_placeholder(arg.elt)
    if isinstance(arg, (ast.List, ast.Tuple)):
        return all(_is_placeholder(elt) for elt in arg.elts)
    return False


def _is_placeholder_repeat(expr: ast.BinOp) -> bool:
    """`["%s"] * n` or `"?, " * n`."""
    for side in (expr.left, expr.right):
        if isinstance(side, (ast.List, ast.Tuple)) and side.elts:
            return all(_is_placeholder(elt) for elt in side.elts)
        if isinstance(side, ast.Constant) and isinstance(side.value, str):
            return all(PLACEHOLDER.match(piece) for piece in side.value.split(",") if piece.strip())
    return False


def _is_placeholder(expr: ast.expr) -> bool:
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return PLACEHOLDER.match(expr.value) is not None
    if isinstance(expr, ast.JoinedStr):  # f"${i}", f":p{i}"
        return PLACEHOLDER.match(literal_text(expr, "1")) is not None
    return False


def _is_number_arithmetic(expr: ast.BinOp) -> bool:
    """`{page * size}`, `{offset + 1}`: arithmetic on numbers yields numbers."""
    return any(isinstance(side, ast.Constant) and isinstance(side.value, (int, float))
               and not isinstance(side.value, bool) for side in (expr.left, expr.right)) \
        and isinstance(expr.op, (ast.Add, ast.Sub, ast.Mult, ast.FloorDiv))


def _describe(expr: ast.expr) -> str:
    if isinstance(expr, ast.Call):
        name = _callee_name(expr.func)
        return f"{name}(...)" if name else "the value"
    parts = []
    while isinstance(expr, ast.Attribute):
        parts.append(expr.attr)
        expr = expr.value
    if isinstance(expr, ast.Name):
        parts.append(expr.id)
        return ".".join(reversed(parts))
    if parts:
        return "..." + "." + ".".join(reversed(parts))
    return "the value"


def _hint(fstring: ast.JoinedStr, unsafe: ast.FormattedValue, sink: Sink) -> str:
    before = []
    for value in fstring.values:
        if value is unsafe:
            break
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            before.append(value.value)
        else:
            before.append("x")
    if _IDENTIFIER_BEFORE.search("".join(before)) or sink.has_params:
        return ("; if it is an identifier, check it against an allowlist or compose it with "
                "psycopg.sql.Identifier / sqlalchemy quoting")
    return ""
