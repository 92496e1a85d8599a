"""The audit trail of a signature procedure (« dossier de preuve »): who signed what, when, from
where, with which code sent to which number, and each document's SHA-256 before and after
signing — an A4 PDF in French, sealed by the platform so that any later change shows.

Everything the template shows is gathered here into plain data first: the template never
touches the database (it renders in the tenant's own app context).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from flask_babel import gettext as _

from portal.core import clock
from portal.core.signatures.sealing.keys import certificate_fingerprint, sealing_identity
from portal.core.signatures.sealing.pades import seal_pdf

TEMPLATE = "signatures/pdf/audit_trail.html"
FIELD_NAME = "DossierDePreuve"


@dataclass
class TrailEvent:
    at: str
    kind: str
    signer: str
    ip: str
    user_agent: str
    details: dict[str, Any]


@dataclass
class TrailSigner:
    position: int
    name: str
    email: str
    mobile_masked: str
    state: str
    invited_at: str
    opened_at: str
    signed_at: str
    declined_at: str
    decline_reason: str
    ip: str
    user_agent: str
    identity_document: str
    codes_sent_to: list[str] = field(default_factory=list)
    signatures: list[dict] = field(default_factory=list)  # per document: sha before / after


@dataclass
class TrailBox:
    label: str
    required: bool
    ticked_by: list[str]


@dataclass
class TrailDocument:
    position: int
    title: str
    filename: str
    role: str
    page_count: int
    sha256: str
    signed_sha256: str
    boxes: list[TrailBox]


def render_audit_trail(procedure) -> bytes:
    """The procedure's audit trail as a PDF sealed by the platform (in the name of the tenant's
    legal entity, with a visible seal block at the bottom of the last page)."""
    from portal.core.pdf import render_pdf
    from portal.core.tenants.resolver import tenant_directory

    tenant = tenant_directory().by_id(procedure.tenant_id)
    if tenant is None:
        raise LookupError(f"tenant {procedure.tenant_id} of {procedure.reference} is gone")
    zone = ZoneInfo(tenant.config.timezone)
    trail = audit_trail_data(procedure, zone)
    pdf = render_pdf(TEMPLATE, tenant=tenant, locale="fr", trail=trail)
    from portal.core.i18n import force_locale

    with force_locale("fr"):
        reason = _("Dossier de preuve de la procédure %(reference)s", reference=procedure.reference)
    return seal_pdf(
        pdf,
        signer_name=tenant.config.legal.entity or "Plateforme",
        signed_at=clock.now(),
        field_name=FIELD_NAME,
        reason=reason,
        timezone=tenant.config.timezone,
    )


def audit_trail_data(procedure, zone: ZoneInfo) -> dict:
    """What the audit trail shows, as plain values (times already in ``zone``)."""

    def moment(value: datetime | None) -> str:
        return _format(value, zone, "d MMMM y 'à' HH:mm:ss")

    def short(value: datetime | None) -> str:
        return _format(value, zone, "dd/MM/y HH:mm:ss")

    names = {s.id: s.full_name for s in procedure.signers}
    boxes_by_id = {
        box.id: (document.position, box)
        for document in procedure.documents
        for box in document.acceptance_boxes
    }
    events = list(procedure.events)
    signers = []
    for signer in procedure.signers:
        own = [e for e in events if e.signer_id == signer.id]
        signed = next((e for e in reversed(own) if e.kind == "signed"), None)
        identity = next((e for e in reversed(own) if e.kind == "identity_uploaded"), None)
        signers.append(
            TrailSigner(
                position=signer.position,
                name=signer.full_name,
                email=signer.email,
                mobile_masked=_mask(signer.mobile),
                state=str(signer.state),
                invited_at=moment(signer.invited_at),
                opened_at=moment(signer.opened_at),
                signed_at=moment(signer.signed_at),
                declined_at=moment(signer.declined_at),
                decline_reason=signer.decline_reason or "",
                ip=signer.ip or "",
                user_agent=signer.user_agent or "",
                identity_document=(
                    f"{identity.details.get('filename', '')} "
                    f"(SHA-256 {identity.details.get('sha256', '')})"
                    if identity is not None
                    else signer.identity_document_filename or ""
                ),
                codes_sent_to=sorted(
                    {e.details.get("mobile", "") for e in own if e.kind == "code_sent"} - {""}
                ),
                signatures=list((signed.details or {}).get("documents", [])) if signed else [],
            )
        )
    documents = []
    for document in procedure.documents:
        trail_boxes = []
        for box in document.acceptance_boxes:
            ticked_by = [
                s.full_name for s in procedure.signers if box.id in (s.accepted_box_ids or [])
            ]
            trail_boxes.append(TrailBox(box.label, bool(box.required), ticked_by))
        documents.append(
            TrailDocument(
                position=document.position,
                title=document.title,
                filename=document.filename,
                role=str(document.role),
                page_count=document.page_count,
                sha256=document.sha256,
                signed_sha256=document.signed_sha256 or "",
                boxes=trail_boxes,
            )
        )
    trail_events = []
    for event in events:
        details = dict(event.details or {})
        if event.kind == "boxes_accepted":
            details["labels"] = [
                boxes_by_id[box_id][1].label
                for box_id in details.get("boxes", [])
                if box_id in boxes_by_id
            ]
        trail_events.append(
            TrailEvent(
                at=short(event.at),
                kind=event.kind,
                signer=names.get(event.signer_id, ""),
                ip=event.ip or "",
                user_agent=event.user_agent or "",
                details=details,
            )
        )
    account = _account(procedure)
    profile = _profile(procedure)
    identity = sealing_identity()
    return {
        "reference": procedure.reference,
        "title": procedure.title,
        "owner": procedure.owner,
        "state": str(procedure.state),
        "delivery": str(procedure.delivery),
        "ordered": bool(procedure.ordered),
        "require_identity_document": bool(procedure.require_identity_document),
        "account": account.display_name if account is not None else "",
        "profile": profile.name if profile is not None else "",
        "created_at": moment(procedure.created_at),
        "started_at": moment(procedure.started_at),
        "completed_at": moment(procedure.completed_at),
        "deadline": moment(procedure.deadline),
        "cancel_reason": procedure.cancel_reason or "",
        "generated_at": moment(clock.now()),
        "timezone": zone.key,
        "signers": signers,
        "documents": documents,
        "events": trail_events,
        "seal_certificate": identity.name,
        "seal_fingerprint": certificate_fingerprint(identity.certificate),
        "seal_source": identity.source,
    }


def _format(value: datetime | None, zone: ZoneInfo, pattern: str) -> str:
    if value is None:
        return ""
    if value.tzinfo is None:  # SQLite gives naive UTC datetimes back
        from datetime import UTC

        value = value.replace(tzinfo=UTC)
    return format_datetime(value.astimezone(zone), pattern, locale="fr_FR")


def _mask(mobile: str | None) -> str:
    from portal.core.signatures.rules import mask_mobile

    return mask_mobile(mobile)


def _account(procedure):
    if getattr(procedure, "account_id", None) is None:
        return None
    from portal.core.accounts.models import Account
    from portal.extensions import db

    return db.session.get(Account, procedure.account_id)


def _profile(procedure):
    if getattr(procedure, "profile_id", None) is None:
        return None
    from portal.core.accounts.models import Profile
    from portal.extensions import db

    return db.session.get(Profile, procedure.profile_id)
