"""BE004: a query inside a loop over data, the N+1 pattern.

A loop over rows that runs one query per row turns one page into hundreds of
round trips. Only loops over data are considered: a literal list, `range(3)`, an
UPPER_CASE constant, a constant-size slice, a lookup by primary key, a form's
fields and a `while True` retry loop are small fixed sets. For raw SQL, only a
fixed statement counts (one statement run with new parameters per item); a
loop over different statements (`for stmt in migrations: cur.execute(stmt)`),
DDL, and a `while` loop paging with LIMIT/OFFSET are batch work, not N+1.

A call runs once per iteration only if nothing ends the loop after it on the
same iteration: a query followed by `return`, `raise` or `break` runs at most
once, one in an `except` handler runs on errors, and one inside a transaction
opened per iteration is per-item work by design. A Django queryset (and a
SQLAlchemy `session.query()`) runs only when evaluated (a method such as `get()`
or `count()`, iteration, `list()`, `len()`, a truth test), so one built in a
loop and handed on (`Exists(qs)`, `filter(id__in=qs)`, `.subquery()`) is no
query there. `.save()` is a query on a Django model instance, so it counts only
on rows of a Django queryset the loop iterates. Answers that need the code
around a call come from one pass over the outermost loop, made once per loop
nest and kept for the module.
"""

from __future__ import annotations

import ast

from flake8_backend.analysis.astutil import callee_name, terminal_name
from flake8_backend.analysis.context import ModuleContext
from flake8_backend.analysis.subtree import SubtreeIndex, subtree_index
from flake8_backend.analysis.paths import path_matches
from flake8_backend.analysis.scope import ASSIGN
from flake8_backend.domain.db_calls import (DJANGO, EVALUATING, MANAGER_METHODS,
                                            QUERY_EMBEDDED, QUERY_RUNNING, classify,
                                            db_callees, rows_origin)
from flake8_backend.domain.migrations import is_alembic_revision
from flake8_backend.domain.sql_text import leading_text
from flake8_backend.patterns import lazy_compile
from flake8_backend.registry import Option, Rule, check, register

