"""The pipeline up to diagnostics: load → check → locate. Every command starts here."""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ledger.check.diagnostics import Diagnostic, sort_diagnostics
from ledger.check.locate import locate
from ledger.check.rules import check_account as rule_problems
from ledger.check.rules import check_ledger
from ledger.load.assemble import build_settings, default_settings
from ledger.load.cache import NO_CACHE, Cache, settled
from ledger.load.loader import build_one, files_to_read, load_ledger, records_by_account
from ledger.load.read import DOCUMENTS, Read, read_through
from ledger.load.walk import Files, fingerprint, walk_account, walk_top
from ledger.model import Ledger


@dataclass(frozen=True)
class Checked:
    """A loaded ledger and every problem found in it, sorted by file and line."""

    ledger: Ledger
    diagnostics: list[Diagnostic]

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "warning"]


def check(root: Path, as_of: dt.date, cache: Cache = NO_CACHE, workers: int = 1) -> Checked:
    """Load the ledger at ``root`` and check it as of a date (``ledger.load.cache`` for ``cache``;
    ``workers`` processes parse the files of a large ledger the cache does not hold)."""
    ledger, problems = load_ledger(root, cache, workers)
    problems += check_ledger(ledger, as_of)
    return Checked(ledger, sort_diagnostics(locate(root, problems)))


def diagnose(
    root: Path, as_of: dt.date, cache: Cache = NO_CACHE, workers: int = 1
) -> tuple[list[Diagnostic], int]:
    """What ``kam validate`` reports: the diagnostics and the number of files. When no file's
    stamp changed since the last run for the same date, the answer comes from the cache without
    loading the model at all."""
    if cache.folder is None:  # nothing to look up: no stat walk before the real one
        checked = check(root, as_of, cache, workers)
        return checked.diagnostics, checked.ledger.files
    started = time.time_ns()
    digest, newest = fingerprint(root)
    key = hashlib.sha256(f"{as_of} {digest}".encode()).hexdigest()
    saved = cache.load(VALIDATED)
    if isinstance(saved, tuple) and len(saved) == 3 and saved[0] == key:
        return saved[1], saved[2]
    checked = check(root, as_of, cache, workers)
    if settled(newest, started):
        cache.save(VALIDATED, (key, checked.diagnostics, checked.ledger.files))
    return checked.diagnostics, checked.ledger.files


VALIDATED = "validated"  # the cache entry: (key of every stamp and the date, diagnostics, files)


def check_account(root: Path, account_id: str, as_of: dt.date, cache: Cache = NO_CACHE) -> Checked:
    """``check`` of the settings and one account folder, reading no other account: for a file
    of that account, the same diagnostics as ``check`` of the whole ledger (what ``kam new``
    reports of the file it wrote)."""
    ledger, problems = load_account(root, account_id, cache)
    for account in ledger.accounts:
        problems += rule_problems(account, ledger.settings, as_of)
    return Checked(ledger, sort_diagnostics(locate(root, problems)))


def load_account(
    root: Path, account_id: str, cache: Cache = NO_CACHE
) -> tuple[Ledger, list[Diagnostic]]:
    """The settings and the account folder ``account_id`` as ``load_ledger`` loads them: a
    ledger of that account alone (of none when there is no such folder) and the problems of
    its files, of the settings and of the root's own entries."""
    return _load_accounts(root, cache, lambda name: name == account_id, records=True)


def load_dossiers(root: Path, cache: Cache = NO_CACHE) -> Ledger:
    """Every account built from its dossier alone, with the settings: what the tier table
    needs (FORMAT §7 ranks accounts by what their dossiers say), without reading a visit or a
    complaint."""
    ledger, _ = _load_accounts(root, cache, lambda name: True, records=False)
    return ledger


def _load_accounts(
    root: Path, cache: Cache, wanted: Callable[[str], bool], records: bool
) -> tuple[Ledger, list[Diagnostic]]:
    """``load_ledger`` of the account folders whose name is ``wanted`` (with or without their
    visits and complaints), through the cache without dropping the other files' entries."""
    files = Files(started_ns=time.time_ns())
    for folder in walk_top(root, files):
        if wanted(folder.name):
            part = walk_account(root, folder)
            files.dossiers.update(part.dossiers)
            for kind, found in part.records.items() if records else ():
                files.records.setdefault(kind, []).extend(found)
            files.problems += part.problems
            files.stamps.update(part.stamps)
    to_read = files_to_read(files)
    read = _read_part(root, files, to_read, cache)
    problems = list(files.problems)
    settings = default_settings()
    if files.settings is not None:
        doc, found = read[files.settings]
        problems += found
        settings = build_settings(doc) if doc is not None else settings
    by_account = records_by_account(files)
    accounts = []
    for name, dossier in sorted(files.dossiers.items()):
        account, found = build_one(name, dossier, by_account.get(name, []), read)
        problems += found
        accounts += [account] if account is not None else []
    return Ledger(str(root), settings, tuple(accounts), len(to_read)), problems


def _read_part(
    root: Path, files: Files, wanted: list[tuple[str, str]], cache: Cache
) -> dict[str, Read]:
    """``read_through`` for some files of the ledger with the on-disk cache, which keeps the
    entries of every other file (``read_documents`` would keep only those read)."""
    known = cache.load(DOCUMENTS) or {}
    results, entries, _ = read_through(root, files, wanted, known)
    gone = [rel for rel, _kind in wanted if rel in known and rel not in entries]
    if cache.folder is not None and (gone or any(known.get(r) != e for r, e in entries.items())):
        kept = {**known, **entries}
        for rel in gone:
            del kept[rel]
        cache.save(DOCUMENTS, kept)
    return results
