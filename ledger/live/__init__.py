"""The ledger kept in memory while files change: live site, HTTP server, watcher."""
