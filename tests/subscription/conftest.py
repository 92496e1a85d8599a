"""Fixtures of the subscription tests: a sales agent of horizon, logged in, and the clock."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from plugins.subscription.rules import PARIS
from portal.core import clock


@pytest.fixture
def agent(make_account):
    """A sales agent of horizon (« Courtier Atlantique »)."""
    return make_account(
        "horizon",
        f"agent.{uuid.uuid4().hex[:8]}@courtier-atlantique.fr",
        commercial_name="Courtier Atlantique",
    )


@pytest.fixture
def agent_client(logged_in, agent):
    """A test client on horizon, logged in as the agent (holder profile)."""
    return logged_in(agent)


@pytest.fixture
def at(monkeypatch):
    """``at(moment)`` or ``at(year, month, day, hour=10, minute=0)`` (Paris): the portal's clock
    stands still then; returns the moment, aware."""

    def freeze(moment, month=None, day=None, hour=10, minute=0) -> datetime:
        if not isinstance(moment, datetime):
            moment = datetime(moment, month, day, hour, minute, tzinfo=PARIS)
        monkeypatch.setattr(clock, "now", lambda: moment.astimezone(UTC))
        return moment

    return freeze
