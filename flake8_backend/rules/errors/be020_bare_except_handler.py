"""BE020: bare `except:` that does not end every path in a bare `raise`.

PEP 8 allows `except:` for cleanup that re-raises, and flagging that idiom
(pycodestyle E722, bugbear B001) pushes people to `except Exception:`, where
Ctrl-C then skips the cleanup. A handler that can return, break or continue
on any branch does swallow KeyboardInterrupt and SystemExit, so it is flagged
even when another branch re-raises (the hole in ruff's E722, ruff#17827).
Statements after a bare `raise` are unreachable and are not looked at. A line
that already waives E722/B001/pylint's bare-except keeps that waiver here.
"""

from __future__ import annotations

import ast
import re

from flake8_backend.analysis.astutil import callee_name
from flake8_backend.analysis.context import ModuleContext
from flake8_backend.patterns import lazy_compile
from flake8_backend.registry import Needs, Option, Rule, check, register

BE020 = register(Rule(
    code="BE020",
    name="bare-except-handler",
    message="bare `except:` also catches KeyboardInterrupt and SystemExit; catch specific "
            "types, or use `except BaseException: ...; raise` for cleanup",
    summary="Bare `except:` that can swallow KeyboardInterrupt and SystemExit.",
    what="Checks for bare `except:` handlers, unless every path through the handler ends in "
         "a bare `raise` (cleanup and re-raise, the idiom PEP 8 allows).",
    why="A bare `except:` catches everything, including `KeyboardInterrupt`, `SystemExit` and "
        "`GeneratorExit`: a worker that should stop keeps running, and real failures are "
        "hidden instead of handled. The review guideline asks to handle all error cases "
        "explicitly, with no generic catches. A handler that returns on one branch and "
        "re-raises on another still swallows on the first branch, so it is flagged.",
    bad="""\
def capture(gateway, order_id):
    try:
        return gateway.capture(order_id)
    except:
        return None
""",
    good="""\
import requests


def capture(gateway, order_id):
    try:
        return gateway.capture(order_id)
    except (requests.Timeout, requests.ConnectionError) as exc:
        raise PaymentUnavailable(order_id) from exc
""",
    options=(
        Option("bare-except-strict", "bool", False,
               "Flag every bare `except:`, including cleanup handlers that end in `raise` "
               "(lines waiving E722, B001 or pylint's bare-except stay silent)."),
    ),
    related=("pycodestyle E722 (flags every bare except; disable it to avoid duplicates)",
             "ruff E722 (silent when the handler re-raises on any branch)",
             "flake8-bugbear B001", "pylint W0702 bare-except"),
    notes="Silent: `except: cleanup(); raise`, `if/else` handlers whose every branch ends "
          "in a bare `raise`, and handlers ending in a re-raising context manager "
          "(`with util.safe_reraise():`, `with excutils.save_and_reraise_exception():`, any "
          "callee whose name contains `reraise`). Statements after a bare `raise` never run "
          "and do not count (`except: log(); raise; conn.close()` re-raises). Also silent: a "
          "bare `except:` whose line already waives the same check of another linter "
          "(`# noqa: E722`, `# noqa: B001`, `# pylint: disable=bare-except` or `W0702`): the "
          "author has said there that it is meant. Flagged: `raise OtherError()` (it converts "
          "KeyboardInterrupt), any reachable `return`/`break`/`continue` that leaves the "
          "handler, and optional-import fallbacks (`try: import ujson except: import json`; "
          "`except ImportError:` is the fix) that carry no waiver.",
))

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
_LOOPS = (ast.For, ast.AsyncFor, ast.While)


# How a statement (or a block) leaves: every path ends in a bare `raise`; every path leaves
# but some other way (`raise Other()`, `return`, `break`, `continue`); or it may fall through.
_BARE, _ENDS, _FALLS = "bare", "ends", "falls"


@check(ast.ExceptHandler, rules=(BE020,), needs=Needs(("except",)))
def check_bare_except(node: ast.ExceptHandler, ctx: ModuleContext) -> None:
    if node.type is not None:
        return
    if not ctx.settings["bare-except-strict"] and _always_reraises(node.body):
        return
    if _waived(node, ctx):
        return
    ctx.report(BE020, node, end=(node.lineno, node.col_offset + len("except")))


def _always_reraises(body: list[ast.stmt]) -> bool:
    outcomes = _branch_outcomes(body)
    return _block_outcome(body, outcomes) == _BARE and not _escapes(body, outcomes)


