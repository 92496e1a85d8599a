"""Staff sessions on the back office host: password, then a TOTP code, both required.

Only the back office host serves these pages, and its cookie is its own (cookies are per host),
so a staff session never mixes with an agent's. A full login has a server-side record
(``StaffSession``): logging out revokes it, so a cookie copied before is refused after, and it
ends ``STAFF_MAX_HOURS`` after login whatever the activity.
"""

from __future__ import annotations

import time
from datetime import timedelta

from flask import g, session

from portal.core.accounts.session_records import live_record, mark_seen, open_record, revoke_key
from portal.core.backoffice.models import StaffSession, StaffUser
from portal.core.tenants import unscoped
from portal.extensions import db

STAFF_IDLE_SECONDS = 30 * 60
STAFF_MAX_HOURS = 12
# Between the password and the code: the second step must follow within this delay.
SECOND_STEP_SECONDS = 10 * 60


def current_staff() -> StaffUser | None:
    """The staff member fully logged in (password and second factor), or None."""
    if "staff" in g:
        return g.staff
    staff = None
    staff_id, version = session.get("staff_id"), session.get("staff_version")
    if (
        staff_id
        and session.get("staff_2fa")
        and time.time() - session.get("staff_seen", 0) < (STAFF_IDLE_SECONDS)
    ):
        with unscoped():
            staff = db.session.get(StaffUser, staff_id)
            record = live_record(StaffSession, session.get("staff_session_key"))
        if not _current(staff, version) or record is None or record.staff_id != staff_id:
            staff = None
    if staff is not None:
        mark_seen(session, "staff_seen", time.time())
    g.staff = staff
    return staff


def _fresh_session() -> None:
    """Renew the session: nothing from before survives (but the chosen language); the record
    of a full login is revoked."""
    with unscoped():
        revoke_key(StaffSession, session.get("staff_session_key"))
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    g.pop("staff", None)


def begin_staff_login(staff: StaffUser) -> None:
    """The password was right: a fresh session that still needs the second factor."""
    _fresh_session()
    session.permanent = True
    session["staff_id"] = staff.id
    session["staff_version"] = staff.session_version
    session["staff_2fa"] = False
    session["staff_password_at"] = time.time()


def staff_awaiting_second_factor() -> StaffUser | None:
    """The staff member who typed the right password moments ago and still owes a code."""
    staff_id = session.get("staff_id")
    if not staff_id or session.get("staff_2fa"):
        return None
    if time.time() - session.get("staff_password_at", 0) > SECOND_STEP_SECONDS:
        return None
    with unscoped():
        staff = db.session.get(StaffUser, staff_id)
    return staff if _current(staff, session.get("staff_version")) else None


def _current(staff: StaffUser | None, version: int | None) -> bool:
    """The member exists, is active, and neither password nor factor was reset since."""
    return staff is not None and staff.active and staff.session_version == version


def complete_staff_login(staff: StaffUser) -> None:
    """Both factors passed: renew the session once more and open the back office."""
    _fresh_session()
    session.permanent = True
    session["staff_id"] = staff.id
    session["staff_version"] = staff.session_version
    session["staff_2fa"] = True
    session["staff_seen"] = time.time()
    with unscoped():
        session["staff_session_key"] = open_staff_record(staff.id)


def open_staff_record(staff_id: int) -> str:
    """The server-side record of a full staff login; returns the key for its cookie."""
    return open_record(StaffSession, timedelta(hours=STAFF_MAX_HOURS), staff_id=staff_id)


def end_staff_session() -> None:
    _fresh_session()