BE004 = register(Rule(
    code="BE004",
    name="query-in-loop",
    message="{call} runs a query on every iteration of the loop on line {line}; load the rows "
            "in one query (IN/ANY, select_related/prefetch_related, selectinload) or batch the "
            "writes (executemany, bulk_create)",
    summary="A database query inside a loop over data (N+1 queries).",
    what="Checks for database calls inside a `for`/`while` body or a comprehension that "
         "iterates over data: DB-API and asyncpg `execute`/`fetch*` with a fixed SQL "
         "statement; SQLAlchemy `session.get/query/execute/scalar(s)/merge/refresh` (a session "
         "is known by its name, `session`/`sess`/`db_session`, by its annotation, `Session`/"
         "`AsyncSession`/`scoped_session`, or, for `db`, by a SQLAlchemy call: "
         "`db.get(Model, pk)`, `db.query(Model)`, `db.execute(select(...))`); Django querysets "
         "evaluated in the loop (`Model.objects.get/create/update/...`, `.filter(...).first()`, "
         "`.count()`, `.exists()`, iterated, `list()`/`len()`/truth-tested); and `.save()`/"
         "`.refresh_from_db()` on the loop's row when the loop iterates a Django queryset.",
    why="N+1 queries, loading related data in a loop instead of batching, multiply database "
        "round trips by the number of rows: fast in development, slow under real data. "
        "The review guideline asks to identify them proactively in code review.",
    bad="""\
def owners(cur, orders):
    for o in orders:
        cur.execute("SELECT name FROM users WHERE id = %s", (o.user_id,))
""",
    good="""\
def owners(cur, orders):
    ids = list({o.user_id for o in orders})
    cur.execute("SELECT id, name FROM users WHERE id = ANY(%s)", (ids,))
""",
    options=(
        Option("query-in-loop-exclude", "list",
               ("migrations/**", "management/commands/**", "tests/**", "test_*.py", "*_test.py",
                "conftest.py"),
               "Glob patterns of files where loops of queries are batch work by design (data "
               "migrations, Django management commands, test setup), matched against the end "
               "of the path (`*` within one segment, `**` across segments). An Alembic revision "
               "file (a module with `revision = ...` and `def upgrade`) counts as a file under "
               "`migrations/`."),
    ),
    related=("semgrep batch-import (only `db.session.add` in a loop)",
             "nplusone (runtime detection)"),
    default_enabled=False,
    notes="Opt-in: turn it on with `enable = [\"BE004\"]`. Its reviewed strict precision "
          "on the pinned library and application corpora is 24% (6 TP of 25) "
          "(benchmarks/precision/BE004.md), below the 90% a default-on rule needs: most "
          "remaining findings loop over a few items (one order's fees, one event's dates) "
          "or save rows one by one for a model's save() side effects; how many items a "
          "loop has is not visible in the code. "
          "Not reported, because the loop runs no query per item or the code is per-item by "
          "design: files matching `query-in-loop-exclude` (by default migrations, Alembic "
          "revisions wherever they live, Django management commands, and tests); loops over "
          "batches (a loop variable, iterable or helper named `chunk`/`batch`/`page`) and Django "
          "lookups already batched with `__in`; loops over small fixed sets: literal collections "
          "of constants, `range(<constant>)`, UPPER_CASE constants (and `set()`/`sorted()` of "
          "them), a constant-size slice (`qs[:2]`), a queryset filtered by `pk`/`id`, a form's "
          "fields or `cleaned_data`, a list of forms; `while True` loops (retries and polling, "
          "not data); a query followed on the same iteration by `return`, `raise` or `break` (it "
          "runs at most once), one in an `except` handler (the error path), one inside a "
          "transaction opened per iteration (`with transaction.atomic():`, `session.begin()`: "
          "each item is its own unit of work); `session.add()` (no SQL until the flush); a "
          "Django queryset or SQLAlchemy `session.query()` built in the loop but not run there "
          "(a subquery, `Exists(...)`, `.subquery()`, a value returned or handed to a helper); "
          "`bulk_create`/`bulk_update` (they are the batching); `select_for_update()` lookups "
          "(locking rows one at a time), the loop's own row read again by its key, and "
          "`refresh_from_db()` (re-reads after a change made elsewhere); `.delete()` on a loop's "
          "row (a model's own delete() often removes files or related state, and whether it "
          "does is not visible here) and `.save()` on rows that do not visibly come from a "
          "Django queryset (forms, storage objects, SQLAlchemy objects with a helper method, "
          "lists of unknown origin); SQL built per item (a different statement each time), "
          "DDL, and `while` loops whose SQL pages with LIMIT/OFFSET; HTTP clients named "
          "`session`. Not seen: lazy relationship loads (`order.user.name` in a loop), queries "
          "inside helpers called from the loop, and how many items a loop really has: a loop "
          "over the few fees of one order is reported like one over every order. Add your own "
          "data-access helpers with `extend-db-calls`.",
))

_DML = lazy_compile(r"(?is)^\s*\(?\s*(select|insert|update|delete|with|replace|merge)\b")
_FROM = lazy_compile(r"(?i)\bfrom\b")
_BATCH_NAME = lazy_compile(r"(?i)chunk|batch|page")
_PAGING = lazy_compile(r"(?is)\b(limit|offset|fetch\s+first|fetch\s+next)\b")
_CONSTANT = lazy_compile(r"^_?[A-Z][A-Z0-9_]*$")
# Forms and their fields: a handful per page, not rows.
_FORM_PART = lazy_compile(r"(?i)(^|_)(forms?|formsets?|cleaned_data|changed_data|fields)$")
_UNWRAP_FUNCTIONS = frozenset({"enumerate", "sorted", "list", "set", "tuple", "reversed",
                               "frozenset"})
_UNWRAP_METHODS = frozenset({"items", "keys", "values", "copy", "difference", "union",
                             "intersection", "symmetric_difference"})
# Calls that evaluate a queryset handed to them.
_CONSUMERS = frozenset({"list", "len", "bool", "tuple", "set", "frozenset", "sorted", "sum",
                        "any", "all", "max", "min", "dict", "enumerate", "zip", "reversed",
                        "next", "iter"})
_ROW_WRITES = frozenset({"save", "asave"})
# Methods that read one row: with the loop's own key, the row is read again (a refresh).
_ROW_READS = frozenset({"get", "aget", "first", "afirst", "last", "alast"})
# Blocks that make each iteration its own unit of work: a transaction per item.
_TRANSACTIONS = frozenset({"atomic", "begin", "begin_nested", "transaction"})
# Lazy query chains, by (family, the method starting them): (methods that run the query,
# methods that embed it unrun in another statement).
_LAZY_CHAINS: dict[tuple[str, str], tuple[frozenset[str], frozenset[str]]] = {
    **{("manager", m): (EVALUATING, frozenset()) for m in MANAGER_METHODS},
    ("session", "query"): (QUERY_RUNNING, QUERY_EMBEDDED),
}
_MAX_HOPS = 3


