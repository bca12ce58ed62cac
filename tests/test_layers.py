"""Import layering: adapters -> engine -> rules -> domain -> analysis -> registry, never upward.

Every import in the package counts, function-level and TYPE_CHECKING ones too (a
function-level import is how a cycle hides). Modules of one layer may import each
other, but no import graph may have a cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("flake8_backend", "pylint_backend")
# Bottom first. A module belongs to the first layer with a matching prefix.
LAYERS = (
    ("registry", ("flake8_backend", "flake8_backend.codes", "flake8_backend.registry",
                  "flake8_backend.settings", "flake8_backend.patterns")),
    ("analysis", ("flake8_backend.analysis",)),
    ("domain", ("flake8_backend.domain",)),
    ("rules", ("flake8_backend.rules",)),
    ("engine", ("flake8_backend.engine", "flake8_backend.config", "flake8_backend.callees",
                "flake8_backend.prefilter", "flake8_backend.failures", "flake8_backend.noqa",
                "flake8_backend.baseline")),
    ("adapters", ("flake8_backend.plugin", "flake8_backend.cli", "flake8_backend.__main__",
                  "flake8_backend.formatters", "flake8_backend.report", "flake8_backend.check",
                  "flake8_backend.runner", "flake8_backend.discovery",
                  "flake8_backend.docs", "pylint_backend")),
)


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def _layer(module: str) -> int:
    best = None
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if module == prefix or (module.startswith(prefix + ".") and prefix != PACKAGES[0]):
                if best is None or len(prefix) > best[1]:
                    best = (index, len(prefix))
    assert best is not None, f"{module} is in no layer: add it to LAYERS"
    return best[0]


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    targets = set()
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_package else name.split(".")[:-1]
                base = base[:len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            for alias in node.names:
                full = f"{module}.{alias.name}"
                targets.add(full if full in modules else module)
    return {t for t in targets if t in modules and t != name}


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(name, path, modules) for name, path in modules.items()}


def test_every_module_has_a_layer():
    for name in _graph():
        _layer(name)


def test_no_import_goes_up_a_layer():
    upward = [f"{source} ({LAYERS[_layer(source)][0]}) imports {target} "
              f"({LAYERS[_layer(target)][0]})"
              for source, targets in _graph().items() for target in targets
              if _layer(target) > _layer(source)]
    assert not upward, "\n".join(upward)


def test_no_import_cycles():
    graph = _graph()
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(start: str) -> list[str] | None:
        stack = [(start, iter(sorted(graph[start])))]
        path = [start]
        state[start] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = 2
                stack.pop()
                path.pop()
            elif state.get(child) == 1:
                return path[path.index(child):] + [child]
            elif child not in state:
                state[child] = 1
                stack.append((child, iter(sorted(graph[child]))))
                path.append(child)
        return None

    for name in sorted(graph):
        if name not in state:
            cycle = visit(name)
            assert cycle is None, " -> ".join(cycle)


def test_the_layer_table_is_not_vacuous():
    """Guards the tests above against passing vacuously."""
    graph = _graph()
    assert "flake8_backend.registry" in graph["flake8_backend.config"]
    assert _layer("flake8_backend.rules.data.be001_sql_fstring") == 3
    assert _layer("flake8_backend.domain.sql_sinks") > _layer("flake8_backend.analysis.scope")
    assert any(_layer(t) < _layer(s) for s, ts in graph.items() for t in ts)
