"""Where the text of a string at a sink came from, within one function.

`cur.execute(q)` is only as safe as every expression that built `q`: its last
assignment, any `+=` pieces, the template of a `%` or `.format()`, the pieces
of a `join`. `text_parts` follows those edges (bounded, iteratively) and yields
each expression whose text becomes part of the final string.
"""

from __future__ import annotations

import ast
import re
from typing import Iterator

from flake8_backend.analysis.scope import ASSIGN, AUG

# String methods that keep (a transformation of) their receiver's text.
_TEXT_METHODS = frozenset({"format", "format_map", "replace", "strip", "lstrip", "rstrip",
                           "lower", "upper", "join"})
_TEXT_FUNCTIONS = frozenset({"textwrap.dedent", "inspect.cleandoc"})
_MAX_PARTS = 256
PLACEHOLDER = re.compile(r"^\s*(\?|%s|\$\d+|:\w+|%\(\w+\)s|@\w+|\{\})\s*$")


def text_parts(expr: ast.expr, ctx) -> Iterator[ast.expr]:
    """Expressions whose text flows into `expr`, left to right, following local names."""
    stack: list[ast.expr] = [expr]
    seen: set[int] = set()
    budget = _MAX_PARTS
    while stack and budget:
        node = stack.pop()
        budget -= 1
        yield node
        if isinstance(node, ast.Name):
            for binding in ctx.reaching(node.id, node):
                if id(binding) in seen:
                    continue
                seen.add(id(binding))
                if binding.kind == ASSIGN and binding.value is not None:
                    stack.append(binding.value)
                elif binding.kind == AUG and isinstance(binding.value.op, ast.Add):
                    stack.append(binding.value.value)
        elif isinstance(node, ast.BinOp):
            if isinstance(node.op, ast.Add):
                stack.append(node.right)
                stack.append(node.left)
            elif isinstance(node.op, ast.Mod):
                stack.append(node.left)
        elif isinstance(node, ast.IfExp):
            stack.append(node.orelse)
            stack.append(node.body)
        elif isinstance(node, (ast.List, ast.Tuple)):
            stack.extend(reversed(node.elts))
        elif isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in _TEXT_METHODS:
                if func.attr == "join":
                    if node.args:
                        stack.append(node.args[0])
                else:
                    stack.append(func.value)
            elif node.args and ctx.qualname(func) in _TEXT_FUNCTIONS:
                stack.append(node.args[0])


def leading_text(expr: ast.expr, ctx) -> str | None:
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
