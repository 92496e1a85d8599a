"""What a mandate's e-signature outcome does to its letter (and to its send, held for it)."""

from __future__ import annotations

from sqlalchemy import select

from plugins.resiliation import sending
from plugins.resiliation.mandates.models import LetterMandate
from plugins.resiliation.models import Letter, LetterState, MandateKind
from portal.core import clock
from portal.extensions import db


def signature_outcome(tenant, procedure, outcome) -> None:
    """``outcome`` of the signature ``procedure`` of a letter's mandate (idempotent).

    Signed: the letter's mandate is electronic and ready, the signed PDF's proof recorded (the
    core archived it). Declined, expired or cancelled: not ready (the panel says why). Only the
    letter's current procedure counts: one replaced meanwhile changes nothing. A validated
    letter's send held for the signature is released once signed (the signed PDF replacing the
    pre-filled one), else cancelled and refunded (:mod:`plugins.resiliation.sending`)."""
    if procedure.subject_type != Letter.__name__ or procedure.subject_id is None:
        return
    row = db.session.scalar(
        select(LetterMandate).where(
            LetterMandate.letter_id == procedure.subject_id,
            LetterMandate.procedure_id == procedure.id,
        )
    )
    if row is None:
        return
    letter = db.session.get(Letter, procedure.subject_id)
    if letter is None:
        return
    if str(outcome) == "signed":
        document = next((d for d in procedure.documents if d.evidence_record_id), None)
        row.signed_evidence_id = document.evidence_record_id if document else None
        if letter.mandate_kind != MandateKind.ELECTRONIC or letter.mandate_ready_at is None:
            letter.mandate_kind = MandateKind.ELECTRONIC
            letter.mandate_ready_at = clock.aware(procedure.completed_at) or clock.now()
        if letter.state == LetterState.VALIDATED:
            sending.mandate_signed(letter)  # the signed PDF replaces the held one; released
        return
    if letter.state == LetterState.VALIDATED:
        # Declined, expired or cancelled after validation: the held send is cancelled,
        # refunded once and the agent emailed.
        sending.mandate_not_signed(letter)
    if letter.mandate_kind == MandateKind.ELECTRONIC:
        letter.mandate_kind = MandateKind.UNDECIDED
        letter.mandate_ready_at = None
