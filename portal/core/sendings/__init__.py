"""Sendings (issue 14): one lifecycle for every letter, by registered email (LRE) or on paper.

A plugin creates a sending (:func:`create_sending`, a DRAFT), validates it
(:func:`validate_sending`: charged once, frozen, SCHEDULED for its due time), may move or
cancel it until the eve of its due day (:func:`reschedule`, :func:`cancel_sending`: refunded
once), and hears each state once through ``on_sending_state_changed(tenant, sending, state)``.
The scheduler claims due sendings (:func:`claim_due`) and a job hands each one to the configured
operator exactly once; the operators' events (callback and polling) are applied once each
(:func:`apply_operator_events`). The operator seam lives in ``operators`` (the interface, the
sandboxes and the adapters, chosen by ``PORTAL_LRE_OPERATOR`` / ``PORTAL_PAPER_OPERATOR``)."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

TEMPLATES = Path(__file__).parent / "templates"


def init_app(app: Flask) -> None:
    """The sendings' mail templates (the blueprint comes from the hooks)."""
    if TEMPLATES not in app.template_folders:
        app.template_folders.append(TEMPLATES)


# Re-exported after ``TEMPLATES``: the models' import runs this package first.
from portal.core.sendings.errors import (  # noqa: E402
    InvalidSending,
    SendingClosed,
    SendingError,
    SendingFrozen,
    TooLateToChange,
)
from portal.core.sendings.models import (  # noqa: E402
    Sending,
    SendingDocument,
    SendingEvent,
    SendingProof,
    SendingStateReached,
)
from portal.core.sendings.operations import (  # noqa: E402
    STALE_CLAIM,
    NewDocument,
    PriceLine,
    apply_operator_events,
    cancel_held,
    cancel_sending,
    claim_due,
    contents_purged,
    create_sending,
    hand_over,
    has_left,
    may_change,
    outgoing_documents,
    proof_bytes,
    proofs_zip,
    purge_contents,
    reconcile,
    release_held,
    replace_held_document,
    reschedule,
    sending_by_reference,
    update_draft,
    validate_sending,
)
from portal.core.sendings.operators.base import (  # noqa: E402
    TERMINAL_STATES,
    Channel,
    OperatorEvent,
    Party,
    ProofKind,
    SendingState,
)

__all__ = [
    "STALE_CLAIM",
    "TERMINAL_STATES",
    "Channel",
    "InvalidSending",
    "NewDocument",
    "OperatorEvent",
    "Party",
    "PriceLine",
    "ProofKind",
    "Sending",
    "SendingClosed",
    "SendingDocument",
    "SendingError",
    "SendingEvent",
    "SendingFrozen",
    "SendingProof",
    "SendingState",
    "SendingStateReached",
    "TooLateToChange",
    "apply_operator_events",
    "cancel_held",
    "cancel_sending",
    "claim_due",
    "contents_purged",
    "create_sending",
    "hand_over",
    "has_left",
    "init_app",
    "may_change",
    "outgoing_documents",
    "proof_bytes",
    "proofs_zip",
    "purge_contents",
    "reconcile",
    "release_held",
    "replace_held_document",
    "reschedule",
    "sending_by_reference",
    "update_draft",
    "validate_sending",
]
