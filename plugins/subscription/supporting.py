"""The supporting documents of a contract (« Pièces justificatives »): a file received for a row,
by the client from their space or by the agent from the contract page, and the extra « Autre
pièce » rows. The first document received moves the contract to « Dossier transmis »."""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO

from sqlalchemy import select

from plugins.subscription import contracts, rules
from plugins.subscription.i18n import _
from plugins.subscription.models import Contract, SupportingDocument
from plugins.subscription.rules import ContractProgress
from portal.core import clock
from portal.core.jobs import job
from portal.core.storage import storage, tenant_key
from portal.core.uploads import UploadRefused, read_document
from portal.extensions import db

UPLOADERS = ("client", "agent")


def contract_of(document: SupportingDocument) -> Contract:
    return db.session.get(Contract, document.contract_id)


def accepts_files(contract: Contract) -> bool:
    """A row's file may be given or replaced until the membership is created."""
    return contract.progress != ContractProgress.MEMBERSHIP_CREATED


def upload(
    document: SupportingDocument, stream: BinaryIO | None, filename: str | None, *, by: str
) -> SupportingDocument:
    """Receive a file for ``document``: PDF, JPEG or PNG judged by its content, 10 Mo at most,
    no active content, clean for the antivirus (``portal.core.uploads.read_document``); stored
    under the tenant's prefix; the row « Reçue ». The first document received moves the
    contract to « Dossier transmis » (its agenda event with it). Raises
    :class:`portal.core.uploads.UploadRefused` (its ``message`` is for the user)."""
    if by not in UPLOADERS:
        raise ValueError(f"uploaded by {by!r}")
    contract = contract_of(document)
    if not accepts_files(contract):
        raise UploadRefused(
            _("L'adhésion est créée : ce dossier ne reçoit plus de pièces justificatives.")
        )
    if stream is None or not filename:
        raise UploadRefused(_("Choisissez le fichier de votre document."))
    accepted = read_document(stream, filename, default_name="piece-justificative")
    key = tenant_key(
        document.tenant_id,
        "subscription",
        "contracts",
        str(contract.id),
        f"piece-{document.id}-{uuid.uuid4().hex}{accepted.file_type.extension}",
    )
    storage().put(key, accepted.data, accepted.file_type.content_type)
    if document.storage_key:  # a file replaced: deleted once this change is committed
        from portal.core.jobs import enqueue

        enqueue(forget_replaced_file, document.storage_key)
    document.storage_key = key
    document.filename = accepted.filename
    document.content_type = accepted.file_type.content_type
    document.size = len(accepted.data)
    document.received_at = clock.now()
    document.uploaded_by = by
    if contract.progress == ContractProgress.AWAITING_DOCUMENTS:
        contracts.advance(contract, ContractProgress.FILE_TRANSMITTED)
    return document


def add_other(contract: Contract) -> SupportingDocument:
    """A new « Autre pièce » row (« + Nouvelle pièce justificative »)."""
    if not accepts_files(contract):
        raise UploadRefused(
            _("L'adhésion est créée : ce dossier ne reçoit plus de pièces justificatives.")
        )
    row = SupportingDocument(
        tenant_id=contract.tenant_id,
        contract_id=contract.id,
        kind="other",
        requested_at=clock.now(),
    )
    db.session.add(row)
    db.session.flush()
    return row


def kind_label(document: SupportingDocument) -> str:
    label = rules.SUPPORTING_DOCUMENTS.get(document.kind)
    return _(label) if label else document.kind


# --- the documents of the membership request (« Documents envoyés », « Visualiser ») ----------

DOCUMENT_TITLES = {
    "membership_form": rules.N_("Bulletin individuel d'adhésion"),
    "sepa_mandate": rules.N_("Mandat de prélèvement SEPA"),
}


