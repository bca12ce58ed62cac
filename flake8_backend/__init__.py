"""flake8-backend: backend code-review rules for flake8 and pylint, from one `ast` engine."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("flake8-backend")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"
