"""Operators' pages of the sendings (issue 14, point 6), across tenants on the back-office host.

- « Envois »: every tenant's sendings by state (tenant, state, channel, reference), counts per
  state, 50 a page;
- « Envois bloqués »: handed over (or in progress) with no operator event past a threshold per
  channel, or due and not handed over after a few minutes;
- a sending: its timeline (every event, the operator's code verbatim), its proofs, and what the
  operator answers about it now, next to what the portal applied;
- a manual reconcile (admins, audited): the operator's events applied once through the
  lifecycle, as ``staff``.

Every staff member reads; only admins reconcile. Nothing here changes a sending but through the
lifecycle's own operations.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf import FlaskForm
from sqlalchemy import and_, func, or_, select
from wtforms import SelectField, StringField
from wtforms.validators import Length, Optional

from portal.core import audit, clock
from portal.core.accounts.models import Account
from portal.core.accounts.validators import strip
from portal.core.backoffice import BackofficeMenuItem, BackofficePage, current_staff
from portal.core.backoffice.forms import FilterForm
from portal.core.backoffice.labels import (
    SENDING_CHANNEL,
    SENDING_STATE,
    sending_operator_label,
)
from portal.core.backoffice.queries import all_tenants
from portal.core.backoffice.views.common import int_arg, tenant_choices
from portal.core.plugins import hookimpl
from portal.core.sendings.models import Sending, SendingEvent, SendingProof
from portal.core.sendings.operators import operator_for
from portal.core.sendings.operators.base import Channel, OperatorUnavailable, SendingState
from portal.core.storage import send_stored_file
from portal.core.tenants import tenant_scope
from portal.core.web.pipeline import Access, handler
from portal.extensions import db

PER_PAGE = 50

# When a sending is stuck (one place): handed over or in progress with no operator event for
# longer than its channel's threshold — an LRE hears from its operator within hours, a letter
# is printed and posted within days — or claimed for hand-over (due) and still not handed over.
STUCK_AFTER = {Channel.LRE: timedelta(hours=48), Channel.PAPER: timedelta(days=5)}
DUE_STUCK_AFTER = timedelta(minutes=15)
AT_THE_OPERATOR = (SendingState.HANDED_OVER, SendingState.IN_PROGRESS)
# Timeline events written by the portal itself; every other source is the operator speaking.
PORTAL_SOURCE = "portal"


class SendingFilterForm(FilterForm):
    tenant = SelectField(_l("Portail"), validate_choice=False)
    state = SelectField(_l("État"), validate_choice=False)
    channel = SelectField(_l("Canal"), validate_choice=False)
    q = StringField(_l("Référence"), [Optional(), Length(max=100)], [strip])


class ReconcileForm(FlaskForm):
    """The reconcile button: no field, its CSRF token only."""


def _enum_arg(enum, value):
    try:
        return enum(value) if value else None
    except ValueError:
        return None


def _tenant_names() -> dict[int, str]:
    return {tenant.id: tenant.name for tenant in all_tenants()}


def _last_operator_event_at():
    """The time of a sending's latest operator event (a correlated subquery), else None."""
    return (
        select(func.max(SendingEvent.at))
        .where(SendingEvent.sending_id == Sending.id, SendingEvent.source != PORTAL_SOURCE)
        .correlate(Sending)
        .scalar_subquery()
    )


def stuck_condition(now: datetime):
    """The SQL condition of a stuck sending at ``now`` (see :data:`STUCK_AFTER`)."""
    heard = func.coalesce(_last_operator_event_at(), Sending.handed_over_at)
    at_operator = [
        and_(
            Sending.channel == channel,
            Sending.state.in_(AT_THE_OPERATOR),
            or_(heard.is_(None), heard < now - after),
        )
        for channel, after in STUCK_AFTER.items()
    ]
    claimed = func.coalesce(Sending.claimed_at, Sending.due_at)
    due = and_(Sending.state == SendingState.DUE, claimed < now - DUE_STUCK_AFTER)
    return or_(*at_operator, due)


