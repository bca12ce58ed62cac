"""Shared test setup: internal errors must fail tests instead of being swallowed."""

import pytest


@pytest.fixture(autouse=True)
def _raise_internal_errors(monkeypatch):
    monkeypatch.setenv("FLAKE8_BACKEND_RAISE", "1")