@check(ast.Call, rules=(BE004,), callees=db_callees)
def check_query_in_loop(node: ast.Call, ctx: ModuleContext) -> None:
    loops = ctx.scope.loops
    if not loops or ctx.cached(_excluded):
        return
    repeating, rows = _repeating(loops, ctx)
    if not repeating:
        return
    db = classify(node, ctx, rows)
    if db is None:
        return
    if db.family == "sql" and not _fixed_statement(db.sql, repeating[-1], ctx):
        return
    index = subtree_index(loops[0], ctx)
    label, at = db.label, node
    lazy = _LAZY_CHAINS.get((db.family, callee_name(node.func)))
    if lazy is not None:
        evaluated = _evaluated_chain(node, index, *lazy)
        if evaluated is None:
            return  # a query built here and run elsewhere, or not at all
        label, at = evaluated
        if db.family == "manager" and _deliberate_lookup(node, at, rows):
            return
    elif db.family == "row" and not _row_query(node, rows, ctx):
        return
    loop = _repeated_in(at, loops, repeating, index)
    if loop is not None:
        ctx.report(BE004, node, end=node.func, call=label, line=loop.lineno)


_Answer = tuple[list[ast.AST], dict[str, ast.AST]]


def _loop_answers(ctx: ModuleContext) -> dict[tuple[int, int], _Answer]:
    return {}


def _repeating(loops: list[ast.AST], ctx: ModuleContext) -> _Answer:
    """The loops over data among `loops`, and the names holding their rows with the loop that
    binds each (decided once per loop nest)."""
    answers = ctx.cached(_loop_answers)
    key = (id(loops[-1]), len(loops))
    found = answers.get(key)
    if found is None:
        repeating = [loop for loop in loops if not _fixed(loop, ctx) and not _batches(loop)]
        found = answers[key] = (repeating, _row_names(repeating))
    return found


def _excluded(ctx: ModuleContext) -> bool:
    """The file matches `query-in-loop-exclude`; an Alembic revision is matched as if it lay
    in a `migrations/` directory."""
    patterns = ctx.settings["query-in-loop-exclude"]
    if path_matches(ctx.path, patterns):
        return True
    if not ctx.cached(is_alembic_revision):
        return False
    return path_matches("migrations/" + ctx.path.rsplit("/", 1)[-1], patterns)


# -- loops over small fixed sets -------------------------------------------------------

def _fixed(loop: ast.AST, ctx: ModuleContext) -> bool:
    """Loops over a small fixed set (see the module docstring), or a `while True` loop."""
    if isinstance(loop, ast.While):
        return isinstance(loop.test, ast.Constant) and bool(loop.test.value)
    iterable = loop.iter if isinstance(loop, (ast.For, ast.AsyncFor)) else loop.generators[0].iter
    pending = [(iterable, 0)]
    while pending:
        expr, hops = pending.pop()
        expr = _unwrap(expr)
        if isinstance(expr, ast.Name) and not _CONSTANT.match(expr.id) \
                and not _FORM_PART.search(expr.id):
            bindings = ctx.reaching(expr.id, expr)
            if hops >= _MAX_HOPS or not bindings or not all(
                    b.kind == ASSIGN and isinstance(b.value, ast.expr)
                    and not _empty_collection(b.value) for b in bindings):
                return False  # `found = []` is filled later: not a fixed set
            pending.extend((b.value, hops + 1) for b in bindings)
        elif not _fixed_expression(expr, ctx):
            return False
    return True


def _unwrap(expr: ast.expr) -> ast.expr:
    """`enumerate(x)`, `sorted(x)`, `x.items()`, `set(x).difference(y)` -> `x`."""
    while isinstance(expr, ast.Call):
        func = expr.func
        if isinstance(func, ast.Name) and func.id in _UNWRAP_FUNCTIONS and expr.args:
            expr = expr.args[0]
        elif isinstance(func, ast.Attribute) and func.attr in _UNWRAP_METHODS:
            expr = func.value
        else:
            break
    return expr


def _empty_collection(expr: ast.expr) -> bool:
    if isinstance(expr, (ast.List, ast.Tuple, ast.Set)):
        return not expr.elts
    if isinstance(expr, ast.Dict):
        return not expr.keys
    return isinstance(expr, ast.Call) and not expr.args and not expr.keywords \
        and terminal_name(expr.func) in ("list", "dict", "set", "defaultdict", "OrderedDict")


