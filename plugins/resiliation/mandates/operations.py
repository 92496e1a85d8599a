"""What happens to a letter's mandate and sender. Every function runs in the caller's
transaction (the view or job commits); refusals raise :class:`MandateRefused` before writing.

The letter's ``mandate_kind`` / ``mandate_ready_at`` and ``sender`` are set here only."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta

from sqlalchemy import select

from plugins.resiliation.i18n import _
from plugins.resiliation.mandates.document import FILENAME, mandate_pdf
from plugins.resiliation.mandates.models import LetterMandate, MandateSource
from plugins.resiliation.models import Letter, MandateKind
from plugins.resiliation.rules import (
    PARIS,
    Sender,
    platform_sender_refusal,
    platform_signature_deadline,
)
from portal.core import clock, uploads
from portal.core.i18n import force_locale
from portal.core.storage import storage, tenant_key
from portal.extensions import db

HAND_PROOF = "hand_signed_mandate"
DEFAULT_DEADLINE_DAYS = 14
DEFAULT_DEADLINE_TIME = time(20, 0)


class MandateRefused(ValueError):
    """A change refused by the mandate's rules; ``message`` is meant for the user, ``field``
    names the form field it belongs next to (None: the page)."""

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


# --- reading ------------------------------------------------------------------------------------


def mandate_of(letter: Letter, *, create: bool = False) -> LetterMandate | None:
    """The letter's mandate row (made when ``create``)."""
    row = db.session.scalar(select(LetterMandate).where(LetterMandate.letter_id == letter.id))
    if row is None and create:
        row = LetterMandate(letter_id=letter.id, source=MandateSource.PREFILLED)
        db.session.add(row)
        db.session.flush()
    return row


def procedure_of(row: LetterMandate | None):
    """The e-signature procedure of the mandate (the latest started), or None."""
    if row is None or row.procedure_id is None:
        return None
    from portal.core.signatures.models import SignatureProcedure

    return db.session.get(SignatureProcedure, row.procedure_id)


def settings(tenant):
    return tenant.settings_for("resiliation")


def agency_may_attach(letter: Letter, tenant) -> bool:
    """The agency's mandate buttons need a verified professional document (ORIAS certificate)
    on file, valid today."""
    from portal.core.accounts.models import Account
    from portal.core.verification.documents import has_valid_document

    account = db.session.get(Account, letter.account_id)
    return has_valid_document(account, clock.today(tenant))


def platform_name(tenant) -> str:
    return tenant.name


def platform_refusal(letter: Letter, tenant) -> str | None:
    """Why the platform may not send this letter (a French sentence), or None when it may."""
    name = platform_name(tenant)
    if not settings(tenant).allow_platform_sender:
        return _("L'envoi au nom de %(name)s n'est pas proposé.", name=name)
    refusal = platform_sender_refusal([c.contract_type for c in letter.contracts], letter.reason)
    if refusal is None:
        return None
    if refusal == "hamon":
        return _(
            "%(name)s n'étant pas un assureur, l'envoi à son nom n'est pas possible pour une "
            "résiliation en loi Hamon d'un contrat automobile ou habitation (locataire).",
            name=name,
        )
    if refusal == "ria":
        return _(
            "%(name)s n'étant pas un assureur, l'envoi à son nom n'est pas possible pour une "
            "résiliation infra-annuelle d'une complémentaire santé.",
            name=name,
        )
    return str(refusal)


def esign_extra_cents(letter: Letter, tenant) -> int | None:
    """What an e-signed mandate adds to the letter's price (the price list's difference between
    the letter with an e-signed mandate and without), None when the platform sends (included)."""
    from portal.core.pricing import price_list

    if letter.sender == Sender.PLATFORM:
        return None
    prices = price_list(tenant)
    kind = str(letter.send_type)
    with_mandate = prices.get(f"resiliation.{kind}_esigned_mandate")
    without = prices.get(f"resiliation.{kind}")
    if with_mandate is None or without is None:
        return None
    return with_mandate.price_cents - without.price_cents


