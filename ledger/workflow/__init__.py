"""Commands that write or read around the ledger: scaffolding, the demo, git history."""
