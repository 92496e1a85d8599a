"""The sandbox operator's proofs: one PDF per state (deposit, notification, acceptance, refusal,
negligence) carrying the fields of CPCE art. R53-2 and R53-3 — the sender's and the recipient's
identity and email, the letter's unique id, the time of each step, the documents' fingerprints —
sealed invisibly (PAdES) in the operator's name, as a qualified provider seals its proofs."""

from __future__ import annotations

from datetime import datetime

from portal.core import clock
from portal.core.sendings.operators.base import ProofFile, ProofKind
from portal.core.sendings.operators.lre_sandbox.models import LreSandboxDeposit
from portal.core.sendings.operators.lre_sandbox.rules import OPERATOR_ZONE, aware

OPERATOR_NAME = "Bac à sable LRE"
TEMPLATE = "lre_sandbox/proof.html"

# The operator's own words: proofs are legal documents, issued in French.
TITLES = {
    ProofKind.DEPOSIT: "Preuve de dépôt",
    ProofKind.NOTIFICATION: "Preuve d'envoi (notification du destinataire)",
    ProofKind.ACCEPTANCE: "Preuve de réception (accusé de réception)",
    ProofKind.REFUSAL: "Preuve de refus",
    ProofKind.NEGLIGENCE: "Preuve de négligence (lettre non réclamée)",
}
FILENAMES = {
    ProofKind.DEPOSIT: "preuve-depot",
    ProofKind.NOTIFICATION: "preuve-envoi",
    ProofKind.ACCEPTANCE: "preuve-reception",
    ProofKind.REFUSAL: "preuve-refus",
    ProofKind.NEGLIGENCE: "preuve-negligence",
}


def _when(value: datetime | None) -> str:
    value = aware(value)
    if value is None:
        return ""
    local = value.astimezone(OPERATOR_ZONE)
    return local.strftime("%d/%m/%Y à %H:%M:%S (%Z)") + " — " + value.isoformat()


def make_proof(deposit: LreSandboxDeposit, kind: ProofKind, at: datetime, tenant) -> ProofFile:
    """Render and seal ``kind``'s proof of ``deposit`` as of ``at``."""
    from portal.core.pdf import render_pdf
    from portal.core.signatures.sealing import seal_pdf

    pdf = render_pdf(
        TEMPLATE,
        tenant=tenant,
        locale="fr",
        title=TITLES[kind],
        kind=kind.value,
        deposit=deposit,
        operator_name=OPERATOR_NAME,
        level="LRE qualifiée eIDAS" if deposit.qualified else "LRE simple",
        at=_when(at),
        deposited_at=_when(deposit.deposited_at),
        notified_at=_when(deposit.notified_at),
        expires_at=_when(deposit.expires_at),
        identified_at=_when(deposit.identified_at),
        issued_at=_when(clock.now()),
        documents=[(doc.filename, doc.sha256) for doc in deposit.documents],
    )
    sealed = seal_pdf(
        pdf,
        signer_name=OPERATOR_NAME,
        signed_at=clock.now(),
        field_name="PreuveLRE",
        reason=f"{TITLES[kind]} — {deposit.reference}",
        visible=False,
        timezone="Europe/Paris",
    )
    return ProofFile(kind, f"{FILENAMES[kind]}-{deposit.reference}.pdf", sealed)
