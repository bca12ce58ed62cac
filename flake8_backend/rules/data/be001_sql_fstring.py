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

from flake8_backend.analysis.context import ModuleContext
from flake8_backend.domain.sql_sinks import Sink, find_sink, looks_like_sql, sink_callees
from flake8_backend.domain.sql_text import literal_text, text_parts
from flake8_backend.domain.sql_values import describe, is_safe_value
from flake8_backend.patterns import lazy_compile
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
        Option("sql-fragment-pattern", "regex", r"(?i)sql|clause|fragment|where|condition",
               "Values whose name matches this pattern are SQL fragments (`where_sql`, "
               "`order_clause`) composed into SQL, not data; they are checked where they are "
               "built. An empty string turns the exemption off."),
    ),
    related=("ruff S608 / bandit B608 (text regex, no sink: flags prose, misses flow)",
             "semgrep formatted-sql-query", "BE002 sql-string-building"),
    notes="Identifier interpolation (`f\"DELETE FROM {table} WHERE id = :id\"`) is still "
          "reported, with a hint: check the identifier against an allowlist, name it in "
          "`sql-safe-names`, or compose it with `psycopg.sql.Identifier`. `.fetch()` and "
          "`.raw()` are common outside SQL, so there the string must start like SQL "
          "(or `.raw()` must be called on a Django manager).",
))

_IDENTIFIER_BEFORE = lazy_compile(
    r"\b(from|join|into|update|table|exists|on|by|as|select|distinct)\s*[\"`\[]?\s*$",
    re.IGNORECASE)


@check(ast.Call, rules=(BE001,), callees=sink_callees)
def check_sql_fstring(node: ast.Call, ctx: ModuleContext) -> None:
    sink = find_sink(node, ctx)
    if sink is None:
        return
    for sql in sink.sqls:
        for part in text_parts(sql, ctx):
            if not isinstance(part, ast.JoinedStr):
                continue
            unsafe = _first_unsafe(part, ctx)
            if unsafe is None:
                continue
            if sink.ambiguous and not looks_like_sql(sql, ctx):
                return
            ctx.report(BE001, node, end=node.func, sink=sink.label.lstrip("."),
                       value=describe(unsafe.value), hint=_hint(part, unsafe, sink))
            return


def _first_unsafe(fstring: ast.JoinedStr, ctx: ModuleContext) -> ast.FormattedValue | None:
    for value in fstring.values:
        if isinstance(value, ast.FormattedValue) and not _safe_interpolation(value, ctx):
            return value
    return None


def _safe_interpolation(value: ast.FormattedValue, ctx: ModuleContext) -> bool:
    spec = value.format_spec
    if isinstance(spec, ast.JoinedStr) and literal_text(spec).rstrip().endswith(("d", "f", "e")):
        return True  # `{n:d}` / `{x:.2f}` only format numbers
    return is_safe_value(value.value, ctx)


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
