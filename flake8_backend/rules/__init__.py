"""Rule families. Importing this package registers every rule, in code order."""

from flake8_backend.rules import sql_injection  # noqa: F401  BE001
from flake8_backend.rules import sql_building  # noqa: F401  BE002
from flake8_backend.rules import select_star  # noqa: F401  BE003
from flake8_backend.rules import query_in_loop  # noqa: F401  BE004
from flake8_backend.rules import handler_data_access  # noqa: F401  BE005, BE006
from flake8_backend.rules import schema  # noqa: F401  BE007, BE008
from flake8_backend.rules import http_timeouts  # noqa: F401  BE014
from flake8_backend.rules import bare_except  # noqa: F401  BE020