@handler(Access.STAFF)
def sendings():
    """Sendings of every tenant (or one), newest first, with the count of each state."""
    form = SendingFilterForm(request.args)
    form.tenant.choices = tenant_choices(_("Tous les portails"))
    form.state.choices = [("", _("Tous les états"))] + [
        (state, str(label)) for state, label in SENDING_STATE.items()
    ]
    form.channel.choices = [("", _("Tous les canaux"))] + [
        (channel, str(label)) for channel, label in SENDING_CHANNEL.items()
    ]
    form.validate()
    state = _enum_arg(SendingState, form.state.data)
    channel = _enum_arg(Channel, form.channel.data)
    tenant_id = int_arg(form.tenant.data)
    conditions = []
    if tenant_id is not None:
        conditions.append(Sending.tenant_id == tenant_id)
    if channel is not None:
        conditions.append(Sending.channel == channel)
    if form.q.data:
        wanted = form.q.data
        conditions.append(
            or_(
                Sending.reference == wanted.upper(),
                Sending.delivery_id == wanted,
                Sending.operator_ref == wanted,
                Sending.tracking_number == wanted,
                Sending.reference.ilike(f"%{_escape_like(wanted)}%", escape="\\"),
            )
        )
    counts = dict(
        db.session.execute(
            select(Sending.state, func.count()).where(*conditions).group_by(Sending.state)
        ).all()
    )
    if state is not None:
        conditions.append(Sending.state == state)
    results = db.paginate(
        select(Sending).where(*conditions).order_by(Sending.created_at.desc(), Sending.id.desc()),
        page=request.args.get("page", 1, type=int),
        per_page=PER_PAGE,
        error_out=False,
    )
    return render_template(
        "backoffice/sendings/list.html",
        form=form,
        results=results,
        counts=[(SendingState(code), counts.get(SendingState(code), 0)) for code in SENDING_STATE],
        tenant_names=_tenant_names(),
        stuck=db.session.scalar(
            select(func.count()).select_from(Sending).where(stuck_condition(clock.now()))
        ),
    )


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@handler(Access.STAFF)
def stuck():
    """Sendings the operator has gone quiet about, or due and never handed over."""
    now = clock.now()
    form = SendingFilterForm(request.args)
    form.tenant.choices = tenant_choices(_("Tous les portails"))
    form.validate()
    tenant_id = int_arg(form.tenant.data)
    conditions = [stuck_condition(now)]
    if tenant_id is not None:
        conditions.append(Sending.tenant_id == tenant_id)
    results = db.paginate(
        select(Sending).where(*conditions).order_by(Sending.id),
        page=request.args.get("page", 1, type=int),
        per_page=PER_PAGE,
        error_out=False,
    )
    rows = [_StuckRow(sending, heard) for sending, heard in _rows(results)]
    return render_template(
        "backoffice/sendings/stuck.html",
        form=form,
        results=results,
        rows=rows,
        tenant_names=_tenant_names(),
        thresholds=STUCK_AFTER,
        due_after=DUE_STUCK_AFTER,
        duration=duration,
    )


