"""The rule engine: one iterative pass over a module's `ast`, dispatching by node type.

Both front ends call `lint_tree`. The walk is iterative so that deeply nested
code cannot hit the interpreter's recursion limit, records bindings as it goes
(see `analysis.scope`), and calls only the checks whose rules are enabled and
that can fire in this module (see `prefilter`). What a check sees at each node
is written in docs/engine.md. A check that raises costs only its own findings
(see `failures`). The engine never imports or runs the code it checks, and
never imports flake8 or pylint.
"""

from __future__ import annotations

import ast
import contextlib
import gc
import operator
import sys
from typing import Callable, Iterable, Iterator

from flake8_backend.analysis.context import Finding, ModuleContext
from flake8_backend.analysis.enclosing import (
    ELSE, EXCEPT, FINALLY, HANDLER, TRY, WITH_BLOCK, Frame)
from flake8_backend.analysis.scope import (
    ASSIGN, AUG, IMPORT, ITER, MUTATE, MUTATING_METHODS, NO_SPAN, OTHER, WITH, Binding, Scope,
    end_pos, import_bindings, prescan_module_imports, span_of)
from flake8_backend.callees import Accepts, CallDispatcher, CallTable, accepts_for, note_alias
from flake8_backend.config import default_settings
from flake8_backend.failures import raise_errors, run_callbacks, run_each
from flake8_backend.prefilter import Prefilter, Scan
from flake8_backend.registry import CHECKS
from flake8_backend.rules import load_rules
from flake8_backend.settings import Settings

_SKIPPED_FIELDS = frozenset({
    "ctx", "op", "ops", "id", "attr", "arg", "module", "level", "kind", "conversion",
    "is_async", "simple", "asname", "type_comment", "lineno", "tag", "n", "s", "type_ignores",
})
# Childless nodes no fact needs: skipped by the walk unless a check asks for them.
_LEAVES = frozenset({ast.Name, ast.Constant, ast.Pass, ast.Break, ast.Continue, ast.alias})


def _node_classes() -> frozenset[type]:
    found, stack = set(), [ast.AST]
    while stack:
        cls = stack.pop()
        found.add(cls)
        stack.extend(cls.__subclasses__())
    return frozenset(found)


_NODE_CLASSES = _node_classes()
_STMT_CLASSES = frozenset(c for c in _NODE_CLASSES if issubclass(c, ast.stmt))
# The nodes a statements-only walk visits (see `Engine.statements_only`).
_STATEMENT_LEVEL = _STMT_CLASSES | {ast.Module, ast.ExceptHandler, ast.match_case}
_STATEMENT_ROUTES = dict.fromkeys(_STATEMENT_LEVEL, True)
# Nodes with one child and nothing of their own to check (`a.b`, `f(x=1)`, `*a`, `-a`,
# `return a`): unless a check asks for them, the walk steps straight to the child.
_PASS_THROUGH = {cls: operator.attrgetter(field) for cls, field in (
    (ast.Attribute, "value"), (ast.keyword, "value"), (ast.Starred, "value"),
    (ast.Await, "value"), (ast.UnaryOp, "operand"), (ast.Return, "value"),
    (ast.Yield, "value"), (ast.YieldFrom, "value"))}
_ROUTES: dict[frozenset, dict[type, object]] = {}
_SKIPPABLE = _LEAVES.union(_PASS_THROUGH)  # decided up front (see `Engine.__init__`)


def _routes(dispatched: frozenset) -> dict[type, object]:
    """What the walk does with a child of each class: True to visit it, a getter to step
    through it to its own child, absent to skip it. Cached per set of dispatched classes."""
    found = _ROUTES.get(dispatched)
    if found is None:
        found = dict.fromkeys(_NODE_CLASSES.difference(_LEAVES.difference(dispatched)), True)
        for cls, getter in _PASS_THROUGH.items():
            if cls not in dispatched and cls not in _FACTS:
                found[cls] = getter
        _ROUTES[dispatched] = found
    return found


class _Marker:
    """A stack entry that runs a callback when the walk gets back to it."""

    __slots__ = ("callback",)

    def __init__(self, callback: Callable[[], None]) -> None:
        self.callback = callback


