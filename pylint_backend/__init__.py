"""pylint plugin: `pylint --load-plugins=pylint_backend` (or `load-plugins` in config)."""

from __future__ import annotations

from typing import Any


def register(linter: Any) -> None:
    """pylint's plugin hook."""
    from pylint_backend.checker import BackendChecker

    linter.register_checker(BackendChecker(linter))
