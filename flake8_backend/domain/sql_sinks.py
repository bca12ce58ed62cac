"""Where SQL text is executed: the sink registry and the SQL flow shared by the SQL rules.

A finding is tied to a sink, not to text that merely reads like SQL, which is
what keeps prose such as `raise ValueError(f"Please select a value from {x}")`
silent. Methods are matched by name (the receiver's type is unknown without
inference); module-level functions are matched by qualified name after
import resolution, so an unrelated `text()` is never a sink. A list handed to
`execute` (a subprocess runner's argv) and text that visibly starts like no SQL
statement are not SQL.

`SqlFlow` follows SQL one call further, within the module: a function or method
that passes one of its parameters to a sink is itself a sink for that argument
(`def run_query(sql): cur.execute(sql)`), and SQL built in a `*sql*`/`*query*`
variable that reaches no sink in view is reported where it is built.
"""

from __future__ import annotations

import ast
import re
from typing import Callable, NamedTuple

from flake8_backend.analysis.context import ModuleContext
from flake8_backend.analysis.paths import path_matches
from flake8_backend.analysis.scope import ASSIGN, AUG, OTHER, PARAM, Scope
from flake8_backend.domain.client_data import client_source
from flake8_backend.domain.sql_text import (
    OPERAND, TABLE, TEXT, UTILITY, VALUE, Piece, leading_text, literal_text, record_execute,
    string_pieces, visible_start)
from flake8_backend.domain.sql_values import Unsafe, is_fragment_name, is_safe_value
from flake8_backend.patterns import lazy_compile
from flake8_backend.registry import Callees, Needs
from flake8_backend.settings import Settings

# Methods whose first argument is SQL on every DB-API cursor and most drivers (and peewee's
# `execute_sql`).
METHOD_SINKS = frozenset({"execute", "executemany", "executescript", "fetchrow", "fetchval",
                          "read_sql", "read_sql_query", "exec_driver_sql", "execute_sql"})
# Method names that are also common outside SQL: the text must start like SQL. web.py's
# `db.query()`, `databases`' `fetch_all/fetch_one/fetch_val`, asyncpg's `fetch`, Django's `raw`.
AMBIGUOUS_METHOD_SINKS = frozenset({"fetch", "raw", "query", "fetch_all", "fetch_one",
                                    "fetch_val"})
FUNCTION_SINKS = frozenset({
    "sqlalchemy.text", "sqlalchemy.sql.text", "sqlalchemy.sql.expression.text",
    "sqlalchemy.DDL", "sqlalchemy.schema.DDL",
    "django.db.models.RawSQL", "django.db.models.expressions.RawSQL",
    "pandas.read_sql", "pandas.read_sql_query", "pandas.io.sql.read_sql",
    "pandas.io.sql.read_sql_query",
})
SQL_KEYWORDS = {"sql", "query", "statement", "stmt", "operation", "sql_query", "raw_query"}

# Variables whose name says they hold SQL; every name it matches contains one of the
# words, in some case (the prefilter words of checks on SQL-named assignments).
SQL_NAME = lazy_compile(r"(?i)sql|query|^stmt$|_stmt$|^stmt_")
SQL_NAME_WORDS = Needs(("sql", "query", "stmt"), ignore_case=True)

# How a whole SQL statement may start (after comments): text handed to `execute` that visibly
# starts otherwise (`" ".join(["python", script])`, `"git log"`) is not SQL.
STATEMENT_START = lazy_compile(
    r"^\s*(?:--[^\n]*\n\s*|/\*.*?\*/\s*)*[(;]?\s*(select|insert|update|delete|with|create|"
    r"drop|alter|truncate|replace|merge|pragma|explain|grant|revoke|upsert|copy|call|exec|"
    r"execute|declare|set|show|vacuum|analy[sz]e|begin|commit|rollback|savepoint|release|start|"
    r"end|lock|unlock|listen|notify|unlisten|reset|discard|comment|refresh|reindex|cluster|"
    r"attach|detach|do|load|use|values|table|prepare|deallocate|checkpoint|rename|optimize|"
    r"flush|kill|describe|desc|fetch|move|close|open|abort|import|export|if|while|print|"
    r"declare|backup|restore|go|upsert|sp_\w+)\b",
    re.IGNORECASE | re.DOTALL)

LOOKS_LIKE_SQL = lazy_compile(
    r"^\s*\(?\s*(select|insert|update|delete|with|create|drop|alter|truncate|replace|merge|"
    r"pragma|explain|grant|revoke|upsert|copy|call|exec|declare|set|show|vacuum|analyze)\b",
    re.IGNORECASE)


class Sink(NamedTuple):
    """A call that executes SQL: its display name and the expressions holding the SQL."""

    label: str
    sqls: tuple[ast.expr, ...]
    call: ast.Call
    ambiguous: bool
    has_params: bool


class _LastSink:
    """The last call asked about and its answer: every SQL rule asks about the same call."""

    __slots__ = ("call", "sink")

    def __init__(self, ctx: ModuleContext) -> None:
        self.call: ast.Call | None = None
        self.sink: Sink | None = None


def find_sink(call: ast.Call, ctx: ModuleContext) -> Sink | None:
    """The SQL sink this call is, if any."""
    last = ctx.cached(_LastSink)
    if last.call is not call:
        last.call, last.sink = call, _find_sink(call, ctx)
    return last.sink


