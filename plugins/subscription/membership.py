"""The membership request (guide §4 « Souscrire en ligne »): « Signer le contrat » turns what the
client typed on the subscription pages into a Contract with its documents (the « Bulletin
individuel d'adhésion » and the « Mandat de prélèvement SEPA ») and its supporting-document rows,
then either starts the e-signature (the client signs on the signer's pages, in person, with an SMS
code) or emails the documents to sign by hand. The signature's outcome comes back through
``on_signature_outcome``: signed → « Souscrit » and the signed documents emailed; refused, expired
or cancelled → « Refusé » and the « Échec de signature électronique » email.

Every function runs in the caller's transaction (the view or job commits); each email is queued
once (guarded by its agenda event's key, written once)."""

from __future__ import annotations

import contextlib
import secrets
from datetime import date, timedelta

from sqlalchemy import select

from plugins.subscription import agenda, quotes, rules
from plugins.subscription.i18n import _
from plugins.subscription.models import Client, Contract, Quote, SupportingDocument
from plugins.subscription.numbers import next_number
from plugins.subscription.rules import QuoteState, SignatureState
from portal.core import clock
from portal.core.database import lock_and_reload
from portal.core.jobs import enqueue, job
from portal.extensions import db

# The guide's three boxes of each document to sign (« ACCEPTER LE DOCUMENT »).
ACCEPTANCE_BOXES = (
    "Je déclare avoir lu toutes les pages du document ci-dessus.",
    "Je déclare accepter les conditions de ce document.",
    "Je confirme mon choix de signer électroniquement ce document (et dans ce cadre accepte "
    "les conditions d'utilisation des services électroniques).",
)
MAIL_BY_HAND = "by_hand"
MAIL_SIGNED = "signed"
MAIL_FAILED = "failed"


class SubscriptionRefused(ValueError):
    """« Signer le contrat » cannot go on: ``message`` is for the client."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def refusal_of(quote: Quote, today: date) -> str | None:
    """Why the quote's link no longer leads to the subscription (a sentence), or None."""
    if quotes.subscribable(quote, today):
        return None
    state = QuoteState(quote.state)
    if state in (QuoteState.VALIDATED, QuoteState.PROPOSED, QuoteState.EXPIRED):
        return _(
            "Cette proposition a expiré le %(day)s : contactez votre conseiller.",
            day=quote.expires_on.strftime("%d/%m/%Y"),
        )
    if state in (QuoteState.SUBSCRIBED, QuoteState.AWAITING_VALIDATION):
        return _("Vous avez déjà souscrit ce contrat : merci de votre confiance.")
    if state == QuoteState.ACCEPTED:
        return _(
            "La signature de ce contrat est déjà en cours : terminez-la depuis la page de "
            "signature, ou contactez votre conseiller."
        )
    if state == QuoteState.AWAITING_DOCUMENTS:
        return _(
            "Votre demande d'adhésion est enregistrée : renvoyez les documents signés reçus par "
            "e-mail à votre conseiller."
        )
    if state == QuoteState.REFUSED:
        return _(
            "La signature de cette proposition a échoué ou a été refusée : contactez votre "
            "conseiller pour un nouveau devis."
        )
    if state == QuoteState.DECLINED:
        return _(
            "Cette proposition a été remplacée ou retirée par votre conseiller : utilisez le "
            "lien de votre dernier devis, ou contactez votre conseiller."
        )
    return _("Cette proposition ne peut pas être souscrite en ligne : contactez votre conseiller.")


def _account_and_profile(row):
    from portal.core.accounts.models import Account, Profile

    account = db.session.get(Account, row.account_id)
    profile = db.session.get(Profile, row.managed_by_id) if row.managed_by_id else None
    if profile is None and account is not None:
        profile = account.holder_profile
    return account, profile


