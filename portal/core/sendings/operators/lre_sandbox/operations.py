"""What happens at the sandbox operator: deposit, notification, identification, acceptance,
refusal, negligence. Each runs in the caller's transaction (the hand-over job, a job of the
operator's, or the recipient's page) and every state change is recorded once as an event with
its sealed proof, then told to the portal by a signed callback (a job)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from flask import current_app, render_template
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.core import clock
from portal.core.jobs import enqueue, schedule_at
from portal.core.sendings.operators.base import Handover
from portal.core.sendings.operators.lre_sandbox import rules
from portal.core.sendings.operators.lre_sandbox.models import (
    LreSandboxDeposit,
    LreSandboxDocument,
    LreSandboxEvent,
)
from portal.extensions import db

OPERATOR_EMAIL = Address(display_name="Bac à sable LRE", addr_spec="notification@lre.sandbox.test")
MAX_CODE_ATTEMPTS = 3


class RecipientError(ValueError):
    """What the recipient did cannot be done (a wrong name, a late code); ``message`` says why."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def find_deposit(delivery_id: str) -> LreSandboxDeposit | None:
    return db.session.scalar(
        select(LreSandboxDeposit).where(LreSandboxDeposit.delivery_id == delivery_id)
    )


def deposit_by_reference(reference: str) -> LreSandboxDeposit | None:
    return db.session.scalar(
        select(LreSandboxDeposit).where(LreSandboxDeposit.reference == reference)
    )


def _party(party) -> dict:
    return {
        "name": party.name,
        "email": party.email,
        "company": party.company,
        "identified": bool(party.identified),
    }


def deposit(handover: Handover) -> tuple[LreSandboxDeposit, bool]:
    """Keep the letter under the portal's ``delivery_id`` (once: a second deposit of the same id,
    even concurrent, finds the first) and start its processing; the deposit, and whether it was
    there already."""
    existing = find_deposit(handover.delivery_id)
    if existing is not None:
        return existing, True
    wanted = bool(handover.options.get("qualified", True))
    row = LreSandboxDeposit(
        reference="LRE-SBX-" + secrets.token_hex(6).upper(),
        delivery_id=handover.delivery_id,
        secret=secrets.token_urlsafe(24),
        qualified=rules.is_qualified(
            handover.sender.identified, handover.recipient.identified, wanted
        ),
        scenario=rules.scenario_of(handover.recipient.email),
        status=rules.WAITING,
        sender=_party(handover.sender),
        recipient=_party(handover.recipient),
        deposited_at=clock.now(),
        documents=[
            LreSandboxDocument(
                position=position,
                filename=document.filename,
                sha256=hashlib.sha256(document.content).hexdigest(),
                content=document.content,
            )
            for position, document in enumerate(handover.documents, start=1)
        ],
    )
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        # Another worker deposited the same id meanwhile: its deposit is the one.
        existing = find_deposit(handover.delivery_id)
        if existing is None:
            raise
        return existing, True
    from portal.core.sendings.operators.lre_sandbox.jobs import lre_sandbox_process

    # The operator works on its own time: its processing (proof, notification) waits
    # PORTAL_LRE_SANDBOX_DELAY_SECONDS in the database when set (demos, the hand-over bench).
    delay = float(current_app.config.get("PORTAL_LRE_SANDBOX_DELAY_SECONDS") or 0)
    if delay > 0:
        schedule_at(clock.now() + timedelta(seconds=delay), lre_sandbox_process, row.id)
    else:
        enqueue(lre_sandbox_process, row.id)
    return row, False


def _tenant():
    from portal.core.tenants import tenant_directory
    from portal.core.tenants.scoping import active_tenant_id

    return tenant_directory().by_id(active_tenant_id())


def record(deposit: LreSandboxDeposit, code: str, detail: str = "") -> LreSandboxEvent | None:
    """Record the operator's event ``code`` once (its proof sealed now) and have it called back."""
    event_id = f"{deposit.reference}-{code}"
    if any(event.event_id == event_id for event in deposit.events):
        return None
    at = clock.now()
    event = LreSandboxEvent(
        event_id=event_id,
        code=code,
        state=rules.STATE_OF[code].value,
        occurred_at=at,
        detail=detail,
    )
    kind = rules.PROOF_OF.get(code)
    if kind is not None:
        from portal.core.sendings.operators.lre_sandbox.proofs import make_proof

        proof = make_proof(deposit, kind, at, _tenant())
        event.proof_kind, event.proof_filename, event.proof = (
            kind.value,
            proof.filename,
            proof.content,
        )
    deposit.events.append(event)
    deposit.status = code
    db.session.flush()
    from portal.core.sendings.operators.lre_sandbox.jobs import lre_sandbox_callback

    enqueue(lre_sandbox_callback, event.event_id)
    return event


def recipient_link(deposit: LreSandboxDeposit) -> str:
    from portal.core.mail import tenant_base_url

    return tenant_base_url(_tenant()) + f"_sandbox/lre/{deposit.secret}"


