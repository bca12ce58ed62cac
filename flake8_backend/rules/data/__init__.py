"""BE00x: SQL and data access. One module per rule, named by code and name."""

from flake8_backend.rules.data import (  # noqa: F401  (import registers the rules)
    be001_sql_fstring, be002_sql_string_building, be003_select_star, be004_query_in_loop,
    be005_unbounded_query_in_handler, be006_connection_per_request,
    be007_foreign_key_without_index, be008_irreversible_migration)
