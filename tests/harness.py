"""Run a file through the engine, the real flake8 and the real pylint, in-process.

Fixtures carry their expectations inline: `# expect: BE014` on a line that must
be reported, `# ok: BE014` on a near miss that must stay silent, and optional
`# config: <toml>` header lines that become the `[tool.flake8-backend]` table, and an
optional `# path: <relative path>` line: where the file is linted, for rules that read
the module's path (the fixture's own name otherwise).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import sys
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

from flake8_backend.config import build_settings
from flake8_backend.engine import lint_source
from flake8_backend.registry import RULES
from flake8_backend.rules import load_rules

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

FIXTURES = Path(__file__).parent / "fixtures"
_CODES = r"(BE\d{3}(?:\s*,\s*BE\d{3})*)"
EXPECT = re.compile(r"#.*?\bexpect:\s*" + _CODES)
EXPECT_FLAKE8 = re.compile(r"#.*?\bexpect-flake8:\s*" + _CODES)
OK = re.compile(r"#.*?\bok:\s*" + _CODES)
CONFIG = re.compile(r"^# config:\s*(.+)$")
PATH = re.compile(r"^# path:\s*(\S+)$")

Hits = set[tuple[int, str]]


@dataclass
class Fixture:
    path: Path
    expected: Hits = field(default_factory=set)
    expected_flake8_only: Hits = field(default_factory=set)
    near_misses: Hits = field(default_factory=set)
    config_toml: str = ""
    linted_as: str = ""  # `# path:`: the relative path the file is linted at

    @property
    def table(self) -> dict:
        return tomllib.loads(self.config_toml) if self.config_toml else {}

    @property
    def codes(self) -> frozenset[str] | None:
        """The codes this fixture specifies: those of its name (`be005_be006_...`), of its
        markers and of its `enable` list. Other rules' findings on it are their own
        fixtures' business. None (every code) for `clean_*` fixtures and fixtures that
        name no code: those must stay silent for every rule."""
        if self.path.name.startswith("clean_"):
            return None
        codes = {f"BE{n}" for n in re.findall(r"(?:^|_)be(\d{3})(?=_|$)", self.path.stem)}
        for hits in (self.expected, self.expected_flake8_only, self.near_misses):
            codes.update(code for _, code in hits)
        enabled = self.table.get("enable", [])
        codes.update(c for c in enabled if isinstance(c, str) and re.fullmatch(r"BE\d{3}", c))
        return frozenset(codes) or None

    def scoped(self, hits: Hits) -> Hits:
        """`hits` restricted to the codes this fixture specifies."""
        codes = self.codes
        return hits if codes is None else {hit for hit in hits if hit[1] in codes}


def _codes(text: str) -> list[str]:
    return [c.strip() for c in text.split(",")]


def _statement_starts(text: str) -> dict[int, int]:
    """Line -> first line of its token range, as flake8 maps `# noqa` after a multi-line string.

    A comment after the closing quotes of a triple-quoted string refers to the string,
    which is reported on its first line.
    """
    starts: dict[int, int] = {}
    first = None
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type in (tokenize.ENDMARKER, tokenize.DEDENT):
            continue
        first = token.start[0] if first is None else min(first, token.start[0])
        if token.type in (tokenize.NL, tokenize.NEWLINE):
            for line in range(first, token.end[0] + 1):
                starts[line] = first
            first = None
    return starts


def parse_fixture(path: Path) -> Fixture:
    fixture = Fixture(path)
    config_lines = []
    text = path.read_text(encoding="utf-8")
    starts = _statement_starts(text)
    for number, line in enumerate(text.splitlines(), start=1):
        if match := CONFIG.match(line):
            config_lines.append(match.group(1))
        if match := PATH.match(line):
            fixture.linted_as = match.group(1)
        for pattern, bucket in ((EXPECT, fixture.expected),
                                (EXPECT_FLAKE8, fixture.expected_flake8_only),
                                (OK, fixture.near_misses)):
            if match := pattern.search(line):
                target = starts.get(number, number)
                bucket.update((target, code) for code in _codes(match.group(1)))
    fixture.config_toml = "\n".join(config_lines)
    return fixture


def write_project(directory: Path, config_toml: str = "") -> None:
    """A pyproject.toml holding the fixture's `[tool.flake8-backend]` table."""
    (directory / "pyproject.toml").write_text(
        f"[tool.flake8-backend]\n{config_toml}\n", encoding="utf-8")


def engine_hits(path: Path, table: dict | None = None) -> Hits:
    settings = build_settings(table or {})
    return {(f.line, f.code) for f in lint_source(path.read_bytes(), str(path), settings)}


def flake8_hits(path: Path, *args: str) -> Hits:
    """Findings of the real flake8 (in-process); config comes from the working directory."""
    from flake8.main.application import Application

    out = path.parent / ".flake8-output.txt"
    app = Application()
    app.run(["--isolated", "--select=BE", "--format=%(row)d|%(code)s",
             f"--output-file={out}", *args, str(path)])
    rows = [line.split("|") for line in out.read_text(encoding="utf-8").splitlines() if line]
    out.unlink()
    return {(int(row), code) for row, code in rows}


def pylint_hits(path: Path, *args: str) -> Hits:
    """Findings of the real pylint (in-process), mapped back to BE codes through the registry."""
    from pylint.lint import Run

    try:
        from pylint.reporters.json_reporter import JSON2Reporter as Reporter
    except ImportError:  # pylint < 3.3 (the lowest supported versions run in CI)
        from pylint.reporters.json_reporter import JSONReporter as Reporter

    by_id = {rule.pylint_id: code for code, rule in load_rules().items()}
    symbols = ",".join(rule.name for rule in RULES.values())
    buffer = io.StringIO()
    os.environ.setdefault("PYLINTHOME", str(path.parent / ".pylint.d"))
    with contextlib.redirect_stdout(io.StringIO()):
        Run(["--disable=all", f"--enable={symbols}", "--load-plugins=pylint_backend",
             "--persistent=n", "--score=n", *args, str(path)],
            reporter=Reporter(buffer), exit=False)
    data = json.loads(buffer.getvalue())
    messages = data["messages"] if isinstance(data, dict) else data
    ids = ((m["line"], m.get("messageId") or m.get("message-id")) for m in messages)
    return {(line, by_id[msg_id]) for line, msg_id in ids if msg_id in by_id}
