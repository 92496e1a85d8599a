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
from portal.core.clock import today
from portal.core.evidence import chain
from portal.core.jobs import job
from portal.core.plugins.types import PeriodicJob
from portal.core.tenants import Tenant, tenant_directory, tenant_scope, unscoped
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


def alert(problem: chain.Problem, recipients: list[str]) -> bool:
    """Email the administrators about ``problem`` (in the tenant's scope: its sender, its
    development mailbox), unless they were alerted about this tenant today; True if sent."""
    from portal.core.mail import send_email

    tenant = tenant_directory().get(problem.tenant_id)
    if not recipients or chain.alerted_on(problem.tenant_id, today(tenant)):
        return False
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
        code=problem.code,
        record=problem.record_id,
        sequence=problem.sequence,
        recipients=len(recipients),
    )
    return True


@job(global_job=True)
def verify_evidence(tenant_id=None) -> None:
    """Check every tenant's chain; remember each sound chain's head (the next check must reach
    it again); alert the administrators about each tenant in trouble, once a day."""
    report = chain.verify()
    log.info("evidence: %s records checked, %s problems", report.checked, len(report.problems))
    for head in report.heads:
        chain.record_check(head.tenant_id, report)
    recipients = _admins() if report.problems else []
    for problem in report.problems:
        log.error("evidence: %s", problem)
        chain.record_check(problem.tenant_id, report, alerted=alert(problem, recipients))


@job(global_job=True)
def purge_expired_evidence(tenant_id=None) -> None:
    """Purge every tenant's proofs kept past their retention (one chained purge record each)."""
    with unscoped():
        tenant_ids = db.session.scalars(select(Tenant.id).order_by(Tenant.id)).all()
    for each in tenant_ids:
        purge = chain.purge_expired(each)
        if purge is not None:
            log.info("evidence: tenant %s, %s files purged", each, len(purge.details["purged"]))


JOBS = [verify_evidence, purge_expired_evidence]
# Between 02:00 and 03:00 Paris time a clock change would skip or repeat the run: avoid it.
PERIODIC_JOBS = [
    PeriodicJob(job=purge_expired_evidence, cron="50 4 * * *"),
    PeriodicJob(job=verify_evidence, cron="15 5 * * *"),
]
