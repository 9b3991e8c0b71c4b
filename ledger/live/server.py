"""``kam serve`` and ``kam watch``: rebuild while files change.

A watchdog observer (inotify, or polling where inotify is unavailable or out of watches) feeds
changed paths to a debouncer; after ``QUIET`` seconds without events it rebuilds the live site
once for all of them. ``kam serve`` answers HTTP from the live site in memory; ``kam watch``
writes the changed files of each version into a folder.

The server only serves the site's own paths (no file system access: nothing outside the site
can be reached, whatever the URL says), only answers GET and HEAD, and, when bound to loopback,
only to requests whose Host header names loopback (a web page elsewhere cannot use DNS
rebinding to read the reports). Pages it serves carry a small script that reloads them when a
new version is built; ``kam build`` output never does.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.server
import ipaddress
import json
import os
import socket
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from ledger.live.ledger import LiveSite, relative_paths
from ledger.render.build import write_file

QUIET = 0.1  # seconds without file events before a rebuild
LIVE_PREFIX = "/__kam/"
POLL_SECONDS = 25  # how long a reload long-poll waits before answering "no change"
MAX_WAITERS = 64  # long-polls held at once; more get an immediate answer

LIVE_JS = b"""\
// Injected by 'kam serve' only: reload this page when the ledger is rebuilt.
(function () {
  var version = document.documentElement.getAttribute("data-kam-version");
  function poll() {
    fetch("/__kam/changes?since=" + version, {cache: "no-store"})
      .then(function (r) { return r.json(); })
      .then(function (d) {
        if (String(d.version) !== String(version)) { location.reload(); } else { poll(); }
      })
      .catch(function () { setTimeout(poll, 2000); });
  }
  poll();
})();
"""
TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".csv": "text/csv; charset=utf-8",
    ".ics": "text/calendar; charset=utf-8",
}


def with_live_reload(html: bytes, version: int) -> bytes:
    """The page as served: the reload script added and allowed to poll its own origin."""
    html = html.replace(
        b"default-src 'none';", b"default-src 'none'; connect-src 'self';", 1
    ).replace(b"<html ", b'<html data-kam-version="%d" ' % version, 1)
    return html.replace(b"</head>", b'<script src="/__kam/live.js" defer></script>\n</head>', 1)


def site_path(url_path: str) -> str | None:
    """The site path a request names, or None for anything that is not a plain path inside
    the site (``..``, encoded separators, backslashes, NUL, absolute or drive paths)."""
    raw = urlsplit(url_path).path
    if any(bad in raw.lower() for bad in ("\\", "%00", "\x00", "%2f", "%5c")):
        return None
    try:
        decoded = unquote(raw, errors="strict") if "%" in raw else raw
    except UnicodeDecodeError:  # percent-encoded bytes that are not UTF-8 (found by fuzzing)
        return None
    if "\\" in decoded or "\x00" in decoded or "%" in decoded:
        return None  # a double-encoded or encoded-separator path: refuse, do not guess
    parts = decoded.split("/")
    if any(p in ("..", ".") for p in parts) or ":" in decoded:
        return None
    path = "/".join(p for p in parts if p)
    if not path or decoded.endswith("/"):
        path = (path + "/" if path else "") + "index.html"
    return path


def loopback_host(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    with contextlib.suppress(ValueError):
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    return False


def allowed_host(header: str | None, bound: str) -> bool:
    """DNS-rebinding guard: on a loopback bind, the Host header must name loopback."""
    if not loopback_host(bound):
        return True  # the user chose to serve beyond this machine
    if not header:
        return False
    host = header.rsplit(":", 1)[0] if not header.endswith("]") else header
    if header.startswith("[") and "]" in header:
        host = header[: header.index("]") + 1]
    return loopback_host(host.lower())


class Handler(http.server.BaseHTTPRequestHandler):
    server: Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            super().log_message(format, *args)

    def do_HEAD(self) -> None:
        self._answer(head=True)

    def do_GET(self) -> None:
        self._answer(head=False)

    def _answer(self, head: bool) -> None:
        if not allowed_host(self.headers.get("Host"), self.server.bound_host):
            self._send(421, b"Misdirected request: kam serves this machine only\n", head=head)
            return
        if self.path.startswith(LIVE_PREFIX):
            self._live(head)
            return
        path = site_path(self.path)
        data, version = self.server.site.versioned_page(path) if path else (None, 0)
        if data is None or path is None:
            self._send(404, b"Not found\n", head=head)
            return
        kind = TYPES.get(os.path.splitext(path)[1], "application/octet-stream")
        if kind.startswith("text/html"):
            data = with_live_reload(data, version)  # the version this page shows
        self._send(200, data, kind, head)

    def _live(self, head: bool) -> None:
        url = urlsplit(self.path)
        if url.path == LIVE_PREFIX + "live.js":
            self._send(200, LIVE_JS, TYPES[".js"], head)
        elif url.path == LIVE_PREFIX + "changes":
            since = url.query.removeprefix("since=")
            site = self.server.site
            version = site.version
            if since == str(version) and self.server.waiters.acquire(blocking=False):
                try:
                    version = site.wait(version, POLL_SECONDS)
                finally:
                    self.server.waiters.release()
            self._send(200, json.dumps({"version": version}).encode(), TYPES[".json"], head)
        else:
            self._send(404, b"Not found\n", head=head)

    def _send(
        self, code: int, body: bytes, kind: str = "text/plain; charset=utf-8", head: bool = False
    ) -> None:
        try:
            self.send_response(code)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Content-Type-Options", "nosniff")
            self.send_header("Referrer-Policy", "no-referrer")
            self.end_headers()
            if not head:
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the browser went away: nothing to do


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64

    def __init__(self, host: str, port: int, site: LiveSite, verbose: bool = False) -> None:
        self.site = site
        self.bound_host = host
        self.verbose = verbose
        self.waiters = threading.BoundedSemaphore(MAX_WAITERS)
        if ":" in host:
            self.address_family = socket.AF_INET6
        super().__init__((host, port), Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError)):
            return  # a client that disconnects abruptly is not an error of kam
        super().handle_error(request, client_address)


class Debouncer:
    """Collects changed paths and calls ``action`` once they have been quiet for ``quiet`` s."""

    def __init__(self, action: Callable[[set[str]], None], quiet: float = QUIET) -> None:
        self._action = action
        self._quiet = quiet
        self._pending: set[str] = set()
        self._last = 0.0
        self._cond = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="kam-rebuild", daemon=True)
        self._thread.start()

    def add(self, paths: set[str]) -> None:
        with self._cond:
            self._pending |= paths
            self._last = time.monotonic()
            self._cond.notify()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._pending:
                    self._cond.wait()
                while (left := self._last + self._quiet - time.monotonic()) > 0:
                    self._cond.wait(left)
                paths, self._pending = self._pending, set()
            self._action(paths)


def watch(root: Path, on_change: Callable[[set[str]], None], poll: bool = False) -> Any:
    """Start watching ``root``; ``on_change`` gets the ledger paths of each burst of events.
    Falls back to polling when inotify cannot be used. Returns the started observer."""
    from watchdog.events import FileSystemEvent, FileSystemEventHandler
    from watchdog.observers import Observer
    from watchdog.observers.polling import PollingObserver

    class Events(FileSystemEventHandler):
        def on_any_event(self, event: FileSystemEvent) -> None:
            if event.event_type in ("opened", "closed_no_write"):
                return
            paths = [os.fsdecode(event.src_path)]
            if getattr(event, "dest_path", ""):
                paths.append(os.fsdecode(event.dest_path))
            changed = relative_paths(root, paths)
            if changed:
                debouncer.add(changed)

    debouncer = Debouncer(on_change)
    observer: Any
    try:
        observer = PollingObserver(timeout=0.5) if poll else Observer()
        observer.schedule(Events(), str(root), recursive=True)
        observer.start()
    except OSError as exc:  # out of inotify watches or instances (tested): poll instead
        print(
            f"kam: cannot watch with inotify ({exc.strerror or exc}); polling every 0.5 s "
            "(raise fs.inotify.max_user_instances or max_user_watches, or pass --poll)",
            file=sys.stderr,
        )
        observer = PollingObserver(timeout=0.5)
        observer.schedule(Events(), str(root), recursive=True)
        observer.start()
    return observer


def write_changes(site: LiveSite, out: Path, written: dict[str, bytes]) -> int:
    """Write the files of the site's current version that changed since ``written`` (path ->
    digest of what is on disk) into ``out``, each through a temporary file and a rename; remove
    the files that are gone. The number of files written."""
    count = 0
    paths = site.paths()
    for path in paths:
        data = site.page(path)
        if data is None:
            continue
        digest = hashlib.blake2b(data, digest_size=16).digest()
        if written.get(path) == digest:
            continue
        write_file(out, f"{path}.kam-tmp", data)
        (out / f"{path}.kam-tmp").replace(out / path)
        written[path] = digest
        count += 1
    for gone in set(written) - set(paths):
        with contextlib.suppress(FileNotFoundError):
            (out / gone).unlink()
        del written[gone]
    return count
