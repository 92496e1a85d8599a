"""Operators' pages of the resiliation plugin (issue 16, point 8), one tenant at a time at
``/backoffice/t/<tenant_slug>/resiliation/…``:

- « Lettres de résiliation »: the tenant's letters (search by number, subscriber or account;
  filter by state), 50 a page, each with its account, managing profile, state, tracking and
  sendings (links to the core's sending pages);
- a letter: everything support needs to answer a help request about it (subscriber,
  recipient, contracts, dates, mandate, price, sendings with their state and timeline, the
  emails sent, the operators' actions on it);
- « Lettres bloquées »: a handed-over sending the operator has gone quiet about (the core's
  threshold), a letter held too long (first-letter check not done on its send day, mandate
  signature past its deadline), a validated letter without a sending — each with what to do;
- « Premières lettres à vérifier »: the pending first-letter checks, oldest first, with the day's
  cut-off; « Approuver » releases the letter (``sending.approve_review``), audited.

Every page is staff-only and runs in the picked tenant's scope: another tenant's letter is a 404.
Nothing here changes a letter but through the sending module's own functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from flask import flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from sqlalchemy import func, or_, select
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from plugins.resiliation import rules, tracking
from plugins.resiliation.i18n import _, _l
from plugins.resiliation.models import Letter, LetterState, MandateKind, Review
from portal.core import audit, clock
from portal.core.accounts.models import Account, Profile
from portal.core.accounts.validators import strip
from portal.core.backoffice import BackofficeMenuItem, BackofficePage, current_staff
from portal.core.backoffice.forms import FilterForm
from portal.core.sendings.models import Sending, SendingStateReached
from portal.core.sendings.operators.base import SendingState
from portal.core.web.pipeline import Access, handler
from portal.extensions import db

PER_PAGE = 50
PARIS = rules.PARIS
LOAD = {"letter_id": Letter}
MAX_STUCK = 200  # rows of each kind on the stuck page (there should be a handful)

LETTER_STATE_LABELS = {
    LetterState.DRAFT: _l("Brouillon (à finir)"),
    LetterState.VALIDATED: _l("Validée (débitée)"),
    LetterState.SENT: _l("Envoyée"),
    LetterState.CANCELLED: _l("Annulée (remboursée)"),
}
TRASHED = "trashed"

MANDATE_KIND_LABELS = {
    MandateKind.UNDECIDED: _l("Pas encore choisi"),
    MandateKind.HAND_SIGNED: _l("Signé à la main (scan déposé)"),
    MandateKind.ELECTRONIC: _l("Signature électronique"),
    MandateKind.NONE: _l("Sans mandat (remarque acceptée)"),
}

REVIEW_LABELS = {
    Review.NONE: _l("Non (ce n'est pas la première lettre du compte)"),
    Review.PENDING: _l("À vérifier"),
    Review.APPROVED: _l("Approuvée"),
}

SENDER_LABELS = {
    rules.Sender.AGENCY: _l("L'agence"),
    rules.Sender.PLATFORM: _l("La plateforme (mandat du client)"),
}

SEND_TYPE_LABELS = {
    rules.SendType.LRAR: _l("Avec accusé de réception (LRAR)"),
    rules.SendType.LR: _l("Sans accusé de réception (LR)"),
}

# The core's emails to the managing profile, one per state reached (portal.core.sendings.rules).
NOTICE_LABELS = {
    SendingState.HANDED_OVER: _l("Lettre partie"),
    SendingState.DELIVERED: _l("Lettre acceptée ou relevée"),
    SendingState.REFUSED: _l("Lettre refusée par le destinataire"),
    SendingState.NOT_CLAIMED: _l("Lettre non réclamée"),
    SendingState.RETURNED: _l("Lettre retournée"),
    SendingState.FAILED: _l("Envoi en échec"),
}


# --- forms --------------------------------------------------------------------------------------


class LetterFilterForm(FilterForm):
    q = StringField(_l("Numéro, souscripteur ou compte"), [Optional(), Length(max=100)], [strip])
    state = SelectField(_l("État"), validate_choice=False)


class ApproveForm(FlaskForm):
    """« Approuver »: no field, its CSRF token only."""


class RefuseForm(FlaskForm):
    reason = TextAreaField(
        _l("Motif du refus (envoyé à l'agent)"),
        [InputRequired(_l("Indiquez le motif du refus.")), Length(max=500)],
        [strip],
    )


# --- helpers -----------------------------------------------------------------------------------


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _contains(column, text: str):
    return func.lower(column).like(f"%{_escape_like(text.lower())}%", escape="\\")


def _sending_module():
    from plugins.resiliation import sending

    return sending


def tracking_of(letter: Letter, manager: str | None = None):
    """The letter's tracking state, as its agent sees it."""
    return tracking.state_of(letter, manager=manager)


