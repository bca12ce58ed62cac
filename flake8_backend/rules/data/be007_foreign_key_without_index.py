"""BE007: a foreign-key column with no index.

Without an index, every join from parent to children and every `ON DELETE`
check scans the child table. SQLAlchemy does not index foreign keys by default;
Django does unless `db_index=False`.

An index counts when it leads with the column: `index=True`/`unique=True`/
`primary_key=True` on the column, an `Index`/`UniqueConstraint`/
`PrimaryKeyConstraint` in `__table_args__` (a literal, or the tuple a
`@declared_attr` returns) or in the `Table(...)`, and for Django a `Meta.indexes`,
`index_together`, `unique_together` or `UniqueConstraint` leading with the field.
A partial index counts only when its condition is "this column is not null",
which every foreign-key lookup and cascade satisfies.
"""

from __future__ import annotations

import ast

from flake8_backend.analysis.astutil import call_name, is_none, is_str_constant
from flake8_backend.analysis.context import ModuleContext
from flake8_backend.analysis.paths import path_matches
from flake8_backend.domain.migrations import is_migration
from flake8_backend.patterns import lazy_compile
from flake8_backend.registry import Callees, Needs, Option, Rule, check, register

BE007 = register(Rule(
    code="BE007",
    name="foreign-key-without-index",
    message="foreign key {column} has no index; {fix}",
    summary="A foreign-key column with no index.",
    what="Checks SQLAlchemy `Column(..., ForeignKey(...))` and `mapped_column(ForeignKey(...))` "
         "(in declarative classes and in `Table(...)`) with no `index=True`, `unique=True` or "
         "`primary_key=True` and no `Index`/`UniqueConstraint`/`PrimaryKeyConstraint` "
         "leading with the column; and Django `ForeignKey(..., db_index=False)` with no "
         "index or unique constraint leading with the field in its `Meta`.",
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
    options=(
        Option("foreign-key-without-index-exclude", "list",
               ("tests/**", "test_*.py", "*_test.py", "conftest.py"),
               "Glob patterns of files whose tables are test fixtures, not the application's "
               "schema, matched against the end of the path (`*` within one segment, `**` "
               "across segments)."),
    ),
    related=("django-migration-linter (Django only, runs in a configured project)",),
    default_enabled=False,
    notes="Opt-in: turn it on with `enable = [\"BE007\"]`. Its reviewed strict precision "
          "on the pinned library and application corpora is 48% (12 TP of 25; 11 "
          "debatable) (benchmarks/precision/BE007.md), below the 90% a default-on rule "
          "needs: the debatable ones are foreign keys to small parents or columns never "
          "searched, where an index costs writes for nothing; table size and query "
          "patterns are not visible in the model. "
          "An index leads with the column when the column comes first in it: `Index(\"ix\", "
          "\"user_id\", \"created\")` covers `user_id`, not `created`. Covering indexes are "
          "read from `__table_args__` (a tuple, a dict, a tuple ending with a dict, or the "
          "literal tuple a `@declared_attr` `__table_args__` returns; columns named by string "
          "or by column object, `.desc()` included), from the `Table(...)` call, and from a "
          "Django model's `Meta` (`indexes`, `index_together`, `unique_together`, "
          "`UniqueConstraint` in `constraints`). A partial index (`condition=`, "
          "`postgresql_where=`) counts only when its condition is that the column is not null. "
          "Not checked: files matching `foreign-key-without-index-exclude` (tests by default: "
          "their tables are fixtures), migration files (Alembic revisions and Django "
          "migrations: their models are frozen snapshots of an old schema), classes whose "
          "`__table_args__` is computed (by a helper call: cannot tell), columns a comment marks "
          "for removal (`deprecated`, `TODO: drop ...`, `can be deleted`, on the column or "
          "right above it: nobody indexes a column on its way out), and columns whose "
          "foreign key is set outside the call. An index created only in a migration is "
          "invisible to the model: mirror it in `__table_args__`.",
))

