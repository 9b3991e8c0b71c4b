"""The pipeline up to diagnostics: load → check → locate. Every command starts here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from ledger.diagnostics import Diagnostic, sort_diagnostics
from ledger.load import load_ledger
from ledger.locate import locate
from ledger.model import Ledger
from ledger.rules import check_ledger


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


def check(root: Path, as_of: dt.date) -> Checked:
    """Load the ledger at ``root`` and check it as of a date."""
    ledger, problems = load_ledger(root)
    problems += check_ledger(ledger, as_of)
    return Checked(ledger, sort_diagnostics(locate(root, problems)))
