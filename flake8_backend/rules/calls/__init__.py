"""BE01x: external calls, timeouts and async. One module per rule, named by code and name."""

from flake8_backend.rules.calls import be014_requests_without_timeout  # noqa: F401
