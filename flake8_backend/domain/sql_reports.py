"""How BE001 and BE002 report: at the sink, at a call to a local SQL wrapper, or at an
unconsumed SQL-named variable. The two rules differ in which values they find unsafe, not in
where and how they report them, so both report through here.
"""

from __future__ import annotations

import ast

from flake8_backend.analysis.astutil import callee_name
from flake8_backend.analysis.context import ModuleContext
from flake8_backend.domain.sql_sinks import Argument, SqlFlow, Wrapper, report_node
from flake8_backend.domain.sql_values import Unsafe, advise, built_at
from flake8_backend.registry import Rule


def report_sql(rule: Rule, ctx: ModuleContext, call: ast.Call, sql: ast.expr,
               values: list[Unsafe], where: str, how: str) -> None:
    """A finding for unsafe `values` in `sql`, at the text or the sink (see `report_node`)."""
    target = report_node(call, sql)
    advice = advise(values)
    ctx.report(rule, target, end=call.func if target is call else target, how=how,
               built=built_at(advice.line, target, call), where=where, client=advice.client,
               advice=advice.advice)


def report_at_end(flow: SqlFlow, rule: Rule) -> None:
    """The module's deferred findings of `rule`: calls to local wrappers, values pasted by
    them, and SQL-named variables that reached no sink (`unsafe[code]` is
    `((values, how), statement)`)."""
    ctx = flow.ctx
    for candidate in flow.candidates:
        if candidate.code != rule.code:
            continue
        values, how = candidate.verdict
        wrapper = candidate.wrapper
        report_sql(rule, ctx, candidate.call, candidate.arg, values,
                   f"reaches {callee_name(candidate.call.func)}(), which runs it with "
                   f"{wrapper.sink}() (line {wrapper.line})", how)
    for argument, wrapper in flow.pasted_arguments(rule.code):
        _report_pasted(rule, ctx, argument, wrapper)
    for builder in flow.unconsumed():
        found = builder.unsafe.get(rule.code)
        if found is None:
            continue
        (values, how), stmt = found  # type: ignore[misc]
        end = stmt.targets[-1] if isinstance(stmt, ast.Assign) else stmt.target
        advice = advise(values)
        ctx.report(rule, stmt, end=end, how=how, built="",
                   where=f"is assigned to `{builder.name}`", client=advice.client,
                   advice=advice.advice)


def _report_pasted(rule: Rule, ctx: ModuleContext, argument: Argument,
                   wrapper: Wrapper) -> None:
    """An unsafe value passed where a local function pastes it into its SQL."""
    call = argument.call
    _, how, place = wrapper.pasted
    target = report_node(call, argument.unsafe.node)
    advice = advise([argument.unsafe._replace(position=place)])
    ctx.report(rule, target, end=call.func if target is call else target, how=how,
               built=f" in {callee_name(call.func)}()",
               where=f"reaches {wrapper.sink}() (line {wrapper.line})",
               client=advice.client, advice=advice.advice)
