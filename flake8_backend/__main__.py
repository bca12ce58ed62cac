"""`python -m flake8_backend`: the same command as the `flake8-backend` script."""

import sys

from flake8_backend.cli import main

sys.exit(main())