def _find_sink(call: ast.Call, ctx: ModuleContext) -> Sink | None:
    func = call.func
    methods, functions, function_names = ctx.cached(_configured)[:3]
    if isinstance(func, ast.Attribute):
        name = func.attr
        if name == "extra":
            sqls = _extra_arguments(call)
            return Sink(".extra", sqls, call, False, False) if sqls else None
        if name in methods or name in AMBIGUOUS_METHOD_SINKS:
            sql = _sql_argument(call)
            if sql is None or _not_sql(sql, ctx, statement=True):
                return None
            ambiguous = name in AMBIGUOUS_METHOD_SINKS and not (
                name == "raw" and _is_manager(func.value))
            return Sink(f".{name}", (sql,), call, ambiguous, _has_params(call))
    if isinstance(func, ast.Attribute) and func.attr not in function_names:
        return None  # `x.y.text(...)` keeps its last name through aliases: skip the lookup
    qualname = ctx.qualname(func)
    if qualname in functions:
        sql = _sql_argument(call)
        if sql is not None and not _not_sql(sql, ctx, statement=False):
            return Sink(qualname.rsplit(".", 1)[-1], (sql,), call, False, _has_params(call))
    return None


_CONTAINERS = (ast.List, ast.Tuple, ast.Set, ast.Dict, ast.ListComp, ast.SetComp,
               ast.DictComp, ast.GeneratorExp)


def _not_sql(sql: ast.expr, ctx: ModuleContext, statement: bool) -> bool:
    """A container (`execute(["git", "log"])`, or a name bound only to one), or, where a
    whole statement is expected, text that visibly starts like no SQL statement."""
    if isinstance(sql, _CONTAINERS):
        return True
    if isinstance(sql, ast.Name):
        values = [b.value for b in ctx.reaching(sql.id, sql) if b.kind in (ASSIGN, AUG)]
        if values and all(isinstance(v, _CONTAINERS) or isinstance(v, ast.AugAssign)
                          and isinstance(v.value, _CONTAINERS) for v in values):
            return True
    return statement and not statement_like(sql, ctx)


class _Configured(NamedTuple):
    """Built-in sinks plus `extend-sql-sinks` (dotted: functions; plain: method names)."""

    methods: frozenset[str]
    functions: frozenset[str]
    function_names: frozenset[str]  # last parts of `functions`
    # What `_may_wrap` searches the text for: of `methods`, of the first parts of
    # `functions` and of `function_names`, the ones holding no other (text holding
    # `executemany` holds `execute`), so a search per word finds the same answer.
    wrap_methods: tuple[str, ...]
    wrap_roots: tuple[str, ...]
    wrap_names: tuple[str, ...]


_CONFIGURED: dict[tuple[str, ...], _Configured] = {}


def _configured(ctx: ModuleContext) -> _Configured:
    """Per module, made once per value of `extend-sql-sinks` (the same in nearly every run)."""
    extra = tuple(ctx.settings["extend-sql-sinks"])
    found = _CONFIGURED.get(extra)
    if found is None:
        if len(_CONFIGURED) > 64:  # a bound on memory for hosts making many settings
            _CONFIGURED.clear()
        functions = FUNCTION_SINKS | {e for e in extra if "." in e}
        methods = METHOD_SINKS | {e for e in extra if "." not in e}
        names = frozenset(f.rsplit(".", 1)[-1] for f in functions)
        found = _CONFIGURED[extra] = _Configured(
            methods, functions, names, _innermost(methods),
            _innermost({f.split(".", 1)[0] for f in functions}), _innermost(names))
    return found


def _innermost(words: set[str] | frozenset[str]) -> tuple[str, ...]:
    """The words containing no other word of the set, shortest first."""
    return tuple(sorted((w for w in words if not any(o != w and o in w for o in words)),
                        key=lambda w: (len(w), w)))


_SQL_NAMES: dict[str, bool] = {}


def is_sql_name(name: str) -> bool:
    """Whether a variable's name says it holds SQL (`sql`, `query`, `stmt`); cached per name."""
    found = _SQL_NAMES.get(name)
    if found is None:
        if len(_SQL_NAMES) > 50_000:  # a bound on memory for very long runs
            _SQL_NAMES.clear()
        found = _SQL_NAMES[name] = SQL_NAME.search(name) is not None
    return found


def sql_named_targets(targets: list[ast.expr]) -> list[str]:
    """The SQL-named plain names among assignment targets (`sql = ...`, `a = query = ...`)."""
    if len(targets) == 1:  # nearly every assignment: no list to build
        target = targets[0]
        if target.__class__ is ast.Name and is_sql_name(target.id):
            return [target.id]
        return []
    return [t.id for t in targets if t.__class__ is ast.Name and is_sql_name(t.id)]


def sink_callees(settings: Settings) -> Callees:
    """Every call `find_sink` can accept: method sinks by name, function sinks by qualname."""
    extra = settings["extend-sql-sinks"]
    return Callees(
        names=(METHOD_SINKS | AMBIGUOUS_METHOD_SINKS | {"extra"}
               | {e for e in extra if "." not in e}),
        qualnames=FUNCTION_SINKS | {e for e in extra if "." in e})


def wrapper_words(settings: Settings) -> Needs:
    """Words (any case) of which one occurs in every module holding an unambiguous sink,
    hence a local wrapper of one: `exec` (execute*, exec_driver_sql), `fetch` (fetchrow,
    fetchval), `sql` (read_sql*, RawSQL, and sqlalchemy, imported for text() and DDL()),
    and the last names of `extend-sql-sinks`."""
    extra = {e.rsplit(".", 1)[-1].lower() for e in settings["extend-sql-sinks"]}
    return Needs(tuple(sorted({"exec", "fetch", "sql"} | extra)), ignore_case=True)


def looks_like_sql(expr: ast.expr, ctx: ModuleContext) -> bool:
    """Whether the string's visible leading text starts with a SQL keyword."""
    text = leading_text(expr, ctx)
    return text is not None and bool(LOOKS_LIKE_SQL.match(text))


