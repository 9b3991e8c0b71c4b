"""The one base of kam's domain errors: what the user can fix by calling kam differently.

A ``KamError`` raised anywhere under a command becomes a usage error (exit 2, ``Error:`` and
the message, no traceback) in one place, the command class of ``ledger.cli``. Problems in the
ledger's files are never raised: they are diagnostics (``ledger.check.diagnostics``).
"""

from __future__ import annotations


class KamError(Exception):
    """A domain error with a message for the user: a bad ledger folder, output folder, git
    revision or new file. The CLI prints the message as a usage error (exit 2)."""
