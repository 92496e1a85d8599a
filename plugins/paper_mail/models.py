"""The paper_mail plugin's tables: a mail (courrier papier) with its options, recipient, sender
and dates, and its documents (the uploaded files and the PDFs they were converted to)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from plugins.paper_mail.rules import DEFAULT_MODE
from portal.core.accounts.ownership import AccountOwned
from portal.core.clock import now
from portal.core.sendings.models import Sending
from portal.core.tenants import TenantScoped
from portal.extensions import db


class MailState:
    """Where a mail stands in the list (SPEC §5): « Création [Effacer] », « Programmé le … »,
    « Transmis le … », « Posté le … », « Annulé »; its sending says what the post did next
    (delivered, returned NPAI, refused…), and ``FAILED`` when the printer refused it."""

    DRAFT = "draft"  # being composed; may be deleted
    SCHEDULED = "scheduled"  # validated and charged, waits for its day (``send_on``)
    TRANSMITTED = "transmitted"  # handed to the printer (``transmitted_at``)
    POSTED = "posted"  # the printer handed it to La Poste (``posted_on``)
    CANCELLED = "cancelled"  # cancelled before its day, refunded
    FAILED = "failed"  # refused by the printer (address rejected…), refunded


class DocumentStatus:
    PENDING = "pending"  # uploaded, its conversion to PDF is queued or running
    READY = "ready"  # ``pdf_key`` holds the PDF that will be printed
    FAILED = "failed"  # could not be converted: ``error`` says why (the others are intact)


class RecipientSource:
    """Where the recipient's address comes from (manual §8.3)."""

    NONE = ""
    DETECTED = "detected"  # read in the first document's window, confirmed by the user (−0,10 €)
    TYPED = "typed"  # typed: an address-carrier page is added in front (+0,16 €)


class PaperMail(AccountOwned, db.Model):
    """A paper mail of an account: its documents printed in their ``position`` order, in
    ``mode``, to one recipient. Once validated (``validated_at``) its content is frozen in its
    sending (``sending``): only the send date may change, until the day before."""

    __tablename__ = "paper_mail_mail"
    # The list's page, newest first, walks this index from its end (ten mails read, not all).
    __table_args__ = (Index("ix_paper_mail_mail_account_newest", "account_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)  # « PAP-7K3M9Q2X4T »
    state: Mapped[str] = mapped_column(String(20), default=MailState.DRAFT, index=True)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("account_profile.id", ondelete="SET NULL")
    )

    # Options (manual §8.1 c, §8.2): colour and duplex by default.
    mode: Mapped[str] = mapped_column(String(20), default=DEFAULT_MODE.value)
    colour: Mapped[bool] = mapped_column(Boolean, default=True)
    duplex: Mapped[bool] = mapped_column(Boolean, default=True)

    # The recipient (manual §8.3): detected in the first document's window, or typed.
    recipient_source: Mapped[str] = mapped_column(String(10), default="")
    recipient_name: Mapped[str] = mapped_column(String(38), default="")
    recipient_lines: Mapped[list] = mapped_column(JSON, default=list)  # 1–4 lines of 38
    recipient_postal_code: Mapped[str] = mapped_column(String(10), default="")
    recipient_city: Mapped[str] = mapped_column(String(38), default="")
    # What was read in the first document's window: {"lines": [...], "method": "text" | "ocr",
    # "document_id": n}, or None when nothing was found; the user confirms it.
    detected_address: Mapped[dict | None] = mapped_column(JSON)

    # The sender, for the tracked and registered modes (« Utiliser mes coordonnées »).
    sender_name: Mapped[str] = mapped_column(String(38), default="")
    sender_lines: Mapped[list] = mapped_column(JSON, default=list)
    sender_postal_code: Mapped[str] = mapped_column(String(10), default="")
    sender_city: Mapped[str] = mapped_column(String(38), default="")

    # Dates: created; validated (charged); ``send_on`` the chosen day of a scheduled mail (None:
    # sent now); ``handover_on`` the day the post takes it; then what the printer reported.
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now, onupdate=now)
    validated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    send_on: Mapped[date | None] = mapped_column(Date)
    handover_on: Mapped[date | None] = mapped_column(Date)
    transmitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    posted_on: Mapped[date | None] = mapped_column(Date)
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The documents' contents are deleted ``[retention] paper_contents_days`` after the mail left
    # (its sending's proofs are kept for their own retention).
    contents_purged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    sending_id: Mapped[int | None] = mapped_column(
        ForeignKey("sending.id", ondelete="SET NULL"), index=True
    )
    sending: Mapped[Sending | None] = relationship(lazy="joined")
    documents: Mapped[list[PaperDocument]] = relationship(
        back_populates="mail",
        order_by="PaperDocument.position",
        cascade="all, delete-orphan",
    )


class PaperDocument(TenantScoped, db.Model):
    """One uploaded file of a mail: the original as uploaded (``original_key``) and the PDF that
    is printed (``pdf_key``: the file itself for a PDF, LibreOffice's conversion for an office
    file, the image on A4 pages for an image)."""

    __tablename__ = "paper_mail_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    mail_id: Mapped[int] = mapped_column(
        ForeignKey("paper_mail_mail.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(120))
    size_bytes: Mapped[int] = mapped_column(Integer, default=0)
    original_key: Mapped[str | None] = mapped_column(String(1024))
    pdf_key: Mapped[str | None] = mapped_column(String(1024))
    status: Mapped[str] = mapped_column(String(10), default=DocumentStatus.PENDING)
    error: Mapped[str | None] = mapped_column(Text)
    # An office file converted by LibreOffice: « la mise en page n'est pas garantie ».
    converted: Mapped[bool] = mapped_column(Boolean, default=False)
    pages: Mapped[int] = mapped_column(Integer, default=0)
    staple: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)

    mail: Mapped[PaperMail] = relationship(back_populates="documents")


MODELS = [PaperMail, PaperDocument]