def _child_getter(cls: type) -> Callable[[ast.AST], object] | None:
    """Child fields of `cls` in reverse source order, fetched in one C call.

    Popping the stack then visits children in source order. With one field the
    getter returns the value itself, with several a tuple (see `_walk`).
    """
    names = [f for f in reversed(cls._fields) if f not in _SKIPPED_FIELDS]
    return operator.attrgetter(*names) if names else None


_CHILDREN: dict[type, tuple[Callable[[ast.AST], object] | None, bool]] = {}


def _children_of(cls: type) -> tuple[Callable[[ast.AST], object] | None, bool]:
    """(getter, whether it returns several fields), cached per class."""
    found = _CHILDREN.get(cls)
    if found is None:
        getter = _child_getter(cls)
        found = _CHILDREN[cls] = (getter, getter is not None and len(
            [f for f in cls._fields if f not in _SKIPPED_FIELDS]) > 1)
    return found


class _Plan:
    """What the engine does for the enabled checks of one `Settings`, built once per settings."""

    __slots__ = ("settings", "prefilter", "by_type", "gated", "call_words", "call_tables",
                 "expression_words", "block_words")

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.prefilter = Prefilter()
        # node type -> (check, prefilter index or None for always), in registry order
        self.by_type: dict[type, list[tuple[Callable, int | None]]] = {}
        self.gated: dict[bool, list[tuple[Callable, Accepts | None]]] = {True: [], False: []}
        self.call_words: dict[Callable, int] = {}  # call check -> its prefilter index
        expression: list[int | None] = []
        self.block_words: list[int | None] = []  # checks asking about blocks
        for check in CHECKS:
            if not any(rule.code in settings.enabled for rule in check.rules):
                continue
            needs, callees = check.resolved(settings)
            index = self.prefilter.add(needs) if needs is not None else None
            if not _STATEMENT_LEVEL.issuperset(check.node_types):
                expression.append(index)
            if check.blocks:
                self.block_words.append(index)
            for node_type in check.node_types:
                if node_type is ast.Call:
                    self.gated[True].append((check.func, accepts_for(callees, settings)))
                    self.gated[False].append((check.func, None))
                    if index is not None:
                        self.call_words[check.func] = index
                else:
                    self.by_type.setdefault(node_type, []).append((check.func, index))
        # callee name -> Call checks to run (shortcuts on, off)
        self.call_tables = {on: CallTable(gated) for on, gated in self.gated.items()}
        # the words of the checks on expression-level nodes, most likely present first; None
        # when one of them has none (then every module's expressions are walked)
        self.expression_words = None if None in expression else sorted(
            set(expression), key=self.prefilter.likelihood)


_PLAN: list[_Plan] = []  # the last plan: a run lints every file with the same settings


def _plan_for(settings: Settings) -> _Plan:
    if _PLAN and _PLAN[0].settings is settings:
        return _PLAN[0]
    plan = _Plan(settings)
    _PLAN[:] = [plan]
    return plan


