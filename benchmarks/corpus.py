"""Pinned real-world corpora of backend Python code, fetched from PyPI.

Two corpora, each a set of distribution files pinned by exact version, file
name and sha256, so results are comparable across runs and machines and a file
re-published under the same name cannot silently change them:

- ``libs`` (the default): ten frameworks and libraries (Django, SQLAlchemy,
  requests, ...). The no-crash test, the benchmark and the findings snapshot
  run over it.
- ``apps``: real backend applications built on Django, Flask, FastAPI and
  SQLAlchemy 2.0 (async too). Rules tuned on library internals learn the wrong
  lessons; precision is judged on application code (``precision.py``).

Only ``*.py`` files are unpacked, into ``<repo>/.cache/corpus/<name>-<version>/``
for ``libs`` and ``<repo>/.cache/corpus-apps/<name>-<version>/`` for ``apps``
(override with ``--cache DIR`` or the ``FLAKE8_BACKEND_CORPUS`` /
``FLAKE8_BACKEND_APP_CORPUS`` environment variable). A package is downloaded
once; later runs find its ``.complete`` marker and touch neither pip nor the
network.

Usage::

    python benchmarks/corpus.py [--corpus libs|apps] [--cache DIR] [--list]

Importable (stdlib only, nothing is downloaded at import time); *corpus* is
``"libs"`` unless given::

    ensure_corpus(cache_dir=None, quiet=False, corpus="libs") -> Path
    corpus_files(root=None, corpus="libs") -> list[Path]
    package_of(path, corpus="libs") -> str
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import NamedTuple


class Pin(NamedTuple):
    """One pinned distribution file: exact version, file name and sha256."""

    version: str
    filename: str
    sha256: str


# All wheels: pure-python ``py3-none-any`` wheels hold exactly the library
# code that gets deployed (sdists add test suites, e.g. ~2,000 Django test
# files), and downloading a wheel runs no build backend, unlike an sdist.
# An entry may name a ``.tar.gz`` sdist instead; see _pip_download_args.
PACKAGES: dict[str, Pin] = {
    "django": Pin(
        "6.1.3",
        "django-6.1.3-py3-none-any.whl",
        "a0530e3fdac55d34ccc5893c36f6c57d7a7083064f3d414537e51473648b3290",
    ),
    "flask": Pin(
        "3.1.3",
        "flask-3.1.3-py3-none-any.whl",
        "f4bcbefc124291925f1a26446da31a5178f9483862233b23c0c96a20701f670c",
    ),
    "fastapi": Pin(
        "0.163.2",
        "fastapi-0.163.2-py3-none-any.whl",
        "825a8fdd18d7bfcb1b86735e9805c59b7400d55c4060d3df5331b62ae452f004",
    ),
    "sqlalchemy": Pin(
        "2.1.9",
        "sqlalchemy-2.1.9-py3-none-any.whl",
        "449fed5c2caa3b278cc57499d09db001fb3f28dc7f18affc48142aee4dcc0cdf",
    ),
    "requests": Pin(
        "2.34.2",
        "requests-2.34.2-py3-none-any.whl",
        "2a0d60c172f83ac6ab31e4554906c0f3b3588d37b5cb939b1c061f4907e278e0",
    ),
    "httpx": Pin(
        "0.28.1",
        "httpx-0.28.1-py3-none-any.whl",
        "d909fcccc110f8c7faf814ca82a9a4d816bc5a6dbfea25d6591d6985b8ba59ad",
    ),
    "celery": Pin(
        "5.7.0",
        "celery-5.7.0-py3-none-any.whl",
        "18310a9c919f9029e4735367484d93e6a25cdfd30afdc474622cc263d9b35f6e",
    ),
    "datasette": Pin(
        "0.65.5",
        "datasette-0.65.5-py3-none-any.whl",
        "ca5faf528d4c1acc22e78b0274257435683ae6c75cf275939f2b92a10e498dbb",
    ),
    "sqlite-utils": Pin(
        "4.2.1",
        "sqlite_utils-4.2.1-py3-none-any.whl",
        "7fbaee670713b25eceba05779b844f0895efaf680d9a226fa5ba7dfe165721c5",
    ),
    "label-studio": Pin(
        "1.23.2",
        "label_studio-1.23.2-py3-none-any.whl",
        "c575b2552d0b271554224c5e56ab2ce9449c6e62a0b4851bc8c706d8fe651137",
    ),
}

# Applications, not libraries: code that handles requests and talks to its own
# database, where the rules' findings matter most. Two or more per stack:
# Django (pretix, weblate, pulpcore with DRF, misago), Flask + SQLAlchemy
# (indico on 1.4, ckan on 2.0), FastAPI + async SQLAlchemy 2.0 (prefect,
# dstack) and mlflow's tracking server (Flask/FastAPI + SQLAlchemy 2.0). Their
# wheels are the deployed code; misago, ckan and pulpcore ship tests in them.
APP_PACKAGES: dict[str, Pin] = {
    "pretix": Pin(
        "2026.8.0",
        "pretix-2026.8.0-py3-none-any.whl",
        "a78932e698778d873530d67f25a57c28d1c09b1bfb1a22ec817c00d90397db85",
    ),
    "weblate": Pin(
        "2026.10.1",
        "weblate-2026.10.1-py3-none-any.whl",
        "27a779ceb05fec3665081df0d3f46f4b6ac0e3f499160a1c3cb145e8e35853d2",
    ),
    "pulpcore": Pin(
        "3.123.1",
        "pulpcore-3.123.1-py3-none-any.whl",
        "93652191c82e1543a3ed2f62ee9e58eec892a0e79138461bffb8ce8905b9cfea",
    ),
    "misago": Pin(
        "0.39.6",
        "misago-0.39.6-py3-none-any.whl",
        "57152ffa4d5d567803594b49163a7b399e93fab438f99ab4a463459936eb9f00",
    ),
    "indico": Pin(
        "3.3.14",
        "indico-3.3.14-py3-none-any.whl",
        "d98e030e0f21d22b9d9423d7cb3f9fca472ac5c2c4f3d8c5d7026ed3ed6c9811",
    ),
    "ckan": Pin(
        "2.12.0",
        "ckan-2.12.0-py3-none-any.whl",
        "3b41cb4860286813fbcd18c57341e96edba266e2e492aeea92c4e03ce9e2934e",
    ),
    "prefect": Pin(
        "3.9.1",
        "prefect-3.9.1-py3-none-any.whl",
        "0c662e26e971b617993eed1f3d02fb8bc3c2dd47bee521b495f6e4dfeb38ae74",
    ),
    "dstack": Pin(
        "0.22.5",
        "dstack-0.22.5-py3-none-any.whl",
        "e83cd6b7161f379ed173c012cd4d4149d1c395af6abf1dae61a9143f78e3cd04",
    ),
    "mlflow": Pin(
        "3.18.0",
        "mlflow-3.18.0-py3-none-any.whl",
        "be7d84ba0d0b12392f5b53260cdb3e6d7b7ef4b80c29da90a89b5a1f6db7102f",
    ),
}

MARKER = ".complete"
_CACHE_BASE = Path(__file__).resolve().parent.parent / ".cache"


class Corpus(NamedTuple):
    """One pinned corpus: its packages and where and how they are fetched."""

    packages: dict[str, Pin]
    default_cache: Path
    env_var: str
    # pip filters releases by Requires-Python, so the target is fixed to make
    # the choice independent of the interpreter running this script.
    target_python: str


CORPORA: dict[str, Corpus] = {
    # Django 6.x needs >= 3.12.
    "libs": Corpus(PACKAGES, _CACHE_BASE / "corpus", "FLAKE8_BACKEND_CORPUS", "3.12"),
    # indico 3.3 needs >= 3.12.2, which a bare "3.12" (read as 3.12.0) fails.
    "apps": Corpus(APP_PACKAGES, _CACHE_BASE / "corpus-apps", "FLAKE8_BACKEND_APP_CORPUS",
                   "3.12.8"),
}
DEFAULT_CORPUS = "libs"
# Names kept for callers of the single-corpus API (bench.py, older scripts).
ENV_VAR = CORPORA["libs"].env_var
TARGET_PYTHON = CORPORA["libs"].target_python
DEFAULT_CACHE = CORPORA["libs"].default_cache


class CorpusError(RuntimeError):
    """A failure worth one line to the user: network, pip or hash mismatch."""


def get_corpus(corpus: str = DEFAULT_CORPUS) -> Corpus:
    """The corpus of that name, or a CorpusError naming the choices."""
    try:
        return CORPORA[corpus]
    except KeyError:
        raise CorpusError(f"unknown corpus {corpus!r}; choose from "
                          f"{', '.join(CORPORA)}") from None


def default_cache_dir(corpus: str = DEFAULT_CORPUS) -> Path:
    """The corpus root: its environment variable, else ``<repo>/.cache/corpus[-apps]``."""
    spec = get_corpus(corpus)
    env = os.environ.get(spec.env_var)
    return Path(env).expanduser() if env else spec.default_cache


def package_dir(root: Path, name: str, corpus: str = DEFAULT_CORPUS) -> Path:
    """Folder of one package; the version is in the name so a re-pin re-fetches."""
    return root / f"{name}-{get_corpus(corpus).packages[name].version}"


def is_complete(root: Path, name: str, corpus: str = DEFAULT_CORPUS) -> bool:
    """True if the package was fully unpacked from the pinned file."""
    marker = package_dir(root, name, corpus) / MARKER
    try:
        return (marker.read_text(encoding="ascii").strip()
                == get_corpus(corpus).packages[name].sha256)
    except (OSError, UnicodeDecodeError):
        return False


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file, read in chunks (label-studio's wheel is 74 MB)."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _pip_download_args(name: str, pin: Pin, dest: Path,
                       target_python: str = TARGET_PYTHON) -> list[str]:
    """pip command that selects exactly the pinned file, whatever interpreter runs it."""
    args = [sys.executable, "-m", "pip", "download", "--no-deps",
            "--disable-pip-version-check", "--no-input", "--progress-bar", "off",
            "--dest", str(dest)]
    if pin.filename.endswith(".whl"):
        args += ["--only-binary", ":all:", "--python-version", target_python,
                 "--implementation", "py", "--abi", "none", "--platform", "any"]
    else:
        args += ["--no-binary", ":all:", "--ignore-requires-python"]
    return [*args, f"{name}=={pin.version}"]


def _pip_error(stderr: str) -> str:
    """The most telling line of pip's output (its last ERROR line, if any).

    Offline, pip ends with "No matching distribution", which reads like a bad
    pin, so connection trouble earlier in its output is named explicitly.
    """
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    errors = [ln for ln in lines if ln.startswith("ERROR:")]
    message = (errors or lines or ["no output"])[-1]
    if any("connection broken" in ln or "Could not fetch URL" in ln for ln in lines):
        message += " (could not reach the package index: offline?)"
    return message


def download(name: str, dest: Path, corpus: str = DEFAULT_CORPUS) -> Path:
    """Download the pinned file into *dest* and check its name and sha256."""
    spec = get_corpus(corpus)
    pin = spec.packages[name]
    proc = subprocess.run(_pip_download_args(name, pin, dest, spec.target_python),
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise CorpusError(f"pip download {name}=={pin.version} failed: "
                          f"{_pip_error(proc.stderr)}")
    path = dest / pin.filename
    if not path.is_file():
        got = ", ".join(sorted(p.name for p in dest.iterdir())) or "nothing"
        raise CorpusError(f"{name}: expected {pin.filename}, pip saved {got}")
    actual = sha256_of(path)
    if actual != pin.sha256:
        raise CorpusError(f"{name}: sha256 mismatch for {pin.filename}: "
                          f"expected {pin.sha256}, got {actual}")
    return path


def safe_relpath(member: str, strip_top: bool) -> PurePosixPath | None:
    """Archive member name as a safe relative path, or None to skip it.

    Absolute names, drive letters, backslashes and ``..`` are refused so an
    archive can never write outside its package folder.
    """
    if "\\" in member or member.startswith("/") or ":" in member:
        return None
    parts = [p for p in PurePosixPath(member).parts if p not in ("", ".")]
    if strip_top:  # sdists wrap everything in "<name>-<version>/"
        parts = parts[1:]
    if not parts or ".." in parts:
        return None
    return PurePosixPath(*parts)


def _py_members(archive: Path) -> Iterator[tuple[str, bytes]]:
    """Yield (name, bytes) of regular ``.py`` files; links and devices never."""
    if archive.name.endswith(".whl"):
        with zipfile.ZipFile(archive) as zf:
            for info in zf.infolist():
                if not info.is_dir() and info.filename.endswith(".py"):
                    yield info.filename, zf.read(info)
    else:
        with tarfile.open(archive) as tf:
            for tinfo in tf:
                if tinfo.isreg() and tinfo.name.endswith(".py"):
                    fh = tf.extractfile(tinfo)
                    if fh is not None:
                        yield tinfo.name, fh.read()


def unpack_py(archive: Path, dest: Path) -> int:
    """Write the archive's ``.py`` files under *dest*; return how many.

    Bytes are written by hand rather than via extractall, so only regular
    files land, with default permissions, at checked paths.
    """
    strip_top = not archive.name.endswith(".whl")
    count = 0
    for member, data in _py_members(archive):
        rel = safe_relpath(member, strip_top)
        if rel is None:
            continue
        target = dest.joinpath(*rel.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        count += 1
    return count


def _install(root: Path, name: str, quiet: bool, corpus: str = DEFAULT_CORPUS) -> None:
    """Download, verify and unpack one package, then move it into place.

    Everything happens in a temp dir beside the target and the marker is
    written before the final rename, so an interrupted run never leaves a
    package that looks complete.
    """
    pin = get_corpus(corpus).packages[name]
    final = package_dir(root, name, corpus)
    work = Path(tempfile.mkdtemp(prefix=f".tmp-{name}-", dir=root))
    try:
        archive = download(name, work / "download", corpus)
        staged = work / "unpacked"
        staged.mkdir()
        count = unpack_py(archive, staged)
        if count == 0:
            raise CorpusError(f"{name}: {pin.filename} holds no .py files")
        (staged / MARKER).write_text(pin.sha256 + "\n", encoding="ascii")
        if is_complete(root, name, corpus):  # a concurrent run finished first
            return
        if final.exists():  # left by a broken run: no valid marker
            shutil.rmtree(final)
        try:
            staged.rename(final)
        except OSError:
            if not is_complete(root, name, corpus):  # a concurrent run did not win
                raise
        if not quiet:
            size = archive.stat().st_size / 1e6
            print(f"fetched {pin.filename} ({size:.1f} MB, {count} .py files)",
                  file=sys.stderr)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _sweep_stale(root: Path, max_age: float = 3600.0) -> None:
    """Remove temp dirs left by a killed run; young ones may be a live run's."""
    now = time.time()
    for tmp in root.glob(".tmp-*"):
        try:
            if tmp.is_dir() and now - tmp.stat().st_mtime > max_age:
                shutil.rmtree(tmp, ignore_errors=True)
        except OSError:
            pass


