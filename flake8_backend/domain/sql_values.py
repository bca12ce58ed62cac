"""Values that cannot carry attacker-controlled text into SQL.

Shared by the SQL rules. A value pasted into SQL text is exempt when it is made in
the code itself, visibly:

- literals, numbers and arithmetic (`len(ids)`, `page * size`, `hex(id(self))`),
  text built only from such pieces (`"READ ONLY" if ro else "READ WRITE"`);
- constants: UPPER_CASE names, and UPPER_CASE attributes of what holds constants (a
  class, `self`, an imported module, `settings`), never of request data (`request.GET`);
- quoting calls (`sql-safe-functions`), `psycopg.sql` composition, placeholder lists
  (`", ".join(["%s"] * len(ids))`), random tokens (`uuid4().hex`);
- names bound only to such values, loop variables over literal collections, the keys of
  a literal dict, the values of an UPPER_CASE table, comprehensions of quoted values;
- model metadata: `Model.__tablename__`, `Model.__table__.name`, Django `_meta.db_table`,
  the table of a SQLAlchemy DDL event, members of enums defined with literal values;
- helpers named like SQL fragments (`build_where()`), which are checked where built.

Everything else, a parameter above all, is data that may come from a user.
"""

from __future__ import annotations

import ast
import re
from typing import Callable, NamedTuple

from flake8_backend.analysis.astutil import callee_name
from flake8_backend.analysis.context import ModuleContext
from flake8_backend.analysis.scope import ASSIGN, AUG, IMPORT, ITER, OTHER, PARAM
from flake8_backend.domain.client_data import client_source, is_request
from flake8_backend.domain.sql_text import (
    COMPOSITION_MODULES, IDENTIFIER, PLACEHOLDER, TABLE, UTILITY, VALUE, appended_values,
    bound_by_comprehension, is_str_join, last_executed, literal_text, sql_position, target_names)
from flake8_backend.patterns import lazy_compile

_NUMERIC_CALLS = frozenset({"int", "len", "float", "bool", "round", "abs", "min", "max", "hex",
                            "oct", "id", "hash", "ord", "sum", "divmod", "pow"})
_NUMERIC_ANNOTATIONS = frozenset({"int", "float", "bool", "Decimal", "UUID", "uuid.UUID"})
# Calls that quote what they render: SQLAlchemy's `column("x")`, `table("t")`, `literal(v)`
# and `bindparam()` (a bound parameter), `quoted_name`.
_QUOTING_QUALNAMES = frozenset({
    "sqlalchemy.column", "sqlalchemy.table", "sqlalchemy.literal", "sqlalchemy.bindparam",
    "sqlalchemy.sql.column", "sqlalchemy.sql.table", "sqlalchemy.sql.literal",
    "sqlalchemy.sql.bindparam", "sqlalchemy.sql.expression.column",
    "sqlalchemy.sql.expression.table", "sqlalchemy.sql.expression.literal",
    "sqlalchemy.sql.expression.bindparam", "sqlalchemy.sql.quoted_name",
    "sqlalchemy.sql.elements.quoted_name"})
# The clock: dates and numbers (`timezone.now()`, `datetime.utcnow()`, `time.time()`).
_CLOCK_CALLS = frozenset({"now", "utcnow", "today", "now_utc", "utc_now", "time", "monotonic",
                          "perf_counter", "time_ns"})
# Methods of dates and numbers that format them: safe when the receiver is.
_FORMAT_METHODS = frozenset({"isoformat", "strftime", "date", "timestamp", "total_seconds",
                             "astimezone", "replace"})
# Where configuration is read: set by the operator, not by a request.
_CONFIG_READERS = frozenset({"os.getenv", "os.environ.get"})
# Generated locally from randomness: hex digits and dashes only.
_RANDOM_TOKENS = frozenset({"secrets.token_hex", "uuid.uuid4", "uuid.uuid1", "os.urandom",
                            "uuid.uuid7", "itertools.count"})
# String methods whose result is safe when the receiver and the arguments are.
_STR_METHODS = frozenset({"format", "replace", "strip", "lstrip", "rstrip", "lower", "upper",
                          "title", "capitalize", "casefold", "zfill", "ljust", "rjust", "center",
                          "removeprefix", "removesuffix", "swapcase"})
# Functions whose result is as safe as their arguments.
_PASS_THROUGH_CALLS = frozenset({"str", "repr", "json.dumps", "sorted", "list", "tuple", "set",
                                 "frozenset"})
# Collections made from another one: safe when their elements are.
_COLLECTION_CALLS = frozenset({"map", "sorted", "list", "tuple", "set", "frozenset",
                               "reversed", "enumerate", "zip", "range"})
# Iterating these yields the elements of their argument.
_ITERATE_ARGUMENT = frozenset({"sorted", "list", "tuple", "set", "frozenset", "reversed", "iter"})
# Receivers whose UPPER_CASE attributes are constants: configuration objects.
_CONFIG_NAMES = frozenset({"self", "cls", "settings", "config", "conf", "constants", "consts",
                           "const", "options", "defaults"})
_CONFIG_GETTERS = frozenset({"get", "getint", "getboolean", "getfloat", "get_value"})
# Methods reading a configuration value by a literal key, on any receiver.
_SETTING_READERS = frozenset({"setting", "get_setting", "get_config", "config_value", "getenv"})
# Names holding configuration, read with a literal key (`config.get("x")`).
_CONFIG_HOLDERS = frozenset({"config", "settings", "conf", "cfg", "environ", "options",
                             "app_config", "configuration"})
# SQLAlchemy DDL events: the listener's first parameter is the Table (or MetaData).
_DDL_EVENTS = frozenset({"before_create", "after_create", "before_drop", "after_drop"})
_MAX_DEPTH = 12
_BUDGET = 256  # nodes judged per value: a bound on the work, never proof of safety


def is_safe_value(expr: ast.expr, ctx: ModuleContext, comps: tuple = ()) -> bool:
    """True when `expr` cannot carry user text (see the module docstring).

    `comps`: comprehensions around `expr` whose targets may bind its names."""
    return _Judge(ctx).safe(expr, 0, comps)