@dataclass(frozen=True)
class SentDocument:
    """A document of the membership request: ``name`` names it in URLs; signed ones come from
    the signature procedure, the others are the generated ones (``Contract.document_keys``)."""

    name: str
    title: str
    filename: str
    edited_at: datetime | None
    signed: bool
    storage_key: str | None = None
    signature_document_id: int | None = None


def sent_documents(contract: Contract) -> list[SentDocument]:
    """The signed documents once the contract is signed, else the generated ones."""
    if contract.signature_state == rules.SignatureState.SIGNED and contract.signature_procedure_id:
        from portal.core.signatures import DocumentRole, SignatureDocument

        rows = db.session.scalars(
            select(SignatureDocument)
            .where(SignatureDocument.procedure_id == contract.signature_procedure_id)
            .order_by(SignatureDocument.position)
        ).all()
        if rows:
            return [
                SentDocument(
                    name=f"signe-{row.position}",
                    title=row.title,
                    filename=row.filename,
                    edited_at=contract.signed_at or contract.created_at,
                    signed=row.role == DocumentRole.SIGN,  # the IPID and rules were read
                    signature_document_id=row.id,
                )
                for row in rows
            ]
    documents = []
    for name, key in sorted((contract.document_keys or {}).items()):
        if not key or not isinstance(key, str):
            continue
        title = DOCUMENT_TITLES.get(name)
        documents.append(
            SentDocument(
                name=name,
                title=_(title) if title else name.replace("_", " ").capitalize(),
                filename=key.rsplit("/", 1)[-1],
                edited_at=contract.created_at,
                signed=False,
                storage_key=key,
            )
        )
    return documents


def sent_document(contract: Contract, name: str) -> SentDocument | None:
    return next((doc for doc in sent_documents(contract) if doc.name == name), None)


def send_sent_document(document: SentDocument):
    """The response that downloads one of :func:`sent_documents` (the caller checked the
    user may see the contract)."""
    from flask import abort, send_file

    from portal.core.storage import send_stored_file

    if document.storage_key:
        return send_stored_file(document.storage_key, document.filename, mimetype="application/pdf")
    from portal.core.signatures import SignatureDocument, signed_document_bytes

    row = db.session.get(SignatureDocument, document.signature_document_id)
    if row is None:
        abort(404)
    try:
        data = signed_document_bytes(row)
    except FileNotFoundError:
        abort(404)
    response = send_file(
        io.BytesIO(data),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=document.filename,
        conditional=False,
        etag=False,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.cache_control.private = True
    return response


def send_supporting_file(document: SupportingDocument):
    """Download the file received for a supporting document (404 when none)."""
    from flask import abort

    from portal.core.storage import send_stored_file

    if not document.storage_key:
        abort(404)
    return send_stored_file(document.storage_key, document.filename, mimetype=document.content_type)


FILE_PREFIX = "piece-"  # a received supporting document's name in URLs: « piece-<id> »


def file_name(document: SupportingDocument) -> str:
    return f"{FILE_PREFIX}{document.id}"


def send_contract_file(contract: Contract, name: str):
    """The response for one of the contract's files by ``name``: a received supporting document
    (``piece-<id>``) or a document of the request (its name); None when it has no such file."""
    if name.startswith(FILE_PREFIX) and name[len(FILE_PREFIX) :].isdigit():
        document = db.session.scalar(
            select(SupportingDocument).where(
                SupportingDocument.contract_id == contract.id,
                SupportingDocument.id == int(name[len(FILE_PREFIX) :]),
                SupportingDocument.storage_key.is_not(None),
            )
        )
        return send_supporting_file(document) if document is not None else None
    sent = sent_document(contract, name)
    return send_sent_document(sent) if sent is not None else None


@job(queue="default")
def forget_replaced_file(tenant_id, key):
    """Delete a supporting document's file that a new one replaced (queued in the replacing
    transaction, so it runs only once that is committed); a file still referenced stays."""
    if db.session.scalar(
        select(SupportingDocument.id).where(SupportingDocument.storage_key == key)
    ):
        return
    storage().delete(key)


JOBS: list = [forget_replaced_file]
