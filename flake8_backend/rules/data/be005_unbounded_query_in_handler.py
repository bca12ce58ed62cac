"""BE005: a route handler that loads every row.

A handler that loads a whole table (`.all()`, `fetchall()` of a SELECT without
LIMIT) is fast on the developer's ten rows and grows with the data until the
endpoint times out. The rows are bounded when the statement is (`.limit()`,
`.offset()`, a primary-key filter, in place or in the variable handed to
`session.scalars()`/`execute()`), or when what follows `.all()` bounds them: a
slice, `.first()`/`.get()`/`.exists()`/`.count()`, `get_object_or_404(qs, ...)`,
a paginator, directly or through the name the queryset is assigned to (read
from one index of the handler's body, made once per handler).
"""

from __future__ import annotations

import ast

from flake8_backend.analysis.astutil import callee_name, terminal_name
from flake8_backend.analysis.context import ModuleContext
from flake8_backend.analysis.subtree import SubtreeIndex, subtree_index
from flake8_backend.domain.db_calls import statement_chains
from flake8_backend.domain.routes import enclosing_route_handler
from flake8_backend.domain.sql_text import leading_text
from flake8_backend.patterns import lazy_compile
from flake8_backend.registry import Callees, Rule, check, register

BE005 = register(Rule(
    code="BE005",
    name="unbounded-query-in-handler",
    message="{call} in route handler `{handler}` loads every matching row; paginate it "
            "(LIMIT/OFFSET, .limit(), a slice, paginate())",
    summary="A route handler loads every row: `.all()` or `fetchall()` without a limit.",
    what="Checks route handlers (see BE006 for what makes one) for `.all()` on a SQLAlchemy "
         "query/select or a Django manager with nothing that bounds the rows, and `fetchall()` "
         "after a SELECT with no LIMIT/FETCH FIRST/TOP.",
    why="An endpoint that returns every row is fast on the developer's table of ten rows and "
        "times out in production. The review guideline: pagination for list endpoints; never "
        "return unbounded results; no SELECT without LIMIT on user-facing endpoints.",
    bad="""\
@app.get("/users")
def list_users():
    return jsonify([u.to_dict() for u in User.query.all()])
""",
    good="""\
@app.get("/users")
def list_users():
    page = User.query.order_by(User.id).limit(limit).offset(offset)
    return jsonify([u.to_dict() for u in page])
""",
    default_enabled=False,
    notes="Opt-in: turn it on with `enable = [\"BE005\"]`. Its reviewed strict precision "
          "on the pinned library and application corpora is 0% (0 TP of the 2 findings) "
          "(benchmarks/precision/BE005.md), below the 90% a default-on rule needs: both "
          "findings list a small reference or configuration table in full, and nothing in "
          "the code says a table is small. "
          "Exempt: chains with `.limit()`, `.paginate()`, `.offset()`, a slice, `.first()`, "
          "`.one()`, `.get()`, `.exists()`, `.count()`, or a filter on `id`/`pk`; a SQLAlchemy "
          "statement with `.limit()`/`.offset()`/`.slice()`/`.fetch()` or a primary-key filter "
          "inside `session.scalars()`/`execute()`/`scalar()`, written in place or built in a "
          "variable (`stmt = stmt.limit(n)` included); a Django queryset whose `.all()` is "
          "followed by a slice, `.first()`/`.last()`/`.get()`/`.exists()`/`.count()`/"
          "`.aggregate()`, a primary-key filter, or `.update()`/`.delete()` (no row is "
          "loaded), or handed to `get_object_or_404`, `Paginator`, `paginate()` or "
          "`paginate_queryset()`, directly or through the name it is assigned to; SQL with "
          "LIMIT, FETCH FIRST, TOP or `WHERE id =`. Not seen: pagination applied by a serializer "
          "or helper in another function, and the size of the table: a small reference or "
          "configuration table (languages, currencies, a handful of backup services) shown in "
          "full on an admin page is reported like an unbounded one (use `# noqa: BE005`).",
))

