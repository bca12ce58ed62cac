"""BE02x: error handling. One module per rule, named by code and name."""

from flake8_backend.rules.errors import be020_bare_except_handler  # noqa: F401
