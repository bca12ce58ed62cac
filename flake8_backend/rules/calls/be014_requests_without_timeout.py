"""BE014: a `requests` call that can wait forever.

`requests` has no default timeout. Module verbs, `requests.request()`, and the
methods of `requests.Session()` objects are all checked, including sessions
bound by assignment, `with ... as`, inline construction and `self.x = ...`,
which ruff S113, bandit B113 and pylint W3101 miss. Matching is on names
resolved through imports, so it works without `requests` installed and never
flags an unrelated object's `.get()`.

Test code (files matching `requests-timeout-exclude`, modules importing pytest)
is out of scope by default. A default timeout installed for the whole process
(a patched `HTTPAdapter.send`) is seen in the file that installs it; elsewhere
the project says so with `requests-default-timeout`. Decisions that depend on
code later in the module (that patch, a `global` rebinding, a kwargs builder
defined below its use) are taken when the module has been seen (`ctx.at_end`).
"""

from __future__ import annotations

import ast
from typing import NamedTuple

from flake8_backend.analysis.astutil import is_none
from flake8_backend.analysis.context import ModuleContext
from flake8_backend.analysis.paths import path_matches
from flake8_backend.analysis.scope import ASSIGN, IMPORT, Scope
from flake8_backend.domain.http_clients import (
    REQUESTS_SESSION_FACTORIES, REQUESTS_VERBS, mentions_timeout, note_mount,
    patches_requests_send, requests_call)
from flake8_backend.registry import Callees, Needs, Option, Rule, check, register
from flake8_backend.settings import Settings

BE014 = register(Rule(
    code="BE014",
    name="requests-without-timeout",
    message="{call} {problem}; pass timeout={suggestion} (connect, read seconds)",
    summary="`requests` call with no timeout, `timeout=None`, or a `None` in the timeout tuple.",
    what="Checks for `requests` calls that can block forever: the module verbs "
         "(`get`, `post`, ...) and `requests.request()`, and the same methods on "
         "`requests.Session()` objects, with no `timeout`, `timeout=None`, or a timeout tuple "
         "containing `None`.",
    why="`requests` waits forever by default. One slow upstream then holds a worker or thread "
        "until the pool is exhausted and the whole service stops answering. The review "
        "guideline: all external calls must time out; no infinite waiting.",
    bad="import requests\n\nresp = requests.get(url)\n",
    good="import requests\n\nresp = requests.get(url, timeout=(3.05, 27))\n",
    default_enabled=False,
    options=(
        Option("forwarded-kwargs", "choice", "skip",
               "`skip`: a call forwarding `**kwargs` may carry a timeout and is not reported "
               "(unless the dict is visibly built without \"timeout\": a local literal, or "
               "the result of a local function returning one); `flag`: report it.",
               choices=("skip", "flag")),
        Option("timeout-suggestion", "str", "(3.05, 27)",
               "The timeout the message suggests, e.g. your service's standard `(2, 10)` or "
               "`HTTP_TIMEOUT`, so a mass fix is one search-and-replace."),
        Option("extend-session-factories", "list", (),
               "Dotted names of extra callables that return `requests`-style sessions with no "
               "default timeout, e.g. `myapp.http.make_session`."),
        Option("requests-default-timeout", "bool", False,
               "Set it when your project installs a default timeout for every request in "
               "another file (a patched `HTTPAdapter.send` or `Session.request`, run at "
               "startup): calls with no timeout are then not reported; `timeout=None` still is. "
               "A patch in the same file is seen without it."),
        Option("requests-timeout-exclude", "list",
               ("tests/**", "test_*.py", "*_test.py", "conftest.py"),
               "Glob patterns of test files, where requests go to a local test server under the "
               "test runner's own timeout, matched against the end of the path (`*` within one "
               "segment, `**` across segments). While the list is not empty, modules that "
               "import `pytest` (fixtures, pytest plugins) count as tests too; set it to `[]` "
               "to check test code."),
    ),
    related=("ruff S113 / bandit B113 (no Session support)",
             "pylint W3101 missing-timeout (not `timeout=None`, needs requests importable)",
             "flake8-async ASYNC210 (blocking HTTP call in `async def`)"),
    notes="Opt-in: its reviewed strict precision is 60% (15 TP of 25 on the application "
          "corpus, benchmarks/precision/BE014.md), below the 90% a default-on rule needs. 9 "
          "of the 10 others come from one class, a project that installs a default timeout "
          "for every request by patching `HTTPAdapter.send` in another file, which a "
          "per-file linter cannot see. In the projects without such a patch, 15 of 16 "
          "sampled findings were true: turn it on with `enable = [\"BE014\"]` when your "
          "project has no such patch (one that has it says so with "
          "`requests-default-timeout = true`). "
          "Test code is out of scope by default: files matching `requests-timeout-exclude` "
          "(`tests/**`, `test_*.py`, `*_test.py`, `conftest.py`) and modules importing `pytest`. "
          "Not reported: sessions made by factories outside `requests` (wrapper sessions often "
          "set a default timeout; list yours in `extend-session-factories` to check them), "
          "sessions with an adapter mounted that is built with `timeout=`, `httpx` (it has a "
          "5 s default), calls forwarding a `**dict` that may hold a timeout (a parameter, a "
          "dict changed after it was built), and files that patch `HTTPAdapter.send` or "
          "`Session.request`/`send` with a function dealing with a timeout. A patch installed "
          "in another file is invisible to a per-file linter: say so with "
          "`requests-default-timeout = true`. Reported: a forwarded dict that is a literal, "
          "`dict(...)`, or the result of a function of the same module whose every `return` is "
          "such a dict, without \"timeout\"; `timeout=NAME` where every binding of NAME is "
          "`None`, unless a function rebinds the module's NAME through `global`.",
))

