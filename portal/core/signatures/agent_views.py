"""The agent's pages of signature procedures: the account's procedures, one procedure's follow-up
(each signer's state and history, the documents), and what the agent may do with it (open the
signer's pages on this screen when the client is present, send the invitation again, cancel).

Every procedure is loaded through the current account (``Load`` by reference, limited to the
account's rows by the pipeline): another account's or another tenant's reference is a 404.
The URL rules live in :mod:`.blueprint` (endpoint prefix ``signature_procedures``).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import to_user_timezone
from sqlalchemy import select

from portal.core.accounts import current_account, current_profile
from portal.core.i18n import format_date
from portal.core.signatures.agent_forms import CancelProcedureForm
from portal.core.signatures.models import (
    FINAL_STATES,
    ProcedureSigner,
    ProcedureState,
    SignatureProcedure,
    SignerEvent,
    SignerState,
)
from portal.core.signatures.providers.base import Delivery
from portal.core.storage import send_stored_file
from portal.core.web.pipeline import Access, Load, handler
from portal.extensions import db

PER_PAGE = 20

PROCEDURE = {"reference": Load(SignatureProcedure, column="reference", name="procedure")}

PROCEDURE_STATES = {
    ProcedureState.CREATED: _l("Créée"),
    ProcedureState.ONGOING: _l("En cours de signature"),
    ProcedureState.SIGNED: _l("Signée"),
    ProcedureState.DECLINED: _l("Refusée"),
    ProcedureState.EXPIRED: _l("Expirée"),
    ProcedureState.CANCELLED: _l("Annulée"),
}

SIGNER_STATES = {
    SignerState.WAITING: _l("En attente de son tour"),
    SignerState.INVITED: _l("Invité à signer"),
    SignerState.OPENED: _l("Lien ouvert"),
    SignerState.SIGNED: _l("A signé"),
    SignerState.DECLINED: _l("A refusé de signer"),
}


def procedure_state_label(state) -> str:
    return str(PROCEDURE_STATES.get(ProcedureState(state), state))


def signer_state_label(state) -> str:
    return str(SIGNER_STATES.get(SignerState(state), state))


def event_label(event: SignerEvent, signer: ProcedureSigner | None = None) -> str:
    """One line of a history, in the reader's language (« Code envoyé au +33 6 •• •• •• 78 »)."""
    details = event.details or {}
    kind = event.kind
    if kind == "invited":
        if details.get("delivery") == Delivery.IN_PERSON:
            return _("Prêt à signer en votre présence")
        return _("Invitation envoyée")
    if kind == "invitation_bounced":
        return _("Invitation non remise")
    if kind == "reminded":
        key = str(details.get("key") or "")
        if key.endswith("h") and key[:-1].isdigit():
            return _("Relance envoyée (%(hours)s h avant la date limite)", hours=key[:-1])
        return _("Relance envoyée")
    if kind == "opened":
        return _("Lien ouvert")
    if kind == "link_opened_by_agent":
        return _("Signature ouverte sur l'écran de l'agent")
    if kind == "identity_uploaded":
        return _("Pièce d'identité transmise")
    if kind == "boxes_accepted":
        return _("Document lu et cases cochées")
    if kind == "code_sent":
        return _("Code envoyé au %(mobile)s", mobile=_masked_mobile(details, signer))
    if kind == "code_failed":
        return _("Code erroné saisi")
    if kind == "signed":
        return _("Signé")
    if kind == "declined":
        reason = details.get("reason") or (signer.decline_reason if signer else None)
        return _("Refusé : %(reason)s", reason=reason) if reason else _("Refusé")
    if kind == "created":
        return _("Procédure créée")
    if kind == "started":
        return _("Procédure démarrée")
    if kind == "expired":
        return _("Date limite dépassée : procédure interrompue")
    if kind == "cancelled":
        reason = details.get("reason")
        if reason:
            return _("Procédure annulée : %(reason)s", reason=reason)
        return _("Procédure annulée")
    if kind == "completed":
        return _("Procédure terminée : tous les documents sont signés")
    return kind


def _masked_mobile(details: dict, signer: ProcedureSigner | None) -> str:
    from portal.core.signatures.rules import mask_mobile

    shown = details.get("masked_mobile") or details.get("mobile")
    if shown and "•" in shown:
        return shown
    number = shown or (signer.mobile if signer else None)
    return mask_mobile(number) if number else "—"


def deadline_parts(deadline: datetime) -> dict[str, str]:
    """The deadline in the tenant's time zone: « 25/02/2021 » and « 20h00 » (manual §5)."""
    local = to_user_timezone(deadline)
    hour, minute = str(local.hour).zfill(2), str(local.minute).zfill(2)
    return {
        "date": format_date(local.date(), "short"),
        "time": _("%(hour)sh%(minute)s", hour=hour, minute=minute),
    }


def menu_items(tenant, account, profile):
    """« Signatures électroniques » in the « Mon compte » menu, for professional accounts (a
    member of a fund never asks for a signature). Wired by the module's ``account_menu_items``."""
    from portal.core.accounts.kinds import account_area
    from portal.core.plugins import NavItem

    if not account_area(tenant).professional:
        return []
    return [
        NavItem(
            label=_l("Signatures électroniques"),
            endpoint="signature_procedures.index",
            order=35,
        )
    ]


# --- pages ----------------------------------------------------------------------------------------


