"""``LreSandboxOperator``: the Operator interface over the sandbox's own tables."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping

from sqlalchemy import select

from portal.core.sendings.operators.base import (
    Accepted,
    CallbackRejected,
    Channel,
    Handover,
    HandoverRejected,
    Operator,
    OperatorEvent,
    OperatorUnavailable,
    ProofFile,
    ProofKind,
    SendingState,
)
from portal.core.sendings.operators.lre_sandbox import rules
from portal.core.sendings.operators.lre_sandbox.models import LreSandboxEvent
from portal.extensions import db

DEV_SECRET = "lre-sandbox-dev-secret"  # noqa: S105 - the sandbox's public development key
SIGNATURE_HEADER = "X-LRE-Sandbox-Signature"
MAX_DOCUMENT_BYTES = 256 * 1024 * 1024  # AR24's limit per letter


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _secret(config: Mapping | None = None) -> str:
    if config is None:
        from flask import current_app

        config = current_app.config
    return config.get("PORTAL_LRE_SANDBOX_SECRET") or DEV_SECRET


def callback_request(event: LreSandboxEvent) -> tuple[bytes, dict]:
    """The body and headers of the callback telling ``event`` (AR24's webhook fields)."""
    from portal.core.sendings.operators.lre_sandbox.models import LreSandboxDeposit

    deposit = db.session.get(LreSandboxDeposit, event.deposit_id)
    body = json.dumps(
        {
            "id_mail": deposit.reference,
            "new_state": event.code,
            "event_id": event.event_id,
            "ref_dossier": deposit.delivery_id,
            "date": rules.aware(event.occurred_at).isoformat(),
            "proof": event.proof_kind,
        },
        sort_keys=True,
    ).encode()
    headers = {"Content-Type": "application/json", SIGNATURE_HEADER: sign(_secret(), body)}
    return body, headers


def to_operator_event(event: LreSandboxEvent, deposit) -> OperatorEvent:
    proofs = ()
    if event.proof is not None:
        proofs = (ProofFile(ProofKind(event.proof_kind), event.proof_filename, event.proof),)
    return OperatorEvent(
        event_id=event.event_id,
        delivery_id=deposit.delivery_id,
        operator_ref=deposit.reference,
        code=event.code,
        state=SendingState(event.state),
        occurred_at=rules.aware(event.occurred_at),
        detail=event.detail,
        proofs=proofs,
    )


class LreSandboxOperator(Operator):
    """The sandbox LRE operator (see the package's docstring for its scenarios)."""

    name = "sandbox"
    channel = Channel.LRE

    def __init__(self, config: Mapping | None = None):
        self.secret = _secret(config or {})

    def hand_over(self, handover: Handover) -> Accepted:
        from portal.core.sendings.operators.lre_sandbox import operations

        scenario = rules.scenario_of(handover.recipient.email)
        if scenario == rules.DOWN:
            raise OperatorUnavailable(
                "Bac à sable LRE : service indisponible (scénario « panne »)."
            )
        if scenario == rules.REJECT:
            raise HandoverRejected("Adresse électronique du destinataire refusée par l'opérateur.")
        if not handover.recipient.email or "@" not in handover.recipient.email:
            raise HandoverRejected("Le destinataire n'a pas d'adresse électronique valide.")
        if not handover.documents:
            raise HandoverRejected("La lettre n'a aucun document.")
        if sum(len(doc.content) for doc in handover.documents) > MAX_DOCUMENT_BYTES:
            raise HandoverRejected("Les documents dépassent 256 Mo.")
        for document in handover.documents:
            if not document.content.startswith(b"%PDF-"):
                raise HandoverRejected(f"« {document.filename} » n'est pas un PDF.")
        deposit, existing = operations.deposit(handover)
        return Accepted(deposit.reference, existing=existing)

    def find(self, delivery_id: str) -> Accepted | None:
        from portal.core.sendings.operators.lre_sandbox.operations import find_deposit

        deposit = find_deposit(delivery_id)
        return None if deposit is None else Accepted(deposit.reference)

    def events(self, operator_ref: str) -> list[OperatorEvent]:
        from portal.core.sendings.operators.lre_sandbox.operations import deposit_by_reference

        deposit = deposit_by_reference(operator_ref)
        if deposit is None:
            return []
        return [to_operator_event(event, deposit) for event in deposit.events]

    def parse_callback(self, headers: Mapping[str, str], body: bytes) -> list[OperatorEvent]:
        """Check the HMAC-SHA256 of the body, then give the event it names, with its proof (as
        an adapter would download the ``proof_url``)."""
        given = next(
            (value for key, value in headers.items() if key.lower() == SIGNATURE_HEADER.lower()),
            "",
        )
        if not given or not hmac.compare_digest(given, sign(self.secret, body)):
            raise CallbackRejected("bad or missing signature")
        try:
            payload = json.loads(body)
            event_id = str(payload["event_id"])
            reference = str(payload["id_mail"])
        except (ValueError, KeyError, TypeError) as exc:
            raise CallbackRejected(f"malformed body: {exc}") from exc
        event = db.session.scalar(
            select(LreSandboxEvent).where(LreSandboxEvent.event_id == event_id)
        )
        from portal.core.sendings.operators.lre_sandbox.operations import deposit_by_reference

        deposit = deposit_by_reference(reference)
        if event is None or deposit is None or event.deposit_id != deposit.id:
            raise CallbackRejected(f"unknown event {event_id!r}")
        return [to_operator_event(event, deposit)]
