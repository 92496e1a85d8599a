"""Request handlers: a sent letter's proofs (one by one, or all in a ZIP) and the letter page's
tracking panel (``resiliation/tracking/_panel.html``, fed by ``resiliation_tracking_panel``)."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field

from flask import Response, abort, flash, redirect, url_for

from plugins.resiliation import tracking
from plugins.resiliation.i18n import _, ngettext
from plugins.resiliation.models import Letter, LetterState
from portal.core.sendings import proof_bytes, proofs_zip
from portal.core.sendings.models import SendingProof
from portal.core.web.pipeline import Access, handler

LOAD = {"letter_id": Letter}


@dataclass
class ProofRow:
    id: int
    label: str
    filename: str
    received_at: object  # Paris time


@dataclass
class SendingBlock:
    """One sending of the letter on its page: its reference, whether it is a re-send, its
    timeline and its proofs."""

    reference: str
    resent: bool
    lines: list = field(default_factory=list)
    proofs: list = field(default_factory=list)


@dataclass
class Panel:
    tracking: tracking.Tracking
    clock_text: str
    clock_open: bool
    blocks: list
    proof_count: int


def _clock_text(letter: Letter) -> tuple[str, bool]:
    clock = tracking.legal_clock(letter)
    if clock is None:
        return "", False
    notified = clock.notified_on.strftime("%d/%m/%Y")
    last = clock.last_day.strftime("%d/%m/%Y")
    if clock.open:
        left = ngettext("%(num)d jour restant", "%(num)d jours restants", clock.days_left)
        return (
            _(
                "Mis à disposition le %(notified)s — le destinataire a jusqu'au %(last)s pour "
                "l'accepter (%(left)s).",
                notified=notified,
                last=last,
                left=left,
            ),
            True,
        )
    return (
        _(
            "Mis à disposition le %(notified)s — le destinataire avait jusqu'au %(last)s pour "
            "l'accepter.",
            notified=notified,
            last=last,
        ),
        False,
    )


def panel(letter: Letter) -> Panel | None:
    """What the letter page's tracking panel shows (None for a draft)."""
    if letter.state == LetterState.DRAFT or letter.sending is None:
        return None
    blocks = []
    count = 0
    for position, sending in enumerate(tracking.sendings_of(letter)):
        proofs = [
            ProofRow(
                proof.id,
                str(tracking.PROOF_LABELS.get(proof.kind, proof.kind)),
                proof.filename,
                tracking.paris(proof.received_at),
            )
            for proof in tracking.ordered_proofs(sending)
        ]
        count += len(proofs)
        blocks.append(
            SendingBlock(sending.reference, position > 0, tracking.timeline(sending), proofs)
        )
    text, is_open = _clock_text(letter)
    return Panel(tracking.state_of(letter), text, is_open, blocks, count)


def _proof_of(letter: Letter, proof_id: int) -> SendingProof:
    """A proof of one of the letter's sendings; 404 otherwise (another letter's, account's or
    tenant's)."""
    from portal.extensions import db

    proof = db.session.get(SendingProof, proof_id)
    if proof is None:
        abort(404)
    if proof.sending_id not in {sending.id for sending in tracking.sendings_of(letter)}:
        abort(404)
    return proof


def _back(letter: Letter):
    return redirect(url_for(".letter", letter_id=letter.id) + "#suivi")


@handler(Access.PROFILE, load=LOAD)
def proof(letter: Letter, proof_id: int):
    """One proof of the letter (deposit notice, acknowledgement, refusal, negligence…), as the
    operator sealed it."""
    row = _proof_of(letter, proof_id)
    try:
        content = proof_bytes(row)
    except LookupError:
        flash(_("Cette preuve n'est plus disponible (durée de conservation dépassée)."), "error")
        return _back(letter)
    response = Response(content, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{row.filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _all_proofs_zip(letter: Letter) -> bytes:
    """« Télécharger toutes les preuves »: the core's ZIP of the letter's sending; with a re-send,
    every sending's proofs in one ZIP (each in a folder named after its sending)."""
    sendings = [s for s in tracking.sendings_of(letter) if s.proofs]
    if len(sendings) == 1:
        return proofs_zip(sendings[0])
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for sending in sendings:
            for position, row in enumerate(sending.proofs, start=1):
                name = f"{sending.reference}/{position:02d}-{row.kind}-{row.filename}"
                archive.writestr(name, proof_bytes(row))
    return buffer.getvalue()


@handler(Access.PROFILE, load=LOAD)
def proofs_zip_download(letter: Letter):
    """Every proof of the letter in one ZIP."""
    if not any(sending.proofs for sending in tracking.sendings_of(letter)):
        flash(_("Cette lettre n'a pas encore de preuve à télécharger."), "error")
        return _back(letter)
    try:
        content = _all_proofs_zip(letter)
    except LookupError:
        flash(_("Certaines preuves ne sont plus disponibles (durée de conservation dépassée)."))
        return _back(letter)
    response = Response(content, mimetype="application/zip")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="preuves-{letter.reference}.zip"'
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def register(blueprint) -> None:
    """Add this module's URL rules to the plugin's blueprint."""
    blueprint.add_url_rule(
        "/lettres/<int:letter_id>/preuves/<int:proof_id>", "proof", proof, methods=["GET"]
    )
    blueprint.add_url_rule(
        "/lettres/<int:letter_id>/preuves.zip",
        "proofs_zip",
        proofs_zip_download,
        methods=["GET"],
    )
    blueprint.add_app_template_global(panel, "resiliation_tracking_panel")
