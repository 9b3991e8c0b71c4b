"""Load a ledger folder: walk the layout (FORMAT §1), parse each file once, check it against its
schema and build the model. Problems are returned as diagnostics, never raised."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ledger.check.diagnostics import Diagnostic
from ledger.load.cache import NO_CACHE, Cache
from ledger.load.read import Read, read_documents
from ledger.load.walk import Files, walk
from ledger.model import (
    Account,
    Complaint,
    Ledger,
    Visit,
    build_account,
    build_complaint,
    build_settings,
    build_visit,
    default_settings,
)


def load_ledger(
    root: Path, cache: Cache = NO_CACHE, workers: int = 1
) -> tuple[Ledger, list[Diagnostic]]:
    """The model of every file that loaded, and every problem found on the way."""
    files = walk(root)
    problems = list(files.problems)
    wanted = files_to_read(files)
    read, _ = read_documents(root, files, wanted, cache, workers)

    settings = default_settings()
    if files.settings is not None:
        doc, found = read[files.settings]
        problems += found
        if doc is not None:
            settings = build_settings(doc)

    records = records_by_account(files)
    accounts: list[Account] = []
    for account, dossier in sorted(files.dossiers.items()):
        built, found = build_one(account, dossier, records.get(account, []), read)
        problems += found
        if built is not None:
            accounts.append(built)
    ledger = Ledger(root=str(root), settings=settings, accounts=tuple(accounts), files=len(wanted))
    return ledger, problems


def files_to_read(files: Files) -> list[tuple[str, str]]:
    """(file, kind) of every file the walk found to read."""
    wanted = [(rel, kind) for kind, _account, _stem, rel in _records(files)]
    wanted += [(rel, "dossier") for rel in files.dossiers.values() if rel is not None]
    if files.settings is not None:
        wanted.append((files.settings, "ledger"))
    return wanted


Record = tuple[str, str, str]  # kind, id (file stem), file


def records_by_account(files: Files) -> dict[str, list[Record]]:
    out: dict[str, list[Record]] = {}
    for kind, account, stem, rel in _records(files):
        out.setdefault(account, []).append((kind, stem, rel))
    return out


def build_one(
    account: str, dossier: str | None, records: list[Record], read: dict[str, Read]
) -> tuple[Account | None, list[Diagnostic]]:
    """One account from its files as read: the model (None when its dossier is unusable) and
    the problems of those files."""
    problems: list[Diagnostic] = []
    visits: list[Visit] = []
    complaints: list[Complaint] = []
    for kind, stem, rel in records:
        doc, found = read[rel]
        problems += found
        if doc is None:
            continue
        if kind == "visit":
            visits.append(build_visit(stem, rel, doc))
        else:
            complaints.append(build_complaint(stem, rel, doc))
    if dossier is None:
        return None, problems
    doc, found = read[dossier]
    problems += found
    if doc is None:
        return None, problems
    ids = frozenset(stem for kind, stem, _ in records if kind == "complaint")
    return build_account(account, dossier, doc, tuple(visits), tuple(complaints), ids), problems


def _records(files: Files) -> Iterable[tuple[str, str, str, str]]:
    for kind, entries in files.records.items():
        for account, stem, rel in entries:
            yield kind, account, stem, rel
