"""Settings: one `[tool.flake8-backend]` table, read by both front ends.

Each front end may also pass the same settings through its native mechanism
(flake8 options, pylint options); a native value wins over the table. Every
mistake becomes a `ConfigError` whose text is one line naming the file and key,
so the front ends can print it and exit non-zero instead of a traceback.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import Any, Mapping

from flake8_backend.registry import GLOBAL_OPTIONS, RULES, Option, all_options
from flake8_backend.rules import load_rules
from flake8_backend.settings import Settings

TABLE = "flake8-backend"
CODE_OR_PREFIX = re.compile(r"^BE\d{0,3}$")


class ConfigError(Exception):
    """A user mistake in configuration; its text is the whole one-line report."""


def _options() -> dict[str, Option]:
    load_rules()
    return {name: option for name, (_, option) in all_options().items()}


def find_pyproject(start: Path | None = None) -> Path | None:
    """The nearest `pyproject.toml` from `start` (default: the working directory) upward."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def read_table(path: Path) -> dict[str, Any]:
    """The `[tool.flake8-backend]` table of one file, or {} when it has none.

    A file that never spells `flake8-backend` cannot hold the table, and is not parsed:
    most projects' pyproject.toml does not configure us, and importing and running the
    TOML parser is a good part of what the plugin adds to a small flake8 run. (A table
    name written with TOML escapes, `"flake8\u002dbackend"`, is therefore not seen.)
    """
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    if TABLE.encode() not in raw:
        return {}
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        import tomli as tomllib
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: not UTF-8 ({exc.reason})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    table = data.get("tool", {}).get(TABLE, {})
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.{TABLE}] must be a table")
    return table


def _coerce_toml(opt: Option, value: Any, where: str) -> Any:
    kind = opt.kind
    if kind == "bool":
        if isinstance(value, bool):
            return value
        raise ConfigError(f"{where}: expected true or false, got {value!r}")
    if kind == "list":
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return tuple(value)
        raise ConfigError(f"{where}: expected a list of strings, got {value!r}")
    if not isinstance(value, str):
        raise ConfigError(f"{where}: expected a string, got {value!r}")
    return _check_text(opt, value, where)


def _coerce_native(opt: Option, value: Any, where: str) -> Any:
    """Native values arrive as text (config files, command line) or already typed."""
    if opt.kind == "bool":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("1", "true", "yes", "y", "on"):
            return True
        if text in ("0", "false", "no", "n", "off"):
            return False
        raise ConfigError(f"{where}: expected true or false, got {value!r}")
    if opt.kind == "list":
        if isinstance(value, (list, tuple)):
            items = [str(v) for v in value]
        else:
            items = str(value).replace("\n", ",").split(",")
        return tuple(item.strip() for item in items if item.strip())
    return _check_text(opt, str(value).strip(), where)


def _check_text(opt: Option, value: str, where: str) -> str:
    if opt.kind == "regex":
        try:
            re.compile(value)
        except re.error as exc:
            raise ConfigError(f"{where}: invalid regular expression {value!r}: {exc}") from None
    if opt.kind == "choice" and value not in opt.choices:
        allowed = ", ".join(opt.choices)
        raise ConfigError(f"{where}: expected one of {allowed}, got {value!r}")
    return value


def _check_codes(codes: tuple[str, ...], where: str) -> None:
    for code in codes:
        if not CODE_OR_PREFIX.match(code) or not any(c.startswith(code) for c in RULES):
            raise ConfigError(f"{where}: unknown code {code!r}")


def _enabled(values: Mapping[str, Any]) -> frozenset[str]:
    enable, disable = tuple(values["enable"]), tuple(values["disable"])
    chosen = set()
    for code, rule in RULES.items():
        on = rule.default_enabled or code.startswith(enable)  # startswith(()) is False
        if on and not code.startswith(disable):
            chosen.add(code)
    return frozenset(chosen)


def build_settings(
    table: Mapping[str, Any] | None = None,
    table_source: str = "pyproject.toml",
    native: Mapping[str, Any] | None = None,
    native_source: str = "option",
    root: str | None = None,
) -> Settings:
    """Validate the table, overlay native values (None means unset), and resolve codes."""
    options = _options()
    values = {name: opt.default for name, opt in options.items()}
    for key, value in (table or {}).items():
        where = f"{table_source}: [tool.{TABLE}] {key}"
        opt = options.get(key)
        if opt is None:
            raise ConfigError(f"{where}: unknown key")
        values[key] = _coerce_toml(opt, value, where)
    for key, value in (native or {}).items():
        if value is None:
            continue
        opt = options[key]
        values[key] = _coerce_native(opt, value, f"{native_source} --{opt.native_name}")
    _check_codes(tuple(values["enable"]), f"{table_source}: enable")
    _check_codes(tuple(values["disable"]), f"{table_source}: disable")
    return Settings(values=values, enabled=_enabled(values), source=table_source, root=root)


def load_settings(native: Mapping[str, Any] | None = None, start: Path | None = None,
                  native_source: str = "option") -> Settings:
    """Settings for a run: the nearest pyproject.toml's table plus native overrides.

    FLAKE8_BACKEND_CONFIG names a TOML file to use instead of the discovered one (for CI
    jobs and editors whose working directory is not the project).
    """
    override = os.environ.get("FLAKE8_BACKEND_CONFIG")
    if override:
        path: Path | None = Path(override)
        if not path.is_file():
            raise ConfigError(f"FLAKE8_BACKEND_CONFIG: {override}: no such file")
    else:
        path = find_pyproject(start)
    table = read_table(path) if path else {}
    root = str(path.resolve().parent) if path else None
    return build_settings(table, str(path) if path else "defaults", native, native_source, root)


def default_settings() -> Settings:
    """Settings with every option at its default (used when no configuration applies)."""
    return build_settings()


__all__ = ["ConfigError", "GLOBAL_OPTIONS", "Settings", "build_settings", "default_settings",
           "find_pyproject", "load_settings", "read_table"]