def _extra_arguments(call: ast.Call) -> tuple[ast.expr, ...]:
    """Django `QuerySet.extra(where=[...], select={...}, tables=[...], order_by=[...])`."""
    found: list[ast.expr] = []
    for keyword in call.keywords:
        value = keyword.value
        if keyword.arg in ("where", "tables", "order_by") and isinstance(
                value, (ast.List, ast.Tuple)):
            found.extend(value.elts)
        elif keyword.arg == "select" and isinstance(value, ast.Dict):
            found.extend(v for v in value.values if v is not None)
    return tuple(found)


def _sql_argument(call: ast.Call) -> ast.expr | None:
    args = call.args
    if len(args) >= 2 and _is_text(args[1]) and not _is_text(args[0]):
        return args[1]  # `datasette.execute(database_name, sql, params)`
    if args and not isinstance(args[0], ast.Starred):
        return args[0]
    for keyword in call.keywords:
        if keyword.arg in SQL_KEYWORDS:
            return keyword.value
    return None


def _is_text(node: ast.expr) -> bool:
    """A string built in place: a literal, an f-string, or `+`/`%`/`.format()` on one.

    Iterative: `"a" + "a" + ...` with thousands of terms nests that deep on the left."""
    while True:
        if isinstance(node, ast.JoinedStr):
            return True
        if isinstance(node, ast.Constant):
            return isinstance(node.value, str)
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
            node = node.left
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and node.func.attr == "format"):
            node = node.func.value
        else:
            return False


def _has_params(call: ast.Call) -> bool:
    return len(call.args) > 1 or any(
        k.arg in ("params", "parameters", "args", "bind_params") for k in call.keywords)


def _is_manager(receiver: ast.expr) -> bool:
    """`Model.objects.raw(...)`: Django managers make `.raw()` unambiguous."""
    while isinstance(receiver, ast.Call):
        receiver = receiver.func
    return isinstance(receiver, ast.Attribute) and (
        receiver.attr == "objects" or receiver.attr.endswith("manager"))


# -- where to report -----------------------------------------------------------------------
def report_node(call: ast.Call, sql: ast.expr) -> ast.expr:
    """Where `# noqa` goes: the SQL text when it sits in the call on a line of its own
    (black-wrapped code, as ruff reports), else the call."""
    if sql.lineno > call.lineno and not isinstance(sql, (ast.Name, ast.Attribute)):
        return sql
    return call


def excluded(ctx: ModuleContext) -> bool:
    """The file matches `sql-building-exclude` (test code, by default)."""
    return ctx.cached(_excluded)


def _excluded(ctx: ModuleContext) -> bool:
    return path_matches(ctx.path, ctx.settings["sql-building-exclude"])


# -- the flow: wrappers one call away, and SQL variables that reach no sink ------------------
class Wrapper(NamedTuple):
    """A local function or method passing its parameter `name` to a sink: as the SQL text
    (`pasted` empty), or pasted into it where no query parameter can go (an identifier, a
    DDL statement): then `pasted` is (rule code, how it was pasted, the place), and the
    calls passing something unsafe there are reported."""

    position: int | None  # where the argument sits at a call (`self.` not counted)
    name: str | None  # the parameter's name, for keyword arguments
    sink: str  # the sink it reaches, for messages
    line: int  # the sink's line
    statement: bool  # the sink takes a whole statement (a method sink)
    pasted: tuple[str, str, str] | tuple[()] = ()


class Argument(NamedTuple):
    """An unsafe value passed to a local function or method, judged at the call."""

    call: ast.Call
    key: tuple
    position: int | None
    keyword: str | None
    unsafe: Unsafe


class Candidate(NamedTuple):
    """SQL text passed to a wrapper, with a rule's verdict: (unsafe values, how built)."""

    code: str
    call: ast.Call
    wrapper: Wrapper
    arg: ast.expr
    verdict: tuple


class _Recorded(NamedTuple):
    """A call that may reach a local function, with the walk's state at the call."""

    call: ast.Call
    key: tuple
    scope: Scope
    loops: tuple


class _Forward(NamedTuple):
    """`def g(sql): f(sql)`: g is a wrapper if f is one at that argument."""

    key: tuple  # g
    param: Wrapper  # g's parameter, its sink fields filled when resolved
    callee: tuple  # f
    position: int | None
    keyword: str | None


class Deferred(NamedTuple):
    """A parameter pasted where no query parameter can go, to be judged at the calls."""

    key: tuple  # the function
    param: Wrapper  # its parameter, with the sink and how it was pasted


class Builder:
    """One SQL statement built in a SQL-named variable: an assignment and the `+=` after it.

    Reported once per rule, where its first unsafe piece enters, if none of its statements
    reaches a sink (a sink reports it there). Each `+=` adds only its own pieces, so a
    builder of n lines costs O(n), not O(n^2).
    """

    __slots__ = ("name", "values", "texts", "length", "unsafe")

    def __init__(self, name: str) -> None:
        self.name = name
        self.values: list[ast.expr] = []  # each statement's value, as a sink's walk meets it
        self.texts: list[str] = []  # literal text, in order, to tell whether it reads like SQL
        self.length = 0
        # rule code -> (the rule's verdict, the statement where it was found)
        self.unsafe: dict[str, tuple[object, ast.Assign | ast.AugAssign]] = {}

    def reads_like_sql(self) -> bool:
        return _READS_LIKE_SQL.match("".join(self.texts)) is not None


_MAX_TEXT = 10_000
_MAX_ROUNDS = 4  # wrappers of wrappers followed at most this deep
# The statement shapes ruff S608 looks for, used only for strings with no visible sink;
# anchored at the start and with same-case keywords, so prose such as
# "Select a value from the list" does not read like SQL (ruff#8717).
_SHAPES = (r"select\s.*\sfrom\s|delete\s+from\s|insert\s+into\s.*\svalues\b|"
           r"update\s.*\sset\s")
