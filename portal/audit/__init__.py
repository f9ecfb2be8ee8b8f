"""The audit trail: every view and change recorded, hash-chained, never changed."""