def duration(span: timedelta) -> str:
    """« 48 heures », « 5 jours », « 15 minutes »: a threshold in words."""
    minutes = int(span.total_seconds() // 60)
    if minutes % (24 * 60) == 0 and minutes >= 72 * 60:
        days = minutes // (24 * 60)
        return ngettext("%(num)d jour", "%(num)d jours", days)
    if minutes % 60 == 0:
        return ngettext("%(num)d heure", "%(num)d heures", minutes // 60)
    return ngettext("%(num)d minute", "%(num)d minutes", minutes)


def _rows(results):
    """The (sending, time of its last operator event) pairs of a page."""
    ids = [sending.id for sending in results.items]
    heard = dict(
        db.session.execute(
            select(SendingEvent.sending_id, func.max(SendingEvent.at))
            .where(SendingEvent.sending_id.in_(ids), SendingEvent.source != PORTAL_SOURCE)
            .group_by(SendingEvent.sending_id)
        ).all()
    )
    return [(sending, heard.get(sending.id)) for sending in results.items]


@dataclass(frozen=True)
class _StuckRow:
    sending: Sending
    last_operator_event_at: datetime | None

    @property
    def quiet_since(self) -> datetime | None:
        """Since when nothing came: the last operator event, else the hand-over (or the claim)."""
        sending = self.sending
        if sending.state == SendingState.DUE:
            return sending.claimed_at or sending.due_at
        return self.last_operator_event_at or sending.handed_over_at


ONE_SENDING = {"sending_id": Sending}


class OtherOperator(Exception):
    """The sending was handed to another operator than the one configured now: asking this
    one about it would answer nothing true."""

    def __init__(self, sending: Sending, configured: str):
        self.message = _(
            "Cet envoi a été remis à l'opérateur %(then)s ; l'opérateur configuré aujourd'hui "
            "est %(now)s : il ne peut rien en dire.",
            then=sending_operator_label(sending.operator),
            now=sending_operator_label(configured),
        )
        super().__init__(self.message)


def _operator_of(sending: Sending):
    """The configured operator of the sending's channel, if it is the one that has it."""
    operator = operator_for(sending.channel)
    if sending.operator and sending.operator != operator.name:
        raise OtherOperator(sending, operator.name)
    return operator


@handler(Access.STAFF, load=ONE_SENDING)
def sending(sending: Sending):
    """A sending: what it is, its timeline, its proofs, and the reconcile button for admins."""
    return render_template(
        "backoffice/sendings/sending.html",
        sending=sending,
        tenant_name=_tenant_names().get(sending.tenant_id, ""),
        account=db.session.get(Account, sending.account_id),
        is_stuck=_is_stuck(sending),
        reconcile_form=ReconcileForm() if current_staff().is_admin else None,
    )


def _is_stuck(sending: Sending) -> bool:
    return bool(
        db.session.scalar(
            select(func.count())
            .select_from(Sending)
            .where(Sending.id == sending.id, stuck_condition(clock.now()))
        )
    )


@handler(Access.STAFF, load=ONE_SENDING)
def operator_events(sending: Sending):
    """What the operator answers about the sending now, verbatim, next to what the portal
    applied (by the operator's event id)."""
    applied = {event.event_id: event for event in sending.events if event.event_id}
    answer = error = None
    operator_name = None
    if sending.operator_ref:
        try:
            operator = _operator_of(sending)
            operator_name = operator.name
            with tenant_scope(sending.tenant_id):
                answer = operator.events(sending.operator_ref)
        except OtherOperator as exc:
            error = exc.message
        except OperatorUnavailable:
            error = _("L'opérateur ne répond pas pour l'instant ; réessayez plus tard.")
        except (ValueError, LookupError):
            error = _("L'opérateur ne connaît pas cette référence.")
    return render_template(
        "backoffice/sendings/operator_events.html",
        sending=sending,
        tenant_name=_tenant_names().get(sending.tenant_id, ""),
        operator_name=operator_name,
        answer=answer,
        error=error,
        applied=applied,
        reconcile_form=ReconcileForm() if current_staff().is_admin else None,
    )


@handler(Access.STAFF, load={"sending_id": Sending, "proof_id": SendingProof})
def proof(sending: Sending, proof: SendingProof):
    """A proof of the sending, from the evidence archive (a download)."""
    from portal.core.evidence import EvidenceRecord

    if proof.sending_id != sending.id:
        abort(404)
    record = db.session.get(EvidenceRecord, proof.evidence_record_id)
    if record is None or not record.storage_key:
        abort(404)  # purged past its retention
    return send_stored_file(
        record.storage_key,
        download_name=proof.filename or record.filename,
        mimetype=record.content_type or "application/pdf",
    )


@handler(Access.ADMIN, load=ONE_SENDING)
def reconcile(sending: Sending):
    """Ask the operator about the sending and apply what it says, once (audited).

    A sending the operator has a reference for: its events go through the lifecycle's
    ``apply_operator_events`` as ``staff`` (each event id applies once, whoever brings it). A
    due sending without a reference: ``find`` on its delivery id says whether the operator has
    it (recorded as handed over if so; never sent from here)."""
    back = redirect(url_for("backoffice.sendings_sending", sending_id=sending.id))
    if not ReconcileForm().validate_on_submit():
        flash(_("La demande a expiré ; recommencez."), "error")
        return back
    staff = current_staff()
    try:
        operator = _operator_of(sending)
        with tenant_scope(sending.tenant_id):
            outcome = _reconcile(sending, operator)
    except OtherOperator as exc:
        flash(exc.message, "error")
        return back
    except OperatorUnavailable:
        flash(_("L'opérateur ne répond pas : rien n'a changé. Réessayez plus tard."), "error")
        return back
    if outcome is None:
        flash(_("Cet envoi n'a rien à rapprocher : il n'a pas encore été remis."), "info")
        return back
    audit.record(
        "sendings.reconciled",
        **audit.by_staff(staff, sending.tenant_id),
        target=sending,
        reference=sending.reference,
        operator=operator.name,
        **outcome,
    )
    if "applied" in outcome:
        received = ngettext(
            "%(num)d événement reçu de l'opérateur",
            "%(num)d événements reçus de l'opérateur",
            outcome["events"],
        )
        applied = ngettext(
            "%(num)d nouveau appliqué", "%(num)d nouveaux appliqués", outcome["applied"]
        )
        flash(
            _(
                "Rapprochement fait : %(received)s ; %(applied)s.",
                received=received,
                applied=applied,
            ),
            "success",
        )
    elif outcome["found"]:
        flash(_("L'opérateur a cet envoi : il est noté comme remis, sous sa référence."), "success")
    else:
        flash(
            _(
                "L'opérateur n'a pas cet envoi : la remise automatique le lui confiera à son "
                "prochain passage, une seule fois."
            ),
            "info",
        )
    return back


def _reconcile(sending: Sending, operator) -> dict | None:
    """What the reconcile did (the audit's details), or None when there was nothing to ask."""
    from portal.core.sendings.operations import apply_operator_events, lock, record_handover

    lock(sending)
    if sending.operator_ref:
        events = operator.events(sending.operator_ref)
        added = apply_operator_events(sending.channel, events, source="staff")
        return {"events": len(events), "applied": len(added)}
    if sending.state == SendingState.DUE:
        # Never handed over as far as the portal knows: the operator may hold it all the same
        # (a crash after it took it). Found, it is recorded; not found, the hand-over's sweep
        # gives it to the operator (once: the sweep asks ``find`` first too).
        accepted = operator.find(sending.delivery_id)
        if accepted is not None:
            record_handover(sending, accepted, operator.name, reconciled=True)
        return {"found": accepted is not None}
    return None


@hookimpl
def backoffice_pages():
    post = ("POST",)
    return [
        BackofficePage("/envois", "sendings", sendings),
        BackofficePage("/envois/bloques", "sendings_stuck", stuck),
        BackofficePage("/envois/<int:sending_id>", "sendings_sending", sending),
        BackofficePage(
            "/envois/<int:sending_id>/operateur", "sendings_operator_events", operator_events
        ),
        BackofficePage("/envois/<int:sending_id>/preuves/<int:proof_id>", "sendings_proof", proof),
        BackofficePage(
            "/envois/<int:sending_id>/rapprocher", "sendings_reconcile", reconcile, post
        ),
    ]


@hookimpl
def backoffice_menu_items():
    # One entry: the list leads to the stuck ones (it counts them first).
    return [BackofficeMenuItem(_l("Envois"), "sendings", order=250)]