_SHAPES_UPPER = (r"SELECT\s.*\sFROM\s|DELETE\s+FROM\s|INSERT\s+INTO\s.*\sVALUES\b|"
                 r"UPDATE\s.*\sSET\s")
_READS_LIKE_SQL = lazy_compile(rf"(?s)^\s*\(?\s*(?:{_SHAPES}|{_SHAPES_UPPER})")


class SqlFlow:
    """Per module: sinks one call away and SQL variables, decided when the module ends.

    The walk sees a call before or after the function it calls, so wrappers are recorded at
    their sinks, calls that may reach a local function are recorded with the walk's scope
    and enclosing loops, and at the end only the calls to a known wrapper are judged, each
    in its own scope (`reaching` filters bindings by position, so the answers are the ones
    the walk would have given there). Rules register their verdict on passed text with
    `judge` and their reports with `on_end`; reports run after the matching, in order.
    """

    def __init__(self, ctx: ModuleContext) -> None:
        self.ctx = ctx
        self.wrappers: dict[tuple, list[Wrapper]] = {}
        self.forwards: list[_Forward] = []
        self.candidates: list[Candidate] = []
        self.arguments: list[Argument] = []
        self.calls: list[_Recorded] = []
        # (a statement using a call's value, the walk's scope and loops there): made
        # `calls` at the end only if the module has a wrapper by then (see `local_calls`)
        self.pending: list[tuple[ast.stmt, Scope, tuple]] = []
        self.seen: set[int] = set()  # recorded calls already followed
        self.judges: dict[str, Callable[[ast.expr], tuple | None]] = {}
        self.consumed: set[int] = set()  # ids of pieces that reached a sink or a wrapper
        self.builders: dict[tuple[int, str], Builder] = {}
        self.all_builders: list[Builder] = []
        self.reporters: list[Callable[[SqlFlow], None]] = []
        self._last_sink: ast.Call | None = None
        self._last_statement_calls: ast.stmt | None = None
        self.excluded = excluded(ctx)  # the file matches `sql-building-exclude`
        self._may_wrap: bool | None = None
        self._last_statement: ast.AST | None = None
        self._statement: tuple[Builder, list[Piece]] | None = None
        ctx.at_end.append(self._finish)

    def on_end(self, reporter: Callable[[SqlFlow], None]) -> None:
        if reporter not in self.reporters:
            self.reporters.append(reporter)

    # -- sinks ---------------------------------------------------------------------------
    def note_sink(self, sink: Sink) -> None:
        """Mark the sink's pieces consumed; record the enclosing function as a wrapper when
        the SQL text is one of its parameters."""
        if self._last_sink is sink.call:
            return
        self._last_sink = sink.call
        ctx = self.ctx
        for sql in sink.sqls:
            record_execute(sink.call, sql, ctx)
            pieces = string_pieces(sql, ctx)
            self.consumed.update(id(p.node) for p in pieces)
            if sink.ambiguous:
                continue
            for piece in pieces:
                if piece.role == TEXT and isinstance(piece.node, ast.Name):
                    self._note_wrapper(piece.node, sink)

    def _note_wrapper(self, name: ast.Name, sink: Sink) -> None:
        found = _enclosing_def(self.ctx)
        if found is None:
            return
        key, node, bound = found
        for binding in self.ctx.reaching(name.id, name):
            if binding.kind != PARAM:
                continue
            wrapper = _parameter(node, binding.value, bound, sink)
            if wrapper is not None:
                entry = self.wrappers.setdefault(key, [])
                if wrapper not in entry:
                    entry.append(wrapper)

    # -- calls to local functions --------------------------------------------------------
    def local_calls(self, stmt: ast.stmt) -> None:
        """Keep a statement whose calls may call a function or method of this module, with
        the walk's scope and loops there; see `record_local_calls`.

        Only kept: its calls (`_statement_calls`; the tree does not change) and which of
        them may reach a local function are found at the end (in `_resolve_pending`, in
        the statement's scope, as they were found here before), and only if the module
        has a wrapper by then; most modules have none, and with no wrapper at the end no
        call is ever looked at (`_follow_calls` takes only calls to one).
        """
        if self._last_statement_calls is stmt or self.excluded:
            return
        self._last_statement_calls = stmt
        if self._may_wrap is None:  # a local wrapper needs an unambiguous sink in the module
            self._may_wrap = _may_wrap(self.ctx)
        if not self._may_wrap:
            return
        scope = self.ctx.scope
        self.pending.append((stmt, scope, tuple(scope.loops)))

    def _resolve_pending(self) -> None:
        """The kept calls that may reach a function or method of this module, in walk order,
        each decided in its own scope (what `_callee_key` reads of a scope, its function,
        class and `self` name, is fixed when the scope is made)."""
        ctx = self.ctx
        sinks = ctx.cached(_configured)
        functions = ctx.cached(_local_defs).functions
        for stmt, scope, loops in self.pending:
            ctx.scope = scope
            for call in _statement_calls(stmt):
                func = call.func
                if func.__class__ is ast.Name:
                    name = func.id
                    if name not in functions:
                        continue  # no top-level function or class of this module has that name
                elif func.__class__ is ast.Attribute and func.value.__class__ is ast.Name:
                    name = func.attr  # `self.method(...)`: `_callee_key` asks the class
                else:
                    continue
                if name in sinks.methods or name in AMBIGUOUS_METHOD_SINKS:
                    continue  # a sink by its name already
                key = _callee_key(call, ctx)
                if key is not None:
                    self.calls.append(_Recorded(call, key, scope, loops))
        self.pending = []

    def judge(self, code: str, judge: Callable[[ast.expr], tuple | None]) -> None:
        """A rule's verdict on SQL text passed to a local function: (unsafe values, how it
        was built), or None when it is safe."""
        self.judges.setdefault(code, judge)

    def _enter(self, recorded: _Recorded) -> None:
        """Judge as the walk would have at the call: its scope and enclosing loops."""
        self.ctx.scope = recorded.scope
        recorded.scope.loops = list(recorded.loops)

    def _note_forwards(self, recorded: _Recorded) -> None:
        """`def g(x): f(x)`: g is a wrapper for x if f is one at that argument."""
        found = _enclosing_def(self.ctx)
        if found is None:
            return
        key, node, bound = found
        for position, keyword, arg in _arguments(recorded.call):
            if not isinstance(arg, ast.Name):
                continue
            for binding in self.ctx.reaching(arg.id, arg):
                if binding.kind == PARAM:
                    param = _parameter(node, binding.value, bound, None)
                    if param is not None:
                        self.forwards.append(
                            _Forward(key, param, recorded.key, position, keyword))

    def _judge_calls(self, live: list[_Recorded]) -> None:
        """Text handed to a wrapper: each rule's verdict, and what it consumes."""
        ctx = self.ctx
        for recorded in live:
            if not any(not w.pasted for w in self.wrappers.get(recorded.key, ())):
                continue
            self._enter(recorded)
            for position, keyword, arg in _arguments(recorded.call):
                wrapper = self.wrapper_for(recorded.key, position, keyword)
                if wrapper is None or not _builds_text(arg, ctx):
                    continue
                self.consumed.update(id(p.node) for p in string_pieces(arg, ctx))
                statement = statement_like(arg, ctx)
                for code, judge in self.judges.items():
                    found = judge(arg)
                    if not found:
                        continue
                    values, how = found
                    kept, deferred = self.defer(values, None, code, how)
                    for item in deferred:  # `def drop(t): run(f"DROP TABLE {t}")`
                        self._add_wrapper(item.key, item.param._replace(
                            sink=wrapper.sink, line=wrapper.line))
                    if kept and (statement or not wrapper.statement):
                        self.candidates.append(Candidate(
                            code, recorded.call, wrapper, arg, (kept, how)))
            recorded.scope.loops = []

    def _judge_arguments(self, live: list[_Recorded]) -> None:
        """Unsafe values passed where a local function pastes its parameter. A value made of
        the caller's own parameters (`drop(conn, "%s_log" % name)`) makes the caller such a
        function in turn, a few calls deep."""
        judged: set[int] = set()
        for _ in range(_MAX_ROUNDS):
            grew = False
            for recorded in live:
                pasted = [w for w in self.wrappers.get(recorded.key, ()) if w.pasted]
                if not pasted or id(recorded) in judged:
                    continue
                judged.add(id(recorded))
                self._enter(recorded)
                grew = self._judge_call_arguments(recorded, pasted) or grew
                recorded.scope.loops = []
            if not grew:
                return
            self._follow_calls(live)

    def _judge_call_arguments(self, recorded: _Recorded, pasted: list[Wrapper]) -> bool:
        ctx = self.ctx
        grew = False
        caller = _enclosing_def(ctx)
        for position, keyword, arg in _arguments(recorded.call):
            matching = [w for w in pasted if _matches(w, position, keyword)]
            if not matching:
                continue
            client = client_source(arg, ctx)
            roots = parameter_roots(arg, ctx) if caller is not None and client is None else []
            params = [_parameter(caller[1], root, caller[2], None)
                      for root in roots] if caller is not None else []
            if params and all(p is not None for p in params):
                for wrapper in matching:
                    for param in params:
                        self._add_wrapper(caller[0], param._replace(  # type: ignore[union-attr]
                            sink=wrapper.sink, line=wrapper.line, statement=wrapper.statement,
                            pasted=wrapper.pasted))
                grew = True
            elif not is_safe_value(arg, ctx):
                self.arguments.append(Argument(
                    recorded.call, recorded.key, position, keyword,
                    Unsafe(arg, VALUE, client, arg.lineno)))
        return grew

    # -- parameters pasted where no query parameter can go ----------------------------------
    def defer(self, values: list[Unsafe], sink: Sink | None, code: str, how: str
              ) -> tuple[list[Unsafe], list[Deferred]]:
        """Split off the parameters of this function pasted as a table name or into a
        statement that takes no parameters (`f"DROP TABLE {table}"`): their safety is the
        callers' (a name cannot be bound), so the calls in this module passing something
        unsafe there are reported instead. Request data, fragment-named parameters and
        columns (`ORDER BY {col}`, where request data most often goes) stay reported here."""
        kept: list[Unsafe] = []
        deferred: list[Deferred] = []
        ctx = self.ctx
        found = None
        for unsafe in values:
            if unsafe.position in (TABLE, UTILITY) and unsafe.client is None:
                init = _constructor_parameter(unsafe.node, ctx, sink)
                if init is not None:  # `self.table`, set from `__init__(self, table)`
                    deferred.append(Deferred(init[0], init[1]._replace(
                        pasted=(code, how, unsafe.position))))
                    continue
                params = parameter_roots(unsafe.node, ctx)
                found = found or _enclosing_def(ctx)
                wrappers = [_parameter(found[1], param, found[2], sink)
                            for param in params] if found and params else []
                if wrappers and all(w is not None for w in wrappers):
                    deferred.extend(Deferred(found[0], w._replace(  # type: ignore[union-attr]
                        pasted=(code, how, unsafe.position))) for w in wrappers)
                    continue
            kept.append(unsafe)
        if sink is not None:
            for item in deferred:
                self._add_wrapper(item.key, item.param)
        return kept, deferred

    def _add_wrapper(self, key: tuple, wrapper: Wrapper) -> None:
        entry = self.wrappers.setdefault(key, [])
        if all(w.position != wrapper.position or w.name != wrapper.name
               or w.pasted != wrapper.pasted for w in entry):
            entry.append(wrapper)

    def pasted_arguments(self, code: str) -> list[tuple[Argument, Wrapper]]:
        """Unsafe values passed where a local function pastes them (for rule `code`)."""
        found = []
        for argument in self.arguments:
            for wrapper in self.wrappers.get(argument.key, ()):
                if wrapper.pasted and wrapper.pasted[0] == code and _matches(
                        wrapper, argument.position, argument.keyword):
                    found.append((argument, wrapper))
                    break
        return found

    def wrapper_for(self, key: tuple, position: int | None,
                    keyword: str | None) -> Wrapper | None:
        """The wrapper taking SQL text at this argument of a call to `key`."""
        for wrapper in self.wrappers.get(key, ()):
            if not wrapper.pasted and _matches(wrapper, position, keyword):
                return wrapper
        return None

    # -- SQL-named variables ---------------------------------------------------------------
    def track_variable(self, node: ast.Assign | ast.AugAssign, names: list[str]
                       ) -> tuple[Builder, list[Piece]] | None:
        """The builder a SQL-named assignment adds to, and the pieces it adds. `names`: the
        node's `sql_named_targets`, not empty."""
        if self._last_statement is node:
            return self._statement
        self._last_statement = node
        self._statement = self._track(node, names)
        return self._statement

    def _track(self, node: ast.Assign | ast.AugAssign, names: list[str]
               ) -> tuple[Builder, list[Piece]] | None:
        ctx = self.ctx
        key = (id(ctx.scope.node), names[0])
        value = node.value
        if isinstance(node, ast.AugAssign):
            if not isinstance(node.op, ast.Add):
                return None
            pieces = [Piece(value, OPERAND, "+="), *string_pieces(value, ctx)[1:]]
            builder = self.builders.get(key)
        else:
            appended = _appended(value, names[0])
            builder = self.builders.get(key) if appended is not None else None
            if builder is None:
                pieces = string_pieces(value, ctx)
            else:  # `sql = sql + " AND ..."`: the same statement, continued
                pieces = [p for operand in appended
                          for p in (Piece(operand, OPERAND, "+", (), value),
                                    *string_pieces(operand, ctx)[1:])]
        if builder is None:
            builder = self.builders[key] = Builder(names[0])
            self.all_builders.append(builder)
        builder.values.append(value)
        if builder.length < _MAX_TEXT:
            for piece in pieces:
                part = piece.node
                if isinstance(part, ast.Constant) and isinstance(part.value, str):
                    text = part.value
                elif isinstance(part, ast.JoinedStr):
                    text = literal_text(part, "x")
                else:
                    continue
                builder.texts.append(text)
                builder.length += len(text)
        return builder, pieces

    def unconsumed(self) -> list[Builder]:
        """Builders that read like SQL and none of whose statements reached a sink."""
        consumed = self.consumed
        return [b for b in self.all_builders if b.unsafe and b.reads_like_sql()
                and not any(id(value) in consumed for value in b.values)]

    # -- the end -------------------------------------------------------------------------
    def _finish(self) -> None:
        ctx = self.ctx
        walked = ctx.scope
        try:
            live: list[_Recorded] = []
            if self.wrappers:  # else no call can reach one, and none is added below
                self._resolve_pending()
            self._follow_calls(live)
            self._judge_calls(live)
            self._follow_calls(live)
            self._judge_arguments(live)
        finally:
            for recorded in self.calls:
                recorded.scope.loops = []
            ctx.scope = walked
        for reporter in self.reporters:
            reporter(self)

    def _follow_calls(self, live: list[_Recorded]) -> None:
        """Calls to wrappers (`live`), and wrappers of wrappers a few calls deep: only the
        calls to a function known to be a wrapper are looked at, once each."""
        ctx = self.ctx
        for _ in range(_MAX_ROUNDS):
            pending = [r for r in self.calls if r.key in self.wrappers and id(r) not in self.seen]
            if not pending:
                return
            for recorded in pending:
                self.seen.add(id(recorded))
                self._enter(recorded)
                if _still_local(recorded.call, ctx):
                    live.append(recorded)
                    self._note_forwards(recorded)
                recorded.scope.loops = []
            self._resolve_forwards()

    def _resolve_forwards(self) -> None:
        """Wrappers from the parameters forwarded to wrappers."""
        for _ in range(_MAX_ROUNDS):
            added = False
            for forward in self.forwards:
                for target in self.wrappers.get(forward.callee, ()):
                    if not _matches(target, forward.position, forward.keyword):
                        continue
                    wrapper = forward.param._replace(sink=target.sink, line=target.line,
                                                     statement=target.statement,
                                                     pasted=target.pasted)
                    before = len(self.wrappers.get(forward.key, ()))
                    self._add_wrapper(forward.key, wrapper)
                    added = added or len(self.wrappers[forward.key]) > before
            if not added:
                return


