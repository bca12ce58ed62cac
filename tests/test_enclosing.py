"""`ctx.enclosing`: what encloses a node, answered by the walk for any check that asks."""

from __future__ import annotations

import ast
import textwrap

import pytest

from flake8_backend import engine, registry
from flake8_backend.analysis.enclosing import BlocksNotTracked
from flake8_backend.config import build_settings
from flake8_backend.registry import RULES, Callees
from flake8_backend.rules import load_rules

load_rules()

SOURCE = textwrap.dedent('''\
    async def outer(y):
        probe("async")
        def inner():
            probe("sync def")
        lam = lambda: probe("lambda")
        try:
            probe("try body")
        except ValueError as exc:
            probe("handler")
        else:
            probe("else")
        finally:
            probe("finally")
        with open(y) as f:
            probe("with")
            for i in y:
                probe("loop")
        try:
            pass
        except Exception:
            def callback():
                probe("def in handler")
            [probe("comprehension") for z in y]


    class C:
        probe("class body")

        def method(self):
            probe("method")
    ''')


def _answers(blocks: bool) -> dict[str, dict]:
    seen: dict[str, dict] = {}

    def probe(node: ast.Call, ctx) -> None:
        where = ctx.enclosing
        answer = {
            "function": getattr(where.function(), "name", type(where.function()).__name__),
            "async": getattr(where.async_function(), "name", None),
            "class": getattr(where.class_def(), "name", None),
            "loop": type(where.loop()).__name__ if where.loop() else None,
        }
        if blocks:
            handler = where.except_handler()
            part = where.try_part()
            answer.update(handler=handler.name if handler else None,
                          try_part=part[1] if part else None,
                          with_=where.with_block() is not None)
        seen[node.args[0].value] = answer

    check = registry.Check(probe, (ast.Call,), (RULES["BE020"],), None,
                           Callees(names=frozenset({"probe"})), blocks)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(registry, "CHECKS", [*registry.CHECKS, check])
        patch.setattr(engine, "CHECKS", registry.CHECKS)
        patch.setattr(engine, "_PLAN", [])
        patch.setenv("FLAKE8_BACKEND_RAISE", "1")
        engine.lint_source(SOURCE, "probe.py", build_settings({}))
    return seen


def test_functions_classes_and_loops_are_always_known():
    seen = _answers(blocks=False)
    assert seen["async"] == {"function": "outer", "async": "outer", "class": None, "loop": None}
    assert seen["sync def"]["async"] is None and seen["sync def"]["function"] == "inner"
    assert seen["lambda"]["async"] is None and seen["lambda"]["function"] == "Lambda"
    assert seen["loop"]["loop"] == "For"
    assert seen["comprehension"]["loop"] == "ListComp"
    assert seen["comprehension"]["async"] == "outer"
    assert seen["class body"] == {"function": "NoneType", "async": None, "class": "C",
                                  "loop": None}
    assert seen["method"]["class"] == "C" and seen["method"]["function"] == "method"


def test_blocks_are_answered_when_the_check_declares_it():
    seen = _answers(blocks=True)
    assert seen["try body"]["try_part"] == "body" and seen["try body"]["handler"] is None
    assert seen["handler"]["try_part"] == "handler" and seen["handler"]["handler"] == "exc"
    assert seen["else"]["try_part"] == "else" and seen["finally"]["try_part"] == "finally"
    assert seen["with"]["with_"] and seen["loop"]["with_"] and not seen["try body"]["with_"]
    # a nested def runs later, elsewhere: it is not inside the handler around it
    assert seen["def in handler"]["handler"] is None
    assert seen["def in handler"]["try_part"] is None
    assert seen["comprehension"]["try_part"] == "handler"
    assert seen["method"]["try_part"] is None


def test_blocks_without_declaring_them_raise_instead_of_answering_wrong():
    with pytest.raises(BlocksNotTracked):
        _answers_without_declaring()


def _answers_without_declaring() -> None:
    def probe(node: ast.Call, ctx) -> None:
        ctx.enclosing.except_handler()

    check = registry.Check(probe, (ast.Call,), (RULES["BE020"],), None,
                           Callees(names=frozenset({"probe"})), False)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(engine, "CHECKS", [*registry.CHECKS, check])
        patch.setattr(engine, "_PLAN", [])
        patch.setenv("FLAKE8_BACKEND_RAISE", "1")
        engine.lint_source("probe()\n", "probe.py", build_settings({}))


def test_blocks_are_not_tracked_when_no_enabled_check_asks():
    settings = build_settings({"enable": ["BE"]})
    walker = engine.Engine(settings, "try:\n    execute()\nexcept:\n    pass\n")
    assert walker.facts is engine._FACTS
    assert not walker.ctx.enclosing.tracking_blocks