class Engine:
    """Runs the enabled checks over one module. Create one per file.

    `shortcuts=False` turns off the text prefilter, the call gate and the statements-only
    walk (`statements_suffice`): every enabled check is called on every node of its
    types. The findings must be the same; tests compare the two (tests/test_shortcuts.py).
    """

    def __init__(self, settings: Settings, source: str, filename: str = "<unknown>",
                 shortcuts: bool = True) -> None:
        load_rules()
        self.ctx = ModuleContext(source, settings, filename)
        plan = _plan_for(settings)
        scan = self.scan = plan.prefilter.scan(source) if shortcuts else None
        self.statements_only = scan is not None and statements_suffice(plan, scan, source)
        # node type -> candidate checks; each type's checks are asked for their words when
        # the walk first meets a node of that type (see `funcs_for`)
        self.dispatch: dict[type, list[tuple[Callable, int | None]]] = {
            node_type: entries for node_type, entries in plan.by_type.items()
            if not self.statements_only or node_type in _STATEMENT_LEVEL}
        if plan.gated[True] and not self.statements_only:
            self.dispatch[ast.Call] = [(CallDispatcher(
                plan.call_tables[shortcuts], self.ctx.aliases,
                plan.call_words if shortcuts else None, scan).dispatch, None)]
        self.funcs: dict[type, list[Callable] | None] = {}
        for node_type in _SKIPPABLE.intersection(self.dispatch):
            self.funcs_for(node_type)  # decided now: the walk skips such nodes if no check is
        if self.statements_only and not any(map(self.funcs_for, list(self.dispatch))):
            self.dispatch = {}  # nothing can fire: no walk
        blocks = any(index is None or scan is None or scan.answer(index)
                     for index in plan.block_words)
        self.ctx.enclosing.tracking_blocks = blocks
        self.facts = _FACTS_WITH_BLOCKS if blocks else _FACTS

    def funcs_for(self, node_type: type) -> list[Callable] | None:
        """The checks to run on nodes of this type: those whose words are in the module."""
        if node_type in self.funcs:
            return self.funcs[node_type]
        scan = self.scan
        funcs = [func for func, index in self.dispatch.get(node_type, ())
                 if index is None or scan is None or scan.answer(index)] or None
        self.funcs[node_type] = funcs
        return funcs

    def run(self, tree: ast.AST) -> list[Finding]:
        if not self.dispatch or not isinstance(tree, ast.Module):
            return []
        ctx = self.ctx
        ctx.module = ctx.scope = Scope("module", tree, None)
        prescan_module_imports(tree, ctx.module)
        for name, bindings in ctx.module.names.items():
            for binding in bindings:
                note_alias(ctx.aliases, name, (binding.qualname or name).rsplit(".", 1)[-1])
        self._walk(tree)
        run_callbacks(ctx.at_end, ctx)
        return sorted(set(ctx.findings))

    def release(self) -> None:
        """Drop what one module's run built, so reference counting frees it at once.

        The context, its `enclosing`, its cached per-module state and the walk's markers
        refer to each other; left alone, those cycles wait for the garbage collector,
        which then spent 14% of a large run collecting them.
        """
        ctx = self.ctx
        ctx.at_end.clear()
        ctx._cache.clear()
        ctx.blocks.clear()
        ctx.enclosing = None  # type: ignore[assignment]
        ctx.module = ctx.scope = None  # type: ignore[assignment]
        self.dispatch = {}

    # -- the walk -------------------------------------------------------------
    def _walk(self, tree: ast.Module) -> None:
        """Pop a node, record its facts, run its checks, push its children (source order).

        This loop is the engine's hot path. Each node class gets one table entry (its
        fact, its checks, a C-level getter of its children); leaf nodes no check or fact
        wants (names, constants) are never pushed, and one-child nodes nobody inspects
        (`a.b.c`, keywords) are stepped through to their child (see `_routes`).
        """
        ctx = self.ctx
        dispatch = self.dispatch
        facts = self.facts
        blocks = ctx.blocks
        statements_only = self.statements_only
        funcs_for = self.funcs_for
        wanted = frozenset(cls for cls in dispatch if cls not in self.funcs or self.funcs[cls])
        route = (_STATEMENT_ROUTES if statements_only else _routes(wanted)).get
        stmt_classes = _STMT_CLASSES
        table: dict[type, tuple] = {}
        marker = _Marker
        stack: list = [tree]
        pop, push, extend = stack.pop, stack.append, stack.extend
        while stack:
            node = pop()
            cls = node.__class__
            entry = table.get(cls)
            if entry is None:
                if cls is marker:
                    node.callback()
                    continue
                if statements_only and cls not in _STATEMENT_LEVEL:
                    entry = table[cls] = (None, None, None, False)  # pushed by a fact: skipped
                else:
                    entry = table[cls] = (facts.get(cls), funcs_for(cls), *_children_of(cls))
            fact, funcs, children, several = entry
            done = fact is not None and fact(self, node, push)
            if funcs is not None:
                try:  # free until a check raises; then each runs alone (see `failures`)
                    for func in funcs:
                        func(node, ctx)
                except Exception:  # noqa: BLE001
                    if raise_errors():
                        raise
                    run_each(funcs, node, ctx)
            if done or children is None:
                continue
            for value in children(node) if several else (children(node),):
                if value.__class__ is list:
                    if not value:
                        continue
                    if value[0].__class__ in stmt_classes:
                        # every statement is visited (a leaf one no check wants is a no-op)
                        span = span_of(value)
                        for item in value:
                            blocks[id(item)] = span
                        extend(reversed(value))
                        continue
                    for item in reversed(value):
                        step = route(item.__class__)
                        while step is not None:
                            if step is True:
                                push(item)
                                break
                            item = step(item)
                            step = route(item.__class__)
                else:
                    step = route(value.__class__)
                    while step is not None:
                        if step is True:
                            push(value)
                            break
                        value = step(value)
                        step = route(value.__class__)

    def push_block(self, push: Callable, stmts: list[ast.stmt]) -> None:
        if not stmts:
            return
        span = span_of(stmts)
        blocks = self.ctx.blocks
        for stmt in reversed(stmts):
            blocks[id(stmt)] = span
            push(stmt)

    def push_all(self, push: Callable, nodes: Iterable[ast.AST | None]) -> None:
        for node in reversed(list(nodes)):
            if node is not None:
                push(node)

    # -- scopes ---------------------------------------------------------------
    def enter(self, kind: str, node: ast.AST) -> Scope:
        ctx = self.ctx
        scope = Scope(kind, node, ctx.scope)
        ctx.scope = scope
        return scope

    def leave(self) -> None:
        ctx = self.ctx
        ctx.scope = ctx.scope.parent

    def bind(self, name: str, kind: str, value: ast.AST | None, stmt: ast.AST,
             qualname: str | None = None) -> None:
        ctx = self.ctx
        span = ctx.blocks.get(id(stmt)) or NO_SPAN
        end = (stmt.end_lineno or stmt.lineno, stmt.end_col_offset or 0)  # statements have ends
        ctx.scope.add(name, Binding(kind, value, end, span, qualname))
        if kind == ASSIGN or kind == IMPORT:
            _note_binding_alias(ctx, name, kind, value, qualname)


