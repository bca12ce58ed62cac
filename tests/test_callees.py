"""The Call dispatch by callee name: a gate may only skip calls its check would ignore."""

from __future__ import annotations

import ast

import pytest

from flake8_backend.callees import (
    CallDispatcher, CallTable, accepts_for, alias_closure, note_alias)
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

    dispatcher = CallDispatcher(CallTable([(gated, frozenset({"execute"})), (ungated, None)]),
                                aliases or {})
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


def test_table_answers_what_asking_every_gate_answers():
    """The per-name table is a shortcut: same checks, same (registry) order, for names that
    some, several or no gates accept, for alias sets and for calls without a name."""
    def make(tag):
        return lambda node, ctx: tag

    gated = [(make(0), frozenset({"get", "execute"})), (make(1), None),
             (make(2), frozenset({"execute", "run"})), (make(3), frozenset()), (make(4), None)]
    table = CallTable(gated)

    def asked(key):
        if key is None:
            return tuple(check for check, names in gated if names is None)
        keys = {key} if isinstance(key, str) else key
        return tuple(check for check, names in gated
                     if names is None or any(k in names for k in keys))

    keys = ["get", "execute", "run", "print", "", None, frozenset({"run", "fetch"}),
            frozenset({"fetch", "other"}), frozenset({"get", "run"})]
    for key in keys:
        assert table.select(key) == asked(key), key
    assert [check(None, None) for check in table.select("execute")] == [0, 1, 2, 4]


def test_accepts_for_callees_and_settings_functions():
    settings = build_settings({})
    assert accepts_for(None, settings) is None
    assert accepts_for(Callees(names=frozenset({"a"})), settings) == {"a"}
    spec = Callees(names=frozenset({"a"}), qualnames=frozenset({"pkg.mod.run"}))
    assert accepts_for(lambda s: spec, settings) == {"a", "run"}


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


def test_alias_sets_kept_are_bounded(monkeypatch):
    from flake8_backend import callees

    monkeypatch.setattr(callees, "_MAX_CACHED", 3)
    table = CallTable([(lambda n, c: None, frozenset({"f3"}))])
    for i in range(10):
        assert len(table.select(frozenset({f"f{i}", "x"}))) == (i == 3)
    assert 1 <= len(table._closures) <= 4