def _names(model, ids) -> dict:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return {row.id: row for row in db.session.scalars(select(model).where(model.id.in_(ids)))}


def _settings(tenant):
    return tenant.settings_for("resiliation")


def _paris_day(moment: datetime | None):
    moment = clock.aware(moment)
    return moment.astimezone(PARIS).date() if moment is not None else None


def _at(day, hour: time) -> datetime:
    return datetime.combine(day, hour).replace(tzinfo=PARIS)


def _counts() -> dict[str, int]:
    """How many pending first-letter checks and stuck letters the tenant has (for the links)."""
    pending = db.session.scalar(
        select(func.count()).select_from(Letter).where(Letter.review == Review.PENDING)
    )
    return {"pending": pending or 0}


# --- the letters --------------------------------------------------------------------------------


@handler(Access.STAFF)
def letters(tenant):
    """The tenant's letters, newest first, searched and filtered."""
    form = LetterFilterForm(request.args)
    form.state.choices = [("", _("Tous les états"))] + [
        (state, str(label)) for state, label in LETTER_STATE_LABELS.items()
    ]
    form.state.choices.append((TRASHED, _("Dans la corbeille")))
    form.state.choices.append((Review.PENDING, _("Première lettre à vérifier")))
    form.validate()
    query = select(Letter)
    wanted = (form.q.data or "").strip() if not form.q.errors else ""
    if wanted:
        accounts = select(Account.id).where(
            or_(
                _contains(Account.email, wanted),
                _contains(Account.commercial_name, wanted),
                _contains(Account.last_name, wanted),
                _contains(Account.first_name, wanted),
            )
        )
        sendings = select(Sending.id).where(Sending.reference == wanted.upper())
        query = query.where(
            or_(
                Letter.reference == wanted.upper(),
                _contains(Letter.reference, wanted),
                _contains(Letter.last_name, wanted),
                _contains(Letter.first_name, wanted),
                _contains(Letter.company_name, wanted),
                _contains(Letter.co_last_name, wanted),
                _contains(Letter.email, wanted),
                _contains(Letter.client_reference, wanted),
                Letter.account_id.in_(accounts),
                Letter.sending_id.in_(sendings),
            )
        )
    state = form.state.data
    if state in LETTER_STATE_LABELS:
        query = query.where(Letter.state == state, Letter.trashed_at.is_(None))
    elif state == TRASHED:
        query = query.where(Letter.trashed_at.is_not(None))
    elif state == Review.PENDING:
        query = query.where(Letter.review == Review.PENDING)
    results = db.paginate(
        query.order_by(Letter.id.desc()),  # newest first, on the primary key's index
        page=request.args.get("page", 1, type=int),
        per_page=PER_PAGE,
        error_out=False,
    )
    page = results.items
    accounts = _names(Account, (letter.account_id for letter in page))
    profiles = _names(Profile, (letter.managed_by_id for letter in page))
    sendings_by_letter: dict[int, list[Sending]] = {letter.id: [] for letter in page}
    if page:
        for sending in db.session.scalars(
            select(Sending)
            .where(
                Sending.owner == "resiliation",
                Sending.subject_type == "Letter",
                Sending.subject_id.in_(list(sendings_by_letter)),
            )
            .order_by(Sending.id)
        ):
            sendings_by_letter[sending.subject_id].append(sending)
    rows = []
    for letter in page:
        profile = profiles.get(letter.managed_by_id)
        rows.append(
            {
                "letter": letter,
                "account": accounts.get(letter.account_id),
                "profile": profile,
                "tracking": tracking_of(letter, manager=profile.name if profile else ""),
                "sendings": sendings_by_letter.get(letter.id, []),
            }
        )
    return render_template(
        "resiliation/backoffice/letters.html",
        tenant=tenant,
        form=form,
        results=results,
        rows=rows,
        state_labels=LETTER_STATE_LABELS,
        stuck=len(stuck_letters(tenant)),
        **_counts(),
    )