def ensure_corpus(cache_dir: Path | None = None, quiet: bool = False,
                  corpus: str = DEFAULT_CORPUS) -> Path:
    """Make every pinned package present under the corpus root; return the root.

    Packages whose marker matches the pinned sha256 are skipped without
    running pip, so a populated cache works offline.
    """
    spec = get_corpus(corpus)
    root = Path(cache_dir) if cache_dir is not None else default_cache_dir(corpus)
    missing = [name for name in spec.packages if not is_complete(root, name, corpus)]
    if missing:
        root.mkdir(parents=True, exist_ok=True)
        _sweep_stale(root)
    for name in missing:
        _install(root, name, quiet, corpus)
    return root


def package_files(root: Path, name: str, corpus: str = DEFAULT_CORPUS) -> list[Path]:
    """Sorted ``.py`` files of one package, which must be complete."""
    if not is_complete(root, name, corpus):
        version = get_corpus(corpus).packages[name].version
        raise CorpusError(f"corpus at {root} lacks {name}-{version}; "
                          f"run ensure_corpus() first")
    return sorted(package_dir(root, name, corpus).rglob("*.py"))


def corpus_files(root: Path | None = None, corpus: str = DEFAULT_CORPUS) -> list[Path]:
    """Sorted list of every ``.py`` file in the corpus (fetched if root is None)."""
    root = ensure_corpus(quiet=True, corpus=corpus) if root is None else Path(root)
    return sorted(p for name in get_corpus(corpus).packages
                  for p in package_files(root, name, corpus))


