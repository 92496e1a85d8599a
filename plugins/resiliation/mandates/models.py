"""The mandates' table: one row per letter, what its mandate stands on (the pre-filled mandate or
the agent's own, a hand-signed scan waiting for validation or validated, an e-signature
procedure, or « sans mandat » accepted). The letter's ``mandate_kind`` / ``mandate_ready_at``
say whether it is settled; this row keeps the files and the procedure behind it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.clock import now
from portal.core.tenants import TenantScoped
from portal.extensions import db


class MandateSource:
    """Which mandate the subscriber signs."""

    PREFILLED = "prefilled"  # the platform's pre-filled mandate
    OWN = "own"  # the agent's own mandate (a PDF they upload)


class LetterMandate(TenantScoped, db.Model):
    """The mandate side of one letter (files stored under the tenant's prefix)."""

    __tablename__ = "resiliation_mandate"

    id: Mapped[int] = mapped_column(primary_key=True)
    letter_id: Mapped[int] = mapped_column(
        ForeignKey("resiliation_letter.id", ondelete="CASCADE"), unique=True, index=True
    )
    source: Mapped[str] = mapped_column(String(16), default=MandateSource.PREFILLED)
    # The agent's own mandate to sign electronically (a PDF).
    own_key: Mapped[str | None] = mapped_column(String(1024))
    own_filename: Mapped[str | None] = mapped_column(String(255))
    # The scan signed by hand: uploaded (to preview), then validated.
    scan_key: Mapped[str | None] = mapped_column(String(1024))
    scan_filename: Mapped[str | None] = mapped_column(String(255))
    scan_content_type: Mapped[str | None] = mapped_column(String(100))
    scan_pages: Mapped[int] = mapped_column(Integer, default=0)
    scan_uploaded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    scan_validated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    scan_evidence_id: Mapped[int | None] = mapped_column(Integer)  # an EvidenceRecord
    # The e-signature: the core's procedure, what was typed for it, the signed PDF's proof.
    procedure_id: Mapped[int | None] = mapped_column(
        ForeignKey("signature_procedure.id", ondelete="SET NULL"), index=True
    )
    signer_email: Mapped[str] = mapped_column(String(254), default="")
    signer_mobile: Mapped[str] = mapped_column(String(20), default="")
    co_signer_email: Mapped[str] = mapped_column(String(254), default="")
    co_signer_mobile: Mapped[str] = mapped_column(String(20), default="")
    signed_evidence_id: Mapped[int | None] = mapped_column(Integer)  # an EvidenceRecord
    # « Je comprends et j'accepte la remarque ci-dessus » (sans mandat).
    without_accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now, onupdate=now)


# The model classes of this part, registered by the plugin's ``register_models``.
MODELS: list = [LetterMandate]