def statements_suffice(plan: _Plan, scan: Scan, source: str) -> bool:
    """Whether walking statements alone gives every check what the full walk gives it.

    True when no check on an expression-level node can fire (none of their words is in
    the text: searched for most likely first, stopping at the first found) and the text
    has no `:=`. A check runs at its node before the node's expressions are walked, so
    the facts it can see come from earlier statements; what expressions add to those is
    the scope of each lambda and comprehension (visible only inside it) and walrus
    bindings (visible after it), ruled out by the text. `Engine(..., shortcuts=False)`
    walks everything; tests compare the two.
    """
    if plan.expression_words is None or ":=" in source:
        return False
    return not any(map(scan.answer, plan.expression_words))


def _note_binding_alias(ctx: ModuleContext, name: str, kind: str, value: ast.AST | None,
                        qualname: str | None) -> None:
    """Feed the callee gate (see `callees`) the aliases `ModuleContext.qualname` follows."""
    if kind == IMPORT:
        note_alias(ctx.aliases, name, (qualname or name).rsplit(".", 1)[-1])
    elif value.__class__ is ast.Name:
        note_alias(ctx.aliases, name, value.id)
    elif value.__class__ is ast.Attribute:
        note_alias(ctx.aliases, name, value.attr)


# -- facts: bindings recorded per node type ------------------------------------
def _bind_target(engine: Engine, target: ast.AST, value: ast.AST | None, stmt: ast.AST,
                 kind: str = ASSIGN) -> None:
    ctx = engine.ctx
    cls = target.__class__
    if cls is ast.Name:
        engine.bind(target.id, kind, value, stmt)
    elif cls is ast.Tuple or cls is ast.List:
        stack = list(target.elts)
        while stack:
            elt = stack.pop()
            if isinstance(elt, ast.Starred):
                elt = elt.value
            if isinstance(elt, (ast.Tuple, ast.List)):
                stack.extend(elt.elts)
            elif isinstance(elt, ast.Name):
                engine.bind(elt.id, OTHER, None, stmt)
    elif cls is ast.Attribute:
        func = ctx.function
        if (func is not None and func.cls is not None and isinstance(target.value, ast.Name)
                and target.value.id == func.self_name):
            span = ctx.blocks.get(id(stmt)) or NO_SPAN
            func.cls.attrs.setdefault(target.attr, []).append(
                Binding(kind, value, end_pos(stmt), span))
    elif cls is ast.Subscript and isinstance(target.value, ast.Name):
        engine.bind(target.value.id, MUTATE, None, stmt)


def _fact_assign(engine: Engine, node: ast.Assign, push: Callable) -> bool:
    for target in node.targets:
        _bind_target(engine, target, node.value, node)
    return False


