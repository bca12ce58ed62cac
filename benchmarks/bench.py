#!/usr/bin/env python3
"""Performance budget of flake8-backend on the pinned corpus (a benchmark, not a test).

A lint plugin is only adopted if it is close to free inside the tools people
already run, so every figure here is a ratio measured in the same run:

* engine / `ast.parse` for the same files (budget <= 0.6), with `ast.walk` /
  parse as the floor of any single-pass checker;
* `flake8 -j1` with the plugin / without it (budget <= 1.03), wall and CPU time,
  plus peak RSS of each arm;
* `pylint` with `--load-plugins=pylint_backend` / without (budget <= 1.03);
* engine time per line on 852 corpus files joined into one 190k-line module over the same
  files linted one by one (budget <= 1.5: linear in file size), with one module's code 20
  times over and small, medium and very large modules of different code printed beside it.
* `flake8-backend check` (section `check`): its CPU over `ast.parse` of the same files in
  a process of its own (budget <= 1.6), `flake8 --select=BE` CPU over `check` CPU on the
  flake8 subset (budget >= 10), and `-j2` wall time over `-j1` (close to 0.5 on 2 cores).

Both flake8 arms run through the same wrapper (`--_flake8-arm on|off`), which
only filters our entry point out of flake8's plugin discovery, and the arms are
interleaved (AB BA AB ...) so drift on a shared machine cancels out.

* optionally (`--only instructions`), the flake8 on/off ratio of instructions
  executed under valgrind's callgrind, which does not depend on the machine's load.

Usage::

    python benchmarks/bench.py [--repeat 5] [--files N] [--json PATH] [--profile]
    python benchmarks/bench.py --only instructions [--instruction-files 100]
    python benchmarks/bench.py --rule-set default   # what a configuration without `enable` costs
"""

from __future__ import annotations

import argparse
import ast
import gc
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
TARGETS = {"engine_parse": 0.6, "flake8": 1.03, "pylint": 1.03, "scaling": 1.5,
           "check_parse": 1.6, "flake8_check": 10.0, "check_jobs": 0.6}
FLAKE8_SELECT = "E,F,W,C90,BE"  # flake8's default selection plus ours
SCALING_SIZES = (100, 10_000, 200_000)
SCALING_COPIES = 20  # the 10k-line module's code this many times over (see `_same_code`)
# Every rule on, in both front ends, without a flag the plugin-less arm would reject; or the
# rules a configuration without `enable` runs (`--rule-set default`).
RULE_SET_TABLES = {"all": {"enable": ["BE"]}, "default": {}}
RULE_SET_CONFIGS = {"all": '[tool.flake8-backend]\nenable = ["BE"]\n',
                    "default": "[tool.flake8-backend]\n"}
_RULE_SET = ["all"]  # set from --rule-set

Source = tuple[str, str]  # (filename, decoded text)


# -- the code under test ---------------------------------------------------------------
FROZEN_PACKAGES = ("flake8_backend", "pylint_backend")


def freeze_code(work: Path) -> tuple[Path, str]:
    """Copy our packages aside and import them from there, here and in every child.

    The subprocess arms import the plugin afresh in each run; on a tree that is being
    edited the arms would otherwise measure different code. Returns the copy's
    folder (for PYTHONPATH) and the git revision it came from. The copy is
    byte-compiled, as `pip install` does, so that no arm pays for compiling our
    modules when the environment sets PYTHONDONTWRITEBYTECODE.
    """
    import compileall
    import importlib.util
    import shutil

    target = work / "frozen"
    for name in FROZEN_PACKAGES:
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.submodule_search_locations:
            raise SystemExit(f"bench: error: {name} is not installed; run `pip install -e .`")
        source = Path(list(spec.submodule_search_locations)[0])
        shutil.copytree(source, target / name, ignore=shutil.ignore_patterns("__pycache__"))
        if not compileall.compile_dir(target / name, quiet=1):
            raise SystemExit(f"bench: error: cannot byte-compile {target / name}")
    sys.path.insert(0, str(target))
    return target, _revision(source.parent)


def _revision(repo: Path) -> str:
    """`<short sha>` of the checkout, `+dirty` when our packages have local changes."""
    def git(*args: str) -> str:
        proc = subprocess.run(["git", "-C", str(repo), *args], capture_output=True,
                              text=True, check=False)
        return proc.stdout.strip() if proc.returncode == 0 else ""

    sha = git("rev-parse", "--short", "HEAD") or "unknown"
    dirty = git("status", "--porcelain", "--", *FROZEN_PACKAGES)
    return sha + ("+dirty" if dirty else "")


# -- corpus ---------------------------------------------------------------------------
def load_corpus_module() -> Any:
    """`benchmarks/corpus.py`, imported by path so this script runs from anywhere."""
    if str(HERE) not in sys.path:
        sys.path.insert(0, str(HERE))
    import corpus  # noqa: PLC0415 - path set just above

    return corpus


def corpus_paths() -> tuple[Path, list[Path]]:
    """The corpus root and its sorted files; one-line exit when it cannot be fetched."""
    corpus = load_corpus_module()
    try:
        root = corpus.ensure_corpus(quiet=True)
        return root, corpus.corpus_files(root)
    except (corpus.CorpusError, OSError) as exc:
        raise SystemExit(f"bench: error: corpus unavailable: {exc} "
                         "(run `python benchmarks/corpus.py` to fetch it)") from None


