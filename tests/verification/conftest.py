"""Fixtures of the verification tests (helpers are in verifykit.py)."""

from __future__ import annotations

import pytest
from verifykit import logged_in, make_agent


@pytest.fixture
def agent(app):
    return make_agent(app)


@pytest.fixture
def agent_client(client_for, agent):
    return logged_in(client_for, agent)
