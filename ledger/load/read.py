"""Read files: parse each once, check it against its schema; from the cache when its stamp is
unchanged, in worker processes when there are many."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import Any

from ledger.check.diagnostics import Diagnostic, error
from ledger.check.locate import place
from ledger.kinds import kind_named
from ledger.load import schema, yamlfile
from ledger.load import workers as parallel
from ledger.load.cache import Cache, Stamp, settled
from ledger.load.walk import Files


def read_document(root: Path, rel: str, kind: str) -> tuple[dict[str, Any] | None, list]:
    """Read, parse and schema-check one file. The document is None when it cannot be used."""
    try:
        with open(root / rel, "rb") as f:  # fstat the open file: no race with a stat
            size = os.fstat(f.fileno()).st_size
            data = f.read(yamlfile.MAX_BYTES + 1) if size <= yamlfile.MAX_BYTES else b""
    except OSError as exc:
        return None, [
            error(
                rel,
                "unreadable",
                f"cannot read the file: {exc.strerror}",
                hint="check its permissions",
            )
        ]
    if size > yamlfile.MAX_BYTES:
        return None, [yamlfile.too_large(rel, size)]
    value, problems, tree = yamlfile.parse_tree(data, rel)
    if value is None and problems:
        return None, problems
    if value is None:
        if kind == "ledger":
            return {}, problems
        return None, [
            error(
                rel,
                "empty-file",
                f"the {kind} file is empty",
                hint=kind_named(kind).empty_hint,
            )
        ]
    # what can be used still counts: the rest of a dossier with one unknown key
    found, value = schema.check_document(kind, value, rel)
    if found:
        # placed now, with the tree the parse composed: not composed again per file later
        positions = yamlfile.Positions(data, tree)
        found = [replace(place(d, positions), path=None) for d in found]
    problems += found
    return value, problems  # type: ignore[return-value]


Read = tuple[dict[str, Any] | None, list[Diagnostic]]


#: what is remembered of a file: its stamp, its kind, and what reading it gave
Entry = tuple[Stamp, str, dict[str, Any] | None, list[Diagnostic]]


#: below this many files to read, worker processes cost more than they save
PARALLEL_MIN_FILES = 2000


DOCUMENTS = "documents"  # the cache entry: rel -> (stamp, kind, document, diagnostics)


def read_documents(
    root: Path, files: Files, wanted: list[tuple[str, str]], cache: Cache, workers: int
) -> tuple[dict[str, Read], dict[str, Entry]]:
    """``read_through`` with the on-disk cache, which is saved again when anything was read."""
    known = cache.load(DOCUMENTS) or {}
    results, entries, read = read_through(root, files, wanted, known, workers)
    if cache.folder is not None and (read or len(known) != len(entries)):
        cache.save(DOCUMENTS, entries)
    return results, entries


def read_through(
    root: Path,
    files: Files,
    wanted: list[tuple[str, str]],
    known: dict[str, Entry],
    workers: int = 1,
) -> tuple[dict[str, Read], dict[str, Entry], int]:
    """Read, parse and check each (file, kind) the walk found: from ``known`` when the file's
    stamp is unchanged, else from disk (in ``workers`` processes when there are many). Returns
    the results, the entries worth remembering (files not changed a moment ago) and how many
    files were read from disk."""
    results: dict[str, Read] = {}
    missing: list[tuple[str, str]] = []
    for rel, kind in wanted:
        hit = known.get(rel)
        if hit is not None and hit[0] == files.stamps.get(rel) and hit[1] == kind:
            results[rel] = (hit[2], hit[3])
        else:
            missing.append((rel, kind))
    results.update(_read_all(root, missing, workers))
    entries = {
        rel: (files.stamps[rel], kind, *results[rel])
        for rel, kind in wanted
        if rel in files.stamps and settled(files.stamps[rel][1], files.started_ns)
    }
    return results, entries, len(missing)


def _read_all(root: Path, jobs: list[tuple[str, str]], workers: int) -> dict[str, Read]:
    if workers < 2 or len(jobs) < PARALLEL_MIN_FILES or not parallel.can_fork():
        return {rel: read_document(root, rel, kind) for rel, kind in jobs}
    size = -(-len(jobs) // (workers * 8))  # 8 chunks per worker: balanced, few round trips
    chunks = [(root, jobs[i : i + size]) for i in range(0, len(jobs), size)]
    out: dict[str, Read] = {}
    with parallel.fork_pool(workers) as pool:
        for part in pool.imap_unordered(_read_chunk, chunks):
            out.update(part)
    return out


def _read_chunk(job: tuple[Path, list[tuple[str, str]]]) -> dict[str, Read]:
    root, files = job
    return {rel: read_document(root, rel, kind) for rel, kind in files}
