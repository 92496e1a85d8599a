"""Fixtures of the signature-provider tests: a signature request shaped like a termination
mandate (two signers, a document to sign and one to read, acceptance boxes) and the recorded
webhook signatures."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from signkit import fixture_json

from portal.core.signatures.providers.base import (
    AcceptanceBox,
    Delivery,
    Document,
    DocumentRole,
    SignatureRequest,
    SignatureSpot,
    Signer,
)


@pytest.fixture
def recorded_signatures() -> dict:
    return fixture_json("webhook_signatures.json")


@pytest.fixture
def signature_request() -> SignatureRequest:
    camille = Signer("camille", "Camille", "Durand", "camille.durand@example.org", "+33612345678")
    dominique = Signer(
        "dominique", "Dominique", "Martin", "dominique.martin@example.org", locale="en"
    )
    mandate = Document(
        "mandate",
        "mandat.pdf",
        b"%PDF-1.7 mandate",
        spots=(
            SignatureSpot("camille", page=1, x=60, y=680),
            SignatureSpot("dominique", page=1, x=320, y=680, width=200, height=70),
        ),
        acceptance_boxes=(
            AcceptanceBox("read", "J'ai lu le mandat et je l'accepte."),
            AcceptanceBox("copy", "J'accepte de recevoir une copie par courriel.", required=False),
        ),
    )
    conditions = Document(
        "conditions",
        "conditions-generales.pdf",
        b"%PDF-1.7 conditions",
        role=DocumentRole.READ,
        acceptance_boxes=(AcceptanceBox("cg", "J'ai pris connaissance des conditions générales."),),
    )
    return SignatureRequest(
        reference="proc-42",
        name="Mandat de résiliation — contrat AUTO-123",
        deadline=datetime(2026, 12, 10, 23, 59, tzinfo=ZoneInfo("Europe/Paris")),
        signers=(camille, dominique),
        documents=(mandate, conditions),
        ordered=True,
        delivery=Delivery.REMOTE,
    )