def _store(tenant, contract: Contract, name: str, content: bytes) -> str:
    from portal.core.storage import storage, tenant_key

    key = tenant_key(
        tenant.id,
        "subscription",
        "contracts",
        str(contract.id),
        f"{name}-{secrets.token_hex(6)}.pdf",
    )
    storage().put(key, content, "application/pdf")
    return key


def stored_document(contract: Contract, name: str) -> bytes | None:
    """A stored document of the contract (``membership_form``, ``sepa_mandate``…)."""
    from portal.core.storage import storage

    key = (contract.document_keys or {}).get(name)
    return storage().read(key) if key else None


def _client_update(client: Client, personal: dict) -> None:
    client.civility = personal["civility"]
    client.last_name = personal["last_name"]
    client.birth_name = personal.get("birth_name") or ""
    client.first_name = personal["first_name"]
    client.birth_date = date.fromisoformat(personal["birth_date"])
    client.mobile = personal["mobile"]


def sign_contract(quote: Quote, values: dict, *, by_hand: bool, locale: str = "fr") -> Contract:
    """« Signer le contrat »: the Contract from the quote and the kept ``values`` (``{"donnees":
    {civility, last_name, birth_name, first_name, birth_date (ISO), social_security_number,
    mobile (E.164), status_declared, health_data_transmission, marketing_opt_out},
    "documents": {read_at (ISO)}, "paiement": {account_holder, iban, bic}}``), its documents and
    supporting-document rows; then the e-signature procedure (the quote « Accepté ») or, by hand,
    the documents emailed (« En attente de pièce(s) »). Raises :class:`SubscriptionRefused`; the
    caller rolls back then."""
    from plugins.subscription import membership_documents
    from plugins.subscription.products import product_of

    tenant = quotes.scope_tenant()
    settings = quotes.settings(tenant)
    lock_and_reload(quote)
    refusal = refusal_of(quote, clock.today(tenant))
    if refusal is not None:
        raise SubscriptionRefused(refusal)
    if db.session.scalar(select(Contract.id).where(Contract.quote_id == quote.id)) is not None:
        raise SubscriptionRefused(
            _("Vous avez déjà souscrit ce contrat : merci de votre confiance.")
        )
    product = product_of(tenant, quote.product_code)
    if product is None:
        raise SubscriptionRefused(_("Ce produit n'est plus proposé : contactez votre conseiller."))
    personal, documents, payment = values["donnees"], values["documents"], values["paiement"]
    _client_update(quote.client, personal)
    number = next_number(quote.prefix)
    contract = Contract(
        account_id=quote.account_id,
        managed_by_id=quote.managed_by_id,
        client_id=quote.client_id,
        quote_id=quote.id,
        prefix=quote.prefix,
        number=number,
        product_code=quote.product_code,
        formula_code=quote.formula_code,
        options=list(quote.options or []),
        effective_date=quote.effective_date,
        annual_cents=quote.annual_cents,
        monthly_cents=quote.monthly_cents,
        social_security_number=personal["social_security_number"],
        status_declared=bool(personal.get("status_declared")),
        health_data_transmission=bool(personal.get("health_data_transmission")),
        marketing_opt_out=bool(personal.get("marketing_opt_out")),
        documents_read_at=clock.aware(_moment(documents.get("read_at"))) or clock.now(),
        account_holder=payment["account_holder"],
        iban=payment["iban"],
        bic=payment["bic"],
        sepa_reference=f"{quote.prefix}-{number:010d}-{secrets.token_hex(4).upper()}",
        debit_day=settings.debit_day,
        signature_state=SignatureState.BY_HAND if by_hand else SignatureState.IN_PROGRESS,
        created_at=clock.now(),
    )
    contract.client = quote.client
    contract.quote = quote
    db.session.add(contract)
    db.session.flush()
    membership = membership_documents.membership_form_pdf(contract, tenant)
    mandate = membership_documents.sepa_mandate_pdf(contract, tenant)
    contract.document_keys = {
        "membership_form": _store(tenant, contract, "bulletin-adhesion", membership),
        "sepa_mandate": _store(tenant, contract, "mandat-sepa", mandate),
    }
    for kind in rules.SUPPORTING_DOCUMENTS:
        if kind != "other":
            db.session.add(SupportingDocument(contract_id=contract.id, kind=kind))
    if by_hand:
        quotes.move(quote, QuoteState.AWAITING_DOCUMENTS)
        if agenda.signed_by_hand(contract):
            enqueue(send_membership_mail, contract.id, MAIL_BY_HAND, locale)
        agenda.documents_awaited(contract)
        return contract
    procedure = _start_signature(contract, product, tenant, membership, mandate, locale)
    contract.signature_procedure_id = procedure.id
    quotes.move(quote, QuoteState.ACCEPTED)
    return contract


