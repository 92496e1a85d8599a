"""Fixtures of the back-office tests: staff members and logged-in staff clients.

Staff are inserted with one password hash computed once (argon2 is slow on purpose); only the
login tests go through the real password and TOTP steps.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pyotp
import pytest
from bokit import BACKOFFICE, PASSWORD, unique_email

from portal.core.accounts.passwords import hash_password
from portal.core.backoffice.models import StaffRole, StaffUser
from portal.extensions import db

_HASH: list[str] = []


@pytest.fixture
def make_staff(app):
    """``make_staff(role, enrolled=True)`` → the StaffUser (detached), password ``PASSWORD``."""

    def make(role=StaffRole.SUPPORT, *, enrolled=True, email=None) -> StaffUser:
        if not _HASH:
            _HASH.append(hash_password(PASSWORD))
        with app.app_context():
            staff = StaffUser(
                email=email or unique_email(role.value),
                name=f"Opérateur {role.value}",
                role=role,
                password_hash=_HASH[0],
                totp_secret=pyotp.random_base32() if enrolled else None,
            )
            if enrolled:
                staff.totp_confirmed_at = datetime.now(UTC)
            db.session.add(staff)
            db.session.commit()
            db.session.refresh(staff)
            db.session.expunge(staff)
            return staff

    return make


@pytest.fixture
def backoffice(client_for):
    """A fresh anonymous client on the back-office host."""
    return lambda: client_for(BACKOFFICE)


@pytest.fixture
def staff_client(make_staff, client_for):
    """``staff_client(role)`` → (client already past both login steps, staff)."""

    def make(role=StaffRole.SUPPORT):
        staff = make_staff(role)
        client = client_for(BACKOFFICE)
        with client.session_transaction(base_url=f"http://{BACKOFFICE}") as session:
            session["staff_id"] = staff.id
            session["staff_version"] = staff.session_version
            session["staff_2fa"] = True
            session["staff_seen"] = time.time()
        return client, staff

    return make
