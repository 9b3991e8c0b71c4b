"""The editor path for real: the YAML language server (npm) over LSP on a file from `kam new`.

Zero set-up: the server is told nothing about kam; it finds the schema through the
`# yaml-language-server: $schema=…` line that `kam new` writes.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO

SERVER = (
    REPO / "tests" / "js" / "node_modules" / "yaml-language-server" / "bin" / "yaml-language-server"
)
NODE = shutil.which("node")


class LanguageServer:
    """A minimal LSP client: Content-Length framed JSON-RPC over the server's stdio."""

    def __init__(self, root: Path) -> None:
        self.proc = subprocess.Popen(
            [NODE, str(SERVER), "--stdio"],  # type: ignore[list-item]
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self.messages: queue.Queue[dict[str, Any]] = queue.Queue()
        self.next_id = 0
        threading.Thread(target=self._read, daemon=True).start()
        self.settings = {
            "yaml": {
                "validate": True,
                "hover": True,
                "completion": True,
                "schemaStore": {"enable": False},
                "format": {"enable": False},
            }
        }
        self.request(
            "initialize",
            {
                "processId": os.getpid(),
                "rootUri": root.as_uri(),
                "workspaceFolders": [{"uri": root.as_uri(), "name": "ledger"}],
                "capabilities": {
                    "workspace": {"configuration": True},
                    "textDocument": {
                        "completion": {"completionItem": {"snippetSupport": False}},
                        "hover": {"contentFormat": ["plaintext", "markdown"]},
                        "publishDiagnostics": {},
                    },
                },
            },
        )
        self.notify("initialized", {})
        self.notify("workspace/didChangeConfiguration", {"settings": self.settings})

    def _read(self) -> None:
        stream = self.proc.stdout
        assert stream is not None
        while True:
            length = 0
            while True:
                line = stream.readline()
                if not line:
                    return
                if line in (b"\r\n", b"\n"):
                    break
                name, _, value = line.decode().partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            self.messages.put(json.loads(stream.read(length)))

    def _send(self, message: dict[str, Any]) -> None:
        body = json.dumps(message).encode()
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def notify(self, method: str, params: Any) -> None:
        self._send({"jsonrpc": "2.0", "method": method, "params": params})

    def request(self, method: str, params: Any) -> Any:
        self.next_id += 1
        self._send({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params})
        found = self.wait(lambda m: m.get("id") == self.next_id and "method" not in m)
        assert "error" not in found, found
        return found.get("result")

    def wait(self, wanted, timeout: float = 30) -> dict[str, Any]:
        """The next message that ``wanted`` accepts, answering the server's own requests."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                message = self.messages.get(timeout=max(0.1, end - time.monotonic()))
            except queue.Empty:
                break
            if "method" in message and "id" in message:  # a request from the server
                result: Any = None
                if message["method"] == "workspace/configuration":
                    result = [
                        self.settings.get(i.get("section", "").split(".")[0])
                        for i in message["params"]["items"]
                    ]
                self._send({"jsonrpc": "2.0", "id": message["id"], "result": result})
                continue
            if wanted(message):
                return message
        raise AssertionError("the language server did not answer in time")

    def close(self) -> None:
        try:
            self.request("shutdown", None)
            self.notify("exit", None)
            self.proc.wait(timeout=5)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()


@pytest.fixture
def visit_file(tmp_path: Path) -> Path:
    def kam(*args: str) -> str:
        run = subprocess.run(
            [sys.executable, "-m", "ledger", *args],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=True,
        )
        return run.stdout.strip()

    kam("init", "repo")
    repo = tmp_path / "repo"
    made = subprocess.run(
        [
            sys.executable,
            "-m",
            "ledger",
            "new",
            "visit",
            "example-co",
            "--slug",
            "lsp",
            "--summary",
            "ok",
        ],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    )
    return Path(made.stdout.strip())


@pytest.fixture
def server(visit_file: Path):
    if NODE is None or not SERVER.exists():
        if os.environ.get("KAM_REQUIRE_BROWSER") == "1":
            pytest.fail("node and yaml-language-server are needed (npm ci in tests/js)")
        pytest.skip("node and yaml-language-server are needed (npm ci in tests/js)")
    ls = LanguageServer(visit_file.parents[3])
    yield ls
    ls.close()


def open_document(ls: LanguageServer, path: Path, text: str) -> str:
    uri = path.as_uri()
    ls.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}},
    )
    return uri


def line_of(text: str, prefix: str) -> int:
    return next(i for i, line in enumerate(text.splitlines()) if line.startswith(prefix))


def test_completion_hover_and_diagnostics_from_the_modeline(server, visit_file):
    text = visit_file.read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=../../../schema/visit.schema.json")
    mode_line = line_of(text, "mode:")
    blank = text.splitlines()
    blank[mode_line] = "mode: "
    uri = open_document(server, visit_file, "\n".join(blank) + "\n")

    completion = server.request(
        "textDocument/completion",
        {"textDocument": {"uri": uri}, "position": {"line": mode_line, "character": 6}},
    )
    items = completion["items"] if isinstance(completion, dict) else completion
    labels = {item["label"] for item in items}
    assert {"onsite", "phone", "email", "video", "message"} <= labels

    hover = server.request(
        "textDocument/hover",
        {"textDocument": {"uri": uri}, "position": {"line": mode_line, "character": 1}},
    )
    contents = hover["contents"]
    shown = contents["value"] if isinstance(contents, dict) else json.dumps(contents)
    assert "How we were in touch" in shown  # the description from schema/visit.schema.json

    wrong = text.splitlines()
    wrong[mode_line] = "mode: boat"
    server.notify(
        "textDocument/didChange",
        {
            "textDocument": {"uri": uri, "version": 2},
            "contentChanges": [{"text": "\n".join(wrong) + "\n"}],
        },
    )
    published = server.wait(
        lambda m: (
            m.get("method") == "textDocument/publishDiagnostics"
            and m["params"]["uri"] == uri
            and any(d["range"]["start"]["line"] == mode_line for d in m["params"]["diagnostics"])
        )
    )
    problem = next(
        d for d in published["params"]["diagnostics"] if d["range"]["start"]["line"] == mode_line
    )
    assert "onsite" in problem["message"] or "not accepted" in problem["message"].lower()
