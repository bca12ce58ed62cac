"""Where the text of a string at a sink came from, within one function.

`cur.execute(q)` is only as safe as every expression that built `q`: its last
assignment, any `+=` pieces, the template of a `%` or `.format()`, the pieces
of a `join` (and what was appended to the joined list). `string_pieces` follows
those edges (bounded, iteratively) and yields each expression whose text becomes
part of the final string, with the literal text just before it in its template
(to tell a value from an identifier) and whether it is formatted as a number.
"""

from __future__ import annotations

import ast
import re
import string
from typing import Iterator, Union

from flake8_backend.analysis.context import ModuleContext
from flake8_backend.analysis.scope import ASSIGN, AUG, Pos
from flake8_backend.patterns import lazy_compile

# String methods that keep (a transformation of) their receiver's text.
_TEXT_METHODS = frozenset({"format", "format_map", "replace", "strip", "lstrip", "rstrip",
                           "lower", "upper", "join"})
_TEXT_FUNCTIONS = frozenset({"textwrap.dedent", "inspect.cleandoc"})
# Pieces other than `+` nodes followed per string: a bound on the work per sink that
# still covers a query builder of a few thousand `+=` lines in one pass (linear).
_MAX_PARTS = 4096
# psycopg's composition module quotes what it inserts (`sql.SQL(...).format(sql.Identifier(c))`).
COMPOSITION_MODULES = ("psycopg.sql.", "psycopg2.sql.")
# A bind placeholder, optionally wrapped in one SQL function call: `?`, `%s`, `QUOTE(?)`.
PLACEHOLDER = lazy_compile(
    r"^\s*(?:\w*\(\s*)?(\?|%s|\$\d+|:\w+|%\(\w+\)s|@\w+|\{\})(?:\s*\))?\s*$")
# A `%` conversion: `%s`, `%(name)s`, `%5.2f`, `%%`.
_PERCENT_FIELD = lazy_compile(
    r"%(?:\((?P<key>[^)]*)\))?[#0\- +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?(?P<conv>[a-zA-Z%])")
# Conversions and format types that only format numbers (`%d`, `{:.2f}`): no text gets in.
NUMERIC_CONVERSIONS = frozenset("diouxXeEfFgGn%")

TEXT, OPERAND = "text", "operand"
# The text before an insertion point: a literal, (template, offset), or the left operand
# of a `+` whose literal text it is.
Before = Union[str, tuple[str, int], ast.expr, None]


class Piece:
    """One expression contributing to a string: its role and the operation that inserted it.

    TEXT pieces are the string itself or its template (the left of `%`, the receiver of
    `.format()`); OPERAND pieces are inserted into it (`+` operands, `%` and `.format()`
    arguments, `join` elements, `.replace()` replacements), with `how` naming the operation.
    `comps`: the comprehensions around the piece (`f"{c} = %s" for c in cols`), whose
    targets bind names in it; `before`: where to read the template's literal text before
    the insertion point (see `before_text`; computed only for the pieces a rule reports);
    `numeric`: the insertion formats it as a number (`%d`, `{:.2f}`).
    """

    __slots__ = ("node", "role", "how", "comps", "before", "numeric")

    def __init__(self, node: ast.expr, role: str, how: str | None, comps: tuple = (),
                 before: Before = None, numeric: bool = False) -> None:
        self.node, self.role, self.how = node, role, how
        self.comps, self.before, self.numeric = comps, before, numeric


class _LastPieces:
    """The pieces of the last string asked about: every SQL rule asks about the same one."""

    __slots__ = ("expr", "pieces")

    def __init__(self, ctx: ModuleContext) -> None:
        self.expr: ast.expr | None = None
        self.pieces: list[Piece] = []


def string_pieces(expr: ast.expr, ctx: ModuleContext) -> list[Piece]:
    """Pieces whose text flows into `expr`, left to right, following local names."""
    last = ctx.cached(_LastPieces)
    if last.expr is not expr:
        last.expr, last.pieces = expr, list(_walk_pieces(expr, ctx))
    return last.pieces


