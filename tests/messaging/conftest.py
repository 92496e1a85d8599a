"""Fixtures of the messaging tests (helpers are in msgkit.py)."""

from __future__ import annotations

import pytest
from msgkit import User, logged_in, make_user


@pytest.fixture
def agent(app, tenant_ids) -> User:
    return make_user(app, tenant_ids)


@pytest.fixture
def agent_client(client_for, agent):
    return logged_in(client_for, agent)
