"""The daily check of every chain; on a problem, one email a day to the staff administrators."""

from __future__ import annotations

import logging
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import make_msgid

from flask_babel import force_locale, gettext
from sqlalchemy import select

from portal.core import audit
from portal.core.backoffice.models import StaffRole, StaffUser
from portal.core.clock import now
from portal.core.evidence import chain
from portal.core.jobs import job
from portal.core.plugins.types import PeriodicJob
from portal.core.tenants import tenant_directory, tenant_scope, unscoped
from portal.extensions import db

log = logging.getLogger(__name__)

ALERT_ACTION = "evidence.alert"


def _admins() -> list[str]:
    with unscoped():
        return list(
            db.session.scalars(
                select(StaffUser.email)
                .where(StaffUser.active.is_(True), StaffUser.role == StaffRole.ADMIN)
                .order_by(StaffUser.email)
            )
        )


def _alerted_today(tenant_id: int, day: str) -> bool:
    with unscoped():
        entries = db.session.scalars(
            select(audit.AuditEntry.details).where(
                audit.AuditEntry.action == ALERT_ACTION, audit.AuditEntry.tenant_id == tenant_id
            )
        )
        return any((details or {}).get("day") == day for details in entries)


def alert(problem: chain.Problem, recipients: list[str]) -> None:
    """Email the administrators about ``problem`` (in the tenant's scope: its sender, its
    development mailbox); at most once a day per tenant, recorded in the audit log."""
    from portal.core.mail import send_email

    day = now().date().isoformat()
    if not recipients or _alerted_today(problem.tenant_id, day):
        return
    tenant = tenant_directory().get(problem.tenant_id)
    sender = tenant.config.email
    with force_locale("fr"):
        subject = gettext(
            "Archive des preuves : contrôle en échec (%(tenant)s)", tenant=problem.tenant_slug
        )
        body = gettext(
            "Le contrôle quotidien de l’archive des preuves a trouvé un problème :\n\n"
            "%(problem)s\n\nLancez « portal evidence verify --tenant %(tenant)s » pour le revoir.",
            problem=str(problem),
            tenant=problem.tenant_slug,
        )
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = Address(display_name=sender.name, addr_spec=sender.address)
    message["To"] = ", ".join(recipients)
    message["Message-ID"] = make_msgid(domain=sender.address.rsplit("@", 1)[1])
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(body)
    with tenant_scope(problem.tenant_id):
        send_email(message)
    audit.record(
        ALERT_ACTION,
        **audit.by_system("evidence verify", problem.tenant_id),
        day=day,
        code=problem.code,
        record=problem.record_id,
        sequence=problem.sequence,
    )


@job(global_job=True)
def verify_evidence(tenant_id=None) -> None:
    """Check every tenant's chain; alert the administrators about each tenant in trouble."""
    report = chain.verify()
    log.info("evidence: %s records checked, %s problems", report.checked, len(report.problems))
    if report.ok:
        return
    recipients = _admins()
    for problem in report.problems:
        log.error("evidence: %s", problem)
        alert(problem, recipients)


JOBS = [verify_evidence]
# Between 02:00 and 03:00 Paris time a clock change would skip or repeat the run: avoid it.
PERIODIC_JOBS = [PeriodicJob(job=verify_evidence, cron="15 5 * * *")]