class Appends:
    """Values appended to local lists (`parts.append(x)`, `.extend`, `.insert`), per scope
    and name, in source order: what a later `" AND ".join(parts)` joins."""

    __slots__ = ("found", "last")

    def __init__(self, ctx: ModuleContext) -> None:
        self.last: ast.Call | None = None  # the last call recorded: two rules may ask
        # (scope, name) -> (position, value, whether `value` holds several: `.extend`)
        self.found: dict[tuple[int, str], list[tuple[Pos, ast.expr, bool]]] = {}


APPEND_METHODS = frozenset({"append", "extend", "insert"})


def record_append(call: ast.Call, ctx: ModuleContext) -> None:
    """Note `name.append(x)` / `.extend(xs)` / `.insert(i, x)` on a local name."""
    func = call.func
    if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)
            and func.attr in APPEND_METHODS and not call.keywords):
        return
    args = call.args
    if func.attr == "insert":
        if len(args) != 2:
            return
        value = args[1]
    elif len(args) == 1:
        value = args[0]
    else:
        return
    appends = ctx.cached(Appends)
    if isinstance(value, ast.Starred) or appends.last is call:
        return
    appends.last = call
    found = appends.found
    key = (id(ctx.scope.node), func.value.id)
    entry = found.get(key)
    if entry is None:
        entry = found[key] = []
    if len(entry) < _MAX_PARTS:  # `.extend(xs)`: the container `xs` is walked into
        entry.append(((call.lineno, call.col_offset), value, func.attr == "extend"))


def appended_values(name: ast.Name, ctx: ModuleContext,
                    since: Pos) -> list[tuple[ast.expr, bool]]:
    """(value, whether it holds several) appended to the list `name` after `since` and
    before `name`, in source order."""
    entry = ctx.cached(Appends).found.get((id(ctx.scope.node), name.id))
    if not entry:
        return []
    at = (name.lineno, name.col_offset)
    return [(value, many) for pos, value, many in entry if since <= pos <= at]


class Executed:
    """SQL run on a local cursor, per scope and name, in source order: what a later
    `cursor.fetchone()` reads (`cur.execute("SELECT name FROM sys.tables")`)."""

    __slots__ = ("found",)

    def __init__(self, ctx: ModuleContext) -> None:
        self.found: dict[tuple[int, str], list[tuple[Pos, ast.expr]]] = {}


def record_execute(call: ast.Call, sql: ast.expr, ctx: ModuleContext) -> None:
    """Note `cur.execute(sql)` on a local name `cur`."""
    func = call.func
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        entry = ctx.cached(Executed).found.setdefault((id(ctx.scope.node), func.value.id), [])
        if len(entry) < _MAX_PARTS:
            entry.append(((call.lineno, call.col_offset), sql))


def last_executed(name: ast.Name, ctx: ModuleContext) -> ast.expr | None:
    """The SQL last run on the cursor `name` before `name`, in this scope."""
    entry = ctx.cached(Executed).found.get((id(ctx.scope.node), name.id))
    at = (name.lineno, name.col_offset)
    before = [sql for pos, sql in entry or () if pos < at]
    return before[-1] if before else None