def _moment(value):
    from datetime import datetime

    return datetime.fromisoformat(value) if value else None


def _start_signature(contract, product, tenant, membership: bytes, mandate: bytes, locale: str):
    from plugins.subscription import membership_documents
    from portal.core import signatures

    account, profile = _account_and_profile(contract)
    client = contract.client
    number = rules.contract_number(contract.prefix, contract.number)
    sign = signatures.DocumentRole.SIGN
    read = signatures.DocumentRole.READ
    documents = [
        signatures.NewDocument(
            "Bulletin individuel d'adhésion",
            membership_documents.MEMBERSHIP_FILENAME,
            membership,
            role=sign,
            acceptance_boxes=ACCEPTANCE_BOXES,
        ),
        signatures.NewDocument(
            "Mandat de prélèvement SEPA",
            membership_documents.SEPA_FILENAME,
            mandate,
            role=sign,
            acceptance_boxes=ACCEPTANCE_BOXES,
        ),
    ]
    for kind in ("ipid", "general_rules"):
        document = product.documents[kind]
        documents.append(
            signatures.NewDocument(
                document.title,
                document.filename,
                membership_documents.product_pdf(tenant, product, kind),
                role=read,
            )
        )
    try:
        return signatures.create_and_start(
            account=account,
            profile=profile,
            owner="subscription",
            title=f"Adhésion {product.name} — contrat {number}",
            documents=documents,
            signers=[
                signatures.NewSigner(
                    client.first_name, client.last_name, client.email, client.mobile
                )
            ],
            deadline=clock.now() + timedelta(hours=quotes.settings(tenant).signature_hours),
            subject=contract,
            delivery=signatures.Delivery.IN_PERSON,
            success_message=_(
                "Votre demande d'adhésion au contrat %(product)s est signée. Vous allez recevoir "
                "vos documents signés par e-mail, avec le lien de votre espace client pour "
                "transmettre vos pièces justificatives.",
                product=product.name,
            ),
            charge=None,
            locale=locale,
        )
    except signatures.InvalidProcedure as refusal:
        raise SubscriptionRefused(refusal.message) from None


def signer_of(contract: Contract):
    """The client's signer row of the contract's procedure (None when signed by hand)."""
    from portal.core.signatures.models import SignatureProcedure

    if contract.signature_procedure_id is None:
        return None
    procedure = db.session.get(SignatureProcedure, contract.signature_procedure_id)
    return procedure.signers[0] if procedure is not None and procedure.signers else None


# --- the outcome --------------------------------------------------------------------------------


