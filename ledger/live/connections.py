"""The connections of ``kam serve``: one selector loop owns every socket, a fixed pool of worker
threads turns complete requests into answers.

No thread ever waits on a client. The loop reads each request head without blocking and hands
it to a worker only once it is whole; the worker builds the answer in memory; the loop writes
it out without blocking. So a client that connects and sends nothing, trickles a byte a second
or never reads its answer holds one socket and a deadline, never a thread:

- a request head must arrive whole within ``head_seconds`` of the connection (or of the
  previous answer on a kept-alive connection), and be at most ``head_bytes`` long;
- an answer must be written out within ``write_seconds``;
- at most ``max_connections`` are open at once (fewer when the file-descriptor limit is low):
  a new one closes the oldest that is not being answered, so a flood of idle connections only
  ever evicts itself and a new client is read at once;
- a long poll (``Reply.held``) is kept by the loop, not by a worker, asked again every
  ``SWEEP_SECONDS``, and at most ``max_held`` at once: more are answered at once.

The pages themselves are ``ledger.live.server``'s.
"""

from __future__ import annotations

import contextlib
import errno
import queue
import re
import resource
import selectors
import socket
import threading
import time
import traceback
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

#: the end of a request head: an empty line
HEAD_END = re.compile(rb"\r?\n\r?\n")
SWEEP_SECONDS = 0.1  # how often deadlines are looked at
ACCEPTS_PER_TURN = 64  # accepted in one go, so a connection flood cannot starve the others
RUNNING_OUT = (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM)

TOO_LARGE = (
    b"HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Type: text/plain\r\n"
    b"Content-Length: 24\r\nConnection: close\r\n\r\nRequest head too large.\n"
)