def _fact_annassign(engine: Engine, node: ast.AnnAssign, push: Callable) -> bool:
    if node.value is not None:
        _bind_target(engine, node.target, node.value, node)
    return False


def _fact_augassign(engine: Engine, node: ast.AugAssign, push: Callable) -> bool:
    if isinstance(node.target, ast.Name):
        engine.bind(node.target.id, AUG, node, node)
    return False


def _fact_namedexpr(engine: Engine, node: ast.NamedExpr, push: Callable) -> bool:
    if isinstance(node.target, ast.Name):
        span = (node.lineno, node.col_offset, 1 << 30, 0)
        engine.ctx.scope.add(node.target.id, Binding(ASSIGN, node.value, end_pos(node), span))
        _note_binding_alias(engine.ctx, node.target.id, ASSIGN, node.value, None)
    return False


def _fact_with(engine: Engine, node: ast.With | ast.AsyncWith, push: Callable) -> bool:
    for item in node.items:
        if item.optional_vars is not None:
            if isinstance(item.optional_vars, ast.Name):
                # The binding happens before the body runs: position it at the `with` line.
                span = engine.ctx.blocks.get(id(node)) or NO_SPAN
                engine.ctx.scope.add(item.optional_vars.id, Binding(
                    WITH, item.context_expr, end_pos(item.context_expr), span))
            else:
                _bind_target(engine, item.optional_vars, None, node, OTHER)
    return False


def _fact_for(engine: Engine, node: ast.For | ast.AsyncFor, push: Callable) -> bool:
    """The iterable runs once, outside the loop; the body runs per item, inside it."""
    if isinstance(node.target, ast.Name):
        # Bound before the body runs: positioned at the target, not the end of the loop.
        span = engine.ctx.blocks.get(id(node)) or NO_SPAN
        engine.ctx.scope.add(node.target.id, Binding(ITER, node.iter, end_pos(node.target), span))
    else:
        _bind_target(engine, node.target, None, node, OTHER)
    engine.push_block(push, node.orelse)
    _push_loop(engine, push, node, lambda: engine.push_block(push, node.body))
    push(node.target)
    push(node.iter)
    return True


def _fact_while(engine: Engine, node: ast.While, push: Callable) -> bool:
    engine.push_block(push, node.orelse)
    _push_loop(engine, push, node, lambda: engine.push_block(push, node.body))
    push(node.test)
    return True


def _fact_comprehension(engine: Engine, node: ast.ListComp | ast.SetComp | ast.GeneratorExp
                        | ast.DictComp, push: Callable) -> bool:
    """The first iterable is evaluated once outside; everything else runs per item."""
    first, *rest = node.generators

    def inner() -> None:
        body = [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]
        engine.push_all(push, [first.target, *first.ifs, *rest, *body])

    _push_loop(engine, push, node, inner)
    push(first.iter)
    return True


def _push_loop(engine: Engine, push: Callable, node: ast.AST, push_inside: Callable) -> None:
    """Push markers so checks see `node` in `ctx.scope.loops` while its repeated part is walked."""
    def enter() -> None:
        engine.ctx.scope.loops.append(node)

    def leave() -> None:
        engine.ctx.scope.loops.pop()

    push(_Marker(leave))
    push_inside()
    push(_Marker(enter))


def _fact_import(engine: Engine, node: ast.Import | ast.ImportFrom, push: Callable) -> bool:
    if engine.ctx.scope.kind != "module":  # module-level imports were recorded up front
        for name, qualname in import_bindings(node):
            engine.bind(name, IMPORT, None, node, qualname)
    return False


def _fact_global(engine: Engine, node: ast.Global | ast.Nonlocal, push: Callable) -> bool:
    if isinstance(node, ast.Global):
        engine.ctx.scope.globals.update(node.names)
    return False


def _fact_expr(engine: Engine, node: ast.Expr, push: Callable) -> bool:
    engine.ctx.expression_statement = node
    call = node.value
    if (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
            and isinstance(call.func.value, ast.Name) and call.func.attr in MUTATING_METHODS):
        engine.bind(call.func.value.id, MUTATE, call, node)
    return False


def _fact_delete(engine: Engine, node: ast.Delete, push: Callable) -> bool:
    for target in node.targets:
        _bind_target(engine, target, None, node, OTHER)
    return False