class _Judge:
    """One judgement: a budget shared by every branch, so no value costs more than a few
    hundred steps however its bindings fan out."""

    __slots__ = ("ctx", "settings", "budget")

    def __init__(self, ctx: ModuleContext) -> None:
        self.ctx = ctx
        self.settings = ctx.settings
        self.budget = _BUDGET

    # -- values ----------------------------------------------------------------------------
    def safe(self, expr: ast.AST | None, depth: int, comps: tuple = ()) -> bool:
        self.budget -= 1
        if expr is None or self.budget <= 0 or depth > _MAX_DEPTH:
            return False
        cls = expr.__class__
        if cls is ast.Constant:
            return True
        if cls is ast.Name:
            return self._safe_name(expr, depth, comps)  # type: ignore[arg-type]
        if cls is ast.Attribute:
            return self._safe_attribute(expr, depth, comps)  # type: ignore[arg-type]
        if cls is ast.Subscript:
            return self._safe_subscript(expr, depth, comps)  # type: ignore[arg-type]
        if cls is ast.Call:
            return self._safe_call(expr, depth, comps)  # type: ignore[arg-type]
        if cls is ast.JoinedStr:  # f"tmp_{secrets.token_hex(8)}"
            return all(self.safe(v.value, depth + 1, comps) or _numeric_spec(v)
                       for v in expr.values if isinstance(v, ast.FormattedValue))
        if cls is ast.IfExp:  # "READ ONLY" if read_only else "READ WRITE"
            return self._safe_branch(expr, depth, comps) and self.safe(
                expr.orelse, depth + 1, comps)
        if cls is ast.BoolOp:  # `a or b` is one of them
            return all(self.safe(v, depth + 1, comps) for v in expr.values)
        if cls in (ast.Compare, ast.UnaryOp):
            return True  # a bool, or a number (`-x` of a string raises)
        if cls is ast.BinOp:
            return self._safe_binop(expr, depth, comps)  # type: ignore[arg-type]
        if cls in (ast.List, ast.Tuple, ast.Set):
            return all(self.safe(e, depth + 1, comps) for e in expr.elts)
        if cls is ast.Dict:
            return all(k is None or self.safe(k, depth + 1, comps) for k in expr.keys) and \
                all(self.safe(v, depth + 1, comps) for v in expr.values)
        return False

    def _safe_branch(self, expr: ast.IfExp, depth: int, comps: tuple) -> bool:
        """The body of `sort if sort in ALLOWED else "id"` is one of ALLOWED."""
        member = _membership(expr.test)
        if member is not None and not member[1] and isinstance(expr.body, ast.Name) and \
                expr.body.id == member[0]:
            return self.elements(member[2], depth + 1, comps, None)
        return self.safe(expr.body, depth + 1, comps)

    def _safe_name(self, expr: ast.Name, depth: int, comps: tuple) -> bool:
        name = expr.id
        if comps:
            generator = bound_by_comprehension(name, comps)
            if generator is not None:
                index = _target_index(generator.target, name)
                outer = comps[:comps.index(_owner(generator, comps))]
                return self.elements(generator.iter, depth + 1, outer, index)
        if _constant_name(name, self.settings) or name in self.settings["sql-safe-names"]:
            return True
        if self._guarded(expr, depth):
            return True  # `if mode in ("IMMEDIATE", "DEFERRED"):` around the use
        loop = _enclosing_loop_binding(expr, self.ctx)
        bindings = self.ctx.reaching(name, expr)
        if loop is not None:
            # a tuple target of an enclosing `for`: its values come from the iterable, then
            # from any reassignment inside the loop before this use
            inside = [b for b in bindings if b.pos > (loop.lineno, loop.col_offset)]
            return self.elements(loop.iter, depth + 1, (), _target_index(loop.target, name)) \
                and self._safe_bindings(inside, expr, depth)
        return bool(bindings) and self._safe_bindings(bindings, expr, depth)

    def _safe_bindings(self, bindings: list, expr: ast.Name, depth: int) -> bool:
        for binding in bindings:
            kind = binding.kind
            if kind == OTHER and binding.value is None:
                if not self._safe_unpacked(expr, binding.pos, depth):
                    return False
                continue
            if kind == ASSIGN:
                if not self.safe(binding.value, depth + 1):
                    return False
            elif kind == AUG:
                node = binding.value
                if not (isinstance(node.op, ast.Add) and self.safe(node.value, depth + 1)):
                    return False
            elif kind == PARAM:
                if not _numeric_annotation(binding.value):
                    return False
            elif kind == ITER:
                if not self.elements(binding.value, depth + 1, (), None):
                    return False
            else:
                return False
        return True

    def _guarded(self, name: ast.Name, depth: int) -> bool:
        """A membership test against safe values that the use depends on: inside
        `if name in ALLOWED:`, after `if name not in ALLOWED: raise` (or `return`, or
        `name = "default"`), or after `assert name in ALLOWED`, in the same function."""
        for test_line, start, end, collection, reset in function_guards(self.ctx).get(
                name.id, ()):
            if not (start <= name.lineno <= end and
                    self.elements(collection, depth + 1, (), None)):
                continue
            later = [b for b in self.ctx.reaching(name.id, name) if b.pos[0] > test_line]
            if not later:
                return True  # not rebound between the test and the use
            if reset is not None and all(
                    b.kind == ASSIGN and reset[0] <= b.pos[0] <= reset[1]
                    and self.safe(b.value, depth + 1) for b in later):
                return True  # `if sort not in ALLOWED: sort = "id"`
        return False

    def _safe_unpacked(self, name: ast.Name, pos: tuple[int, int], depth: int) -> bool:
        """A name bound by unpacking (`sql, params = self.where_clause()`, `a, b = "x", "y"`,
        after `for k, v in PAIRS:`): judged by what was unpacked, found in the function."""
        stmt = ctx_unpackings(self.ctx).get(pos)
        if stmt is None:
            return False
        target = stmt.targets[0] if isinstance(stmt, ast.Assign) else stmt.target
        if name.id not in target_names(target):
            return False
        index = _target_index(target, name.id)
        if isinstance(stmt, (ast.For, ast.AsyncFor)):
            return self.elements(stmt.iter, depth + 1, (), index)
        value = stmt.value
        if isinstance(value, (ast.Tuple, ast.List)) and index is not None:
            return index < len(value.elts) and self.safe(value.elts[index], depth + 1)
        if isinstance(value, ast.Call):
            called = callee_name(value.func)
            return bool(called) and is_fragment_name(called, self.settings)
        return False

    def _safe_attribute(self, expr: ast.Attribute, depth: int, comps: tuple) -> bool:
        attr = expr.attr
        receiver = expr.value
        if _constant_name(attr, self.settings):
            return self._holds_constants(receiver, depth, comps)
        if attr in ("__tablename__", "db_table", "__name__") and not is_request(
                receiver, self.ctx):
            return True  # model metadata and code names
        if attr in ("model_name", "app_label", "column") and _meta_chain(receiver):
            return True  # Django model options: `opts.app_label`, `_meta.pk.column`
        if attr in ("name", "fullname", "schema", "key") and self._is_table(receiver):
            return True  # `Model.__table__.name`, `target.fullname` in a DDL event
        if attr in ("value", "name") and (self._enum_member(receiver, member_of=True)
                                          or self.safe(receiver, depth + 1, comps)):
            return True  # `Status.DRAFT.value`, `e.name` for `e` in an enum defined here
        if self._enum_member(expr):
            return True  # `_State.accepted` of an enum defined here with literal values
        if attr == "hex" and isinstance(receiver, ast.Call) and \
                self.ctx.qualname(receiver.func) in _RANDOM_TOKENS:
            return True  # `uuid.uuid4().hex`
        bindings = self.ctx.attr_bindings(expr)  # `self._table = "counts"` in the class
        return bool(bindings) and all(
            b.kind == ASSIGN and self.safe(b.value, depth + 1) for b in bindings)

    def _holds_constants(self, receiver: ast.expr, depth: int, comps: tuple) -> bool:
        """A class, `self`, a module, a configuration object, or a constant itself: its
        UPPER_CASE attributes are constants. Request data is not (`request.GET`)."""
        ctx = self.ctx
        for _ in range(8):
            if is_request(receiver, ctx):
                return False
            if isinstance(receiver, ast.Name):
                name = receiver.id
                if name in _CONFIG_NAMES or name[:1].isupper() or name.startswith("_") and \
                        name[1:2].isupper():
                    return True
                bindings = ctx.reaching(name, receiver)
                return bool(bindings) and bindings[0].kind in (IMPORT, OTHER) and \
                    bindings[0].value is None  # an imported module or class, a class here
            if isinstance(receiver, ast.Attribute):
                if receiver.attr in _CONFIG_NAMES or receiver.attr[:1].isupper():
                    return True  # `app.config.X`, `models.Order.X`, `Cls.Inner.X`
                receiver = receiver.value
                continue
            return False
        return False

    def _is_table(self, receiver: ast.expr) -> bool:
        """`Model.__table__`, a name bound to one or to `Table(...)`, or the first parameter
        of a SQLAlchemy DDL event listener (`@listens_for(Model.__table__, "after_create")`)."""
        if isinstance(receiver, ast.Attribute):
            return receiver.attr == "__table__"
        if not isinstance(receiver, ast.Name):
            return False
        bindings = self.ctx.reaching(receiver.id, receiver)
        if not bindings:
            return False
        for binding in bindings:
            value = binding.value
            if binding.kind == ASSIGN:
                if not (isinstance(value, ast.Attribute) and value.attr == "__table__" or
                        isinstance(value, ast.Call) and callee_name(value.func) == "Table"):
                    return False
            elif binding.kind == PARAM:
                if not (_annotation_name(value) == "Table" or _ddl_event_target(value, self.ctx)):
                    return False
            else:
                return False
        return True

    def _enum_member(self, expr: ast.expr, member_of: bool = False) -> bool:
        """`Cls.member` of a class defined in this module with literal members; with
        `member_of` (its `.value` or `.name` is asked for), of any class imported or
        defined here (`Status.draft.value`: an enum member's value is written in code)."""
        if not (isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name)):
            return False
        name = expr.value.id
        members = self.ctx.cached(_literal_classes).get(name)
        if members is not None and expr.attr in members:
            return True
        if not (member_of and name.lstrip("_")[:1].isupper()):
            return False
        bindings = self.ctx.reaching(name, expr.value)
        return bool(bindings) and bindings[0].kind in (IMPORT, OTHER) and \
            bindings[0].value is None

    def _safe_subscript(self, expr: ast.Subscript, depth: int, comps: tuple) -> bool:
        container = expr.value
        if isinstance(expr.slice, ast.Slice):
            return self.safe(container, depth + 1, comps)
        if self._catalog_row(container, depth, comps):
            return True  # `row[0]` of a row the database's catalog returned
        if self._constant_table(container, depth, comps):
            return True  # TYPE_MAPPING[col_type]: a lookup in a constant table
        if self._reads_configuration(expr):
            return True  # app.config["TABLE_PREFIX"]
        return self.values(container, depth + 1)  # `{"asc": "ASC", ...}[direction]`

    def _constant_table(self, expr: ast.expr, depth: int, comps: tuple) -> bool:
        while isinstance(expr, ast.Subscript):  # settings.DATABASES["default"]["NAME"]
            expr = expr.value
        if isinstance(expr, ast.Name):
            return _constant_name(expr.id, self.settings)
        if isinstance(expr, ast.Attribute):
            return _constant_name(expr.attr, self.settings) and self._holds_constants(
                expr.value, depth, comps)
        return False

    def _safe_call(self, expr: ast.Call, depth: int, comps: tuple) -> bool:
        ctx, settings = self.ctx, self.settings
        func = expr.func
        if isinstance(func, ast.Name) and func.id in _NUMERIC_CALLS:
            return True
        name = callee_name(func)
        if name in _CLOCK_CALLS and len(expr.args) <= 1:
            return True  # `timezone.now()`, `datetime.now(tz)`: a date, not text
        if _doubles_quotes(expr):
            return True  # `value.replace("'", "''")`: escaped for a '...' literal
        if self._reads_configuration(expr):
            return True
        if name and (re.search(settings["sql-safe-functions"], name)
                     or is_fragment_name(name, settings)):
            return True
        qualname = ctx.qualname(func)
        if qualname and qualname.startswith(COMPOSITION_MODULES):
            return True  # psycopg.sql composables are quoted when rendered
        if qualname in _RANDOM_TOKENS or qualname in _QUOTING_QUALNAMES:
            return True
        if isinstance(func, ast.Name) and func.id == "next" and len(expr.args) == 1 and \
                _made_by_counter(expr.args[0], ctx):
            return True  # next(itertools.count())
        if isinstance(func, ast.Name) and func.id in _COLLECTION_CALLS:
            return self.elements(expr, depth + 1, comps, None)  # `map(int, ids)`, `sorted(x)`
        if isinstance(func, ast.Name) and func.id in _PASS_THROUGH_CALLS or \
                qualname in _PASS_THROUGH_CALLS:
            return bool(expr.args) and all(self.safe(a, depth + 1, comps) for a in expr.args)
        if isinstance(func, ast.Attribute):
            if func.attr == "join" and is_str_join(expr, ctx):
                return _is_placeholder_join(expr) or (
                    self.safe(func.value, depth + 1, comps)
                    and self.elements(expr.args[0], depth + 1, comps, None))
            if func.attr in _FORMAT_METHODS and self.safe(func.value, depth + 1, comps):
                return all(self.safe(a, depth + 1, comps) for a in expr.args)
            if func.attr in _STR_METHODS:
                return self.safe(func.value, depth + 1, comps) and all(
                    self.safe(a, depth + 1, comps) for a in expr.args) and all(
                    self.safe(k.value, depth + 1, comps) for k in expr.keywords)
            if func.attr == "get" and expr.args and self._constant_table(
                    func.value, depth, comps):
                return len(expr.args) < 2 or self.safe(expr.args[1], depth + 1, comps)
        return False

    def _reads_configuration(self, expr: ast.Call | ast.Subscript) -> bool:
        """`config.get("key")`, `settings.get("X")`, `app.config["X"]`, `os.getenv("X")`:
        a value the operator configured, read by a literal key."""
        if isinstance(expr, ast.Subscript):
            key, container = expr.slice, expr.value
        else:
            func = expr.func
            if not expr.args:
                return False
            if self.ctx.qualname(func) in _CONFIG_READERS or callee_name(func) in _SETTING_READERS:
                return _is_str(expr.args[0])  # `os.getenv("X")`, `self.setting("page_size")`
            if not (isinstance(func, ast.Attribute) and func.attr in _CONFIG_GETTERS):
                return False
            key, container = expr.args[0], func.value
        if not _is_str(key):
            return False
        if isinstance(container, ast.Attribute):
            return container.attr in _CONFIG_HOLDERS or self.ctx.qualname(container) in (
                "os.environ",)
        return isinstance(container, ast.Name) and container.id in _CONFIG_HOLDERS and \
            not is_request(container, self.ctx)

    def _safe_binop(self, expr: ast.BinOp, depth: int, comps: tuple) -> bool:
        op = expr.op.__class__
        left, right = expr.left, expr.right
        if op is ast.Mult and _is_placeholder_repeat(expr):
            return True
        if op in (ast.Sub, ast.Div, ast.FloorDiv, ast.Pow, ast.LShift, ast.RShift,
                  ast.BitAnd, ast.BitXor):
            return True  # numbers (or dates): no text comes out of these
        if op is ast.Mod and isinstance(right, (ast.Tuple, ast.List)):
            return self.safe(left, depth + 1, comps) and all(
                self.safe(e, depth + 1, comps) for e in right.elts)
        if op in (ast.Add, ast.Mult) and (_is_number(left) or _is_number(right)):
            return True  # `offset + 1`, `page * 20`
        return self.safe(left, depth + 1, comps) and self.safe(right, depth + 1, comps)

    def _catalog_row(self, expr: ast.expr, depth: int, comps: tuple) -> bool:
        """A row read from the database's own catalog (`sys.*`, `pg_*`, `information_schema`,
        `sqlite_master`) by a query written in the code: it holds names of schema objects."""
        if isinstance(expr, ast.Name):
            if comps:
                generator = bound_by_comprehension(expr.id, comps)
                if generator is not None:
                    return self._catalog_rows(generator.iter, depth + 1)
            loop = _enclosing_loop_binding(expr, self.ctx)
            if loop is not None:
                return self._catalog_rows(loop.iter, depth + 1)
            bindings = self.ctx.reaching(expr.id, expr)
            return bool(bindings) and all(
                b.kind == ASSIGN and _catalog_query(b.value, self.ctx) or
                b.kind == ITER and self._catalog_rows(b.value, depth + 1) for b in bindings)
        return _catalog_query(expr, self.ctx)

    def _catalog_rows(self, iterable: ast.AST | None, depth: int) -> bool:
        if isinstance(iterable, ast.Name) and depth <= _MAX_DEPTH:
            bindings = self.ctx.reaching(iterable.id, iterable)
            return bool(bindings) and all(
                b.kind == ASSIGN and self._catalog_rows(b.value, depth + 1) for b in bindings)
        return _catalog_query(iterable, self.ctx)

    # -- collections ----------------------------------------------------------------------
    def elements(self, iterable: ast.AST | None, depth: int, comps: tuple,
                 index: int | None) -> bool:
        """Whether iterating `iterable` yields safe values (at `index` of each when the loop
        unpacks: `for name, table in PAIRS`)."""
        self.budget -= 1
        if iterable is None or self.budget <= 0 or depth > _MAX_DEPTH:
            return False
        ctx = self.ctx
        if isinstance(iterable, ast.Await):
            iterable = iterable.value
        if isinstance(iterable, (ast.List, ast.Tuple, ast.Set)):
            return all(self._item(e, depth + 1, comps, index) for e in iterable.elts)
        if isinstance(iterable, ast.Dict):
            return all(k is not None and self.safe(k, depth + 1, comps) for k in iterable.keys)
        if isinstance(iterable, ast.Constant):
            return True
        if isinstance(iterable, (ast.ListComp, ast.GeneratorExp, ast.SetComp)):
            return self._item(iterable.elt, depth + 1, (*comps, iterable), index)
        if isinstance(iterable, ast.DictComp):
            return self._item(iterable.key, depth + 1, (*comps, iterable), index)
        if isinstance(iterable, ast.Name):
            if _constant_name(iterable.id, self.settings):
                return True  # `for fn in FUNCTIONS:` takes values from a constant
            if iterable.id in ctx.cached(_literal_classes):
                return True  # `for e in Status:` an enum defined here with literal values
            if comps and bound_by_comprehension(iterable.id, comps) is not None:
                return False
            bindings = ctx.reaching(iterable.id, iterable)
            if not bindings:
                return False
            for binding in bindings:
                if binding.kind == ASSIGN:
                    if not self.elements(binding.value, depth + 1, (), index):
                        return False
                elif binding.kind == AUG:
                    node = binding.value
                    if not (isinstance(node.op, ast.Add)
                            and self.elements(node.value, depth + 1, (), index)):
                        return False
                else:
                    return False
            since = min(b.pos for b in bindings)
            for value, many in appended_values(iterable, ctx, since):
                if not (self.elements(value, depth + 1, (), index) if many
                        else self._item(value, depth + 1, (), index)):
                    return False
            return True
        if isinstance(iterable, ast.Attribute):
            if self._constant_table(iterable, depth, comps):
                return True
            bindings = ctx.attr_bindings(iterable)  # `geometry_tables = [...]` in the class
            return bool(bindings) and all(
                b.kind == ASSIGN and self.elements(b.value, depth + 1, (), index)
                for b in bindings)
        if isinstance(iterable, ast.Call):
            if _catalog_query(iterable, ctx):
                return True  # rows of the database's catalog: names of schema objects
            return self._call_elements(iterable, depth, comps, index)
        return False

    def _call_elements(self, call: ast.Call, depth: int, comps: tuple,
                       index: int | None) -> bool:
        func = call.func
        args = call.args
        if isinstance(func, ast.Name):
            name = func.id
            if name == "range":
                return True
            if name in _ITERATE_ARGUMENT and len(args) == 1:
                return self.elements(args[0], depth + 1, comps, index)
            if name == "enumerate" and args:
                return index == 0 or self.elements(args[0], depth + 1, comps, None)
            if name == "zip" and args:
                if index is None:
                    return all(self.elements(a, depth + 1, comps, None) for a in args)
                return index < len(args) and self.elements(args[index], depth + 1, comps, None)
            if name == "map" and len(args) == 2:  # map(quote_name, cols), map(int, ids)
                mapped = callee_name(args[0])
                if mapped in ("str", "repr") and isinstance(args[0], ast.Name):
                    return self.elements(args[1], depth + 1, comps, None)
                return bool(mapped) and (mapped in _NUMERIC_CALLS or re.search(
                    self.settings["sql-safe-functions"], mapped) is not None)
            return False
        if isinstance(func, ast.Attribute) and not args:
            container = func.value
            if func.attr == "keys":
                return self.elements(container, depth + 1, comps, None)
            if func.attr == "values":
                return self.values(container, depth + 1)
            if func.attr == "items":
                if index == 0:
                    return self.elements(container, depth + 1, comps, None)
                if index == 1:
                    return self.values(container, depth + 1)
                return self.elements(container, depth + 1, comps, None) and \
                    self.values(container, depth + 1)
        return False

    def values(self, mapping: ast.AST | None, depth: int) -> bool:
        """Whether the values of a mapping are safe: a literal dict, a dict comprehension,
        an UPPER_CASE table, or a name bound only to those."""
        self.budget -= 1
        if mapping is None or self.budget <= 0 or depth > _MAX_DEPTH:
            return False
        if isinstance(mapping, ast.Dict):
            return all(self.safe(v, depth + 1) for v in mapping.values)
        if isinstance(mapping, ast.DictComp):
            return self.safe(mapping.value, depth + 1, (mapping,))
        if isinstance(mapping, ast.Call) and len(mapping.args) == 1 and not mapping.keywords \
                and _DICT_TYPE.search(callee_name(mapping.func)):
            return self.values(mapping.args[0], depth + 1)  # immutabledict({...})
        if isinstance(mapping, (ast.Name, ast.Attribute)):
            if self._constant_table(mapping, depth, ()):
                return True
            if isinstance(mapping, ast.Name):
                bindings = self.ctx.reaching(mapping.id, mapping)
            else:
                bindings = self.ctx.attr_bindings(mapping)
            return bool(bindings) and all(
                b.kind == ASSIGN and self.values(b.value, depth + 1) for b in bindings)
        return False

    def _item(self, item: ast.expr, depth: int, comps: tuple, index: int | None) -> bool:
        if index is not None and isinstance(item, (ast.Tuple, ast.List)):
            return index < len(item.elts) and self.safe(item.elts[index], depth, comps)
        return self.safe(item, depth, comps)


