"""Rate-limit counters in the app's own database, for deployments without Redis."""
