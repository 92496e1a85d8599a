"""Fixtures of the operators' inbox tests (helpers are in mbokit.py, which reuses the
back-office test kit ``tests/backoffice/bokit.py``)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# The back-office kit, also when this folder runs alone.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "backoffice"))

from mbokit import Operator, log_in  # noqa: E402


@pytest.fixture
def operator(app, client_for) -> Operator:
    """A support operator logged in to the back office (password and TOTP code)."""
    return log_in(app, client_for)
