"""Load a ledger folder: walk the layout (FORMAT §1), parse each file once, check it against its
schema and build the model. Problems are returned as diagnostics, never raised."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ledger.check.diagnostics import Diagnostic
from ledger.kinds import dated_kinds
from ledger.load.assemble import build_account, build_record, build_settings, default_settings
from ledger.load.cache import NO_CACHE, Cache
from ledger.load.read import Read, read_documents
from ledger.load.walk import Files, walk
from ledger.model import Account, Ledger


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
    kinds = {k.name: k for k in dated_kinds()}
    built: dict[str, list[Any]] = {name: [] for name in kinds}
    for kind, stem, rel in records:
        doc, found = read[rel]
        problems += found
        if doc is not None:
            built[kind].append(build_record(kinds[kind].model, kind, stem, rel, doc))
    if dossier is None:
        return None, problems
    doc, found = read[dossier]
    problems += found
    if doc is None:
        return None, problems
    by_attr = {
        k.attr: tuple(sorted(built[name], key=k.sort_key))
        for name, k in kinds.items()
        if k.attr is not None
    }
    ids = frozenset(stem for kind, stem, _ in records if kind == "complaint")
    return build_account(account, dossier, doc, by_attr, ids), problems


def _records(files: Files) -> Iterable[tuple[str, str, str, str]]:
    for kind, entries in files.records.items():
        for account, stem, rel in entries:
            yield kind, account, stem, rel