@handler(Access.STAFF, load=LOAD)
def letter(tenant, letter: Letter):
    """One letter: what support needs to answer a help request about it."""
    from plugins.resiliation import pricing
    from plugins.resiliation.mandates import operations as mandates

    account = db.session.get(Account, letter.account_id)
    profile = db.session.get(Profile, letter.managed_by_id) if letter.managed_by_id else None
    sendings = tracking.sendings_of(letter)
    reached = []
    if sendings:
        reached = list(
            db.session.scalars(
                select(SendingStateReached)
                .where(SendingStateReached.sending_id.in_([s.id for s in sendings]))
                .order_by(SendingStateReached.recorded_at, SendingStateReached.id)
            )
        )
    notices = [row for row in reached if row.state in NOTICE_LABELS]
    try:
        price = pricing.letter_price(letter, tenant)
    except KeyError:  # a price list without the item: shown as unknown
        price = None
    mandate_row = mandates.mandate_of(letter)
    procedure = mandates.procedure_of(mandate_row)
    from portal.core.audit import AuditEntry

    history = list(
        db.session.scalars(
            select(AuditEntry)
            .where(
                AuditEntry.tenant_id == letter.tenant_id,
                AuditEntry.target_type == "Letter",
                AuditEntry.target_id == letter.id,
            )
            .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
            .limit(50)
        )
    )
    stuck = next((row for row in stuck_letters(tenant) if row.letter.id == letter.id), None)
    return render_template(
        "resiliation/backoffice/letter.html",
        tenant=tenant,
        letter=letter,
        account=account,
        profile=profile,
        tracking=tracking_of(letter, manager=profile.name if profile else ""),
        legal_clock=_legal_clock(letter),
        sendings=sendings,
        notices=notices,
        notice_labels=NOTICE_LABELS,
        notice_to=_notice_address(profile, account),
        emails=_letter_emails(sendings),
        held_label=held_label,
        price=price,
        mandate_row=mandate_row,
        procedure=procedure,
        procedure_state=_procedure_state(procedure),
        history=history,
        stuck=stuck,
        state_labels=LETTER_STATE_LABELS,
        mandate_labels=MANDATE_KIND_LABELS,
        review_labels=REVIEW_LABELS,
        sender_labels=SENDER_LABELS,
        send_type_labels=SEND_TYPE_LABELS,
        type_labels=rules.CONTRACT_TYPE_LABELS,
        reason_labels=rules.REASON_LABELS,
        approve_form=ApproveForm() if letter.review == Review.PENDING else None,
        cutoff=_settings(tenant).first_letter_cutoff,
    )


def _procedure_state(procedure) -> str:
    if procedure is None:
        return ""
    from portal.core.signatures.agent_views import procedure_state_label

    return procedure_state_label(procedure.state)


def _legal_clock(letter: Letter):
    try:
        from plugins.resiliation import tracking
    except ImportError:  # pragma: no cover
        return None
    if letter.sending is None or not hasattr(tracking, "legal_clock"):
        return None
    return tracking.legal_clock(letter)


def _notice_address(profile, account) -> str:
    if profile is not None and profile.active and profile.email:
        return profile.email
    return account.email if account is not None else ""


MAIL_LABELS = {
    "subscriber_deposit": _l("Au souscripteur : copie de la lettre et avis de dépôt"),
    "subscriber_receipt": _l("Au souscripteur : accusé de réception"),
    "former_manager": _l("À l'ancien gestionnaire : copie de la lettre"),
    "profile_resent": _l("À l'utilisateur : lettre non réclamée, renvoyée"),
}


