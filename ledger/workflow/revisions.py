"""``kam diff`` end to end: the ledger at two git revisions, loaded and compared."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from ledger.load.loader import load_ledger
from ledger.workflow.gitrev import ledger_at

if TYPE_CHECKING:
    from ledger.derive.diff import LedgerDiff


def diff_revisions(root: Path, rev_a: str, rev_b: str | None, as_of: dt.date) -> LedgerDiff:
    """What changed in the ledger at ``root`` from revision ``rev_a`` to ``rev_b`` (None: the
    working tree), as of a date. Each revision is checked out into a temporary folder that is
    gone on return; raises ``GitError`` for a missing git, repository or revision."""
    from ledger.derive.diff import diff_ledgers

    with tempfile.TemporaryDirectory(prefix="kam-diff-") as tmp:
        root_a = ledger_at(root, rev_a, Path(tmp) / "a")
        root_b = root if rev_b is None else ledger_at(root, rev_b, Path(tmp) / "b")
        ledger_a, _ = load_ledger(root_a)
        ledger_b, _ = load_ledger(root_b)
    return diff_ledgers(ledger_a, ledger_b, as_of, rev_a, rev_b or "working tree")