def esign_deadline(letter: Letter, tenant) -> datetime:
    """The send day at the tenant's ``platform_signature_cutoff`` (Paris time) when the send
    date is known, else 14 days from today at 20:00."""
    if letter.send_date is not None:
        day, cutoff = letter.send_date, settings(tenant).platform_signature_cutoff
    else:
        day = clock.now().astimezone(PARIS).date() + timedelta(days=DEFAULT_DEADLINE_DAYS)
        cutoff = DEFAULT_DEADLINE_TIME
    return platform_signature_deadline(day, cutoff).astimezone(PARIS)


# --- changes -----------------------------------------------------------------------------------


def _check_editable(letter: Letter) -> None:
    if not letter.editable:
        raise MandateRefused(_("Cette lettre est validée : son mandat ne peut plus changer."))


def _check_agency_choice(letter: Letter, tenant) -> None:
    if letter.sender == Sender.PLATFORM:
        raise MandateRefused(
            _(
                "Pour un envoi au nom de %(name)s, le mandat est obligatoire et signé "
                "électroniquement uniquement.",
                name=platform_name(tenant),
            )
        )
    if not agency_may_attach(letter, tenant):
        raise MandateRefused(
            _(
                "Pour joindre un mandat, déposez d'abord votre attestation ORIAS en cours de "
                "validité (Mon compte) : elle doit être vérifiée."
            )
        )


def _unsettle(letter: Letter) -> None:
    letter.mandate_kind = MandateKind.UNDECIDED
    letter.mandate_ready_at = None


def _cancel_procedure(row: LetterMandate, profile, reason: str) -> None:
    from portal.core.signatures import operations as signatures
    from portal.core.signatures.models import FINAL_STATES

    procedure = procedure_of(row)
    if procedure is not None and procedure.state not in FINAL_STATES:
        signatures.cancel_procedure(procedure, reason=reason, profile=profile)


def choose_source(letter: Letter, tenant, source: str) -> LetterMandate:
    """« Quel mandat souhaitez-vous utiliser ? »: the pre-filled mandate or the agent's own."""
    _check_editable(letter)
    if source not in (MandateSource.PREFILLED, MandateSource.OWN):
        raise MandateRefused(_("Choisissez le mandat à utiliser."), "source")
    if source == MandateSource.OWN:
        _check_agency_choice(letter, tenant)
    row = mandate_of(letter, create=True)
    row.source = source
    return row


def upload_scan(letter: Letter, tenant, stream, filename: str | None) -> LetterMandate:
    """The scan of the mandate signed by hand (PDF or image, antivirus included), to preview
    before it is validated; replaces the one before. The letter's mandate is not ready until
    then. Raises ``uploads.UploadRefused`` (nothing changes) or :class:`MandateRefused`."""
    _check_editable(letter)
    _check_agency_choice(letter, tenant)
    accepted = uploads.read_document(stream, filename, "mandat-signe")
    pages = 1
    if accepted.file_type is uploads.PDF:
        pages = uploads.pdf_page_count(accepted.data)
        if pages < 1:
            raise uploads.UploadRefused(_("Ce PDF est illisible : enregistrez-le à nouveau."))
    row = mandate_of(letter, create=True)
    key = tenant_key(
        letter.tenant_id,
        "resiliation",
        "mandates",
        letter.reference,
        f"scan-{uuid.uuid4().hex}{accepted.file_type.extension}",
    )
    storage().put(key, accepted.data, accepted.file_type.content_type)
    old = row.scan_key
    row.scan_key = key
    row.scan_filename = accepted.filename
    row.scan_content_type = accepted.file_type.content_type
    row.scan_pages = pages
    row.scan_uploaded_at = clock.now()
    row.scan_validated_at = None
    row.scan_evidence_id = None
    if letter.mandate_kind == MandateKind.HAND_SIGNED:
        _unsettle(letter)
    if old and old != key:
        storage().delete(old)
    return row


