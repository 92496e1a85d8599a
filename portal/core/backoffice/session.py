"""Staff sessions on the back office host: password, then a TOTP code, both required.

Only the back office host serves these pages, and its cookie is its own (cookies are per host),
so a staff session never mixes with an agent's.
"""

from __future__ import annotations

import time
from functools import wraps

from flask import abort, g, redirect, request, session, url_for

from portal.core.backoffice.models import StaffRole, StaffUser
from portal.core.tenants import unscoped
from portal.extensions import db

STAFF_IDLE_SECONDS = 30 * 60


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
        if staff is None or not staff.active or staff.session_version != version:
            staff = None
    if staff is not None:
        session["staff_seen"] = time.time()
    g.staff = staff
    return staff


def staff_required(role: StaffRole | None = None):
    """Logged-in staff (any role, or ``StaffRole.ADMIN`` only); the view runs unscoped."""

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            staff = current_staff()
            if staff is None:
                return redirect(url_for("backoffice.login", next=request.full_path))
            if role is StaffRole.ADMIN and not staff.is_admin:
                abort(403)
            with unscoped():
                return view(*args, **kwargs)

        return wrapper

    return decorate
