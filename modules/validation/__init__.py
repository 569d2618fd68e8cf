"""Pharmaceutical validation: every check at once, signed decision (issue 5)."""
