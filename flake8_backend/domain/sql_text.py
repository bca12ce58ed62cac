"""Where the text of a string at a sink came from, within one function.

`cur.execute(q)` is only as safe as every expression that built `q`: its last
assignment, any `+=` pieces, the template of a `%` or `.format()`, the pieces
of a `join`. `text_parts` follows those edges (bounded, iteratively) and yields
each expression whose text becomes part of the final string.
"""

from __future__ import annotations

import ast
from typing import Iterator

from flake8_backend.analysis.context import ModuleContext
from flake8_backend.analysis.scope import ASSIGN, AUG
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
    r"^\s*(?:\w+\(\s*)?(\?|%s|\$\d+|:\w+|%\(\w+\)s|@\w+|\{\})(?:\s*\))?\s*$")


TEXT, OPERAND = "text", "operand"


class Piece:
    """One expression contributing to a string: its role and the operation that inserted it.

    TEXT pieces are the string itself or its template (the left of `%`, the receiver of
    `.format()`); OPERAND pieces are inserted into it (`+` operands, `%` and `.format()`
    arguments, `join` elements, `.replace()` replacements), with `how` naming the operation.
    """

    __slots__ = ("node", "role", "how")

    def __init__(self, node: ast.expr, role: str, how: str | None) -> None:
        self.node, self.role, self.how = node, role, how


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


def _walk_pieces(expr: ast.expr, ctx: ModuleContext) -> Iterator[Piece]:
    stack: list[Piece] = [Piece(expr, TEXT, None)]
    seen: set[int] = set()
    budget = _MAX_PARTS
    while stack and budget:
        piece = stack.pop()
        node, role, how = piece.node, piece.role, piece.how
        if not isinstance(node, ast.BinOp):
            budget -= 1  # a long `+` spine costs no budget: its leaves are what count
        yield piece
        push = stack.append
        if isinstance(node, ast.Name):
            for binding in ctx.reaching(node.id, node):
                if id(binding) in seen:
                    continue
                seen.add(id(binding))
                if binding.kind == ASSIGN and binding.value is not None:
                    push(Piece(binding.value, role, how))
                elif binding.kind == AUG and isinstance(binding.value.op, ast.Add):
                    push(Piece(binding.value.value, OPERAND, "+="))
        elif isinstance(node, ast.BinOp):
            if isinstance(node.op, ast.Add):
                push(Piece(node.right, OPERAND, "+"))
                push(Piece(node.left, OPERAND, "+"))
            elif isinstance(node.op, ast.Mod):
                args = node.right
                if isinstance(args, (ast.Tuple, ast.List)):
                    stack.extend(Piece(a, OPERAND, "%") for a in reversed(args.elts))
                elif isinstance(args, ast.Dict):
                    stack.extend(Piece(v, OPERAND, "%") for v in reversed(args.values) if v)
                else:
                    push(Piece(args, OPERAND, "%"))
                push(Piece(node.left, role, how))
        elif isinstance(node, ast.IfExp):
            push(Piece(node.orelse, role, how))
            push(Piece(node.body, role, how))
        elif isinstance(node, (ast.List, ast.Tuple)):
            stack.extend(Piece(e, role, how) for e in reversed(node.elts))
        elif isinstance(node, (ast.ListComp, ast.GeneratorExp, ast.SetComp)):
            push(Piece(node.elt, role, how))
        elif isinstance(node, ast.Call):
            _call_pieces(node, role, how, ctx, stack)


def _call_pieces(node: ast.Call, role: str, how: str | None, ctx: ModuleContext,
                 stack: list[Piece]) -> None:
    func = node.func
    if isinstance(func, ast.Attribute) and func.attr in _TEXT_METHODS:
        name = func.attr
        if name in ("format", "format_map"):
            if _is_composition(func.value, ctx):
                return  # psycopg.sql.SQL(...).format(...) quotes what it inserts
            for keyword in reversed(node.keywords):
                stack.append(Piece(keyword.value, OPERAND, ".format()"))
            stack.extend(Piece(a, OPERAND, ".format()") for a in reversed(node.args))
            stack.append(Piece(func.value, role, how))
        elif name == "join":
            if node.args:
                stack.append(Piece(node.args[0], OPERAND, "join"))
        elif name == "replace":
            if len(node.args) > 1:
                stack.append(Piece(node.args[1], OPERAND, ".replace()"))
            stack.append(Piece(func.value, role, how))
        else:
            stack.append(Piece(func.value, role, how))
    elif node.args and ctx.qualname(func) in _TEXT_FUNCTIONS:
        stack.append(Piece(node.args[0], role, how))


def _is_composition(receiver: ast.expr, ctx: ModuleContext) -> bool:
    if not isinstance(receiver, ast.Call):
        return False
    qualname = ctx.qualname(receiver.func) or ""
    return qualname.startswith(COMPOSITION_MODULES)


def text_parts(expr: ast.expr, ctx: ModuleContext) -> Iterator[ast.expr]:
    """Expressions whose text flows into `expr` (the nodes of `string_pieces`)."""
    return (piece.node for piece in string_pieces(expr, ctx))


def leading_text(expr: ast.expr, ctx: ModuleContext) -> str | None:
    """The literal text the string starts with, when it can be seen."""
    for part in text_parts(expr, ctx):
        if isinstance(part, ast.Constant):
            return part.value if isinstance(part.value, str) else None
        if isinstance(part, ast.JoinedStr):
            first = part.values[0] if part.values else None
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                return first.value
            return None
        if not isinstance(part, (ast.Name, ast.BinOp, ast.IfExp, ast.Call)):
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