def _may_wrap(ctx: ModuleContext) -> bool:
    """Whether the module's text holds the name of an unambiguous sink: a method sink, or a
    function sink where its module is imported (`sqlalchemy` ... `text`, also renamed).
    Ambiguous sinks never make wrappers."""
    configured = ctx.cached(_configured)
    source = ctx.source
    return any(name in source for name in configured.wrap_methods) or (
        any(root in source for root in configured.wrap_roots)
        and any(name in source for name in configured.wrap_names))


def record_local_calls(stmt: ast.stmt, ctx: ModuleContext) -> None:
    """Calls where a statement uses a value (`f(...)`, `x = f(...)`, `return f(...)`,
    `for row in f(...)`, `with f(...)`, awaited or inside one other call:
    `list(self.query_iter(q))`) that may reach a function or method of this module."""
    flow = ctx.cached(SqlFlow)
    if flow.excluded or flow._may_wrap is False:
        return  # decided at the module's first statement: no wrapper can exist here
    if _statement_call(stmt) is not None:  # else `_statement_calls` finds none
        flow.local_calls(stmt)


def sql_flow(ctx: ModuleContext) -> SqlFlow:
    return ctx.cached(SqlFlow)


def _appended(value: ast.expr, name: str) -> list[ast.expr] | None:
    """The operands `sql = sql + a + b` appends to `sql` (`[a, b]`), else None."""
    operands = []
    while isinstance(value, ast.BinOp) and isinstance(value.op, ast.Add):
        operands.append(value.right)
        value = value.left
    if operands and isinstance(value, ast.Name) and value.id == name:
        return operands[::-1]
    return None


