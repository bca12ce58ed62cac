"""Rule families: importing this package registers every rule, in code order.

This is the one module that imports the families, so nothing below it (the
registry, the analysis, the domain modules) ever imports a rule. Each family is
a folder named in `codes.FAMILIES`, one module per rule named by code and name
(`data/be001_sql_fstring.py`).
"""

from __future__ import annotations

from flake8_backend.registry import RULES, Rule
from flake8_backend.rules import (  # noqa: F401  (import registers)
    calls, data, errors, observability, routes, security, state)


def load_rules() -> dict[str, Rule]:
    """The registry, filled (importing this module filled it)."""
    return RULES
