"""kam serve and kam watch, driven for real: a kam process on a free loopback port, files edited
the ways editors save them, pages fetched over HTTP."""

from __future__ import annotations

import concurrent.futures
import contextlib
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import SAMPLE

from ledger.live.server import allowed_host, site_path

ACCOUNT = "huadong-mobile"
VISIT = f"{ACCOUNT}/visits/2025-01-15-定期回访.yaml"
PAGE = f"/accounts/{ACCOUNT}.html"
TIMEOUT = 15.0


class Kam:
    """A running kam process and what it printed on stderr."""

    def __init__(self, args: list[str], cwd: Path) -> None:
        env = {**os.environ, "NO_COLOR": "1", "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "ledger", *args],
            cwd=cwd,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line)

    def wait_for(self, pattern: str) -> re.Match[str]:
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            for line in list(self.lines):
                if m := re.search(pattern, line):
                    return m
            assert self.proc.poll() is None, "".join(self.lines)
            time.sleep(0.02)
        raise AssertionError(f"no {pattern!r} in: {''.join(self.lines)}")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def ledger(tmp_path: Path) -> Path:
    root = tmp_path / "ledger"
    shutil.copytree(SAMPLE, root)
    return root


@pytest.fixture
def server(ledger: Path, tmp_path: Path) -> Iterator[tuple[Kam, int]]:
    kam = Kam(["--ledger", str(ledger), "serve", "--port", "0", "--as-of", "2026-11-23"], tmp_path)
    try:
        port = int(kam.wait_for(r"at http://127\.0\.0\.1:(\d+)/").group(1))
        yield kam, port
    finally:
        kam.stop()


def get(port: int, path: str, host: str | None = None, method: str = "GET") -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    try:
        conn.putrequest(method, path, skip_host=host is not None)
        if host is not None:
            conn.putheader("Host", host)
        conn.endheaders()
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def page(port: int, path: str = PAGE) -> str:
    status, body = get(port, path)
    assert status == 200, path
    return body.decode("utf-8")


def until(check: Callable[[], bool]) -> None:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError("the served site did not change")


def replace_text(path: Path, old: str, new: str) -> str:
    text = path.read_text(encoding="utf-8")
    assert old in text
    return text.replace(old, new)


def test_edits_saved_the_ways_editors_save_show_up(server: tuple[Kam, int], ledger: Path) -> None:
    _, port = server
    visit = ledger / VISIT
    assert "物联网卡与专线需求稳定" in page(port)

    # 1. written in place (most editors, echo >>)
    visit.write_text(replace_text(visit, "物联网卡与专线需求稳定", "在位写入"), encoding="utf-8")
    until(lambda: "在位写入" in page(port))

    # 2. written to a temporary file, then renamed over it (vim's backupcopy=no, JetBrains)
    tmp = visit.with_name(visit.name + "___jb_tmp___")
    tmp.write_text(replace_text(visit, "在位写入", "改名保存"), encoding="utf-8")
    os.replace(tmp, visit)
    until(lambda: "改名保存" in page(port))

    # 3. deleted, then created again (some sync tools, git checkout)
    text = replace_text(visit, "改名保存", "删除重建")
    visit.unlink()
    until(lambda: "改名保存" not in page(port))
    visit.write_text(text, encoding="utf-8")
    until(lambda: "删除重建" in page(port))

    # 4. a new account folder appears with its pages
    shutil.copytree(ledger / "zhixin-tech", ledger / "zhixin-copy")
    until(lambda: get(port, "/accounts/zhixin-copy.html")[0] == 200)
    assert "zhixin-copy" in page(port, "/accounts.html")


def test_a_broken_edit_shows_the_problem_and_recovers(
    server: tuple[Kam, int], ledger: Path
) -> None:
    kam, port = server
    dossier = ledger / ACCOUNT / "dossier.yaml"
    good = dossier.read_text(encoding="utf-8")
    # caught half-written: the file ends in the middle of a flow mapping
    dossier.write_text(good[: good.index("credit:") + 20], encoding="utf-8")
    until(lambda: f"{ACCOUNT}/dossier.yaml:" in page(port, "/problems.html"))
    problems = page(port, "/problems.html")
    assert re.search(rf"{ACCOUNT}/dossier\.yaml:\d+:\d+", problems)
    assert get(port, PAGE)[0] == 404  # the account cannot be shown while its card is broken
    kam.wait_for(r"rebuilt in \d+ ms .*1 error")

    dossier.write_text(good, encoding="utf-8")
    until(lambda: get(port, PAGE)[0] == 200)
    assert f"{ACCOUNT}/dossier.yaml:" not in page(port, "/problems.html")
    assert kam.proc.poll() is None


