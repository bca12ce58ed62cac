"""BE001: an f-string with an interpolation reaches a SQL sink.

Tied to sinks and followed through local assignments, `+=` chains, joined lists and
local functions that pass their parameter to a sink, so text that merely reads like
SQL (an error message, a log line) is never flagged, and DDL is caught without a
keyword list. Interpolations that cannot carry user text are exempt (see
`domain/sql_values.py`); request data never is (see `domain/client_data.py`).
"""

from __future__ import annotations

import ast

from flake8_backend.analysis.context import ModuleContext
from flake8_backend.domain.sql_sinks import (
    Builder, SqlFlow, excluded, find_sink, looks_like_sql,
    sink_callees, sql_flow)
from flake8_backend.domain.sql_text import (
    Piece, before_text, string_pieces)
from flake8_backend.domain.sql_values import (
    MAX_VALUES, Unsafe, fstring_values)
from flake8_backend.domain.sql_reports import report_at_end, report_sql
from flake8_backend.registry import Option, Rule, check, register

BE001 = register(Rule(
    code="BE001",
    name="sql-fstring",
    message="SQL built with an f-string{built} {where}{client}; {advice}",
    summary="An f-string with an interpolation reaches a SQL sink.",
    what="Checks for f-strings with at least one interpolation whose text reaches a SQL "
         "sink: DB-API `execute`/`executemany`/`executescript`, SQLAlchemy `text()`/`DDL()`/"
         "`exec_driver_sql`, Django `.raw()`/`RawSQL()`, pandas `read_sql*`, asyncpg "
         "`fetch`/`fetchrow`/`fetchval`, peewee `execute_sql`, web.py `db.query`, `databases` "
         "`fetch_all`/`fetch_one`/`fetch_val`, and your own (`extend-sql-sinks`); directly or "
         "through local variables, `+=` chains, `%`, `.format()`, `join` (and the lists it "
         "joins), and functions or methods of the same module that pass their parameter to a "
         "sink (`def run_query(sql): cur.execute(sql)`). An f-string that reads like SQL, "
         "assigned to a `*sql*`/`*query*`/`stmt` variable that reaches no sink in view, is "
         "reported where it is assigned.",
    why="Interpolating values into SQL text is SQL injection: a quote in the value rewrites "
        "the query. The review guideline requires parameterized queries, never string "
        "concatenation. Request data (`request.GET[...]`, `request.args[...]`, "
        "`await request.json()`) is named as client data in the message: that is the "
        "injection a reviewer fears most. The finding is tied to a sink, so prose that "
        "merely reads like SQL (`raise ValueError(f\"Please select a value from {x}\")`) is "
        "never flagged.",
    bad='cur.execute(f"SELECT id, email FROM users WHERE name = \'{request.GET[\'q\']}\'")\n',
    good='cur.execute("SELECT id, email FROM users WHERE name = %s", (request.GET["q"],))\n',
    severity="error",
    options=(
        Option("sql-constant-pattern", "regex", r"^_?[A-Z][A-Z0-9_]*$",
               "Names matching this pattern are constants, and so are such attributes of a "
               "class, `self`, an imported module or `settings` (not of request data: "
               "`request.GET` is client data); interpolating them is not reported."),
        Option("sql-safe-names", "list", (),
               "Extra names whose interpolation is safe, e.g. identifiers checked against an "
               "allowlist."),
        Option("sql-safe-functions", "regex",
               r"(?i)quote|escape|identifier|literal(?!_column)|^qn$"
               r"|^format_(table|column|schema)$",
               "Calls whose function name matches this pattern quote or escape their "
               "argument (`quote_identifier(t)`, `connection.ops.quote_name(c)`, "
               "`literal_string(v)`, SQLAlchemy's `preparer.format_table(t)`; not "
               "`literal_column`, which pastes raw SQL); interpolating their result is not "
               "reported. SQLAlchemy's `column()`, `table()`, `literal()` and `bindparam()` "
               "are always taken as quoting."),
        Option("sql-fragment-pattern", "regex", r"(?i)sql|clause|fragment|where|condition",
               "Calls whose function name matches this pattern return SQL fragments "
               "(`build_where()`, `self.order_clause()`), checked where they are built; "
               "interpolating their result is not reported. A variable so named is a fragment "
               "only when it is visibly built from safe pieces: one filled from a parameter "
               "or from request data is reported. An empty string turns the exemption off."),
        Option("sql-building-exclude", "list",
               ("tests/**", "test_*.py", "*_test.py", "conftest.py"),
               "Glob patterns of files where SQL built from values is not reported by BE001 "
               "and BE002: test code, whose values are fixtures, never requests. Matched "
               "against the end of the path (`*` within one segment, `**` across segments)."),
    ),
    related=("ruff S608 / bandit B608 (text regex, no sink: flags prose, misses flow)",
             "semgrep formatted-sql-query", "BE002 sql-string-building"),
    default_enabled=False,
    notes="Opt-in: turn it on with `enable = [\"BE001\"]`. Its reviewed strict precision "
          "on the pinned library and application corpora is 12% (3 TP of 25) "
          "(benchmarks/precision/BE001.md), below the 90% a default-on rule needs: once "
          "every provably safe value is exempt (constants, numbers, quoted identifiers, "
          "ORM metadata, names the database lists, allowlisted values), what is left are "
          "values whose origin the code does not show: SQL fragments and identifiers that "
          "libraries take by contract, settings, names built from other rows. Values that "
          "are client data (`request.GET[...]`, route parameters) are reported as such "
          "and are the finding to act on first. "
          "Exempt, because no user text can get in: constants (UPPER_CASE names, and UPPER_CASE "
          "attributes of classes, `self`, modules and `settings`), numbers and arithmetic, "
          "`{n:d}`, conditionals between literals (`\"READ ONLY\" if ro else \"READ "
          "WRITE\"`), quoting calls (`sql-safe-functions`; SQLAlchemy `column()`/`literal()`; "
          "`value.replace(\"'\", \"''\")`), `psycopg.sql` composition, placeholder lists "
          "(`\", \".join([\"%s\"] * len(ids))`), random tokens and counters (`uuid4().hex`, "
          "`next(itertools.count())`), the clock (`timezone.now()`), configuration read by a "
          "literal key (`config.get(\"x\")`, `app.config[\"X\"]`, `os.getenv(\"X\")`), loop "
          "variables over literal collections, the keys of a literal dict and the values of a "
          "constant table, values checked against an allowlist (`if x in (...)`, `if x not "
          "in ...: raise` or `x = \"id\"`, `x if x in ... else ...`), collections of safe "
          "elements (`map(int, ids)`), "
          "comprehensions of quoted values, model metadata (`Model.__tablename__`, "
          "`Model.__table__.name`, the table of a SQLAlchemy DDL event, Django "
          "`_meta.db_table`), enum members (`Status.DRAFT.value`, members of an enum defined "
          "in the module), names the database lists (`inspector.get_table_names()`, rows of a "
          "query on `pg_*`/`sys.*`/`information_schema`/`sqlite_master`), and names bound only "
          "to such values. A parameter pasted where no query parameter can go (a table's "
          "place, DDL, `SET`, `PRAGMA`) is the callers' business: the function becomes a "
          "sink for it and the calls in the module passing something unsafe there are "
          "reported (a caller's own parameter is followed to its callers, a few calls deep); "
          "so is `self.table` set from an `__init__` parameter, judged where instances are "
          "made. "
          "Everything else is reported: parameters in a value's place or a column's "
          "(`ORDER BY {col}`), attributes of unknown objects, and request data above all, "
          "including the parameters of route handlers (FastAPI query/path parameters, Flask "
          "and Django URL parameters). The message names each value as written (up to "
          "three), says when it is client data, gives the fix for its place (a query "
          "parameter for a value; for an identifier an allowlist or `psycopg.sql.Identifier`; "
          "for a statement that takes no parameters an allowlist or quoting) and the line where "
          "the text was built when it is elsewhere. `.fetch()`, `.query()`, `.fetch_*()` and "
          "`.raw()` are common outside SQL, so there the string must start like SQL (or "
          "`.raw()` must be called on a Django manager); a list handed to `execute` (a "
          "subprocess runner's argv) is not SQL, nor is text that visibly starts like no SQL "
          "statement. Add your own sinks with the global `extend-sql-sinks` option (dotted "
          "names are functions, plain names are methods). Test files (`sql-building-exclude`) "
          "are not checked. The finding is reported at the sink call, or at the SQL text when "
          "it sits inside the call on a line of its own (black-wrapped code), which is where "
          "`# noqa: BE001` goes, as in ruff.",
))


