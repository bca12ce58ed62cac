"""BE007: a foreign-key column with no index.

Without an index, every join from parent to children and every `ON DELETE`
check scans the child table. SQLAlchemy does not index foreign keys by default;
Django does unless `db_index=False`.
"""

from __future__ import annotations

import ast

from flake8_backend.analysis.astutil import call_name
from flake8_backend.analysis.context import ModuleContext
from flake8_backend.registry import Callees, Needs, Rule, check, register

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

_INDEX_KWARGS = ("index", "unique", "primary_key")
_COVERING = ("Index", "UniqueConstraint", "PrimaryKeyConstraint")
_COLUMN_FACTORIES = ("Column", "mapped_column")


def _true_kwarg(call: ast.Call, names: tuple[str, ...]) -> bool:
    return any(k.arg in names and not (isinstance(k.value, ast.Constant) and not k.value.value)
               for k in call.keywords)


def _has_foreign_key(call: ast.Call) -> bool:
    return any(call_name(arg) == "ForeignKey" for arg in call.args)


@check(ast.ClassDef, rules=(BE007,), needs=Needs(("ForeignKey",)))
def check_model_foreign_keys(node: ast.ClassDef, ctx: ModuleContext) -> None:
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
        if call_name(value) == "ForeignKey" and _django_unindexed(value):
            ctx.report(BE007, value, column=f"`{target.id}`", fix="remove db_index=False "
                       "(Django indexes foreign keys by default)")
        elif _unindexed_column(value) and _column_name(value, target.id) not in covered:
            ctx.report(BE007, value, column=f"`{target.id}`",
                       fix="add index=True, or an Index leading with it in __table_args__")


@check(ast.Call, rules=(BE007,), callees=Callees(names=frozenset({"Table"})))
def check_table_foreign_keys(node: ast.Call, ctx: ModuleContext) -> None:
    """`Table("orders", metadata, Column("user_id", ForeignKey(...)), Index(...))`."""
    if call_name(node) != "Table":
        return
    covered = _leading_columns(node.args)
    for arg in node.args:
        if _unindexed_column(arg):
            name = _column_name(arg, None)
            if name not in covered:
                ctx.report(BE007, arg, column=f"`{name}`" if name else "column",
                           fix="add index=True, or an Index leading with it in the Table")


def _unindexed_column(node: ast.AST) -> bool:
    return (call_name(node) in _COLUMN_FACTORIES and _has_foreign_key(node)
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
        if not isinstance(item, ast.Call) or call_name(item) not in _COVERING:
            continue
        # Index("ix_name", "col", ...): the name comes first; constraints start with columns.
        columns = item.args[1:] if call_name(item) == "Index" else item.args
        if columns:
            first = columns[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                covered.add(first.value)
            elif isinstance(first, ast.Name):
                covered.add(first.id)
            elif isinstance(first, ast.Attribute):
                covered.add(first.attr)
    return covered
