"""BE007 and BE008: schema rules, on ORM models and migration files.

BE007: a foreign key with no index makes every join and every `ON DELETE`
check scan the child table. SQLAlchemy does not index foreign keys by default;
Django does unless `db_index=False`. BE008: a migration that cannot be undone
turns a bad deploy into an outage, so a down step must exist or say plainly
that it cannot.
"""

from __future__ import annotations

import ast

from flake8_backend.registry import Rule, check, register

BE007 = register(Rule(
    code="BE007",
    name="foreign-key-without-index",
    message="foreign key {column} has no index; {fix}",
    summary="A foreign-key column with no index.",
    what="Checks SQLAlchemy `Column(..., ForeignKey(...))` and `mapped_column(ForeignKey(...))` "
         "(in declarative classes and in `Table(...)`) with no `index=True`, `unique=True` or "
         "`primary_key=True` and no `Index`/`UniqueConstraint`/`PrimaryKeyConstraint` "
         "leading with the column; and Django `ForeignKey(..., db_index=False)`.",
    why="Without an index on the referencing column, every join from parent to children and "
        "every delete of a parent row scans the child table, and locks more than it should. "
        "The review guideline: indexes on every foreign key and frequently filtered column.",
    bad="""\
from sqlalchemy import Column, ForeignKey, Integer


class Order(Base):
    __tablename__ = "orders"
    id = Column(Integer, primary_key=True)
    user_id = Column(Integer, ForeignKey("users.id"), nullable=False)
""",
    good="""\
from sqlalchemy import Column, ForeignKey, Integer


class Order(Base):
    __tablename__ = "orders"
    id = Column(Integer, primary_key=True)
    user_id = Column(Integer, ForeignKey("users.id"), nullable=False, index=True)
""",
    related=("django-migration-linter (Django only, runs in a configured project)",),
    notes="An index created only in a migration is invisible to the model: mirror it in "
          "`__table_args__`. A class whose `__table_args__` is computed (not a literal) is "
          "skipped, as are columns whose foreign key is set outside the call.",
))

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

_INDEX_KWARGS = ("index", "unique", "primary_key")
_COVERING = ("Index", "UniqueConstraint", "PrimaryKeyConstraint")
_COLUMN_FACTORIES = ("Column", "mapped_column")


def _callee(node: ast.AST) -> str:
    if not isinstance(node, ast.Call):
        return ""
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _true_kwarg(call: ast.Call, names: tuple[str, ...]) -> bool:
    return any(k.arg in names and not (isinstance(k.value, ast.Constant) and not k.value.value)
               for k in call.keywords)


def _has_foreign_key(call: ast.Call) -> bool:
    return any(_callee(arg) == "ForeignKey" for arg in call.args)


# -- BE007 --------------------------------------------------------------------
@check(ast.ClassDef, rules=(BE007,), needs=("ForeignKey",))
def check_model_foreign_keys(node: ast.ClassDef, ctx) -> None:
    covered = _covered_columns(node)
    if covered is None:
        return  # computed __table_args__: cannot tell
    for stmt in node.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            target, value = stmt.targets[0], stmt.value
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            target, value = stmt.target, stmt.value
        else:
            continue
        if not isinstance(target, ast.Name) or not isinstance(value, ast.Call):
            continue
        if _callee(value) == "ForeignKey" and _django_unindexed(value):
            ctx.report(BE007, value, column=f"`{target.id}`", fix="remove db_index=False "
                       "(Django indexes foreign keys by default)")
        elif _unindexed_column(value) and _column_name(value, target.id) not in covered:
            ctx.report(BE007, value, column=f"`{target.id}`",
                       fix="add index=True, or an Index leading with it in __table_args__")


@check(ast.Call, rules=(BE007,), needs=("ForeignKey",), callees=frozenset({"Table"}))
def check_table_foreign_keys(node: ast.Call, ctx) -> None:
    """`Table("orders", metadata, Column("user_id", ForeignKey(...)), Index(...))`."""
    if _callee(node) != "Table":
        return
    covered = _leading_columns(node.args)
    for arg in node.args:
        if _unindexed_column(arg):
            name = _column_name(arg, None)
            if name not in covered:
                ctx.report(BE007, arg, column=f"`{name}`" if name else "column",
                           fix="add index=True, or an Index leading with it in the Table")


