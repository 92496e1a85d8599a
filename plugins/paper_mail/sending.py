"""Validation and sending of a mail through the core sendings (paper channel): send now (to the
printer at once, posted on ``rules.handover_date``) or schedule (transmitted on its day), the
charge at validation, change of date and cancellation (refunded) until the day before.

Every function runs in the caller's transaction (a view or a job commits). Refusals raise
:class:`SendRefused` (a translated ``message``, the form ``field`` it belongs next to) before
anything is kept: :class:`NotReady` (``messages``: what is missing) and :class:`NotEnoughCredit`
(``missing_cents``) are its kinds. Everything happens once: the mail's row is locked and read
again first, so a double submit or two tabs validate (and charge) once.

Public: :func:`readiness`, :func:`send_now`, :func:`schedule`, :func:`reschedule`,
:func:`cancel`, :func:`may_change`, :func:`delete_draft`, :func:`recipient_party`,
:func:`sender_party`, :func:`earliest_date`, :func:`check_send_on`, :data:`OWNER`.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from plugins.paper_mail import rules
from plugins.paper_mail.i18n import _
from plugins.paper_mail.models import DocumentStatus, MailState, PaperMail, RecipientSource
from portal.core import clock, sendings
from portal.core.database import lock_and_reload
from portal.core.i18n import force_locale
from portal.core.tenants import tenant_directory
from portal.extensions import db

OWNER = "paper_mail"
MAX_AHEAD = timedelta(days=366)  # a mail is scheduled within the coming year


class SendRefused(ValueError):
    """A send, a change of date or a cancellation refused: ``message`` (translated) is shown
    next to ``field`` (None: at the top of the page)."""

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = str(message)
        self.field = field


class NotReady(SendRefused):
    """The mail cannot be sent yet: ``messages`` says each thing to complete, in order."""

    def __init__(self, messages: list[str]):
        super().__init__(messages[0] if messages else "")
        self.messages = [str(message) for message in messages]


class NotEnoughCredit(SendRefused):
    """The account's credit does not cover the mail: ``missing_cents`` more are needed."""

    def __init__(self, balance_cents: int, needed_cents: int):
        from portal.core.credits.ledger import euros

        self.balance_cents = balance_cents
        self.needed_cents = needed_cents
        self.missing_cents = max(needed_cents - balance_cents, 0)
        super().__init__(
            _(
                "Votre crédit (%(balance)s) ne couvre pas ce courrier (%(needed)s) : il manque "
                "%(missing)s. Achetez des crédits pour l'envoyer.",
                balance=euros(balance_cents),
                needed=euros(needed_cents),
                missing=euros(self.missing_cents),
            )
        )


# --- reading -------------------------------------------------------------------------------


def _tenant(mail: PaperMail):
    return tenant_directory().get(mail.tenant_id)


def cutoff(mail: PaperMail):
    """The tenant's cut-off (Paris): validated before it on a business day, posted that day."""
    settings = _tenant(mail).settings_for("paper_mail")
    return getattr(settings, "cutoff", None) or rules.CUTOFF


def _account(mail: PaperMail):
    from portal.core.accounts.models import Account

    return db.session.get(Account, mail.account_id)


def account_missing(account, tenant) -> list[str]:
    """What the account lacks before it may send anything (SPEC §2: a verified professional
    document, the platform's mandate signed), as one sentence; [] when nothing is missing."""
    from portal.core.verification.readiness import missing_before_sending

    missing = missing_before_sending(account, tenant)
    if not missing:
        return []
    return [
        _(
            "Votre compte ne peut pas encore envoyer de courrier : %(missing)s.",
            missing=", ".join(str(item.label) for item in missing),
        )
    ]


def today() -> date:
    """Today in Paris (the agent's day)."""
    return clock.now().astimezone(rules.PARIS).date()


def earliest_date() -> date:
    """The first day a mail may be scheduled for (or moved to): tomorrow (manual §8.4 b)."""
    return rules.earliest_schedule_date(today())


def _lines(values) -> list[str]:
    return [str(line).strip() for line in values or () if str(line).strip()]


def recipient_party(mail: PaperMail) -> sendings.Party:
    """The recipient as the printer (and the registered form) receives it."""
    return sendings.Party(
        name=(mail.recipient_name or "").strip(),
        address_lines=tuple(_lines(mail.recipient_lines)),
        postal_code=(mail.recipient_postal_code or "").strip(),
        city=(mail.recipient_city or "").strip().upper(),
    )


