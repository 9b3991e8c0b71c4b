"""Nothing the user wrote is touched, and no site is left half-written: builds killed while
they write the site and builds run at the same time, with real processes."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import AS_OF, SAMPLE

from ledger.workflow.demo import write_demo

DAY_ONE, DAY_TWO = "2026-11-23", "2026-11-24"


def snapshot(root: Path) -> dict[str, tuple[int, int, str]]:
    """Every path under root with its mode, modification time and content hash."""
    out = {}
    for path in sorted(root.rglob("*")):
        st = path.lstat()
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""
        out[path.relative_to(root).as_posix()] = (st.st_mode, st.st_mtime_ns, digest)
    return out


def kam(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ledger", *args], cwd=cwd, capture_output=True, text=True
    )


@pytest.mark.slow
def test_commands_never_write_into_the_ledger(tmp_path: Path) -> None:
    root = tmp_path / "ledger"
    shutil.copytree(SAMPLE, root)
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    subprocess.run(["git", "-C", str(tmp_path), "add", "."], check=True)
    subprocess.run(
        ["git", "-C", str(tmp_path), "-c", "user.name=t", "-c", "user.email=t@example.com",
         "commit", "-qm", "sample"],
        check=True,
    )  # fmt: skip
    before = snapshot(root)
    ledger = ["--ledger", str(root)]
    for args in (
        ["validate"],
        ["validate", "--format", "github"],
        ["tiers", "--format", "csv"],
        ["due", "--format", "ics"],
        ["show", "huadong-mobile"],
        ["build", "-o", str(tmp_path / "site")],
        ["diff", "HEAD"],
        ["build", "-o", str(root / "site")],  # refused: inside the ledger
        ["build", "-o", str(root)],  # refused: the ledger itself
    ):
        result = kam(*ledger, *args, cwd=tmp_path)
        assert result.returncode in (0, 1, 2), result.stderr
        assert "Traceback" not in result.stderr
    assert snapshot(root) == before


def site_state(site: Path) -> str:
    """'old' or 'new' for a complete site of day one or two; anything else fails the test."""
    if not site.exists():  # killed between the two renames of the swap: the old site is aside,
        (site,) = site.parent.glob(f".{site.name}.kam-old-*")  # and the next build restores it
    index = (site / "index.html").read_text(encoding="utf-8")
    pages = sorted(p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file())
    assert (site / ".kam-site").is_file()
    assert len(pages) > 300 and all((site / p).stat().st_size > 0 for p in pages)
    for page in (site / "accounts").iterdir():
        text = page.read_text(encoding="utf-8")
        assert text.rstrip().endswith("</html>"), page
    if "Nov 24, 2026" in index:
        return "new"
    assert "Nov 23, 2026" in index
    return "old"


@pytest.fixture(scope="module")
def big_ledger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Large enough (300 accounts) for a build of a few seconds, rendered by worker processes."""
    root = tmp_path_factory.mktemp("big") / "ledger"
    write_demo(root, 300, 5, AS_OF)
    return root


def build(root: Path, site: Path, day: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "ledger", "--no-cache", "--ledger", str(root), "build",
         "--as-of", day, "--lang", "en", "-o", str(site)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )  # fmt: skip


def files_in(folder: Path) -> int:
    """How many files are under folder now (0 once it is gone); safe while a build renames it."""
    return sum(len(names) for _, _, names in os.walk(folder))


@pytest.mark.slow
def test_a_build_killed_mid_build_leaves_the_previous_site_whole(big_ledger: Path, tmp_path: Path):
    site = tmp_path / "site"
    assert build(big_ledger, site, DAY_TWO).wait() == 0
    total = files_in(site)
    assert build(big_ledger, site, DAY_ONE).wait() == 0
    for target in (1, total // 5, total * 2 // 5, total * 3 // 5, total * 4 // 5):
        before = snapshot(site)
        proc = build(big_ledger, site, DAY_TWO)
        partial = tmp_path / f".site.kam-tmp-{proc.pid}"  # the folder this build writes into
        deadline = time.monotonic() + 60
        while files_in(partial) < target and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        os.killpg(proc.pid, signal.SIGKILL)  # the build and its workers, mid-flight
        assert proc.wait() == -signal.SIGKILL, proc.stderr.read()  # killed, not finished
        written = files_in(partial)
        assert target <= written < total, f"the kill did not land mid-build ({written}/{total})"
        assert snapshot(site) == before  # the previous site is untouched, still day one
        assert site_state(site) == "old"
    # the next build cleans up what the killed ones left and completes
    assert build(big_ledger, site, DAY_TWO).wait() == 0
    assert site_state(site) == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["site"]


@pytest.mark.slow
def test_two_builds_at_once_do_not_mix(big_ledger: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    first, second = build(big_ledger, site, DAY_ONE), build(big_ledger, site, DAY_TWO)
    assert first.wait() == 0 and second.wait() == 0, (first.stderr.read(), second.stderr.read())
    assert site_state(site) in ("old", "new")
    assert [p.name for p in tmp_path.iterdir()] == ["site"]