_MAX_HOPS = 4
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def _callees(settings: Settings) -> Callees:
    """Request verbs by name; it fires only on things imported from `requests` or a factory."""
    return Callees(names=REQUESTS_VERBS, modules=_modules(settings))


def _modules(settings: Settings) -> tuple[str, ...]:
    extra = settings["extend-session-factories"]
    return ("requests", *(e.lstrip(".").split(".", 1)[0] for e in extra))


def _needs(settings: Settings) -> Needs:
    """The facts the timeout check reads later matter only where a request can be sent, and a
    request needs an import of `requests` (or of a listed factory's module)."""
    return Needs(_modules(settings))


def _mount_callees(settings: Settings) -> Callees:
    return _callees(settings)._replace(names=frozenset({"mount"}))


class _Builder(NamedTuple):
    """`build_kwargs` in `requests.get(url, **build_kwargs())`: a function of this module
    (looked up in `scope` when the module has been seen) whose returned dict is forwarded."""

    scope: Scope
    name: str


class _Pending(NamedTuple):
    """A finding decided when the whole module has been seen."""

    node: ast.Call
    label: str
    problem: str
    builders: tuple[_Builder, ...] = ()  # forwarded dicts returned by these functions
    none_global: str | None = None  # `timeout=NAME`, NAME a module-level `None`


class _State:
    """Per-module facts for the decisions made at the end of the module."""

    def __init__(self) -> None:
        self.pending: list[_Pending] = []
        self.defs: dict[tuple[int, str], list[ast.FunctionDef | ast.AsyncFunctionDef]] = {}
        self.global_rebinds: list[tuple[Scope, str]] = []  # `global NAME` in a function
        # `HTTPAdapter.send = <value>`, with the function a plain name stands for
        self.patches: list[tuple[ast.expr, _Builder | None]] = []


def _state(ctx: ModuleContext) -> _State:
    state = _State()
    ctx.at_end.append(lambda: _decide(state, ctx))
    return state


@check(ast.Call, rules=(BE014,), callees=_callees)
def check_requests_timeout(node: ast.Call, ctx: ModuleContext) -> None:
    label = requests_call(node, ctx, ctx.cached(_factories))
    if label is None or ctx.cached(_is_test_code):
        return
    for keyword in node.keywords:
        if keyword.arg == "timeout":
            _check_timeout_value(node, label, keyword.value, ctx)
            return
    if ctx.settings["requests-default-timeout"]:
        return  # the project installs a default timeout for every request
    builders: list[_Builder] = []
    for keyword in node.keywords:
        if keyword.arg is None and ctx.settings["forwarded-kwargs"] == "skip":
            known = _known_keys(keyword.value, ctx)
            if known is None or "timeout" in known[0]:
                return  # the forwarded dict may carry a timeout
            builders.extend(known[1])
    # decided at the end: a patch later in the module may install a default timeout, and a
    # builder function may be defined below the call
    ctx.cached(_state).pending.append(
        _Pending(node, label, "has no timeout", tuple(builders)))