def sender_party(mail: PaperMail) -> sendings.Party:
    """The sender typed for the mail (« Utiliser mes coordonnées » fills it from the account);
    without one, the account's name and address, as its own letterhead would say."""
    if (mail.sender_name or "").strip():
        return sendings.Party(
            name=mail.sender_name.strip(),
            address_lines=tuple(_lines(mail.sender_lines)),
            postal_code=(mail.sender_postal_code or "").strip(),
            city=(mail.sender_city or "").strip().upper(),
        )
    account = _account(mail)
    name = (account.commercial_name or f"{account.first_name} {account.last_name}").strip()
    return sendings.Party(
        name=name[:38],
        email=account.email,
        company=account.commercial_name or None,
        address_lines=tuple(_lines([account.address, account.address2])),
        postal_code=account.postal_code or "",
        city=(account.city or "").upper(),
    )


def _complete(name: str, lines, postal_code: str, city: str) -> bool:
    return bool((name or "").strip() and _lines(lines) and (postal_code or "").strip() and city)


def _first_ready(mail: PaperMail):
    return next((d for d in mail.documents if d.status == DocumentStatus.READY), None)


def readiness(mail: PaperMail, preflight=None) -> list[str]:
    """What is missing before ``mail`` can be sent, each a translated sentence saying what to
    do ([] when it is ready): its documents (converted, none failed), the pre-flight checks,
    the recipient (read in the first document and confirmed, or typed), the sender for the
    tracked and registered modes. ``preflight``: the mail's checks when already run."""
    missing: list[str] = []
    documents = list(mail.documents)
    if not documents:
        missing.append(_("Ajoutez au moins un document à imprimer."))
    elif any(d.status == DocumentStatus.PENDING for d in documents):
        missing.append(_("Patientez : la conversion de vos documents en PDF n'est pas finie."))
    else:
        for document in documents:
            if document.status == DocumentStatus.FAILED:
                missing.append(
                    _(
                        "Retirez le document « %(name)s » : il n'a pas pu être converti.",
                        name=document.filename,
                    )
                )
    if not missing:
        from plugins.paper_mail import checks

        preflight = preflight or checks.preflight(mail)
        missing.extend(problem.message for problem in preflight.problems)
    missing.extend(account_missing(_account(mail), _tenant(mail)))
    try:
        mode = rules.MODES[rules.Mode(mail.mode)]
    except ValueError:
        missing.append(_("Choisissez un mode d'envoi."))
        mode = None
    missing.extend(_recipient_missing(mail))
    if (
        mode is not None
        and mode.needs_parties
        and not _complete(
            mail.sender_name, mail.sender_lines, mail.sender_postal_code, mail.sender_city
        )
    ):
        missing.append(
            _(
                "Indiquez les coordonnées de l'expéditeur (nom, adresse, code postal et "
                "ville) ou cliquez sur « Utiliser mes coordonnées » : la lettre suivie et "
                "le recommandé les demandent."
            )
        )
    return [str(message) for message in missing]


def _recipient_missing(mail: PaperMail) -> list[str]:
    complete = _complete(
        mail.recipient_name, mail.recipient_lines, mail.recipient_postal_code, mail.recipient_city
    )
    if mail.recipient_source == RecipientSource.TYPED:
        from plugins.paper_mail.addresses import address_errors

        errors = address_errors(
            mail.recipient_name or "",
            list(mail.recipient_lines or []),
            mail.recipient_postal_code or "",
            mail.recipient_city or "",
        )
        if errors or not complete:
            return [_("Corrigez l'adresse du destinataire : %(errors)s", errors=_join(errors))]
        return []
    if mail.recipient_source == RecipientSource.DETECTED and complete:
        # Confirmed on the first document: another document put first must be confirmed again.
        first = _first_ready(mail)
        read_on = (mail.detected_address or {}).get("document_id")
        if first is not None and read_on is not None and read_on != first.id:
            return [
                _(
                    "Le premier document a changé : confirmez à nouveau l'adresse du "
                    "destinataire, ou saisissez-la."
                )
            ]
        return []
    return [
        _(
            "Indiquez le destinataire : confirmez l'adresse lue dans le premier document, "
            "ou saisissez-la."
        )
    ]


