"""The quote email (guide §2, « Votre devis … proposé par … »): the quote PDF and the product
documents to the client, the agent in copy, with the link to subscribe online; sent once by a
job after the quote is issued. And the daily job that makes quotes past their validity
« Expiré ».

``after_issue`` is called by ``quotes.issue_quote`` in its transaction: it keeps the quote PDF
(``quote.pdf_key``) and, for a « Validé » quote, queues :func:`send_quote_mail` (a rolled-back
issue queues nothing). The job locks the quote: a quote already emailed (``emailed_at``) is not
emailed again, so a retried or doubled job sends nothing twice. « Renvoyer le devis au client »
(:func:`resend`) queues one more email, tied to the link the quote had at the click: the email
that renews it makes any repeat of that job send nothing.
"""

from __future__ import annotations

import logging

from plugins.subscription import rules
from plugins.subscription.i18n import _
from plugins.subscription.models import Quote
from portal.core import clock
from portal.core.jobs import enqueue, job
from portal.core.plugins.types import PeriodicJob
from portal.core.tenants import tenant_directory, tenant_scope
from portal.extensions import db

log = logging.getLogger(__name__)

ATTACHMENT_NAME = "DEVIS.pdf"


def after_issue(quote) -> None:
    """Queue what follows an issued quote (its PDF kept now, its email once)."""
    from plugins.subscription import quote_document
    from plugins.subscription.quotes import scope_tenant

    quote_document.store(quote, scope_tenant())
    if quote.state == rules.QuoteState.VALIDATED:
        enqueue(send_quote_mail, quote.id)


def resend(quote) -> None:
    """« Renvoyer le devis au client »: one more email, with a new link."""
    enqueue(send_quote_mail, quote.id, True, quote.link_hash or "")


def _manager_email(quote) -> str | None:
    from portal.core.accounts.models import Account, Profile

    if quote.managed_by_id:
        profile = db.session.get(Profile, quote.managed_by_id)
        if profile is not None and profile.active and profile.email:
            return profile.email
    account = db.session.get(Account, quote.account_id)
    return account.email if account is not None else None


def compose(quote: Quote, tenant, token: str):
    """The quote email (in the tenant's language)."""
    from flask import url_for

    from plugins.subscription import quote_document
    from plugins.subscription.products import product_of
    from portal.core.accounts.models import Account
    from portal.core.mail import compose_email
    from portal.core.mail.compose import Attachment
    from portal.core.mail.rendering import tenant_rendering

    product = product_of(tenant, quote.product_code)
    formula = product.formula(quote.formula_code) if product else None
    account = db.session.get(Account, quote.account_id)
    seller = account.display_name if account is not None else tenant.name
    client = quote.client
    locale = quote.locale or tenant.config.default_locale
    days = tenant.settings_for("subscription").quote_validity_days
    attachments = [
        Attachment(ATTACHMENT_NAME, quote_document.stored_pdf(quote, tenant), "application/pdf")
    ]
    if product is not None:
        try:
            from plugins.subscription import product_documents
        except ImportError:  # the product helper's part is not there yet
            product_documents = None
        if product_documents is not None:
            attachments += product_documents.attachments(tenant, product)
    product_name = product.name if product else quote.product_code
    formula_name = formula.name if formula else quote.formula_code
    with tenant_rendering(tenant, locale):
        link = url_for("subscription.subscribe", token=token, _external=True)
        civility = _(rules.CIVILITIES[client.civility]) if client.civility else ""
        subject = _(
            "Votre devis %(product)s proposé par %(seller)s", product=product_name, seller=seller
        )
        title = _("Votre recherche de complémentaire santé")
        paragraphs = [
            _("Bonjour %(civility)s %(name)s,", civility=civility, name=client.last_name),
            _(
                "Nous vous remercions pour votre demande et pour l'intérêt que vous avez "
                "témoigné à notre offre."
            ),
            _(
                "Nous avons le plaisir de vous adresser en pièce jointe notre proposition de "
                "devis n° %(number)s pour le produit %(product)s formule %(formula)s.",
                number=rules.quote_number(quote.prefix, quote.number, quote.version),
                product=product_name,
                formula=formula_name,
            ),
            _(
                "Vous trouverez également attachés à ce message les règles générales et le "
                "document d'information sur le produit d'assurance (IPID) que nous vous invitons "
                "à consulter dès maintenant et à conserver."
            ),
            _("Vous pouvez dès maintenant finaliser votre adhésion en suivant ce lien."),
            _(
                "Cette proposition est valable %(days)s jours à compter d'aujourd'hui, jusqu'au "
                "%(day)s.",
                days=days,
                day=quote.expires_on.strftime("%d/%m/%Y"),
            ),
            _("Ce message est envoyé automatiquement, merci de ne pas y répondre directement."),
        ]
        action_label = _("Finaliser mon adhésion")
    return compose_email(
        tenant,
        "notification",
        to=client.email,
        cc=[email for email in [_manager_email(quote)] if email],
        subject=subject,
        locale=locale,
        reply_to=_manager_email(quote),
        attachments=attachments,
        context={
            "title": title,
            "paragraphs": paragraphs,
            "action_url": link,
            "action_label": action_label,
        },
    )


@job(queue="mail")
def send_quote_mail(tenant_id, quote_id, resend=False, link_at_click=""):
    """Email the quote to the client (the agent in copy), once: the quote is locked; the first
    email goes when ``emailed_at`` is empty; a resend when the quote still has the link it had at
    the click (the email renews it)."""
    from plugins.subscription import quotes
    from portal.core.database import lock_and_reload
    from portal.core.mail import MailBounced, send_email

    quote = db.session.get(Quote, quote_id)
    if quote is None:
        return
    lock_and_reload(quote)
    if quote.state not in rules.SUBSCRIBABLE or not quote.client.email:
        return
    if resend:
        if (quote.link_hash or "") != (link_at_click or ""):
            return
    elif quote.emailed_at is not None:
        return
    tenant = tenant_directory().by_id(quote.tenant_id)
    token = quotes.renew_link(quote)
    message = compose(quote, tenant, token)
    quote.emailed_at = clock.now()
    db.session.flush()
    try:
        send_email(message)
    except MailBounced:
        log.warning("quote %s: the email bounced", quotes.display_number(quote))


def expire_quotes_of(tenant) -> int:
    """The tenant's quotes past their validity become « Expiré » (with their agenda event)."""
    from plugins.subscription import quotes

    with tenant_scope(tenant.id):
        return quotes.expire_due(clock.today(tenant))


@job(global_job=True)
def expire_quotes(tenant_id=None) -> None:
    """Every tenant's quotes past their validity: « Expiré » (daily)."""
    for tenant in tenant_directory().enabling("subscription"):
        expire_quotes_of(tenant)


JOBS: list = [send_quote_mail, expire_quotes]
# Just after midnight Paris time: a quote valid « jusqu'au » a day expires the next one.
PERIODIC_JOBS: list = [PeriodicJob(job=expire_quotes, cron="5 0 * * *")]