# -- helpers -----------------------------------------------------------------------------
def _owner(generator: ast.comprehension, comps: tuple) -> ast.AST:
    for comp in comps:
        if generator in comp.generators:
            return comp
    return comps[-1]


def _target_index(target: ast.AST, name: str) -> int | None:
    """The position of `name` in a flat tuple target (`for k, v in ...`); None for a plain
    name (the whole element) or a nested target (judged as the whole element)."""
    if isinstance(target, (ast.Tuple, ast.List)):
        for index, elt in enumerate(target.elts):
            if isinstance(elt, ast.Name) and elt.id == name:
                return index
    return None


def _enclosing_loop_binding(expr: ast.Name, ctx: ModuleContext) -> ast.For | None:
    """The enclosing `for` whose unpacking target binds `expr` (`for a, b in pairs:`).

    The walk records such names at the end of the loop, so inside it they are found here."""
    for loop in reversed(ctx.scope.loops):
        if not isinstance(loop, (ast.For, ast.AsyncFor)) or isinstance(loop.target, ast.Name):
            continue
        end = getattr(loop, "end_lineno", None) or loop.lineno
        if loop.lineno <= expr.lineno <= end and expr.id in target_names(loop.target):
            return loop
    return None


def _numeric_annotation(arg: ast.AST | None) -> bool:
    return _annotation_name(arg) in _NUMERIC_ANNOTATIONS