def _join(errors: dict) -> str:
    return " ".join(str(message) for message in errors.values()) or _("l'adresse est incomplète.")


def may_change(mail: PaperMail) -> bool:
    """A scheduled mail's date may move, and the mail be cancelled (refunded), until the day
    before its day; a mail sent now, never (SPEC §5)."""
    sending = mail.sending
    return (
        mail.state == MailState.SCHEDULED
        and mail.send_on is not None
        and sending is not None
        and today() < mail.send_on
        and sendings.may_change(sending)
    )


# --- validation ----------------------------------------------------------------------------


def _title(mail: PaperMail) -> str:
    with force_locale("fr"):
        name = (mail.recipient_name or "").strip()
        if name:
            return _(
                "Courrier papier %(reference)s à %(name)s", reference=mail.reference, name=name
            )
        return _("Courrier papier %(reference)s", reference=mail.reference)


def _options(mail: PaperMail, documents, plan, post_on: date, carrier: bool) -> dict:
    staples = ([False] if carrier else []) + [bool(d.staple) for d in mail.documents]
    return {
        "mode": rules.Mode(mail.mode).value,
        "colour": bool(mail.colour),
        "duplex": bool(mail.duplex),
        "staple": any(staples),
        "staples": staples[: len(documents)],
        "envelopes": plan.count if plan is not None else 1,
        "envelope": plan.kind.value if plan is not None else None,
        "post_on": post_on.isoformat(),
    }


def _validate(mail: PaperMail, profile, *, due_at: datetime, post_on: date) -> sendings.Sending:
    """The mail's sending created and validated (charged once) for ``due_at``: its checks
    enforced first (:class:`NotReady`), the credit (:class:`NotEnoughCredit`: nothing kept)."""
    from plugins.paper_mail import assembly, checks, pricing
    from portal.core.credits.ledger import InsufficientCredit

    converted = mail.documents and all(d.status == DocumentStatus.READY for d in mail.documents)
    preflight = checks.preflight(mail) if converted else None  # run once: it renders pages
    missing = readiness(mail, preflight)
    if missing:
        raise NotReady(missing)
    quote = pricing.mail_quote(mail, preflight)
    if not preflight.ok or quote is None:
        raise NotReady([p.message for p in preflight.problems] or [_("Vérifiez votre courrier.")])
    documents = assembly.printed_documents(mail)
    carrier = mail.recipient_source == RecipientSource.TYPED
    try:
        with db.session.begin_nested():
            sending = sendings.create_sending(
                account=_account(mail),
                profile=profile,
                owner=OWNER,
                channel=sendings.Channel.PAPER,
                title=_title(mail),
                documents=documents,
                sender=sender_party(mail),
                recipient=recipient_party(mail),
                options=_options(mail, documents, preflight.plan, post_on, carrier),
                price_lines=list(quote.lines),
                subject=mail,
            )
            sendings.validate_sending(sending, due_at=due_at)
    except InsufficientCredit as short:
        raise NotEnoughCredit(short.balance_cents, short.needed_cents) from None
    except sendings.SendingError as refusal:
        raise SendRefused(refusal.message) from None
    mail.sending_id = sending.id
    mail.sending = sending
    mail.validated_at = sending.validated_at or clock.now()
    mail.state = MailState.SCHEDULED
    mail.cancelled_at = None
    return sending


def _already_validated(mail: PaperMail) -> bool:
    if mail.state == MailState.DRAFT:
        return False
    if mail.sending_id is not None and mail.validated_at is not None:
        return True  # a double submit, another tab: validated once
    raise SendRefused(_("Ce courrier n'est plus un brouillon : il ne peut plus être envoyé."))


def send_now(mail: PaperMail, profile) -> PaperMail:
    """« Envoyer maintenant »: validated and charged now, handed to the printer at once, posted
    on ``rules.handover_date(now, cut-off)`` (the same day before 10:30 on a business day, else
    the next one). Never cancelled nor changed afterwards. A mail already validated is
    returned as it is (charged once)."""
    lock_and_reload(mail)  # a double submit or two tabs act once
    if _already_validated(mail):
        return mail
    moment = clock.now()
    handover_on = rules.handover_date(moment, cutoff(mail))
    _validate(mail, profile, due_at=moment, post_on=handover_on)
    mail.send_on = None
    mail.handover_on = handover_on
    return mail


