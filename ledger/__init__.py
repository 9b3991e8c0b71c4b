"""kam: a plain-text, git-backed key-account ledger."""

from __future__ import annotations

__version__ = "0.1.0"
