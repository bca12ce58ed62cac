"""Migration files: Alembic revisions and Django migrations, recognised by their shape.

Shared by the schema rules (BE008 judges reversibility) and the rules that treat
migrations as batch work by design (BE004's default exclusions): a migration is
known by what it contains, wherever it lives, not only by a `migrations/` folder.
"""

from __future__ import annotations

import ast

from flake8_backend.analysis.context import ModuleContext
from flake8_backend.patterns import lazy_compile


_FIRST_MIGRATION = lazy_compile(r"(?:^|[\\/])0001_\w*\.py$")  # either separator, any OS


def is_alembic_revision(ctx: ModuleContext) -> bool:
    """A module with a top-level `revision = ...` and `def upgrade` (ask via `ctx.cached`)."""
    body = ctx.module.node.body
    has_revision = any(isinstance(s, (ast.Assign, ast.AnnAssign)) and any(
        isinstance(t, ast.Name) and t.id == "revision"
        for t in (s.targets if isinstance(s, ast.Assign) else [s.target])) for s in body)
    has_upgrade = any(isinstance(s, ast.FunctionDef) and s.name == "upgrade" for s in body)
    return has_revision and has_upgrade


def is_django_migration(ctx: ModuleContext) -> bool:
    """A module with a top-level `class Migration(migrations.Migration)` (ask via `ctx.cached`)."""
    return _migration_class(ctx) is not None


def _migration_class(ctx: ModuleContext) -> ast.ClassDef | None:
    for stmt in ctx.module.node.body:
        if isinstance(stmt, ast.ClassDef) and stmt.name == "Migration" and any(
                (isinstance(base, ast.Attribute) and base.attr == "Migration")
                or (isinstance(base, ast.Name) and base.id == "Migration")
                for base in stmt.bases):
            return stmt
    return None


def is_initial_django_migration(ctx: ModuleContext) -> bool:
    """An app's first Django migration (ask via `ctx.cached`): its `Migration` class says
    `initial = True` (what `makemigrations` and `squashmigrations` write since Django 1.9),
    or, written before that, leaves `initial` unset in Django's first file, `0001_*.py`.

    Undoing it means `migrate <app> zero`, removing the app: not the rollback of a deploy,
    which is what a reverse is for (Django still refuses to unapply an operation without
    one; `RunPython.noop` makes `zero` work)."""
    migration = _migration_class(ctx)
    if migration is None:
        return False
    for item in migration.body:
        if isinstance(item, ast.Assign):
            targets, value = item.targets, item.value
        elif isinstance(item, ast.AnnAssign) and item.value is not None:
            targets, value = [item.target], item.value
        else:
            continue
        if any(isinstance(t, ast.Name) and t.id == "initial" for t in targets):
            return isinstance(value, ast.Constant) and value.value is True
    return _FIRST_MIGRATION.search(ctx.filename) is not None


def is_migration(ctx: ModuleContext) -> bool:
    """An Alembic revision or a Django migration, known by its shape (ask via `ctx.cached`)."""
    return ctx.cached(is_alembic_revision) or ctx.cached(is_django_migration)


# ---- What an Alembic upgrade() changes -------------------------------------------

# Alembic operations (on `op` or a `batch_alter_table` batch) that change the schema.
SCHEMA_OPERATIONS = frozenset({
    "add_column", "drop_column", "alter_column", "create_table", "drop_table", "rename_table",
    "create_index", "drop_index", "create_foreign_key", "create_primary_key",
    "create_unique_constraint", "create_check_constraint", "create_exclude_constraint",
    "drop_constraint", "create_table_comment", "drop_table_comment", "create_all", "drop_all",
})
_EXECUTE = frozenset({"execute", "exec_driver_sql"})
_TEXT_WRAPPERS = frozenset({"text", "DDL"})
_MAX_HELPERS = 16  # module functions followed from upgrade(), in all

_DDL = lazy_compile(r"(?is)^\s*(create|alter|drop|rename|comment\s+on)\b")
_TEMP_TABLE = lazy_compile(
    r"(?is)^\s*create\s+(?:(?:global|local)\s+)?temp(?:orary)?\s+table\s+"
    r"(?:if\s+not\s+exists\s+)?([\w.\"]+)")
# The table a statement works on, to tell DDL on a temporary table (gone at session end).
_TABLE_TARGET = lazy_compile(
    r"(?is)^\s*(?:drop\s+table\s+(?:if\s+exists\s+)?|alter\s+table\s+(?:if\s+exists\s+)?"
    r"(?:only\s+)?|create\s+(?:unique\s+)?index\b.*?\bon\s+(?:only\s+)?)([\w.\"]+)")
# Session-scoped toggles, undone by the same upgrade(): not a schema change.
_TRIGGER_TOGGLE = lazy_compile(r"(?is)^\s*alter\s+table\s+\S+\s+(?:enable|disable)\s+trigger\b")
# PostgreSQL cannot drop an enum label: adding one has no reverse, and is harmless to old code.
_ENUM_ADD_VALUE = lazy_compile(r"(?is)^\s*alter\s+type\s+\S+\s+add\s+value\b")
_SQL_COMMENT = lazy_compile(r"--[^\n]*")

# Column types ordered by capacity within a family, for "this alter_column only widens".
_TEXT_RANKS = {"text": 2, "unicodetext": 2, "clob": 2, "mediumtext": 3, "longtext": 4}
_SIZED_STRINGS = frozenset({"string", "varchar", "unicode", "nvarchar", "char", "nchar"})
_INTEGER_RANKS = {"smallinteger": 1, "smallint": 1, "integer": 2, "int": 2,
                  "biginteger": 3, "bigint": 3}