def _email(to: str, subject: str, template: str, **context) -> EmailMessage:
    """The operator's own email (not the tenant's: the operator is a third party)."""
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = OPERATOR_EMAIL
    message["To"] = to
    message["Date"] = format_datetime(clock.now())
    message["Message-ID"] = make_msgid(domain=OPERATOR_EMAIL.domain)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(render_template(f"lre_sandbox/mail/{template}.txt", **context))
    return message


def process(deposit: LreSandboxDeposit) -> None:
    """Deposit proven, recipient notified (the 15 days start), then the address's scenario.
    Safe twice: each step is recorded once."""
    from portal.core.mail import MailBounced, send_email

    if deposit.status != rules.WAITING:
        return
    record(deposit, rules.WAITING)
    message = _email(
        deposit.recipient["email"],
        "Vous avez reçu une lettre recommandée électronique",
        "notification",
        deposit=deposit,
        link=recipient_link(deposit),
    )
    try:
        send_email(message)
    except MailBounced as exc:
        record(deposit, rules.BOUNCED, f"Notification non distribuée : {exc.reason}")
        return
    deposit.notified_at = clock.now()
    deposit.expires_at = rules.claim_deadline(deposit.notified_at)
    record(deposit, rules.SENT)
    if deposit.scenario == rules.ACCEPT:
        _identified(deposit, deposit.recipient["name"])
        accept(deposit)
    elif deposit.scenario == rules.REFUSE:
        _identified(deposit, deposit.recipient["name"])
        refuse(deposit)


def _open(deposit: LreSandboxDeposit) -> None:
    if deposit.status != rules.SENT:
        raise RecipientError(_("Cette lettre n'attend plus de réponse."))
    if deposit.expires_at is not None and clock.now() >= rules.aware(deposit.expires_at):
        raise RecipientError(_("Le délai de 15 jours pour retirer cette lettre est écoulé."))


def _identified(deposit: LreSandboxDeposit, name: str) -> None:
    deposit.identified_at = clock.now()
    deposit.identified_name = name
    deposit.code_hash = None


def identify(deposit: LreSandboxDeposit, name: str) -> bool:
    """The recipient gives their name. Simple LRE: identified. Qualified LRE: a one-time code is
    emailed (True), to be typed before deciding."""
    _open(deposit)
    if not rules.same_name(name, deposit.recipient["name"]):
        raise RecipientError(_("Ce nom ne correspond pas à celui du destinataire."))
    if not deposit.qualified:
        _identified(deposit, name.strip())
        return False
    from portal.core.sendings.operators.lre_sandbox.jobs import lre_sandbox_send_code

    deposit.identified_name = name.strip()
    deposit.code_attempts = 0
    enqueue(lre_sandbox_send_code, deposit.id)
    return True


def _code_hash(deposit: LreSandboxDeposit, code: str) -> str:
    return hashlib.sha256(f"{deposit.secret}:{code}".encode()).hexdigest()


def send_code(deposit: LreSandboxDeposit) -> None:
    """Email a new one-time code to the recipient (qualified LRE)."""
    from portal.core.mail import send_email

    code = f"{secrets.randbelow(10**6):06d}"
    deposit.code_hash = _code_hash(deposit, code)
    send_email(
        _email(
            deposit.recipient["email"],
            "Votre code de vérification",
            "code",
            deposit=deposit,
            code=code,
        )
    )


def check_code(deposit: LreSandboxDeposit, code: str) -> None:
    """The recipient types the emailed code; three wrong codes and a new one must be asked."""
    _open(deposit)
    if deposit.identified_name is None:
        raise RecipientError(_("Aucun code n'est en attente : identifiez-vous à nouveau."))
    if deposit.code_hash is None:
        raise RecipientError(_("Le code est en cours d'envoi : réessayez dans un instant."))
    if hmac.compare_digest(deposit.code_hash, _code_hash(deposit, (code or "").strip())):
        _identified(deposit, deposit.identified_name or deposit.recipient["name"])
        return
    deposit.code_attempts += 1
    if deposit.code_attempts >= MAX_CODE_ATTEMPTS:
        deposit.code_hash = None
        deposit.identified_name = None
        raise RecipientError(_("Trop de codes erronés : identifiez-vous à nouveau."))
    raise RecipientError(_("Code incorrect."))


def accept(deposit: LreSandboxDeposit) -> None:
    _decide(deposit)
    record(deposit, rules.ACCEPTED)


def refuse(deposit: LreSandboxDeposit) -> None:
    _decide(deposit)
    record(deposit, rules.REFUSED)


def _decide(deposit: LreSandboxDeposit) -> None:
    _open(deposit)
    if deposit.identified_at is None:
        raise RecipientError(_("Identifiez-vous avant d'accepter ou de refuser la lettre."))
    deposit.decided_at = clock.now()


def expire(deposit: LreSandboxDeposit) -> bool:
    """Negligence once the 15 days are over (on the operator's clock); safe twice."""
    if deposit.status != rules.SENT or deposit.expires_at is None:
        return False
    if clock.now() < rules.aware(deposit.expires_at):
        return False
    record(deposit, rules.NEGLIGENCE, "Lettre non réclamée dans le délai de 15 jours.")
    return True
