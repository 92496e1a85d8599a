"""What the operators say happened: their events, pushed by a signed callback and pulled by
polling, in any order, any number of times. Each ``(sending, event_id)`` is applied once; a
late intermediate event is kept on the timeline without moving the state back; a terminal
state is never left. The proofs an event carries go to the evidence archive, and each event
recorded is told to the owner plugin (``on_sending_event``, by a job)."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from sqlalchemy import select

from portal.core import clock
from portal.core.sendings import rules
from portal.core.sendings.models import Sending, SendingEvent, SendingProof
from portal.core.sendings.operations.handover import record_handover
from portal.core.sendings.operations.sendings import add_event, lock, move
from portal.core.sendings.operators.base import (
    TERMINAL_STATES,
    Accepted,
    Channel,
    OperatorEvent,
    ProofFile,
    SendingState,
)
from portal.extensions import db

log = logging.getLogger(__name__)


def apply_operator_events(
    channel: Channel | str, events: Iterable[OperatorEvent], source: str
) -> list[SendingEvent]:
    """Apply the operator's ``events`` to the current tenant's sendings of ``channel`` (another
    tenant's sendings are not seen: an event about one is ignored). ``source``: ``callback``,
    ``poll``, ``staff``… Returns the timeline lines added (an event already known adds none)."""
    channel = Channel(channel)
    added: list[SendingEvent] = []
    for event in events:
        line = apply_operator_event(channel, event, source)
        if line is not None:
            added.append(line)
    return added


def apply_operator_event(
    channel: Channel, event: OperatorEvent, source: str
) -> SendingEvent | None:
    """One event (see :func:`apply_operator_events`); None when it was known or is about no
    sending of this tenant."""
    sending = db.session.scalar(
        select(Sending).where(Sending.delivery_id == event.delivery_id, Sending.channel == channel)
    )
    if sending is None:
        log.info("operator event %s: no sending %s here", event.event_id, event.delivery_id)
        return None
    lock(sending)
    known = db.session.scalar(
        select(SendingEvent.id).where(
            SendingEvent.sending_id == sending.id, SendingEvent.event_id == event.event_id
        )
    )
    if known is not None:
        return None
    if sending.state == SendingState.DUE and event.state != SendingState.CANCELLED:
        # The operator has it though the portal never recorded it (a crash after the operator
        # took it): the event says so; nothing is sent again.
        from portal.core.sendings.operators import operator_for

        record_handover(
            sending, Accepted(event.operator_ref), operator_for(channel).name, reconciled=True
        )
    if not sending.operator_ref and event.operator_ref:
        sending.operator_ref = event.operator_ref
    sending.last_event_at = clock.now()
    target = rules.state_after_event(sending.state, event.state)
    if target is not None and rules.can_move(sending.state, target):
        line = move(
            sending,
            target,
            source,
            at=event.occurred_at,
            code=event.code,
            detail=event.detail,
            event_id=event.event_id,
        )
    else:
        # Late, repeated or after the end: on the timeline, the state does not move.
        line = add_event(
            sending,
            event.state,
            source,
            at=event.occurred_at,
            code=event.code,
            detail=event.detail,
            event_id=event.event_id,
            applied=SendingState(event.state) == sending.state
            and sending.state not in TERMINAL_STATES,
        )
    for proof in event.proofs:
        store_proof(sending, proof)
    db.session.flush()
    from portal.core.sendings import jobs

    jobs.queue_operator_event(sending.tenant_id, line.id)
    return line


def store_proof(sending: Sending, proof: ProofFile) -> SendingProof | None:
    """Archive an operator's proof in the evidence chain (kind ``lre_<kind>``/``paper_<kind>``,
    the tenant's proof retention) and list it on the sending, once per kind and file name."""
    from portal.core.evidence.chain import add_proof

    kind = str(proof.kind)
    filename = (proof.filename or f"{kind}.pdf")[:255]
    existing = db.session.scalar(
        select(SendingProof).where(
            SendingProof.sending_id == sending.id,
            SendingProof.kind == kind,
            SendingProof.filename == filename,
        )
    )
    if existing is not None:
        return None
    record = add_proof(
        sending.tenant_id,
        rules.proof_evidence_kind(sending.channel.value, kind),
        proof.content,
        filename,
        content_type=proof.media_type,
        subject=sending,
        note=f"{sending.reference} {sending.operator or ''} {sending.operator_ref or ''}".strip(),
    )
    row = SendingProof(
        tenant_id=sending.tenant_id,
        sending_id=sending.id,
        kind=kind,
        filename=filename,
        evidence_record_id=record.id,
        received_at=clock.now(),
    )
    db.session.add(row)
    sending.proofs.append(row)
    return row


def proof_bytes(proof: SendingProof) -> bytes:
    """A proof's file, read from the evidence archive."""
    from portal.core.evidence.models import EvidenceRecord
    from portal.core.storage import storage

    record = db.session.get(EvidenceRecord, proof.evidence_record_id)
    if record is None or not record.storage_key:
        raise LookupError(f"proof {proof.id}: its evidence record is gone (purged?)")
    return storage().read(record.storage_key)


def proofs_zip(sending: Sending) -> bytes:
    """« Télécharger toutes les preuves » : every proof of the sending in one ZIP, each file
    named ``<n>-<kind>-<filename>`` in the order received."""
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for position, proof in enumerate(sending.proofs, start=1):
            archive.writestr(f"{position:02d}-{proof.kind}-{proof.filename}", proof_bytes(proof))
    return buffer.getvalue()
