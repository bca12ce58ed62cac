"""Output formats shared by `flake8-backend check` and the flake8 report plugins.

Nothing here imports flake8: `check` prints the same text, JSON, SARIF 2.1.0 and
GitHub workflow commands without loading it, and `formatters.py` wraps these
builders in flake8's formatter classes. A `Record` is one reported line:
1-based line and column (as flake8 prints them), the code, the message text
without the code, and optionally where the finding ends.
"""

from __future__ import annotations

import json
import linecache
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, NamedTuple, Sequence
from urllib.parse import quote

if TYPE_CHECKING:
    from flake8_backend.registry import Rule

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_LEVEL = {"error": "error", "warning": "warning", "convention": "note"}
GITHUB_COMMAND = {"error": "error", "warning": "warning", "note": "notice"}
# The file could not be read or parsed: nothing else in it was checked.
FATAL_CODES = frozenset({"E902", "E999"})
SRCROOT = "%SRCROOT%"


class Record(NamedTuple):
    """One reported finding or error line; `col` and `end_col` are 1-based."""

    filename: str
    line: int
    col: int
    code: str
    text: str  # the message without its leading code
    end_line: int | None = None
    end_col: int | None = None


def _rules() -> dict[str, Rule]:
    from flake8_backend.rules import load_rules

    return load_rules()


def level_for(code: str) -> str:
    """SARIF level: ours from the rule's severity; other codes are warnings unless fatal."""
    rule = _rules().get(code)
    if rule is not None:
        return SARIF_LEVEL[rule.severity]
    return "error" if code in FATAL_CODES else "warning"


def relative_path(filename: str) -> str | None:
    """`filename` relative to the working directory with `/` separators, or None if outside.

    CI uploads and annotations resolve paths against the checkout, which is where
    the linter runs, so relative paths keep reports portable between machines.
    """
    path = os.path.abspath(filename)
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return None
    if rel == os.pardir or rel.startswith(os.pardir + os.sep):
        return None
    return rel.replace(os.sep, "/")


def information_uri() -> str:
    """The project's home page from its metadata, else its PyPI page."""
    from flake8_backend.docs import PYPI_URL, project_urls

    urls = project_urls()
    for label in ("homepage", "home", "repository", "source", "documentation"):
        if urls.get(label):
            return urls[label]
    return PYPI_URL


# -- text ---------------------------------------------------------------------------------
def text_line(record: Record) -> str:
    """flake8's default format: `path:line:col: CODE message`."""
    return f"{record.filename}:{record.line}:{record.col}: {record.code} {record.text}"


def statistics_lines(records: Sequence[Record]) -> list[str]:
    """flake8's `--statistics`: count, code and the first message, per code."""
    first: dict[str, str] = {}
    counts: dict[str, int] = {}
    for record in sorted(records, key=lambda r: r.filename):
        first.setdefault(record.code, record.text)
        counts[record.code] = counts.get(record.code, 0) + 1
    return [f"{counts[code]:<5} {code} {first[code]}" for code in sorted(counts)]


# -- JSON ---------------------------------------------------------------------------------
def json_document(records: Iterable[Record]) -> str:
    """A JSON array, one object per finding; columns are 1-based, ends when known."""
    rules = _rules()
    items = []
    for record in records:
        rule = rules.get(record.code)
        items.append({
            "filename": record.filename,
            "line": record.line,
            "column": record.col,
            "end_line": record.end_line,
            "end_column": record.end_col,
            "code": record.code,
            "name": rule.name if rule else None,
            "severity": rule.severity if rule else ("error" if record.code in FATAL_CODES
                                                    else "warning"),
            "message": record.text,
        })
    return json.dumps(items, indent=2, ensure_ascii=False)