def _walk_pieces(expr: ast.expr, ctx: ModuleContext) -> Iterator[Piece]:
    stack: list[Piece] = [Piece(expr, TEXT, None)]
    seen: set[int] = set()
    budget = _MAX_PARTS
    while stack and budget:
        piece = stack.pop()
        node, role, how, comps = piece.node, piece.role, piece.how, piece.comps
        if not isinstance(node, ast.BinOp):
            budget -= 1  # a long `+` spine costs no budget: its leaves are what count
        if role == TEXT and isinstance(node, _CONTAINERS):
            continue  # `execute(["git", "log"])`: a list is not SQL text
        yield piece
        push = stack.append
        if isinstance(node, ast.Name):
            if comps and bound_by_comprehension(node.id, comps) is not None:
                continue  # a comprehension variable: judged through its iterable
            bindings = ctx.reaching(node.id, node)
            for binding in bindings:
                if id(binding) in seen:
                    continue
                seen.add(id(binding))
                if binding.kind == ASSIGN and binding.value is not None:
                    push(Piece(binding.value, role, how, (), piece.before, piece.numeric))
                elif binding.kind == AUG and isinstance(binding.value.op, ast.Add):
                    push(Piece(binding.value.value, OPERAND, "+="))
            if role == OPERAND and bindings:
                since = min(b.pos for b in bindings)
                for value, _ in reversed(appended_values(node, ctx, since)):
                    push(Piece(value, OPERAND, how, (), piece.before))
        elif isinstance(node, ast.BinOp):
            if isinstance(node.op, ast.Add):
                if not is_concatenation(node):
                    continue  # `page_size + 1`: arithmetic, not text
                push(Piece(node.right, OPERAND, "+", comps, node.left))
                push(Piece(node.left, OPERAND, "+", comps, piece.before))
            elif isinstance(node.op, ast.Mod):
                _percent_pieces(node, role, how, piece, ctx, stack)
        elif isinstance(node, ast.IfExp):
            push(Piece(node.orelse, role, how, comps, piece.before, piece.numeric))
            push(Piece(node.body, role, how, comps, piece.before, piece.numeric))
        elif isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            stack.extend(Piece(e.value if isinstance(e, ast.Starred) else e, role, how, comps,
                               piece.before) for e in reversed(node.elts))
        elif isinstance(node, (ast.ListComp, ast.GeneratorExp, ast.SetComp)):
            push(Piece(node.elt, role, how, (*comps, node), piece.before))
        elif isinstance(node, ast.Call):
            _call_pieces(node, piece, ctx, stack)


_CONTAINERS = (ast.List, ast.Tuple, ast.Set, ast.Dict, ast.ListComp, ast.SetComp,
               ast.DictComp, ast.GeneratorExp)


def is_concatenation(node: ast.BinOp) -> bool:
    """`a + b` that may join text: not when a side is a number (`offset + 1`)."""
    for side in (node.left, node.right):
        if isinstance(side, ast.Constant) and isinstance(side.value, (int, float)) and \
                not isinstance(side.value, bool):
            return False
    return True


def bound_by_comprehension(name: str, comps: tuple) -> ast.comprehension | None:
    """The generator of the innermost comprehension in `comps` whose target binds `name`."""
    for comp in reversed(comps):
        for generator in comp.generators:
            if name in target_names(generator.target):
                return generator
    return None


def target_names(target: ast.AST) -> list[str]:
    """Names bound by an assignment or loop target, in order (`a, (b, c)` -> a, b, c)."""
    found: list[str] = []
    pending = [target]
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Name):
            found.append(node.id)
        elif isinstance(node, ast.Starred):
            pending.append(node.value)
        elif isinstance(node, (ast.Tuple, ast.List)):
            pending.extend(reversed(node.elts))
    return found


def _percent_pieces(node: ast.BinOp, role: str, how: str | None, piece: Piece,
                    ctx: ModuleContext, stack: list[Piece]) -> None:
    template = template_text(node.left, ctx)
    fields = percent_fields(template) if template is not None else None
    args = node.right
    inserted: list[tuple[ast.expr, tuple[str, int] | None]] = []
    if isinstance(args, (ast.Tuple, ast.List)):
        positional = [f for f in fields if f[0] is None] if fields is not None else None
        for index, arg in enumerate(args.elts):
            field = positional[index] if positional and index < len(positional) else None
            inserted.append((arg, field and (field[1], field[2])))
    elif isinstance(args, ast.Dict):
        named = {f[0]: (f[1], f[2]) for f in fields or () if f[0] is not None}
        for key, value in zip(args.keys, args.values):
            if value is None:
                continue
            name = key.value if isinstance(key, ast.Constant) else None
            inserted.append((value, named.get(name) if isinstance(name, str) else None))
    else:
        single = fields is not None and len(fields) == 1 and fields[0][0] is None
        inserted.append((args, (fields[0][1], fields[0][2]) if single else None))
    for arg, field in reversed(inserted):
        if field is None:
            stack.append(Piece(arg, OPERAND, "%", piece.comps))
        else:
            conv, offset = field
            stack.append(Piece(arg, OPERAND, "%", piece.comps, (template, offset),
                               conv in NUMERIC_CONVERSIONS))
    stack.append(Piece(node.left, role, how, piece.comps, piece.before))


