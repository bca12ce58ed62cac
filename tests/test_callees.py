"""The Call dispatch by callee name: a gate may only skip calls its check would ignore."""

from __future__ import annotations

import ast

import pytest

from flake8_backend.callees import CallDispatcher, accepts_for, alias_closure, note_alias
from flake8_backend.config import build_settings
from flake8_backend.registry import Callees, Needs, check


def _call(source: str) -> ast.Call:
    node = ast.parse(source).body[0].value
    assert isinstance(node, ast.Call)
    return node


def _dispatch(calls: list[str], aliases: dict[str, set[str]] | None = None) -> list[str]:
    seen: list[str] = []

    def gated(node, ctx):
        seen.append("gated:" + ast.unparse(node))

    def ungated(node, ctx):
        seen.append("ungated:" + ast.unparse(node))

    dispatcher = CallDispatcher([(gated, frozenset({"execute"}).__contains__), (ungated, None)],
                                aliases or {}, {})
    for source in calls:
        dispatcher.dispatch(_call(source), None)
    return seen


def test_gate_by_last_name_of_attribute_and_name_callees():
    assert _dispatch(["cur.execute(q)", "execute(q)", "cur.fetch(q)", "len(q)"]) == [
        "gated:cur.execute(q)", "ungated:cur.execute(q)", "gated:execute(q)",
        "ungated:execute(q)", "ungated:cur.fetch(q)", "ungated:len(q)"]


def test_other_callee_shapes_reach_only_ungated_checks():
    assert _dispatch(["make()(q)", "handlers['execute'](q)", "(lambda q: q)(q)"]) == [
        "ungated:make()(q)", "ungated:handlers['execute'](q)", "ungated:(lambda q: q)(q)"]


def test_aliases_are_followed_transitively():
    aliases: dict[str, set[str]] = {}
    note_alias(aliases, "run", "first")
    note_alias(aliases, "first", "execute")
    note_alias(aliases, "same", "same")  # `x = x` records nothing
    assert alias_closure("run", aliases) == {"run", "first", "execute"}
    assert "same" not in aliases
    assert _dispatch(["run(q)"], aliases) == ["gated:run(q)", "ungated:run(q)"]


def test_cache_is_shared_and_keyed_by_alias_set():
    cache: dict = {}
    dispatcher = CallDispatcher([(lambda n, c: None, frozenset({"get"}).__contains__)], {}, cache)
    dispatcher.dispatch(_call("requests.get(u)"), None)
    dispatcher.dispatch(_call("print(u)"), None)
    assert set(cache) == {"get", "print"}
    assert len(cache["get"]) == 1 and cache["print"] == ()


def test_accepts_for_callees_and_settings_functions():
    settings = build_settings({})
    assert accepts_for(None, settings) is None
    assert accepts_for(Callees(names=frozenset({"a"})), settings)("a")
    spec = Callees(names=frozenset({"a"}), qualnames=frozenset({"pkg.mod.run"}))
    accepts = accepts_for(lambda s: spec, settings)
    assert accepts("a") and accepts("run") and not accepts("b") and not accepts("mod")


def test_callees_words_come_from_names_qualname_roots_or_modules():
    spec = Callees(names=frozenset({"execute"}), qualnames=frozenset({"sqlalchemy.text"}))
    assert spec.words() == Needs(("execute", "sqlalchemy"))
    assert Callees(names=frozenset({"get"}), modules=("requests",)).words() == Needs(
        ("requests",))


def test_callees_only_on_call_checks_and_not_with_needs():
    with pytest.raises(ValueError, match="ast.Call only"):
        check(ast.Assign, rules=(), callees=Callees(names=frozenset({"x"})))
    with pytest.raises(ValueError, match="not both"):
        check(ast.Call, rules=(), callees=Callees(names=frozenset({"x"})), needs=Needs(("x",)))


def test_accepts_for_rejects_what_is_not_a_callees_spec():
    settings = build_settings({})
    with pytest.raises(TypeError, match="registry.Callees"):
        accepts_for(lambda s: frozenset({"a"}), settings)


def test_cache_is_bounded(monkeypatch):
    from flake8_backend import callees

    monkeypatch.setattr(callees, "_MAX_CACHED", 3)
    cache: dict = {}
    dispatcher = CallDispatcher([(lambda n, c: None, None)], {}, cache)
    for i in range(10):
        dispatcher.dispatch(_call(f"f{i}()"), None)
    assert 1 <= len(cache) <= 4
