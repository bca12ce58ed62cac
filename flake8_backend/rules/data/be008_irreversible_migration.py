"""BE008: a migration with no way back.

A migration that cannot be undone turns a bad deploy into an outage, so a down
step must exist or say plainly that it cannot (`RunPython.noop`, a downgrade
that raises).
"""

from __future__ import annotations

import ast

from flake8_backend.analysis.astutil import call_name
from flake8_backend.analysis.context import ModuleContext
from flake8_backend.domain.migrations import is_alembic_revision
from flake8_backend.registry import Callees, Needs, Rule, check, register

BE008 = register(Rule(
    code="BE008",
    name="irreversible-migration",
    message="{what} cannot be reversed; {fix}",
    summary="A migration with no way back: empty Alembic `downgrade()`, Django `RunPython`/"
            "`RunSQL` without a reverse.",
    what="Checks Alembic revisions (a module with `revision = ...` and `def upgrade`) whose "
         "`downgrade()` body is only `pass`, `...` or a docstring, and Django "
         "`migrations.RunPython(code)` with no `reverse_code` and `migrations.RunSQL(sql)` with "
         "no `reverse_sql`.",
    why="A migration that cannot be rolled back turns a bad deploy into an outage: the schema "
        "cannot follow the code back. The review guideline: migrations are version-controlled, "
        "reversible and reviewed, with scripts up and down.",
    bad="""\
revision = "a1b2c3"
down_revision = "f0e1d2"


def upgrade() -> None:
    op.create_index("ix_orders_user_id", "orders", ["user_id"])


def downgrade() -> None:
    pass
""",
    good="""\
revision = "a1b2c3"
down_revision = "f0e1d2"


def upgrade() -> None:
    op.create_index("ix_orders_user_id", "orders", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_orders_user_id", table_name="orders")
""",
    related=("django-migration-linter RUNPYTHON_REVERSIBLE / RUNSQL_REVERSIBLE",),
    notes="Accepted as deliberate: `RunPython(code, RunPython.noop)`, `RunSQL(sql, "
          "migrations.RunSQL.noop)`, and a `downgrade()` that raises (`raise "
          "NotImplementedError(\"irreversible: ...\")`), which documents the decision.",
))


@check(ast.FunctionDef, rules=(BE008,), needs=Needs(("downgrade",)))
def check_alembic_downgrade(node: ast.FunctionDef, ctx: ModuleContext) -> None:
    if (node.name != "downgrade" or ctx.scope is not ctx.module
            or not ctx.cached(is_alembic_revision)):
        return
    if all(_is_noop(stmt) for stmt in node.body):
        ctx.report(BE008, node, end=(node.lineno, node.col_offset + len("def downgrade")),
                   what="this Alembic revision's downgrade() is empty, so it",
                   fix="undo upgrade() here, or raise NotImplementedError(\"irreversible: "
                       "<why>\") to say so")


@check(ast.Call, rules=(BE008,), callees=Callees(names=frozenset({"RunPython", "RunSQL"})))
def check_django_operations(node: ast.Call, ctx: ModuleContext) -> None:
    name = call_name(node)
    if name not in ("RunPython", "RunSQL") or not _is_django_operation(node, ctx):
        return
    reverse = "reverse_code" if name == "RunPython" else "reverse_sql"
    if len(node.args) >= 2 or any(k.arg == reverse for k in node.keywords):
        return
    if any(k.arg is None for k in node.keywords):
        return  # **options may carry the reverse
    fix = (f"pass {reverse}= (use migrations.{name}.noop when there is nothing to undo)")
    ctx.report(BE008, node, end=node.func, what=f"{name}() without {reverse}", fix=fix)


def _is_noop(stmt: ast.stmt) -> bool:
    if isinstance(stmt, ast.Pass):
        return True
    return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and (
        stmt.value.value is Ellipsis or isinstance(stmt.value.value, str))


def _is_django_operation(call: ast.Call, ctx: ModuleContext) -> bool:
    qualname = ctx.qualname(call.func) or ""
    if qualname.startswith("django.db.migrations"):
        return True
    func = call.func
    return isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) \
        and func.value.id == "migrations"
