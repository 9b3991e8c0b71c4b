"""File events of a ledger folder, debounced: the watchdog side of ``kam serve`` and ``kam watch``.

A watchdog observer (inotify, or polling where inotify is unavailable or out of watches) feeds
changed paths to a debouncer; after ``QUIET`` seconds without events it calls its action once
for all of them. The event handler only collects paths: the action (a rebuild) runs on the
debouncer's own thread.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ledger.live.ledger import relative_paths

QUIET = 0.1  # seconds without file events before a rebuild


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
