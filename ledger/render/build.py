"""build: check the ledger, render the site into a fresh folder, then swap it in.

The site is written to a hidden sibling folder and renamed into place only when complete, so
an interrupted build leaves the previous site as it was. kam replaces only a folder that it
built itself (it holds the ``.kam-site`` marker) or an empty one: never the user's files.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from ledger.errors import KamError
from ledger.load import workers as parallel
from ledger.pipeline import Checked
from ledger.render.site import MARKER, Site, render_file, site_paths, site_size
from ledger.workflow.gitrev import account_history


class OutputError(KamError):
    """The output folder cannot be used (it holds other files, or the ledger itself)."""


@dataclass(frozen=True)
class Built:
    out: Path
    files: int
    checked: Checked


def check_output(out: Path, root: Path) -> None:
    """Refuse an output folder that is not a kam site, or that overlaps the ledger."""
    out, root = out.resolve(), root.resolve()
    if out == root or out.is_relative_to(root) or root.is_relative_to(out):
        raise OutputError(
            f"the output folder {out} overlaps the ledger {root}; choose a folder outside it"
        )
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out} is a file, not a folder")
    if out.is_dir() and not (out / MARKER).is_file() and any(out.iterdir()):
        raise OutputError(
            f"{out} is not empty and was not built by kam; kam only replaces its own sites "
            "(choose another folder with -o, or empty this one)"
        )


@contextlib.contextmanager
def replacing(out: Path) -> Iterator[Path]:
    """A fresh temporary sibling of ``out`` to fill; swapped in for ``out`` when the block ends
    without an exception, removed in every case."""
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    with _locked(out.parent):
        _recover(out)
        for stale in out.parent.glob(f".{out.name}.kam-tmp-*"):
            shutil.rmtree(stale, ignore_errors=True)  # left by a build that was killed
        tmp = out.parent / f".{out.name}.kam-tmp-{os.getpid()}"
        try:
            tmp.mkdir()
            yield tmp
            _swap(tmp, out)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """One build at a time into a folder's outputs: a second one waits for the first to finish.
    An advisory lock on the folder itself (no lock file left behind), released by the system
    even when a build is killed."""
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks here; builds still swap atomically
        yield
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def write_file(folder: Path, rel: str, data: bytes) -> None:
    path = folder / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def write_site(
    files: Iterable[tuple[str, bytes]],
    out: Path,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write every file into a temporary sibling of ``out``, then swap it in. The file count."""
    count = 0
    with replacing(out) as tmp:
        for rel, data in files:
            write_file(tmp, rel, data)
            count += 1
            if progress is not None:
                progress(count)
    return count


#: below this many accounts a process pool costs more than it saves
PARALLEL_MIN_ACCOUNTS = 200
_forked: tuple[Site, Path] | None = None


def render_into(site: Site, folder: Path, workers: int = 1) -> Iterator[str]:
    """Render and write every file of the site into ``folder``, yielding each path once written.
    With ``workers`` > 1 and a large ledger, forked processes render and write (the same bytes);
    only paths cross between processes."""
    paths = site_paths(site)
    if workers < 2 or len(site.ledger.accounts) < PARALLEL_MIN_ACCOUNTS or not parallel.can_fork():
        for path in paths:
            write_file(folder, path, render_file(site, path))
            yield path
        return
    site.prepare()  # the figures all pages share: computed once, before the fork
    global _forked
    _forked = (site, folder)  # the workers inherit it
    try:
        with parallel.fork_pool(workers) as pool:
            yield from pool.imap_unordered(_forked_write, paths)
    finally:
        _forked = None


def _forked_write(path: str) -> str:
    assert _forked is not None
    site, folder = _forked
    write_file(folder, path, render_file(site, path))
    return path


def _swap(new: Path, out: Path) -> None:
    old = out.parent / f".{out.name}.kam-old-{os.getpid()}"
    if out.exists():
        out.rename(old)
    new.rename(out)
    shutil.rmtree(old, ignore_errors=True)


def _recover(out: Path) -> None:
    """A build killed between the two renames of ``_swap`` left the old site aside: restore it."""
    if out.exists():
        for stale in out.parent.glob(f".{out.name}.kam-old-*"):
            shutil.rmtree(stale, ignore_errors=True)
        return
    olds = sorted(out.parent.glob(f".{out.name}.kam-old-*"))
    if olds:
        olds[-1].rename(out)


class Progress:
    """A progress line on a terminal, shown only once a build has taken more than a second."""

    def __init__(self, total: int, stream: TextIO = sys.stderr, delay: float = 1.0) -> None:
        self.total, self.stream, self.delay = total, stream, delay
        self.start = time.monotonic()
        self.shown = False
        self.enabled = hasattr(stream, "isatty") and stream.isatty()

    def __call__(self, done: int) -> None:
        if not self.enabled or time.monotonic() - self.start < self.delay:
            return
        if not self.shown or done % 25 == 0 or done == self.total:
            width = 30
            filled = width * done // max(self.total, 1)
            bar = "#" * filled + "-" * (width - filled)
            self.stream.write(f"\rkam build [{bar}] {done}/{self.total} files")
            self.stream.flush()
            self.shown = True

    def close(self) -> None:
        if self.shown:
            self.stream.write("\n")
            self.stream.flush()


def build_site(
    checked: Checked, out: Path, as_of: dt.date, lang: str, within: int = 30, workers: int = 1
) -> Built:
    """Render the site of a checked ledger into ``out`` (see :func:`check_output` first), in
    ``workers`` processes when the ledger is large."""
    history = account_history(Path(checked.ledger.root))
    site = Site(checked, as_of, lang, within, history)
    progress = Progress(site_size(site))
    count = 0
    try:
        with replacing(out) as tmp:
            for count, _path in enumerate(render_into(site, tmp, workers), 1):
                progress(count)
    finally:
        progress.close()
    return Built(out, count, checked)