def _call_pieces(node: ast.Call, piece: Piece, ctx: ModuleContext, stack: list[Piece]) -> None:
    func = node.func
    role, how, comps = piece.role, piece.how, piece.comps
    if isinstance(func, ast.Attribute) and func.attr in _TEXT_METHODS:
        name = func.attr
        if name in ("format", "format_map"):
            if _is_composition(func.value, ctx):
                return  # psycopg.sql.SQL(...).format(...) quotes what it inserts
            template = template_text(func.value, ctx)
            text, fields = format_fields(template) if template is not None else ("", {})
            keywords = [(k.arg, k.value) for k in node.keywords if k.arg is not None]
            for keyword in node.keywords:
                if keyword.arg is None:  # `.format(**params)`: the values of a visible dict
                    keywords.extend(_mapping_items(keyword.value, ctx) or [(None, keyword.value)])
            for name, value in reversed(keywords):
                field = fields.get(name) if name is not None else None
                stack.append(Piece(value, OPERAND, ".format()", comps,
                                   field and (text, field[1]),
                                   field is not None and is_numeric_spec(field[0])))
            for index in range(len(node.args) - 1, -1, -1):
                arg = node.args[index]
                field = fields.get(index)
                stack.append(Piece(arg.value if isinstance(arg, ast.Starred) else arg, OPERAND,
                                   ".format()", comps, field and (text, field[1]),
                                   field is not None and is_numeric_spec(field[0])))
            stack.append(Piece(func.value, role, how, comps, piece.before))
        elif name == "join":
            if is_str_join(node, ctx):
                stack.append(Piece(node.args[0], OPERAND, "join", comps, piece.before))
        elif name == "replace":
            if len(node.args) > 1:
                stack.append(Piece(node.args[1], OPERAND, ".replace()", comps))
            stack.append(Piece(func.value, role, how, comps, piece.before))
        else:
            stack.append(Piece(func.value, role, how, comps, piece.before))
    elif node.args and ctx.qualname(func) in _TEXT_FUNCTIONS:
        stack.append(Piece(node.args[0], role, how, comps, piece.before))


def _mapping_items(node: ast.expr, ctx: ModuleContext) -> list[tuple[str | None, ast.expr]]:
    """(key, value) of a dict literal or `dict(k=v)`, or of a name bound once to one."""
    if isinstance(node, ast.Name):
        bindings = ctx.reaching(node.id, node)
        if len(bindings) != 1 or bindings[0].kind != ASSIGN or bindings[0].value is None:
            return []
        node = bindings[0].value  # type: ignore[assignment]
    if isinstance(node, ast.Dict):
        return [(k.value if isinstance(k, ast.Constant) and isinstance(k.value, str) else None, v)
                for k, v in zip(node.keys, node.values) if k is not None]
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "dict" \
            and not node.args:
        return [(k.arg, k.value) for k in node.keywords if k.arg is not None]
    return []


def is_str_join(call: ast.Call, ctx: ModuleContext) -> bool:
    """`", ".join(parts)`, not SQLAlchemy's `select(...).join(Address)` or `query.join(...)`.

    `str.join` takes one positional iterable; its receiver is a string, so a receiver made
    by a call other than a string method (a `select()`, a query) is not one."""
    func = call.func
    if not (isinstance(func, ast.Attribute) and len(call.args) == 1 and not call.keywords
            and not isinstance(call.args[0], ast.Starred)):
        return False
    receiver = func.value
    if isinstance(receiver, (ast.Constant, ast.JoinedStr)):
        return isinstance(receiver, ast.JoinedStr) or isinstance(receiver.value, str)
    if isinstance(receiver, ast.Call):
        return _makes_text(receiver, ctx)
    if isinstance(receiver, ast.Name):
        values = [b.value for b in ctx.reaching(receiver.id, receiver)
                  if b.kind == ASSIGN and b.value is not None]
        return not values or not all(isinstance(v, ast.Call) and not _makes_text(v, ctx)
                                     for v in values)
    return True


