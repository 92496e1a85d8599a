"""Operators' pages of the subscription plugin (the « services de gestion », guide §4 « Le
traitement du dossier par les services de gestion »), one tenant at a time at
``/backoffice/t/<tenant_slug>/subscription/…``:

- « Adhésions à traiter »: the membership requests, « Dossier transmis » first (oldest
  transmitted first), then those awaiting documents, then the memberships created;
- a membership request: the client, the contract, its supporting documents (each downloadable),
  the documents of the request, and « Adhésion créée » with the membership number of the
  management system (``contracts.advance(..., MEMBERSHIP_CREATED, membership_number=…)``),
  audited.

Staff only, in the picked tenant's scope: another tenant's contract is a 404."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from sqlalchemy import case, select
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from plugins.subscription import client_access, contracts, rules, supporting
from plugins.subscription.i18n import _, _l
from plugins.subscription.models import Contract
from plugins.subscription.products import names_of
from plugins.subscription.rules import ContractProgress, SignatureState
from portal.core import audit
from portal.core.accounts.models import Account, Profile
from portal.core.accounts.validators import strip
from portal.core.backoffice import BackofficeMenuItem, BackofficePage, current_staff
from portal.core.web.pipeline import Access, handler
from portal.extensions import db

LOAD = {"contract_id": Contract}
MAX_ROWS = 300


class MembershipCreatedForm(FlaskForm):
    membership_number = StringField(
        _l("Numéro d'adhésion (système de gestion)"),
        [
            DataRequired(_l("Indiquez le numéro d'adhésion créé dans le système de gestion.")),
            Length(max=30, message=_l("30 caractères au maximum.")),
        ],
        [strip],
    )


def _by_id(model, ids) -> dict:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return {row.id: row for row in db.session.scalars(select(model).where(model.id.in_(ids)))}


def _agent_label(account: Account | None, profile: Profile | None) -> str:
    if account is None:
        return "—"
    label = account.display_name
    if profile is not None and profile.name and profile.name != label:
        label = f"{label} ({profile.name})"
    return label


# --- the list ---------------------------------------------------------------------------------


@handler(Access.STAFF)
def memberships(tenant):
    order = case(
        (Contract.progress == ContractProgress.FILE_TRANSMITTED, 0),
        (Contract.progress == ContractProgress.AWAITING_DOCUMENTS, 1),
        else_=2,
    )
    rows = db.session.scalars(
        select(Contract)
        .where(Contract.signature_state != SignatureState.FAILED)
        .order_by(order, Contract.transmitted_at, Contract.created_at.desc(), Contract.id)
        .limit(MAX_ROWS)
    ).all()
    accounts = _by_id(Account, [row.account_id for row in rows])
    profiles = _by_id(Profile, [row.managed_by_id for row in rows])
    counts = {progress: 0 for progress in ContractProgress}
    for row in rows:
        counts[ContractProgress(row.progress)] += 1
    return render_template(
        "subscription/backoffice/memberships.html",
        rows=rows,
        counts=counts,
        agent=lambda row: _agent_label(
            accounts.get(row.account_id), profiles.get(row.managed_by_id)
        ),
        names=lambda row: names_of(tenant, row),
        number=contracts.display_number,
        progress_labels=rules.PROGRESS_LABELS,
        tenant=tenant,
    )


# --- one membership request ---------------------------------------------------------------------


def _page(tenant, contract: Contract, form: MembershipCreatedForm, status: int = 200):
    quote = contract.quote
    return (
        render_template(
            "subscription/backoffice/membership.html",
            contract=contract,
            client=contract.client,
            number=contracts.display_number(contract),
            quote_number=rules.quote_number(quote.prefix, quote.number, quote.version),
            names=names_of(tenant, contract),
            agent=_agent_label(
                db.session.get(Account, contract.account_id),
                db.session.get(Profile, contract.managed_by_id) if contract.managed_by_id else None,
            ),
            rows=client_access.documents_of([contract])[contract.id],
            sent=supporting.sent_documents(contract),
            kind_label=supporting.kind_label,
            progress=_(rules.PROGRESS_LABELS[ContractProgress(contract.progress)]),
            signature=_(rules.SIGNATURE_LABELS[SignatureState(contract.signature_state)]),
            form=form,
            can_create=contract.progress == ContractProgress.FILE_TRANSMITTED,
            tenant=tenant,
        ),
        status,
    )


@handler(Access.STAFF, load=LOAD)
def membership(tenant, contract: Contract):
    return _page(tenant, contract, MembershipCreatedForm(formdata=None))


@handler(Access.STAFF, load=LOAD)
def membership_file(tenant, contract: Contract, name: str):
    """A supporting document received (``piece-<id>``) or a document of the request."""
    response = supporting.send_contract_file(contract, name)
    if response is None:
        abort(404)
    return response


@handler(Access.STAFF, load=LOAD)
def membership_create(tenant, contract: Contract):
    """« Adhésion créée »: the membership number of the management system, then the contract
    moves on (its agenda event for the agent), audited."""
    form = MembershipCreatedForm()
    if not form.validate_on_submit():
        return _page(tenant, contract, form, status=400)
    if contract.progress != ContractProgress.FILE_TRANSMITTED:
        flash(
            _("Ce dossier n'est pas « Dossier transmis » : l'adhésion ne peut pas être créée."),
            "error",
        )
        return redirect(url_for(".membership", contract_id=contract.id), 303)
    number = form.membership_number.data
    try:
        moved = contracts.advance(
            contract, ContractProgress.MEMBERSHIP_CREATED, membership_number=number
        )
    except rules.TransitionRefused:
        moved = False
    if not moved:
        flash(_("L'adhésion de ce dossier est déjà créée."), "info")
        return redirect(url_for(".membership", contract_id=contract.id), 303)
    audit.record(
        "subscription.membership_created",
        **audit.by_staff(current_staff(), contract.tenant_id),
        target=contract,
        reference=contracts.display_number(contract),
        membership_number=number,
    )
    flash(
        _(
            "Adhésion créée pour le contrat %(number)s (n° %(membership)s).",
            number=contracts.display_number(contract),
            membership=number,
        ),
        "success",
    )
    return redirect(url_for(".memberships"), 303)


PAGES = [
    BackofficePage("/adhesions", "memberships", memberships),
    BackofficePage("/adhesions/<int:contract_id>", "membership", membership),
    BackofficePage(
        "/adhesions/<int:contract_id>/fichiers/<name>", "membership_file", membership_file
    ),
    BackofficePage(
        "/adhesions/<int:contract_id>/adhesion-creee",
        "membership_create",
        membership_create,
        ("POST",),
    ),
]
MENU_ITEMS = [BackofficeMenuItem(_l("Adhésions à traiter"), "memberships", order=270)]


def pages() -> list:
    return PAGES


def menu_items() -> list:
    return MENU_ITEMS
