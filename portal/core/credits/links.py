"""What a ledger entry paid for, as a link: a small registry by subject type.

An entry names its subject by class name and id (``LedgerEntry.subject_type`` /
``subject_id``: a payment, an identity verification, a letter…). The credit history links each
entry to it through the function registered for that type; a plugin registers its own at import
(its ``__init__``), e.g.::

    from portal.core.credits.links import EntryLink, subject_link

    @subject_link("Letter")
    def letter_link(entry):
        return EntryLink(url_for("resiliation.letter", letter_id=entry.subject_id),
                         _("Lettre n° %(id)s", id=entry.subject_id))

The function runs in the holder's request (tenant-scoped) and returns None when there is
nothing to show (the subject is gone). The link must be a page of the account's own: the
target view checks ownership as every view does.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select

from portal.core.credits.models import BillingDocument, Consumption, LedgerEntry
from portal.extensions import db

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EntryLink:
    url: str
    label: str


LinkFunction = Callable[[LedgerEntry], EntryLink | None]
_REGISTRY: dict[str, LinkFunction] = {}


def subject_link(subject_type: str) -> Callable[[LinkFunction], LinkFunction]:
    """Register the function giving the link of entries whose subject is ``subject_type``."""

    def register(function: LinkFunction) -> LinkFunction:
        _REGISTRY[subject_type] = function
        return function

    return register


def link_for(entry: LedgerEntry) -> EntryLink | None:
    """The link of what ``entry`` paid for (or gave back), or None."""
    function = _REGISTRY.get(entry.subject_type or "")
    if function is None or entry.subject_id is None:
        return None
    try:
        return function(entry)
    except Exception:  # a plugin's broken link never breaks the history page
        log.exception("no link for ledger entry %s (%s)", entry.id, entry.subject_type)
        return None


def _document_link(document: BillingDocument | None, label: str) -> EntryLink | None:
    if document is None or not document.storage_key:
        return None
    return EntryLink(url_for("credits.billing_document", document_id=document.id), label)


def document_for(entry: LedgerEntry) -> EntryLink | None:
    """The billing document of the movement: the receipt of a purchase, the monthly invoice a
    consumed charge appears on, the closure statement of a refund."""
    if entry.subject_type == "Payment" and entry.subject_id:
        document = db.session.scalar(
            select(BillingDocument).where(BillingDocument.payment_id == entry.subject_id)
        )
        return _document_link(
            document, _("Reçu %(number)s", number=document.number) if document else ""
        )
    if entry.subject_type == "RefundRequest" and entry.subject_id:
        from portal.core.credits.models import RefundRequest

        request = db.session.get(RefundRequest, entry.subject_id)
        if request is None or request.statement_id is None:
            return None
        document = db.session.get(BillingDocument, request.statement_id)
        return _document_link(
            document, _("Décompte %(number)s", number=document.number) if document else ""
        )
    invoice_id = db.session.scalar(
        select(Consumption.invoice_id)
        .where(Consumption.charge_entry_id == entry.id, Consumption.invoice_id.is_not(None))
        .limit(1)
    )
    if invoice_id is not None:
        document = db.session.get(BillingDocument, invoice_id)
        return _document_link(
            document, _("Facture %(number)s", number=document.number) if document else ""
        )
    return None


# --- The core's subjects -------------------------------------------------------------------------


@subject_link("IdentityVerification")
def _identity_verification(entry: LedgerEntry) -> EntryLink | None:
    return EntryLink(url_for("verification.identity"), _("Vérification d'identité"))


@subject_link("Payment")
def _payment(entry: LedgerEntry) -> EntryLink | None:
    return document_for(entry)


@subject_link("RefundRequest")
def _refund_request(entry: LedgerEntry) -> EntryLink | None:
    return EntryLink(url_for("account.closure"), _("Clôture du compte"))


@subject_link("LedgerEntry")
def _given_back(entry: LedgerEntry) -> EntryLink | None:
    """A refund names the charge it gives back: it links where that charge does."""
    charge = db.session.get(LedgerEntry, entry.subject_id)
    if charge is None or charge.account_id != entry.account_id:
        return None
    return link_for(charge)
