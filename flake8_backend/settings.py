"""Validated settings for one run: option values, enabled codes, and the project root.

Plain data at the bottom of the import layers, so the engine, the analysis and
the rules can all read settings without importing the config loader (which
imports the rules).
"""

from __future__ import annotations

from typing import Any, Mapping


class Settings:
    """Validated option values and the set of enabled codes; read-only.

    The engine caches what it derives from one `Settings` object (which checks run,
    their prefilter words and callee names): build a new one instead of changing
    `values` (a plain dict, so that front ends running in parallel can pickle it).
    `root` is the project directory (the one holding the configuration file), against
    which path options such as `query-in-loop-exclude` are matched; None when no
    configuration file was found (paths are then taken relative to the working directory).
    """

    __slots__ = ("values", "enabled", "source", "root")

    def __init__(self, values: Mapping[str, Any], enabled: frozenset[str],
                 source: str = "defaults", root: str | None = None) -> None:
        self.values = values
        self.enabled = enabled
        self.source = source
        self.root = root

    def __getitem__(self, name: str) -> Any:
        return self.values[name]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Settings):
            return NotImplemented
        return (self.values, self.enabled, self.source, self.root) == (
            other.values, other.enabled, other.source, other.root)

    __hash__ = None  # type: ignore[assignment]  # values is a dict

    def __repr__(self) -> str:
        return (f"Settings(values={self.values!r}, enabled={self.enabled!r}, "
                f"source={self.source!r}, root={self.root!r})")