# -- SARIF --------------------------------------------------------------------------------
def sarif_rule(rule: Rule) -> dict[str, Any]:
    """A `reportingDescriptor` built from the registry, with the rule page's core inline."""
    from flake8_backend.docs import rule_url

    bad, good = rule.bad.rstrip("\n"), rule.good.rstrip("\n")
    help_text = f"{rule.why}\n\nExample:\n\n{bad}\n\nUse instead:\n\n{good}\n"
    help_markdown = (f"{rule.why}\n\n## Example\n\n```python\n{bad}\n```\n\n"
                     f"## Use instead\n\n```python\n{good}\n```\n")
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.what, "markdown": rule.what},
        "help": {"text": help_text, "markdown": help_markdown},
        "helpUri": rule_url(rule),
        "defaultConfiguration": {"level": SARIF_LEVEL[rule.severity],
                                 "enabled": rule.default_enabled},
        "properties": {"pylintId": rule.pylint_id},
    }


def sarif_region(record: Record,
                 end_for: Callable[[Record], tuple[int, int] | None] | None = None,
                 ) -> dict[str, int]:
    """Start and end; the end is the finding's own when known (1-based, exclusive column),
    else the end of the line."""
    line, col = max(record.line, 1), max(record.col, 1)
    region = {"startLine": line, "startColumn": col}
    end = (record.end_line, record.end_col) if record.end_line else None
    if end is None and end_for is not None:
        end = end_for(record)
    if end is not None and end > (line, col):
        region["endLine"], region["endColumn"] = end
        return region
    text = linecache.getline(record.filename, line).rstrip("\r\n")
    region["endLine"] = line
    if text:
        region["endColumn"] = max(col, len(text) + 1)  # exclusive, like SARIF wants
    return region


def sarif_log(records: Sequence[Record],
              end_for: Callable[[Record], tuple[int, int] | None] | None = None,
              ) -> dict[str, Any]:
    """The whole log: our rules first (all of them), then other codes seen."""
    from flake8_backend import __version__

    registry = _rules()
    rules = [sarif_rule(registry[code]) for code in sorted(registry)]
    index = {rule["id"]: i for i, rule in enumerate(rules)}
    for code in sorted({r.code for r in records} - set(index)):
        index[code] = len(rules)
        rules.append({"id": code})
    results = []
    for record in records:
        rel = relative_path(record.filename)
        if rel is None:
            artifact = {"uri": Path(os.path.abspath(record.filename)).as_uri()}
        else:
            artifact = {"uri": quote(rel), "uriBaseId": SRCROOT}
        results.append({
            "ruleId": record.code,
            "ruleIndex": index[record.code],
            "level": level_for(record.code),
            "message": {"text": record.text},
            "locations": [{"physicalLocation": {
                "artifactLocation": artifact,
                "region": sarif_region(record, end_for),
            }}],
        })
    driver = {
        "name": "flake8-backend",
        "version": __version__,
        "semanticVersion": __version__,
        "informationUri": information_uri(),
        "rules": rules,
    }
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": driver},
            "originalUriBaseIds": {SRCROOT: {"uri": Path.cwd().as_uri() + "/"}},
            "results": results,
        }],
    }


# -- GitHub Actions -----------------------------------------------------------------------
def escape_data(text: str) -> str:
    """A workflow command's message: `%`, CR and LF would end or corrupt the command."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value: `,` and `:` also delimit properties."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_line(record: Record) -> str:
    """One workflow command (`::warning file=...,line=...::message`), shown on the PR."""
    rule = _rules().get(record.code)
    title = f"{rule.code} {rule.name}" if rule else record.code
    path = relative_path(record.filename) or os.path.abspath(record.filename)
    props = ",".join(f"{key}={escape_property(str(value))}" for key, value in (
        ("file", path), ("line", max(record.line, 1)),
        ("col", max(record.col, 1)), ("title", title)))
    command = GITHUB_COMMAND[level_for(record.code)]
    return f"::{command} {props}::{escape_data(record.text)}"


__all__ = ["FATAL_CODES", "Record", "escape_data", "escape_property", "github_line",
           "information_uri", "json_document", "level_for", "relative_path", "sarif_log",
           "sarif_region", "sarif_rule", "statistics_lines", "text_line"]
