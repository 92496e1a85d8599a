"""Staff accounts and their login: password, then a TOTP code, with failed attempts counted.

Failed attempts are counted from the audit log (entries for the email typed): the count is
shared by every web process and needs no table of its own. Five failures in 15 minutes block the
email from the client address that made them, so a stranger elsewhere cannot lock an operator
out; a hundred in an hour block it from anywhere (ASVS 2.2.1). Callers commit.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from email_validator import EmailNotValidError, validate_email
from flask import request
from sqlalchemy import func, select

from portal.core import audit
from portal.core.accounts.passwords import (
    hash_password,
    needs_rehash,
    policy_failures,
    verify_password,
)
from portal.core.accounts.validators import normalize_email
from portal.core.audit import AuditEntry
from portal.core.backoffice import totp
from portal.core.backoffice.models import StaffRole, StaffUser
from portal.core.clock import now
from portal.extensions import db

MAX_FAILURES = 5  # per email and client address, in FAILURE_WINDOW
FAILURE_WINDOW = timedelta(minutes=15)
MAX_HOURLY_FAILURES = 100  # per email, from any address, in HOURLY_WINDOW
HOURLY_WINDOW = timedelta(hours=1)
FAILURE_ACTIONS = ("backoffice.login_failed", "backoffice.totp_failed")
CLI_ACTOR = "portal staff (CLI)"
# The account password policy, in plain words for the command line (no request, so no
# translation).
PASSWORD_RULES = (
    "the password needs at least 12 characters with an upper-case letter, a lower-case letter, "  # noqa: S105
    "a digit and a special character"
)


class StaffError(ValueError):
    """A staff command that cannot be carried out; the message says why."""


class BadCredentials(Exception):
    """Unknown email, wrong password or inactive staff: the user is told the same thing."""


class TooManyAttempts(Exception):
    """Too many failures for this email lately: no check is even tried until ``window`` ends."""

    def __init__(self, window: timedelta):
        super().__init__(window)
        self.window = window


def checked_email(email: str) -> str:
    """A well-formed address, as staff are looked up by; ``StaffError`` otherwise."""
    try:
        checked = validate_email(
            (email or "").strip(), check_deliverability=False, test_environment=True
        )
    except EmailNotValidError as exc:
        raise StaffError(f"invalid email: {exc}") from None
    return normalize_email(checked.normalized)


def staff_by_email(email: str) -> StaffUser | None:
    return db.session.scalar(select(StaffUser).where(StaffUser.email == normalize_email(email)))


# --- staff accounts (command line) -------------------------------------------------------------


def create_staff(email: str, name: str, role: StaffRole, password: str) -> StaffUser:
    email = checked_email(email)
    if not (name or "").strip():
        raise StaffError("a name is required")
    if policy_failures(password):
        raise StaffError(PASSWORD_RULES)
    if staff_by_email(email) is not None:
        raise StaffError(f"a staff member already has the email {email}")
    staff = StaffUser(
        email=email, name=name.strip(), role=StaffRole(role), password_hash=hash_password(password)
    )
    db.session.add(staff)
    db.session.flush()
    audit.record(
        "staff.created",
        **audit.by_system(CLI_ACTOR),
        target=staff,
        email=email,
        role=staff.role.value,
    )
    return staff


def deactivate_staff(email: str) -> StaffUser:
    """The member can no longer log in; their open sessions end at their next request."""
    staff = _existing(email)
    staff.active = False
    staff.session_version += 1
    audit.record(
        "staff.deactivated",
        **audit.by_system(CLI_ACTOR),
        target=staff,
        email=staff.email,
    )
    return staff


def reset_second_factor(email: str) -> StaffUser:
    """A lost authenticator: the member enrols a new one at their next login."""
    staff = _existing(email)
    staff.totp_secret = None
    staff.totp_confirmed_at = None
    staff.totp_last_step = None
    staff.session_version += 1
    audit.record(
        "staff.totp_reset",
        **audit.by_system(CLI_ACTOR),
        target=staff,
        email=staff.email,
    )
    return staff


def _existing(email: str) -> StaffUser:
    staff = staff_by_email(email)
    if staff is None:
        raise StaffError(f"no staff member has the email {normalize_email(email)}")
    return staff


# --- login ---------------------------------------------------------------------------------------


def recent_failures(
    email: str, window: timedelta = FAILURE_WINDOW, from_client: bool = True
) -> int:
    """Failed passwords and codes for ``email`` in ``window`` (from this request's client
    address unless ``from_client`` is false), since its last full login."""
    since = now() - window
    staff = staff_by_email(email or "")
    if staff is not None and staff.last_login_at is not None:
        since = max(since, _aware(staff.last_login_at))
    query = select(func.count(AuditEntry.id)).where(
        AuditEntry.action.in_(FAILURE_ACTIONS),
        AuditEntry.actor_label == _label(email),
        AuditEntry.created_at >= since,
    )
    if from_client:
        query = query.where(AuditEntry.ip == request.remote_addr)
    return db.session.scalar(query)


def _refuse_if_throttled(email: str) -> None:
    """``TooManyAttempts`` if ``email`` failed too often from this client, or from anywhere
    within the hour."""
    if recent_failures(email) >= MAX_FAILURES:
        raise TooManyAttempts(FAILURE_WINDOW)
    if recent_failures(email, HOURLY_WINDOW, from_client=False) >= MAX_HOURLY_FAILURES:
        raise TooManyAttempts(HOURLY_WINDOW)


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything is stored in UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _label(email: str) -> str:
    return normalize_email(email)[:254]


def _record_failure(action: str, email: str, staff: StaffUser | None, **details) -> None:
    audit.record(
        action,
        actor_type="staff",
        actor_id=staff.id if staff else None,
        actor_label=_label(email),
        target=staff,
        failures=recent_failures(email) + 1,
        **details,
    )


def check_password(email: str, password: str) -> StaffUser:
    """First step of a login. Raises ``TooManyAttempts`` or ``BadCredentials``."""
    try:
        _refuse_if_throttled(email)
    except TooManyAttempts:
        audit.record(
            "backoffice.login_throttled",
            actor_type="staff",
            actor_id=None,
            actor_label=_label(email),
        )
        raise
    staff = staff_by_email(email or "")
    usable = staff is not None and staff.active
    if not verify_password(staff.password_hash if usable else None, password or ""):
        _record_failure(
            "backoffice.login_failed",
            email,
            staff,
            reason="unknown" if staff is None else ("inactive" if not usable else "password"),
        )
        raise BadCredentials
    if needs_rehash(staff.password_hash):
        staff.password_hash = hash_password(password)
    return staff


def enrolment_secret(staff: StaffUser) -> str:
    """The secret shown at first login; it stays the same until a code confirms it."""
    if staff.totp_confirmed_at is None and not staff.totp_secret:
        staff.totp_secret = totp.new_secret()
    return staff.totp_secret


def check_second_factor(staff: StaffUser, code: str) -> bool:
    """Second step: a valid code never used before. Confirms an enrolment, completes the login.

    Raises ``TooManyAttempts`` once the email has failed too often (password and codes alike).
    """
    _refuse_if_throttled(staff.email)
    enrolling = staff.totp_confirmed_at is None
    if not totp.accept_code(staff, code):
        _record_failure(
            "backoffice.totp_failed", staff.email, staff, enrolment=True if enrolling else None
        )
        return False
    moment = now()
    if enrolling:
        staff.totp_confirmed_at = moment
        audit.record(
            "backoffice.totp_enrolled",
            **audit.by_staff(staff, None),
            target=staff,
        )
    staff.last_login_at = moment
    audit.record(
        "backoffice.login",
        **audit.by_staff(staff, None),
        target=staff,
        role=staff.role.value,
    )
    return True


def record_logout(staff: StaffUser) -> None:
    audit.record(
        "backoffice.logout",
        **audit.by_staff(staff, None),
        target=staff,
    )