def _annotation_name(arg: ast.AST | None) -> str:
    annotation = getattr(arg, "annotation", None)
    if isinstance(annotation, ast.Name):
        return annotation.id
    if isinstance(annotation, ast.Attribute):
        return annotation.attr
    return ""


def _ddl_event_target(arg: ast.AST | None, ctx: ModuleContext) -> bool:
    """The first parameter of a function decorated `@listens_for(<table>, "after_create")`."""
    func = ctx.function
    node = func.node if func is not None else None
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return False
    positional = [*node.args.posonlyargs, *node.args.args]
    if not positional or positional[0] is not arg:
        return False
    for decorator in node.decorator_list:
        if isinstance(decorator, ast.Call) and callee_name(decorator.func) == "listens_for" \
                and len(decorator.args) >= 2:
            event = decorator.args[1]
            if isinstance(event, ast.Constant) and event.value in _DDL_EVENTS:
                return True
    return False


def _meta_chain(expr: ast.AST) -> bool:
    """Django model options: `Model._meta`, `opts.pk`, `_meta.get_field("x")`."""
    for _ in range(6):
        if isinstance(expr, ast.Call):
            expr = expr.func
        if isinstance(expr, ast.Attribute):
            if expr.attr == "_meta":
                return True
            expr = expr.value
        elif isinstance(expr, ast.Name):
            return expr.id in ("opts", "meta", "_meta")
        else:
            return False
    return False