def _makes_text(call: ast.Call, ctx: ModuleContext) -> bool:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr in _TEXT_METHODS
    return isinstance(func, ast.Name) and func.id in ("str", "repr", "chr", "format")


def _is_composition(receiver: ast.expr, ctx: ModuleContext) -> bool:
    if not isinstance(receiver, ast.Call):
        return False
    qualname = ctx.qualname(receiver.func) or ""
    return qualname.startswith(COMPOSITION_MODULES)


def template_text(node: ast.expr, ctx: ModuleContext) -> str | None:
    """The literal text of a `%` or `.format()` template, when visible: a literal, or a name
    or `self.<attr>` bound once to one (`SQL_TEMPLATE % name`)."""
    for _ in range(3):
        if isinstance(node, ast.Constant):
            return node.value if isinstance(node.value, str) else None
        if isinstance(node, ast.JoinedStr):
            return literal_text(node, "x")
        if isinstance(node, ast.Call) and node.args and ctx.qualname(node.func) in _TEXT_FUNCTIONS:
            node = node.args[0]
            continue
        if isinstance(node, ast.Name):
            bindings = ctx.reaching(node.id, node)
        elif isinstance(node, ast.Attribute):
            bindings = ctx.attr_bindings(node)
        else:
            return None
        if len(bindings) != 1 or bindings[0].kind != ASSIGN or bindings[0].value is None:
            return None
        node = bindings[0].value  # type: ignore[assignment]
    return None


def percent_fields(template: str) -> list[tuple[str | None, str, int]]:
    """(key or None, conversion, offset) for each `%` field of a template, `%%` left out."""
    return [(match.group("key"), match.group("conv"), match.start())
            for match in _PERCENT_FIELD.finditer(template) if match.group("conv") != "%"]


def format_fields(template: str) -> tuple[str, dict[int | str, tuple[str, int]]]:
    """The template's text with each field as `x`, and argument index or name -> (format
    spec, offset in that text) of its first `.format()` field."""
    found: dict[int | str, tuple[str, int]] = {}
    text: list[str] = []
    length = 0
    auto = 0
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError:
        return "", found
    for literal, field, spec, _ in parsed:
        text.append(literal)
        length += len(literal)
        if field is None:
            continue
        head = field.split(".", 1)[0].split("[", 1)[0]
        key: int | str
        if head == "":
            key, auto = auto, auto + 1
        elif head.isdigit():
            key = int(head)
        else:
            key = head
        if key not in found:
            found[key] = (spec or "", length)
        text.append("x")
        length += 1
    return "".join(text), found


def is_numeric_spec(spec: str) -> bool:
    """A format spec that only formats numbers: `d`, `.2f`, `05d`, `x`."""
    spec = spec.strip()
    return bool(spec) and spec[-1] in NUMERIC_CONVERSIONS and "{" not in spec


def before_text(piece: Piece, ctx: ModuleContext) -> str | None:
    """The literal text before the piece's insertion point, when visible."""
    before = piece.before
    if before is None or isinstance(before, str):
        return before
    if isinstance(before, tuple):
        return before[0][:before[1]]
    return _literal_of(before, ctx)


def _literal_of(node: ast.expr, ctx: ModuleContext) -> str:
    """The text of a `+` chain with each non-literal operand as `x` (bounded, iterative)."""
    leaves: list[str] = []
    while len(leaves) < _MAX_PARTS:
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            leaves.append(_leaf_text(node.right, ctx))
            node = node.left
        else:
            leaves.append(_leaf_text(node, ctx))
            break
    return "".join(reversed(leaves))


def _leaf_text(node: ast.expr, ctx: ModuleContext) -> str:
    if isinstance(node, ast.JoinedStr):
        return literal_text(node, "x")
    if isinstance(node, (ast.Constant, ast.Name)):
        text = template_text(node, ctx)
        return text if text is not None else "x"
    return "x"