def _fixed_expression(expr: ast.expr, ctx: ModuleContext) -> bool:
    if isinstance(expr, (ast.List, ast.Tuple, ast.Set)):
        return all(_constant(e) for e in expr.elts)
    if isinstance(expr, ast.Dict):
        return all(k is not None and _constant(k) for k in expr.keys)
    if isinstance(expr, ast.Constant):
        return True
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name) \
            and expr.func.id == "range":
        return all(_constant_number(a, ctx) for a in expr.args)
    if isinstance(expr, ast.Subscript) and isinstance(expr.slice, ast.Slice):
        bounds = (expr.slice.lower, expr.slice.upper)
        return expr.slice.upper is not None and all(
            b is None or _constant_number(b, ctx) for b in bounds)  # `qs[:2]`
    if _form_parts(expr) or _by_primary_key(expr):
        return True
    return bool(_CONSTANT.match(terminal_name(expr)))


def _constant(node: ast.expr) -> bool:
    """A literal, an UPPER_CASE name or attribute (`Order.STATUS_PAID`), or a tuple of them."""
    pending = [node]
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Tuple):
            pending.extend(node.elts)
        elif not (isinstance(node, ast.Constant) or _CONSTANT.match(terminal_name(node))):
            return False
    return True


def _constant_number(node: ast.expr, ctx: ModuleContext) -> bool:
    """An int literal (`-1` too), or a name bound only to int literals (`max_batches = 10`)."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        node = node.operand
    if isinstance(node, ast.Constant):
        return isinstance(node.value, int)
    if isinstance(node, ast.Name):
        if _CONSTANT.match(node.id):
            return True
        bindings = ctx.reaching(node.id, node)
        return bool(bindings) and all(
            b.kind == ASSIGN and isinstance(b.value, ast.Constant)
            and isinstance(b.value.value, int) for b in bindings)
    return False


def _form_parts(expr: ast.expr) -> bool:
    """`form.cleaned_data`, `self.fields`, `formset.forms`, `self.plugin_forms`."""
    while True:
        if isinstance(expr, ast.Call):
            expr = expr.func
        elif isinstance(expr, ast.Subscript):
            expr = expr.value
        elif isinstance(expr, (ast.Attribute, ast.Name)):
            if _FORM_PART.search(terminal_name(expr)):
                return True
            if isinstance(expr, ast.Name):
                return False
            expr = expr.value
        else:
            return False


def _by_primary_key(expr: ast.expr) -> bool:
    """`Payment.objects.filter(pk=pid)`: a lookup by primary key yields at most one row."""
    while isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute):
        if expr.func.attr == "filter" and any(
                k.arg in ("pk", "id", "pk__exact", "id__exact") for k in expr.keywords):
            return True
        expr = expr.func.value
    return False


def _batches(loop: ast.AST) -> bool:
    """`for chunk in chunks:`, `for batch in batched(ids, 500):`: one query per batch."""
    if isinstance(loop, ast.While):  # `while keys: chunk = keys[:500]; keys = keys[500:]`
        return any(isinstance(stmt, ast.Assign) and any(
            isinstance(t, ast.Name) and _BATCH_NAME.search(t.id) for t in stmt.targets)
            for stmt in loop.body)
    first = loop if isinstance(loop, (ast.For, ast.AsyncFor)) else loop.generators[0]
    names = [n.id for n in (first.target, first.iter) if isinstance(n, ast.Name)]
    if isinstance(first.iter, ast.Call):
        names.append(callee_name(first.iter.func))
    return any(_BATCH_NAME.search(name) for name in names)


def _row_names(loops: list[ast.AST]) -> dict[str, ast.AST]:
    """Names bound by the loops' targets -> the loop (or comprehension generator) binding it."""
    names: dict[str, ast.AST] = {}
    for loop in loops:
        if isinstance(loop, ast.While):
            continue
        generators = [loop] if isinstance(loop, (ast.For, ast.AsyncFor)) else loop.generators
        for generator in generators:
            for n in ast.walk(generator.target):
                if isinstance(n, ast.Name):
                    names[n.id] = generator
    return names