# A query of the database's own catalog: what it returns are names of schema objects.
_CATALOG = lazy_compile(
    r"(?is)\bfrom\s+(?:sys\.|pg_|information_schema\.|sqlite_master\b|sqlite_schema\b|"
    r"all_|user_|dba_)")
# Mapping types wrapping a dict: `immutabledict({...})`, `MappingProxyType({...})`.
_DICT_TYPE = lazy_compile(r"(?i)dict|mapping")
# Calls that list the database's objects by name.
_NAMES_LISTING = lazy_compile(r"^get_\w*names$|(table|view|column|schema|index|sequence)_names$")
# Calls that run a query or read its result.
_QUERY_CALLS = frozenset({"execute", "exec_driver_sql", "fetchall", "fetchone", "fetchmany",
                          "first", "one", "one_or_none", "all", "scalar", "scalars",
                          "mappings", "scalar_one"})


def _catalog_query(expr: ast.AST | None, ctx: ModuleContext) -> bool:
    """`conn.exec_driver_sql("SELECT name FROM sys.tables").fetchall()`, or an inspector's
    `get_table_names()`: names the database lists, not text a user typed."""
    for _ in range(8):
        if isinstance(expr, ast.Await):
            expr = expr.value
            continue
        if isinstance(expr, ast.Attribute) and expr.attr in ("rows", "results"):
            expr = expr.value  # datasette's `(await db.execute(...)).rows`
            continue
        if not isinstance(expr, ast.Call) or not isinstance(expr.func, ast.Attribute):
            return False
        name = expr.func.attr
        if _NAMES_LISTING.search(name):
            return True  # Inspector.get_table_names(), get_view_names(), db.table_names()
        if name not in _QUERY_CALLS:
            return False
        if name in ("execute", "exec_driver_sql"):
            if not expr.args:
                return False
            text = _constant_text(expr.args[0], ctx)
            return text is not None and _CATALOG.search(text) is not None
        expr = expr.func.value
        if isinstance(expr, ast.Name):  # `result = conn.execute(...)`; `result.fetchall()`
            bindings = ctx.reaching(expr.id, expr)
            if len(bindings) == 1 and bindings[0].kind == ASSIGN and \
                    isinstance(bindings[0].value, ast.Call) and \
                    callee_name(bindings[0].value.func) in _QUERY_CALLS:
                expr = bindings[0].value
                continue
            sql = last_executed(expr, ctx)  # `cur.execute(...)`, then `cur.fetchone()`
            text = _constant_text(sql, ctx) if sql is not None else None
            return text is not None and _CATALOG.search(text) is not None
    return False