@dataclass(frozen=True)
class SentEmail:
    kind: str
    label: str
    to: str
    sent_at: datetime | None
    sending: str


def _letter_emails(sendings: list[Sending]) -> list[SentEmail]:
    """The emails the events part sent about the letter (the subscriber's, the former
    manager's, the re-send notice), each recorded once as a line of a sending's timeline
    (``event_id`` ``resiliation-mail-<kind>``, the address as its detail)."""
    from plugins.resiliation import events

    prefix = getattr(events, "MAIL_PREFIX", "resiliation-mail-")
    found = []
    for sending in sendings:
        for event in sending.events:
            if not (event.event_id or "").startswith(prefix):
                continue
            kind = event.event_id[len(prefix) :]
            found.append(
                SentEmail(
                    kind,
                    str(MAIL_LABELS.get(kind, kind)),
                    event.detail or "",
                    clock.aware(event.at),
                    sending.reference,
                )
            )
    return found


HOLD_LABELS = {
    "review": _l("vérification de la première lettre"),
    "mandate_signature": _l("signature du mandat"),
}


def held_label(held_for: str | None) -> str:
    """Why a sending waits, in French (``review+mandate_signature`` → both)."""
    parts = [part for part in (held_for or "").split("+") if part]
    return ", ".join(str(HOLD_LABELS.get(part, part)) for part in parts)


# --- stuck letters ------------------------------------------------------------------------------


class StuckKind:
    OPERATOR_QUIET = "operator_quiet"  # handed over, the operator silent past the core's threshold
    NOT_HANDED_OVER = "not_handed_over"  # due, still not handed over
    REVIEW_LATE = "review_late"  # first-letter check not done on its send day
    SIGNATURE_LATE = "signature_late"  # mandate signature past its deadline, still held
    HELD_LATE = "held_late"  # held for another reason past its send day
    NO_SENDING = "no_sending"  # validated without a sending


STUCK_LABELS = {
    StuckKind.OPERATOR_QUIET: _l("L'opérateur n'en dit plus rien"),
    StuckKind.NOT_HANDED_OVER: _l("Pas encore remise à l'opérateur"),
    StuckKind.REVIEW_LATE: _l("Première lettre non vérifiée le jour de l'envoi"),
    StuckKind.SIGNATURE_LATE: _l("Mandat non signé, délai dépassé"),
    StuckKind.HELD_LATE: _l("Retenue au-delà du jour d'envoi"),
    StuckKind.NO_SENDING: _l("Validée sans envoi"),
}


@dataclass(frozen=True)
class StuckLetter:
    letter: Letter
    sending: Sending | None
    kind: str
    since: datetime | None  # since when it should have moved (UTC)

    @property
    def label(self) -> str:
        return str(STUCK_LABELS[self.kind])

    @property
    def action(self) -> str:
        """What to do, in French."""
        if self.kind in (StuckKind.OPERATOR_QUIET, StuckKind.NOT_HANDED_OVER):
            return _("Rapprocher l'envoi avec l'opérateur (réservé aux administrateurs).")
        if self.kind == StuckKind.REVIEW_LATE:
            return _("Vérifier la lettre et l'approuver (ou la refuser).")
        if self.kind == StuckKind.SIGNATURE_LATE:
            return _(
                "Le contrôle de l'heure limite aurait dû annuler et rembourser l'envoi : "
                "signalez-le à l'équipe technique et prévenez l'agent."
            )
        if self.kind == StuckKind.HELD_LATE:
            return _("Voir l'envoi et ce qui le retient ; signalez-le à l'équipe technique.")
        return _(
            "Aucun envoi n'a été créé pour cette lettre validée : signalez-le à l'équipe "
            "technique (rien n'a été remis à l'opérateur)."
        )


