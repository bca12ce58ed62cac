"""The `flake8-backend` command: `check` lints; `rules` and `rule BE014` explain.

`check` runs the engine alone over files in parallel (see `runner.py`), with the
same configuration, selection and `# noqa` semantics as the flake8 plugin, for
teams that run ruff and no flake8. `rules` and `rule`, like `ruff rule`, answer
"what does this code mean and how do I fix it" where the warning was seen. None of
them imports flake8 or pylint.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any, Sequence

from flake8_backend.registry import RULES, Rule
from flake8_backend.rules import load_rules

EXIT_USAGE = 2  # argparse's own code for a bad command line
FORMATS = ("text", "json", "sarif", "github")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="flake8-backend",
        description="Lint with flake8-backend's rules alone (`check`), or explain them. "
                    "The same rules run in `flake8` and `pylint --load-plugins=pylint_backend`.")
    parser.add_argument("--version", action=_Version, nargs=0,
                        help="show the version and exit")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _check_parser(commands)
    rules = commands.add_parser("rules", help="list every rule: code, name, default, summary")
    rules.add_argument("--format", choices=("text", "json"), default="text")
    rule = commands.add_parser("rule", help="show one rule's page (by code or by name)")
    rule.add_argument("rule", metavar="CODE_OR_NAME",
                      help="e.g. BE014, requests-without-timeout or W7314")
    rule.add_argument("--format", choices=("text", "json"), default="text")
    return parser


class _Version(argparse.Action):
    """`--version`, reading the package metadata only when asked (it costs ~15 ms)."""

    def __call__(self, parser: argparse.ArgumentParser, *args: Any, **kwargs: Any) -> None:
        from flake8_backend import __version__

        sys.stdout.write(f"{parser.prog} {__version__}\n")
        parser.exit()


def _check_parser(commands: Any) -> None:
    check = commands.add_parser(
        "check", help="lint files with the BE rules only (no flake8 needed)",
        description="Run flake8-backend's engine alone over PATHs (default: the working "
                    "directory), in parallel, with the [tool.flake8-backend] configuration and "
                    "flake8's # noqa semantics. Exit 0: nothing reported; 1: findings (or "
                    "files that could not be read or parsed); 2: usage or configuration error.")
    check.add_argument("paths", nargs="*", metavar="PATH",
                       help="files and directories (`-` reads standard input)")
    group = check.add_argument_group("selection (codes, prefixes or rule names, comma-separated)")
    group.add_argument("--select", metavar="CODES",
                       help="run only these (default: the configured rules); a full code or "
                            "name also turns on an opt-in or disabled rule")
    group.add_argument("--extend-select", metavar="CODES", action="append", default=[],
                       help="run these in addition")
    group.add_argument("--ignore", "--extend-ignore", metavar="CODES", action="append",
                       default=[], dest="ignore", help="do not report these")
    files = check.add_argument_group("files")
    files.add_argument("--exclude", metavar="PATTERNS",
                       help="comma-separated globs to skip, as flake8's --exclude (replaces "
                            "its default list: .git, __pycache__, .tox, ...)")
    files.add_argument("--extend-exclude", metavar="PATTERNS", action="append", default=[],
                       help="more globs to skip")
    files.add_argument("--no-respect-gitignore", dest="gitignore", action="store_false",
                       help="also check files that .gitignore ignores")
    files.add_argument("--stdin-display-name", default="stdin", metavar="NAME",
                       help="the name shown for `-` (and matched by path options)")
    files.add_argument("--config", metavar="FILE",
                       help="the TOML file holding [tool.flake8-backend] (default: the nearest "
                            "pyproject.toml; also FLAKE8_BACKEND_CONFIG)")
    output = check.add_argument_group("output")
    output.add_argument("--format", choices=FORMATS, default="text",
                        help="text (flake8's path:line:col: CODE message), json, sarif "
                             "(2.1.0) or github (Actions annotations)")
    output.add_argument("--output-file", metavar="FILE", help="write the report here")
    output.add_argument("--statistics", action="store_true",
                        help="count findings per code, as flake8 --statistics")
    output.add_argument("--exit-zero", action="store_true",
                        help="exit 0 even when something is reported")
    output.add_argument("--disable-noqa", action="store_true",
                        help="report findings even on lines with # noqa")
    output.add_argument("-j", "--jobs", type=_jobs, default=0, metavar="N",
                        help="processes to run (default: every core)")
    base = check.add_argument_group("baseline")
    base.add_argument("--baseline", metavar="FILE",
                      help="hide the findings recorded in FILE (default: `baseline` in the "
                           "configuration)")
    base.add_argument("--write-baseline", metavar="FILE",
                      help="record today's findings in FILE and exit (with --baseline: keep "
                           "only the entries that still match, so the file only shrinks)")
    base.add_argument("--show-stale", action="store_true",
                      help="list baseline entries that match nothing any more (fixed); "
                           "exit 1 if there are any")


def _jobs(text: str) -> int:
    if text == "auto":
        return 0
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number or auto, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected at least 1, got {value}")
    return value


def find_rule(key: str) -> Rule | None:
    """A rule by code, kebab-case name or pylint id: whichever the user's output showed."""
    load_rules()
    wanted = key.strip()
    if wanted.upper() in RULES:
        return RULES[wanted.upper()]
    return next((rule for rule in RULES.values()
                 if wanted.lower() == rule.name or wanted.upper() == rule.pylint_id), None)


def rule_json(rule: Rule) -> dict:
    """A rule as data for scripts (editor integrations, dashboards)."""
    return {
        "code": rule.code,
        "name": rule.name,
        "pylint_id": rule.pylint_id,
        "severity": rule.severity,
        "default_enabled": rule.default_enabled,
        "summary": rule.summary,
        "message": rule.message,
        "what": rule.what,
        "why": rule.why,
        "example": rule.bad,
        "fix": rule.good,
        "options": [{"name": o.name, "flag": f"--{o.native_name}", "type": o.kind,
                     "choices": list(o.choices), "default": o.default,
                     "help": o.help} for o in rule.options],
        "notes": rule.notes,
        "related": list(rule.related),
    }


def rules_text() -> str:
    """An aligned table; the summary is the last column so long ones only run on."""
    from flake8_backend.docs import default_state

    load_rules()
    rows = [("Code", "Name", "Default", "Summary")]
    rows += [(r.code, r.name, default_state(r), r.summary)
             for r in (RULES[code] for code in sorted(RULES))]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row[:3], widths)) + "  " + row[3]
        for row in rows)


def _emit(text: str) -> None:
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    sys.stdout.flush()


def main(argv: Sequence[str] | None = None) -> int:
    """Console entry point (`flake8-backend`); returns the exit code."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "check":
            from flake8_backend.check import main as check_main

            return check_main(args)
        if args.command == "rules":
            load_rules()
            if args.format == "json":
                _emit(json.dumps([rule_json(RULES[c]) for c in sorted(RULES)], indent=2))
            else:
                _emit(rules_text())
            return 0
        rule = find_rule(args.rule)
        if rule is None:
            print(f"flake8-backend: unknown rule {args.rule!r} "
                  "(`flake8-backend rules` lists them)", file=sys.stderr)
            return EXIT_USAGE
        from flake8_backend.docs import rule_page

        _emit(json.dumps(rule_json(rule), indent=2) if args.format == "json"
              else rule_page(rule))
        return 0
    except BrokenPipeError:  # `flake8-backend rule BE014 | head` closed the pipe early
        # Point stdout at devnull so the interpreter's final flush cannot fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
