"""Operators' pages of the subscription plugin (the « services de gestion », guide §4 « Le
traitement du dossier par les services de gestion »), one tenant at a time at
``/backoffice/t/<tenant_slug>/subscription/…``:

- « Adhésions à traiter »: the membership requests, « Dossier transmis » first (oldest
  transmitted first), then those awaiting documents, then the memberships created;
- a membership request: the client, the contract, its supporting documents (each downloadable),
  the documents of the request, and « Adhésion créée » with the membership number of the
  management system (``contracts.advance(..., MEMBERSHIP_CREATED, membership_number=…)``),
  audited;
- its client's premium account (« Compte cotisant »), where a created membership's unpaid
  direct debits and the payments received (cheque, transfer; assigned or not) are recorded
  (``premiums.record``), audited.

Staff only, in the picked tenant's scope: another tenant's contract is a 404."""

from __future__ import annotations

import secrets

from flask import abort, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from sqlalchemy import case, select
from wtforms import BooleanField, HiddenField, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from plugins.subscription import client_access, contracts, premiums, rules, supporting
from plugins.subscription.i18n import _, _l
from plugins.subscription.models import Contract
from plugins.subscription.products import names_of
from plugins.subscription.rules import ContractProgress, MovementKind, SignatureState
from portal.core import audit, clock
from portal.core.accounts.models import Account, Profile
from portal.core.accounts.validators import strip
from portal.core.backoffice import BackofficeMenuItem, BackofficePage, current_staff
from portal.core.credits.billing.operations import parse_euros
from portal.core.i18n import format_money
from portal.core.web.fields import TypedDateField
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


class PremiumMovementForm(FlaskForm):
    """« Enregistrer un mouvement » of a client's premium account."""

    # A random key per displayed form: a form sent twice records one movement.
    key = HiddenField()
    kind = RadioField(
        _l("Mouvement"),
        choices=[
            SelectChoice(MovementKind.UNPAID.value, _l("Impayé de prélèvement")),
            SelectChoice(MovementKind.PAYMENT.value, _l("Encaissement (chèque, virement)")),
        ],
        validators=[InputRequired(_l("Choisissez le mouvement à enregistrer."))],
    )
    amount = StringField(
        _l("Montant (€)"), [DataRequired(_l("Saisissez un montant en euros."))], [strip]
    )
    on = TypedDateField(_l("Date de valeur"), [InputRequired(_l("Indiquez la date (jj/mm/aaaa)."))])
    reason = SelectField(
        _l("Motif du rejet (impayé)"),
        choices=[SelectChoice("", _l("— Choisissez —"))]
        + [SelectChoice(code, _l(label)) for code, label in rules.UNPAID_REASONS.items()],
        default="",
    )
    unassigned = BooleanField(_l("Non affecté à ce contrat (à répartir plus tard)"))
    label = StringField(
        _l("Libellé (facultatif)"),
        [Optional(), Length(max=200, message=_l("200 caractères au maximum."))],
        [strip],
    )

    def validate_amount(self, field):
        try:
            cents = parse_euros(field.data)
        except ValueError:
            raise ValidationError(_l("Saisissez un montant comme 51,74.")) from None
        if cents <= 0:
            raise ValidationError(_l("Le montant doit être supérieur à zéro."))
        if cents > 10_000_000:
            raise ValidationError(_l("Le montant dépasse 100 000 €."))

    def validate_reason(self, field):
        if self.kind.data == MovementKind.UNPAID and field.data not in rules.UNPAID_REASONS:
            raise ValidationError(_l("Choisissez le motif du rejet donné par la banque."))

    def validate_unassigned(self, field):
        if self.kind.data == MovementKind.UNPAID and field.data:
            raise ValidationError(_l("Un impayé se rapporte toujours à ce contrat."))

    today = None  # the tenant's day, set by the view

    def validate_on(self, field):
        if field.data is not None and self.today is not None and field.data > self.today:
            raise ValidationError(_l("La date de valeur ne peut pas être dans le futur."))


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


def _movement_form(*, bound: bool) -> PremiumMovementForm:
    """The form as sent (``bound``) or a blank one, with its key."""
    form = PremiumMovementForm() if bound else PremiumMovementForm(formdata=None)
    if not form.key.data:
        form.key.data = secrets.token_urlsafe(16)
    return form


def _page(
    tenant,
    contract: Contract,
    form: MembershipCreatedForm,
    status: int = 200,
    movement_form: PremiumMovementForm | None = None,
):
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
            premiums=premiums.premium_account(contract.client, clock.today(tenant)),
            movement_label=premiums.movement_label,
            owed=premiums.OWED,
            contract_numbers=_contract_numbers(contract.client),
            movement_form=movement_form or _movement_form(bound=False),
            may_record=contract.progress == ContractProgress.MEMBERSHIP_CREATED,
            tenant=tenant,
        ),
        status,
    )


def _contract_numbers(client) -> dict[int, str]:
    return {
        row.id: contracts.display_number(row)
        for row in db.session.scalars(select(Contract).where(Contract.client_id == client.id))
    }


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


@handler(Access.STAFF, load=LOAD)
def membership_movement(tenant, contract: Contract):
    """« Enregistrer un mouvement »: an unpaid direct debit of this contract, or a payment
    received (assigned to it, or not yet), on the client's premium account; audited."""
    form = _movement_form(bound=True)
    form.today = clock.today(tenant)
    if contract.progress != ContractProgress.MEMBERSHIP_CREATED:
        flash(_("Les mouvements s'enregistrent une fois l'adhésion créée."), "error")
        return redirect(url_for(".membership", contract_id=contract.id), 303)
    if not form.validate_on_submit():
        return _page(
            tenant, contract, MembershipCreatedForm(formdata=None), 400, movement_form=form
        )
    kind = MovementKind(form.kind.data)
    assigned = None if kind == MovementKind.PAYMENT and form.unassigned.data else contract
    movement = premiums.record(
        contract.client,
        kind,
        parse_euros(form.amount.data),
        form.on.data,
        form.key.data,
        contract=assigned,
        reason=form.reason.data if kind == MovementKind.UNPAID else "",
        label=form.label.data or "",
        staff_id=current_staff().id,
    )
    audit.record(
        "subscription.premium_movement",
        **audit.by_staff(current_staff(), contract.tenant_id),
        target=contract,
        reference=movement.reference,
        kind=movement.kind,
        amount_cents=movement.amount_cents,
        assigned=movement.contract_id is not None,
    )
    flash(
        _(
            "Mouvement enregistré : %(movement)s, %(amount)s.",
            movement=premiums.movement_label(movement),
            amount=format_money(movement.amount_cents),
        ),
        "success",
    )
    return redirect(url_for(".membership", contract_id=contract.id) + "#premiums-title", 303)


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
    BackofficePage(
        "/adhesions/<int:contract_id>/mouvements",
        "membership_movement",
        membership_movement,
        ("POST",),
    ),
]
MENU_ITEMS = [BackofficeMenuItem(_l("Adhésions à traiter"), "memberships", order=270)]


def pages() -> list:
    return PAGES


def menu_items() -> list:
    return MENU_ITEMS
