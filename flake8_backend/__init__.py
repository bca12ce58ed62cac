"""flake8-backend: backend code-review rules for flake8 and pylint, from one `ast` engine."""


def __getattr__(name: str) -> str:
    # Looked up on first use: reading package metadata costs milliseconds, and flake8
    # imports this package on every run through its report plugins.
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            found = version("flake8-backend")
        except PackageNotFoundError:  # a source tree that is not installed
            found = "0.0.0"
        globals()["__version__"] = found
        return found
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
