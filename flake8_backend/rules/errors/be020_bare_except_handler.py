"""BE020: bare `except:` that does not end every path in a bare `raise`.

PEP 8 allows `except:` for cleanup that re-raises, and flagging that idiom
(pycodestyle E722, bugbear B001) pushes people to `except Exception:`, where
Ctrl-C then skips the cleanup. A handler that can return, break or continue
on any branch does swallow KeyboardInterrupt and SystemExit, so it is flagged
even when another branch re-raises (the hole in ruff's E722, ruff#17827).
"""

from __future__ import annotations

import ast

from flake8_backend.analysis.astutil import callee_name
from flake8_backend.analysis.context import ModuleContext
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
               "Flag every bare `except:`, including cleanup handlers that end in `raise`."),
    ),
    related=("pycodestyle E722 (flags every bare except; disable it to avoid duplicates)",
             "ruff E722 (silent when the handler re-raises on any branch)",
             "flake8-bugbear B001", "pylint W0702 bare-except"),
    notes="Silent: `except: cleanup(); raise`, `if/else` handlers whose every branch ends "
          "in a bare `raise`, and handlers ending in a re-raising context manager "
          "(`with util.safe_reraise():`, `with excutils.save_and_reraise_exception():`, any "
          "callee whose name contains `reraise`). Flagged: `raise OtherError()` (it converts "
          "KeyboardInterrupt), and any `return`/`break`/`continue` that leaves the handler.",
))

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
_LOOPS = (ast.For, ast.AsyncFor, ast.While)


@check(ast.ExceptHandler, rules=(BE020,), needs=Needs(("except",)))
def check_bare_except(node: ast.ExceptHandler, ctx: ModuleContext) -> None:
    if node.type is not None:
        return
    if not ctx.settings["bare-except-strict"] and _always_reraises(node.body):
        return
    ctx.report(BE020, node, end=(node.lineno, node.col_offset + len("except")))


def _always_reraises(body: list[ast.stmt]) -> bool:
    return _ends_in_bare_raise(body) and not _escapes(body)


def _ends_in_bare_raise(body: list[ast.stmt]) -> bool:
    """Every path through the block's last statement is a bare `raise`."""
    pending = [body]
    while pending:
        block = pending.pop()
        if not block:
            return False
        last = block[-1]
        if isinstance(last, ast.Raise):
            if last.exc is not None:
                return False
        elif isinstance(last, ast.If):
            pending.extend((last.body, last.orelse))
        elif isinstance(last, (ast.With, ast.AsyncWith)):
            if not any(_is_reraise_manager(item.context_expr) for item in last.items):
                pending.append(last.body)
        else:
            return False
    return True


def _is_reraise_manager(expr: ast.expr) -> bool:
    """`with util.safe_reraise():` (SQLAlchemy), `excutils.save_and_reraise_exception()` (oslo)."""
    if not isinstance(expr, ast.Call):
        return False
    return "reraise" in callee_name(expr.func).lower()


def _escapes(body: list[ast.stmt]) -> bool:
    """A `return`, or a `break`/`continue` aimed at a loop outside the handler."""
    stack = [(stmt, False) for stmt in body]
    while stack:
        node, in_loop = stack.pop()
        if isinstance(node, ast.Return):
            return True
        if isinstance(node, (ast.Break, ast.Continue)) and not in_loop:
            return True
        if isinstance(node, _SCOPES):
            continue
        inner = in_loop or isinstance(node, _LOOPS)
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.stmt, ast.ExceptHandler, ast.match_case)):
                # a loop's `else` runs after the loop, so its break/continue is outer
                loop_else = isinstance(node, _LOOPS) and child in node.orelse
                stack.append((child, in_loop if loop_else else inner))
    return False
