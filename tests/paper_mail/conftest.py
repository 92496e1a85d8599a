"""Fixtures of the paper mail tests: an agency allowed to send, and the portal's clock."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from papermailkit import give_credit

from plugins.paper_mail.rules import PARIS
from portal.core import clock


@pytest.fixture
def agency(make_account, app):
    """An agency of resilimo allowed to send (SPEC §2) with 50 € of credit."""
    account = make_account("resilimo", f"papier.{uuid.uuid4().hex[:8]}@agence.fr")
    give_credit(app, account, 5000)
    return account


@pytest.fixture
def at(monkeypatch):
    """``at(moment)`` or ``at(year, month, day, hour=10, minute=0)`` (Paris): the portal's clock
    (and the sandbox printer's) stands still then; the moment, aware."""

    def freeze(moment, month=None, day=None, hour=10, minute=0) -> datetime:
        if not isinstance(moment, datetime):
            moment = datetime(moment, month, day, hour, minute, tzinfo=PARIS)
        monkeypatch.setattr(clock, "now", lambda: moment.astimezone(UTC))
        return moment

    return freeze