def _branch_outcomes(body: list[ast.stmt]) -> dict[int, str]:
    """The outcome of each `if` and `with` reachable from the handler through other `if`s and
    `with`s, by id; inner ones are decided first (a loop, no recursion)."""
    order: list[ast.stmt] = []
    pending = [body]
    while pending:
        for stmt in pending.pop():
            if isinstance(stmt, ast.If):
                order.append(stmt)
                pending.extend((stmt.body, stmt.orelse))
            elif isinstance(stmt, (ast.With, ast.AsyncWith)):
                order.append(stmt)
                pending.append(stmt.body)
    outcomes: dict[int, str] = {}
    for stmt in reversed(order):  # descendants come after their ancestors in `order`
        if isinstance(stmt, ast.If):
            first = _block_outcome(stmt.body, outcomes)
            second = _block_outcome(stmt.orelse, outcomes)
            if first == second == _BARE:
                outcomes[id(stmt)] = _BARE
            elif _FALLS in (first, second):
                outcomes[id(stmt)] = _FALLS
            else:
                outcomes[id(stmt)] = _ENDS
        elif any(_is_reraise_manager(item.context_expr) for item in stmt.items):
            outcomes[id(stmt)] = _BARE
        else:
            outcomes[id(stmt)] = _block_outcome(stmt.body, outcomes)
    return outcomes


def _block_outcome(block: list[ast.stmt], outcomes: dict[int, str]) -> str:
    """The first statement that always leaves decides: what follows it is unreachable."""
    for stmt in block:
        outcome = _outcome(stmt, outcomes)
        if outcome != _FALLS:
            return outcome
    return _FALLS


def _outcome(stmt: ast.stmt, outcomes: dict[int, str]) -> str:
    if isinstance(stmt, ast.Raise):
        return _BARE if stmt.exc is None else _ENDS
    if isinstance(stmt, (ast.Return, ast.Break, ast.Continue)):
        return _ENDS
    return outcomes.get(id(stmt), _FALLS)  # loops, `try` and the rest may fall through


def _is_reraise_manager(expr: ast.expr) -> bool:
    """`with util.safe_reraise():` (SQLAlchemy), `excutils.save_and_reraise_exception()` (oslo)."""
    if not isinstance(expr, ast.Call):
        return False
    return "reraise" in callee_name(expr.func).lower()


def _escapes(body: list[ast.stmt], outcomes: dict[int, str]) -> bool:
    """A reachable `return`, or a `break`/`continue` aimed at a loop outside the handler.
    Statements after one that always leaves its block are unreachable and not looked at."""
    stack = [(stmt, False) for stmt in _reachable(body, outcomes)]
    while stack:
        node, in_loop = stack.pop()
        if isinstance(node, ast.Return):
            return True
        if isinstance(node, (ast.Break, ast.Continue)) and not in_loop:
            return True
        if isinstance(node, _SCOPES):
            continue
        inner = in_loop or isinstance(node, _LOOPS)
        for field, value in ast.iter_fields(node):
            # a loop's `else` runs after the loop, so its break/continue is outer
            here = in_loop if isinstance(node, _LOOPS) and field == "orelse" else inner
            if isinstance(value, list):
                items = _reachable(value, outcomes) if value and isinstance(
                    value[0], ast.stmt) else value
                stack.extend((item, here) for item in items
                             if isinstance(item, (ast.stmt, ast.ExceptHandler, ast.match_case)))
    return False


def _reachable(block: list[ast.stmt], outcomes: dict[int, str]) -> list[ast.stmt]:
    """The statements of a block up to the first one that always leaves it."""
    for index, stmt in enumerate(block):
        if _outcome(stmt, outcomes) != _FALLS:
            return block[:index + 1]
    return block


_NOQA = lazy_compile(r"#\s*noqa\s*:\s*([a-z]+[0-9]+(?:[\s,]+[a-z]+[0-9]+)*)", re.IGNORECASE)
_PYLINT_DISABLE = lazy_compile(r"#\s*pylint\s*:\s*disable\s*=\s*([\w-]+(?:\s*,\s*[\w-]+)*)",
                               re.IGNORECASE)
_LINE_BREAK = lazy_compile(r"\r\n|\r|\n")
# The same check in other linters: pycodestyle and ruff E722, bugbear B001, pylint W0702.
_SAME_CHECK = frozenset({"e722", "b001", "w0702", "bare-except"})


def _waived(node: ast.ExceptHandler, ctx: ModuleContext) -> bool:
    """The `except:` line already waives the same check of another linter: `# noqa: E722`
    (pycodestyle, ruff), `# noqa: B001` (bugbear), `# pylint: disable=bare-except`. The
    author said there that this bare `except:` is meant; saying it twice is noise."""
    lines = ctx.cached(_source_lines)
    line = lines[node.lineno - 1] if node.lineno <= len(lines) else ""
    if "#" not in line:
        return False
    for pattern in (_NOQA, _PYLINT_DISABLE):
        for match in pattern.finditer(line):
            codes = re.split(r"[\s,]+", match.group(1).lower())
            if _SAME_CHECK.intersection(codes):
                return True
    return False


def _source_lines(ctx: ModuleContext) -> list[str]:
    """Physical lines as Python numbers them (not `str.splitlines`, which also splits at form
    feeds and other separators)."""
    return _LINE_BREAK.split(ctx.source)
