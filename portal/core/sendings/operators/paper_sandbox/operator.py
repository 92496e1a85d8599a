"""``PaperSandboxOperator``: the postal printer sandbox behind the operator interface."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Mapping
from dataclasses import asdict
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.core import clock
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
)
from portal.core.sendings.operators.paper_sandbox import rules
from portal.core.sendings.operators.paper_sandbox.models import (
    FINAL_STATUSES,
    PaperSandboxEvent,
    PaperSandboxJob,
    PrintStatus,
)
from portal.extensions import db

DEV_SECRET = "paper-sandbox-dev-secret"  # noqa: S105 - development default; production refuses the sandbox
SIGNATURE_HEADER = "X-Paper-Sandbox-Signature"
EVENT_HEADER = "X-Paper-Sandbox-Event-Id"
DEFAULT_MODE = "lettre_verte"
_PAGE = re.compile(rb"/Type\s*/Page(?!s)")

# Maileva's notification-center event types for the codes that have one.
EVENT_TYPES = {
    "ACCEPTED": "ON_STATUS_ACCEPTED",
    "PROCESSED": "ON_STATUS_PROCESSED",
    "A01": "ON_DEPOSIT_PROOF_RECEIVED",
    "N01": "ON_ACKNOWLEDGEMENT_OF_RECEIPT_RECEIVED",
}


def step_seconds(config: Mapping) -> float | None:
    """``PORTAL_PAPER_SANDBOX_SPEED``: ``real`` (the postal calendar, the default) or a number of
    seconds between two steps, for demonstrations."""
    value = str(config.get("PORTAL_PAPER_SANDBOX_SPEED") or "real").strip().lower()
    if value in ("", "real"):
        return None
    try:
        seconds = float(value)
    except ValueError as exc:
        raise ValueError(f"PORTAL_PAPER_SANDBOX_SPEED={value!r}: 'real' or seconds") from exc
    return max(seconds, 0.0)


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class PaperSandboxOperator(Operator):
    """A postal printer that really runs, in the portal's database (see the package docstring)."""

    name = "sandbox"
    channel = Channel.PAPER

    def __init__(self, config: Mapping):
        self.secret = config.get("PORTAL_PAPER_SANDBOX_SECRET") or DEV_SECRET
        self.step_seconds = step_seconds(config)

    # -- hand-over ---------------------------------------------------------------------------

    def hand_over(self, handover: Handover) -> Accepted:
        recipient = handover.recipient
        scenario = rules.scenario_of(recipient)
        if scenario == rules.DOWN:
            raise OperatorUnavailable("the sandbox printer is down (PANNE in the recipient)")
        existing = self._job(handover.delivery_id)
        if existing is not None:
            return _accepted(existing, existing=True)
        problem = rules.address_problem(recipient)
        if problem:
            raise HandoverRejected(problem)
        mode = str(handover.options.get("mode") or DEFAULT_MODE)
        if mode not in rules.MODES:
            raise HandoverRejected(f"Produit postal inconnu : {mode}.")
        if not handover.documents:
            raise HandoverRejected("L'envoi n'a aucun document à imprimer.")
        documents = []
        for document in handover.documents:
            if not document.content.startswith(b"%PDF"):
                raise HandoverRejected(
                    f"Le document {document.filename} n'est pas un PDF imprimable."
                )
            documents.append(
                {
                    "filename": document.filename,
                    "sha256": hashlib.sha256(document.content).hexdigest(),
                    "size": len(document.content),
                    "pages": max(1, len(_PAGE.findall(document.content))),
                }
            )
        post_on = _post_on(handover.options.get("post_on"))
        received_at = clock.now()
        steps = rules.plan(received_at, mode, scenario, self.step_seconds, post_on)
        job = PaperSandboxJob(
            reference="MLV-" + secrets.token_hex(8).upper(),
            delivery_id=handover.delivery_id,
            mode=mode,
            scenario=scenario,
            status=PrintStatus.RECEIVED,
            sender=_party(handover.sender),
            recipient=_party(recipient),
            options=dict(handover.options),
            documents=documents,
            pages=sum(d["pages"] for d in documents),
            tracking_number=rules.tracking_number(handover.delivery_id, mode),
            received_at=received_at,
            plan=[step.as_json() for step in steps],
            step=0,
            next_step_at=steps[0].at if steps else None,
        )
        try:
            # A savepoint: a concurrent hand-over of the same delivery id loses on the unique
            # constraint and answers with the winner's reference.
            with db.session.begin_nested():
                db.session.add(job)
                db.session.flush()
        except IntegrityError:
            existing = self._job(handover.delivery_id)
            if existing is None:
                raise
            return _accepted(existing, existing=True)
        from portal.core.sendings.operators.paper_sandbox import jobs

        jobs.record_event(job, "ACCEPTED", PrintStatus.RECEIVED, received_at, "", ())
        jobs.wake_at_next_step(job, self.step_seconds is not None)
        return _accepted(job)

    def find(self, delivery_id: str) -> Accepted | None:
        job = self._job(delivery_id)
        return _accepted(job) if job is not None else None

    # -- events ------------------------------------------------------------------------------

    def events(self, operator_ref: str) -> list[OperatorEvent]:
        job = db.session.scalar(
            select(PaperSandboxJob).where(PaperSandboxJob.reference == operator_ref)
        )
        if job is None:
            return []
        return [to_operator_event(job, event) for event in job.events]

    def callback(self, event: PaperSandboxEvent) -> tuple[bytes, dict[str, str]]:
        """The signed body and headers of the callback announcing ``event``."""
        body = json.dumps(callback_payload(event.job, event), sort_keys=True).encode()
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(self.secret, body),
            EVENT_HEADER: event.event_id,
        }
        return body, headers

    def parse_callback(self, headers: Mapping[str, str], body: bytes) -> list[OperatorEvent]:
        given = _header(headers, SIGNATURE_HEADER)
        if not given or not hmac.compare_digest(given, sign(self.secret, body)):
            raise CallbackRejected("bad or missing signature")
        try:
            payload = json.loads(body)
            resource = payload["resource_id"]
            delivery_id = payload["resource_custom_id"]
            items = payload["delivery_statuses"]
            events = []
            for item in items:
                events.append(
                    OperatorEvent(
                        event_id=item["event_id"],
                        delivery_id=delivery_id,
                        operator_ref=resource,
                        code=item["status"],
                        state=rules.PORTAL_STATES[PrintStatus(item["sandbox_status"])],
                        occurred_at=datetime.fromisoformat(item["date"]),
                        detail=item.get("detail") or item.get("label") or "",
                        # Like Maileva, a callback names the proofs; they are downloaded.
                        proofs=self._download(item["event_id"], item.get("proofs") or []),
                    )
                )
        except (ValueError, KeyError, TypeError) as exc:
            raise CallbackRejected(f"malformed callback: {exc}") from exc
        return events

    # -- helpers -----------------------------------------------------------------------------

    def _job(self, delivery_id: str) -> PaperSandboxJob | None:
        return db.session.scalar(
            select(PaperSandboxJob).where(PaperSandboxJob.delivery_id == delivery_id)
        )

    def _download(self, event_id: str, names: list) -> tuple[ProofFile, ...]:
        if not names:
            return ()
        event = db.session.scalar(
            select(PaperSandboxEvent).where(PaperSandboxEvent.event_id == event_id)
        )
        if event is None:
            raise KeyError(f"unknown event {event_id}")
        return _proof_files(event)


