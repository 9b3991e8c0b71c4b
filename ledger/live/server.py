"""The HTTP server of ``kam serve``: pages of the live site, answered from memory.

The file events that rebuild the site are ``ledger.live.watcher``'s; the loop that ties the two
together is ``ledger.live.loop``.

The server only serves the site's own paths (no file system access: nothing outside the site
can be reached, whatever the URL says), only answers GET and HEAD, and, when bound to loopback,
only to requests whose Host header names loopback (a web page elsewhere cannot use DNS
rebinding to read the reports). Pages it serves carry a small script that reloads them when a
new version is built; ``kam build`` output never does.
"""

from __future__ import annotations

import contextlib
import http.server
import ipaddress
import json
import os
import socket
import sys
import threading
from typing import Any
from urllib.parse import unquote, urlsplit

from ledger.live.ledger import LiveSite

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
