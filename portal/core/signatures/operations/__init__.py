"""What happens to a signature procedure, from its creation by a plugin to its outcome.

Every function runs in the caller's transaction (a view or a job commits). A plugin asks::

    from portal.core import signatures
    procedure = signatures.create_and_start(
        account=account, profile=profile, owner="resiliation", title="Mandat de résiliation",
        documents=[signatures.NewDocument("Mandat", "mandat.pdf", pdf, acceptance_boxes=(
            "J'ai lu le mandat et je l'accepte.",))],
        signers=[signatures.NewSigner("Camille", "Durand", "camille@example.org", "0612345678")],
        deadline=clock.now() + timedelta(days=7), subject=letter,
        charge=signatures.SignatureCharge("e_signature"),
    )

and learns the outcome once through its ``on_signature_outcome`` hook. The actions live in
``procedures`` (creation, start, ends, outcomes, files), ``links`` (the signer's secret link) and
``signing`` (the signer's steps); this module is the one import views, jobs and plugins use.
"""

from portal.core.signatures.operations.links import (
    renew_link,
    signer_for_done_page,
    signer_for_token,
    signer_token,
    signer_url,
)
from portal.core.signatures.operations.procedures import (
    NewDocument,
    NewSigner,
    SignatureCharge,
    audit_trail_bytes,
    cancel_procedure,
    create_and_start,
    create_procedure,
    documents_to_read,
    expire_procedure,
    purge_account_procedures,
    record_outcome,
    signed_document_bytes,
    start_procedure,
)
from portal.core.signatures.operations.signing import (
    accept_boxes,
    decline,
    open_for_agent,
    ready_to_sign,
    record_opened,
    send_code,
    sign,
    upload_identity_document,
)

__all__ = [
    "NewDocument",
    "NewSigner",
    "SignatureCharge",
    "accept_boxes",
    "audit_trail_bytes",
    "cancel_procedure",
    "create_and_start",
    "create_procedure",
    "decline",
    "documents_to_read",
    "expire_procedure",
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
