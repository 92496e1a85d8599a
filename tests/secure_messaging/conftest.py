"""Fixtures of the secure_messaging tests (helpers are in smkit.py)."""

from __future__ import annotations

import pytest
from smkit import Member, logged_in, make_member


@pytest.fixture
def member(app, tenant_ids) -> Member:
    return make_member(app, tenant_ids)


@pytest.fixture
def member_client(client_for, member):
    return logged_in(client_for, member)