def stuck_letters(tenant, now: datetime | None = None) -> list[StuckLetter]:
    """The tenant's stuck letters at ``now`` (see :class:`StuckKind`), oldest first."""
    from portal.core.sendings.backoffice import stuck_condition

    now = now or clock.now()
    settings = _settings(tenant)
    found: list[StuckLetter] = []

    at_operator = db.session.execute(
        select(Letter, Sending)
        .join(Sending, Letter.sending_id == Sending.id)
        .where(stuck_condition(now))
        .order_by(Sending.id)
        .limit(MAX_STUCK)
    ).all()
    for letter, sending in at_operator:
        if sending.state == SendingState.DUE:
            kind = StuckKind.NOT_HANDED_OVER
            since = sending.claimed_at or sending.due_at
        else:
            kind = StuckKind.OPERATOR_QUIET
            since = sending.last_event_at or sending.handed_over_at
        found.append(StuckLetter(letter, sending, kind, clock.aware(since)))

    held = db.session.execute(
        select(Letter, Sending)
        .join(Sending, Letter.sending_id == Sending.id)
        .where(
            Letter.state == LetterState.VALIDATED,
            Sending.held_for.is_not(None),
            Sending.state.in_((SendingState.VALIDATED, SendingState.SCHEDULED)),
            Sending.due_at < now,
        )
        .order_by(Sending.due_at, Sending.id)
        .limit(MAX_STUCK)
    ).all()
    for letter, sending in held:
        day = _paris_day(sending.due_at)
        if letter.review == Review.PENDING:
            kind, deadline = StuckKind.REVIEW_LATE, _at(day, settings.agency_cutoff)
        elif letter.mandate_kind == MandateKind.ELECTRONIC and letter.mandate_ready_at is None:
            kind, deadline = StuckKind.SIGNATURE_LATE, _at(day, settings.platform_signature_cutoff)
        else:
            kind, deadline = StuckKind.HELD_LATE, _at(day, settings.agency_cutoff)
        if now > deadline:
            found.append(StuckLetter(letter, sending, kind, deadline))

    orphans = db.session.scalars(
        select(Letter)
        .where(
            Letter.state.in_((LetterState.VALIDATED, LetterState.SENT)),
            Letter.sending_id.is_(None),
        )
        .order_by(Letter.validated_at, Letter.id)
        .limit(MAX_STUCK)
    ).all()
    for letter in orphans:
        since = clock.aware(letter.validated_at)
        found.append(StuckLetter(letter, None, StuckKind.NO_SENDING, since))
    return found


@handler(Access.STAFF)
def stuck(tenant):
    """The tenant's stuck letters, each with what to do."""
    rows = stuck_letters(tenant)
    from portal.core.sendings.backoffice import STUCK_AFTER, ReconcileForm, duration
    from portal.core.sendings.operators.base import Channel

    return render_template(
        "resiliation/backoffice/stuck.html",
        tenant=tenant,
        rows=rows,
        accounts=_names(Account, (row.letter.account_id for row in rows)),
        kinds=StuckKind,
        lre_after=duration(STUCK_AFTER[Channel.LRE]),
        reconcile_form=ReconcileForm() if current_staff().is_admin else None,
        settings=_settings(tenant),
    )


# --- the first-letter check ---------------------------------------------------------------------


@handler(Access.STAFF)
def reviews(tenant):
    """The pending first-letter checks, oldest first, with the day's cut-off."""
    settings = _settings(tenant)
    pending = list(
        db.session.scalars(
            select(Letter)
            .where(Letter.review == Review.PENDING)
            .order_by(Letter.validated_at, Letter.id)
        )
    )
    accounts = _names(Account, (letter.account_id for letter in pending))
    profiles = _names(Profile, (letter.managed_by_id for letter in pending))
    now = clock.now()
    rows = []
    for letter in pending:
        validated = clock.aware(letter.validated_at)
        sending = letter.sending
        send_day = _paris_day(sending.due_at if sending is not None else None) or _paris_day(
            validated
        )
        rows.append(
            {
                "letter": letter,
                "account": accounts.get(letter.account_id),
                "profile": profiles.get(letter.managed_by_id),
                "validated_at": validated,
                "before_cutoff": validated is not None
                and validated.astimezone(PARIS).time() < settings.first_letter_cutoff,
                "send_day": send_day,
                "late": send_day is not None and now > _at(send_day, settings.agency_cutoff),
            }
        )
    today = now.astimezone(PARIS)
    return render_template(
        "resiliation/backoffice/reviews.html",
        tenant=tenant,
        rows=rows,
        settings=settings,
        cutoff_today=_at(today.date(), settings.first_letter_cutoff),
        past_cutoff=today.time() >= settings.first_letter_cutoff,
        approve_form=ApproveForm(),
    )


