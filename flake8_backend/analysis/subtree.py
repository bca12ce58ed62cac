"""An index of one subtree (a loop nest, a function body): each node's parent, and where each
name is read. Built once per subtree, iteratively, for rules that ask what happens to a value
after a call (is it iterated, returned, sliced) without walking the tree again per question.
"""

from __future__ import annotations

import ast

from flake8_backend.analysis.context import ModuleContext


class SubtreeIndex:
    """Parents of every node under a root, and the `Name` loads of each name."""

    __slots__ = ("parents", "reads")

    def __init__(self, root: ast.AST) -> None:
        parents: dict[int, ast.AST] = {}
        reads: dict[str, list[ast.Name]] = {}
        pending = [root]
        while pending:
            node = pending.pop()
            for child in ast.iter_child_nodes(node):
                parents[id(child)] = node
                if isinstance(child, ast.Name) and isinstance(child.ctx, ast.Load):
                    reads.setdefault(child.id, []).append(child)
                pending.append(child)
        self.parents = parents
        self.reads = reads


def _indexes(ctx: ModuleContext) -> dict[int, SubtreeIndex]:
    return {}


def subtree_index(root: ast.AST, ctx: ModuleContext) -> SubtreeIndex:
    """The index of `root`'s subtree, built on first use and kept for the module."""
    indexes = ctx.cached(_indexes)
    found = indexes.get(id(root))
    if found is None:
        found = indexes[id(root)] = SubtreeIndex(root)
    return found