def text_parts(expr: ast.expr, ctx: ModuleContext) -> Iterator[ast.expr]:
    """Expressions whose text flows into `expr` (the nodes of `string_pieces`)."""
    return (piece.node for piece in string_pieces(expr, ctx))


# Parts the walk looks through to the text they hold; `visible_start` also looks into the
# elements of a list or tuple that a `join` joins.
_THROUGH = (ast.Name, ast.BinOp, ast.IfExp, ast.Call)
_THROUGH_SEQUENCES = (*_THROUGH, ast.List, ast.Tuple)


def leading_text(expr: ast.expr, ctx: ModuleContext) -> str | None:
    """The literal text the string starts with, when it can be seen."""
    return _first_text(expr, ctx, _THROUGH)


def visible_start(expr: ast.expr, ctx: ModuleContext) -> str | None:
    """Like `leading_text`, also through the list a `join` joins (`" ".join(["git", ...])`)."""
    return _first_text(expr, ctx, _THROUGH_SEQUENCES)


def _first_text(expr: ast.expr, ctx: ModuleContext, through: tuple[type, ...]) -> str | None:
    for part in text_parts(expr, ctx):
        if isinstance(part, ast.Constant):
            return part.value if isinstance(part.value, str) else None
        if isinstance(part, ast.JoinedStr):
            first = part.values[0] if part.values else None
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                return first.value
            return None
        if not isinstance(part, through):
            return None
    return None


def literal_text(node: ast.JoinedStr, stand_in: str = "1") -> str:
    """An f-string's text with every interpolation replaced by `stand_in`."""
    pieces = []
    for value in node.values:
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            pieces.append(value.value)
        else:
            pieces.append(stand_in)
    return "".join(pieces)


# -- where a value sits in the SQL: a value, or an identifier ------------------------------
# Keywords after which comes a name (a table, a column, an alias), not a value.
# Keywords after which comes the name of a table (or of another schema object).
_TABLE_KEYWORDS = frozenset({
    "from", "join", "into", "update", "table", "exists", "view", "index", "schema", "database",
    "sequence", "trigger", "function", "procedure", "type", "savepoint", "truncate", "analyze",
    "vacuum", "reindex", "extension", "owner", "role", "user", "describe", "tablespace",
    "materialized", "collation", "domain", "rule", "policy", "publication", "subscription",
    "attach", "detach", "rename", "alter", "drop", "create", "cluster", "lock", "listen",
    "notify", "grant", "revoke", "to",
})
# Keywords after which comes a column (or an alias, a constraint, an ordering).
_COLUMN_KEYWORDS = frozenset({"column", "constraint", "as", "select", "distinct", "by", "on",
                              "pragma", "returning", "using", "add", "comment"})
# Keywords after which a comma-separated list holds values.
_VALUE_LIST_KEYWORDS = frozenset({"values", "in", "set", "limit", "offset", "between"})
_LAST_WORD = lazy_compile(r"([A-Za-z_]+)\W*$")
_WORDS = lazy_compile(r"[A-Za-z_]+")
IDENTIFIER, VALUE, UTILITY, TABLE = "identifier", "value", "utility", "table"
# Statements that take no query parameters at all (DDL, SET, PRAGMA, NOTIFY...): whatever is
# pasted into them cannot be bound, only checked or quoted.
_UTILITY_STATEMENTS = frozenset({
    "set", "pragma", "create", "drop", "alter", "grant", "revoke", "notify", "listen",
    "unlisten", "savepoint", "release", "rollback", "vacuum", "analyze", "analyse", "comment",
    "lock", "truncate", "reindex", "cluster", "declare", "refresh", "use", "detach",
    "rename", "do", "reset", "discard", "checkpoint", "begin", "start", "deallocate",
    "prepare", "show", "optimize", "flush", "kill", "close", "fetch", "move"})
_FIRST_WORD = lazy_compile(r"^\s*(?:--[^\n]*\n\s*|/\*.*?\*/\s*)*\(?\s*([A-Za-z_]+)", re.DOTALL)