def package_of(path: Path | str, corpus: str = DEFAULT_CORPUS) -> str:
    """Name of the pinned package a corpus file belongs to (ValueError if none)."""
    packages = get_corpus(corpus).packages
    dirs = {f"{name}-{pin.version}": name for name, pin in packages.items()}
    for part in Path(path).parts:
        if part in dirs:
            return dirs[part]
    raise ValueError(f"{path} is not inside a pinned {corpus} corpus package")


def count_lines(path: Path) -> int:
    """Physical lines of a file, counting a last line without newline."""
    data = path.read_bytes()
    return data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)


def _summary(root: Path, corpus: str = DEFAULT_CORPUS) -> None:
    """Print one line per package (name, version, files, lines) and a total."""
    total_files = total_lines = 0
    for name, pin in get_corpus(corpus).packages.items():
        files = package_files(root, name, corpus)
        lines = sum(count_lines(p) for p in files)
        total_files += len(files)
        total_lines += lines
        print(f"{name:<14} {pin.version:<9} {len(files):>6} files {lines:>9} lines")
    print(f"{'total':<14} {'':<9} {total_files:>6} files {total_lines:>9} lines")


def main(argv: list[str] | None = None) -> int:
    """CLI entry point; errors become one line on stderr and exit code 2."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", choices=sorted(CORPORA), default=DEFAULT_CORPUS,
                        help="libs: frameworks and libraries; apps: applications "
                             "(default: %(default)s)")
    parser.add_argument("--cache", type=Path, metavar="DIR",
                        help="corpus root (default: $FLAKE8_BACKEND_CORPUS or "
                             ".cache/corpus for libs, $FLAKE8_BACKEND_APP_CORPUS or "
                             ".cache/corpus-apps for apps)")
    parser.add_argument("--list", action="store_true",
                        help="print the path of every corpus file instead of the summary")
    args = parser.parse_args(argv)
    try:
        root = ensure_corpus(args.cache, corpus=args.corpus)
        if args.list:
            for path in corpus_files(root, args.corpus):
                print(path)
        else:
            _summary(root, args.corpus)
    except BrokenPipeError:  # e.g. `--list | head`: not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (CorpusError, OSError) as exc:
        print(f"corpus: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("corpus: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
