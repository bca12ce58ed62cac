"""Editor inline warnings, proven end to end with a real language server.

python-lsp-server (pylsp) is started over stdio and spoken to in raw JSON-RPC, as
an editor would: initialize with the README's settings (flake8 on), open a file,
and read `textDocument/publishDiagnostics`; then switch to pylint through
`workspace/didChangeConfiguration` and save. LSP positions are 0-based.

The VS Code extensions cannot run here; their parsing contracts (the flake8
extension's `--format`, regex and severity lookup; the pylint extension's JSON
fields) are checked against the real linters instead.
"""

from __future__ import annotations

import copy
import json
import os
import queue
import re
import subprocess
import sys
import sysconfig
import threading
import time
from pathlib import Path

import pytest

from flake8_backend.config import build_settings
from flake8_backend.engine import lint_source

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
EDITORS = README.split("## Editors", 1)[1].split("\n## ", 1)[0]
VSCODE_SETTINGS, PYLSP_SETTINGS = (
    json.loads(block) for block in re.findall(r"```json\n(.+?)```", EDITORS, re.S))

SAMPLE = '''"""A sample service."""
import sqlite3

import requests

db = sqlite3.connect(":memory:")


def find(customer):
    return db.execute(f"SELECT id FROM orders WHERE customer = '{customer}'")


def rate():
    return requests.get("https://rates.example.com/latest")


def charge(gateway):
    try:
        return gateway.capture()
    except:
        return None
'''
# (code, 0-based line, 0-based character), as an LSP client must receive them.
EXPECTED = {("BE001", 9, 11), ("BE014", 13, 11), ("BE020", 19, 4)}
PYLINT_IDS = {"BE001": "E7301", "BE014": "W7314", "BE020": "W7320"}
SYMBOLS = {"BE001": "sql-fstring", "BE014": "requests-without-timeout",
           "BE020": "bare-except-handler"}


def test_sample_positions_are_what_the_engine_reports():
    settings = build_settings({"enable": ["BE001", "BE014"]})
    assert {(f.code, f.line - 1, f.col) for f in lint_source(SAMPLE, settings=settings)} == EXPECTED


