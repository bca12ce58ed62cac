"""BE014: a `requests` call that can wait forever.

`requests` has no default timeout. Module verbs, `requests.request()`, and the
methods of `requests.Session()` objects are all checked, including sessions
bound by assignment, `with ... as`, inline construction and `self.x = ...`,
which ruff S113, bandit B113 and pylint W3101 miss. Matching is on names
resolved through imports, so it works without `requests` installed and never
flags an unrelated object's `.get()`.
"""

from __future__ import annotations

import ast

from flake8_backend.analysis.astutil import is_none
from flake8_backend.analysis.context import ModuleContext
from flake8_backend.analysis.scope import ASSIGN
from flake8_backend.domain.http_clients import (
    REQUESTS_SESSION_FACTORIES, REQUESTS_VERBS, note_mount, requests_call)
from flake8_backend.registry import Callees, Option, Rule, check, register
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
    options=(
        Option("forwarded-kwargs", "choice", "skip",
               "`skip`: a call forwarding `**kwargs` may carry a timeout and is not reported "
               "(unless the dict is a local literal without \"timeout\"); `flag`: report it.",
               choices=("skip", "flag")),
        Option("timeout-suggestion", "str", "(3.05, 27)",
               "The timeout the message suggests, e.g. your service's standard `(2, 10)` or "
               "`HTTP_TIMEOUT`, so a mass fix is one search-and-replace."),
        Option("extend-session-factories", "list", (),
               "Dotted names of extra callables that return `requests`-style sessions with no "
               "default timeout, e.g. `myapp.http.make_session`."),
    ),
    related=("ruff S113 / bandit B113 (no Session support)",
             "pylint W3101 missing-timeout (not `timeout=None`, needs requests importable)",
             "flake8-async ASYNC210 (blocking HTTP call in `async def`)"),
    notes="Not reported: sessions made by factories outside `requests` (wrapper sessions often "
          "set a default timeout; list yours in `extend-session-factories` to check them), "
          "sessions with an adapter mounted that is built with `timeout=`, and `httpx` "
          "(it has a 5 s default).",
))

_MAX_HOPS = 4


def _callees(settings: Settings) -> Callees:
    """Request verbs by name; it fires only on things imported from `requests` or a factory."""
    extra = settings["extend-session-factories"]
    return Callees(names=REQUESTS_VERBS,
                   modules=("requests", *(e.lstrip(".").split(".", 1)[0] for e in extra)))


def _mount_callees(settings: Settings) -> Callees:
    return _callees(settings)._replace(names=frozenset({"mount"}))


@check(ast.Call, rules=(BE014,), callees=_callees)
def check_requests_timeout(node: ast.Call, ctx: ModuleContext) -> None:
    label = requests_call(node, ctx, ctx.cached(_factories))
    if label is None:
        return
    problem = _timeout_problem(node, ctx)
    if problem is not None:
        ctx.report(BE014, node, end=node.func, call=label, problem=problem,
                   suggestion=ctx.settings["timeout-suggestion"])


@check(ast.Call, rules=(BE014,), callees=_mount_callees)
def note_session_mounts(node: ast.Call, ctx: ModuleContext) -> None:
    """`s.mount("https://", TimeoutAdapter(timeout=5))` gives the session a default timeout."""
    note_mount(node, ctx)


def _factories(ctx: ModuleContext) -> frozenset[str]:
    return REQUESTS_SESSION_FACTORIES | frozenset(ctx.settings["extend-session-factories"])


def _timeout_problem(call: ast.Call, ctx: ModuleContext) -> str | None:
    """None when the call is bounded (or may be); otherwise what is wrong, for the message."""
    forwarded = []
    for keyword in call.keywords:
        if keyword.arg == "timeout":
            return _bad_timeout_value(keyword.value, ctx)
        if keyword.arg is None:
            forwarded.append(keyword.value)
    if forwarded and ctx.settings["forwarded-kwargs"] == "skip":
        for mapping in forwarded:
            known = _known_keys(mapping, ctx)
            if known is None:
                return None  # the forwarded dict may carry a timeout
            if "timeout" in known:
                return None
    return "has no timeout"


def _bad_timeout_value(value: ast.expr, ctx: ModuleContext) -> str | None:
    if is_none(value):
        return "has timeout=None, which waits forever"
    if isinstance(value, ast.Tuple) and any(is_none(elt) for elt in value.elts):
        return "has a None in its timeout tuple, which waits forever"
    if isinstance(value, ast.Name):
        bindings = ctx.reaching(value.id, value)
        if bindings and all(b.kind == ASSIGN and is_none(b.value) for b in bindings):
            return f"has timeout={value.id}, which is None and waits forever"
    return None


def _known_keys(mapping: ast.expr, ctx: ModuleContext, hops: int = 0) -> set[str] | None:
    """The keys of a dict built visibly in this function, or None when unknown."""
    if isinstance(mapping, ast.Dict):
        keys = set()
        for key in mapping.keys:
            if key is None:  # `**other` inside the literal
                return None
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                keys.add(key.value)
            else:
                return None
        return keys
    if isinstance(mapping, ast.Call) and isinstance(mapping.func, ast.Name) \
            and mapping.func.id == "dict" and not mapping.args:
        if any(k.arg is None for k in mapping.keywords):
            return None
        return {k.arg for k in mapping.keywords if k.arg}
    if isinstance(mapping, ast.Name) and hops < _MAX_HOPS:
        bindings = ctx.reaching(mapping.id, mapping)
        if len(bindings) != 1 or bindings[0].kind != ASSIGN or bindings[0].value is None:
            return None  # reassigned, mutated (`kw["timeout"] = ...`, `kw.update`) or a parameter
        return _known_keys(bindings[0].value, ctx, hops + 1)
    return None