def _constant_text(node: ast.AST, ctx: ModuleContext) -> str | None:
    """The text of a literal, or of a name bound once to one, or of `text("...")`."""
    for _ in range(3):
        if isinstance(node, ast.Constant):
            return node.value if isinstance(node.value, str) else None
        if isinstance(node, ast.JoinedStr):
            return literal_text(node, "x")
        if isinstance(node, ast.Call) and len(node.args) == 1:
            node = node.args[0]  # `text("SELECT ...")`
        elif isinstance(node, ast.Name):
            bindings = ctx.reaching(node.id, node)
            if len(bindings) != 1 or bindings[0].kind != ASSIGN:
                return None
            node = bindings[0].value
        else:
            return None
    return None


def _made_by_counter(expr: ast.expr, ctx: ModuleContext) -> bool:
    if isinstance(expr, ast.Call):
        return ctx.qualname(expr.func) == "itertools.count"
    if isinstance(expr, (ast.Name, ast.Attribute)):
        if isinstance(expr, ast.Name):
            bindings = ctx.reaching(expr.id, expr)
        else:
            bindings = ctx.attr_bindings(expr)
        return bool(bindings) and all(
            b.kind == ASSIGN and isinstance(b.value, ast.Call)
            and ctx.qualname(b.value.func) == "itertools.count" for b in bindings)
    return False


class _Unpackings:
    """Per function: end position -> the statement unpacking into names there (`a, b = ...`,
    `for a, b in ...`), the position the walk gives such bindings. Made on first use, by a
    look at that function's own statements (not nested functions or classes)."""

    __slots__ = ("found",)

    def __init__(self, ctx: ModuleContext) -> None:
        self.found: dict[int, dict[tuple[int, int], ast.stmt]] = {}


_UNPACKING = (ast.Assign, ast.For, ast.AsyncFor)
_MATCH_CASE = getattr(ast, "match_case", ast.ExceptHandler)
_NESTED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)