def _fact_except(engine: Engine, node: ast.ExceptHandler, push: Callable) -> bool:
    if node.name:
        span = (node.lineno, node.col_offset, node.end_lineno or node.lineno,
                node.end_col_offset or 0)
        engine.ctx.scope.add(node.name, Binding(OTHER, None, (node.lineno, node.col_offset), span))
    return False


def _fact_function(engine: Engine, node: ast.FunctionDef | ast.AsyncFunctionDef,
                   push: Callable) -> bool:
    """Decorators, defaults and annotations belong to the enclosing scope; the body to a new one."""
    outer = engine.ctx.scope
    engine.bind(node.name, OTHER, None, node)

    def enter() -> None:
        scope = engine.enter("function", node)
        if outer.kind == "class":
            args = node.args
            first = args.posonlyargs[:1] or args.args[:1]
            if first:
                scope.cls, scope.self_name = outer, first[0].arg

    push(_Marker(engine.leave))
    engine.push_block(push, node.body)
    push(_Marker(enter))
    engine.push_all(push, [*node.decorator_list, *_defaults(node.args), node.returns])
    return True


def _fact_lambda(engine: Engine, node: ast.Lambda, push: Callable) -> bool:
    push(_Marker(engine.leave))
    push(node.body)
    push(_Marker(lambda: engine.enter("function", node)))
    engine.push_all(push, _defaults(node.args))
    return True


def _fact_class(engine: Engine, node: ast.ClassDef, push: Callable) -> bool:
    engine.bind(node.name, OTHER, None, node)
    push(_Marker(engine.leave))
    engine.push_block(push, node.body)
    push(_Marker(lambda: engine.enter("class", node)))
    engine.push_all(push, [*node.decorator_list, *node.bases, *node.keywords])
    return True


def _defaults(args: ast.arguments) -> list[ast.AST]:
    return [*args.defaults, *(d for d in args.kw_defaults if d is not None)]


_FACTS: dict[type, Callable[[Engine, ast.AST, Callable], bool]] = {
    ast.Assign: _fact_assign,
    ast.AnnAssign: _fact_annassign,
    ast.AugAssign: _fact_augassign,
    ast.NamedExpr: _fact_namedexpr,
    ast.With: _fact_with,
    ast.AsyncWith: _fact_with,
    ast.For: _fact_for,
    ast.AsyncFor: _fact_for,
    ast.While: _fact_while,
    ast.ListComp: _fact_comprehension,
    ast.SetComp: _fact_comprehension,
    ast.GeneratorExp: _fact_comprehension,
    ast.DictComp: _fact_comprehension,
    ast.Import: _fact_import,
    ast.ImportFrom: _fact_import,
    ast.Global: _fact_global,
    ast.Nonlocal: _fact_global,
    ast.Expr: _fact_expr,
    ast.Delete: _fact_delete,
    ast.ExceptHandler: _fact_except,
    ast.FunctionDef: _fact_function,
    ast.AsyncFunctionDef: _fact_function,
    ast.Lambda: _fact_lambda,
    ast.ClassDef: _fact_class,
}


# -- blocks, tracked while an enabled check asks (see analysis.enclosing) ------
def _frame_markers(engine: Engine, push: Callable, frame: Frame,
                   push_inside: Callable[[], None]) -> None:
    """Push markers so `frame` is in the current scope's frames while its inside is walked."""
    frames = engine.ctx.scope.frames
    push(_Marker(frames.pop))
    push_inside()
    push(_Marker(lambda: frames.append(frame)))


def _set_part(frame: Frame, part: str) -> _Marker:
    def mark() -> None:
        frame.part = part
    return _Marker(mark)


def _fact_try_tracked(engine: Engine, node: ast.Try, push: Callable) -> bool:
    frame = Frame(TRY, node)

    def inside() -> None:
        if node.finalbody:
            engine.push_block(push, node.finalbody)
            push(_set_part(frame, FINALLY))
        if node.orelse:
            engine.push_block(push, node.orelse)
            push(_set_part(frame, ELSE))
        if node.handlers:
            engine.push_all(push, node.handlers)
            push(_set_part(frame, HANDLER))
        engine.push_block(push, node.body)

    _frame_markers(engine, push, frame, inside)
    return True


