"""The platform mandate's signature: once per account, by the holder, through an e-signature
procedure of the signatures module (the mandate as a PDF, the holder's SMS code).

``start_mandate_signature`` keeps the text the holder read (``MandateSignatureRequest``), makes
the PDF from it and opens the procedure in person (the holder is at their own screen); the
signatures module reports the outcome through ``on_signature_outcome`` and
``record_signed_mandate`` then keeps that text word for word, with its fingerprint, as the
account's ``PlatformMandate``. Mandates signed before (with the password) stay valid as they are.
"""

from __future__ import annotations

from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from portal.core import audit, clock
from portal.core.accounts.models import Account, Profile
from portal.core.tenants.config import CurrentTenant
from portal.core.verification import mandate as mandate_text_module
from portal.core.verification.errors import (
    MandateAlreadySigned,
    MandateChanged,
    VerificationError,
)
from portal.core.verification.models import MandateSignatureRequest, PlatformMandate
from portal.extensions import db

# The owner of the mandate's procedures (``SignatureProcedure.owner``).
OWNER = "verification"
# The holder signs right away, at their own screen: a day is ample.
SIGNATURE_DELAY = timedelta(days=1)
PDF_FILENAME = "mandat-plateforme.pdf"


def account_mandate(account: Account) -> PlatformMandate | None:
    return db.session.scalar(
        select(PlatformMandate).where(PlatformMandate.account_id == account.id)
    )


def pending_request(account: Account) -> MandateSignatureRequest | None:
    """The account's mandate signature still open (procedure ongoing), if any."""
    from portal.core.signatures.models import ProcedureState, SignatureProcedure

    return db.session.scalar(
        select(MandateSignatureRequest)
        .join(SignatureProcedure, SignatureProcedure.id == MandateSignatureRequest.procedure_id)
        .where(
            MandateSignatureRequest.account_id == account.id,
            SignatureProcedure.state == ProcedureState.ONGOING,
        )
        .order_by(MandateSignatureRequest.id.desc())
        .limit(1)
    )


def mandate_pdf(text: str, tenant: CurrentTenant, mandate: PlatformMandate | None = None) -> bytes:
    """The mandate as a PDF: the document to sign (``mandate`` None) or, for a mandate signed
    with the password before signature procedures, its copy with that signature's details."""
    from portal.core.pdf import render_pdf

    return render_pdf(
        "verification/pdf/mandate.html",
        tenant=tenant,
        mandate=mandate,
        paragraphs=mandate_text_module.paragraphs(text),
        text_sha256=mandate_text_module.fingerprint(text),
        today=clock.today(tenant),
        recipient=[],
    )


def start_mandate_signature(
    account: Account, profile: Profile, tenant: CurrentTenant, shown_sha256: str
) -> str:
    """The holder asks to sign the mandate they read: returns the URL of their signing pages.

    ``shown_sha256`` is the fingerprint of the text the holder read: if the text changed since
    (account details edited meanwhile) nothing starts and the new text is shown. A signature
    already open for the same text and number is resumed; otherwise it is cancelled and a new
    one starts.
    """
    from portal.core.signatures import operations
    from portal.core.signatures.models import SignatureProcedure
    from portal.core.signatures.operations import NewDocument, NewSigner
    from portal.core.signatures.providers.base import Delivery

    if account_mandate(account) is not None:
        raise MandateAlreadySigned(_("Le mandat a déjà été signé."))
    if not account.mobile:
        raise VerificationError(
            _("Ajoutez votre téléphone portable : le code de signature vous est envoyé par SMS.")
        )
    text = mandate_text_module.mandate_text(account, tenant)
    sha256 = mandate_text_module.fingerprint(text)
    if sha256 != shown_sha256:
        raise MandateChanged(
            _("Le texte du mandat a changé depuis son affichage : relisez-le avant de signer.")
        )
    pending = pending_request(account)
    if pending is not None:
        procedure = db.session.get(SignatureProcedure, pending.procedure_id)
        signer = procedure.signers[0]
        if pending.text_sha256 == sha256 and signer.mobile == account.mobile:
            return operations.open_for_agent(procedure, signer, profile)
        operations.cancel_procedure(
            procedure,
            reason=_("Remplacée par une nouvelle demande de signature du mandat."),
            profile=profile,
        )
    procedure = operations.create_and_start(
        account=account,
        profile=profile,
        owner=OWNER,
        title=_("Mandat d'envoi de courriers"),
        documents=[
            NewDocument(
                title=_("Mandat d'envoi de courriers"),
                filename=PDF_FILENAME,
                content=mandate_pdf(text, tenant),
                acceptance_boxes=(_("J'ai lu le mandat et je l'accepte"),),
            )
        ],
        signers=[
            NewSigner(
                first_name=account.first_name,
                last_name=account.last_name,
                email=account.email,
                mobile=account.mobile,
            )
        ],
        deadline=clock.now() + SIGNATURE_DELAY,
        subject=account,
        delivery=Delivery.IN_PERSON,
        success_message=_("Votre mandat est signé : vous pouvez maintenant envoyer des courriers."),
    )
    db.session.add(
        MandateSignatureRequest(
            account_id=account.id,
            procedure_id=procedure.id,
            text=text,
            text_sha256=sha256,
            created_at=clock.now(),
        )
    )
    audit.record(
        "verification.mandate_signature_started",
        target=procedure,
        text_sha256=sha256,
        **audit.by_account(account, profile),
    )
    return operations.open_for_agent(procedure, procedure.signers[0], profile)


def record_signed_mandate(procedure) -> PlatformMandate | None:
    """A mandate procedure was signed: the account's ``PlatformMandate`` from the text the holder
    read, the signer's name, moment and address. Idempotent: an account keeps its first mandate."""
    if procedure.owner != OWNER:
        return None
    shown = db.session.scalar(
        select(MandateSignatureRequest).where(MandateSignatureRequest.procedure_id == procedure.id)
    )
    account = db.session.get(Account, procedure.account_id)
    if shown is None or account is None:
        return None
    existing = account_mandate(account)
    if existing is not None:
        return existing
    signer = procedure.signers[0]
    document = procedure.documents[0]
    mandate = PlatformMandate(
        account_id=account.id,
        signer_name=signer.full_name,
        text=shown.text,
        text_sha256=shown.text_sha256,
        signed_at=signer.signed_at or procedure.completed_at or clock.now(),
        ip=signer.ip,
        procedure_id=procedure.id,
        signed_document_record_id=document.evidence_record_id,
    )
    db.session.add(mandate)
    db.session.flush()
    profile = db.session.get(Profile, procedure.profile_id) if procedure.profile_id else None
    audit.record(
        "verification.mandate_signed",
        target=mandate,
        text_sha256=shown.text_sha256,
        procedure=procedure.reference,
        **audit.by_account(account, profile),
    )
    return mandate