_ALTER_KEEPS = frozenset({"table_name", "column_name", "schema", "type_", "existing_type",
                          "existing_nullable", "existing_server_default", "existing_comment",
                          "existing_autoincrement"})


def schema_change(module: ast.Module, upgrade: ast.FunctionDef) -> ast.Call | None:
    """The first call in `upgrade` that changes the schema, or None for a data-only upgrade.

    Schema changes: an Alembic operation (`op.add_column`, `batch_op.alter_column`, ...,
    except an `alter_column` that only widens a type), and DDL run through `execute()`
    (`op.execute("ALTER TABLE ...")`, `conn.execute(text("CREATE INDEX ..."))`), except
    temporary tables, trigger toggles and `ALTER TYPE ... ADD VALUE`. Module functions that
    `upgrade` calls by name are followed (a bounded number, each once).
    """
    functions = {s.name: s for s in module.body if isinstance(s, ast.FunctionDef)}
    strings = _string_constants(module.body)
    queue, seen = [upgrade], {upgrade.name}
    while queue:
        function = queue.pop(0)
        local = {**strings, **_string_constants(ast.walk(function))}
        temp_tables: set[str] = set()
        for node in _calls_in_order(function):
            name = _callee(node)
            if name in SCHEMA_OPERATIONS and not (name == "alter_column" and _only_widens(node)):
                return node
            if name in _EXECUTE and node.args and _runs_ddl(node.args[0], local, temp_tables):
                return node
            if name in functions and name not in seen and len(seen) < _MAX_HELPERS:
                seen.add(name)
                queue.append(functions[name])
    return None


def _callee(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else func.id \
        if isinstance(func, ast.Name) else ""


def _calls_in_order(function: ast.FunctionDef) -> list[ast.Call]:
    """The calls of a function's own body (not of nested functions), in source order."""
    calls, todo = [], list(function.body)
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        if isinstance(node, ast.Call):
            calls.append(node)
        todo.extend(ast.iter_child_nodes(node))
    return sorted(calls, key=lambda c: (c.lineno, c.col_offset))


def _string_constants(nodes) -> dict[str, str]:
    """`name -> text` of simple string assignments (`sql = "..."`) among `nodes`."""
    found: dict[str, str] = {}
    for node in nodes:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 \
                and isinstance(node.targets[0], ast.Name):
            text = _literal(node.value)
            if text is not None:
                found.setdefault(node.targets[0].id, text)
    return found


def _literal(node: ast.expr) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "x" for v in node.values)
    return None


def _runs_ddl(arg: ast.expr, strings: dict[str, str], temp_tables: set[str]) -> bool:
    """Whether the SQL `arg` (a literal, `text(...)`, or a name bound to one) changes the
    schema; temporary tables it creates are remembered so that dropping them is not."""
    if isinstance(arg, ast.Call) and _callee(arg) in _TEXT_WRAPPERS and arg.args:
        arg = arg.args[0]
    text = strings.get(arg.id) if isinstance(arg, ast.Name) else _literal(arg)
    if text is None:
        return False  # not visible: not judged
    changes = False
    for statement in _SQL_COMMENT.sub("", text).split(";"):
        temp = _TEMP_TABLE.match(statement)
        target = _TABLE_TARGET.match(statement)
        if temp:
            temp_tables.add(temp.group(1).strip('"').lower())
        elif target and target.group(1).strip('"').lower() in temp_tables:
            continue
        elif _TRIGGER_TOGGLE.match(statement) or _ENUM_ADD_VALUE.match(statement):
            continue
        elif _DDL.match(statement):
            changes = True
    return changes


def _only_widens(call: ast.Call) -> bool:
    """`alter_column(..., existing_type=String(250), type_=String(5000))` and nothing else:
    the old code fits in the wider column, and narrowing it back could truncate data."""
    keywords = {k.arg: k.value for k in call.keywords if k.arg}
    if len(keywords) != len(call.keywords) or "type_" not in keywords \
            or "existing_type" not in keywords:
        return False
    nullable = keywords.get("nullable")
    if nullable is not None and not (
            isinstance(nullable, ast.Constant) and "existing_nullable" in keywords
            and isinstance(keywords["existing_nullable"], ast.Constant)
            and nullable.value == keywords["existing_nullable"].value):
        return False
    if set(keywords) - _ALTER_KEEPS - {"nullable"}:
        return False
    new, old = _type_rank(keywords["type_"]), _type_rank(keywords["existing_type"])
    return new is not None and old is not None and new[0] == old[0] and new[1:] > old[1:]


def _type_rank(node: ast.expr) -> tuple[str, int, int] | None:
    """(family, rank, length) of a column type: `String(250)`, `sa.Text()`, `MEDIUMTEXT`,
    `Text().with_variant(...)`; None when unknown."""
    for _ in range(8):  # `.with_variant(...)` chains: the base type decides
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr == "with_variant":
            node = node.func.value
        else:
            break
    call = node if isinstance(node, ast.Call) else None
    name = _callee(call) if call else (
        node.attr if isinstance(node, ast.Attribute) else node.id
        if isinstance(node, ast.Name) else "")
    name = name.lower()
    if name in _TEXT_RANKS:
        return ("text", _TEXT_RANKS[name], 0)
    if name in _INTEGER_RANKS:
        return ("integer", _INTEGER_RANKS[name], 0)
    if name in _SIZED_STRINGS and call is not None:
        length = call.args[0] if call.args else next(
            (k.value for k in call.keywords if k.arg == "length"), None)
        if isinstance(length, ast.Constant) and isinstance(length.value, int) \
                and not isinstance(length.value, bool):
            return ("text", 1, length.value)
    return None
