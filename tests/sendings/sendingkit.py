"""Helpers of the sending lifecycle tests: an in-memory operator (a real implementation of the
operator interface, registered under the name ``memory`` for both channels and selected through
``PORTAL_LRE_OPERATOR`` / ``PORTAL_PAPER_OPERATOR``), a test plugin recording the
``on_sending_state_changed`` calls, an agency with credit and sendings made through the API."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from webkit import PDF_BYTES

from portal.core import clock
from portal.core.jobs import drain
from portal.core.plugins import hookimpl
from portal.core.sendings import operations
from portal.core.sendings.models import Sending
from portal.core.sendings.operators import register
from portal.core.sendings.operators.base import (
    Accepted,
    CallbackRejected,
    Channel,
    Handover,
    HandoverRejected,
    Operator,
    OperatorEvent,
    OperatorUnavailable,
    Party,
    ProofFile,
    ProofKind,
    SendingState,
)
from portal.core.tenants import tenant_scope, unscoped
from portal.extensions import db
from portal.testing.accounts import create_account

OWNER = "sending_test"
SECRET = b"memory-operator-secret"
PRICE = 490


class MemoryOperator(Operator):
    """An operator keeping its sendings in memory: what it received per ``delivery_id``, the
    events it would report, and switches for its failures (down, rejecting, dying after it
    took a sending)."""

    name = "memory"

    def __init__(self, channel: Channel):
        self.channel = channel
        self.lock = threading.Lock()
        self.held: dict[str, Accepted] = {}
        self.received: dict[str, int] = {}  # delivery_id → letters taken (a repeat is answered)
        self.handovers: list[Handover] = []
        self.timeline: dict[str, list[OperatorEvent]] = {}
        self.down = False
        self.reject: str | None = None
        self.crash_after_accept = False

    def hand_over(self, handover: Handover) -> Accepted:
        if self.down:
            raise OperatorUnavailable("memory operator down")
        if self.reject:
            raise HandoverRejected(self.reject)
        with self.lock:
            held = self.held.get(handover.delivery_id)
            if held is not None:  # idempotent: the same reference, nothing received again
                accepted = Accepted(held.operator_ref, held.tracking_number, existing=True)
            else:
                self.received[handover.delivery_id] = 1
                number = len(self.held) + 1
                accepted = Accepted(f"MEM-{number:05d}", tracking_number=f"TRK{number:05d}")
                self.held[handover.delivery_id] = accepted
                self.handovers.append(handover)
        if self.crash_after_accept:
            raise RuntimeError("the worker died after the operator took the sending")
        return accepted

    def find(self, delivery_id: str) -> Accepted | None:
        if self.down:
            raise OperatorUnavailable("memory operator down")
        return self.held.get(delivery_id)

    def events(self, operator_ref: str) -> list[OperatorEvent]:
        if self.down:
            raise OperatorUnavailable("memory operator down")
        return list(self.timeline.get(operator_ref, []))

    def parse_callback(self, headers, body: bytes) -> list[OperatorEvent]:
        given = {k.lower(): v for k, v in headers.items()}.get("x-memory-signature")
        if not given:
            raise CallbackRejected("missing_signature")
        if not hmac.compare_digest(given, sign(body)):
            raise CallbackRejected("bad_signature")
        return [event_from_json(item) for item in json.loads(body)]

    # --- the test's side --------------------------------------------------------------------

    def event(
        self,
        delivery_id: str,
        event_id: str,
        state: SendingState,
        code: str,
        *,
        minutes: int = 0,
        proofs=(),
    ) -> OperatorEvent:
        """An event about the sending, remembered for polling."""
        accepted = self.held[delivery_id]
        event = OperatorEvent(
            event_id=event_id,
            delivery_id=delivery_id,
            operator_ref=accepted.operator_ref,
            code=code,
            state=state,
            occurred_at=clock.now() + timedelta(minutes=minutes),
            detail=f"{code} detail",
            proofs=tuple(proofs),
        )
        self.timeline.setdefault(accepted.operator_ref, []).append(event)
        return event


def sign(body: bytes) -> str:
    return hmac.new(SECRET, body, hashlib.sha256).hexdigest()


def event_json(event: OperatorEvent) -> dict:
    return {
        "event_id": event.event_id,
        "delivery_id": event.delivery_id,
        "operator_ref": event.operator_ref,
        "code": event.code,
        "state": event.state.value,
        "occurred_at": event.occurred_at.isoformat(),
        "detail": event.detail,
        "proofs": [
            {"kind": p.kind.value, "filename": p.filename, "content": p.content.decode("latin-1")}
            for p in event.proofs
        ],
    }


def event_from_json(item: dict) -> OperatorEvent:
    return OperatorEvent(
        event_id=item["event_id"],
        delivery_id=item["delivery_id"],
        operator_ref=item["operator_ref"],
        code=item["code"],
        state=SendingState(item["state"]),
        occurred_at=datetime.fromisoformat(item["occurred_at"]),
        detail=item.get("detail", ""),
        proofs=tuple(
            ProofFile(ProofKind(p["kind"]), p["filename"], p["content"].encode("latin-1"))
            for p in item.get("proofs", [])
        ),
    )


def callback_body(*events: OperatorEvent) -> tuple[bytes, dict]:
    body = json.dumps([event_json(e) for e in events]).encode()
    return body, {"Content-Type": "application/json", "X-Memory-Signature": sign(body)}


OPERATORS: dict[Channel, MemoryOperator] = {}


def _factory(channel: Channel):
    def build(config) -> MemoryOperator:
        return OPERATORS[channel]

    return build


register(Channel.LRE, "memory", _factory(Channel.LRE))
register(Channel.PAPER, "memory", _factory(Channel.PAPER))


@dataclass(eq=False)  # hashable: pluggy keys plugins by object
class StateRecorder:
    """Stands for the plugin that created the sendings: records each state it is told about."""

    calls: list[tuple[str, str]] = field(default_factory=list)

    @hookimpl
    def on_sending_state_changed(self, tenant, sending, state):
        if sending.owner == OWNER:
            self.calls.append((sending.reference, str(state)))


@pytest.fixture(name="memory")
def memory_fixture(app):
    """Fresh in-memory operators for both channels, configured on the app for the test."""
    saved = {key: app.config.get(key) for key in ("PORTAL_LRE_OPERATOR", "PORTAL_PAPER_OPERATOR")}
    OPERATORS[Channel.LRE] = MemoryOperator(Channel.LRE)
    OPERATORS[Channel.PAPER] = MemoryOperator(Channel.PAPER)
    app.config["PORTAL_LRE_OPERATOR"] = app.config["PORTAL_PAPER_OPERATOR"] = "memory"
    app.extensions.pop("portal.sending_operators", None)
    yield OPERATORS
    drain(app)
    app.config.update(saved)
    app.extensions.pop("portal.sending_operators", None)


@pytest.fixture(name="states")
def states_fixture(app):
    recorder = StateRecorder()
    plugins = app.extensions["portal.plugins"]
    plugins.register_core("test_sending_states", recorder)
    yield recorder
    drain(app)
    plugins.pm.unregister(name="core.test_sending_states")


def make_agency(app, slug="resilimo", email="agence.envois@example.fr", credit=5000):
    from portal.core.accounts.models import Account
    from portal.core.credits.ledger import adjust

    agency = create_account(app, slug, email)
    if credit:
        with app.app_context(), tenant_scope(agency.tenant_id):
            account = db.session.get(Account, agency.id)
            adjust(account, credit, reason="crédit de test", idempotency_key="t", actor_label="t")
            db.session.commit()
    return agency


RECIPIENT = Party(
    "Assureur Exemple SA",
    email="resiliation@assureur.example",
    address_lines=("Service résiliation", "12 rue de la Paix"),
    postal_code="75002",
    city="Paris",
)
SENDER = Party("Camille Durand", email="camille.durand@example.org", postal_code="69001")


def make_sending(
    app,
    agency,
    *,
    channel=Channel.LRE,
    validate=True,
    due_at: datetime | None = None,
    price=PRICE,
    held_for: str | None = None,
) -> str:
    """A sending of ``agency`` through the API (validated unless told); its reference."""
    from portal.core.accounts.models import Account

    with app.app_context(), tenant_scope(agency.tenant_id):
        account = db.session.get(Account, agency.id)
        sending = operations.create_sending(
            account=account,
            profile=account.holder_profile,
            owner=OWNER,
            channel=channel,
            title="Résiliation contrat AUTO-123",
            documents=[operations.NewDocument("lettre.pdf", PDF_BYTES)],
            sender=SENDER,
            recipient=RECIPIENT,
            options={"qualified": False} if channel == Channel.LRE else {"mode": "recommande_ar"},
            price_lines=[operations.PriceLine("lre", "Lettre recommandée électronique", price)],
            held_for=held_for,
        )
        if validate:
            operations.validate_sending(sending, due_at=due_at)
        reference = sending.reference
        db.session.commit()
    return reference


def sending_of(reference: str) -> Sending:
    return db.session.scalar(select(Sending).where(Sending.reference == reference))


def run_periodic(app, fn) -> None:
    """Run a periodic job as the scheduler does (no tenant, unscoped), then what it queued."""
    with app.app_context(), unscoped():
        fn(None)
        db.session.commit()
    drain(app)


def emails(app, tenant_id: int, to: str | None = None) -> list:
    from portal.core.devbox.models import DevboxMessage

    drain(app)
    with app.app_context(), tenant_scope(tenant_id):
        query = select(DevboxMessage).where(DevboxMessage.kind == "email")
        if to is not None:
            query = query.where(DevboxMessage.recipients.contains(to))
        rows = db.session.scalars(query.order_by(DevboxMessage.id)).all()
        db.session.expunge_all()
        return list(rows)