_INDEX_KWARGS = ("index", "unique", "primary_key")
_COVERING = ("Index", "UniqueConstraint", "PrimaryKeyConstraint")
_COLUMN_FACTORIES = ("Column", "mapped_column")
_PARTIAL_KWARGS = ("postgresql_where", "sqlite_where", "mssql_where")
# Wrappers around a column reference in an index: `created.desc()`, `sa.desc(created)`.
_ORDERING = ("desc", "asc", "nulls_first", "nulls_last", "nullsfirst", "nullslast", "collate")
_DJANGO_TOGETHER = ("index_together", "unique_together")
# A comment marking a column for removal: nobody indexes a column on its way out.
_ON_ITS_WAY_OUT = lazy_compile(
    r"(?i)\bdeprecated\b|\bobsolete\b|\bno longer used\b"
    r"|\b(?:to|can|will|should) be (?:dropped|removed|deleted)\b"
    r"|\b(?:todo|fixme)\b.*\b(?:drop|remove|delete)")


def _true_kwarg(call: ast.Call, names: tuple[str, ...]) -> bool:
    return any(k.arg in names and not (isinstance(k.value, ast.Constant) and not k.value.value)
               for k in call.keywords)


def _has_foreign_key(call: ast.Call) -> bool:
    return any(call_name(arg) == "ForeignKey" for arg in call.args)


def _excluded(ctx: ModuleContext) -> bool:
    """Test files (by `foreign-key-without-index-exclude`) and migration files."""
    return (path_matches(ctx.path, ctx.settings["foreign-key-without-index-exclude"])
            or is_migration(ctx))


@check(ast.ClassDef, rules=(BE007,), needs=Needs(("ForeignKey",)))
def check_model_foreign_keys(node: ast.ClassDef, ctx: ModuleContext) -> None:
    if ctx.cached(_excluded):
        return
    covered = _covered_columns(node)  # None: computed __table_args__, cannot tell
    django_covered: set[str] | None = None
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
            if django_covered is None:
                django_covered = _django_meta_covered(node)
            if target.id not in django_covered and not _marked_for_removal(stmt, ctx):
                ctx.report(BE007, value, column=f"`{target.id}`", fix="remove db_index=False "
                           "(Django indexes foreign keys by default), or add an index leading "
                           "with it in Meta")
        elif covered is not None and _unindexed_column(value) and not (
                {target.id, _column_name(value, target.id)} & covered) \
                and not _marked_for_removal(stmt, ctx):
            ctx.report(BE007, value, column=f"`{target.id}`",
                       fix="add index=True, or an Index leading with it in __table_args__")


@check(ast.Call, rules=(BE007,), callees=Callees(names=frozenset({"Table"})))
def check_table_foreign_keys(node: ast.Call, ctx: ModuleContext) -> None:
    """`Table("orders", metadata, Column("user_id", ForeignKey(...)), Index(...))`."""
    if call_name(node) != "Table" or ctx.cached(_excluded):
        return
    covered = _leading_columns(node.args)
    for arg in node.args:
        if _unindexed_column(arg):
            name = _column_name(arg, None)
            if name not in covered and not _marked_for_removal(arg, ctx):
                ctx.report(BE007, arg, column=f"`{name}`" if name else "column",
                           fix="add index=True, or an Index leading with it in the Table")


def _marked_for_removal(stmt: ast.AST, ctx: ModuleContext) -> bool:
    """A comment on the column's lines, or in the comment block right above it, says the
    column is deprecated or to be dropped (`# TODO: drop pool_id after ...`)."""
    lines = ctx.cached(_source_lines)
    comments = [_comment(line) for line in lines[stmt.lineno - 1:stmt.end_lineno]]
    above = stmt.lineno - 2
    while above >= 0 and lines[above].lstrip().startswith("#"):
        comments.append(lines[above])
        above -= 1
    return any(comment and _ON_ITS_WAY_OUT.search(comment) for comment in comments)


def _source_lines(ctx: ModuleContext) -> list[str]:
    return ctx.source.splitlines()


def _comment(line: str) -> str:
    """The trailing `# ...` of a source line, when the `#` is outside string quotes."""
    quote = ""
    for index, char in enumerate(line):
        if quote:
            if char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char == "#":
            return line[index:]
    return ""


def _unindexed_column(node: ast.AST) -> bool:
    return (call_name(node) in _COLUMN_FACTORIES and _has_foreign_key(node)
            and not _true_kwarg(node, _INDEX_KWARGS))


