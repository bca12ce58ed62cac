"""Migration files: Alembic revisions and Django migrations, recognised by their shape.

Shared by the schema rules (BE008 judges reversibility) and the rules that treat
migrations as batch work by design (BE004's default exclusions): a migration is
known by what it contains, wherever it lives, not only by a `migrations/` folder.
"""

from __future__ import annotations

import ast

from flake8_backend.analysis.context import ModuleContext


def is_alembic_revision(ctx: ModuleContext) -> bool:
    """A module with a top-level `revision = ...` and `def upgrade` (ask via `ctx.cached`)."""
    body = ctx.module.node.body
    has_revision = any(isinstance(s, (ast.Assign, ast.AnnAssign)) and any(
        isinstance(t, ast.Name) and t.id == "revision"
        for t in (s.targets if isinstance(s, ast.Assign) else [s.target])) for s in body)
    has_upgrade = any(isinstance(s, ast.FunctionDef) and s.name == "upgrade" for s in body)
    return has_revision and has_upgrade
