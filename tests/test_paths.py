"""Path exemptions: globs match from the end of the path, segment-aware."""

import pytest

from flake8_backend.analysis.paths import path_matches
from flake8_backend.config import build_settings
from flake8_backend.engine import lint_source

DEFAULTS = ("migrations/**", "tests/**", "test_*.py", "*_test.py", "conftest.py")
N_PLUS_ONE = """\
def f(cur, rows):
    for r in rows:
        cur.execute("SELECT 1 FROM t WHERE id = %s", (r,))
"""


@pytest.mark.parametrize(("path", "matched"), [
    ("/srv/app/orders/migrations/0001_initial.py", True),
    ("/srv/app/tests/unit/test_orders.py", True),
    ("/srv/app/orders/test_views.py", True),
    ("orders/views_test.py", True),
    ("conftest.py", True),
    ("C:\\src\\app\\migrations\\0002.py", True),
    ("/srv/app/orders/views.py", False),
    ("/tmp/test_run_1/app/views.py", False),  # `*` does not cross directories
    ("/srv/app/mytests/views.py", False),
])
def test_default_patterns(path, matched):
    assert path_matches(path, DEFAULTS) is matched


def test_be004_respects_exclusions_and_the_option():
    enabled = build_settings({"enable": ["BE004"]})  # opt-in
    assert lint_source(N_PLUS_ONE, "/srv/app/orders/views.py", enabled)
    assert not lint_source(N_PLUS_ONE, "/srv/app/orders/migrations/0003_backfill.py", enabled)
    settings = build_settings({"query-in-loop-exclude": [], "enable": ["BE004"]})
    assert lint_source(N_PLUS_ONE, "/srv/app/orders/migrations/0003_backfill.py", settings)
