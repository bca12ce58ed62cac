"""Settings: one `[tool.flake8-backend]` table, read by every front end.

Each front end may also pass the same settings through its native mechanism
(flake8 options, pylint options); a native value wins over the table. Every
mistake becomes a `ConfigError` whose text is one line naming where the bad value
came from (the file and key, the command-line flag, the environment variable), with
a "did you mean" where a near name exists, so the front ends can print it and exit
with their usage-error code instead of a traceback.

Besides the rules' options the table holds three keys for the front ends:
`baseline` (findings to hide, see `baseline.py`), `per-file-ignores` (codes not
reported in files matching a glob) and `extend-exclude` (`check` only).
"""

from __future__ import annotations

import os
import re
import stat
import sys
from pathlib import Path
from typing import Any, Mapping

from flake8_backend.registry import GLOBAL_OPTIONS, RULES, Option, all_options
from flake8_backend.rules import load_rules
from flake8_backend.settings import Settings

TABLE = "flake8-backend"
ENV_VAR = "FLAKE8_BACKEND_CONFIG"
CODE_OR_PREFIX = re.compile(r"^BE\d{0,3}$")
# A table name a user may have meant for ours (`[tool.flake8_backend]`, `[tool.flake8backend]`).
_NEAR_TABLE_WORD = re.compile(rb"flake8?[-_. ]?backend", re.I)

FRONT_END_OPTIONS = (
    Option("baseline", "path", "",
           "A baseline file written by `flake8-backend check --write-baseline`: the findings "
           "it records are not reported, by any front end (relative to the project root)."),
    Option("per-file-ignores", "mapping", {},
           "Glob (relative to the project root) -> codes, prefixes or rule names not reported "
           "in matching files, e.g. {\"tests/**\" = [\"BE014\"]}; honoured by every front end."),
    Option("extend-exclude", "list", (),
           "`flake8-backend check` only: more paths or globs not to check, as flake8's "
           "extend-exclude (relative to the project root)."),
)
# Front-end keys that also get a native flag (`--be-baseline`) in flake8 and pylint.
NATIVE_FRONT_END_OPTIONS = ("baseline",)


class ConfigError(Exception):
    """A user mistake in configuration; its text is the whole one-line report."""


def options() -> dict[str, Option]:
    """Every key of the table: the rules' options and the front ends' own."""
    load_rules()
    found = {name: option for name, (_, option) in all_options().items()}
    found.update((option.name, option) for option in FRONT_END_OPTIONS)
    return found


def native_options() -> dict[str, Option]:
    """The keys each front end registers as `--be-<key>`."""
    return {name: option for name, option in options().items()
            if name in all_options() or name in NATIVE_FRONT_END_OPTIONS}


def did_you_mean(word: str, candidates: Any, cutoff: float = 0.6) -> str:
    """`; did you mean 'x'?` for the nearest candidate, else ''."""
    import difflib  # only for a mistake: not worth its import on every run

    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=cutoff)
    return f"; did you mean {close[0]!r}?" if close else ""


def _file_kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def find_pyproject(start: Path | None = None) -> Path | None:
    """The nearest `pyproject.toml` from `start` (default: the working directory) upward.

    One that exists but is not a regular file (a directory, a FIFO) is an error rather
    than a reason to read a parent's: that would apply another project's settings.
    """
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / "pyproject.toml"
        try:
            mode = candidate.stat().st_mode
        except OSError:
            continue
        if stat.S_ISREG(mode):
            return candidate
        raise ConfigError(f"{candidate}: is {_file_kind(mode)}, not a file; "
                          "rename it or remove it")
    return None


def _near_tables(tool: Mapping[str, Any]) -> list[str]:
    others = [name for name in tool if name != TABLE and isinstance(name, str)]
    if not others:
        return []
    import difflib  # only when `[tool]` has other tables

    def squash(name: str) -> str:
        return re.sub(r"[-_. ]", "", name.lower())

    return [name for name in others if squash(name) in ("flake8backend", "flakebackend")
            or difflib.SequenceMatcher(None, name.lower(), TABLE).ratio() >= 0.85]


def _parse_toml(path: Path, raw: bytes) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        import tomli as tomllib
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: not UTF-8 ({exc.reason})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None


def read_table(path: Path, required: bool = False, where: str | None = None) -> dict[str, Any]:
    """The `[tool.flake8-backend]` table of one file, or {} when it has none.

    A file that never spells `flake8-backend` (or a near miss of it) cannot hold the
    table, and is not parsed: most projects' pyproject.toml does not configure us,
    and importing and running the TOML parser is a good part of what the plugin adds
    to a small flake8 run. (A table name written with TOML escapes,
    `"flake8\\u002dbackend"`, is therefore not seen.) `required`: a file without the
    table is an error (the file was named on purpose).
    """
    shown = where or str(path)
    try:
        mode = path.stat().st_mode
        if not stat.S_ISREG(mode):
            raise ConfigError(f"{shown}: is {_file_kind(mode)}, not a TOML file")
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{shown}: no such file") from None
    except OSError as exc:
        raise ConfigError(f"{shown}: cannot read: {exc.strerror}") from None
    if TABLE.encode() not in raw and _NEAR_TABLE_WORD.search(raw) is None:
        if required:
            raise ConfigError(f"{shown}: has no [tool.{TABLE}] table")
        return {}
    data = _parse_toml(path, raw)
    tool = data.get("tool", {})
    if not isinstance(tool, dict):
        raise ConfigError(f"{shown}: `tool` must be a table, got {type(tool).__name__} "
                          f"{tool!r:.40}")
    near = _near_tables(tool)
    if near:
        raise ConfigError(f"{shown}: [tool.{near[0]}] is not read by flake8-backend; "
                          f"did you mean [tool.{TABLE}]?")
    if TABLE not in tool:
        if required:
            raise ConfigError(f"{shown}: has no [tool.{TABLE}] table")
        return {}
    table = tool[TABLE]
    if not isinstance(table, dict):
        raise ConfigError(f"{shown}: [tool.{TABLE}] must be a table, got {table!r:.40}")
    return table


