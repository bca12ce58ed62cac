"""Small AST helpers used across rules: callee names and short labels for messages.

None of them recurses on the tree's depth: a helper called on hostile input
(a 1,000-term `+` chain, a 100-deep attribute chain) must not raise RecursionError.
"""

from __future__ import annotations

import ast


def callee_name(func: ast.AST) -> str:
    """The last name of a callee: `execute` for `cur.execute`, `text` for `text`; else ""."""
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


def call_name(node: ast.AST) -> str:
    """The callee's last name when `node` is a call, else ""."""
    return callee_name(node.func) if isinstance(node, ast.Call) else ""


def terminal_name(node: ast.AST) -> str:
    """`session` for `db.session` or `session`: the last name of a name or attribute."""
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return ""


def receiver_label(receiver: ast.AST, parts: int = 3) -> str:
    """A short, readable spelling of a receiver for messages: `self.db.session`, `(...)`."""
    names = []
    while isinstance(receiver, ast.Attribute) and len(names) < parts:
        names.append(receiver.attr)
        receiver = receiver.value
    if isinstance(receiver, ast.Name):
        names.append(receiver.id)
    elif isinstance(receiver, ast.Call):
        names.append("(...)")
    else:
        names.append("...")
    return ".".join(reversed(names))


def is_str_constant(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def is_none(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is None