def _django_unindexed(call: ast.Call) -> bool:
    return any(k.arg == "db_index" and isinstance(k.value, ast.Constant) and k.value.value is False
               for k in call.keywords) and not _true_kwarg(call, ("unique", "primary_key"))


def _column_name(call: ast.Call, attribute: str | None) -> str | None:
    """The column's SQL name: a leading string argument, else the attribute name."""
    if call.args and is_str_constant(call.args[0]):
        return call.args[0].value
    for keyword in call.keywords:
        if keyword.arg == "name" and isinstance(keyword.value, ast.Constant):
            return str(keyword.value.value)
    return attribute


def _covered_columns(cls: ast.ClassDef) -> set[str | None] | None:
    """Columns that lead an index or constraint in `__table_args__`; None if computed.

    `__table_args__` is read when assigned (with or without an annotation) or returned as
    a literal by a method (`@declared_attr def __table_args__(cls): return (...)`), wherever
    it sits in the class body.
    """
    for stmt in cls.body:
        if isinstance(stmt, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "__table_args__" for t in stmt.targets):
            return _table_args_columns(stmt.value)
        if (isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name)
                and stmt.target.id == "__table_args__" and stmt.value is not None):
            return _table_args_columns(stmt.value)
        if isinstance(stmt, ast.FunctionDef) and stmt.name == "__table_args__":
            return _returned_table_args(stmt)
    return set()


def _table_args_columns(value: ast.expr) -> set[str | None] | None:
    if isinstance(value, ast.Dict):
        return set()
    if isinstance(value, (ast.Tuple, ast.List)):
        return _leading_columns(value.elts)
    return None


def _returned_table_args(func: ast.FunctionDef) -> set[str | None] | None:
    """The columns of the literal a `__table_args__` method returns (every `return` of its own
    body, not of nested functions); None when one returns anything else."""
    covered: set[str | None] = set()
    found = False
    todo: list[ast.AST] = list(func.body)
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        if isinstance(node, ast.Return):
            columns = _table_args_columns(node.value) if node.value is not None else None
            if columns is None:
                return None
            covered |= columns
            found = True
            continue
        todo.extend(ast.iter_child_nodes(node))
    return covered if found else None


def _leading_columns(items: list[ast.expr]) -> set[str | None]:
    covered: set[str | None] = set()
    for item in items:
        item = _strip_ddl_if(item)
        if not isinstance(item, ast.Call) or call_name(item) not in _COVERING:
            continue
        if not _full_or_not_null(item):
            continue
        # Index("ix_name", "col", ...): the name comes first; constraints start with columns.
        columns = item.args[1:] if call_name(item) == "Index" else item.args
        if columns:
            covered.add(_column_ref(columns[0]))
    return covered


def _strip_ddl_if(item: ast.expr) -> ast.expr:
    """`Index(...).ddl_if(dialect="postgresql")` is still that index."""
    while (isinstance(item, ast.Call) and isinstance(item.func, ast.Attribute)
           and item.func.attr == "ddl_if"):
        item = item.func.value
    return item


def _column_ref(expr: ast.expr) -> str | None:
    """The column an index item names: `"user_id"`, `user_id`, `cls.user_id`,
    `user_id.desc()`, `sa.desc(user_id)`; None for an expression (`func.lower(name)`)."""
    for _ in range(8):  # bounded unwrapping of ordering calls
        if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) \
                and expr.func.attr in _ORDERING:
            expr = expr.func.value
        elif isinstance(expr, ast.Call) and call_name(expr) in _ORDERING and expr.args:
            expr = expr.args[0]
        else:
            break
    if is_str_constant(expr):
        return expr.value.split()[0] if expr.value.split() else None
    if isinstance(expr, ast.Name):
        return expr.id
    if isinstance(expr, ast.Attribute):
        return expr.attr
    return None


def _full_or_not_null(index: ast.Call) -> bool:
    """An index on every row, or a partial one whose condition is `<lead> IS NOT NULL`."""
    for keyword in index.keywords:
        if keyword.arg in _PARTIAL_KWARGS and not is_none(keyword.value):
            column = _sqlalchemy_not_null(keyword.value)
            return column is not None and column == _index_lead(index)
    return True


