"""Values that cannot carry attacker-controlled text into SQL.

Shared by the SQL rules: an interpolated or concatenated value is exempt when it
is a constant (UPPER_CASE by default), a number, the result of a quoting call,
or a placeholder list such as `", ".join(["%s"] * len(ids))`. Everything else
is treated as data that may come from a user.
"""

from __future__ import annotations

import ast
import re

from flake8_backend.analysis.astutil import callee_name
from flake8_backend.analysis.context import ModuleContext
from flake8_backend.analysis.scope import ASSIGN, ITER, PARAM
from flake8_backend.domain.sql_text import COMPOSITION_MODULES, PLACEHOLDER, literal_text

_NUMERIC_CALLS = frozenset({"int", "len", "float", "bool", "round", "abs", "min", "max"})
_NUMERIC_ANNOTATIONS = frozenset({"int", "float", "bool", "Decimal", "UUID", "uuid.UUID"})
# Generated locally from randomness: hex digits and dashes only.
_RANDOM_TOKENS = frozenset({"secrets.token_hex", "uuid.uuid4", "uuid.uuid1", "os.urandom"})
_MAX_DEPTH = 4


def is_safe_value(expr: ast.expr, ctx: ModuleContext) -> bool:
    """True when `expr` cannot carry user text (see the module docstring)."""
    return _safe_value(expr, ctx, 0)


def _safe_value(expr: ast.expr, ctx: ModuleContext, depth: int) -> bool:
    """True when the value cannot carry attacker-controlled text into the SQL."""
    settings = ctx.settings
    if isinstance(expr, ast.Constant):
        return True
    if isinstance(expr, ast.Name):
        if _safe_name(expr.id, settings):
            return True
        return depth < _MAX_DEPTH and _safe_bindings(expr, ctx, depth)
    if isinstance(expr, ast.Attribute):
        if _safe_name(expr.attr, settings):
            return True
        bindings = ctx.attr_bindings(expr)  # `self._table = "counts"` at class level
        return bool(bindings) and all(b.kind == ASSIGN and isinstance(b.value, ast.Constant)
                                      for b in bindings)
    if depth >= _MAX_DEPTH:
        return False  # bounded: deep nesting is never proven safe
    if isinstance(expr, ast.Subscript):
        if _is_constant_table(expr.value, settings):
            return True  # TYPE_MAPPING[col_type]: a lookup in a constant table
        return isinstance(expr.slice, ast.Slice) and _safe_value(expr.value, ctx, depth + 1)
    if isinstance(expr, ast.Call):
        func = expr.func
        if isinstance(func, ast.Name) and func.id in _NUMERIC_CALLS:
            return True
        if isinstance(func, ast.Name) and func.id in ("str", "repr") and len(expr.args) == 1:
            return _safe_value(expr.args[0], ctx, depth + 1)
        name = callee_name(func)
        if name and (re.search(settings["sql-safe-functions"], name)
                     or _is_fragment_name(name, settings)):
            return True
        qualname = ctx.qualname(func)
        if qualname and qualname.startswith(COMPOSITION_MODULES):
            return True  # psycopg.sql composables are quoted when rendered
        if qualname in _RANDOM_TOKENS:
            return True
        return _is_placeholder_join(expr) or _is_safe_join(expr, ctx, depth)
    if isinstance(expr, ast.JoinedStr):  # f"tmp_{secrets.token_hex(8)}"
        return all(_safe_value(v.value, ctx, depth + 1) for v in expr.values
                   if isinstance(v, ast.FormattedValue))
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Mult):
        return _is_placeholder_repeat(expr)
    if isinstance(expr, ast.BinOp):
        return _is_number_arithmetic(expr)
    return False


def _safe_bindings(name: ast.Name, ctx: ModuleContext, depth: int) -> bool:
    bindings = ctx.reaching(name.id, name)
    if not bindings:
        return False
    for binding in bindings:
        if binding.kind == PARAM:
            if not _numeric_annotation(binding.value):
                return False
        elif binding.kind == ITER:
            if not _is_constant_table(binding.value, ctx.settings):
                return False  # `for fn in FUNCTIONS:` takes values from a constant
        elif binding.kind != ASSIGN or binding.value is None:
            return False
        elif not _safe_value(binding.value, ctx, depth + 1):
            return False
    return True


def _numeric_annotation(arg: ast.AST | None) -> bool:
    annotation = getattr(arg, "annotation", None)
    if isinstance(annotation, ast.Name):
        return annotation.id in _NUMERIC_ANNOTATIONS
    if isinstance(annotation, ast.Attribute):
        return annotation.attr in _NUMERIC_ANNOTATIONS
    return False


def _is_constant_table(expr: ast.AST | None, settings) -> bool:
    """An UPPER_CASE constant, or a literal collection of constants."""
    if isinstance(expr, (ast.List, ast.Tuple, ast.Set)):
        return all(isinstance(e, ast.Constant) for e in expr.elts)
    name = expr.attr if isinstance(expr, ast.Attribute) else getattr(expr, "id", None)
    return bool(name) and re.match(settings["sql-constant-pattern"], name) is not None


def _safe_name(name: str, settings) -> bool:
    return (re.match(settings["sql-constant-pattern"], name) is not None
            or name in settings["sql-safe-names"] or _is_fragment_name(name, settings))


def _is_fragment_name(name: str, settings) -> bool:
    """`where_sql`, `order_clause`: SQL fragments composed into SQL, checked where built."""
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


def _is_safe_join(call: ast.Call, ctx: ModuleContext, depth: int) -> bool:
    """`", ".join(quote_identifier(c) for c in cols)`: every joined piece is safe."""
    func = call.func
    if not (isinstance(func, ast.Attribute) and func.attr == "join" and len(call.args) == 1):
        return False
    arg = call.args[0]
    if isinstance(arg, (ast.GeneratorExp, ast.ListComp)):
        return _safe_value(arg.elt, ctx, depth + 1)
    if isinstance(arg, (ast.List, ast.Tuple)):
        return all(_safe_value(elt, ctx, depth + 1) for elt in arg.elts)
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


def describe(expr: ast.expr) -> str:
    """A short name for a value in a message: `uid`, `self.table`, `quote(...)`."""
    if isinstance(expr, ast.Call):
        name = callee_name(expr.func)
        if name in ("str", "repr", "format") and expr.args and isinstance(
                expr.args[0], (ast.Name, ast.Attribute)):
            return describe(expr.args[0])
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
