"""Request handlers: the wizard (« Nouvelle résiliation ») and the letter page with its small edit
pages (« Modifier » the subscriber, a contract, the added text, the former manager; add or remove
a contract). Every edit is refused once the letter is validated (``letter.editable``)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from plugins.resiliation import forms, operations, rules
from plugins.resiliation.i18n import _
from plugins.resiliation.models import Letter, LetterContract
from plugins.resiliation.wizard import (
    preview,
    progress,
    script_url,
    start_for_subscriber,
    wizard,
)
from portal.core.accounts.models import Profile
from portal.core.web.pipeline import Access, handler
from portal.extensions import db

FORM = ["GET", "POST"]
LOAD = {"letter_id": Letter}
LOAD_CONTRACT = {"letter_id": Letter, "contract_id": LetterContract}


def register(blueprint) -> None:
    """Add this module's URL rules to the plugin's blueprint."""
    # /resiliation/brouillons/nouveau, /brouillons/<key>/<step>, …/abandonner, …/contrat/adresse
    wizard.mount(blueprint)
    rule = blueprint.add_url_rule
    rule("/lettres/<int:letter_id>", "letter", letter)
    rule("/lettres/<int:letter_id>/souscripteur", "edit_subscriber", edit_subscriber, methods=FORM)
    rule("/lettres/<int:letter_id>/contrats/ajouter", "add_contract", add_contract, methods=FORM)
    rule(
        "/lettres/<int:letter_id>/contrats/<int:contract_id>",
        "edit_contract",
        edit_contract,
        methods=FORM,
    )
    rule(
        "/lettres/<int:letter_id>/contrats/<int:contract_id>/supprimer",
        "remove_contract",
        remove_contract,
        methods=["POST"],
    )
    rule("/lettres/<int:letter_id>/texte", "edit_added_text", edit_added_text, methods=FORM)
    rule(
        "/lettres/<int:letter_id>/ancien-gerant",
        "edit_former_manager",
        edit_former_manager,
        methods=FORM,
    )
    rule(
        "/lettres/<int:letter_id>/nouvelle-resiliation",
        "new_for_subscriber",
        new_for_subscriber,
        methods=["POST"],
    )


def _manager_name(letter: Letter) -> str:
    if letter.managed_by_id is None:
        return ""
    profile = db.session.get(Profile, letter.managed_by_id)
    return profile.name if profile is not None else ""


def _back(letter: Letter, anchor: str = ""):
    return redirect(url_for(".letter", letter_id=letter.id) + anchor)


def _refused_if_frozen(letter: Letter):
    """The letter page with a clear message when the letter can no longer change; else None."""
    if letter.editable:
        return None
    flash(_("Cette lettre est validée : elle ne peut plus être modifiée."), "error")
    return _back(letter)


def _edit_page(template: str, letter: Letter, **context):
    return render_template(
        template,
        letter=letter,
        progress=progress("contrat"),
        preview=preview(letter),
        type_label=rules.CONTRACT_TYPE_LABELS.get,
        reason_label=rules.REASON_LABELS.get,
        resiliation_script=script_url(),
        **context,
    )


def _contract_of(letter: Letter, contract: LetterContract) -> LetterContract:
    if contract.letter_id != letter.id:
        abort(404)
    return contract


@handler(Access.PROFILE, load=LOAD)
def letter(letter: Letter):
    """« Résiliation de Dupont Jean »: the subscriber, the sender and mandate, the contracts, the
    added text, the former manager, the preview and what remains before sending."""
    return render_template(
        "resiliation/letters/letter.html",
        letter=letter,
        manager=_manager_name(letter),
        civilities=forms.CIVILITY_LABELS,
        type_labels=rules.CONTRACT_TYPE_LABELS,
        reason_labels=rules.REASON_LABELS,
    )


@handler(Access.PROFILE, load=LOAD)
def edit_subscriber(letter: Letter):
    refused = _refused_if_frozen(letter)
    if refused is not None:
        return refused
    form = forms.SubscriberForm(data=operations.subscriber_of(letter))
    if form.validate_on_submit():
        operations.update_subscriber(letter, form.data)
        flash(_("Le souscripteur est modifié."), "success")
        return _back(letter, "#souscripteur")
    return _edit_page("resiliation/letters/subscriber.html", letter, form=form)


@handler(Access.PROFILE, load=LOAD)
def add_contract(letter: Letter):
    """« + Ajouter un contrat à cette lettre »: the types that accept the letter's reason, then the
    contract's form with the reason fixed."""
    refused = _refused_if_frozen(letter)
    if refused is not None:
        return refused
    offered = operations.addable_types(letter)
    chosen = request.values.get("type")
    if chosen is None:
        return _edit_page(
            "resiliation/letters/add_type.html",
            letter,
            types=[(t, rules.CONTRACT_TYPE_LABELS[t]) for t in offered],
        )
    try:
        contract_type = rules.ContractType(chosen)
    except ValueError:
        abort(404)
    if contract_type not in offered:
        flash(
            _(
                "Ce type de contrat n'accepte pas le motif de cette lettre : il ne peut pas y "
                "être ajouté."
            ),
            "error",
        )
        return redirect(url_for(".add_contract", letter_id=letter.id))
    form = forms.ContractForm()
    form.for_type(contract_type, [letter.reason], ask_custom_reason=False)
    form.reason.data = letter.reason.value  # the letter's, whatever is posted
    if form.validate_on_submit():
        try:
            operations.add_contract(letter, contract_type, forms.contract_values(form))
        except operations.LetterRefused as refusal:
            flash(str(refusal.message), "error")
        else:
            flash(_("Le contrat est ajouté à la lettre."), "success")
            return _back(letter, "#contrats")
    return _edit_page(
        "resiliation/letters/contract.html",
        letter,
        form=form,
        contract_type=contract_type,
        contract=None,
        action=url_for(".add_contract", letter_id=letter.id, type=contract_type.value),
    )