def signature_outcome(tenant, procedure, outcome) -> None:
    """The client's e-signature ended (``on_signature_outcome``, in a job, in the tenant's scope;
    maybe twice: idempotent). Signed: the contract « Signé », the quote « Souscrit », the signed
    documents emailed. Declined, expired or cancelled: « Échec », « Refusé », the failure
    email."""
    if procedure.subject_type != Contract.__name__ or procedure.subject_id is None:
        return
    contract = db.session.get(Contract, procedure.subject_id)
    if contract is None or contract.signature_procedure_id != procedure.id:
        return
    lock_and_reload(contract)
    quote = contract.quote
    locale = procedure.locale or tenant.config.default_locale
    if str(outcome) == "signed":
        if contract.signature_state != SignatureState.SIGNED:
            contract.signature_state = SignatureState.SIGNED
            contract.signed_at = clock.aware(procedure.completed_at) or clock.now()
        _move_quote(quote, QuoteState.SUBSCRIBED)
        if agenda.contract_signed(contract):
            enqueue(send_membership_mail, contract.id, MAIL_SIGNED, locale)
        agenda.documents_awaited(contract)
        return
    if contract.signature_state == SignatureState.SIGNED:
        return
    contract.signature_state = SignatureState.FAILED
    _move_quote(quote, QuoteState.REFUSED)
    if agenda.signature_failed(contract):
        enqueue(send_membership_mail, contract.id, MAIL_FAILED, locale)


def _move_quote(quote: Quote, target: QuoteState) -> None:
    # Declined or expired meanwhile: the contract says what happened.
    with contextlib.suppress(rules.TransitionRefused):
        quotes.move(quote, target)


# --- the emails ---------------------------------------------------------------------------------


def _greeting(client: Client) -> str:
    civility = rules.CIVILITIES.get(client.civility)
    if civility:
        return _("Bonjour %(civility)s %(name)s,", civility=_(civility), name=client.last_name)
    name = " ".join(part for part in (client.first_name, client.last_name) if part)
    return _("Bonjour %(name)s,", name=name)


def _client_space_link(email: str, tenant) -> str:
    try:
        from plugins.subscription.client_access import login_url
    except ImportError:
        login_url = None
    if login_url is not None:
        return login_url(email, tenant)
    from flask import url_for

    from portal.core.mail.rendering import tenant_rendering

    with tenant_rendering(tenant):
        return url_for("subscription.client_space", _external=True)


