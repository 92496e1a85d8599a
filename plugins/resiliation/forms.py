"""Forms of termination letters: the subscriber, the insurer, the contract type and the contract
(the wizard's steps, reused by the letter page's edit pages), the added text, the former manager.

The wizard keeps each step's values as JSON and validates them again from what was kept, so every
required field uses ``DataRequired`` and dates are kept as typed (text), read by
:func:`parse_date`.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, ValidationError

from plugins.resiliation import rules
from plugins.resiliation.i18n import _l
from portal.core.accounts.validators import NoBidiControls, PostalCode, Siret, strip

REQUIRED = _l("Ce champ est obligatoire.")
CIVILITIES = [
    SelectChoice("M", _l("Monsieur")),
    SelectChoice("Mme", _l("Madame")),
    SelectChoice("", _l("Non précisée")),
]
CIVILITY_LABELS = {"M": _l("Monsieur"), "Mme": _l("Madame")}


def _text(label, required=False, max_length=200, message=None, **kwargs):
    validators = [DataRequired(message or REQUIRED)] if required else []
    validators += [Length(max=max_length), NoBidiControls()]
    return StringField(label, filters=[strip], validators=validators, **kwargs)


def parse_date(value) -> date | None:
    """A date typed « JJ/MM/AAAA » (or given by a browser's date input, « AAAA-MM-JJ »); None
    when empty or not a date."""
    text = (value or "").strip() if isinstance(value, str) else ""
    for pattern in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


class TypedDate:
    """A date typed as text (kept as typed): « JJ/MM/AAAA »."""

    def __call__(self, form, field):
        if field.data and parse_date(field.data) is None:
            raise ValidationError(_l("Saisissez une date au format JJ/MM/AAAA (ex. : 01/07/2025)."))


class SubscriberForm(FlaskForm):
    """1 · Le souscripteur (and « Modifier » on the letter page). Field names are the letter's
    columns."""

    civility = RadioField(_l("Civilité"), choices=CIVILITIES, default="")
    last_name = _text(_l("Nom"), True, 100, _l("Indiquez le nom du souscripteur."))
    first_name = _text(_l("Prénom"), True, 100, _l("Indiquez le prénom du souscripteur."))
    professional = BooleanField(_l("Le souscripteur est un professionnel (société)"))
    company_name = _text(_l("Société et statut"), max_length=200)
    siret = StringField(
        _l("N° SIRET"),
        filters=[lambda v: re.sub(r"\s+", "", v) if isinstance(v, str) else v],
        validators=[Siret()],
    )
    street = _text(_l("N° et rue"), True, 200, _l("Indiquez le numéro et la rue."))
    complement = _text(_l("Complément d'adresse"), max_length=200)
    postal_code = StringField(
        _l("Code postal"),
        filters=[strip],
        validators=[DataRequired(_l("Indiquez le code postal.")), PostalCode()],
    )
    city = _text(_l("Ville"), True, 100, _l("Indiquez la ville."))
    email = StringField(
        _l("E-mail"),
        filters=[strip],
        validators=[
            DataRequired(_l("Indiquez l'adresse e-mail du souscripteur.")),
            Email(_l("Cette adresse e-mail n'est pas valide (ex. : nom@exemple.fr).")),
            Length(max=254),
        ],
    )
    client_reference = _text(_l("Votre référence pour ce client"), max_length=100)
    co_civility = RadioField(_l("Civilité du co-souscripteur"), choices=CIVILITIES, default="")
    co_last_name = _text(_l("Nom du co-souscripteur"), max_length=100)
    co_first_name = _text(_l("Prénom du co-souscripteur"), max_length=100)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.professional.data:
            if not self.company_name.data:
                self.company_name.errors.append(_l("Indiquez le nom de la société."))
                valid = False
            if not self.siret.data:
                self.siret.errors.append(_l("Indiquez le numéro SIRET de la société."))
                valid = False
        if self.co_last_name.data and not self.co_first_name.data:
            self.co_first_name.errors.append(_l("Indiquez le prénom du co-souscripteur."))
            valid = False
        if self.co_first_name.data and not self.co_last_name.data:
            self.co_last_name.errors.append(_l("Indiquez le nom du co-souscripteur."))
            valid = False
        return valid


class InsurerForm(FlaskForm):
    """2 · L'assureur: the directory entry chosen (re-checked by the wizard at every request)."""

    insurer_id = HiddenField(
        _l("Assureur"), validators=[DataRequired(_l("Choisissez l'assureur dans la liste."))]
    )

    def validate_insurer_id(self, field):
        from portal.core.directory import search

        if search.active_entry(field.data) is None:
            raise ValidationError(
                _l("Cet assureur n'est plus proposé : cherchez-le à nouveau dans la liste.")
            )


class TypeForm(FlaskForm):
    """3 · Le contrat: its type, among the 22 of the manual (or those a letter still accepts)."""

    contract_type = RadioField(
        _l("Quel type de contrat souhaitez-vous résilier ?"),
        choices=[SelectChoice(t.value, label) for t, label in rules.CONTRACT_TYPE_LABELS.items()],
        validators=[DataRequired(_l("Choisissez le type de contrat à résilier."))],
    )


class ContractForm(FlaskForm):
    """3 · Le contrat: the contract's form. Call :meth:`for_type` before validating or showing:
    the reasons offered and the fields required come from ``rules`` for the type (and reason)."""

    reference = _text(_l("Référence du contrat"), True, 60, _l("Indiquez la référence du contrat."))
    other_type = _text(_l("Type de contrat (autre type)"), max_length=120)
    property_address = TextAreaField(
        _l("Adresse du bien assuré"),
        filters=[strip],
        validators=[Length(max=500), NoBidiControls()],
    )
    registration = _text(_l("Immatriculation"), max_length=20)
    main_due_date = StringField(
        _l("Échéance principale"), filters=[strip], validators=[TypedDate()]
    )
    new_insurer = _text(_l("Nouvel assureur ou organisme"), max_length=200)
    new_reference = _text(_l("Nouvelle référence de contrat ou d'offre"), max_length=60)
    reason = RadioField(
        _l("Motif de résiliation"),
        choices=[],
        validators=[DataRequired(_l("Choisissez le motif de résiliation."))],
    )
    custom_reason = TextAreaField(
        _l("Motif de résiliation personnalisé (texte de la lettre)"),
        filters=[strip],
        validators=[Length(max=2000), NoBidiControls()],
    )
    event_date = StringField(_l("Date de l'événement"), filters=[strip], validators=[TypedDate()])

    contract_type: rules.ContractType | None = None
    # Fields asked at the letter level, left out when a contract is added to a written letter.
    ask_custom_reason = True

    def for_type(self, contract_type, reasons, *, ask_custom_reason=True) -> ContractForm:
        """Offer ``reasons`` for a contract of ``contract_type``."""
        self.contract_type = contract_type
        self.reason.choices = [SelectChoice(r.value, rules.REASON_LABELS[r]) for r in reasons]
        self.ask_custom_reason = ask_custom_reason
        if len(reasons) == 1:  # shown, not chosen (the letter's own reason)
            self.reason.data = reasons[0].value
        return self

    def chosen_reason(self) -> rules.Reason | None:
        try:
            return rules.Reason(self.reason.data)
        except ValueError:
            return None

    def shown(self, name: str) -> list[str]:
        """The reasons (values) for which the field ``name`` is shown (``rules.contract_fields``);
        empty: never shown for this type."""
        if self.contract_type is None:
            return []
        return [
            choice.value
            for choice in self.reason.choices
            if name in rules.contract_fields(self.contract_type, choice.value).shown()
        ]

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        reason = self.chosen_reason()
        if self.contract_type is None or reason is None:
            return valid
        required = rules.contract_fields(self.contract_type, reason).required()
        if not self.ask_custom_reason:  # the letter's own values, asked with its first contract
            required -= LETTER_LEVEL
        for name in sorted(required):
            field = getattr(self, name)
            if not field.data and not field.errors:
                field.errors.append(MISSING.get(name, REQUIRED))
                valid = False
        return valid


MISSING = {
    "reference": _l("Indiquez la référence du contrat."),
    "other_type": _l("Indiquez le type de contrat."),
    "new_insurer": _l(
        "Indiquez le nouvel assureur ou organisme : il est obligatoire pour ce motif de "
        "résiliation."
    ),
    "custom_reason": _l("Écrivez le motif de résiliation."),
    "event_date": _l("Indiquez la date de l'événement : la lettre doit la mentionner."),
    "main_due_date": _l("Indiquez la date d'échéance principale du contrat."),
}
CONTRACT_FORM_FIELDS = (
    "reference",
    "other_type",
    "property_address",
    "registration",
    "main_due_date",
    "new_insurer",
    "new_reference",
    "custom_reason",
    "event_date",
)
# Values of the letter asked on its first contract's form (not when a contract is added).
LETTER_LEVEL = frozenset({"custom_reason", "event_date"})


def contract_values(form: ContractForm) -> dict:
    """What a valid contract form gives: its reason and the fields shown for its type and reason
    (the others empty, so a value typed under another reason never reaches the letter)."""
    reason = form.chosen_reason()
    shown = rules.contract_fields(form.contract_type, reason).shown()
    values = {"reason": reason}
    for name in CONTRACT_FORM_FIELDS:
        values[name] = (getattr(form, name).data or "") if name in shown else ""
    return values


class AddedTextForm(FlaskForm):
    added_text = TextAreaField(
        _l("Texte ajouté à la lettre"),
        filters=[strip],
        validators=[Length(max=4000), NoBidiControls()],
    )


class FormerManagerForm(FlaskForm):
    former_manager_email = StringField(
        _l("Email"),
        filters=[strip],
        validators=[
            DataRequired(_l("Indiquez l'adresse e-mail du gérant du contrat.")),
            Email(_l("Cette adresse e-mail n'est pas valide (ex. : nom@exemple.fr).")),
            Length(max=254),
        ],
    )
