"""Reliability suites: kill -9, disk full, permissions, second instance (docs/backup.md, issue 8)."""