# Statements whose value a call may be, and the field holding it.
_STATEMENT_VALUES = {ast.Expr: "value", ast.Assign: "value", ast.AugAssign: "value",
                     ast.Return: "value", ast.For: "iter", ast.AsyncFor: "iter"}
STATEMENT_TYPES = tuple(_STATEMENT_VALUES)


def _statement_call(stmt: ast.stmt) -> ast.Call | None:
    """The call a statement uses the value of (`x = await f(...)`: `f(...)`), if any."""
    value = getattr(stmt, _STATEMENT_VALUES[stmt.__class__])
    if value.__class__ is ast.Await:
        value = value.value
    return value if value.__class__ is ast.Call else None


def _statement_calls(stmt: ast.stmt) -> list[ast.Call]:
    value = _statement_call(stmt)
    if value is None:
        return []
    calls = [value]
    for arg in value.args:  # `list(self.query_iter(q))`
        if arg.__class__ is ast.Await:
            arg = arg.value
        if arg.__class__ is ast.Call:
            calls.append(arg)
    receiver = value.func
    if receiver.__class__ is ast.Attribute and receiver.value.__class__ is ast.Call:
        calls.append(receiver.value)  # `Repo(conn, table).count()`
    return calls


def _builds_text(arg: ast.expr, ctx: ModuleContext) -> bool:
    """An argument holding text built from values: in place, or in a name assigned so."""
    if _built(arg):
        return True
    if isinstance(arg, ast.Name):
        return any(b.kind == AUG or b.kind == ASSIGN and _built(b.value)
                   for b in ctx.reaching(arg.id, arg))
    return False


