"""The audit trail: append-only, hash-chained rows of who changed what, when and why."""
