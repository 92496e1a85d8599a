"""Webhooks of outside signature providers: ``POST /signature/webhooks/<provider>``.

The provider (Yousign…) calls the tenant's own host. The view builds the provider the tenant's
``[signatures]`` settings name, lets it check the delivery (``parse_webhook``: signature of the raw
body, environment, age), stores each outcome event once (``SignatureWebhookEvent``, unique per
tenant, provider and event id: a retry or a replay answers 200 and does nothing), and applies it
to the procedure whose ``provider_request_id`` it names, through the engine's operations.

Anonymous and CSRF-exempt: a server calls it, authenticated by the body's signature. Answers:
200 (done, replayed, ignored or about an unknown procedure), 400/401 with a short word when the
delivery is refused, 404 when this tenant does not use that provider, 502/503 when the provider
cannot be reached or is not configured (the provider retries later).
"""

from __future__ import annotations

import hashlib
from typing import Any

from flask import current_app, request
from sqlalchemy import select

from portal.core import clock
from portal.core.signatures.operations.procedures import add_event, lock
from portal.core.signatures.outside import provider_signer, provider_signer_ids, tenant_settings
from portal.core.signatures.providers import DEFAULT_PROVIDER, provider_from_config
from portal.core.signatures.providers.base import (
    DocumentRole,
    InvitationBounced,
    OutcomeEvent,
    ProviderConfigError,
    ProviderError,
    RequestCancelled,
    RequestDeclined,
    RequestDone,
    RequestExpired,
    SignatureProvider,
    SignerDeclined,
    SignerSigned,
    WebhookRejected,
)
from portal.core.web.pipeline import Access, handler
from portal.extensions import csrf, db

# Refusals that mean "you are not who you say": 401; any other refusal is a bad request.
UNAUTHENTIC = frozenset({"missing_signature", "bad_signature"})


def _text(body: str, status: int):
    return body, status, {"Content-Type": "text/plain; charset=utf-8"}


# --------------------------------------------------------------------------------------------------
# Applying an event


def _event(procedure, kind: str, event: OutcomeEvent, signer=None, **details: Any) -> None:
    """A history line at the moment the provider says it happened, naming its event."""
    add_event(
        procedure,
        kind,
        signer,
        at=event.occurred_at,
        user_agent=f"{procedure.provider} webhook",
        details={"provider": procedure.provider, "event_id": event.event_id, **details},
    )


def _finish(procedure, state, event: OutcomeEvent, kind: str | None) -> None:
    """Close ``procedure`` in ``state`` (final), with a history line ``kind`` unless the caller
    wrote it already, and record the outcome (once)."""
    from portal.core.signatures import operations

    procedure.state = state
    procedure.completed_at = event.occurred_at
    if kind is not None:
        _event(procedure, kind, event)
    operations.record_outcome(procedure, state)


def _mark_signed(procedure, signer, event: OutcomeEvent) -> None:
    from portal.core.signatures.models import SignerState

    if signer.state == SignerState.SIGNED:
        return
    signer.state = SignerState.SIGNED
    signer.signed_at = event.occurred_at
    _event(procedure, "signed", event, signer)


def _store_proofs(procedure, provider: SignatureProvider, tenant_id: int) -> None:
    """The signed documents and the signers' audit trails, fetched from the provider into the
    evidence archive; each document to sign points at its signed version."""
    from portal.core import evidence

    request_id = procedure.provider_request_id
    to_sign = [d for d in procedure.documents if d.role == DocumentRole.SIGN]
    by_name = {d.filename: d for d in to_sign}
    for index, signed in enumerate(provider.signed_documents(request_id)):
        record = evidence.add_proof(
            tenant_id,
            "signed_document",
            signed.content,
            signed.filename,
            signed.media_type,
            subject=procedure,
        )
        document = by_name.get(signed.filename) or (
            to_sign[index] if index < len(to_sign) else None
        )
        if document is not None:
            document.signed_storage_key = record.storage_key
            document.signed_sha256 = record.sha256
            document.evidence_record_id = record.id
    for provider_signer_id in provider_signer_ids(procedure).values():
        trail = provider.audit_trail(request_id, provider_signer_id)
        record = evidence.add_proof(
            tenant_id,
            "signature_audit_trail",
            trail.content,
            trail.filename,
            trail.media_type,
            subject=procedure,
        )
        if procedure.audit_trail_record_id is None:
            procedure.audit_trail_record_id = record.id