@check(ast.Call, rules=(BE001,), callees=sink_callees)
def check_sql_fstring(node: ast.Call, ctx: ModuleContext) -> None:
    if excluded(ctx):
        return
    sink = find_sink(node, ctx)
    if sink is None:
        return
    flow = sql_flow(ctx)
    flow.note_sink(sink)
    flow.judge(BE001.code, lambda arg: _judge(arg, ctx))
    flow.on_end(_report_at_end)
    for sql in sink.sqls:
        values = unsafe_fstring_values(sql, ctx)
        if not values:
            continue
        if sink.ambiguous and not looks_like_sql(sql, ctx):
            return
        values, _ = flow.defer(values, sink, BE001.code, "an f-string")
        if values:
            report_sql(BE001, ctx, node, sql, values, f"reaches {sink.label.lstrip('.')}()",
                       "an f-string")
        return


def unsafe_fstring_values(sql: ast.expr, ctx: ModuleContext) -> list[Unsafe]:
    """Unsafe interpolations of the f-strings whose text flows into `sql`."""
    found: list[Unsafe] = []
    for piece in string_pieces(sql, ctx):
        if isinstance(piece.node, ast.JoinedStr):
            found.extend(fstring_values(piece.node, ctx, piece.comps,
                                        lambda piece=piece: before_text(piece, ctx)))
            if len(found) >= MAX_VALUES:
                break
    return found


def note_fstring_variable(node: ast.Assign | ast.AugAssign, builder: Builder,
                          pieces: list[Piece], ctx: ModuleContext) -> None:
    """SQL built with an f-string in a SQL-named variable, reported at the end if no sink
    consumes it (called by BE002's check on SQL-named assignments, which both rules share)."""
    flow = sql_flow(ctx)
    flow.on_end(_report_at_end)
    if BE001.code in builder.unsafe:
        return
    values = [u for p in pieces if isinstance(p.node, ast.JoinedStr)
              for u in fstring_values(p.node, ctx, p.comps,
                                      lambda p=p: before_text(p, ctx))][:MAX_VALUES]
    values, _ = flow.defer(values, None, BE001.code, "an f-string")
    if values:
        builder.unsafe[BE001.code] = ((values, "an f-string"), node)


def _judge(arg: ast.expr, ctx: ModuleContext) -> tuple[list[Unsafe], str] | None:
    values = unsafe_fstring_values(arg, ctx)
    return (values, "an f-string") if values else None


def _report_at_end(flow: SqlFlow) -> None:
    report_at_end(flow, BE001)