def check_send_on(send_on: date) -> None:
    """A day a mail may be scheduled for: from tomorrow, within the coming year
    (:class:`SendRefused` next to ``send_on`` otherwise)."""
    if not isinstance(send_on, date):
        raise SendRefused(_("Choisissez une date d'envoi."), field="send_on")
    earliest = earliest_date()
    if send_on < earliest:
        raise SendRefused(
            _(
                "Choisissez une date à partir du %(day)s : un courrier se programme au plus tôt "
                "pour le lendemain.",
                day=earliest.strftime("%d/%m/%Y"),
            ),
            field="send_on",
        )
    if send_on > today() + MAX_AHEAD:
        raise SendRefused(_("Choisissez une date dans l'année qui vient."), field="send_on")


def schedule(mail: PaperMail, send_on: date, profile) -> PaperMail:
    """« Programmer l'envoi » for ``send_on`` (from tomorrow): validated and charged now,
    transmitted to the printer early on its hand-over day (``rules.schedule_due_at``) and posted
    that day (the next business day when ``send_on`` is not one). A mail already validated is
    returned as it is (charged once)."""
    lock_and_reload(mail)  # a double submit or two tabs act once
    if _already_validated(mail):
        return mail
    check_send_on(send_on)
    handover_on = rules.scheduled_handover_date(send_on)
    _validate(mail, profile, due_at=rules.schedule_due_at(send_on), post_on=handover_on)
    mail.send_on = send_on
    mail.handover_on = handover_on
    return mail


def _refuse_change(mail: PaperMail) -> None:
    if mail.validated_at is not None and mail.send_on is None:
        raise SendRefused(
            _("Un courrier envoyé immédiatement ne peut plus être annulé ni modifié.")
        )
    if mail.state != MailState.SCHEDULED:
        raise SendRefused(_("Ce courrier est déjà parti ou annulé : il ne change plus."))
    if not may_change(mail):
        raise SendRefused(
            _(
                "Il est trop tard : la date d'un courrier programmé se change, et il s'annule, "
                "au plus tard la veille de sa date d'envoi."
            )
        )


def reschedule(mail: PaperMail, send_on: date, profile) -> PaperMail:
    """« Modifier la date d'envoi »: a scheduled mail moved to ``send_on`` (from tomorrow),
    until the day before its current day. Its content never changes (cancel and start again)."""
    lock_and_reload(mail)  # a double submit or two tabs act once
    _refuse_change(mail)
    check_send_on(send_on)
    if send_on == mail.send_on:
        return mail
    try:
        sendings.reschedule(mail.sending, rules.schedule_due_at(send_on), profile)
    except sendings.SendingError as refusal:
        raise SendRefused(refusal.message) from None
    handover_on = rules.scheduled_handover_date(send_on)
    options = dict(mail.sending.options or {})
    options["post_on"] = handover_on.isoformat()
    mail.sending.options = options  # the printer posts on the day the agent was promised
    mail.send_on = send_on
    mail.handover_on = handover_on
    return mail


def cancel(mail: PaperMail, profile) -> PaperMail:
    """« Annuler » a scheduled mail until the day before its day: its sending cancelled and
    refunded once (by the core), the mail CANCELLED. Cancelling again changes nothing."""
    lock_and_reload(mail)  # a double submit or two tabs act once
    if mail.state == MailState.CANCELLED:
        return mail
    _refuse_change(mail)
    with force_locale("fr"):
        reason = _("Courrier annulé par l'agence.")
    try:
        sendings.cancel_sending(mail.sending, reason, profile)
    except sendings.SendingError as refusal:
        raise SendRefused(refusal.message) from None
    mail.state = MailState.CANCELLED
    mail.cancelled_at = clock.now()
    return mail


def delete_draft(mail: PaperMail) -> None:
    """« Effacer » a draft: the mail, its documents and, once that is committed, their files
    (a rolled-back deletion keeps them). A validated mail is never deleted (its list line and
    proofs stay)."""
    from plugins.paper_mail.documents import _delete_files_when

    lock_and_reload(mail)  # a double submit or two tabs act once
    if mail.state != MailState.DRAFT or mail.sending_id is not None:
        raise SendRefused(_("Seul un brouillon peut être effacé."))
    keys = sorted({key for d in mail.documents for key in (d.original_key, d.pdf_key) if key})
    db.session.delete(mail)
    db.session.flush()
    _delete_files_when("commit", keys)