def test_open_pages_are_told_to_reload(server: tuple[Kam, int], ledger: Path) -> None:
    _, port = server
    html = page(port, "/index.html")
    version = re.search(r'data-kam-version="(\d+)"', html).group(1)  # type: ignore[union-attr]
    assert '<script src="/__kam/live.js" defer></script>' in html
    assert "connect-src 'self'" in html
    status, script = get(port, "/__kam/live.js")
    assert status == 200 and b"location.reload()" in script

    answer: list[dict] = []
    poll = threading.Thread(
        target=lambda: answer.append(json.loads(get(port, f"/__kam/changes?since={version}")[1]))
    )
    poll.start()
    time.sleep(0.3)
    assert poll.is_alive()  # a long poll: no answer while nothing changes
    visit = ledger / VISIT
    visit.write_text(replace_text(visit, "例行拜访", "提醒刷新"), encoding="utf-8")
    poll.join(TIMEOUT)
    assert answer and answer[0]["version"] != int(version)


def test_the_server_refuses_what_it_must(server: tuple[Kam, int]) -> None:
    _, port = server
    for path in (
        "/../ledger.yaml",
        "/accounts/../../ledger.yaml",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/accounts/..%2f..%2fetc%2fpasswd",
        "/accounts/%252e%252e/x",
        "/..\\..\\etc\\passwd",
        "/index.html%00.css",
        "//etc/passwd",
        "/C:/Windows/win.ini",
        "/huadong-mobile/dossier.yaml",
        "/ledger.yaml",
    ):
        status, _ = get(port, path)
        assert status == 404, path
    for host in ("evil.example", f"evil.example:{port}", "127.0.0.1.evil.example", ""):
        assert get(port, "/", host=host)[0] == 421, host
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}", "localhost"):
        assert get(port, "/", host=host)[0] == 200, host
    assert get(port, "/", method="HEAD") == (200, b"")
    assert get(port, "/", method="POST")[0] == 501
    assert get(port, "/accounts/")[0] == 404


