"""The staff second factor: time-based one-time codes (RFC 6238, pyotp), each accepted once."""

from __future__ import annotations

import hmac
import re
import time

import pyotp
import segno
from markupsafe import Markup
from sqlalchemy import or_, update
from sqlalchemy.orm.attributes import set_committed_value

from portal.core.backoffice.models import StaffUser
from portal.extensions import db

ISSUER = "Portail — back office"


def new_secret() -> str:
    return pyotp.random_base32()


def grouped(secret: str) -> str:
    """``JBSW Y3DP …``: easier to type into an authenticator app than one long run."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def provisioning_uri(staff: StaffUser, issuer: str = ISSUER) -> str:
    return pyotp.TOTP(staff.totp_secret).provisioning_uri(name=staff.email, issuer_name=issuer)


def qr_code_svg(uri: str, title: str) -> Markup:
    """The provisioning URI as a QR code, an inline SVG (no script, no image request) that an
    authenticator app scans; ``title`` is its accessible name."""
    code = segno.make(uri, error="m")
    svg = code.svg_inline(scale=4, border=4, omitsize=True, title=title, svgclass="bo-qr-code")
    return Markup(svg.replace("<svg ", '<svg role="img" ', 1))  # noqa: S704 - segno's own output


def clean_code(code: str | None) -> str:
    return re.sub(r"\s", "", code or "")


def matching_step(secret: str, code: str, at: float | None = None) -> int | None:
    """The time step (previous, current or next: ``valid_window=1``) whose code is ``code``."""
    code = clean_code(code)
    if not re.fullmatch(r"\d{6}", code):
        return None
    totp = pyotp.TOTP(secret)
    now = time.time() if at is None else at
    if not totp.verify(code, for_time=int(now), valid_window=1):
        return None
    current = int(now) // totp.interval
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def accept_code(staff: StaffUser, code: str, at: float | None = None) -> bool:
    """True if ``code`` is valid now and its time step is newer than the last one accepted.

    The step is claimed with one conditional UPDATE, so two requests racing with the same code
    cannot both succeed (the caller commits).
    """
    if not staff.totp_secret:
        return False
    step = matching_step(staff.totp_secret, code, at)
    if step is None:
        return False
    claimed = db.session.execute(
        update(StaffUser)
        .where(
            StaffUser.id == staff.id,
            or_(StaffUser.totp_last_step.is_(None), StaffUser.totp_last_step < step),
        )
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        return False
    set_committed_value(staff, "totp_last_step", step)
    return True
