"""Professional identity documents, the platform mandate, strong identity verification, and
the answer to "may this account send?".

What other modules use::

    from portal.core.verification import may_send, readiness, is_strongly_identified

Agent pages live under ``/compte/verification`` (blueprint ``verification``); the operators'
review queue is a back-office page; the identity provider is chosen by ``PORTAL_IDENTITY``
(:mod:`portal.core.identity`).
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from flask import Flask

TEMPLATES = Path(__file__).parent / "templates"

__all__ = ["init_app", "is_strongly_identified", "may_send", "readiness"]


def init_app(app: Flask) -> None:
    """The verification pages; the review pages join the back office through its hooks
    (:mod:`.backoffice`)."""
    from portal.core import identity
    from portal.core.verification.blueprint import blueprint
    from portal.core.verification.forms import document_kind_label

    app.template_folders.append(TEMPLATES)
    app.register_blueprint(blueprint)
    identity.init_app(app)
    app.add_template_global(document_kind_label, "document_kind_label")
    app.add_template_filter(_long_date, "verification_date")
    app.add_template_filter(_date_time, "verification_datetime")


def _long_date(value) -> str:
    """``21 mai 2021`` from a date, a datetime or an ISO date string (emails carry strings)."""
    from flask_babel import to_user_timezone

    from portal.core.pdf import long_date

    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    elif isinstance(value, datetime):
        value = to_user_timezone(value).date()
    return long_date(value)


def _date_time(value) -> str:
    """A moment in the tenant's time zone, e.g. « 21 mai 2021, 14:05 » / « 21 May 2021, 14:05 »."""
    from portal.core.i18n import format_datetime

    return format_datetime(value)


def readiness(account, tenant=None):
    from portal.core.verification.readiness import readiness as _readiness

    return _readiness(account, tenant)


def may_send(account, tenant=None) -> bool:
    from portal.core.verification.readiness import may_send as _may_send

    return _may_send(account, tenant)


def is_strongly_identified(account) -> bool:
    from portal.core.verification.identification import is_strongly_identified as _identified

    return _identified(account)