def scan_page_png(row: LetterMandate, page: int) -> bytes:
    """Page ``page`` (from 1) of the uploaded scan as a PNG (an image scan is its only page)."""
    data = storage().read(row.scan_key)
    if row.scan_content_type == uploads.PDF.content_type:
        return uploads.render_pdf_page(data, page - 1)
    if page != 1:
        raise IndexError(page)
    from io import BytesIO

    from PIL import Image

    with Image.open(BytesIO(data)) as image:
        image.thumbnail((uploads.PREVIEW_WIDTH_PX, uploads.PREVIEW_WIDTH_PX * 2))
        out = BytesIO()
        image.save(out, "PNG")
        return out.getvalue()


def validate_scan(letter: Letter, tenant, profile=None) -> LetterMandate:
    """« Valider ce mandat »: the letter's mandate is the hand-signed scan, kept as a proof."""
    from portal.core import evidence

    _check_editable(letter)
    _check_agency_choice(letter, tenant)
    row = mandate_of(letter)
    if row is None or not row.scan_key:
        raise MandateRefused(_("Ajoutez d'abord le mandat signé par votre client."), "file")
    if row.scan_validated_at is None:
        record = evidence.add_proof(
            letter.tenant_id,
            HAND_PROOF,
            storage().read(row.scan_key),
            row.scan_filename or "mandat-signe",
            row.scan_content_type or "application/octet-stream",
            subject=letter,
        )
        row.scan_evidence_id = record.id
        row.scan_validated_at = clock.now()
    _cancel_procedure(row, profile, _("Le mandat a été signé de manière manuscrite."))
    row.without_accepted_at = None
    letter.mandate_kind = MandateKind.HAND_SIGNED
    letter.mandate_ready_at = clock.now()
    return row


def choose_without(letter: Letter, tenant, profile=None) -> LetterMandate:
    """« Je décide de ne pas joindre le mandat », the remark accepted."""
    _check_editable(letter)
    _check_agency_choice(letter, tenant)
    row = mandate_of(letter, create=True)
    _cancel_procedure(row, profile, _("Le mandat ne sera pas joint à la lettre."))
    row.without_accepted_at = clock.now()
    letter.mandate_kind = MandateKind.NONE
    letter.mandate_ready_at = clock.now()
    return row


def own_mandate_upload(letter: Letter, tenant, stream, filename: str | None) -> LetterMandate:
    """The agent's own mandate to be signed electronically (a PDF only)."""
    _check_editable(letter)
    accepted = uploads.read_document(stream, filename, "mandat")
    if accepted.file_type is not uploads.PDF:
        raise uploads.UploadRefused(
            _("Le mandat à signer électroniquement doit être un PDF."),
        )
    row = mandate_of(letter, create=True)
    key = tenant_key(
        letter.tenant_id,
        "resiliation",
        "mandates",
        letter.reference,
        f"own-{uuid.uuid4().hex}.pdf",
    )
    storage().put(key, accepted.data, "application/pdf")
    old = row.own_key
    row.own_key, row.own_filename = key, accepted.filename
    if old and old != key:
        storage().delete(old)
    return row


def success_message(letter: Letter) -> str:
    """What the signer reads once signed (manual §5.6)."""
    from portal.core.i18n import format_date

    if letter.send_date is not None:
        return _(
            "Votre lettre sera envoyée comme prévu le %(date)s à %(insurer)s.",
            date=format_date(letter.send_date, "short"),
            insurer=letter.recipient_name,
        )
    return _(
        "Votre mandat est signé : votre lettre sera envoyée à %(insurer)s.",
        insurer=letter.recipient_name,
    )