def ctx_unpackings(ctx: ModuleContext) -> dict[tuple[int, int], ast.stmt]:
    scope = ctx.scope
    if scope.kind != "function":
        return {}
    index = ctx.cached(_Unpackings).found
    found = index.get(id(scope.node))
    if found is None:
        found = index[id(scope.node)] = {}
        body = getattr(scope.node, "body", None)
        pending = list(body) if isinstance(body, list) else []
        while pending:
            node = pending.pop()
            if isinstance(node, _NESTED):
                continue
            if isinstance(node, _UNPACKING):
                target = node.targets[0] if isinstance(node, ast.Assign) else node.target
                if isinstance(target, (ast.Tuple, ast.List)):
                    found[(node.end_lineno or node.lineno, node.end_col_offset or 0)] = node
            if isinstance(node, ast.stmt):
                for field in ("body", "orelse", "finalbody", "handlers", "cases"):
                    child = getattr(node, field, None)
                    if isinstance(child, list):
                        pending.extend(child)
            elif isinstance(node, (ast.ExceptHandler, _MATCH_CASE)):
                pending.extend(node.body)
    return found


class _Guards:
    """Per function: name -> guards (test line, first and last line, collection, reset)
    where a membership test makes the name one of the collection's elements. Made on first use, by a
    look at that function's own statements (not nested functions or classes)."""

    __slots__ = ("found",)

    def __init__(self, ctx: ModuleContext) -> None:
        self.found: dict[int, dict[str, list[Guard]]] = {}


_EXITS = (ast.Raise, ast.Return, ast.Continue, ast.Break)


# (test line, first line, last line, collection, lines of a reset or None)
Guard = tuple[int, int, int, ast.expr, "tuple[int, int] | None"]


def function_guards(ctx: ModuleContext) -> dict[str, list[Guard]]:
    scope = ctx.scope
    if scope.kind != "function":
        return {}
    index = ctx.cached(_Guards).found
    found = index.get(id(scope.node))
    if found is not None:
        return found
    found = index[id(scope.node)] = {}
    node = scope.node
    end = getattr(node, "end_lineno", None) or node.lineno
    pending: list[tuple[list, int]] = [(node.body, end)] if isinstance(node.body, list) else []
    while pending:
        block, block_end = pending.pop()
        for stmt in block:
            if isinstance(stmt, _NESTED):
                continue
            if isinstance(stmt, (ast.If, ast.Assert)):
                member = _membership(stmt.test)
                if member is not None:
                    name, negated, collection = member
                    last = stmt.end_lineno or stmt.lineno
                    if isinstance(stmt, ast.Assert):
                        found.setdefault(name, []).append(
                            (stmt.lineno, last + 1, block_end, collection, None))
                    elif not negated:
                        body_end = stmt.body[-1].end_lineno or stmt.body[-1].lineno
                        found.setdefault(name, []).append(
                            (stmt.lineno, stmt.body[0].lineno, body_end, collection, None))
                    elif isinstance(stmt.body[-1], _EXITS):
                        found.setdefault(name, []).append(
                            (stmt.lineno, last + 1, block_end, collection, None))
                    elif _resets(stmt.body[-1], name) and not stmt.orelse:
                        found.setdefault(name, []).append(
                            (stmt.lineno, last + 1, block_end, collection,
                             (stmt.body[0].lineno, last)))
            for field in ("body", "orelse", "finalbody"):
                child = getattr(stmt, field, None)
                if isinstance(child, list) and child and isinstance(child[0], ast.stmt):
                    pending.append((child, child[-1].end_lineno or child[-1].lineno))
            for handler in getattr(stmt, "handlers", ()) or ():
                if handler.body:
                    pending.append((handler.body, handler.end_lineno or handler.lineno))
    return found


def _resets(stmt: ast.stmt, name: str) -> bool:
    """`name = ...`: the body of `if name not in ALLOWED:` giving it a default."""
    return isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and \
        isinstance(stmt.targets[0], ast.Name) and stmt.targets[0].id == name


def _membership(test: ast.expr) -> tuple[str, bool, ast.expr] | None:
    """`name in X` / `name not in X`: (name, negated, X)."""
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and \
            isinstance(test.left, ast.Name) and isinstance(test.ops[0], (ast.In, ast.NotIn)):
        return test.left.id, isinstance(test.ops[0], ast.NotIn), test.comparators[0]
    return None


def _literal_classes(ctx: ModuleContext) -> dict[str, frozenset[str]]:
    """Module-level classes whose members are literals (enums, choices): name -> members.

    A look at the module's top-level statements only, made once per module."""
    found: dict[str, frozenset[str]] = {}
    module = ctx.module.node
    for stmt in getattr(module, "body", ()):
        if not isinstance(stmt, ast.ClassDef):
            continue
        members = set()
        for item in stmt.body:
            if isinstance(item, ast.Assign) and _literal_member(item.value):
                members.update(t.id for t in item.targets if isinstance(t, ast.Name))
            elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name) and \
                    item.value is not None and _literal_member(item.value):
                members.add(item.target.id)
        if members:
            found[stmt.name] = frozenset(members)
    return found


def _literal_member(value: ast.AST) -> bool:
    if isinstance(value, ast.Constant):
        return True
    if isinstance(value, ast.Tuple):
        return all(isinstance(e, ast.Constant) for e in value.elts)
    return isinstance(value, ast.Call) and callee_name(value.func) == "auto" and not value.args


def _doubles_quotes(call: ast.Call) -> bool:
    """`value.replace("'", "''")`: SQL string-literal escaping."""
    func = call.func
    return (isinstance(func, ast.Attribute) and func.attr == "replace" and len(call.args) == 2
            and all(isinstance(a, ast.Constant) for a in call.args)
            and call.args[0].value == "'" and call.args[1].value == "''")