# -- values -------------------------------------------------------------------------------
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
    if kind == "mapping":
        if isinstance(value, dict):
            out = {}
            for key, item in value.items():
                if isinstance(item, str):
                    item = [item]
                if not (isinstance(item, list) and all(isinstance(v, str) for v in item)):
                    raise ConfigError(f"{where}: {key!r}: expected a list of codes, "
                                      f"got {item!r}")
                out[key] = tuple(part.strip() for v in item for part in v.split(",")
                                 if part.strip())
            return out
        raise ConfigError(f"{where}: expected a table of glob = [codes], got {value!r}")
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
    if opt.kind == "mapping":
        if isinstance(value, Mapping):
            return _coerce_toml(opt, dict(value), where)
        raise ConfigError(f"{where}: set it in [tool.{TABLE}]")
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


def resolve_code(item: str) -> str | None:
    """A code or prefix (`BE014`, `BE0`, `BE`), a rule name (`requests-without-timeout`)
    or a pylint id (`W7314`), as the code or prefix it stands for; None if unknown."""
    load_rules()
    text = item.strip()
    upper = text.upper()
    if CODE_OR_PREFIX.match(upper) and any(code.startswith(upper) for code in RULES):
        return upper
    for code, rule in RULES.items():
        if text.lower() == rule.name or upper == rule.pylint_id:
            return code
    return None


def resolve_codes(items: tuple[str, ...] | list[str], where: str) -> tuple[str, ...]:
    """`resolve_code` for each item; an unknown one is an error with a suggestion."""
    out = []
    for item in items:
        code = resolve_code(item)
        if code is None:
            candidates = [*RULES, *(rule.name for rule in RULES.values())]
            hint = did_you_mean(item.strip(), candidates) or did_you_mean(
                item.strip().upper(), list(RULES))
            raise ConfigError(f"{where}: unknown code {item!r}{hint}")
        out.append(code)
    return tuple(out)


def enabled_codes(enable: tuple[str, ...], disable: tuple[str, ...]) -> frozenset[str]:
    """Default rules, plus opt-in ones named by `enable`, minus `disable` (all resolved)."""
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
    native_source: str | Mapping[str, str] = "option",
    root: str | None = None,
) -> Settings:
    """Validate the table, overlay native values (None means unset), and resolve codes.

    `native_source` names where native values came from, for error messages: one
    name for all, or one per key (`{"disable": "setup.cfg"}`), a default under "".
    """
    known = options()
    values = {name: opt.default for name, opt in known.items()}
    sources = {}
    for key, value in (table or {}).items():
        where = f"{table_source}: [tool.{TABLE}] {key}"
        opt = known.get(key)
        if opt is None:
            raise ConfigError(f"{where}: unknown key{did_you_mean(str(key), known)}")
        values[key] = _coerce_toml(opt, value, where)
        sources[key] = where
    for key, value in (native or {}).items():
        if value is None:
            continue
        opt = known[key]
        if isinstance(native_source, str):
            origin = native_source
        else:
            origin = native_source.get(key) or native_source.get("", "option")
        where = f"{origin} --{opt.native_name}"
        values[key] = _coerce_native(opt, value, where)
        sources[key] = where
    for key in ("enable", "disable"):
        values[key] = resolve_codes(values[key], sources.get(key, f"{table_source}: {key}"))
    pfi = {}
    for glob, codes in values["per-file-ignores"].items():
        pfi[glob] = resolve_codes(codes, f"{sources.get('per-file-ignores')} {glob!r}")
    values["per-file-ignores"] = pfi
    if values["baseline"]:
        # A file named in the table is relative to the project root; on a command line,
        # to the working directory.
        from_table = sources.get("baseline", "").startswith(f"{table_source}: [tool.")
        base = (root or os.getcwd()) if from_table else os.getcwd()
        values["baseline"] = os.path.abspath(os.path.join(base, values["baseline"]))
    enabled = enabled_codes(values["enable"], values["disable"])
    return Settings(values=values, enabled=enabled, source=table_source, root=root)


def load_settings(native: Mapping[str, Any] | None = None, start: Path | None = None,
                  native_source: str | Mapping[str, str] = "option") -> Settings:
    """Settings for a run: the nearest pyproject.toml's table plus native overrides.

    FLAKE8_BACKEND_CONFIG names a TOML file to use instead of the discovered one (for CI
    jobs and editors whose working directory is not the project); it must hold the table.
    """
    override = os.environ.get(ENV_VAR)
    if override:
        path: Path | None = Path(override)
        where = f"{ENV_VAR}: {override}"
        table = read_table(path, required=True, where=where)
        source = where
    else:
        path = find_pyproject(start)
        table = read_table(path) if path else {}
        source = str(path) if path else "defaults"
    root = str(path.resolve().parent) if path else None
    return build_settings(table, source, native, native_source, root)


def default_settings() -> Settings:
    """Settings with every option at its default (used when no configuration applies)."""
    return build_settings()


__all__ = ["ConfigError", "ENV_VAR", "FRONT_END_OPTIONS", "GLOBAL_OPTIONS", "Settings",
           "build_settings", "default_settings", "did_you_mean", "enabled_codes",
           "find_pyproject", "load_settings", "native_options", "options", "read_table",
           "resolve_code", "resolve_codes"]