def _unindexed_column(node: ast.AST) -> bool:
    return (_callee(node) in _COLUMN_FACTORIES and _has_foreign_key(node)
            and not _true_kwarg(node, _INDEX_KWARGS))


def _django_unindexed(call: ast.Call) -> bool:
    return any(k.arg == "db_index" and isinstance(k.value, ast.Constant) and k.value.value is False
               for k in call.keywords)


def _column_name(call: ast.Call, attribute: str | None) -> str | None:
    """The column's SQL name: a leading string argument, else the attribute name."""
    if call.args and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str):
        return call.args[0].value
    for keyword in call.keywords:
        if keyword.arg == "name" and isinstance(keyword.value, ast.Constant):
            return str(keyword.value.value)
    return attribute


def _covered_columns(cls: ast.ClassDef) -> set[str | None] | None:
    """Columns that lead an index or constraint in `__table_args__`; None if not literal."""
    for stmt in cls.body:
        if (isinstance(stmt, ast.Assign) and any(isinstance(t, ast.Name) and
                                                 t.id == "__table_args__" for t in stmt.targets)):
            value = stmt.value
            if isinstance(value, ast.Dict):
                return set()
            if isinstance(value, (ast.Tuple, ast.List)):
                return _leading_columns(value.elts)
            return None
    return set()


def _leading_columns(items: list[ast.expr]) -> set[str | None]:
    covered: set[str | None] = set()
    for item in items:
        if not isinstance(item, ast.Call) or _callee(item) not in _COVERING:
            continue
        # Index("ix_name", "col", ...): the name comes first; constraints start with columns.
        columns = item.args[1:] if _callee(item) == "Index" else item.args
        if columns:
            first = columns[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                covered.add(first.value)
            elif isinstance(first, ast.Name):
                covered.add(first.id)
            elif isinstance(first, ast.Attribute):
                covered.add(first.attr)
    return covered


# -- BE008 --------------------------------------------------------------------
@check(ast.FunctionDef, rules=(BE008,), needs=("downgrade",))
def check_alembic_downgrade(node: ast.FunctionDef, ctx) -> None:
    if node.name != "downgrade" or ctx.scope is not ctx.module or not _is_alembic(ctx):
        return
    if all(_is_noop(stmt) for stmt in node.body):
        ctx.report(BE008, node, end=(node.lineno, node.col_offset + len("def downgrade")),
                   what="this Alembic revision's downgrade() is empty, so it",
                   fix="undo upgrade() here, or raise NotImplementedError(\"irreversible: "
                       "<why>\") to say so")


@check(ast.Call, rules=(BE008,), needs=("RunPython", "RunSQL"),
       callees=frozenset({"RunPython", "RunSQL"}))
def check_django_operations(node: ast.Call, ctx) -> None:
    name = _callee(node)
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


def _is_alembic(ctx) -> bool:
    """A module with a top-level `revision = ...` and `def upgrade`."""
    memo = ctx.memo
    found = memo.get("alembic")
    if found is None:
        body = ctx.module.node.body
        has_revision = any(isinstance(s, (ast.Assign, ast.AnnAssign)) and any(
            isinstance(t, ast.Name) and t.id == "revision"
            for t in (s.targets if isinstance(s, ast.Assign) else [s.target])) for s in body)
        has_upgrade = any(isinstance(s, ast.FunctionDef) and s.name == "upgrade" for s in body)
        found = memo["alembic"] = has_revision and has_upgrade
    return found


def _is_django_operation(call: ast.Call, ctx) -> bool:
    qualname = ctx.qualname(call.func) or ""
    if qualname.startswith("django.db.migrations"):
        return True
    func = call.func
    return isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) \
        and func.value.id == "migrations"
