"""`flake8-backend rules` and `flake8-backend rule BE014`: the rule docs in a terminal.

Like `ruff rule`, it answers "what does this code mean and how do I fix it" where
the warning was seen, without a browser. It reads only the registry, so it starts
fast and never imports flake8 or pylint.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Sequence

from flake8_backend import __version__
from flake8_backend.docs import default_state, rule_page
from flake8_backend.registry import RULES, Rule
from flake8_backend.rules import load_rules

EXIT_USAGE = 2  # argparse's own code for a bad command line


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="flake8-backend",
        description="Explain flake8-backend's rules. Linting itself runs through "
                    "`flake8` or `pylint --load-plugins=pylint_backend`.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    rules = commands.add_parser("rules", help="list every rule: code, name, default, summary")
    rules.add_argument("--format", choices=("text", "json"), default="text")
    rule = commands.add_parser("rule", help="show one rule's page (by code or by name)")
    rule.add_argument("rule", metavar="CODE_OR_NAME",
                      help="e.g. BE014, requests-without-timeout or W7314")
    rule.add_argument("--format", choices=("text", "json"), default="text")
    return parser


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
        _emit(json.dumps(rule_json(rule), indent=2) if args.format == "json"
              else rule_page(rule))
        return 0
    except BrokenPipeError:  # `flake8-backend rule BE014 | head` closed the pipe early
        # Point stdout at devnull so the interpreter's final flush cannot fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