def _contract_data(letter: Letter, contract: LetterContract) -> dict:
    return {
        "reference": contract.reference,
        "other_type": contract.other_type,
        "property_address": contract.property_address,
        "registration": contract.registration,
        "main_due_date": contract.main_due_date.strftime("%d/%m/%Y")
        if contract.main_due_date
        else "",
        "new_insurer": contract.new_insurer,
        "new_reference": contract.new_reference,
        "reason": letter.reason.value,
        "custom_reason": letter.custom_reason,
        "event_date": letter.event_date.strftime("%d/%m/%Y") if letter.event_date else "",
    }


@handler(Access.PROFILE, load=LOAD_CONTRACT)
def edit_contract(letter: Letter, contract: LetterContract):
    contract = _contract_of(letter, contract)
    refused = _refused_if_frozen(letter)
    if refused is not None:
        return refused
    reasons = operations.reasons_for_letter(letter, contract.contract_type, ignoring=contract)
    form = forms.ContractForm(
        data=_contract_data(letter, contract) if request.method == "GET" else None
    )
    form.for_type(contract.contract_type, reasons)
    if form.validate_on_submit():
        try:
            operations.update_contract(letter, contract, forms.contract_values(form))
        except operations.LetterRefused as refusal:
            getattr(form, refusal.field or "reason").errors.append(refusal.message)
        else:
            flash(_("Le contrat est modifié."), "success")
            return _back(letter, "#contrats")
    return _edit_page(
        "resiliation/letters/contract.html",
        letter,
        form=form,
        contract_type=contract.contract_type,
        contract=contract,
        action=url_for(".edit_contract", letter_id=letter.id, contract_id=contract.id),
    )


@handler(Access.PROFILE, load=LOAD_CONTRACT)
def remove_contract(letter: Letter, contract: LetterContract):
    contract = _contract_of(letter, contract)
    refused = _refused_if_frozen(letter)
    if refused is not None:
        return refused
    operations.remove_contract(letter, contract)
    flash(_("Le contrat est retiré de la lettre."), "success")
    return _back(letter, "#contrats")


@handler(Access.PROFILE, load=LOAD)
def edit_added_text(letter: Letter):
    refused = _refused_if_frozen(letter)
    if refused is not None:
        return refused
    form = forms.AddedTextForm(data={"added_text": letter.added_text})
    if form.validate_on_submit():
        operations.set_added_text(letter, form.added_text.data)
        flash(_("Le texte ajouté à la lettre est enregistré."), "success")
        return _back(letter, "#texte")
    return _edit_page("resiliation/letters/added_text.html", letter, form=form)


@handler(Access.PROFILE, load=LOAD)
def edit_former_manager(letter: Letter):
    refused = _refused_if_frozen(letter)
    if refused is not None:
        return refused
    if request.method == "POST" and request.form.get("none"):  # « Ne pas prévenir le gérant »
        operations.set_former_manager(letter, "")
        flash(_("L'ancien gérant du contrat ne sera pas prévenu."), "success")
        return _back(letter, "#gerant")
    form = forms.FormerManagerForm(data={"former_manager_email": letter.former_manager_email})
    if form.validate_on_submit():
        operations.set_former_manager(letter, form.former_manager_email.data)
        flash(_("L'ancien gérant du contrat sera prévenu par e-mail."), "success")
        return _back(letter, "#gerant")
    return _edit_page("resiliation/letters/former_manager.html", letter, form=form)


@handler(Access.PROFILE, load=LOAD)
def new_for_subscriber(letter: Letter):
    """« Nouvelle résiliation » for the same subscriber: a new letter in progress, the subscriber
    filled in, opening at the insurer."""
    return redirect(start_for_subscriber(letter))