def read_sources(paths: list[Path]) -> tuple[list[Source], int]:
    """Decoded text of every file that parses here, and how many did not."""
    from flake8_backend.engine import parse_source

    sources, skipped = [], 0
    for path in paths:
        parsed = parse_source(path.read_bytes(), str(path))
        if parsed is None:
            skipped += 1
        else:
            sources.append((str(path), parsed[1]))
    return sources, skipped


def evenly_spaced(items: list, count: int | None) -> list:
    """A deterministic subset spread over the whole sorted list (all packages, not just django)."""
    if not count or count >= len(items):
        return list(items)
    return [items[i * len(items) // count] for i in range(count)]


def all_rules_settings() -> Any:
    """The settings of the measured rule set: every rule, unless `--rule-set default`."""
    from flake8_backend.config import build_settings

    return build_settings(RULE_SET_TABLES[_RULE_SET[0]], "bench")


# -- engine vs parse ------------------------------------------------------------------
def time_engine(sources: list[Source], settings: Any, repeat: int) -> dict[str, Any]:
    """Per file: parse, engine, plain walk, each timed separately; sums per repeat."""
    from flake8_backend.engine import lint_tree

    perf = time.perf_counter
    runs = []
    findings = 0
    for _ in range(repeat):
        gc.collect()
        parse = engine = walk = 0.0
        findings = 0
        for name, text in sources:
            t0 = perf()
            tree = ast.parse(text, name)
            t1 = perf()
            findings += len(lint_tree(tree, text, settings, name))
            t2 = perf()
            for _node in ast.walk(tree):
                pass
            t3 = perf()
            parse += t1 - t0
            engine += t2 - t1
            walk += t3 - t2
        runs.append({"parse": parse, "engine": engine, "walk": walk})
    return {
        "parse_s": _median(runs, "parse"),
        "engine_s": _median(runs, "engine"),
        "walk_s": _median(runs, "walk"),
        "engine_parse": statistics.median(r["engine"] / r["parse"] for r in runs),
        "walk_parse": statistics.median(r["walk"] / r["parse"] for r in runs),
        "findings": findings,
    }


def time_rules(sources: list[Source], repeat: int) -> dict[str, Any]:
    """Each rule alone: engine time over ast.parse time of the same files (trees parsed
    beforehand, fastest of `repeat`). What a rule costs beyond the shared walk is its
    figure minus the cheapest rule's; the sum over rules bounds the all-rules figure."""
    from flake8_backend.config import build_settings
    from flake8_backend.engine import lint_tree
    from flake8_backend.rules import load_rules

    trees = []
    for name, text in sources:
        try:
            trees.append((ast.parse(text, name), text, name))
        except (SyntaxError, ValueError):
            continue

    def fastest(func: Callable[[], object]) -> float:
        best = float("inf")
        for _ in range(repeat):
            gc.collect()
            t0 = time.process_time()
            func()
            best = min(best, time.process_time() - t0)
        return best

    parse = fastest(lambda: [ast.parse(text, name) for _, text, name in trees])
    codes = sorted(load_rules())
    result = {}
    for code in codes:
        settings = build_settings({"enable": [code], "disable": [c for c in codes if c != code]},
                                  "bench")
        seconds = fastest(lambda: [lint_tree(tree, text, settings, name)
                                   for tree, text, name in trees])
        result[code] = seconds / parse
    return {"parse_s": parse, "alone": result}


def _median(runs: list[dict[str, float]], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def profile_engine(sources: list[Source], settings: Any, top: int) -> str:
    """cProfile of the engine alone (trees parsed beforehand), sorted by own time."""
    import cProfile
    import io
    import pstats

    from flake8_backend.engine import lint_tree

    trees = [(name, text, ast.parse(text, name)) for name, text in sources]
    profiler = cProfile.Profile()
    profiler.enable()
    for name, text, tree in trees:
        lint_tree(tree, text, settings, name)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs()
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    return out.getvalue()


# -- subprocess arms -----------------------------------------------------------------
# Runs one command and reports its rusage. Children are started from this small process,
# not from the benchmark itself: on Linux a child's ru_maxrss starts from the RSS of the
# process it was forked from, which here holds the whole corpus in memory.
_LAUNCHER = """\
import json, os, sys, time
start = time.perf_counter()
devnull = [(os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
           (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0)]
pid = os.posix_spawn(sys.argv[1], sys.argv[1:], os.environ, file_actions=devnull)
_, status, usage = os.wait4(pid, 0)
print(json.dumps({"wall": time.perf_counter() - start, "cpu": usage.ru_utime + usage.ru_stime,
                  "rss_mb": usage.ru_maxrss / 1024, "rc": os.waitstatus_to_exitcode(status)}))
"""


def run_child(cmd: list[str], env: dict[str, str], cwd: str) -> dict[str, float]:
    """Wall time, CPU time and peak RSS (ru_maxrss, KiB on Linux) of one command."""
    with tempfile.TemporaryFile() as err:
        proc = subprocess.run([sys.executable, "-c", _LAUNCHER, *cmd], env=env, cwd=cwd,
                              stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err,
                              text=True, check=False)
        result = json.loads(proc.stdout) if proc.returncode == 0 and proc.stdout else None
        if result is None or result["rc"] != 0:
            err.seek(0)
            tail = err.read().decode(errors="replace").strip().splitlines()[-1:] or ["no output"]
            code = result["rc"] if result else proc.returncode
            raise SystemExit(f"bench: error: `{' '.join(cmd[1:4])} ...` exited {code}: {tail[0]}")
    return result


def compare_arms(make_cmd: Callable[[str], list[str]], env: dict[str, str], cwd: str,
                 repeat: int, warmup: int, count: Callable[[str], dict[str, int]],
                 outputs: dict[str, Path] | None = None) -> dict[str, Any]:
    """Run arms `off` and `on` interleaved (AB, BA, ...) after warm-up runs of each.

    `outputs` are removed before each run (flake8 appends to its --output-file), so
    `count` sees the last run's output only.
    """
    def run(arm: str) -> dict[str, float]:
        if outputs is not None:
            outputs[arm].unlink(missing_ok=True)
        return run_child(make_cmd(arm), env, cwd)

    for _ in range(warmup):
        for arm in ("off", "on"):
            run(arm)
    samples: dict[str, list[dict[str, float]]] = {"off": [], "on": []}
    for i in range(repeat):
        for arm in (("off", "on") if i % 2 == 0 else ("on", "off")):
            samples[arm].append(run(arm))
    result: dict[str, Any] = {"counts": {arm: count(arm) for arm in ("off", "on")}}
    for key in ("wall", "cpu", "rss_mb"):
        off = [s[key] for s in samples["off"]]
        on = [s[key] for s in samples["on"]]
        result[key] = {"off": statistics.median(off), "on": statistics.median(on),
                       "ratio": statistics.median(b / a for a, b in zip(off, on, strict=True)),
                       "best_ratio": min(on) / min(off),  # noise on a shared machine only adds
                       "samples_off": off, "samples_on": on}
    return result


def _output_counts(path: Path) -> dict[str, int]:
    lines = path.read_text(errors="replace").splitlines() if path.exists() else []
    return {"lines": len(lines), "be": sum(" BE0" in ln or "(BE0" in ln for ln in lines)}


def bench_flake8(files: list[Path], repeat: int, warmup: int, work: Path,
                 env: dict[str, str]) -> dict[str, Any]:
    """flake8 -j1 with vs without our plugin, through the same discovery filter."""
    outputs = {arm: work / f"flake8-{arm}.txt" for arm in ("off", "on")}

    def make_cmd(arm: str) -> list[str]:
        return [sys.executable, str(Path(__file__).resolve()), "--_flake8-arm", arm,
                "--isolated", "--jobs=1", f"--select={FLAKE8_SELECT}", "--exit-zero",
                f"--output-file={outputs[arm]}", *map(str, files)]

    result = compare_arms(make_cmd, env, str(work), repeat, warmup,
                          lambda arm: _output_counts(outputs[arm]), outputs)
    result["files"] = len(files)
    result["estimate"] = estimate(result, env, work, "flake8.main.cli", "flake8_backend.plugin",
                                  plugin_seconds(files, "flake8"))
    return result


def bench_pylint(files: list[Path], repeat: int, warmup: int, work: Path,
                 env: dict[str, str]) -> dict[str, Any]:
    """pylint (default checkers, one process) with vs without `--load-plugins=pylint_backend`."""
    rcfile = work / "empty.pylintrc"
    rcfile.write_text("")
    home = work / "pylinthome"
    home.mkdir(exist_ok=True)
    env = {**env, "PYLINTHOME": str(home)}
    outputs = {arm: work / f"pylint-{arm}.txt" for arm in ("off", "on")}

    def make_cmd(arm: str) -> list[str]:
        plugin = ["--load-plugins=pylint_backend"] if arm == "on" else []
        return [sys.executable, "-m", "pylint", f"--rcfile={rcfile}", "--persistent=n",
                "--jobs=1", "--exit-zero", "--reports=n", "--score=n",
                f"--output={outputs[arm]}", *plugin, *map(str, files)]

    result = compare_arms(make_cmd, env, str(work), repeat, warmup,
                          lambda arm: _output_counts(outputs[arm]), outputs)
    result["files"] = len(files)
    result["estimate"] = estimate(result, env, work, "pylint.lint", "pylint_backend.checker",
                                  plugin_seconds(files, "pylint"))
    return result


# -- instruction counts: the flake8 ratio without the machine's noise -------------------
def parse_arm(list_file: str) -> int:
    """`--_parse-arm FILE`: read and `ast.parse` every file listed, as `check` reads them."""
    warnings.simplefilter("ignore")
    for name in Path(list_file).read_text(encoding="utf-8").splitlines():
        try:
            ast.parse(Path(name).read_bytes())
        except (SyntaxError, ValueError):
            pass
    return 0


def bench_check(files: list[Path], flake8_files: list[Path], repeat: int, warmup: int,
                work: Path, env: dict[str, str]) -> dict[str, Any]:
    """`flake8-backend check` against `ast.parse` alone, `flake8 --select=BE`, and itself."""
    listing = work / "check-files.txt"
    listing.write_text("".join(f"{p}\n" for p in files), encoding="utf-8")
    check = [sys.executable, "-m", "flake8_backend", "check", "--exit-zero",
             "--no-respect-gitignore"]
    outputs = {arm: work / f"check-{arm}.txt" for arm in ("off", "on")}

    def parse_vs_check(arm: str) -> list[str]:
        if arm == "off":
            return [sys.executable, str(Path(__file__).resolve()), "--_parse-arm", str(listing)]
        return [*check, "-j1", f"--output-file={outputs['on']}", *map(str, files)]

    def check_vs_flake8(arm: str) -> list[str]:
        if arm == "off":
            return [*check, "-j1", f"--output-file={outputs['off']}", *map(str, flake8_files)]
        return [sys.executable, "-m", "flake8", "--isolated", "--jobs=1", "--select=BE",
                "--exit-zero", f"--output-file={outputs['on']}", *map(str, flake8_files)]

    def parse_vs_bare_check(arm: str) -> list[str]:
        """What `check` adds around the engine: startup, reading, noqa, reporting."""
        if arm == "off":
            return parse_vs_check("off")
        return [*check, "-j1", "--ignore=BE", f"--output-file={outputs['on']}",
                *map(str, files)]

    def jobs(arm: str) -> list[str]:
        return [*check, "-j1" if arm == "off" else "-j2", f"--output-file={outputs[arm]}",
                *map(str, files)]

    def counts(arm: str) -> dict[str, int]:
        return _output_counts(outputs[arm])

    result = {"files": len(files), "flake8_files": len(flake8_files)}
    result["parse"] = compare_arms(parse_vs_check, env, str(work), repeat, warmup, counts,
                                   outputs)
    result["bare"] = compare_arms(parse_vs_bare_check, env, str(work), repeat, warmup, counts,
                                  outputs)
    result["flake8"] = compare_arms(check_vs_flake8, env, str(work), repeat, warmup, counts,
                                    outputs)
    result["jobs"] = compare_arms(jobs, env, str(work), repeat, warmup, counts, outputs)
    return result


def bench_instructions(files: list[Path], work: Path, env: dict[str, str]) -> dict[str, Any]:
    """`flake8 -j1` on vs off, each run once under callgrind: instructions executed.

    On a shared virtual machine a CPU-bound loop's time varies by 10-20 % from run to
    run, so a 3 % budget takes many timed pairs to resolve. Instruction counts repeat
    to about 0.1 % (PYTHONHASHSEED fixed), at the price of running ~50x slower. They
    are not time (a string search is cheap per instruction, interpretation is not), so
    they back up the timed ratio instead of replacing it.
    """
    import re
    import shutil

    if shutil.which("valgrind") is None:
        return {"skipped": "valgrind is not installed"}
    counts = {}
    for arm in ("off", "on"):
        out = work / f"callgrind-{arm}.out"
        cmd = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
               sys.executable, str(Path(__file__).resolve()), "--_flake8-arm", arm,
               "--isolated", "--jobs=1", f"--select={FLAKE8_SELECT}", "--exit-zero",
               f"--output-file={work / f'callgrind-{arm}.txt'}", *map(str, files)]
        proc = subprocess.run(cmd, env={**env, "PYTHONHASHSEED": "0"}, cwd=work, text=True,
                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, check=False)
        found = re.search(r"Collected : (\d+)", proc.stderr)
        if proc.returncode != 0 or found is None:
            tail = proc.stderr.strip().splitlines()[-1:] or ["no output"]
            raise SystemExit(f"bench: error: callgrind run ({arm}) failed: {tail[0]}")
        counts[arm] = int(found.group(1))
    return {"files": len(files), "off": counts["off"], "on": counts["on"],
            "ratio": counts["on"] / counts["off"]}


# -- in-process estimate: what the plugin adds, without the machine's noise --------------
def plugin_seconds(files: list[Path], front_end: str) -> float:
    """Time our front end spends on these files, in-process, every rule on.

    flake8: `Flake8Plugin.run` on the tree flake8 already parsed. pylint: what
    `BackendChecker.process_module` does (decode, re-parse with `ast`, lint).
    """
    from flake8_backend.engine import lint_tree_safely, parse_source
    from flake8_backend.plugin import Flake8Plugin

    settings = all_rules_settings()
    Flake8Plugin.settings = settings
    total = 0.0
    for path in files:
        data = path.read_bytes()
        if front_end == "flake8":
            parsed = parse_source(data, str(path))
            if parsed is None:
                continue
            tree, text = parsed
            lines = text.splitlines(keepends=True)
            t0 = time.perf_counter()
            list(Flake8Plugin(tree, str(path), lines).run())
        else:
            t0 = time.perf_counter()
            parsed = parse_source(data, str(path))
            if parsed is not None:
                lint_tree_safely(parsed[0], parsed[1], settings, str(path))
        total += time.perf_counter() - t0
    return total


def import_seconds(env: dict[str, str], work: Path, host: str, plugin: str) -> float:
    """Fastest of 3 fresh imports of our plugin module after the host tool's own modules."""
    code = (f"import time, {host}; t = time.perf_counter(); import {plugin}; "
            "print(time.perf_counter() - t)")
    runs = [float(subprocess.run([sys.executable, "-c", code], env=env, cwd=work, check=True,
                                 capture_output=True, text=True).stdout) for _ in range(3)]
    return min(runs)


def estimate(result: dict[str, Any], env: dict[str, str], work: Path, host: str, plugin: str,
             run_s: float) -> dict[str, float]:
    """1 + (plugin import + plugin work) / fastest plugin-less run: a noise-free lower bound."""
    imported = import_seconds(env, work, host, plugin)
    base = min(result["wall"]["samples_off"])
    return {"import_s": imported, "run_s": run_s, "ratio": 1 + (imported + run_s) / base}


def pylint_subset(root: Path, packages: list[str], per_package: int) -> list[Path]:
    """The first N sorted files of each named package: small enough for pylint's pace."""
    corpus = load_corpus_module()
    chosen = []
    for name in packages:
        if name not in corpus.PACKAGES:
            raise SystemExit(f"bench: error: unknown corpus package {name!r}; "
                             f"choose from {', '.join(corpus.PACKAGES)}")
        chosen.extend(corpus.package_files(root, name)[:per_package])
    return chosen


# -- the flake8 wrapper (runs in the child) --------------------------------------------
def _is_ours(plugin: Any) -> bool:
    """Any of our entry points: the BE checker and the sarif/github report formatters."""
    return plugin.entry_point.value.startswith("flake8_backend.")


def flake8_arm(arm: str, argv: list[str]) -> int:
    """flake8's own CLI, with all our entry points removed from discovery when `arm` is off.

    Both arms go through this function, so the only difference is the plugin. The off
    arm is flake8 as it runs without flake8-backend installed: flake8 imports every
    report plugin on every run, so the formatters' import counts against us too.
    Nothing from flake8_backend is imported here: the off arm never loads it.
    """
    from flake8.plugins import finder

    original = finder.find_plugins

    def find_plugins(cfg: Any, opts: Any) -> list[Any]:
        found = original(cfg, opts)
        if not any(_is_ours(p) and p.entry_point.name == "BE" for p in found):
            raise SystemExit("bench: error: flake8 did not discover the BE plugin; "
                             "is flake8-backend installed in this environment?")
        return found if arm == "on" else [p for p in found if not _is_ours(p)]

    finder.find_plugins = find_plugins
    from flake8.main import cli

    return cli.main(argv)


# -- scaling --------------------------------------------------------------------------
def strip_future_imports(text: str) -> str:
    """Comment out `from __future__` lines so modules can follow one another in one file."""
    tree = ast.parse(text)
    lines = text.splitlines(keepends=True)
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module == "__future__":
            for i in range(node.lineno - 1, node.end_lineno or node.lineno):
                lines[i] = "# " + lines[i]
    return "".join(lines)


def module_pieces(sources: list[Source], target: int) -> list[str]:
    """Whole corpus modules, in sorted order, until about `target` lines.

    A module is taken only if it still fits, so small targets use small files and the
    result is deterministic."""
    pieces, total = [], 0
    for _name, text in sources:
        lines = text.count("\n") + 1
        if lines > target - total or lines < 5:
            continue
        body = strip_future_imports(text)
        pieces.append(body if body.endswith("\n") else body + "\n")
        total += lines
        if total >= 0.95 * target:
            break
    return pieces


def build_module(sources: list[Source], target: int) -> str:
    """`module_pieces` concatenated, re-parsed to prove the concatenation is valid."""
    module = "".join(module_pieces(sources, target))
    ast.parse(module)  # raises if the concatenation broke something
    return module


def _seconds(func: Callable[[], object], inner: int, repeat: int, gc_off: bool = False) -> float:
    """Median seconds per call over `repeat` samples of `inner` calls each."""
    samples = []
    for _ in range(repeat):
        gc.collect()
        if gc_off:
            gc.disable()
        try:
            t0 = time.perf_counter()
            for _ in range(inner):
                func()
            samples.append((time.perf_counter() - t0) / inner)
        finally:
            gc.enable()
    return statistics.median(samples)


def prefilter_comment(settings: Any) -> str:
    """A comment holding every check's prefilter word, so every size runs the same checks.

    Without it a small module may contain none of the words and the engine skips the walk.
    """
    from flake8_backend.registry import CHECKS
    from flake8_backend.rules import load_rules

    load_rules()
    words: set[str] = set()
    for check in CHECKS:
        needs, _ = check.resolved(settings)
        if needs is not None:
            words.update(needs.words)
    return "# prefilter words: " + " ".join(sorted(words)) + "\n"


def time_scaling(sources: list[Source], settings: Any, repeat: int) -> dict[str, Any]:
    """Engine µs per line (and per node) on modules of growing size: superlinear cost shows here.

    Each sample loops for >= 0.2 s, so the small module is not lost in timer noise. Two
    references separate the engine from the machine: a plain `ast.walk` of the same tree
    (cache misses grow with the tree), and the engine with the garbage collector off.
    """
    from flake8_backend.engine import lint_tree

    sizes = {}
    comment = prefilter_comment(settings)
    for target in SCALING_SIZES:
        module = build_module(sources, target) + comment
        lines = module.count("\n")
        t0 = time.perf_counter()
        tree = ast.parse(module)
        parse = time.perf_counter() - t0
        nodes = sum(1 for _ in ast.walk(tree))

        def engine(tree: ast.AST = tree, module: str = module) -> object:
            return lint_tree(tree, module, settings, "<scaling>")

        def walk(tree: ast.AST = tree) -> None:
            for _node in ast.walk(tree):
                pass

        engine()  # warm-up
        t0 = time.perf_counter()
        engine()
        inner = max(1, math.ceil(0.2 / max(time.perf_counter() - t0, 1e-6)))
        seconds = _seconds(engine, inner, repeat)
        no_gc = _seconds(engine, inner, repeat, gc_off=True)
        walked = _seconds(walk, inner, repeat)
        sizes[str(target)] = {"lines": lines, "nodes": nodes,
                              "us_per_line": seconds / lines * 1e6,
                              "us_per_node": seconds / nodes * 1e6,
                              "engine_walk": seconds / walked,
                              "engine_walk_gc_off": no_gc / walked,
                              "parse_us_per_line": parse / lines * 1e6}
        del tree, engine, walk
    first, mid, last = (sizes[str(t)] for t in SCALING_SIZES)
    same = _same_code(sources, settings, repeat, comment)
    return {"sizes": sizes, "same": same,
            "large_small": last["us_per_line"] / first["us_per_line"],
            "large_medium": last["us_per_line"] / mid["us_per_line"],
            "large_small_per_node": last["us_per_node"] / first["us_per_node"]}


def _same_code(sources: list[Source], settings: Any, repeat: int,
               comment: str) -> dict[str, Any]:
    """Engine µs per line on the same code, small and large.

    The sizes above are different code: the large module holds whatever the corpus holds
    (denser lines, SQL wrappers that send BE001/BE002 to their module-end pass), so their
    ratio mixes what the code is with how big it is. Here the code is fixed:

    * `joined` (the budget's figure): the large module's 852 files linted one by one,
      against the same files joined into one module. Everything that grows with a module
      (its bindings, aliases, tables, what one file's facts do to the others, the memory
      the walk touches) is in the joined run; the code, line for line, is the same.
    * `copies`: a 9.5k-line module, and its code SCALING_COPIES times over in one module.
      Per-module work done once for all copies (the call table's answers per name, the
      prefilter's searches) favours the copies, so this one can only show a cost that
      grows with repetition (a name bound many times over)."""
    from flake8_backend.engine import lint_tree

    def per_line(modules: list[str], inner: int) -> float:
        trees = [(ast.parse(module), module) for module in modules]
        lines = sum(module.count("\n") for module in modules)

        def engine() -> None:
            for tree, module in trees:
                lint_tree(tree, module, settings, "<scaling>")

        engine()  # warm-up
        return _seconds(engine, inner, repeat) / lines * 1e6

    pieces = module_pieces(sources, SCALING_SIZES[-1])
    once = build_module(sources, SCALING_SIZES[1])
    result: dict[str, Any] = {"files": len(pieces)}
    result["separate_us"] = per_line([piece + comment for piece in pieces], 1)
    result["joined_us"] = per_line(["".join(pieces) + comment], 1)
    result["joined"] = result["joined_us"] / result["separate_us"]
    result["once_us"] = per_line([once + comment], SCALING_COPIES)
    result["copies_us"] = per_line([once * SCALING_COPIES + comment], 1)
    result["copies"] = result["copies_us"] / result["once_us"]
    return result


# -- report ---------------------------------------------------------------------------
def verdict(value: float, target: float) -> str:
    return "ok" if value <= target else "OVER"


def print_report(fig: dict[str, Any]) -> None:
    c = fig["corpus"]
    print(f"corpus: {c['files']} files, {c['lines']} lines ({c['skipped']} unparsable) | "
          f"code {fig['revision']} | rules: {fig['rule_set']} | repeat={fig['repeat']} | "
          f"Python {fig['python']} | "
          f"load avg {fig['load_before']:.2f} -> {fig['load_after']:.2f} on {os.cpu_count()} cores")
    print(f"{'measure':<34}{'median':>10}{'target':>9}  verdict")
    if "engine" in fig:
        e = fig["engine"]
        print(f"{'engine / ast.parse':<34}{e['engine_parse']:>10.3f}{'<=0.60':>9}  "
              f"{verdict(e['engine_parse'], TARGETS['engine_parse'])}")
        print(f"{'  ast.walk / ast.parse (reference)':<34}{e['walk_parse']:>10.3f}")
        print(f"  parse {e['parse_s']:.2f} s, engine {e['engine_s']:.2f} s, "
              f"walk {e['walk_s']:.2f} s, {e['findings']} findings")
    for tool in ("flake8", "pylint"):
        if tool not in fig:
            continue
        t = fig[tool]
        for key in ("wall", "cpu"):
            m = t[key]
            print(f"{f'{tool} on/off {key}':<34}{m['ratio']:>10.3f}{'<=1.03':>9}  "
                  f"{verdict(m['ratio'], TARGETS[tool])}   (medians {m['on']:.2f} s / "
                  f"{m['off']:.2f} s; fastest-run ratio {m['best_ratio']:.3f})")
        est = t["estimate"]
        print(f"{f'{tool} on/off in-process estimate':<34}{est['ratio']:>10.3f}{'<=1.03':>9}  "
              f"{verdict(est['ratio'], TARGETS[tool])}   (plugin import {est['import_s'] * 1e3:.0f}"
              f" ms + work {est['run_s']:.2f} s over the fastest off run)")
        print(f"  {t['files']} files ({t['subset']}); per-pair wall ratios "
              + " ".join(f"{b / a:.3f}" for a, b in zip(t["wall"]["samples_off"],
                                                        t["wall"]["samples_on"], strict=True)))
        print(f"{tool + ' peak RSS on/off':<34}{t['rss_mb']['ratio']:>10.3f}{'':>9}   "
              f"({t['rss_mb']['on']:.1f} MB / {t['rss_mb']['off']:.1f} MB, "
              f"{t['rss_mb']['on'] - t['rss_mb']['off']:+.1f} MB)")
        n = t["counts"]
        print(f"  output lines on/off {n['on']['lines']}/{n['off']['lines']}, "
              f"BE findings on/off {n['on']['be']}/{n['off']['be']}")
    if "check" in fig:
        c = fig["check"]
        for key, label, target, what in (
                ("parse", "check CPU / ast.parse CPU", "check_parse", "cpu"),
                ("flake8", "flake8 --select=BE / check CPU", "flake8_check", "cpu"),
                ("jobs", "check -j2 / -j1 wall", "check_jobs", "wall")):
            m = c[key][what]
            ok = m["ratio"] >= TARGETS[target] if key == "flake8" else m["ratio"] <= TARGETS[
                target]
            sign = ">=" if key == "flake8" else "<="
            print(f"{label:<34}{m['ratio']:>10.3f}{sign + str(TARGETS[target]):>9}  "
                  f"{'ok' if ok else 'MISSED'}   (medians {m['on']:.2f} s / {m['off']:.2f} s;"
                  f" fastest-run ratio {m['best_ratio']:.3f})")
        bare = c["bare"]["cpu"]
        print(f"{'  check with no rule / ast.parse CPU':<34}{bare['ratio']:>10.3f}"
              f"{'':>9}   (the runner's own cost: startup, reading, noqa, report)")
        print(f"  check on {c['files']} files (flake8 comparison: {c['flake8_files']} files); "
              f"check -j1 CPU {c['parse']['cpu']['on']:.2f} s, parse CPU "
              f"{c['parse']['cpu']['off']:.2f} s; BE lines check/flake8 "
              f"{c['flake8']['counts']['off']['be']}/{c['flake8']['counts']['on']['be']}")
    if "instructions" in fig:
        i = fig["instructions"]
        if "skipped" in i:
            print(f"{'flake8 on/off instructions':<34}{'-':>10}{'<=1.03':>9}  "
                  f"skipped: {i['skipped']}")
        else:
            print(f"{'flake8 on/off instructions':<34}{i['ratio']:>10.3f}{'<=1.03':>9}  "
                  f"{verdict(i['ratio'], TARGETS['flake8'])}   ({i['on'] / 1e9:.2f} G / "
                  f"{i['off'] / 1e9:.2f} G instructions under callgrind, {i['files']} files)")
    if "scaling" in fig:
        s = fig["scaling"]
        cells = "\n  ".join(
            f"{v['lines']:>7} lines {v['nodes']:>7} nodes: {v['us_per_line']:.2f} µs/line, "
            f"{v['us_per_node']:.3f} µs/node; engine/ast.walk {v['engine_walk']:.2f}, "
            f"GC off {v['engine_walk_gc_off']:.2f}; "
            f"one ast.parse {v['parse_us_per_line']:.1f} µs/line"
            for v in s["sizes"].values())
        c = s["same"]
        print(f"{'scaling: same files joined / one by one':<34}{c['joined']:>10.3f}{'<=1.5':>9}  "
              f"{verdict(c['joined'], TARGETS['scaling'])}   ({c['files']} files: "
              f"{c['joined_us']:.2f} / {c['separate_us']:.2f} µs/line)")
        print(f"{'  one module x' + str(SCALING_COPIES) + ' / once':<34}{c['copies']:>10.3f}"
              f"{'':>9}       ({c['copies_us']:.2f} / {c['once_us']:.2f} µs/line)")
        print(f"{'  different code, large/small':<34}{s['large_small']:>10.3f}{'':>9}  "
              f"     (large/medium {s['large_medium']:.3f}, large/small per node "
              f"{s['large_small_per_node']:.3f}; content differs, see `_same_code`)")
        print(f"  {cells}")
    if "rules" in fig:
        alone = fig["rules"]["alone"]
        floor = min(alone.values())
        print(f"{'each rule alone / ast.parse':<34}  (the cheapest, {floor:.3f}, is mostly the "
              "shared walk; beyond it:)")
        for code, ratio in sorted(alone.items(), key=lambda item: -item[1]):
            print(f"  {code}  {ratio:.3f}  +{ratio - floor:.3f}")
    print(f"wall time of this benchmark: {fig['wall_s']:.0f} s")


# -- CLI ------------------------------------------------------------------------------
SECTIONS = ("engine", "flake8", "pylint", "scaling", "check", "instructions", "rules")
# opt-in: instructions (slow, under callgrind) and rules (each rule's own cost)
DEFAULT_SECTIONS = ("engine", "flake8", "pylint", "scaling", "check")


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="measured runs per figure")
    parser.add_argument("--warmup", type=int, default=1,
                        help="unmeasured runs of each subprocess arm first")
    parser.add_argument("--files", type=int, metavar="N",
                        help="flake8 on N evenly spaced files of the sorted corpus (default: all)")
    parser.add_argument("--pylint-packages", default="flask,requests,httpx,datasette",
                        help="comma-separated corpus packages for the pylint arms")
    parser.add_argument("--pylint-files", type=int, default=60,
                        help="first N sorted files of each pylint package")
    parser.add_argument("--only", default=",".join(DEFAULT_SECTIONS),
                        help=f"comma-separated subset of {','.join(SECTIONS)} (default: "
                             f"{','.join(DEFAULT_SECTIONS)})")
    parser.add_argument("--instruction-files", type=int, default=100, metavar="N",
                        help="files for the instructions section (about 3 s of callgrind each)")
    parser.add_argument("--rule-set", choices=sorted(RULE_SET_TABLES), default="all",
                        help="rules on in every section but `rules` (which times each rule "
                             "alone): all (the budget's setting, opt-in rules too) or default "
                             "(a configuration without `enable`)")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the figures here")
    parser.add_argument("--profile", action="store_true",
                        help="print a cProfile of the engine over the corpus")
    parser.add_argument("--profile-top", type=int, default=25)
    args = parser.parse_args(argv)
    args.only = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = set(args.only) - set(SECTIONS)
    if unknown or args.repeat < 1:
        parser.error(f"unknown section(s) {', '.join(sorted(unknown))}" if unknown
                     else "--repeat must be >= 1")
    return args


def run_sections(args: argparse.Namespace, work: Path, frozen: Path) -> dict[str, Any]:
    """Every requested measurement, with our code imported from the frozen copy."""
    root, paths = corpus_paths()
    sources, skipped = read_sources(paths)
    settings = all_rules_settings()
    fig: dict[str, Any] = {
        "python": platform.python_version(), "repeat": args.repeat, "rule_set": args.rule_set,
        "load_before": os.getloadavg()[0],
        "corpus": {"root": str(root), "files": len(paths), "skipped": skipped,
                   "lines": sum(text.count("\n") for _, text in sources)},
    }
    if args.profile:
        print(profile_engine(sources, settings, args.profile_top))
    if "engine" in args.only:
        fig["engine"] = time_engine(sources, settings, args.repeat)
    config = work / "pyproject.toml"
    config.write_text(RULE_SET_CONFIGS[_RULE_SET[0]])
    pythonpath = os.pathsep.join(filter(None, [str(frozen), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "FLAKE8_BACKEND_CONFIG": str(config), "PYTHONPATH": pythonpath}
    env.pop("FLAKE8_BACKEND_RAISE", None)
    if "flake8" in args.only:
        fig["flake8"] = bench_flake8(evenly_spaced(paths, args.files), args.repeat,
                                     args.warmup, work, env)
        fig["flake8"]["subset"] = f"{args.files} evenly spaced" if args.files else "all"
    if "pylint" in args.only:
        chosen = pylint_subset(root, args.pylint_packages.split(","), args.pylint_files)
        fig["pylint"] = bench_pylint(chosen, args.repeat, args.warmup, work, env)
        fig["pylint"]["subset"] = f"first {args.pylint_files} of {args.pylint_packages}"
    if "check" in args.only:
        fig["check"] = bench_check(paths, evenly_spaced(paths, args.files), args.repeat,
                                   args.warmup, work, env)
    if "instructions" in args.only:
        fig["instructions"] = bench_instructions(
            evenly_spaced(paths, args.instruction_files), work, env)
    if "scaling" in args.only:
        fig["scaling"] = time_scaling(sources, settings, args.repeat)
    if "rules" in args.only:
        fig["rules"] = time_rules(sources, args.repeat)
    fig["load_after"] = os.getloadavg()[0]
    return fig


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--_flake8-arm"] and len(argv) >= 2:
        return flake8_arm(argv[1], argv[2:])
    if argv[:1] == ["--_parse-arm"] and len(argv) == 2:
        return parse_arm(argv[1])
    args = parse_args(argv)
    _RULE_SET[0] = args.rule_set
    # Corpus code has invalid escapes; parsing it warns (a SyntaxWarning on 3.12+).
    warnings.simplefilter("ignore", SyntaxWarning)
    warnings.simplefilter("ignore", DeprecationWarning)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="be-bench-") as tmp:
        work = Path(tmp)
        frozen, revision = freeze_code(work)
        fig = run_sections(args, work, frozen)
        fig["revision"] = revision
    fig["wall_s"] = time.perf_counter() - started
    print_report(fig)
    if args.json:
        args.json.write_text(json.dumps(fig, indent=2, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit("bench: interrupted")