_LIMITERS = frozenset({"limit", "paginate", "offset", "first", "one", "one_or_none", "get",
                       "scalar", "scalar_one", "scalar_one_or_none", "get_or_404",
                       "first_or_404", "one_or_404", "fetch", "slice", "exists", "count",
                       "iterator", "aggregate", "last", "latest", "earliest", "contains",
                       "afirst", "alast", "aget", "acount", "aexists", "aaggregate"})
# Called on the rows' query after `.all()`, these load nothing: they write or delete in SQL.
_NOT_LOADING = frozenset({"update", "delete", "aupdate", "adelete"})
# Functions and methods that, handed a queryset, load one row or one page of it.
_BOUNDING_CONSUMERS = frozenset({"get_object_or_404", "aget_object_or_404", "Paginator",
                                 "paginate", "paginate_queryset", "paginate_query",
                                 "get_paginated_response"})
_QUERY_MARKERS = frozenset({"query", "objects", "scalars", "select", "execute", "filter",
                            "filter_by", "where", "order_by", "exclude"})
_STATEMENT_RUNNERS = frozenset({"scalars", "execute", "scalar"})
_BOUNDED_SQL = lazy_compile(r"(?is)\blimit\b|\bfetch\s+(first|next)\b|\btop\s*\(?\d|"
                            r"\bwhere\s+(\w+\.)?(id|pk)\s*=")


@check(ast.Call, rules=(BE005,), callees=Callees(names=frozenset({"all", "fetchall", "execute"})))
def check_unbounded_query(node: ast.Call, ctx: ModuleContext) -> None:
    func = node.func
    if not isinstance(func, ast.Attribute) or func.attr not in ("all", "fetchall", "execute"):
        return
    handler = enclosing_route_handler(ctx)
    if handler is None:
        return
    if func.attr == "execute":
        _remember_sql(node, ctx)
    elif func.attr == "all" and not node.args and _unbounded_chain(func.value, ctx) \
            and not _bounded_where_used(node, subtree_index(handler, ctx)):
        ctx.report(BE005, node, end=func, call=f"{_chain_label(func.value)}.all()",
                   handler=handler.name)
    elif func.attr == "fetchall" and _unbounded_sql(func.value, ctx):
        ctx.report(BE005, node, end=func, call="fetchall()", handler=handler.name)


def _unbounded_chain(receiver: ast.expr, ctx: ModuleContext) -> bool:
    """A query chain with a query marker and nothing that bounds or pins the rows."""
    seen_marker = False
    node = receiver
    while True:
        if isinstance(node, ast.Await):
            node = node.value
            continue
        if isinstance(node, ast.Subscript):
            return False  # qs[:20]
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute):
                if func.attr in _LIMITERS or _pins_primary_key(node):
                    return False
                if func.attr in _STATEMENT_RUNNERS and node.args \
                        and _bounded_statement(node.args[0], ctx):
                    return False  # session.scalars(select(User).limit(20))
                seen_marker = seen_marker or func.attr in _QUERY_MARKERS
                node = func.value
                continue
            name = getattr(func, "id", "")
            return seen_marker or name == "select"
        if isinstance(node, ast.Attribute):
            if node.attr in ("objects", "query"):
                return True  # Model.objects.all(), Model.query.all()
            seen_marker = seen_marker or node.attr in _QUERY_MARKERS
            node = node.value
            continue
        return seen_marker


def _bounded_statement(statement: ast.expr, ctx: ModuleContext) -> bool:
    """A SQLAlchemy statement, written in place or built in a variable (through reassignments
    such as `stmt = stmt.limit(n)`), with `.limit()`/`.offset()`/`.slice()`/`.fetch()` or a
    filter on the primary key somewhere in its chain."""
    for chain in statement_chains(statement, ctx):
        node = chain
        while isinstance(node, (ast.Call, ast.Attribute, ast.Await, ast.Subscript)):
            if isinstance(node, ast.Call):
                if isinstance(node.func, ast.Attribute) and (
                        node.func.attr in ("limit", "offset", "slice", "fetch")
                        or _pins_primary_key(node)):
                    return True
                node = node.func
            else:
                node = node.value
    return False


