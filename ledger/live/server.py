"""The HTTP server of ``kam serve``: pages of the live site, answered from memory.

The file events that rebuild the site are ``ledger.live.watcher``'s; the loop that ties the two
together is ``ledger.live.loop``.

The server only serves the site's own paths (no file system access: nothing outside the site
can be reached, whatever the URL says), only answers GET and HEAD, and, when bound to loopback,
only to requests whose Host header names loopback (a web page elsewhere cannot use DNS
rebinding to read the reports). Pages it serves carry a small script that reloads them when a
new version is built; ``kam build`` output never does.

Sockets, limits and timeouts are ``ledger.live.connections``'s: a fixed pool of threads, each
client bounded in time and size, so no client can exhaust the process.
"""

from __future__ import annotations

import contextlib
import email.utils
import http
import http.server
import io
import ipaddress
import json
import os
import re
import socket
import traceback
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote, urlsplit

from ledger.live.connections import Connections, Limits, Reply
from ledger.live.site import LiveSite

LIVE_PREFIX = "/__kam/"
POLL_SECONDS = 25  # how long a reload long-poll waits before answering "no change"
LIMITS = Limits()  # the sizes, counts and timeouts, documented in docs/security.md

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


LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
HOST_NAME = re.compile(rf"{LABEL}(?:\.{LABEL})*")  # a DNS name or an IPv4 address
PORT = re.compile(r"[0-9]{1,5}")


def parse_host(header: str) -> str | None:
    """The host a Host header names (lower case; an IPv6 literal without its brackets), or None
    unless it is exactly a host name, an IPv4 address or a bracketed IPv6 address, then
    optionally ``:`` and a port: no user info, path, second port, empty port, space or junk."""
    text = header.lower()
    if text.startswith("["):
        host, bracket, rest = text[1:].partition("]")
        if not bracket or not _ipv6(host):
            return None
    else:
        host, colon, port = text.partition(":")
        rest = colon + port
        if not HOST_NAME.fullmatch(host):
            return None
    if rest and not (rest[0] == ":" and PORT.fullmatch(rest[1:]) and int(rest[1:]) <= 65535):
        return None
    return host


def _ipv6(text: str) -> bool:
    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        return False
    return "%" not in text  # a zone (scope) id is not part of a Host header


def loopback_host(host: str) -> bool:
    """True for ``localhost``, a name under ``.localhost`` and loopback addresses."""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    with contextlib.suppress(ValueError):
        return ipaddress.ip_address(host).is_loopback
    return False


def allowed_host(headers: list[str] | str | None, bound: str) -> bool:
    """DNS-rebinding guard: on a loopback bind, the request has one Host header, well formed,
    naming loopback; beyond loopback (the user's choice), a well-formed Host or none."""
    values = [headers] if isinstance(headers, str) else list(headers or [])
    host = parse_host(values[0]) if len(values) == 1 else None
    if not loopback_host(bound.strip("[]")):
        return not values or host is not None
    return host is not None and loopback_host(host)


def response(
    code: int, body: bytes, kind: str = "text/plain; charset=utf-8", head: bool = False
) -> bytes:
    """A whole HTTP/1.1 answer, headers and (unless ``head``) body."""
    lines = [
        f"HTTP/1.1 {code} {http.HTTPStatus(code).phrase}",
        "Server: kam",
        f"Date: {email.utils.formatdate(usegmt=True)}",
        f"Content-Type: {kind}",
        f"Content-Length: {len(body)}",
        "Cache-Control: no-store",
        "X-Content-Type-Options: nosniff",
        "Referrer-Policy: no-referrer",
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (b"" if head else body)


def changes_answer(site: LiveSite, since: int, head: bool) -> Callable[[bool], bytes | None]:
    """The long poll of an open page: answered once the site has a version newer than
    ``since``, or when time is up ("no change")."""

    def answer(time_is_up: bool) -> bytes | None:
        version = site.version
        if version == since and not time_is_up:
            return None
        return response(200, json.dumps({"version": version}).encode(), TYPES[".json"], head)

    return answer


class Handler(http.server.BaseHTTPRequestHandler):
    """One request head, read from memory; the answer is written to memory (``wfile``) or,
    for a long poll, left in ``held`` for the connection loop to send when it is ready."""

    server: Server  # type: ignore[assignment]
    protocol_version = "HTTP/1.1"
    server_version = "kam"
    sys_version = ""

    def setup(self) -> None:
        self.rfile = io.BytesIO(self.request)
        self.wfile = io.BytesIO()
        self.held: Callable[[bool], bytes | None] | None = None

    def handle(self) -> None:
        self.close_connection = True
        self.handle_one_request()

    def finish(self) -> None:
        pass  # nothing to flush or close: the connection is the loop's

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:
            super().log_message(format, *args)

    def do_HEAD(self) -> None:
        self._answer(head=True)

    def do_GET(self) -> None:
        self._answer(head=False)

    def _answer(self, head: bool) -> None:
        if not allowed_host(self.headers.get_all("Host"), self.server.bound_host):
            self._send(421, b"Misdirected request: kam serves this machine only\n", head=head)
            return
        if not self.path.startswith("/"):  # absolute form names another host than Host does
            self._send(400, b"Bad request\n", head=head)
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
            site = self.server.site
            version = site.version
            if url.query.removeprefix("since=") == str(version):
                self.log_request(200)
                self.held = changes_answer(site, version, head)  # the loop holds it
            else:
                body = json.dumps({"version": version}).encode()
                self._send(200, body, TYPES[".json"], head)
        else:
            self._send(404, b"Not found\n", head=head)

    def _send(
        self, code: int, body: bytes, kind: str = "text/plain; charset=utf-8", head: bool = False
    ) -> None:
        self.log_request(code)
        self.wfile.write(response(code, body, kind, head))

    def body_follows(self) -> bool:
        """True when the request announced a body: it is not read, so the connection closes."""
        headers = getattr(self, "headers", None)
        if headers is None:
            return False
        length = headers.get("Content-Length", "0").strip()
        return "Transfer-Encoding" in headers or length != "0"


class Server:
    """``kam serve``'s HTTP server on ``host``:``port`` (0: a free one), answering from
    ``site``; ``serve_forever`` until ``shutdown`` or Ctrl+C, then ``server_close``."""

    def __init__(
        self, host: str, port: int, site: LiveSite, verbose: bool = False, limits: Limits = LIMITS
    ) -> None:
        self.site = site
        self.bound_host = host
        self.verbose = verbose
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.socket = socket.socket(family, socket.SOCK_STREAM)
        try:
            self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self.socket.bind((host, port))
            self.socket.listen(limits.backlog)
        except OSError:
            self.socket.close()
            raise
        self.server_address = self.socket.getsockname()
        self.connections = Connections(self.socket, self.respond, limits)

    def respond(self, head: bytes, address: Any) -> Reply:
        """The answer to one request head (run by a worker of the pool)."""
        try:
            handler = Handler(head, address, self)  # type: ignore[arg-type]
        except Exception:  # a bug of kam: say so, answer 500, keep serving
            traceback.print_exc()
            return Reply(response(500, b"Internal error\n"), close=True)
        close = handler.close_connection or handler.body_follows()
        return Reply(handler.wfile.getvalue(), close, handler.held, POLL_SECONDS)

    def serve_forever(self) -> None:
        self.connections.run()

    def shutdown(self) -> None:
        """Make ``serve_forever`` return (from another thread)."""
        self.connections.stop()

    def server_close(self) -> None:
        self.connections.close()
        self.socket.close()