def _index_lead(index: ast.Call) -> str | None:
    columns = index.args[1:] if call_name(index) == "Index" else index.args
    return _column_ref(columns[0]) if columns else None


def _sqlalchemy_not_null(expr: ast.expr) -> str | None:
    """The column of `col.isnot(None)`, `col.is_not(None)`, `col != None`, `"col IS NOT NULL"`."""
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) \
            and expr.func.attr in ("isnot", "is_not") and len(expr.args) == 1 \
            and is_none(expr.args[0]):
        return _column_ref(expr.func.value)
    if isinstance(expr, ast.Compare) and len(expr.ops) == 1 \
            and isinstance(expr.ops[0], (ast.NotEq, ast.IsNot)) and is_none(expr.comparators[0]):
        return _column_ref(expr.left)
    if isinstance(expr, ast.Call) and call_name(expr) == "text" and expr.args:
        expr = expr.args[0]
    if is_str_constant(expr):
        words = expr.value.split()
        if len(words) == 4 and [w.lower() for w in words[1:]] == ["is", "not", "null"]:
            return words[0].strip('"`')
    return None


# ---- Django: the model's Meta ---------------------------------------------------

def _django_meta_covered(cls: ast.ClassDef) -> set[str]:
    """Fields that lead an index or unique constraint declared in the model's `Meta`."""
    covered: set[str] = set()
    for stmt in cls.body:
        if not (isinstance(stmt, ast.ClassDef) and stmt.name == "Meta"):
            continue
        for item in stmt.body:
            if isinstance(item, ast.Assign) and len(item.targets) == 1 \
                    and isinstance(item.targets[0], ast.Name):
                name, value = item.targets[0].id, item.value
            elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name) \
                    and item.value is not None:
                name, value = item.target.id, item.value
            else:
                continue
            if name in _DJANGO_TOGETHER:
                covered |= _together_leads(value)
            elif name in ("indexes", "constraints") and isinstance(value, (ast.List, ast.Tuple)):
                covered |= {lead for lead in map(_django_index_lead, value.elts) if lead}
    # `fields=["unit_id"]` names the same column as the field `unit`.
    return covered | {lead[:-3] for lead in covered if lead.endswith("_id")}


def _together_leads(value: ast.expr) -> set[str]:
    """`unique_together = ("a", "b")` or `(("a", "b"), ("c", "d"))`: the first of each."""
    if not isinstance(value, (ast.List, ast.Tuple)) or not value.elts:
        return set()
    if all(is_str_constant(e) for e in value.elts):
        return {value.elts[0].value}
    return {group.elts[0].value for group in value.elts
            if isinstance(group, (ast.List, ast.Tuple)) and group.elts
            and is_str_constant(group.elts[0])}


def _django_index_lead(item: ast.expr) -> str | None:
    """The leading field of `models.Index(fields=[...])`, `UniqueConstraint(fields=[...])` or
    `Index(F("x"), ...)`, when the index covers every row that has the field set."""
    if call_name(item) not in ("Index", "UniqueConstraint"):
        return None
    lead = None
    for keyword in item.keywords:
        if keyword.arg == "fields" and isinstance(keyword.value, (ast.List, ast.Tuple)) \
                and keyword.value.elts and is_str_constant(keyword.value.elts[0]):
            lead = keyword.value.elts[0].value.lstrip("-")
    if lead is None and item.args and call_name(item.args[0]) == "F" \
            and item.args[0].args and is_str_constant(item.args[0].args[0]):
        lead = item.args[0].args[0].value
    if lead is None:
        return None
    for keyword in item.keywords:
        if keyword.arg == "condition" and not is_none(keyword.value):
            return lead if _q_not_null(keyword.value) == lead else None
    return lead


def _q_not_null(expr: ast.expr) -> str | None:
    """The field of `Q(field__isnull=False)`: the rows every lookup by that field reads."""
    if call_name(expr) == "Q" and not expr.args and len(expr.keywords) == 1:
        keyword = expr.keywords[0]
        if keyword.arg and keyword.arg.endswith("__isnull") \
                and isinstance(keyword.value, ast.Constant) and keyword.value.value is False:
            return keyword.arg[:-len("__isnull")]
    return None
