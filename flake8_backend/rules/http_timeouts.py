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

from flake8_backend.analysis.origins import bindings_of, made_by
from flake8_backend.analysis.scope import ASSIGN, MUTATE
from flake8_backend.registry import Option, Rule, check, register

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
             "BE012 network-call-without-timeout (other clients)"),
    notes="Not reported: sessions made by factories outside `requests` (wrapper sessions often "
          "set a default timeout; list yours in `extend-session-factories` to check them), "
          "sessions with an adapter mounted that is built with `timeout=`, and `httpx` "
          "(it has a 5 s default; `timeout=None` there is BE012).",
))

VERBS = frozenset({"get", "options", "head", "post", "put", "patch", "delete", "request"})
MODULE_FUNCTIONS = frozenset(
    [f"requests.{verb}" for verb in VERBS] + [f"requests.api.{verb}" for verb in VERBS])
SESSION_FACTORIES = frozenset({"requests.Session", "requests.session",
                               "requests.sessions.Session", "requests.sessions.session"})
_MAX_HOPS = 4


def _needs(settings) -> tuple[str, ...]:
    extra = tuple(name.rsplit(".", 1)[-1] for name in settings["extend-session-factories"])
    return ("requests", *extra)


@check(ast.Call, rules=(BE014,), needs=_needs, callees=VERBS)
def check_requests_timeout(node: ast.Call, ctx) -> None:
    func = node.func
    if isinstance(func, ast.Attribute):
        if func.attr not in VERBS:
            return
        qualname = ctx.qualname(func)
        if qualname in MODULE_FUNCTIONS:
            label = f"requests.{func.attr}()"
        elif _is_session(func.value, ctx):
            label = f"{_receiver_label(func.value)}.{func.attr}()"
        else:
            return
    elif isinstance(func, ast.Name):
        qualname = ctx.qualname(func)
        if qualname not in MODULE_FUNCTIONS:
            return
        label = f"requests.{qualname.rsplit('.', 1)[-1]}()"
    else:
        return
    problem = _timeout_problem(node, ctx)
    if problem is not None:
        ctx.report(BE014, node, end=func, call=label, problem=problem,
                   suggestion=ctx.settings["timeout-suggestion"])


def _factories(ctx) -> frozenset[str] | set[str]:
    extra = ctx.settings["extend-session-factories"]
    return SESSION_FACTORIES | set(extra) if extra else SESSION_FACTORIES


def _is_session(expr: ast.expr, ctx) -> bool:
    """Whether `expr` holds a session made by a known factory in this function, class or module."""
    if isinstance(expr, ast.Call):
        return ctx.qualname(expr.func) in _factories(ctx)
    if any(b.kind == MUTATE and _mounts_timeout_adapter(b.value)
           for b in bindings_of(expr, ctx)):
        return False
    return made_by(expr, ctx, _factories(ctx))


def _mounts_timeout_adapter(call: ast.AST | None) -> bool:
    """`s.mount("https://", TimeoutAdapter(timeout=5))` gives the session a default."""
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
            and call.func.attr == "mount"):
        return False
    return any(isinstance(arg, ast.Call) and any(k.arg == "timeout" for k in arg.keywords)
               for arg in call.args)


def _timeout_problem(call: ast.Call, ctx) -> str | None:
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


def _bad_timeout_value(value: ast.expr, ctx) -> str | None:
    if _is_none(value):
        return "has timeout=None, which waits forever"
    if isinstance(value, ast.Tuple) and any(_is_none(elt) for elt in value.elts):
        return "has a None in its timeout tuple, which waits forever"
    if isinstance(value, ast.Name):
        bindings = ctx.reaching(value.id, value)
        if bindings and all(b.kind == ASSIGN and _is_none(b.value) for b in bindings):
            return f"has timeout={value.id}, which is None and waits forever"
    return None


def _is_none(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _known_keys(mapping: ast.expr, ctx, hops: int = 0) -> set[str] | None:
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


def _receiver_label(expr: ast.expr) -> str:
    if isinstance(expr, ast.Name):
        return expr.id
    if isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name):
        return f"{expr.value.id}.{expr.attr}"
    if isinstance(expr, ast.Call):
        return "requests.Session()"
    return "session"