def _built(node: ast.AST | None) -> bool:
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(v, ast.FormattedValue) for v in node.values)
    if isinstance(node, ast.BinOp):
        return isinstance(node.op, (ast.Add, ast.Mod))
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("format", "format_map", "join", "replace"))


class _LocalDefs(NamedTuple):
    """Names of the module's top-level functions and classes (a class is called to make
    an instance), the top-level classes, and each class's methods (by id)."""

    functions: frozenset[str]
    methods: dict[int, tuple[frozenset[str], frozenset[str]]]  # class -> (methods, static)
    classes: dict[int, str]  # id(top-level class) -> its name


def _local_defs(ctx: ModuleContext) -> _LocalDefs:
    """A look at the module's top-level statements (and `if`/`try` blocks there), once."""
    functions = set()
    classes = {}
    pending = list(getattr(ctx.module.node, "body", ()))
    while pending:
        stmt = pending.pop()
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            functions.add(stmt.name)
        elif isinstance(stmt, ast.ClassDef):
            functions.add(stmt.name)
            classes[id(stmt)] = stmt.name
        elif isinstance(stmt, ast.If):
            pending.extend(stmt.body)
            pending.extend(stmt.orelse)
        elif isinstance(stmt, ast.Try):
            pending.extend(stmt.body)
    return _LocalDefs(frozenset(functions), {}, classes)


def _methods(cls: ast.ClassDef, defs: _LocalDefs) -> tuple[frozenset[str], frozenset[str]]:
    found = defs.methods.get(id(cls))
    if found is None:
        names, static = set(), set()
        for stmt in cls.body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                names.add(stmt.name)
                if any(isinstance(d, ast.Name) and d.id == "staticmethod"
                       for d in stmt.decorator_list):
                    static.add(stmt.name)
        found = defs.methods[id(cls)] = (frozenset(names), frozenset(static))
    return found


def _arguments(call: ast.Call) -> list[tuple[int | None, str | None, ast.expr]]:
    """(position or None, keyword or None, value) of a call's plain arguments."""
    found: list[tuple[int | None, str | None, ast.expr]] = [
        (index, None, arg) for index, arg in enumerate(call.args)
        if not isinstance(arg, ast.Starred)]
    found.extend((None, k.arg, k.value) for k in call.keywords if k.arg is not None)
    return found


def _still_local(call: ast.Call, ctx: ModuleContext) -> bool:
    """`run_query(...)` not rebound by an import or an assignment before the call."""
    func = call.func
    if not isinstance(func, ast.Name):
        return True
    bindings = ctx.reaching(func.id, func)
    return not bindings or (bindings[0].kind == OTHER and bindings[0].value is None)


def _callee_key(call: ast.Call, ctx: ModuleContext) -> tuple | None:
    """The key of the local function or method a call may reach: `run_query(...)` (a
    top-level function), `self.query_iter(...)` (a method of the enclosing class)."""
    func = call.func
    defs = ctx.cached(_local_defs)
    if isinstance(func, ast.Name):
        return ("", func.id) if func.id in defs.functions else None

    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        scope = ctx.function
        if scope is None or scope.cls is None or func.value.id not in (scope.self_name, "cls"):
            return None
        cls = scope.cls.node
        if isinstance(cls, ast.ClassDef) and func.attr in _methods(cls, defs)[0]:
            return (id(cls), func.attr)
    return None