def _post_on(value) -> date | None:
    """``options["post_on"]``: the ISO day the portal promised the letter is posted on."""
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise HandoverRejected(f"Date de dépôt invalide : {value}.") from exc


def _header(headers: Mapping[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name.lower():
            return value
    return None


def _party(party) -> dict:
    data = asdict(party)
    data["address_lines"] = list(party.address_lines)
    return data


def _accepted(job: PaperSandboxJob, *, existing: bool = False) -> Accepted:
    return Accepted(
        operator_ref=job.reference, tracking_number=job.tracking_number, existing=existing
    )


def _proof_files(event: PaperSandboxEvent) -> tuple[ProofFile, ...]:
    return tuple(
        ProofFile(ProofKind(p.kind), p.filename, p.content, p.media_type) for p in event.proofs
    )


def to_operator_event(job: PaperSandboxJob, event: PaperSandboxEvent) -> OperatorEvent:
    return OperatorEvent(
        event_id=event.event_id,
        delivery_id=job.delivery_id,
        operator_ref=job.reference,
        code=event.code,
        state=rules.PORTAL_STATES[event.status],
        occurred_at=clock_aware(event.occurred_at),
        detail=event.detail or rules.label(event.code),
        proofs=_proof_files(event),
    )


def clock_aware(value: datetime) -> datetime:
    """SQLite hands back naive datetimes: they are UTC."""
    from datetime import UTC

    return value if value.tzinfo else value.replace(tzinfo=UTC)


def callback_payload(job: PaperSandboxJob, event: PaperSandboxEvent) -> dict:
    """Maileva's notification shape (source, event_type, resource_…) with the delivery status."""
    return {
        "source": "paper_sandbox",
        "event_type": EVENT_TYPES.get(event.code, "ON_DELIVERY_STATUS_CHANGED"),
        "resource_type": "paper/sendings",
        "event_date": clock_aware(event.occurred_at).isoformat(),
        "resource_id": job.reference,
        "resource_custom_id": job.delivery_id,
        "resource_location": f"/paper_sandbox/sendings/{job.reference}",
        "final": job.status in FINAL_STATUSES,
        "delivery_statuses": [
            {
                "event_id": event.event_id,
                "status": event.code,
                "label": rules.label(event.code),
                "detail": event.detail or rules.label(event.code),
                "date": clock_aware(event.occurred_at).isoformat(),
                "sandbox_status": event.status.value,
                "proofs": [p.filename for p in event.proofs],
            }
        ],
    }