def _pins_primary_key(call: ast.Call) -> bool:
    if any(k.arg in ("id", "pk") for k in call.keywords):
        return True
    for arg in call.args:
        if isinstance(arg, ast.Compare) and isinstance(arg.left, ast.Attribute) \
                and arg.left.attr in ("id", "pk") and isinstance(arg.ops[0], ast.Eq):
            return True
    return False


# -- where the rows go: one index of the handler's body ----------------------------------

def _bounded_where_used(call: ast.Call, index: SubtreeIndex) -> bool:
    """The rows of `...all()` are bounded, or not loaded, by what follows: a slice, `.first()`,
    `.get()`, `.exists()`, `.count()`, a filter on the primary key, `.update()`/`.delete()`,
    `get_object_or_404(qs, ...)`, a paginator; directly or through the name it is assigned to."""
    if _bounded_use(call, index):
        return True
    parent = index.parents.get(id(call))
    while isinstance(parent, ast.Await):
        parent = index.parents.get(id(parent))
    if isinstance(parent, (ast.Assign, ast.AnnAssign)):
        targets = parent.targets if isinstance(parent, ast.Assign) else [parent.target]
        if len(targets) == 1 and isinstance(targets[0], ast.Name):
            after = (parent.lineno, parent.col_offset)
            return any((use.lineno, use.col_offset) > after and _bounded_use(use, index)
                       for use in index.reads.get(targets[0].id, ()))
    return False


def _bounded_use(node: ast.AST, index: SubtreeIndex) -> bool:
    parents = index.parents
    while True:
        parent = parents.get(id(node))
        if isinstance(parent, ast.Attribute) and parent.value is node:
            call = parents.get(id(parent))
            if not (isinstance(call, ast.Call) and call.func is parent):
                return False
            if parent.attr in _LIMITERS or parent.attr in _NOT_LOADING \
                    or _pins_primary_key(call):
                return True
            node = call
        elif isinstance(parent, ast.Subscript) and parent.value is node:
            return True  # qs[:20], qs[0]
        elif isinstance(parent, ast.Await):
            node = parent
        elif isinstance(parent, ast.keyword):
            call = parents.get(id(parent))
            return isinstance(call, ast.Call) and terminal_name(call.func) in _BOUNDING_CONSUMERS
        elif isinstance(parent, ast.Call):
            return node is not parent.func and callee_name(parent.func) in _BOUNDING_CONSUMERS
        else:
            return False


def _last_sql(ctx: ModuleContext) -> dict[tuple[int, str], ast.expr]:
    """(id of the function, cursor name) -> the SQL last executed on that cursor."""
    return {}


def _remember_sql(call: ast.Call, ctx: ModuleContext) -> None:
    receiver = call.func.value
    if isinstance(receiver, ast.Name) and call.args:
        ctx.cached(_last_sql)[(id(ctx.scope.node), receiver.id)] = call.args[0]


def _unbounded_sql(receiver: ast.expr, ctx: ModuleContext) -> bool:
    if isinstance(receiver, ast.Call) and isinstance(receiver.func, ast.Attribute) \
            and receiver.func.attr == "execute" and receiver.args:
        sql = receiver.args[0]
    elif isinstance(receiver, ast.Name):
        sql = ctx.cached(_last_sql).get((id(ctx.scope.node), receiver.id))
    else:
        return False
    if sql is None:
        return False
    text = leading_text(sql, ctx)
    return bool(text) and text.lstrip().lower().startswith("select") \
        and not _BOUNDED_SQL.search(text)


def _chain_label(receiver: ast.expr) -> str:
    parts = []
    node = receiver
    while len(parts) < 4:
        if isinstance(node, ast.Call):
            node = node.func
            parts.append("()")
        elif isinstance(node, ast.Attribute):
            parts.append("." + node.attr)
            node = node.value
        else:
            break
    if isinstance(node, ast.Name):
        parts.append(node.id)
    else:
        parts.append("...")
    return "".join(reversed(parts)).replace(".()", "()")