def _row_query(call: ast.Call, rows: dict[str, ast.AST], ctx: ModuleContext) -> bool:
    """`row.refresh_from_db()` reads; `row.save()` writes one row, a query only on a Django
    model instance: the row must come from a Django queryset the loop iterates."""
    if callee_name(call.func) not in _ROW_WRITES:
        return False  # `row.delete()`, `row.refresh_from_db()`: see the notes
    name = terminal_name(call.func.value)
    generator = rows.get(name)
    if generator is None:
        return False
    target, iterable = generator.target, generator.iter
    if isinstance(target, ast.Tuple) and len(target.elts) == 2 and isinstance(iterable, ast.Call) \
            and isinstance(iterable.func, ast.Name) and iterable.func.id == "enumerate" \
            and iterable.args:
        target, iterable = target.elts[1], iterable.args[0]  # `for i, row in enumerate(qs)`
    if not isinstance(target, ast.Name) or target.id != name:
        return False  # `for a, b in zip(...)`: which part is the row is not known
    return rows_origin(iterable, ctx) == DJANGO


# -- the code around a call: one index per outermost loop --------------------------------

def _evaluated_chain(root: ast.Call, index: SubtreeIndex, running: frozenset[str],
                     embedded: frozenset[str]) -> tuple[str, ast.AST] | None:
    """Whether the lazy query chain starting at `root` (`Model.objects.filter(...)`,
    `session.query(User)`) is run where it is written: (label, the outermost node of the
    chain) if so, else None. `running`: methods that run it; `embedded`: methods that turn
    it into part of another statement."""
    label = f"{_manager_label(root)}()"
    node: ast.AST = root
    method = callee_name(root.func)
    parents = index.parents
    between = ""  # ".." once a call stands between the root and the evaluating one
    while True:
        if method in running:
            return (label if node is root else f"{label}{between}.{method}()"), node
        if method in embedded:
            return None
        parent = parents.get(id(node))
        if isinstance(parent, ast.Attribute) and parent.value is node:
            call = parents.get(id(parent))
            if not (isinstance(call, ast.Call) and call.func is parent):
                return None  # `qs.query`, `qs.model`: not evaluated
            if node is not root and method:
                between = ".."
            method, node = parent.attr, call
            continue
        if isinstance(parent, ast.Subscript) and parent.value is node:
            if not isinstance(parent.slice, ast.Slice):
                return label, parent  # `qs[0]`
            node, method = parent, ""
            continue
        if isinstance(parent, ast.Await):
            node, method = parent, ""
            continue
        break
    if _consumed(node, parents):
        return label, node
    if isinstance(parent, ast.Assign) and parent.value is node and len(parent.targets) == 1 \
            and isinstance(parent.targets[0], ast.Name):
        name = parent.targets[0].id
        for use in index.reads.get(name, ()):
            if (use.lineno, use.col_offset) > (parent.lineno, parent.col_offset) \
                    and _consumed_use(use, parents, running, embedded):
                return label, node
    return None


def _manager_label(root: ast.Call) -> str:
    """`Order.objects.filter`, `model.Session.query`: the receiver's last two names."""
    func = root.func
    receiver = func.value if isinstance(func, ast.Attribute) else func
    owner = terminal_name(receiver.value) if isinstance(receiver, ast.Attribute) else ""
    return f"{owner}.{terminal_name(receiver)}.{callee_name(func)}" if owner \
        else f"{terminal_name(receiver)}.{callee_name(func)}"


def _consumed(node: ast.AST, parents: dict[int, ast.AST]) -> bool:
    """`node` (a queryset) is evaluated by what holds it: iterated, listed, truth-tested."""
    parent = parents.get(id(node))
    if isinstance(parent, (ast.For, ast.AsyncFor)):
        return parent.iter is node
    if isinstance(parent, ast.comprehension):
        return parent.iter is node
    if isinstance(parent, ast.Call):
        return isinstance(parent.func, ast.Name) and parent.func.id in _CONSUMERS \
            and node in parent.args
    if isinstance(parent, (ast.If, ast.While, ast.IfExp, ast.Assert)):
        return parent.test is node
    if isinstance(parent, ast.BoolOp):
        return True
    if isinstance(parent, ast.UnaryOp):
        return isinstance(parent.op, ast.Not)
    if isinstance(parent, ast.Compare):
        return node in parent.comparators and isinstance(parent.ops[0], (ast.In, ast.NotIn))
    return isinstance(parent, (ast.Starred, ast.YieldFrom))


