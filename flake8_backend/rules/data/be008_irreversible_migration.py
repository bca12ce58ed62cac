"""BE008: a migration with no way back.

A migration that cannot be undone turns a bad deploy into an outage, so a down
step must exist or say plainly that it cannot (`RunPython.noop`, a downgrade
that raises or explains itself).

For Alembic, the signal is a schema change in `upgrade()` (`op.add_column`,
`create_table`, `alter_column`, `drop_*`, `create_index`, DDL through
`op.execute`) paired with an empty `downgrade()`. A data-only upgrade (updates,
backfills), a no-op upgrade and a merge revision have nothing in the schema to
undo: their empty downgrade is the right reverse, as `RunPython.noop` is in
Django.
"""

from __future__ import annotations

import ast
import io
import textwrap
import tokenize

from flake8_backend.analysis.astutil import call_name, receiver_label
from flake8_backend.analysis.context import ModuleContext
from flake8_backend.domain.migrations import (
    is_alembic_revision, is_initial_django_migration, schema_change)
from flake8_backend.patterns import lazy_compile
from flake8_backend.registry import Callees, Needs, Rule, check, register

BE008 = register(Rule(
    code="BE008",
    name="irreversible-migration",
    message="{what} cannot be reversed; {fix}",
    summary="A migration with no way back: an Alembic schema change with an empty "
            "`downgrade()`, Django `RunPython`/`RunSQL` without a reverse.",
    what="Checks Alembic revisions (a module with `revision = ...` and `def upgrade`) whose "
         "`upgrade()` changes the schema (`op.add_column`, `create_table`, `alter_column`, "
         "`drop_*`, `create_index`, ..., in batch mode too, or DDL run through `execute()`) "
         "while `downgrade()` is only `pass`, `...` or a docstring and says nothing; and "
         "Django `migrations.RunPython(code)` with no `reverse_code` and "
         "`migrations.RunSQL(sql)` with no `reverse_sql`.",
    why="A migration that cannot be rolled back turns a bad deploy into an outage: the schema "
        "cannot follow the code back, and an upgrade run again after a silent downgrade fails "
        "on what is still there. The review guideline: migrations are version-controlled, "
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
    notes="On by default: its reviewed strict precision on the pinned library and "
          "application corpora is 92% (23 TP of 25, benchmarks/precision/BE008.md; a second "
          "reviewer agreed on all 25). The protocol counts findings, one per line, as for "
          "every rule; counted once per migration instead it would be 17 of 19 (89%), "
          "because a migration with several bare `RunSQL` statements is reported at each, "
          "and each needs its own reverse. The two "
          "false positives are repair revisions, where undoing the fix would bring an "
          "earlier revision's bug back; say so in the empty `downgrade()` (a comment is "
          "enough) or use `# noqa: BE008`. "
          "An app's initial Django migration is not judged: `initial = True` (or, before "
          "Django 1.9, the app's `0001_*.py` with `initial` unset) is undone only by "
          "`migrate <app> zero`, which removes the app; that is not the rollback of a "
          "deploy, which a reverse is for (Django still refuses `zero` without one: add "
          "`RunPython.noop` if you unapply apps). "
          "Accepted as deliberate: `RunPython(code, RunPython.noop)`, `RunSQL(sql, "
          "migrations.RunSQL.noop)`, a `downgrade()` that raises (`raise "
          "NotImplementedError(\"irreversible: ...\")`), and an empty `downgrade()` that "
          "explains itself in a comment or docstring (not Alembic's generated `# ### commands "
          "...` markers or the template's `\"\"\"Downgrade schema.\"\"\"`). Not reported, "
          "because there is nothing in the schema to undo: an empty `downgrade()` whose "
          "`upgrade()` only changes data (`op.execute(\"UPDATE ...\")`, backfills through a "
          "session or connection), does nothing (`pass`, an early `return`), or is a merge "
          "revision; DDL that leaves nothing behind (temporary tables, `ALTER TABLE ... "
          "ENABLE/DISABLE TRIGGER`); PostgreSQL `ALTER TYPE ... ADD VALUE`, which has no "
          "reverse and is harmless to old code; and an `alter_column` that only widens a type "
          "(`String(250)` to `String(5000)` or `Text`), where narrowing back could truncate "
          "data. SQL held in a name is read when the name is bound to a literal in the function "
          "or the module; SQL built otherwise is not judged. Module functions that "
          "`upgrade()` calls are followed; helpers imported from elsewhere are not.",
))

# Lines Alembic writes itself: autogenerate markers and the template's docstrings.
_GENERATED_COMMENT = lazy_compile(
    r"(?i)^#+\s*(?:###|noqa\b|type:|pragma\b|pylint:|fmt:|nosec\b|ruff\b|$)")
_TEMPLATE_DOCSTRING = lazy_compile(
    r"(?i)^\s*(?:downgrade|revert|reverse|undo)(?:\s+(?:the\s+)?(?:schema|database|db|"
    r"migration|revision|changes))?\.?\s*$")


@check(ast.FunctionDef, rules=(BE008,), needs=Needs(("downgrade",)))
def check_alembic_downgrade(node: ast.FunctionDef, ctx: ModuleContext) -> None:
    if (node.name != "downgrade" or ctx.scope is not ctx.module
            or not ctx.cached(is_alembic_revision)):
        return
    if not all(_is_noop(stmt) for stmt in node.body) or _explained(node, ctx):
        return
    upgrade = next((s for s in ctx.module.node.body
                    if isinstance(s, ast.FunctionDef) and s.name == "upgrade"), None)
    change = schema_change(ctx.module.node, upgrade) if upgrade is not None else None
    if change is None:
        return  # data-only, no-op or merge revision: nothing in the schema to undo
    ctx.report(BE008, node, end=(node.lineno, node.col_offset + len("def downgrade")),
               what=f"downgrade() is empty, so the schema change upgrade() makes "
                    f"({_label(change)}, line {change.lineno})",
               fix="undo it here, or say why it cannot be undone (a comment, or raise "
                   "NotImplementedError(\"irreversible: <why>\"))")


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
    if ctx.cached(is_initial_django_migration):
        return  # undone only by `migrate <app> zero`, removing the app: not a deploy rollback
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


def _label(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Attribute):
        return f"{receiver_label(func.value)}.{func.attr}()"
    return f"{call_name(call)}()"


def _explained(func: ast.FunctionDef, ctx: ModuleContext) -> bool:
    """The empty downgrade says why: a docstring other than the template's, or a comment in
    its body (not on the `def` line) other than Alembic's generated markers."""
    first = func.body[0]
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) \
            and isinstance(first.value.value, str) and first.value.value.strip() \
            and not _TEMPLATE_DOCSTRING.match(first.value.value):
        return True
    lines = ctx.source.splitlines()[func.lineno:func.end_lineno]
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(textwrap.dedent(
            "\n".join(lines)) + "\n").readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return False
    return any(t.type == tokenize.COMMENT and not _GENERATED_COMMENT.match(t.string)
               for t in tokens)
