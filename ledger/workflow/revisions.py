"""``kam diff`` end to end: the ledger at two git revisions, loaded and compared."""

from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ledger.check.diagnostics import Diagnostic, sort_diagnostics
from ledger.check.locate import locate
from ledger.load.loader import load_ledger
from ledger.workflow.gitrev import ledger_at

if TYPE_CHECKING:
    from ledger.derive.diff import LedgerDiff
    from ledger.model import Ledger


@dataclass(frozen=True)
class RevisionsDiff:
    """What changed, and the problems of each side's files (what does not load there is left
    out of that side), by revision name ("working tree" for the work tree)."""

    diff: LedgerDiff
    problems: dict[str, list[Diagnostic]]


def diff_revisions(root: Path, rev_a: str, rev_b: str | None, as_of: dt.date) -> RevisionsDiff:
    """What changed in the ledger at ``root`` from revision ``rev_a`` to ``rev_b`` (None: the
    working tree), as of a date. Each revision is checked out into a temporary folder that is
    gone on return; raises ``GitError`` for a missing git, repository or revision."""
    from ledger.derive.diff import diff_ledgers

    name_b = rev_b or "working tree"
    with tempfile.TemporaryDirectory(prefix="kam-diff-") as tmp:
        ledger_a, problems_a = _load_at(root, rev_a, Path(tmp) / "a")
        if rev_b is None:
            ledger_b, found = load_ledger(root)
            problems_b = sort_diagnostics(locate(root, found))
        else:
            ledger_b, problems_b = _load_at(root, rev_b, Path(tmp) / "b")
    diff = diff_ledgers(ledger_a, ledger_b, as_of, rev_a, name_b)
    return RevisionsDiff(diff, {rev_a: problems_a, name_b: problems_b})


def _load_at(root: Path, rev: str, dest: Path) -> tuple[Ledger, list[Diagnostic]]:
    """The ledger of a revision and the problems of its files: of what was not written out
    (links) and of what was read, located while the files are still there."""
    there, unwritten = ledger_at(root, rev, dest)
    ledger, found = load_ledger(there)
    return ledger, sort_diagnostics(unwritten + locate(there, found))