def _staff_label(staff) -> str:
    return f"{staff.name} <{staff.email}>" if staff.name else staff.email


def _back_from_review(letter: Letter):
    if request.form.get("next") == "letter":
        return redirect(url_for(".letter", letter_id=letter.id))
    return redirect(url_for(".reviews"))


@handler(Access.STAFF, load=LOAD)
def approve(tenant, letter: Letter):
    """« Approuver » a first letter: released to leave (``sending.approve_review``), audited."""
    back = _back_from_review(letter)
    if not ApproveForm().validate_on_submit():
        flash(_("La demande a expiré ; recommencez."), "error")
        return back
    if letter.review != Review.PENDING:
        flash(_("Cette lettre n'attend pas de vérification."), "info")
        return back
    approve_review = getattr(_sending_module(), "approve_review", None)
    if approve_review is None:  # pragma: no cover - the sending part not there yet
        flash(_("L'approbation n'est pas encore disponible."), "error")
        return back
    staff = current_staff()
    try:
        with db.session.begin_nested():  # a refusal leaves the letter as it was
            approve_review(letter, _staff_label(staff))
    except Exception as exc:  # SendRefused, SendingError: their French message
        message = getattr(exc, "message", None)
        if message is None:
            raise
        flash(str(message), "error")
        return back
    audit.record(
        "resiliation.review_approved",
        **audit.by_staff(staff, letter.tenant_id),
        target=letter,
        reference=letter.reference,
    )
    flash(
        _("Lettre %(reference)s approuvée : elle partira comme prévu.", reference=letter.reference),
        "success",
    )
    return back


@handler(Access.STAFF, load=LOAD)
def refuse(tenant, letter: Letter):
    """« Refuser » a first letter with a reason: its send cancelled and refunded, audited."""
    refuse_review = _sending_module().refuse_review
    if letter.review != Review.PENDING:
        flash(_("Cette lettre n'attend pas de vérification."), "info")
        return redirect(url_for(".letter", letter_id=letter.id))
    form = RefuseForm()
    if form.validate_on_submit():
        staff = current_staff()
        try:
            with db.session.begin_nested():
                refuse_review(letter, _staff_label(staff), form.reason.data)
        except Exception as exc:  # a refusal with its French message
            message = getattr(exc, "message", None)
            if message is None:
                raise
            form.reason.errors = [str(message)]
        else:
            audit.record(
                "resiliation.review_refused",
                **audit.by_staff(staff, letter.tenant_id),
                target=letter,
                reference=letter.reference,
                reason=form.reason.data,
            )
            flash(
                _(
                    "Lettre %(reference)s refusée : son envoi est annulé et remboursé.",
                    reference=letter.reference,
                ),
                "success",
            )
            return redirect(url_for(".reviews"))
    return render_template(
        "resiliation/backoffice/refuse.html",
        tenant=tenant,
        letter=letter,
        form=form,
        account=db.session.get(Account, letter.account_id),
    )


PAGES = [
    BackofficePage("/lettres", "letters", letters),
    BackofficePage("/lettres/bloquees", "stuck", stuck),
    BackofficePage("/lettres/<int:letter_id>", "letter", letter),
    BackofficePage("/premieres-lettres", "reviews", reviews),
    BackofficePage("/lettres/<int:letter_id>/approuver", "approve_review", approve, ("POST",)),
    BackofficePage("/lettres/<int:letter_id>/refuser", "refuse_review", refuse, ("GET", "POST")),
]
MENU_ITEMS = [BackofficeMenuItem(_l("Lettres de résiliation"), "letters", order=260)]