def _consumed_use(use: ast.Name, parents: dict[int, ast.AST], running: frozenset[str],
                  embedded: frozenset[str]) -> bool:
    """A read of a name holding a lazy query runs it (directly or through a chain)."""
    node: ast.AST = use
    while True:
        parent = parents.get(id(node))
        if isinstance(parent, ast.Attribute) and parent.value is node:
            call = parents.get(id(parent))
            if not (isinstance(call, ast.Call) and call.func is parent):
                return False
            if parent.attr in running:
                return True
            if parent.attr in embedded:
                return False
            node = call
        elif isinstance(parent, ast.Subscript) and parent.value is node:
            if not isinstance(parent.slice, ast.Slice):
                return True
            node = parent
        else:
            return _consumed(node, parents)


def _deliberate_lookup(root: ast.Call, end: ast.AST, rows: dict[str, ast.AST]) -> bool:
    """A Django lookup that is per-row by design, or already batched: a `__in` lookup (one query
    per batch), `select_for_update()` (locking rows one at a time), or the loop's own row
    read again by its key (`Order.objects.get(pk=order.pk)`: a refresh)."""
    node: ast.AST = end
    reads = isinstance(end, ast.Call) and callee_name(end.func) in _ROW_READS
    while True:
        if isinstance(node, ast.Call):
            if callee_name(node.func) == "select_for_update":
                return True
            for keyword in node.keywords:
                if keyword.arg and keyword.arg.endswith("__in"):
                    return True
                value = keyword.value
                if reads and keyword.arg in ("pk", "id") and isinstance(value, ast.Attribute) \
                        and value.attr in ("pk", "id") and isinstance(value.value, ast.Name) \
                        and value.value.id in rows:
                    return True
            if node is root:
                return False
            node = node.func
        elif isinstance(node, (ast.Attribute, ast.Subscript, ast.Await)):
            node = node.value
        else:
            return False


def _repeated_in(at: ast.AST, loops: list[ast.AST], repeating: list[ast.AST],
                 index: SubtreeIndex) -> ast.AST | None:
    """The innermost loop of `repeating` in which `at` runs on every iteration: a `return` or
    `raise` after it on the same path ends every loop, a `break` the loop it belongs to; an
    `except` handler runs on errors only, and a transaction opened per iteration (`with
    transaction.atomic():`) makes each item its own unit of work, by design."""
    parents = index.parents
    ended: set[int] = set()  # ids of loops that end after `at` runs
    level = len(loops) - 1  # loops[level]: the innermost loop around `node`
    node: ast.AST = at
    while level >= 0:
        parent = parents.get(id(node))
        if parent is None:
            break
        if isinstance(parent, ast.ExceptHandler) or (
                isinstance(parent, (ast.With, ast.AsyncWith)) and node in parent.body
                and any(callee_name(_called(item.context_expr)) in _TRANSACTIONS
                        for item in parent.items)):
            ended.update(id(loop) for loop in loops[:level + 1])
        if isinstance(node, ast.stmt):
            for stmt in _rest_of_block(node, parent):
                if isinstance(stmt, (ast.Return, ast.Raise)):
                    ended.update(id(loop) for loop in loops[:level + 1])
                    break
                if isinstance(stmt, ast.Break):
                    ended.add(id(loops[level]))
                    break
        if parent is loops[level]:
            level -= 1
        node = parent
    for loop in reversed(repeating):
        if id(loop) not in ended:
            return loop
    return None


def _called(expr: ast.expr) -> ast.expr:
    return expr.func if isinstance(expr, ast.Call) else expr


def _rest_of_block(stmt: ast.stmt, parent: ast.AST) -> list[ast.stmt]:
    """`stmt` and the statements after it in the block of `parent` that holds it."""
    for field in ("body", "orelse", "finalbody"):
        block = getattr(parent, field, None)
        if isinstance(block, list):
            for i, item in enumerate(block):
                if item is stmt:
                    return block[i:]
    return []


def _fixed_statement(sql: ast.expr | None, loop: ast.AST, ctx: ModuleContext) -> bool:
    """One DML statement, the same text on every iteration (only parameters vary)."""
    if sql is None:
        return False
    if isinstance(sql, ast.Name):
        bindings = ctx.reaching(sql.id, sql)
        if not bindings or not all(b.kind == ASSIGN and isinstance(b.value, ast.Constant)
                                   for b in bindings):
            return False
    elif not isinstance(sql, ast.Constant):
        return False
    text = leading_text(sql, ctx) or ""
    match = _DML.match(text)
    if not match or (match.group(1).lower() == "select" and not _FROM.search(text)):
        return False  # `SELECT load_extension(?)` calls a function, it reads no rows
    return not (isinstance(loop, ast.While) and _PAGING.search(text))
