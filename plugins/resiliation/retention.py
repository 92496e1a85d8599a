"""Trash and retention of letters (Resiliation II, being written)."""

JOBS: list = []
PERIODIC_JOBS: list = []
