"""BE005: a route handler that loads every row.

A handler that loads a whole table (`.all()`, `fetchall()` of a SELECT without
LIMIT) is fast on the developer's ten rows and grows with the data until the
endpoint times out.
"""

from __future__ import annotations

import ast

from flake8_backend.analysis.context import ModuleContext
from flake8_backend.domain.routes import enclosing_route_handler
from flake8_backend.domain.sql_text import leading_text
from flake8_backend.patterns import lazy_compile
from flake8_backend.registry import Callees, Needs, Rule, check, register

BE005 = register(Rule(
    code="BE005",
    name="unbounded-query-in-handler",
    message="{call} in route handler `{handler}` loads every matching row; paginate it "
            "(LIMIT/OFFSET, .limit(), a slice, paginate())",
    summary="A route handler loads every row: `.all()` or `fetchall()` without a limit.",
    what="Checks route handlers for `.all()` on a SQLAlchemy query/select or a Django manager "
         "with no `.limit()`/`.paginate()`/slice/`.first()`/primary-key lookup in the chain, "
         "and `fetchall()` after a SELECT with no LIMIT/FETCH FIRST/TOP.",
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
    notes="Exempt: chains with `.limit()`, `.paginate()`, `.offset()`, a slice, `.first()`, "
          "`.one()`, `.get()`, or a filter on `id`/`pk`; SQL with LIMIT, FETCH FIRST, TOP or "
          "`WHERE id =`. Not seen: pagination applied by a serializer or helper in another "
          "function, and small lookup tables (use `# noqa: BE005`).",
))

_LIMITERS = frozenset({"limit", "paginate", "offset", "first", "one", "one_or_none", "get",
                       "scalar", "scalar_one", "scalar_one_or_none", "get_or_404",
                       "first_or_404", "one_or_404", "fetch", "slice", "exists", "count",
                       "iterator", "aggregate"})
_QUERY_MARKERS = frozenset({"query", "objects", "scalars", "select", "execute", "filter",
                            "filter_by", "where", "order_by", "exclude"})
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
    elif func.attr == "all" and not node.args and id(node) not in _sliced(ctx) \
            and _unbounded_chain(func.value):
        ctx.report(BE005, node, end=func, call=f"{_chain_label(func.value)}.all()",
                   handler=handler.name)
    elif func.attr == "fetchall" and _unbounded_sql(func.value, ctx):
        ctx.report(BE005, node, end=func, call="fetchall()", handler=handler.name)


@check(ast.Subscript, rules=(BE005,), needs=Needs(("all",)))
def note_sliced_queries(node: ast.Subscript, ctx: ModuleContext) -> None:
    """`Order.objects.all()[:20]`: the subscript is walked before the call it bounds."""
    if isinstance(node.slice, ast.Slice) and node.slice.upper is not None:
        _sliced(ctx).add(id(node.value))


def _new_set(ctx: ModuleContext) -> set[int]:
    return set()


def _sliced(ctx: ModuleContext) -> set[int]:
    """Ids of calls that a slice bounds (`...all()[:20]`)."""
    return ctx.cached(_new_set)


def _unbounded_chain(receiver: ast.expr) -> bool:
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


def _pins_primary_key(call: ast.Call) -> bool:
    if any(k.arg in ("id", "pk") for k in call.keywords):
        return True
    for arg in call.args:
        if isinstance(arg, ast.Compare) and isinstance(arg.left, ast.Attribute) \
                and arg.left.attr in ("id", "pk") and isinstance(arg.ops[0], ast.Eq):
            return True
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
