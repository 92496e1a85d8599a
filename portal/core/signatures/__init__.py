"""E-signature core (issue 13): signature procedures asked by plugins and core modules, signed
by their signers on the tenant's pages with an SMS code, sealed as PAdES PDFs.

The engine (``models``, ``operations``, pure ``rules``, ``errors``) is re-exported here; the
provider seam lives in ``providers`` (the interface an outside service implements, and the
Yousign v3 adapter)."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

TEMPLATES = Path(__file__).parent / "templates"


def init_app(app: Flask) -> None:
    """The signer's and the agent's page templates (the blueprints come from the hooks)."""
    if TEMPLATES not in app.template_folders:
        app.template_folders.append(TEMPLATES)


# Re-exported after ``TEMPLATES``: the models' import runs this package first.
from portal.core.signatures.errors import (  # noqa: E402
    CodeExpired,
    CodeNotSent,
    CodeThrottled,
    IdentityDocumentRequired,
    InvalidProcedure,
    LinkInvalid,
    MissingAcceptance,
    ProcedureClosed,
    SignatureError,
    SigningUnavailable,
    TooManyTries,
    UploadRefused,
    WrongCode,
)
from portal.core.signatures.models import (  # noqa: E402
    FINAL_STATES,
    ProcedureOutcome,
    ProcedureSigner,
    ProcedureState,
    SignatureAcceptanceBox,
    SignatureDocument,
    SignatureProcedure,
    SignatureWebhookEvent,
    SignerEvent,
    SignerState,
)
from portal.core.signatures.operations import (  # noqa: E402
    NewDocument,
    NewSigner,
    SignatureCharge,
    accept_boxes,
    audit_trail_bytes,
    cancel_procedure,
    create_and_start,
    create_procedure,
    decline,
    documents_to_read,
    expire_procedure,
    open_for_agent,
    purge_account_procedures,
    ready_to_sign,
    record_opened,
    record_outcome,
    renew_link,
    send_code,
    sign,
    signed_document_bytes,
    signer_for_done_page,
    signer_for_token,
    signer_token,
    signer_url,
    start_procedure,
    upload_identity_document,
)
from portal.core.signatures.providers.base import Delivery, DocumentRole  # noqa: E402

__all__ = [
    "CodeExpired",
    "CodeNotSent",
    "CodeThrottled",
    "Delivery",
    "DocumentRole",
    "FINAL_STATES",
    "IdentityDocumentRequired",
    "InvalidProcedure",
    "LinkInvalid",
    "MissingAcceptance",
    "NewDocument",
    "NewSigner",
    "ProcedureClosed",
    "ProcedureOutcome",
    "ProcedureSigner",
    "ProcedureState",
    "SignatureAcceptanceBox",
    "SignatureCharge",
    "SignatureDocument",
    "SignatureError",
    "SigningUnavailable",
    "SignatureProcedure",
    "SignatureWebhookEvent",
    "SignerEvent",
    "SignerState",
    "TooManyTries",
    "UploadRefused",
    "WrongCode",
    "accept_boxes",
    "audit_trail_bytes",
    "cancel_procedure",
    "create_and_start",
    "create_procedure",
    "decline",
    "documents_to_read",
    "expire_procedure",
    "init_app",
    "open_for_agent",
    "purge_account_procedures",
    "ready_to_sign",
    "record_opened",
    "record_outcome",
    "renew_link",
    "send_code",
    "sign",
    "signed_document_bytes",
    "signer_for_done_page",
    "signer_for_token",
    "signer_token",
    "signer_url",
    "start_procedure",
    "upload_identity_document",
]
