"""Read the ledger: walk the layout, parse the YAML dialect, check schemas, cache."""