def _enclosing_def(ctx: ModuleContext) -> tuple[tuple, ast.FunctionDef, bool] | None:
    """(key, def, whether calls pass `self` first) of the function the walk is in, when it is
    a top-level function or a method."""
    scope = ctx.function
    if scope is None or not isinstance(scope.node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    node = scope.node
    parent = scope.parent
    if parent is None:
        return None
    if parent.kind == "module":
        return ("", node.name), node, False
    if parent.kind == "class" and isinstance(parent.node, ast.ClassDef):
        static = _methods(parent.node, ctx.cached(_local_defs))[1]
        return (id(parent.node), node.name), node, node.name not in static
    return None


_MAX_ROOTS = 32
_TEXT_METHODS = frozenset({"replace", "upper", "lower", "strip", "lstrip", "rstrip", "format",
                           "join", "title"})


def parameter_roots(expr: ast.expr, ctx: ModuleContext) -> list[ast.arg]:
    """The parameters a value is made of, when it is made only of them and of safe pieces
    (`table`, `f"{prefix}_log"`, `"x" if flag else name`); else []. Fragment-named
    parameters are not roots: they are judged where they are used."""
    roots: list[ast.arg] = []
    pending: list[tuple[ast.AST, int]] = [(expr, 0)]
    budget = _MAX_ROOTS
    while pending:
        budget -= 1
        if budget < 0:
            return []
        node, hops = pending.pop()
        if isinstance(node, ast.Name):
            bindings = ctx.reaching(node.id, node)
            if not bindings or hops > 3:
                return []
            if all(b.kind == PARAM for b in bindings):
                if is_fragment_name(node.id, ctx.settings):
                    return []
                if all(r is not bindings[0].value for r in roots):
                    roots.append(bindings[0].value)  # type: ignore[arg-type]
                continue
            if not all(b.kind == ASSIGN and b.value is not None for b in bindings):
                return []
            pending.extend((b.value, hops + 1) for b in bindings)
        elif isinstance(node, ast.JoinedStr):
            pending.extend((v.value, hops) for v in node.values
                           if isinstance(v, ast.FormattedValue))
        elif isinstance(node, ast.IfExp):
            pending.extend(((node.body, hops), (node.orelse, hops)))
        elif isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
            pending.extend(((node.left, hops), (node.right, hops)))
        elif isinstance(node, (ast.Tuple, ast.List)):
            pending.extend((e, hops) for e in node.elts)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
                node.func.id in ("str", "repr") and len(node.args) == 1:
            pending.append((node.args[0], hops))  # `str(when)`
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                node.func.attr in _TEXT_METHODS:
            pending.append((node.func.value, hops))  # `level.replace("_", " ")`
            pending.extend((a, hops) for a in node.args)
        elif not is_safe_value(node, ctx):  # type: ignore[arg-type]
            return []
    return roots


def _constructor_parameter(node: ast.expr, ctx: ModuleContext,
                           sink: Sink | None) -> tuple[tuple, Wrapper] | None:
    """(key of the class, its `__init__` parameter) when `node` is `self.<attr>` of a
    top-level class whose only assignment of `<attr>` is `self.<attr> = <parameter>` in
    `__init__`: what the instance was made with, judged at the calls making it."""
    scope = ctx.function
    if not (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
            and scope is not None and scope.cls is not None
            and node.value.id == scope.self_name):
        return None
    cls = scope.cls.node
    name = ctx.cached(_local_defs).classes.get(id(cls))
    bindings = ctx.attr_bindings(node)
    if name is None or len(bindings) != 1 or bindings[0].kind != ASSIGN:
        return None
    value = bindings[0].value
    init = next((stmt for stmt in cls.body if isinstance(stmt, ast.FunctionDef)
                 and stmt.name == "__init__"), None)
    if init is None or not isinstance(value, ast.Name) or not (
            init.lineno <= bindings[0].pos[0] <= (init.end_lineno or init.lineno)):
        return None
    arg = next((a for a in [*init.args.posonlyargs, *init.args.args, *init.args.kwonlyargs]
                if a.arg == value.id), None)
    if arg is None or is_fragment_name(arg.arg, ctx.settings) or any(
            isinstance(target, ast.Name) and target.id == value.id
            for stmt in init.body if isinstance(stmt, ast.Assign) for target in stmt.targets):
        return None  # not the parameter as passed
    wrapper = _parameter(init, arg, True, sink)
    return ((("", name), wrapper) if wrapper is not None else None)


def _matches(wrapper: Wrapper, position: int | None, keyword: str | None) -> bool:
    return (position is not None and position == wrapper.position) or (
        keyword is not None and keyword == wrapper.name)


def _parameter(node: ast.FunctionDef | ast.AsyncFunctionDef, arg: ast.AST | None, bound: bool,
               sink: Sink | None) -> Wrapper | None:
    args = node.args
    positional = [*args.posonlyargs, *args.args]
    label = sink.label.lstrip(".") if sink is not None else ""
    line = sink.call.lineno if sink is not None else 0
    statement = sink is not None and sink.label.startswith(".")
    for index, param in enumerate(positional):
        if param is arg:
            position = index - 1 if bound else index
            if position < 0:
                return None  # `self`
            name = param.arg if index >= len(args.posonlyargs) else None
            return Wrapper(position, name, label, line, statement)
    if any(param is arg for param in args.kwonlyargs):
        return Wrapper(None, arg.arg, label, line, statement)  # type: ignore[union-attr]
    return None


def statement_like(expr: ast.expr, ctx: ModuleContext) -> bool:
    """Text that may be a whole statement: its visible start is a SQL statement's, or unseen."""
    text = visible_start(expr, ctx)
    return not (text and text.strip()) or STATEMENT_START.match(text) is not None