@check(ast.Call, rules=(BE014,), callees=_mount_callees)
def note_session_mounts(node: ast.Call, ctx: ModuleContext) -> None:
    """`s.mount("https://", TimeoutAdapter(timeout=5))` gives the session a default timeout."""
    note_mount(node, ctx)


@check(ast.FunctionDef, ast.AsyncFunctionDef, rules=(BE014,), needs=_needs)
def note_function(node: ast.FunctionDef | ast.AsyncFunctionDef, ctx: ModuleContext) -> None:
    """Remember each function by (defining scope, name): a builder of forwarded kwargs or a
    patched `send` may be looked up at the end."""
    ctx.cached(_state).defs.setdefault((id(ctx.scope.node), node.name), []).append(node)


@check(ast.Global, rules=(BE014,), needs=_needs)
def note_global(node: ast.Global, ctx: ModuleContext) -> None:
    """`global TIMEOUT` in a function: what it assigns there rebinds the module's name."""
    state = ctx.cached(_state)
    state.global_rebinds.extend((ctx.scope, name) for name in node.names)


@check(ast.Assign, rules=(BE014,), needs=_needs)
def note_send_patch(node: ast.Assign, ctx: ModuleContext) -> None:
    """`HTTPAdapter.send = send_with_timeout`: a default timeout for the whole process."""
    if any(patches_requests_send(target, ctx) for target in node.targets):
        value = node.value
        func = (_Builder(_resolving_scope(value.id, ctx), value.id)
                if isinstance(value, ast.Name) else None)
        ctx.cached(_state).patches.append((value, func))


def _factories(ctx: ModuleContext) -> frozenset[str]:
    return REQUESTS_SESSION_FACTORIES | frozenset(ctx.settings["extend-session-factories"])


def _is_test_code(ctx: ModuleContext) -> bool:
    """Test code: a file matching `requests-timeout-exclude`, or (while that list is not
    empty) a module that imports pytest at module level (fixtures, pytest plugins, helpers)."""
    patterns = ctx.settings["requests-timeout-exclude"]
    if not patterns:
        return False
    if path_matches(ctx.path, patterns):
        return True
    for bindings in ctx.module.names.values():
        for binding in bindings:
            if binding.kind == IMPORT and binding.qualname \
                    and binding.qualname.split(".", 1)[0] in _TEST_FRAMEWORKS:
                return True
    return False


_TEST_FRAMEWORKS = frozenset({"pytest", "_pytest"})


def _check_timeout_value(call: ast.Call, label: str, value: ast.expr,
                         ctx: ModuleContext) -> None:
    if is_none(value):
        problem = "has timeout=None, which waits forever"
    elif isinstance(value, ast.Tuple) and any(is_none(elt) for elt in value.elts):
        problem = "has a None in its timeout tuple, which waits forever"
    elif isinstance(value, ast.Name):
        bindings = ctx.reaching(value.id, value)
        if not bindings or not all(b.kind == ASSIGN and is_none(b.value) for b in bindings):
            return
        problem = f"has timeout={value.id}, which is None and waits forever"
        if _resolving_scope(value.id, ctx) is ctx.module:
            # a function may rebind it through `global`, anywhere in the module
            ctx.cached(_state).pending.append(_Pending(call, label, problem,
                                                       none_global=value.id))
            return
    else:
        return
    _report(call, label, problem, ctx)


def _report(call: ast.Call, label: str, problem: str, ctx: ModuleContext) -> None:
    ctx.report(BE014, call, end=call.func, call=label, problem=problem,
               suggestion=ctx.settings["timeout-suggestion"])


def _resolving_scope(name: str, ctx: ModuleContext) -> Scope:
    """The scope whose bindings of `name` a use in the current scope sees (the module when
    no enclosing function binds it), following `ModuleContext.reaching`."""
    scope: Scope | None = ctx.scope
    first = True
    while scope is not None:
        if scope.kind == "class" and not first:
            scope = scope.parent
            continue
        if name in scope.globals:
            return ctx.module
        if scope.unbound_parameters:
            scope.bind_parameters()
        if name in scope.names:
            return scope
        scope, first = scope.parent, False
    return ctx.module


