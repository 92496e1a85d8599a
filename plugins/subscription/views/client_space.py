"""The client space (guide §4 « Zoom sur le téléchargement des pièces »): the client signs in with
the email of their quote (an emailed link), sees their details, uploads the supporting documents
asked for, follows their quotes and contracts and downloads their signed documents.

Every page is ``Access.ANONYMOUS`` with this module's own check: the browser's session names a
tenant and an email (:mod:`plugins.subscription.client_access`); every object of a URL is checked
to belong to the contracts of that email in the current tenant, else 404."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_wtf import FlaskForm
from wtforms import EmailField
from wtforms.validators import Email, InputRequired, Length

from plugins.subscription import client_access, contracts, rules, supporting
from plugins.subscription.i18n import _, _l
from plugins.subscription.models import Contract, SupportingDocument
from plugins.subscription.products import names_of
from portal.core.accounts.validators import strip
from portal.core.ratelimit import limiter
from portal.core.tenants import current_tenant
from portal.core.uploads import UploadRefused
from portal.core.web.pipeline import Access, Load, handler

# Sign-in links asked: per address typed on this tenant, and per client address.
LINKS_PER_EMAIL = "5 per hour"
LINKS_PER_IP = "10 per minute"
FILE_FIELD = "fichier"


class ClientLoginForm(FlaskForm):
    email = EmailField(
        _l("Votre adresse e-mail"),
        [
            InputRequired(_l("Indiquez votre adresse e-mail.")),
            Length(max=254),
            Email(_l("Indiquez une adresse e-mail valide, par exemple nom@exemple.fr.")),
        ],
        [strip],
    )


class LogoutForm(FlaskForm):
    """« Se déconnecter »: its CSRF token only."""


def _email_key() -> str:
    return f"{current_tenant().id}:{client_access.normalized(request.form.get('email'))}"


def _asked(response) -> bool:
    return response.status_code in (302, 303)


# --- helpers shared with the templates -------------------------------------------------------


def _signed_in():
    tenant = current_tenant()
    return tenant, client_access.signed_in_email(tenant)


def _space_page(tenant, email: str, errors: dict | None = None, status: int = 200):
    clients = client_access.clients_of(email, tenant)
    if not clients:  # the file is gone: signed out
        client_access.sign_out()
        return redirect(url_for("subscription.client_space"))
    all_contracts = client_access.contracts_of(email, tenant)
    documents = client_access.documents_of(all_contracts)
    pending = [c for c in all_contracts if client_access.open_for_documents(c)]
    page = render_template(
        "subscription/space/space.html",
        client=clients[-1],
        quotes=client_access.quotes_of(email, tenant),
        contracts=all_contracts,
        pending=pending,
        documents=documents,
        sent={c.id: supporting.sent_documents(c) for c in all_contracts},
        errors=errors or {},
        names=lambda row: names_of(tenant, row),
        number=contracts.display_number,
        quote_number=lambda q: rules.quote_number(q.prefix, q.number, q.version),
        quote_states=rules.QUOTE_STATE_LABELS,
        progress_labels=rules.PROGRESS_LABELS,
        signature_labels=rules.SIGNATURE_LABELS,
        kind_label=supporting.kind_label,
        logout_form=LogoutForm(),
        file_field=FILE_FIELD,
        client_upload_url=lambda d: url_for("subscription.client_upload", document_id=d.id),
    )
    return page, status


def _login_page(form=None, *, invalid_link: bool = False, status: int = 200):
    return (
        render_template(
            "subscription/space/login.html",
            form=form or ClientLoginForm(),
            invalid_link=invalid_link,
        ),
        status,
    )


def _owned_contract(tenant, email: str | None, contract: Contract | None) -> Contract:
    if email is None or contract is None:
        abort(404)
    if not client_access.owns_contract(email, tenant, contract):
        abort(404)
    return contract


# --- the pages ---------------------------------------------------------------------------------


@handler(Access.ANONYMOUS)
def client_space():
    tenant, email = _signed_in()
    if email is None:
        return _login_page()
    return _space_page(tenant, email)


@handler(Access.ANONYMOUS)
@limiter.limit(LINKS_PER_EMAIL, key_func=_email_key, methods=["POST"], deduct_when=_asked)
@limiter.limit(LINKS_PER_IP, methods=["POST"], deduct_when=_asked)
def client_login():
    form = ClientLoginForm()
    if not form.validate_on_submit():
        return _login_page(form, status=400)
    client_access.ask_for_link(form.email.data, current_tenant(), str(get_locale() or ""))
    flash(str(client_access.SAME_ANSWER), "success")
    return redirect(url_for("subscription.client_space"), 303)


@handler(Access.ANONYMOUS)
def client_login_link(token: str):
    tenant = current_tenant()
    email = client_access.email_from_token(token, tenant)
    if email is None or not client_access.clients_of(email, tenant):
        return _login_page(invalid_link=True, status=404)
    client_access.sign_in(tenant, email)
    return redirect(url_for("subscription.client_space"))


@handler(Access.ANONYMOUS)
def client_logout():
    form = LogoutForm()
    if form.validate_on_submit():
        client_access.sign_out()
        flash(_("Vous êtes déconnecté de votre espace client."), "success")
    return redirect(url_for("subscription.client_space"), 303)


@handler(Access.ANONYMOUS, load={"document_id": SupportingDocument})
def client_upload(document: SupportingDocument):
    tenant, email = _signed_in()
    if email is None:  # signed out meanwhile (or never): sign in again, nothing stored
        return _login_page(status=403)
    contract = _owned_contract(tenant, email, supporting.contract_of(document))
    if not client_access.open_for_documents(contract):
        abort(404)
    sent = request.files.get(FILE_FIELD)
    try:
        supporting.upload(
            document,
            sent.stream if sent else None,
            sent.filename if sent else None,
            by="client",
        )
    except UploadRefused as refused:
        return _space_page(tenant, email, errors={document.id: refused.message}, status=400)
    flash(
        _(
            "Votre document « %(name)s » est bien reçu : merci.",
            name=document.filename,
        ),
        "success",
    )
    return redirect(url_for("subscription.client_space", _anchor=f"piece-{document.id}"), 303)


@handler(Access.ANONYMOUS, load={"contract_id": Load(Contract, owned=False)})
def client_document(contract: Contract, name: str):
    tenant, email = _signed_in()
    _owned_contract(tenant, email, contract)
    document = supporting.sent_document(contract, name)
    if document is None:
        abort(404)
    return supporting.send_sent_document(document)


def add_rules(blueprint) -> None:
    """Add this module's URL rules to the plugin's blueprint."""
    rule = blueprint.add_url_rule
    rule("/espace-client", "client_space", client_space)
    rule("/espace-client/connexion", "client_login", client_login, methods=["POST"])
    rule("/espace-client/connexion/<token>", "client_login_link", client_login_link)
    rule("/espace-client/deconnexion", "client_logout", client_logout, methods=["POST"])
    rule(
        "/espace-client/pieces/<int:document_id>",
        "client_upload",
        client_upload,
        methods=["POST"],
    )
    rule(
        "/espace-client/documents/<int:contract_id>/<name>",
        "client_document",
        client_document,
    )
