"""Fixtures of the onboarding tests (helpers are in obkit.py)."""

from __future__ import annotations

import pytest
from obkit import create_account, create_staff, logged_in


@pytest.fixture
def agent(app):
    return create_account(app, slug="resilimo", email="jean@agence-fournier.fr")


@pytest.fixture
def agent_client(client_for, agent):
    return logged_in(client_for, agent)


@pytest.fixture
def staff(app):
    return create_staff(app)