class LspClient:
    """A minimal LSP client: Content-Length framing over the server's stdio."""

    def __init__(self, argv: list[str], cwd: Path, env: dict[str, str], log: Path) -> None:
        self._log = log.open("wb")
        self.proc = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=self._log)
        self.inbox: queue.Queue = queue.Queue()
        self.seen: list[dict] = []
        self._next_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        stream = self.proc.stdout
        try:
            while True:
                headers = {}
                while True:
                    line = stream.readline()
                    if not line:
                        return
                    if not line.strip():
                        break
                    name, _, value = line.decode("ascii").partition(":")
                    headers[name.strip().lower()] = value.strip()
                self.inbox.put(json.loads(stream.read(int(headers["content-length"]))))
        finally:
            self.inbox.put(None)  # end of stream: wake the waiter instead of timing out

    def send(self, payload: dict) -> None:
        body = json.dumps({"jsonrpc": "2.0", **payload}).encode("utf-8")
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        self.proc.stdin.flush()

    def notify(self, method: str, params: dict) -> None:
        self.send({"method": method, "params": params})

    def request(self, method: str, params: dict, timeout: float) -> dict:
        self._next_id += 1
        ident = self._next_id
        self.send({"id": ident, "method": method, "params": params})
        reply = self.wait(lambda m: m.get("id") == ident and "method" not in m, timeout)
        assert "error" not in reply, reply
        return reply.get("result")

    def wait(self, predicate, timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no matching message in {timeout}s; saw {self.seen[-5:]}")
            try:
                message = self.inbox.get(timeout=left)
            except queue.Empty:
                continue
            if message is None:
                raise AssertionError(f"server exited with {self.proc.poll()}; see {self._log.name}")
            self.seen.append(message)
            if "id" in message and "method" in message:  # a request from the server
                self.send({"id": message["id"], "result": None})
            if predicate(message):
                return message

    def close(self) -> None:
        """Always leaves no server behind, whatever state the session ended in."""
        try:
            if self.proc.poll() is None:
                try:
                    self.request("shutdown", {}, timeout=3)
                    self.notify("exit", {})
                    self.proc.wait(timeout=3)
                except (AssertionError, OSError, subprocess.TimeoutExpired):
                    pass
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait(timeout=5)
            self._log.close()


def _diagnostics(uri: str):
    return lambda m: (m.get("method") == "textDocument/publishDiagnostics"
                      and m["params"]["uri"] == uri)


@pytest.fixture
def workspace(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        "[tool.flake8-backend]\nenable = [\"BE001\", \"BE014\"]\n", encoding="utf-8")
    path = tmp_path / "service.py"
    path.write_text(SAMPLE, encoding="utf-8")
    return tmp_path, path


def test_pylsp_publishes_flake8_then_pylint_diagnostics(workspace, tmp_path_factory):
    root, path = workspace
    uri = path.as_uri()
    env = dict(os.environ)
    # As in an activated venv: pylsp finds the `flake8` that has our plugin installed.
    env["PATH"] = os.pathsep.join([sysconfig.get_path("scripts"), env.get("PATH", "")])
    home = tmp_path_factory.mktemp("home")
    env.update(XDG_CONFIG_HOME=str(home), PYLINTHOME=str(home / "pylint"))
    client = LspClient([sys.executable, "-m", "pylsp"], root, env, home / "pylsp.log")
    try:
        client.request("initialize", {"processId": os.getpid(), "rootUri": root.as_uri(),
                                      "capabilities": {},
                                      "initializationOptions": PYLSP_SETTINGS}, timeout=20)
        client.notify("initialized", {})
        client.notify("textDocument/didOpen", {"textDocument": {
            "uri": uri, "languageId": "python", "version": 1, "text": SAMPLE}})

        published = client.wait(_diagnostics(uri), timeout=20)["params"]["diagnostics"]
        ours = [d for d in published if d["code"].startswith("BE")]
        assert {d["source"] for d in published} == {"flake8"}
        assert {(d["code"], d["range"]["start"]["line"], d["range"]["start"]["character"])
                for d in ours} == EXPECTED
        for diagnostic in ours:
            assert diagnostic["message"].startswith(diagnostic["code"] + " ")

        settings = copy.deepcopy(PYLSP_SETTINGS)
        settings["pylsp"]["plugins"]["flake8"]["enabled"] = False
        settings["pylsp"]["plugins"]["pylint"]["enabled"] = True
        client.notify("workspace/didChangeConfiguration", {"settings": settings})
        client.notify("textDocument/didSave", {"textDocument": {"uri": uri}})

        published = client.wait(
            lambda m: _diagnostics(uri)(m) and any(
                d["source"] == "pylint" for d in m["params"]["diagnostics"]),
            timeout=25)["params"]["diagnostics"]
        by_id = {v: k for k, v in PYLINT_IDS.items()}
        ours = [d for d in published if d["code"] in by_id]
        assert {(by_id[d["code"]], d["range"]["start"]["line"],
                 d["range"]["start"]["character"]) for d in ours} == EXPECTED
        for diagnostic in ours:
            code = by_id[diagnostic["code"]]
            assert diagnostic["message"].startswith(f"[{SYMBOLS[code]}] {code} ")
    finally:
        client.close()
    assert client.proc.poll() is not None


# -- VS Code: the extensions' parsing contracts, against the real linters ----------------
# Mirrors microsoft/vscode-flake8 bundled/tool/lsp_server.py: TOOL_ARGS, DIAGNOSTIC_RE,
# _get_severity, and the "flake8.severity" default from its package.json.
VSCODE_FLAKE8_FORMAT = "--format='%(row)d,%(col)d,%(code).1s,%(code)s:%(text)s'"
VSCODE_FLAKE8_RE = re.compile(
    r"(?P<line>\d+),(?P<column>-?\d+),(?P<type>\w+),(?P<code>\w+\d+):(?P<message>[^\r\n]*)")
VSCODE_FLAKE8_SEVERITY = {"E": "Error", "F": "Error", "I": "Information", "W": "Warning"}


def _vscode_flake8_severity(code: str, code_type: str, severity: dict) -> str:
    value = None
    while code and value is None:
        value = severity.get(code)
        code = code[:-1]
    return value or severity.get(code_type, "Error")


def test_vscode_flake8_extension_reads_our_findings(workspace, monkeypatch):
    from flake8.main.application import Application

    root, path = workspace
    monkeypatch.chdir(root)
    Application().run(["--isolated", "-j1", VSCODE_FLAKE8_FORMAT, "--output-file=out.txt",
                       path.name])
    found = {}
    for line in (root / "out.txt").read_text(encoding="utf-8").splitlines():
        if line.startswith("'") and line.endswith("'"):
            line = line[1:-1]
        match = VSCODE_FLAKE8_RE.match(line)
        assert match, line
        data = match.groupdict()
        found[data["code"]] = (int(data["line"]) - 1, int(data["column"]) - 1, data["type"])
    assert {(code, *found[code][:2]) for code in PYLINT_IDS} == EXPECTED
    user_map = {**VSCODE_FLAKE8_SEVERITY, **VSCODE_SETTINGS["flake8.severity"]}
    for code in PYLINT_IDS:
        assert found[code][2] == "B"  # the first letter: not in the default map
        assert _vscode_flake8_severity(code, "B", VSCODE_FLAKE8_SEVERITY) == "Error"
        assert _vscode_flake8_severity(code, "B", user_map) == "Warning"
    assert _vscode_flake8_severity("E722", "E", user_map) == "Error"  # others unchanged


def test_vscode_pylint_extension_fields(workspace, monkeypatch, capsys):
    """The extension reads pylint's JSON: message-id:symbol as the code, message as text."""
    from pylint.lint import Run

    root, path = workspace
    monkeypatch.chdir(root)
    monkeypatch.setenv("PYLINTHOME", str(root / ".pylint.d"))
    Run([*VSCODE_SETTINGS["pylint.args"], "--output-format=json", "--persistent=n",
         path.name], exit=False)
    messages = json.loads(capsys.readouterr().out)
    by_id = {v: k for k, v in PYLINT_IDS.items()}
    ours = {by_id[m["message-id"]]: m for m in messages if m["message-id"] in by_id}
    assert {(code, m["line"] - 1, m["column"]) for code, m in ours.items()} == EXPECTED
    for code, message in ours.items():
        assert f"{message['message-id']}:{message['symbol']}" == \
            f"{PYLINT_IDS[code]}:{SYMBOLS[code]}"
        assert message["message"].startswith(f"{code} ")
        assert message["endLine"] is not None
