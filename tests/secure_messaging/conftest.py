"""Fixtures of the secure_messaging tests (helpers are in smkit.py)."""

from __future__ import annotations

import pytest
from smkit import logged_in, make_member


@pytest.fixture
def member(app):
    return make_member(app)


@pytest.fixture
def member_client(client_for, member):
    return logged_in(client_for, member)