@handler(Access.PROFILE)
def index():
    query = (
        select(SignatureProcedure)
        .where(SignatureProcedure.account_id == current_account().id)
        .order_by(SignatureProcedure.created_at.desc(), SignatureProcedure.id.desc())
    )
    pages = db.paginate(
        query, page=request.args.get("page", 1, type=int), per_page=PER_PAGE, error_out=False
    )
    return render_template(
        "signatures/agent/index.html",
        pages=pages,
        state_label=procedure_state_label,
        deadline_parts=deadline_parts,
    )


@handler(Access.PROFILE, load=PROCEDURE)
def detail(procedure: SignatureProcedure):
    return _detail_page(procedure, CancelProcedureForm())


def _detail_page(procedure: SignatureProcedure, cancel_form: CancelProcedureForm, status=200):
    from portal.core.signatures.rules import aware, mask_mobile, signer_turn

    by_signer: dict[int | None, list[SignerEvent]] = defaultdict(list)
    for event in procedure.events:
        by_signer[event.signer_id].append(event)
    ongoing = procedure.state == ProcedureState.ONGOING
    turn = {signer.id for signer in signer_turn(procedure.signers, procedure.ordered)}
    # Whose turn it is, and who has not answered yet: the only signers an agent may act for.
    may_act = {
        signer.id
        for signer in procedure.signers
        if ongoing
        and signer.id in turn
        and signer.state not in (SignerState.SIGNED, SignerState.DECLINED)
    }
    in_person = procedure.delivery == Delivery.IN_PERSON
    return (
        render_template(
            "signatures/agent/detail.html",
            procedure=procedure,
            events=by_signer,
            event_label=event_label,
            masked_mobile=mask_mobile,
            aware=aware,
            state_label=procedure_state_label,
            signer_state_label=signer_state_label,
            deadline=deadline_parts(procedure.deadline),
            may_open=may_act if in_person else set(),
            may_resend=set() if in_person else may_act,
            in_person=in_person,
            signed=procedure.state == ProcedureState.SIGNED,
            may_cancel=procedure.state not in FINAL_STATES,
            cancel_form=cancel_form,
            confirm_cancel=request.args.get("annuler") == "1" or bool(cancel_form.errors),
        ),
        status,
    )


def _signer(procedure: SignatureProcedure, signer_id: int) -> ProcedureSigner:
    for signer in procedure.signers:
        if signer.id == signer_id:
            return signer
    abort(404)


@handler(Access.PROFILE, load=PROCEDURE)
def cancel(procedure: SignatureProcedure):
    from portal.core.signatures import operations
    from portal.core.signatures.errors import SignatureError

    if procedure.state in FINAL_STATES:
        flash(_("Cette procédure est déjà terminée : elle ne peut plus être annulée."), "info")
        return redirect(url_for(".detail", reference=procedure.reference))
    form = CancelProcedureForm()
    if not form.validate_on_submit():
        return _detail_page(procedure, form, status=422)
    try:
        operations.cancel_procedure(
            procedure, reason=form.reason.data or None, profile=current_profile()
        )
    except SignatureError as exc:
        flash(exc.message, "error")
    else:
        flash(_("La procédure de signature est annulée."), "success")
    return redirect(url_for(".detail", reference=procedure.reference))


@handler(Access.PROFILE, load=PROCEDURE)
def open_signer(procedure: SignatureProcedure, signer_id: int):
    """In person: the signer's pages open on the agent's screen, the client beside them."""
    from portal.core.signatures import operations
    from portal.core.signatures.errors import SignatureError

    signer = _signer(procedure, signer_id)
    if procedure.delivery != Delivery.IN_PERSON:
        abort(404)
    try:
        url = operations.open_for_agent(procedure, signer, current_profile())
    except SignatureError as exc:
        flash(exc.message, "error")
        return redirect(url_for(".detail", reference=procedure.reference))
    return redirect(url)


@handler(Access.PROFILE, load=PROCEDURE)
def resend(procedure: SignatureProcedure, signer_id: int):
    from portal.core.signatures import notifications

    signer = _signer(procedure, signer_id)
    if procedure.state != ProcedureState.ONGOING or signer.state in (
        SignerState.WAITING,
        SignerState.SIGNED,
        SignerState.DECLINED,
    ):
        flash(_("Ce signataire ne peut plus recevoir d'invitation."), "info")
    else:
        notifications.queue_invitation(signer)
        flash(_("Invitation renvoyée à %(email)s.", email=signer.email), "success")
    return redirect(url_for(".detail", reference=procedure.reference))


@handler(Access.PROFILE, load=PROCEDURE)
def signed_file(procedure: SignatureProcedure, position: int):
    """A signed document, once every signer has signed."""
    document = next((d for d in procedure.documents if d.position == position), None)
    if document is None or procedure.state != ProcedureState.SIGNED:
        abort(404)
    if not document.signed_storage_key:
        abort(404)
    stem = document.filename.rsplit(".", 1)[0] or "document"
    return send_stored_file(
        document.signed_storage_key,
        download_name=f"{stem}-signe.pdf",
        mimetype="application/pdf",
    )


@handler(Access.PROFILE, load=PROCEDURE)
def audit_trail(procedure: SignatureProcedure):
    """The procedure's sealed audit trail (« Dossier de preuve »), once it is complete."""
    from portal.core.evidence import EvidenceRecord

    if procedure.audit_trail_record_id is None:
        abort(404)
    record = db.session.get(EvidenceRecord, procedure.audit_trail_record_id)
    if record is None or not record.storage_key:
        abort(404)
    return send_stored_file(
        record.storage_key,
        download_name=f"dossier-de-preuve-{procedure.reference}.pdf",
        mimetype="application/pdf",
    )