# Words between a keyword and the name it introduces: `CREATE INDEX CONCURRENTLY IF NOT
# EXISTS {name}`, `DROP TABLE IF EXISTS {t}`, `TRUNCATE ONLY {t}`.
_MODIFIERS = frozenset({"if", "not", "exists", "concurrently", "only", "temporary", "temp",
                        "unlogged", "unique", "global", "local", "cascade", "or", "replace",
                        "materialized", "recursive", "lateral", "all"})


def sql_position(before: str | None) -> str:
    """Where an insertion point sits, from the text before it: UTILITY in a statement that
    takes no parameters (DDL, `SET`, `PRAGMA`, `NOTIFY`); TABLE in a table's place (`FROM {t}`,
    `JOIN {t}`, `UPDATE {t}`); IDENTIFIER in another name's place (`ORDER BY {col}`,
    `SELECT {cols}`, `"{name}"`, `t.{col}`, `INSERT INTO t ({cols})`); else VALUE (`= {v}`,
    `'{v}'`, `IN ({v})`, `LIMIT {n}`, a function's argument)."""
    if not before:
        return VALUE
    first = _FIRST_WORD.match(before)
    if first and first.group(1).lower() in _UTILITY_STATEMENTS:
        return UTILITY  # `SET search_path = {s}`, `CREATE DATABASE {name}`, `NOTIFY c, '{p}'`
    if before.count("'") % 2:
        return VALUE  # inside a quoted string literal
    if before.count('"') % 2 or before.count("`") % 2 or before.rfind("[") > before.rfind("]"):
        return IDENTIFIER  # inside a quoted identifier
    if before[-1].isalnum() or before[-1] == "_":
        return IDENTIFIER  # `sp_{suffix}`: part of a name
    tail = before.rstrip()
    if not tail:
        return VALUE
    last = tail[-1]
    if last == ".":
        return IDENTIFIER  # `schema.{table}`, `t.{column}`
    if last in "=<>!+-*/%|&":
        return VALUE
    if last in "(,":
        opened = _open_paren(tail)
        if opened is not None:
            return _inside_parens(tail[:opened])
        if last == "(":
            return VALUE
        for word in reversed(_WORDS.findall(tail)[-40:]):
            word = word.lower()
            if word in _VALUE_LIST_KEYWORDS:
                return VALUE
            if word in ("select", "by", "from", "into", "table", "returning", "distinct"):
                return IDENTIFIER
        return VALUE
    words = [w.lower() for w in _WORDS.findall(tail[-200:])]
    if not words or not _LAST_WORD.search(tail) or _LAST_WORD.search(tail).end(1) != len(tail):
        return VALUE
    while len(words) > 1 and words[-1] in _MODIFIERS:
        words.pop()
    if words[-1] in _TABLE_KEYWORDS:
        return TABLE
    return IDENTIFIER if words[-1] in _COLUMN_KEYWORDS else VALUE


def _open_paren(text: str) -> int | None:
    """The index of the last `(` not closed in `text`, if any."""
    depth = 0
    for index in range(len(text) - 1, max(len(text) - 2000, -1), -1):
        char = text[index]
        if char == ")":
            depth += 1
        elif char == "(":
            if depth == 0:
                return index
            depth -= 1
    return None


def _inside_parens(head: str) -> str:
    """Inside `name (...`: a column list after `INSERT INTO t`, `CREATE TABLE t`,
    `CREATE INDEX i ON t`, `USING gin`; otherwise a function's arguments, `IN (...)`,
    `VALUES (...)`: values."""
    words = [w.lower() for w in _WORDS.findall(head[-200:])]
    if len(words) >= 2 and words[-2] in ("into", "table", "on", "index", "view", "key",
                                         "references", "using", "partition"):
        return IDENTIFIER
    if words and words[-1] in ("key", "unique", "using", "by"):
        return IDENTIFIER  # `PRIMARY KEY ({cols})`, `PARTITION BY ({col})`
    return VALUE