def _is_str(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _numeric_spec(value: ast.FormattedValue) -> bool:
    spec = value.format_spec
    return isinstance(spec, ast.JoinedStr) and literal_text(spec).rstrip().endswith(
        ("d", "f", "e", "x", "g"))


def _is_number(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and \
        not isinstance(node.value, bool)


def _constant_name(name: str, settings) -> bool:
    return re.match(settings["sql-constant-pattern"], name) is not None


def is_fragment_name(name: str, settings) -> bool:
    """`build_where`, `order_clause()`: helpers returning SQL fragments, checked where built."""
    pattern = settings["sql-fragment-pattern"]
    return bool(pattern) and re.search(pattern, name) is not None


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


# -- findings and messages ---------------------------------------------------------------
class Unsafe(NamedTuple):
    """A value pasted into SQL text that may carry user text."""

    node: ast.expr
    position: str  # IDENTIFIER or VALUE: where it sits in the SQL
    client: ast.expr | None  # the read of request data it comes from, if visible
    line: int  # where it is pasted in


def judge(node: ast.expr, ctx: ModuleContext, comps: tuple = (), before: str | None = None,
          numeric: bool = False) -> Unsafe | None:
    """An `Unsafe` for a value pasted into SQL after the literal text `before`, or None
    when the value is safe (or formatted as a number)."""
    if numeric or is_safe_value(node, ctx, comps):
        return None
    return Unsafe(node, sql_position(before), client_source(node, ctx), node.lineno)


def fstring_values(fstring: ast.JoinedStr, ctx: ModuleContext, comps: tuple = (),
                   before: Callable[[], str | None] | None = None) -> list[Unsafe]:
    """The unsafe interpolations of an f-string, each with the text before it (`before`:
    the text before the f-string itself, read only when a value is unsafe)."""
    found: list[Unsafe] = []
    text: list[str] = []
    for value in fstring.values:
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            text.append(value.value)
            continue
        if isinstance(value, ast.FormattedValue) and not _numeric_spec(value) and \
                not is_safe_value(value.value, ctx, comps):
            if before is not None:
                text.insert(0, before() or "")
                before = None
            found.append(Unsafe(value.value, sql_position("".join(text)),
                                client_source(value.value, ctx), value.value.lineno))
        text.append("x")
    return found


_MAX_NAMED = 3


class Advice(NamedTuple):
    """Message fields for the unsafe values of one finding."""

    client: str  # " with client data" or ""
    advice: str  # the fix, naming each value (up to three)
    line: int  # where the first unsafe value is pasted in


def advise(values: list[Unsafe]) -> Advice:
    """Name every value as written (up to three), and the fix for its place: a query
    parameter for a value, an allowlist or `sql.Identifier` for an identifier."""
    named: list[Unsafe] = []
    seen = set()
    for unsafe in sorted(values, key=lambda u: u.client is None):  # client data first
        label = _label(unsafe)
        if label not in seen:
            seen.add(label)
            named.append(unsafe)
    shown = named[:_MAX_NAMED]
    more = len(named) - len(shown)
    parts = []
    plain = [u for u in shown if u.position == VALUE]
    identifiers = [u for u in shown if u.position in (IDENTIFIER, TABLE)]
    utility = [u for u in shown if u.position == UTILITY]
    if plain:
        parts.append(f"pass {_names(plain)} as "
                     f"{'a query parameter' if len(plain) == 1 else 'query parameters'}")
    if identifiers:
        one = len(identifiers) == 1
        parts.append(f"check {_names(identifiers)} against an allowlist or compose "
                     f"{'it' if one else 'them'} with sql.Identifier (an identifier cannot be "
                     f"a query parameter)")
    if utility:
        one = len(utility) == 1
        parts.append(f"check {_names(utility)} against an allowlist or quote "
                     f"{'it' if one else 'them'} (this statement takes no query parameters)")
    text = "; ".join(parts)
    if more:
        text += f" ({more} more value{'s' if more > 1 else ''})"
    client = " with client data" if any(u.client is not None for u in named) else ""
    return Advice(client, text, values[0].line)


def _names(values: list[Unsafe]) -> str:
    labels = [_label(u) for u in values]
    if len(labels) == 1:
        return labels[0]
    return ", ".join(labels[:-1]) + " and " + labels[-1]


def _label(unsafe: Unsafe) -> str:
    label = f"`{describe(unsafe.node)}`"
    client = unsafe.client
    if isinstance(client, ast.Name):
        label += " (a route parameter)" if client is unsafe.node else \
            f" (from the route parameter `{client.id}`)"
    elif client is not None and describe(client) != describe(unsafe.node):
        label += f" (from `{describe(client)}`)"
    return label


def built_at(line: int, report: ast.AST, call: ast.AST) -> str:
    """` at line N` when the text was built away from the call reporting it."""
    first = min(getattr(report, "lineno", line), call.lineno)  # type: ignore[attr-defined]
    last = max(getattr(report, "end_lineno", None) or first,
               getattr(call, "end_lineno", None) or first)
    return "" if first <= line <= last else f" at line {line}"


# -- messages ----------------------------------------------------------------------------
_MAX_LABEL = 40
_MAX_UNPARSED = 40  # deeper expressions are named by their head only
# Unsafe values collected per finding: the message names three and counts the rest; a
# query of thousands of pasted values costs no more than this.
MAX_VALUES = 20


def describe(expr: ast.expr) -> str:
    """The value as written, shortened: `request.args['q']`, `self.table`, `quote(name)`."""
    if _deeper_than(expr, _MAX_UNPARSED):
        return _head(expr)  # a hostile tree: never recurse into it
    try:
        text = ast.unparse(expr)
    except (ValueError, RecursionError, AttributeError):
        return _head(expr)
    text = " ".join(text.split())
    if len(text) > _MAX_LABEL:
        text = text[:_MAX_LABEL - 3].rstrip() + "..."
    return text.replace("`", "'")


def _deeper_than(expr: ast.AST, limit: int) -> bool:
    """Whether the expression nests more than `limit` deep (iterative, bounded)."""
    pending = [(expr, 0)]
    seen = 0
    while pending:
        node, depth = pending.pop()
        seen += 1
        if depth > limit or seen > 2000:
            return True
        pending.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return False


def _head(expr: ast.expr) -> str:
    """A short name for a deep expression: `str(...)`, `a.b`, `x[...]`."""
    if isinstance(expr, ast.Call):
        name = callee_name(expr.func)
        return f"{name}(...)" if name else "the value"
    if isinstance(expr, ast.Attribute):
        return f"...{expr.attr}"
    if isinstance(expr, ast.Name):
        return expr.id
    if isinstance(expr, ast.Subscript):
        return f"{_head(expr.value) if not isinstance(expr.value, ast.Subscript) else '...'}[...]"
    return "the value"
