"""Fixtures of the messaging tests (helpers are in msgkit.py)."""

from __future__ import annotations

import pytest
from msgkit import create_account, logged_in


@pytest.fixture
def agent(app):
    return create_account(app)


@pytest.fixture
def agent_client(client_for, agent):
    return logged_in(client_for, agent)
