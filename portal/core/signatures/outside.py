"""Procedures run by an outside provider (Yousign…) instead of the built-in engine.

Where a tenant's ``[signatures] provider`` is not ``builtin``, ``start_procedure`` hands the
procedure over (:func:`hand_over`): its request is built from the procedure
(:func:`request_for`), created and activated at the provider, and linked to the procedure
(:func:`link_provider_request`); the provider invites the signers and reports by webhook
(:mod:`.webhooks`).
"""

from __future__ import annotations

import os
from datetime import UTC
from typing import Any

from portal.core import clock
from portal.core.signatures.providers import provider_from_config
from portal.core.signatures.providers.base import (
    AcceptanceBox,
    CreatedRequest,
    Delivery,
    Document,
    DocumentRole,
    SignatureProvider,
    SignatureRequest,
    SignatureSpot,
    Signer,
)
from portal.extensions import db

# The history line recording which of the provider's signers a portal signer is.
LINKED = "provider_linked"


# --------------------------------------------------------------------------------------------------
# The tenant's settings


def tenant_settings(tenant) -> dict[str, Any]:
    """The tenant's ``[signatures]`` section as a plain mapping (empty when absent).

    ``api_key_env`` / ``webhook_secret_env`` name environment variables holding the secrets, so
    that committed tenant files carry none."""
    section = getattr(tenant.config, "signatures", None)
    if section is None:
        settings: dict[str, Any] = {}
    elif hasattr(section, "model_dump"):
        settings = section.model_dump()
    else:
        settings = dict(section)
    for key in ("api_key", "webhook_secret"):
        variable = settings.get(f"{key}_env")
        if not settings.get(key) and variable:
            settings[key] = os.environ.get(str(variable), "")
    return settings


def tenant_provider(tenant, **overrides: Any) -> SignatureProvider:
    """The provider the tenant's settings name (``builtin`` by default)."""
    return provider_from_config(tenant_settings(tenant), **overrides)


# --------------------------------------------------------------------------------------------------
# Portal signers <-> the provider's signers


def link_provider_request(procedure, created: CreatedRequest, provider: str) -> None:
    """Remember that ``procedure`` lives at ``provider`` as ``created`` (what
    ``SignatureProvider.create`` answered for a request whose signers' keys are their positions,
    ``"1"``, ``"2"``…): its request id on the procedure, each signer's id in the history."""
    from portal.core.signatures.models import SignerEvent

    procedure.provider = provider
    procedure.provider_request_id = created.provider_id
    for signer in procedure.signers:
        provider_signer_id = created.signer_ids.get(str(signer.position))
        if provider_signer_id is None:
            continue
        if hasattr(signer, "provider_signer_id"):
            signer.provider_signer_id = provider_signer_id
        db.session.add(
            SignerEvent(
                tenant_id=procedure.tenant_id,
                procedure=procedure,
                signer=signer,
                kind=LINKED,
                at=clock.now(),
                details={
                    "provider": provider,
                    "provider_request_id": created.provider_id,
                    "provider_signer_id": provider_signer_id,
                },
            )
        )


def provider_signer(procedure, provider_signer_id: str):
    """The procedure's signer the provider calls ``provider_signer_id``, or None."""
    for signer in procedure.signers:
        if getattr(signer, "provider_signer_id", None) == provider_signer_id:
            return signer
    for event in procedure.events:
        details = event.details or {}
        if event.kind == LINKED and details.get("provider_signer_id") == provider_signer_id:
            return event.signer
    return None


def provider_signer_ids(procedure) -> dict[int, str]:
    """Portal signer id -> the provider's signer id."""
    ids = {}
    for event in procedure.events:
        if event.kind == LINKED and event.signer_id is not None:
            ids[event.signer_id] = str((event.details or {}).get("provider_signer_id"))
    for signer in procedure.signers:
        if getattr(signer, "provider_signer_id", None):
            ids[signer.id] = signer.provider_signer_id
    return ids


# --------------------------------------------------------------------------------------------------
# Handing a procedure to an outside provider

# Where each signer's signature field goes on the last page of a document to sign (PDF points,
# origin top left, A4): two per row from the bottom of the page up, so several never overlap.
SPOT_WIDTH, SPOT_HEIGHT = 180, 60
SPOT_COLUMNS = (60, 320)
SPOT_BOTTOM_ROW_Y, SPOT_ROW_STEP = 700, 80


def signature_spot(signer_key: str, slot: int, page: int) -> SignatureSpot:
    column = SPOT_COLUMNS[slot % len(SPOT_COLUMNS)]
    row_y = max(SPOT_BOTTOM_ROW_Y - (slot // len(SPOT_COLUMNS)) * SPOT_ROW_STEP, 40)
    return SignatureSpot(signer_key, page, column, row_y, SPOT_WIDTH, SPOT_HEIGHT)


def request_for(procedure, tenant) -> SignatureRequest:
    """The procedure as a provider's ``SignatureRequest``: its reference, title, deadline (in
    the tenant's time zone), delivery and order; the original PDFs with their acceptance boxes;
    signers and documents keyed by their positions; each signer's field on the last page of
    every document to sign."""
    from portal.core.storage import storage

    signers = tuple(
        Signer(
            key=str(signer.position),
            first_name=signer.first_name,
            last_name=signer.last_name,
            email=signer.email,
            mobile=signer.mobile,
            locale=procedure.locale or "fr",
        )
        for signer in procedure.signers
    )
    documents = tuple(
        Document(
            key=str(document.position),
            filename=document.filename,
            content=storage().read(document.storage_key),
            role=DocumentRole(document.role),
            spots=tuple(
                signature_spot(signer.key, slot, max(document.page_count, 1))
                for slot, signer in enumerate(signers)
            )
            if document.role == DocumentRole.SIGN
            else (),
            acceptance_boxes=tuple(
                AcceptanceBox(str(box.position), box.label, box.required)
                for box in document.acceptance_boxes
            ),
        )
        for document in procedure.documents
    )
    deadline = procedure.deadline
    if deadline.tzinfo is None:  # SQLite gives naive UTC back
        deadline = deadline.replace(tzinfo=UTC)
    return SignatureRequest(
        reference=procedure.reference,
        name=procedure.title,
        deadline=deadline,
        signers=signers,
        documents=documents,
        ordered=procedure.ordered,
        delivery=Delivery(procedure.delivery),
        timezone=tenant.config.timezone,
    )


def hand_over(procedure, provider: SignatureProvider, tenant) -> dict[str, str]:
    """Create and activate ``procedure`` at ``provider`` and link them (see
    :func:`link_provider_request`): the provider invites the signers, its webhooks report the
    outcome. Returns each provider signer id's signing link. For the engine's
    ``start_procedure`` when the tenant's ``[signatures] provider`` is not ``builtin``; raises
    ``ProviderError`` (nothing linked) when the provider refuses or cannot be reached."""
    created = provider.create(request_for(procedure, tenant))
    link_provider_request(procedure, created, provider.name)
    return dict(provider.activate(created.provider_id))