def _fact_except_tracked(engine: Engine, node: ast.ExceptHandler, push: Callable) -> bool:
    _fact_except(engine, node, push)
    _frame_markers(engine, push, Frame(EXCEPT, node),
                   lambda: engine.push_block(push, node.body))
    if node.type is not None:
        push(node.type)  # matched before the handler's body runs
    return True


def _fact_with_tracked(engine: Engine, node: ast.With | ast.AsyncWith, push: Callable) -> bool:
    _fact_with(engine, node, push)
    _frame_markers(engine, push, Frame(WITH_BLOCK, node),
                   lambda: engine.push_block(push, node.body))
    engine.push_all(push, node.items)  # entered before the body runs
    return True


_FACTS_WITH_BLOCKS = {
    **_FACTS, ast.Try: _fact_try_tracked, ast.ExceptHandler: _fact_except_tracked,
    ast.With: _fact_with_tracked, ast.AsyncWith: _fact_with_tracked,
}
if sys.version_info >= (3, 11):
    _FACTS_WITH_BLOCKS[ast.TryStar] = _fact_try_tracked


# -- entry points -----------------------------------------------------------
def lint_tree(tree: ast.AST, source: str, settings: Settings | None = None,
              filename: str = "<unknown>", shortcuts: bool = True) -> list[Finding]:
    """Findings for an already parsed module: a complete tree, as `ast.parse` makes it.

    A check that raised is reported on stderr, one line per check; the other checks'
    findings for the file are kept (see `failures`). The garbage collector is paused
    meanwhile, for every front end (see `collector_paused`)."""
    engine = Engine(settings or default_settings(), source, filename, shortcuts)
    with collector_paused():
        try:
            findings = engine.run(tree)
            errors = engine.ctx.errors
        finally:
            engine.release()
    for check, line, error in errors:
        sys.stderr.write(f"flake8-backend: internal error in {check} at {filename}:{line}: "
                         f"{error}; that check's findings for this file are skipped, the "
                         "others are kept; please report it\n")
    return findings


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """The garbage collector off while a module is linted (and, in `check`, parsed).

    The engine's tables are freed by reference counting (`Engine.release`); collections
    triggered by its allocations would otherwise walk the tree, the tables and the host
    tool's own objects (pylint's astroid trees) again and again while they grow: on a
    190k-line module a full collection during the walk doubled the engine's time.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def lint_tree_safely(tree: ast.AST, source: str, settings: Settings,
                     filename: str = "<unknown>") -> list[Finding]:
    """`lint_tree` for front ends: an internal error costs this file's findings, not the run.

    A plugin exception aborts a whole flake8 run in CI, so the failure is reported as one
    line on stderr instead. Set FLAKE8_BACKEND_RAISE=1 to get the traceback (tests do).
    """
    try:
        return lint_tree(tree, source, settings, filename)
    except Exception as exc:  # noqa: BLE001 - see docstring
        if raise_errors():
            raise
        sys.stderr.write(f"flake8-backend: internal error on {filename}: "
                         f"{type(exc).__name__}: {exc}; findings skipped for this file, "
                         "please report it\n")
        return []


def parse_source(source: str | bytes, filename: str = "<unknown>") -> tuple[ast.Module, str] | None:
    """Parse like the interpreter would; None when the file is not valid Python here."""
    try:
        tree = ast.parse(source, filename=filename)
    except (SyntaxError, ValueError, MemoryError, RecursionError, OverflowError):
        return None
    if isinstance(source, bytes):
        text = _decode(source)
        if text is None:
            return None
        source = text
    return tree, source


def _decode(data: bytes) -> str | None:
    import io
    import tokenize

    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return data.decode(encoding)
    except (SyntaxError, LookupError, UnicodeDecodeError):
        return None


def lint_source(source: str | bytes, filename: str = "<unknown>",
                settings: Settings | None = None, shortcuts: bool = True) -> list[Finding]:
    """Parse and lint one module's text; unparsable input yields no findings."""
    parsed = parse_source(source, filename)
    if parsed is None:
        return []
    tree, text = parsed
    return lint_tree(tree, text, settings, filename, shortcuts)


__all__ = ["Engine", "Finding", "collector_paused", "lint_tree", "lint_tree_safely",
           "lint_source", "parse_source"]