@dataclass(frozen=True)
class Limits:
    """What one ``kam serve`` holds at most, and how long it waits for a client."""

    workers: int = 8
    max_connections: int = 512
    max_held: int = 64
    head_bytes: int = 32 * 1024
    head_seconds: float = 5.0
    write_seconds: float = 30.0
    backlog: int = 4096

    def connections_allowed(self) -> int:
        """``max_connections``, or half the file-descriptor limit when that is lower."""
        soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
        if soft == resource.RLIM_INFINITY:
            return self.max_connections
        return max(8, min(self.max_connections, soft // 2))


@dataclass
class Reply:
    """A worker's answer to one request head: bytes to write, or a long poll to hold."""

    data: bytes = b""
    close: bool = False
    #: a long poll: asked every sweep, returns the answer once there is one (always when
    #: its argument, "time is up", is true)
    held: Callable[[bool], bytes | None] | None = None
    hold_seconds: float = 0.0


Respond = Callable[[bytes, Any], Reply]

READING, BUSY, WRITING, HELD = "reading", "busy", "writing", "held"


@dataclass(eq=False)
class _Conn:
    sock: socket.socket
    address: Any
    state: str = READING
    deadline: float = 0.0
    buf: bytearray = field(default_factory=bytearray)
    scanned: int = 0  # how much of ``buf`` is known not to hold a head's end
    out: memoryview = field(default_factory=lambda: memoryview(b""))
    close_after: bool = False
    held: Callable[[bool], bytes | None] | None = None


class Connections:
    """Serve ``listener`` (bound and listening): request heads go to ``respond`` in a worker."""

    def __init__(self, listener: socket.socket, respond: Respond, limits: Limits) -> None:
        self.limits = limits
        self.cap = limits.connections_allowed()
        self._listener = listener
        self._respond = respond
        self._selector = selectors.DefaultSelector()
        self._conns: OrderedDict[int, _Conn] = OrderedDict()  # oldest activity first
        self._jobs: queue.SimpleQueue[tuple[_Conn, bytes] | None] = queue.SimpleQueue()
        self._done: queue.SimpleQueue[tuple[_Conn, Reply | None]] = queue.SimpleQueue()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._stop = False
        self._accept_paused_until = 0.0
        listener.setblocking(False)
        self._selector.register(listener, selectors.EVENT_READ, "accept")
        self._selector.register(self._wake_r, selectors.EVENT_READ, "wake")
        self._workers = [
            threading.Thread(target=self._work, name=f"kam-serve-{n}", daemon=True)
            for n in range(limits.workers)
        ]
        for worker in self._workers:
            worker.start()

    # --- called from other threads ----------------------------------------------------------

    def wake(self) -> None:
        """Make the loop look again: an answer is ready, a long poll may be over, or stop."""
        with contextlib.suppress(BlockingIOError, OSError):
            self._wake_w.send(b"\0")

    def stop(self) -> None:
        """Make ``run`` return soon."""
        self._stop = True
        self.wake()

    def _work(self) -> None:
        while (job := self._jobs.get()) is not None:
            conn, head = job
            try:
                reply: Reply | None = self._respond(head, conn.address)
            except Exception:  # a bug of kam: say so, drop this connection, keep serving
                traceback.print_exc()
                reply = None
            self._done.put((conn, reply))
            self.wake()

    # --- the loop ---------------------------------------------------------------------------

    def run(self) -> None:
        """Accept, read, dispatch and write until ``stop``."""
        next_sweep = time.monotonic()
        while not self._stop:
            # deadlines and held long polls are looked at every SWEEP_SECONDS: a new version
            # reaches the open pages that fast; with no connection open, nothing to look at
            idle = not self._conns and not self._accept_paused_until
            for key, events in self._selector.select(None if idle else SWEEP_SECONDS):
                if key.data == "accept":
                    self._accept()
                elif key.data == "wake":
                    with contextlib.suppress(BlockingIOError):
                        self._wake_r.recv(4096)
                elif events & selectors.EVENT_READ:
                    self._read(key.data)
                else:
                    self._write(key.data)
            self._take_replies()
            now = time.monotonic()
            if now >= next_sweep:
                self._sweep(now)
                next_sweep = now + SWEEP_SECONDS

    def close(self) -> None:
        """Close every connection and stop the workers."""
        for conn in list(self._conns.values()):
            self._close(conn)
        for _ in self._workers:
            self._jobs.put(None)
        for worker in self._workers:
            worker.join(5)
        self._selector.close()
        self._wake_r.close()
        self._wake_w.close()

    def _accept(self) -> None:
        for _ in range(ACCEPTS_PER_TURN):
            if len(self._conns) >= self.cap and not self._evict_oldest():
                self._pause_accepting()
                return
            try:
                sock, address = self._listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except ConnectionAbortedError:
                continue
            except OSError as exc:
                if exc.errno not in RUNNING_OUT:
                    raise
                if not self._evict_oldest():  # out of file descriptors: make room, or wait
                    self._pause_accepting()
                return
            sock.setblocking(False)
            conn = _Conn(sock, address)
            self._conns[sock.fileno()] = conn
            self._expect_request(conn, register=True)

    def _pause_accepting(self) -> None:
        """Stop accepting for a moment (every connection is being answered, or no descriptor is
        left); ``_sweep`` resumes."""
        if not self._accept_paused_until:
            self._selector.unregister(self._listener)
        self._accept_paused_until = time.monotonic() + SWEEP_SECONDS

    def _evict_oldest(self) -> bool:
        for conn in self._conns.values():
            if conn.state != BUSY:
                self._close(conn)
                return True
        return False

    def _expect_request(self, conn: _Conn, register: bool = False) -> None:
        """Wait for the next request head on ``conn`` (or take it from what was read)."""
        conn.state, conn.held = READING, None
        conn.deadline = time.monotonic() + self.limits.head_seconds
        self._conns.move_to_end(conn.sock.fileno())
        if register:
            self._selector.register(conn.sock, selectors.EVENT_READ, conn)
        else:
            self._selector.modify(conn.sock, selectors.EVENT_READ, conn)
        self._dispatch_if_whole(conn)

    def _read(self, conn: _Conn) -> None:
        try:
            data = conn.sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:
            self._close(conn)
            return
        conn.buf += data
        if conn.state == READING:
            self._dispatch_if_whole(conn)
        elif len(conn.buf) > self.limits.head_bytes:  # more and more while a long poll is held
            self._close(conn)

    def _dispatch_if_whole(self, conn: _Conn) -> None:
        limit = self.limits.head_bytes
        end = HEAD_END.search(conn.buf, max(0, conn.scanned - 3), limit + 4)
        if end is None:
            conn.scanned = len(conn.buf)  # a head trickled in byte by byte is scanned once
            if len(conn.buf) > limit:
                self._send(conn, TOO_LARGE, close=True)
            return
        head = bytes(conn.buf[: end.end()])
        del conn.buf[: end.end()]
        conn.scanned = 0
        conn.state = BUSY
        self._selector.unregister(conn.sock)  # nothing more is read until this one is answered
        self._jobs.put((conn, head))

    def _take_replies(self) -> None:
        while True:
            try:
                conn, reply = self._done.get_nowait()
            except queue.Empty:
                return
            if self._conns.get(conn.sock.fileno()) is not conn:
                continue  # closed meanwhile
            self._selector.register(conn.sock, selectors.EVENT_READ, conn)
            if reply is None or not (reply.data or reply.held):
                self._close(conn)
            elif reply.held is not None and self._holding() < self.limits.max_held:
                conn.state, conn.held = HELD, reply.held
                conn.deadline = time.monotonic() + reply.hold_seconds
                conn.close_after = reply.close
            elif reply.held is not None:
                self._send(conn, reply.held(True) or b"", reply.close)
            else:
                self._send(conn, reply.data, reply.close)

    def _holding(self) -> int:
        return sum(1 for c in self._conns.values() if c.state == HELD)

    def _send(self, conn: _Conn, data: bytes, close: bool) -> None:
        conn.state, conn.held, conn.close_after = WRITING, None, close
        conn.out = memoryview(data)
        conn.deadline = time.monotonic() + self.limits.write_seconds
        self._selector.modify(conn.sock, selectors.EVENT_WRITE, conn)
        self._write(conn)

    def _write(self, conn: _Conn) -> None:
        try:
            sent = conn.sock.send(conn.out)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self._close(conn)
            return
        conn.out = conn.out[sent:]
        if conn.out:
            return
        if conn.close_after:
            self._close(conn)
        else:
            self._expect_request(conn)

    def _sweep(self, now: float) -> None:
        """Drop the clients past their deadline, answer the long polls that are over, and
        accept again after a pause."""
        if self._accept_paused_until and now >= self._accept_paused_until:
            self._accept_paused_until = 0.0
            self._selector.register(self._listener, selectors.EVENT_READ, "accept")
        for conn in list(self._conns.values()):
            if conn.state == HELD and conn.held is not None:
                answer = conn.held(now >= conn.deadline)
                if answer is not None:
                    self._send(conn, answer, conn.close_after)
            elif conn.state in (READING, WRITING) and now >= conn.deadline:
                self._close(conn)

    def _close(self, conn: _Conn) -> None:
        fd = conn.sock.fileno()
        if self._conns.get(fd) is conn:
            del self._conns[fd]
        with contextlib.suppress(KeyError, ValueError):  # a busy one is not registered
            self._selector.unregister(conn.sock)
        conn.sock.close()