def start_esignature(
    letter: Letter,
    tenant,
    account,
    profile,
    *,
    email: str,
    mobile: str,
    co_email: str = "",
    co_mobile: str = "",
    in_person: bool = False,
):
    """« Mon client signe de manière électronique »: a core signature procedure of the mandate
    (the pre-filled one, or the agent's own PDF) by the subscriber(s), no separate charge (the
    letter's price with an e-signed mandate pays for it). Any procedure still open for this
    letter is cancelled first. Raises :class:`MandateRefused` (the procedure's own refusals
    included, e.g. a deadline already past)."""
    from portal.core.signatures import operations as signatures
    from portal.core.signatures.errors import InvalidProcedure
    from portal.core.signatures.providers.base import Delivery

    _check_editable(letter)
    if letter.sender != Sender.PLATFORM and not agency_may_attach(letter, tenant):
        _check_agency_choice(letter, tenant)
    row = mandate_of(letter, create=True)
    if letter.sender == Sender.PLATFORM:
        row.source = MandateSource.PREFILLED  # the platform's mandate names the platform
    if row.source == MandateSource.OWN:
        if not row.own_key:
            raise MandateRefused(_("Ajoutez le mandat à faire signer (un PDF)."), "own_file")
        content = storage().read(row.own_key)
    else:
        content = mandate_pdf(letter, tenant, electronic=True)
    signers = [signatures.NewSigner(letter.first_name, letter.last_name, email, mobile)]
    if letter.has_co_subscriber:
        signers.append(
            signatures.NewSigner(letter.co_first_name, letter.co_last_name, co_email, co_mobile)
        )
    _cancel_procedure(row, profile, _("Remplacée par une nouvelle demande de signature."))
    # What the subscriber reads is French, whatever the agent's language.
    with force_locale("fr"):
        title = _("Mandat de résiliation — %(name)s", name=letter.subscriber_name)
        document_title = _("Mandat de résiliation")
        box = _("Je reconnais avoir lu le document et l'accepte sans réserve.")
        success = success_message(letter)
    try:
        procedure = signatures.create_and_start(
            account=account,
            profile=profile,
            owner="resiliation",
            title=title,
            documents=[
                signatures.NewDocument(document_title, FILENAME, content, acceptance_boxes=(box,))
            ],
            signers=signers,
            deadline=esign_deadline(letter, tenant),
            subject=letter,
            delivery=Delivery.IN_PERSON if in_person else Delivery.REMOTE,
            success_message=success,
            locale="fr",
        )
    except InvalidProcedure as refusal:
        raise MandateRefused(refusal.message) from None
    row.procedure_id = procedure.id
    row.signer_email, row.signer_mobile = email, mobile
    row.co_signer_email, row.co_signer_mobile = co_email, co_mobile
    row.signed_evidence_id = None
    row.without_accepted_at = None
    # Chosen, not in hand yet: ready once signed (outcomes.signature_outcome).
    letter.mandate_kind = MandateKind.ELECTRONIC
    letter.mandate_ready_at = None
    return procedure


def set_sender(letter: Letter, tenant, sender: Sender, profile=None) -> str | None:
    """Who sends the letter. The platform only where the tenant allows it and the letter's types
    and reason do (else :class:`MandateRefused` with the reason). A settled or pending mandate
    named the other mandatary: it is reset (an open e-signature cancelled) and the returned
    sentence says so (None when nothing was reset)."""
    _check_editable(letter)
    sender = Sender(sender)
    if sender == letter.sender:
        return None
    if sender == Sender.PLATFORM:
        refusal = platform_refusal(letter, tenant)
        if refusal is not None:
            raise MandateRefused(refusal)
    row = mandate_of(letter)
    had = letter.mandate_kind != MandateKind.UNDECIDED or (
        row is not None and (row.scan_key or row.procedure_id)
    )
    if row is not None:
        _cancel_procedure(row, profile, _("L'émetteur du courrier a changé."))
        if row.scan_key:
            storage().delete(row.scan_key)
        row.scan_key = row.scan_filename = row.scan_content_type = None
        row.scan_pages = 0
        row.scan_uploaded_at = row.scan_validated_at = None
        row.procedure_id = None
        row.signed_evidence_id = None
        row.without_accepted_at = None
        row.source = MandateSource.PREFILLED
    _unsettle(letter)
    letter.sender = sender
    if not had:
        return None
    if sender == Sender.PLATFORM:
        return _(
            "Le mandat choisi ne vaut pas pour un envoi au nom de %(name)s : votre client doit "
            "signer électroniquement un mandat au nom de %(name)s.",
            name=platform_name(tenant),
        )
    return _(
        "Le mandat au nom de %(name)s ne vaut pas pour un envoi par votre agence : choisissez "
        "à nouveau le mandat de votre client.",
        name=platform_name(tenant),
    )