def test_abrupt_clients_and_a_burst_do_not_stop_it(server: tuple[Kam, int], ledger: Path) -> None:
    kam, port = server
    for partial in (b"", b"GET / HT", b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n", b"\x00\xff" * 50):
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.sendall(partial)
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
        s.recv(100)  # read a little of the answer, then hang up

    visit = ledger / VISIT
    stop = threading.Event()

    def keep_editing() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            visit.write_text(
                replace_text(visit, "satisfaction: satisfied", "satisfaction: satisfied")
                + f"# edit {n}\n",
                encoding="utf-8",
            )
            time.sleep(0.02)

    editor = threading.Thread(target=keep_editing)
    editor.start()
    try:
        paths = ["/", "/accounts.html", PAGE, "/schedule.html", "/ledger.json", "/due.ics"] * 20
        with concurrent.futures.ThreadPoolExecutor(16) as pool:
            statuses = list(pool.map(lambda p: get(port, p)[0], paths))
    finally:
        stop.set()
        editor.join()
    assert statuses == [200] * len(paths)
    assert kam.proc.poll() is None
    assert page(port, "/").startswith("<!DOCTYPE html>")


def test_site_paths_and_hosts() -> None:
    assert site_path("/") == "index.html"
    assert site_path("/accounts/%E5%AE%9D.html?x=1") == "accounts/宝.html"
    assert site_path("/assets/kam.css") == "assets/kam.css"
    assert site_path("/a/../b") is None
    assert site_path("/%2e%2e/x") is None
    assert site_path("/a%2fb") is None
    assert allowed_host("127.0.0.1:8000", "127.0.0.1")
    assert not allowed_host("attacker.example:8000", "127.0.0.1")
    assert allowed_host("anything.example", "0.0.0.0")  # serving beyond loopback: the user's call


def test_watch_rewrites_changed_files(ledger: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    kam = Kam(["--ledger", str(ledger), "watch", "-o", str(out), "--as-of", "2026-11-23"], tmp_path)
    try:
        kam.wait_for(r"watching")
        account_page = out / "accounts" / f"{ACCOUNT}.html"
        other_page = out / "accounts" / "zhixin-tech.html"
        other_before = other_page.stat().st_mtime_ns
        assert "__kam" not in account_page.read_text(encoding="utf-8")
        visit = ledger / VISIT
        visit.write_text(replace_text(visit, "例行拜访", "监视改写"), encoding="utf-8")
        until(lambda: "监视改写" in account_page.read_text(encoding="utf-8"))
        kam.wait_for(r"files written")
        assert other_page.stat().st_mtime_ns == other_before  # unchanged pages are not rewritten
        shutil.rmtree(ledger / "zhixin-tech")
        until(lambda: not other_page.exists())
        assert not list(out.rglob("*.kam-tmp"))
    finally:
        kam.stop()


def test_build_output_has_no_live_reload(sample_site: Callable[[str], Path]) -> None:
    for html in sample_site("en").rglob("*.html"):
        text = html.read_text(encoding="utf-8")
        assert "__kam" not in text and "connect-src" not in text, html


def inotify_instances(pid: int) -> int:
    """How many inotify instances the process holds open, read from /proc (an inotify watcher
    holds one; a polling one holds none)."""
    count = 0
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(FileNotFoundError):  # closed while we look
            count += os.readlink(fd) == "anon_inode:inotify"
    return count


def test_by_default_it_watches_with_inotify(server: tuple[Kam, int]) -> None:
    kam, _ = server
    assert inotify_instances(kam.proc.pid) >= 1  # what the --poll test below looks for


def test_polling_instead_of_inotify(ledger: Path, tmp_path: Path) -> None:
    """With --poll the edit is found with no inotify instance open: the polling observer ran."""
    args = ["--ledger", str(ledger), "serve", "--port", "0", "--poll", "--as-of", "2026-11-23"]
    kam = Kam(args, tmp_path)
    try:
        port = int(kam.wait_for(r"at http://127\.0\.0\.1:(\d+)/").group(1))
        visit = ledger / VISIT
        visit.write_text(replace_text(visit, "例行拜访", "轮询发现"), encoding="utf-8")
        until(lambda: "轮询发现" in page(port))
        assert inotify_instances(kam.proc.pid) == 0
        assert not any("inotify" in line for line in kam.lines)  # nor did it try and fall back
    finally:
        kam.stop()


def test_out_of_inotify_instances_it_polls(ledger: Path, tmp_path: Path) -> None:
    """Use up this user's inotify instances for real (as a busy desktop or a container can), so
    kam serve cannot watch with inotify: it says so, polls, and still follows edits."""
    import ctypes
    import errno

    libc = ctypes.CDLL(None, use_errno=True)
    held: list[int] = []
    try:
        while len(held) < 100_000:
            fd = libc.inotify_init1(os.O_CLOEXEC)
            if fd < 0:
                assert ctypes.get_errno() in (errno.EMFILE, errno.ENFILE, errno.ENOMEM)
                break
            held.append(fd)
        args = ["--ledger", str(ledger), "serve", "--port", "0", "--as-of", "2026-11-23"]
        kam = Kam(args, tmp_path)
        try:
            port = int(kam.wait_for(r"at http://127\.0\.0\.1:(\d+)/").group(1))
            kam.wait_for(r"cannot watch with inotify.*polling")
            visit = ledger / VISIT
            visit.write_text(replace_text(visit, "例行拜访", "没有通知也发现"), encoding="utf-8")
            until(lambda: "没有通知也发现" in page(port))
        finally:
            kam.stop()
    finally:
        for fd in held:
            os.close(fd)


def test_an_edit_with_a_number_reports_cannot_use_shows_on_the_problems_page(
    server: tuple[Kam, int], ledger: Path
) -> None:
    """Issue 14: 'amount: .inf' used to crash every page of kam serve (dropped connections)
    while the problems page showed nothing."""
    kam, port = server
    dossier = ledger / ACCOUNT / "dossier.yaml"
    good = dossier.read_text(encoding="utf-8")
    bad = re.sub(r"amount: \d+", "amount: .inf", good, count=1)
    assert bad != good
    dossier.write_text(bad, encoding="utf-8")
    until(lambda: "is not a number kam can count with" in page(port, "/problems.html"))
    for path in ("/index.html", "/accounts.html", PAGE, "/ledger.json", "/due.ics"):
        assert get(port, path)[0] == 200, path
    json.loads(get(port, "/ledger.json")[1], parse_constant=lambda name: 1 / 0)
    dossier.write_text(good, encoding="utf-8")
    until(lambda: "is not a number kam can count with" not in page(port, "/problems.html"))
    assert kam.proc.poll() is None
