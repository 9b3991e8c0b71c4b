"""The ledger kept in memory while files change (``kam serve`` and ``kam watch``).

A change re-reads only the files whose stamp changed, rebuilds only the accounts whose folders
changed, and re-runs rules only for those accounts (the other accounts keep their objects, so
the figures memoised in ``tiers``, ``schedule`` and ``rules`` are reused: the ledger's own
``memo``, which its live site shares and which goes with them). The result is the same
``Checked`` as a full ``check`` of the ledger: a test compares the two after every kind of edit.

Pages follow the same idea in ``ledger.live.site``.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ledger.check.diagnostics import Diagnostic, sort_diagnostics
from ledger.check.locate import locate
from ledger.check.rules import check_account
from ledger.load.assemble import build_settings, default_settings
from ledger.load.cache import NO_CACHE, Cache
from ledger.load.loader import build_one, files_to_read, records_by_account
from ledger.load.read import Entry, Read, read_documents, read_through
from ledger.load.walk import Files, ignored, walk, walk_account, walk_top
from ledger.memo import Memo
from ledger.model import Account, Ledger, Settings
from ledger.pipeline import Checked

__all__ = ["LiveLedger", "relative_paths"]


@dataclass
class _Part:
    """One account folder: what the walk found in it, its model and its located problems."""

    files: Files
    account: Account | None
    problems: list[Diagnostic]
    #: (settings, as_of) the located diagnostics were computed for, and the diagnostics
    checked_for: tuple[Any, ...] = ()
    located: list[Diagnostic] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.count = len(files_to_read(self.files))  # files read, as Ledger.files counts them


class LiveLedger:
    """A ledger folder in memory. ``refresh(paths)`` after files change; ``checked(as_of)``."""

    def __init__(self, root: Path, cache: Cache = NO_CACHE, workers: int = 1) -> None:
        self.root = root
        #: figures remembered for this ledger's objects, from one version to the next
        self.memo = Memo()
        self._docs: dict[str, Entry] = {}
        self._parts: dict[str, _Part] = {}
        self._top = Files()
        self._settings: Settings = default_settings()
        self._settings_problems: list[Diagnostic] = []
        self._load_all(cache, workers)

    # --- reading ----------------------------------------------------------------------------

    def _load_all(self, cache: Cache, workers: int) -> None:
        """The first load: every file, through the on-disk cache and worker processes."""
        files = walk(self.root)
        _, self._docs = read_documents(self.root, files, files_to_read(files), cache, workers)
        self.refresh(None)

    def _read(self, files: Files, wanted: list[tuple[str, str]]) -> dict[str, Read]:
        """Files of one part of the walk, through the documents kept in memory."""
        results, entries, _ = read_through(self.root, files, wanted, self._docs)
        for rel, _kind in wanted:
            if rel not in entries:
                self._docs.pop(rel, None)  # just written: read it again next time
        self._docs.update(entries)
        return results

    def refresh(self, changed: Iterable[str] | None) -> None:
        """Take in changed files (paths relative to the root; None: everything)."""
        with self.memo.active():
            self._refresh(changed)

    def _refresh(self, changed: Iterable[str] | None) -> None:
        top = Files(started_ns=time.time_ns())
        folders = {entry.name: entry for entry in walk_top(self.root, top)}
        self._top = top
        wanted = [(top.settings, "ledger")] if top.settings else []
        read = self._read(top, wanted)
        if top.settings is None:
            settings, self._settings_problems = default_settings(), []
        else:
            doc, self._settings_problems = read[top.settings]
            settings = build_settings(doc) if doc is not None else default_settings()
        if settings != self._settings:  # keep the old object when equal: memos key on it
            self._settings = settings

        if changed is None:
            touched = set(folders) | set(self._parts)
        else:
            touched = {rel.split("/", 1)[0] for rel in changed if rel}
            touched |= set(folders) ^ set(self._parts)  # folders that came or went
        for name in touched:
            if name not in folders:
                self._parts.pop(name, None)
                continue
            files = walk_account(self.root, folders[name])
            read = self._read(files, files_to_read(files))
            records = records_by_account(files).get(name, [])
            account, problems = build_one(name, files.dossiers.get(name), records, read)
            self._parts[name] = _Part(files, account, files.problems + problems)

    # --- checking ---------------------------------------------------------------------------

    def checked(self, as_of: dt.date) -> Checked:
        """The checked ledger as of a date: what ``ledger.pipeline.check`` would return."""
        with self.memo.active():
            return self._checked(as_of)

    def _checked(self, as_of: dt.date) -> Checked:
        settings = self._settings
        problems = locate(self.root, self._top.problems + self._settings_problems)
        accounts = []
        count = 1 if self._top.settings else 0
        for name in sorted(self._parts):
            part = self._parts[name]
            if part.checked_for != (settings, as_of):
                found = list(part.problems)
                if part.account is not None:
                    found += check_account(part.account, settings, as_of)
                part.located = locate(self.root, found)
                part.checked_for = (settings, as_of)
            problems += part.located
            count += part.count
            if part.account is not None:
                accounts.append(part.account)
        ledger = Ledger(str(self.root), settings, tuple(accounts), count)
        return Checked(ledger, sort_diagnostics(problems))


def relative_paths(root: Path, paths: Iterable[str]) -> set[str]:
    """Event paths as paths relative to the root; those outside it or ignored are dropped."""
    out = set()
    real = os.path.realpath(root)
    for path in paths:
        rel = os.path.relpath(os.path.realpath(path), real)
        if rel.startswith(".."):
            continue
        parts = Path(rel).parts
        if not parts or parts == (".",):
            out.add("")
        elif not any(ignored(p) for p in parts):
            out.add("/".join(parts))
    return out
