"""Professional identity documents an agent uploads (ORIAS certificate, statutes…), kept
pending until an operator reviews them. Each action runs in the caller's transaction and writes
its audit entry there.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import BinaryIO

from sqlalchemy import exists, select

from portal.core import audit, uploads
from portal.core.accounts.models import Account, Profile
from portal.core.storage import storage, tenant_key
from portal.core.uploads import read_document
from portal.core.verification.errors import UploadRefused
from portal.core.verification.models import DocumentKind, DocumentStatus, ProfessionalDocument
from portal.extensions import db


def upload_document(
    account: Account,
    profile: Profile,
    kind: DocumentKind,
    stream: BinaryIO,
    declared_name: str | None,
) -> ProfessionalDocument:
    """Store a professional identity document, pending the operator's review.

    The type is judged by the content (PDF, JPEG or PNG), never by the declared name.
    """
    try:
        document_file = read_document(stream, declared_name, default_name="justificatif")
    except uploads.UploadRefused as exc:
        raise UploadRefused(exc.message) from None
    data, file_type = document_file.data, document_file.file_type
    key = tenant_key(
        account.tenant_id,
        "accounts",
        str(account.id),
        "documents",
        uuid.uuid4().hex + file_type.extension,
    )
    storage().put(key, data, file_type.content_type)
    document = ProfessionalDocument(
        account_id=account.id,
        kind=kind,
        storage_key=key,
        filename=document_file.filename,
        content_type=file_type.content_type,
        size=len(data),
        status=DocumentStatus.PENDING,
        uploaded_by_profile_id=profile.id,
    )
    db.session.add(document)
    db.session.flush()
    audit.record(
        "verification.document_uploaded",
        target=document,
        kind=kind.value,
        size=len(data),
        **audit.by_account(account, profile),
    )
    return document


def account_documents(account: Account) -> list[ProfessionalDocument]:
    return list(
        db.session.scalars(
            select(ProfessionalDocument)
            .where(ProfessionalDocument.account_id == account.id)
            .order_by(ProfessionalDocument.created_at.desc(), ProfessionalDocument.id.desc())
        )
    )


def has_valid_document(account: Account, today: date) -> bool:
    """An approved document that has not expired (valid through its expiry day)."""
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    ProfessionalDocument.account_id == account.id,
                    ProfessionalDocument.status == DocumentStatus.APPROVED,
                    ProfessionalDocument.expires_on >= today,
                )
            )
        )
    )