def _known_keys(mapping: ast.expr, ctx: ModuleContext
                ) -> tuple[set[str], list[_Builder]] | None:
    """The keys of a dict built visibly (a literal, `dict(k=...)`, or the call of a local
    function whose returns are looked at the end), or None when unknown."""
    for _ in range(_MAX_HOPS + 1):
        if isinstance(mapping, ast.Dict):
            keys = _literal_keys(mapping)
            return None if keys is None else (keys, [])
        if isinstance(mapping, ast.Call) and isinstance(mapping.func, ast.Name):
            if mapping.func.id == "dict":
                if mapping.args or any(k.arg is None for k in mapping.keywords):
                    return None
                return {k.arg for k in mapping.keywords if k.arg}, []
            return set(), [_Builder(_resolving_scope(mapping.func.id, ctx), mapping.func.id)]
        if not isinstance(mapping, ast.Name):
            return None
        bindings = ctx.reaching(mapping.id, mapping)
        if len(bindings) != 1 or bindings[0].kind != ASSIGN or bindings[0].value is None:
            return None  # reassigned, mutated (`kw["timeout"] = ...`, `kw.update`) or a parameter
        mapping = bindings[0].value
    return None


def _literal_keys(mapping: ast.Dict) -> set[str] | None:
    keys = set()
    for key in mapping.keys:
        if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
            return None  # `**other` inside the literal, or a computed key
        keys.add(key.value)
    return keys


# -- decisions at the end of the module -----------------------------------------
def _decide(state: _State, ctx: ModuleContext) -> None:
    patched = any(_sets_timeout(value, func, state) for value, func in state.patches)
    for pending in state.pending:
        if pending.none_global is not None:
            if _rebound_through_global(pending.none_global, state):
                continue
        elif patched or not all(_returns_dict_without_timeout(b, state)
                                for b in pending.builders):
            continue
        _report(pending.node, pending.label, pending.problem, ctx)


def _rebound_through_global(name: str, state: _State) -> bool:
    """A function declaring `global NAME` binds it to something else than `None`."""
    for scope, declared in state.global_rebinds:
        if declared == name and any(not (b.kind == ASSIGN and is_none(b.value))
                                    for b in scope.names.get(name, ())):
            return True
    return False


def _definition(builder: _Builder, state: _State
                ) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    """The one `def` the name stands for in its scope, when nothing else binds the name."""
    defs = state.defs.get((id(builder.scope.node), builder.name), ())
    bindings = builder.scope.names.get(builder.name, ())
    if len(defs) != 1 or len(bindings) != 1:
        return None
    return defs[0]


def _returns_dict_without_timeout(builder: _Builder, state: _State) -> bool:
    """Every `return` of the builder hands back a dict literal (or `dict(...)`) whose keys are
    known and do not include "timeout". Looks at the function's own statements only."""
    func = _definition(builder, state)
    if not isinstance(func, ast.FunctionDef):
        return False  # unknown, or an `async def` (its call returns a coroutine)
    returned = 0
    stack: list[ast.AST] = list(func.body)
    while stack:
        node = stack.pop()
        if isinstance(node, _SCOPES):
            continue
        if isinstance(node, (ast.Yield, ast.YieldFrom)):
            return False
        if isinstance(node, ast.Return):
            value = node.value
            if isinstance(value, ast.Dict):
                keys = _literal_keys(value)
            elif (isinstance(value, ast.Call) and isinstance(value.func, ast.Name)
                  and value.func.id == "dict" and not value.args
                  and all(k.arg is not None for k in value.keywords)):
                keys = {k.arg for k in value.keywords if k.arg}
            else:
                return False
            if keys is None or "timeout" in keys:
                return False
            returned += 1
        stack.extend(ast.iter_child_nodes(node))
    return returned > 0


def _sets_timeout(value: ast.expr, func: _Builder | None, state: _State) -> bool:
    """The value patched in deals with a timeout: a `def` of this module (looked up by name)
    or an expression (`functools.partial(send, timeout=30)`, a lambda) that mentions one."""
    definition = _definition(func, state) if func is not None else None
    return mentions_timeout(definition if definition is not None else value)
