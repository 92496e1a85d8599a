"""The sandbox printer's proofs: preuve de dépôt, preuve de distribution, avis de retour and the
scanned, signed AR card — each a PDF rendered for the sending's tenant and sealed (invisible
PAdES seal) in the printer's name, as an outside operator would issue them."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from portal.core import clock
from portal.core.sendings.operators.base import ProofFile, ProofKind
from portal.core.sendings.operators.paper_sandbox import rules

PRINTER_NAME = "Imprimerie postale du bac à sable"
TEMPLATES = {
    ProofKind.DEPOSIT: "paper_sandbox/pdf/proof.html",
    ProofKind.DELIVERY: "paper_sandbox/pdf/proof.html",
    ProofKind.RETURN: "paper_sandbox/pdf/proof.html",
    ProofKind.AR_SCAN: "paper_sandbox/pdf/ar_card.html",
}
TITLES = {
    ProofKind.DEPOSIT: "Preuve de dépôt",
    ProofKind.DELIVERY: "Preuve de distribution",
    ProofKind.RETURN: "Avis de retour du pli non distribué",
    ProofKind.AR_SCAN: "Avis de réception signé (numérisé)",
}
FILENAMES = {
    ProofKind.DEPOSIT: "preuve-de-depot",
    ProofKind.DELIVERY: "preuve-de-distribution",
    ProofKind.RETURN: "avis-de-retour",
    ProofKind.AR_SCAN: "avis-de-reception",
}
MODE_LABELS = {
    "ecopli": "Ecopli",
    "lettre_verte": "Lettre verte",
    "lettre_suivie": "Lettre suivie",
    "recommande": "Lettre recommandée",
    "recommande_ar": "Lettre recommandée avec avis de réception",
}


def filename(kind: ProofKind, reference: str) -> str:
    return f"{FILENAMES[kind]}-{reference}.pdf"


def issue(kind: ProofKind, job, step: rules.Step) -> ProofFile:
    """The sealed PDF of ``kind`` for ``job`` at ``step``."""
    from portal.core.pdf import render_pdf
    from portal.core.signatures.sealing import seal_pdf
    from portal.core.tenants import tenant_directory

    tenant = tenant_directory().by_id(job.tenant_id)
    if tenant is None:
        raise LookupError(f"tenant {job.tenant_id} of print job {job.reference} is gone")
    zone = ZoneInfo(tenant.config.timezone)
    at = step.at.astimezone(zone)
    title = TITLES[kind]
    pdf = render_pdf(
        TEMPLATES[kind],
        tenant=tenant,
        locale="fr",
        kind=kind.value,
        title=title,
        printer=PRINTER_NAME,
        job=job,
        mode_label=MODE_LABELS.get(job.mode, job.mode),
        code=step.code,
        label=rules.label(step.code),
        detail=step.detail,
        at=at.strftime("%d/%m/%Y à %H:%M"),
        day=at.strftime("%d/%m/%Y"),
        received_at=job.received_at.astimezone(zone).strftime("%d/%m/%Y à %H:%M"),
        recipient_lines=_lines(job.recipient),
        sender_lines=_lines(job.sender),
    )
    sealed = seal_pdf(
        pdf,
        signer_name=PRINTER_NAME,
        signed_at=clock.now(),
        field_name="PreuvePostale",
        reason=f"{title} {job.reference}",
        visible=False,
        timezone=tenant.config.timezone,
    )
    return ProofFile(kind=kind, filename=filename(kind, job.reference), content=sealed)


def _lines(party: dict) -> list[str]:
    lines = [
        party.get("company") or "",
        party.get("name") or "",
        *(party.get("address_lines") or []),
    ]
    lines.append(f"{party.get('postal_code') or ''} {party.get('city') or ''}".strip())
    if (party.get("country") or "FR") != "FR":
        lines.append(party["country"])
    return [line for line in lines if line and line.strip()]