def apply_provider_event(
    procedure, event: OutcomeEvent, provider: SignatureProvider, tenant_id: int
) -> None:
    """Apply one outcome event of an outside provider to ``procedure``.

    An event that would move a closed procedure is ignored (logged): its outcome is already
    recorded, once."""
    from portal.core.signatures import operations
    from portal.core.signatures.models import ProcedureState, SignerState

    log = current_app.logger
    lock(procedure)
    if procedure.is_final:
        log.info(
            "signature webhook: %s ignored, procedure %s already %s",
            type(event).__name__, procedure.reference, procedure.state,
        )  # fmt: skip
        return
    signer = None
    if isinstance(event, SignerSigned | SignerDeclined | InvitationBounced):
        signer = provider_signer(procedure, event.signer_id)
        if signer is None:
            log.warning(
                "signature webhook: unknown signer %s on procedure %s",
                event.signer_id, procedure.reference,
            )  # fmt: skip
            return

    if isinstance(event, SignerSigned):
        _mark_signed(procedure, signer, event)
    elif isinstance(event, SignerDeclined):
        signer.state = SignerState.DECLINED
        signer.declined_at = event.occurred_at
        signer.decline_reason = event.reason or None
        _event(procedure, "declined", event, signer, reason=event.reason)
        _finish(procedure, ProcedureState.DECLINED, event, None)
    elif isinstance(event, RequestDeclined):
        _finish(procedure, ProcedureState.DECLINED, event, "declined")
    elif isinstance(event, RequestExpired):
        operations.expire_procedure(procedure)
    elif isinstance(event, RequestCancelled):
        operations.cancel_procedure(procedure, reason=event.reason or "provider")
    elif isinstance(event, InvitationBounced):
        from portal.core.signatures import notifications

        # Recorded on the signer and in the history, the agent told: once per signer.
        notifications.bounced(signer, reason=f"{procedure.provider}: delivery failed")
    elif isinstance(event, RequestDone):
        _store_proofs(procedure, provider, tenant_id)
        for each in procedure.signers:
            _mark_signed(procedure, each, event)
        _finish(procedure, ProcedureState.SIGNED, event, "completed")


# --------------------------------------------------------------------------------------------------
# The view


def _first_time(provider: str, event: OutcomeEvent, body_sha256: str) -> bool:
    """Store the event's id; False when it was already there (a retry or a replay). The same
    event delivered twice at the same moment: the unique constraint fails the second delivery
    (500, nothing kept), and its retry is then recognised here."""
    from portal.core.signatures.models import SignatureWebhookEvent

    model = SignatureWebhookEvent
    seen = select(model.id).where(model.provider == provider, model.event_id == event.event_id)
    if db.session.scalar(seen) is not None:
        return False
    db.session.add(
        model(
            provider=provider,
            event_id=event.event_id,
            received_at=clock.now(),
            payload_sha256=body_sha256,
        )
    )
    db.session.flush()
    return True


def _procedure_for(provider: str, event: OutcomeEvent):
    from portal.core.signatures.models import SignatureProcedure

    return db.session.scalar(
        select(SignatureProcedure).where(
            SignatureProcedure.provider == provider,
            SignatureProcedure.provider_request_id == event.provider_request_id,
        )
    )


@csrf.exempt
@handler(Access.ANONYMOUS)
def webhook(provider: str):
    """A provider reports what happened to its signature requests (see the module docstring)."""
    from portal.core.tenants import current_tenant

    log = current_app.logger
    tenant = current_tenant()
    settings = tenant_settings(tenant)
    if provider == DEFAULT_PROVIDER or provider != (settings.get("provider") or DEFAULT_PROVIDER):
        return _text("unknown provider", 404)
    try:
        adapter = provider_from_config(settings)
    except ProviderConfigError as exc:
        log.error("signature webhook: %s is not configured for %s: %s", provider, tenant.slug, exc)
        return _text("not configured", 503)
    body = request.get_data(cache=False)
    try:
        events = adapter.parse_webhook(dict(request.headers), body)
    except WebhookRejected as exc:
        log.warning("signature webhook refused (%s, %s): %s", provider, tenant.slug, exc.reason)
        return _text(exc.reason, 401 if exc.reason in UNAUTHENTIC else 400)
    except ProviderConfigError as exc:
        log.error("signature webhook: %s is not configured for %s: %s", provider, tenant.slug, exc)
        return _text("not configured", 503)

    body_sha256 = hashlib.sha256(body).hexdigest()
    for event in events:
        if not _first_time(provider, event, body_sha256):
            log.info("signature webhook: event %s already handled", event.event_id)
            continue
        procedure = _procedure_for(provider, event)
        if procedure is None:
            log.info(
                "signature webhook: no procedure for %s request %s on %s",
                provider, event.provider_request_id, tenant.slug,
            )  # fmt: skip
            continue
        try:
            apply_provider_event(procedure, event, adapter, tenant.id)
        except ProviderError as exc:
            # Nothing is kept (the event neither): the provider retries later.
            db.session.rollback()
            log.error("signature webhook: %s on %s: %s", provider, procedure.reference, exc)
            return _text("provider unreachable", 502)
    return _text("OK", 200)