def compose_membership_mail(contract: Contract, kind: str, tenant, locale: str):
    """The email ``kind`` (:data:`MAIL_BY_HAND`, :data:`MAIL_SIGNED`, :data:`MAIL_FAILED`) to
    the client, the agent in copy."""
    from plugins.subscription import membership_documents
    from plugins.subscription.products import product_of
    from portal.core.mail import Attachment, compose_email
    from portal.core.mail.rendering import tenant_rendering

    client = contract.client
    product = product_of(tenant, contract.product_code)
    product_name = product.name if product else contract.product_code
    agent = membership_documents.agent_of(contract)
    number = rules.contract_number(contract.prefix, contract.number)
    attachments: list = []
    action_url = action_label = None
    pdf = "application/pdf"
    with tenant_rendering(tenant, locale):
        greeting = _greeting(client)
        adviser = _("Votre conseiller %(agent)s", agent=agent["agency"] or agent["name"])
        if kind == MAIL_BY_HAND:
            subject = _(
                "Votre adhésion au contrat %(product)s proposé par %(agent)s",
                product=product_name,
                agent=agent["agency"] or agent["name"],
            )
            title = _("Votre contrat complémentaire santé")
            paragraphs = [
                greeting,
                _(
                    "Vous avez réalisé une demande d'adhésion au contrat %(product)s et nous vous "
                    "en remercions.",
                    product=product_name,
                ),
                _(
                    "Pour la finaliser, nous vous remercions de nous retourner paraphés et signés "
                    "les documents joints à cet email :"
                ),
                "– " + _("Le bulletin individuel d'adhésion"),
                "– " + _("Le mandat de prélèvement SEPA"),
                _(
                    "Accompagnés des pièces justificatives nécessaires à la mise en œuvre de vos "
                    "garanties :"
                ),
                *[
                    "– " + _(label)
                    for code, label in rules.SUPPORTING_DOCUMENTS.items()
                    if code != "other"
                ],
                _("Contrat n° %(number)s.", number=number),
                _("Nous restons à votre disposition pour toute information complémentaire."),
                adviser,
            ]
            attachments = [
                Attachment(
                    membership_documents.MEMBERSHIP_FILENAME,
                    stored_document(contract, "membership_form") or b"",
                    pdf,
                ),
                Attachment(
                    membership_documents.SEPA_FILENAME,
                    stored_document(contract, "sepa_mandate") or b"",
                    pdf,
                ),
            ]
            if product is not None:
                for code in ("general_rules", "ipid", "reimbursement_examples"):
                    document = product.documents[code]
                    attachments.append(
                        Attachment(
                            document.filename,
                            membership_documents.product_pdf(tenant, product, code),
                            pdf,
                        )
                    )
        elif kind == MAIL_SIGNED:
            subject = _("%(tenant)s - Vos documents signés", tenant=tenant.name)
            title = _("Vos documents signés")
            action_url = _client_space_link(client.email, tenant)
            action_label = _("Accéder à mon espace client")
            paragraphs = [
                greeting,
                _(
                    "Votre demande d'adhésion au contrat %(product)s (contrat n° %(number)s) est "
                    "signée électroniquement : vous trouverez en pièces jointes vos documents "
                    "signés.",
                    product=product_name,
                    number=number,
                ),
                _(
                    "Pour que nos services prennent en charge votre dossier, transmettez vos "
                    "pièces justificatives depuis votre espace client sécurisé : cliquez sur le "
                    "lien ci-dessous, puis sur « Transmettre mon document » pour chaque pièce."
                ),
                *[
                    "– " + _(label)
                    for code, label in rules.SUPPORTING_DOCUMENTS.items()
                    if code != "other"
                ],
                _("Nous restons à votre disposition pour toute information complémentaire."),
                adviser,
            ]
            attachments = _signed_attachments(contract)
        else:
            subject = _("%(product)s : Échec de signature électronique", product=product_name)
            title = _("Échec de signature électronique")
            paragraphs = [
                greeting,
                _("Votre signature électronique a échoué."),
                _("Veuillez recommencer votre devis ou contacter votre interlocuteur habituel."),
                _("Nous restons à votre disposition pour toute information complémentaire."),
                adviser,
            ]
        paragraphs = [str(paragraph) for paragraph in paragraphs]
        subject = str(subject)
        title = str(title)
    cc = agent["email"] if agent["email"] and agent["email"] != client.email else None
    return compose_email(
        tenant,
        "notification",
        to=client.email,
        cc=cc,
        subject=subject,
        locale=locale,
        reply_to=agent["email"],
        attachments=attachments,
        context={
            "title": title,
            "paragraphs": paragraphs,
            "action_url": action_url,
            "action_label": action_label,
        },
    )


def _signed_attachments(contract: Contract) -> list:
    from portal.core import signatures
    from portal.core.mail import Attachment
    from portal.core.signatures.models import SignatureProcedure

    procedure = db.session.get(SignatureProcedure, contract.signature_procedure_id)
    if procedure is None:
        return []
    return [
        Attachment(document.filename, signatures.signed_document_bytes(document), "application/pdf")
        for document in procedure.documents
        if document.role == signatures.DocumentRole.SIGN
    ]


@job(queue="mail")
def send_membership_mail(tenant_id, contract_id, kind, locale="fr"):
    """Email the client (the agent in copy) about their membership request: the documents to
    sign by hand, the signed documents, or the failed signature. Queued once per contract and
    kind (its agenda event's key)."""
    from portal.core.mail import MailBounced, send_email
    from portal.core.tenants import tenant_directory

    contract = db.session.get(Contract, contract_id)
    if contract is None or not contract.client.email:
        return
    tenant = tenant_directory().by_id(tenant_id)
    try:
        send_email(compose_membership_mail(contract, kind, tenant, locale))
    except MailBounced:
        import logging

        logging.getLogger(__name__).warning("contract %s: the %s email bounced", contract_id, kind)


JOBS: list = [send_membership_mail]
