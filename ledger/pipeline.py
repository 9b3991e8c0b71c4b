"""The pipeline up to diagnostics: load → check → locate. Every command starts here."""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from dataclasses import dataclass
from pathlib import Path

from ledger.check.diagnostics import Diagnostic, sort_diagnostics
from ledger.check.locate import locate
from ledger.check.rules import check_ledger
from ledger.load.cache import NO_CACHE, Cache, settled
from ledger.load.loader import load_ledger
from ledger.load.walk import fingerprint
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
