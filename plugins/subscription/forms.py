"""Forms of the quote wizard (guide §2): « Vos besoins », « Vos solutions », « Vos coordonnées »,
« Récapitulatif du DEVIS ».

The wizard keeps each step's values as JSON and validates them again from what was kept: every
required field uses ``DataRequired`` (or a check of the form's ``validate``), dates are kept as
ISO text (:class:`DateValue` reads them back). What a form offers and checks against (the
product, today, the agent's own addresses) is set by the wizard's ``prepare`` through
:meth:`NeedsForm.offer` and the like, before it is shown or validated.
"""

from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, RadioField, SelectField, StringField
from wtforms.fields import SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional, StopValidation
from wtforms.widgets import CheckboxInput, ListWidget, NumberInput

from plugins.subscription import rules
from plugins.subscription.i18n import _l
from portal.core.accounts.validators import (
    FRANCE,
    NoBidiControls,
    country_choices,
    normalize_phone,
    normalize_postal_code,
    postal_code_error,
    strip,
)
from portal.core.web.fields import TypedDateField

REQUIRED = _l("Ce champ est obligatoire.")
YES_NO = [SelectChoice("yes", _l("Oui")), SelectChoice("no", _l("Non"))]
MAX_CHILDREN = 10
MONTHS_AHEAD = 6


def countries() -> list[SelectChoice]:
    return [SelectChoice(code, name) for code, name in country_choices()]


class DateValue(TypedDateField):
    """A typed date that the wizard keeps as ISO text: a kept value is read back as a date."""

    def process_data(self, value):
        if isinstance(value, str):
            try:
                value = date.fromisoformat(value)
            except ValueError:
                value = None
        super().process_data(value)


class DateRequired(DataRequired):
    """Required, but a date not understood keeps its own message (« Date non reconnue »)."""

    def __call__(self, form, field):
        if field.process_errors:
            raise StopValidation()
        super().__call__(form, field)


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _text(label, required=False, max_length=80, message=None):
    validators = [DataRequired(message or REQUIRED)] if required else [Optional()]
    validators += [Length(max=max_length), NoBidiControls()]
    return StringField(label, filters=[strip], validators=validators)


def add_months(day: date, months: int) -> date:
    """``day`` plus ``months`` months (the month's last day when it has no such day)."""
    import calendar

    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _need_field(need: str, label: str) -> RadioField:
    return RadioField(
        _l(label),
        choices=[SelectChoice(level, _l(rules.LEVEL_LABELS[level])) for level in rules.LEVELS],
        validators=[DataRequired(_l("Choisissez un niveau de prise en charge."))],
    )


class NeedsForm(FlaskForm):
    """« Vos besoins »: the product (when there is a choice), the five needs, the effective date,
    the profile (regime, address, birth date) and the family."""

    product = RadioField(
        _l("Produit"), validators=[DataRequired(_l("Choisissez le produit à proposer."))]
    )
    need_optical = _need_field("optical", rules.NEEDS["optical"])
    need_dental = _need_field("dental", rules.NEEDS["dental"])
    need_hearing = _need_field("hearing", rules.NEEDS["hearing"])
    need_hospital = _need_field("hospital", rules.NEEDS["hospital"])
    need_fee_overruns = _need_field("fee_overruns", rules.NEEDS["fee_overruns"])
    effective_date = DateValue(
        _l("Date d'effet souhaitée"),
        validators=[DateRequired(_l("Indiquez la date d'effet souhaitée (JJ/MM/AAAA)."))],
    )
    regime = RadioField(
        _l("Votre régime de sécurité sociale"),
        validators=[DataRequired(_l("Choisissez le régime de sécurité sociale."))],
    )
    country = SelectField(_l("Pays"), default=FRANCE)
    postal_code = _text(_l("Code postal"), True, 12, _l("Indiquez le code postal."))
    city = _text(_l("Ville"), True, 80, _l("Indiquez la ville."))
    birth_date = DateValue(
        _l("Date de naissance"),
        validators=[DateRequired(_l("Indiquez la date de naissance (JJ/MM/AAAA)."))],
    )
    spouse = RadioField(
        _l("Souhaitez-vous couvrir votre conjoint(e) ?"),
        choices=YES_NO,
        validators=[DataRequired(_l("Répondez oui ou non."))],
    )
    spouse_birth_date = DateValue(_l("Date de naissance de votre conjoint(e)"))
    children_covered = RadioField(
        _l("Souhaitez-vous couvrir vos enfants ?"),
        choices=YES_NO,
        validators=[DataRequired(_l("Répondez oui ou non."))],
    )
    children = IntegerField(
        _l("Combien avez-vous d'enfants ?"),
        widget=NumberInput(min=1, max=MAX_CHILDREN),
        validators=[Optional()],
    )

    product_obj = None  # the product priced (set by ``offer``)
    today: date | None = None
    form_errors: list

    def offer(self, products, product, today: date, foreign_addresses: bool) -> None:
        """What the step offers: the product choice (left out when ``product`` is known), its
        regimes, the country list when addresses abroad are allowed; ``today`` for the dates."""
        self.product_obj, self.today = product, today
        if product is not None:
            del self.product
        else:
            self.product.choices = [SelectChoice(each.code, each.name) for each in products]
        regimes = product.tariff.regimes if product is not None else rules.REGIMES
        self.regime.choices = [SelectChoice(code, _l(rules.REGIMES[code])) for code in regimes]
        if foreign_addresses:
            self.country.choices = countries()
            if not self.country.data:
                self.country.data = FRANCE
        else:
            del self.country
        # The fields asked only with an answer: marked required (*) all the same.
        self.spouse_birth_date.flags.required = True
        self.children.flags.required = True

    @property
    def country_code(self) -> str:
        return (self.country.data or FRANCE) if "country" in self._fields else FRANCE

    def needs(self) -> dict:
        return {need: self[f"need_{need}"].data for need in rules.NEEDS}

    def validate(self, extra_validators=None) -> bool:
        self.form_errors = []
        valid = super().validate(extra_validators)
        today = self.today or date.today()
        if self.effective_date.data:
            if self.effective_date.data < today:
                self.effective_date.errors.append(
                    _l("La date d'effet ne peut pas être dans le passé.")
                )
                valid = False
            elif self.effective_date.data > add_months(today, MONTHS_AHEAD):
                self.effective_date.errors.append(
                    _l("La date d'effet est au plus tard dans 6 mois.")
                )
                valid = False
        for field in (self.birth_date, self.spouse_birth_date):
            if field.data and (field.data > today or field.data.year < today.year - 120):
                field.errors.append(_l("Cette date de naissance n'est pas possible."))
                valid = False
        if "country" in self._fields and self.country.data not in {
            choice.value for choice in self.country.choices
        }:
            self.country.errors.append(_l("Choisissez le pays dans la liste."))
            valid = False
        if self.postal_code.data:
            problem = postal_code_error(self.postal_code.data, self.country_code)
            if problem:
                self.postal_code.errors.append(problem)
                valid = False
            else:
                self.postal_code.data = normalize_postal_code(
                    self.postal_code.data, self.country_code
                )
        if self.spouse.data == "yes" and not self.spouse_birth_date.data:
            if not self.spouse_birth_date.errors:
                self.spouse_birth_date.errors.append(
                    _l("Indiquez la date de naissance de votre conjoint(e) (JJ/MM/AAAA).")
                )
            valid = False
        if self.children_covered.data == "yes":
            count = self.children.data
            if count is None or not 1 <= count <= MAX_CHILDREN:
                self.children.errors[:] = [
                    _l("Indiquez le nombre d'enfants, de 1 à %(max)s.", max=MAX_CHILDREN)
                ]
                valid = False
        else:
            self.children.errors[:] = []
        if valid and self.product_obj is not None:
            problem = rules.insurable_problem(self.product_obj, self.household())
            if problem is not None:
                message, values = problem
                self.form_errors.append(_l(message, **values))
                valid = False
        return valid

    def household(self) -> rules.Household:
        product = self.product_obj
        return rules.Household(
            birth_date=self.birth_date.data,
            effective_date=self.effective_date.data,
            regime=self.regime.data,
            zone=rules.zone_for(product, self.country_code, self.postal_code.data or ""),
            spouse_birth_date=self.spouse_birth_date.data if self.spouse.data == "yes" else None,
            children=(self.children.data or 0) if self.children_covered.data == "yes" else 0,
        )


class SolutionsForm(FlaskForm):
    """« Vos solutions »: the formula (« Choisissez votre formule ») and the options."""

    formula = RadioField(
        _l("Choisissez votre formule"),
        validators=[DataRequired(_l("Choisissez une formule."))],
    )
    options = MultiCheckboxField(_l("Options"), validators=[Optional()])

    def offer(self, product) -> None:
        self.formula.choices = [SelectChoice(each.code, each.name) for each in product.formulas]
        self.options.choices = [SelectChoice(each.code, each.name) for each in product.options]
        if self.options.data is None:
            self.options.data = []


class DetailsForm(FlaskForm):
    """« Vos coordonnées »: the client's identity, address, email (not the agent's) and
    mobile."""

    civility = RadioField(
        _l("Civilité"),
        choices=[SelectChoice(code, _l(label)) for code, label in rules.CIVILITIES.items()],
        validators=[DataRequired(_l("Choisissez la civilité."))],
    )
    last_name = _text(_l("Nom"), True, 80, _l("Indiquez le nom du client."))
    birth_name = _text(_l("Nom de naissance"), False, 80)
    first_name = _text(_l("Prénom"), True, 80, _l("Indiquez le prénom du client."))
    birth_date = DateValue(
        _l("Date de naissance"),
        validators=[DateRequired(_l("Indiquez la date de naissance (JJ/MM/AAAA)."))],
    )
    address = _text(_l("Adresse"), True, 120, _l("Indiquez l'adresse du client."))
    address_complement = _text(_l("Adresse complémentaire"), False, 120)
    postal_code = _text(_l("Code postal"), True, 12, _l("Indiquez le code postal."))
    city = _text(_l("Ville"), True, 80, _l("Indiquez la ville."))
    country = SelectField(_l("Pays"), default=FRANCE)
    no_email = BooleanField(_l("Mon client n'a pas d'adresse e-mail"))
    email = StringField(
        _l("Adresse e-mail client"),
        filters=[strip, lambda value: value.lower() if isinstance(value, str) else value],
        validators=[
            Optional(),
            Email(_l("Cette adresse e-mail n'est pas valide (ex. : nom@exemple.fr).")),
            Length(max=254),
        ],
    )
    mobile = StringField(_l("Téléphone mobile"), filters=[strip], validators=[Length(max=20)])

    expected_birth_date: date | None = None
    forbidden_emails: frozenset = frozenset()
    foreign_addresses = False

    def offer(self, *, birth_date, forbidden_emails, foreign_addresses: bool) -> None:
        """``birth_date``: the one given in « Vos besoins » (this one must be equal);
        ``forbidden_emails``: the agent's own addresses (the account's and its profiles')."""
        self.expected_birth_date = birth_date
        self.forbidden_emails = frozenset(e.lower() for e in forbidden_emails if e)
        self.foreign_addresses = foreign_addresses
        self.email.flags.required = True
        if foreign_addresses:
            self.country.choices = countries()
            if not self.country.data:
                self.country.data = FRANCE
        else:
            del self.country

    @property
    def country_code(self) -> str:
        return (self.country.data or FRANCE) if "country" in self._fields else FRANCE

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if (
            self.birth_date.data
            and self.expected_birth_date
            and self.birth_date.data != self.expected_birth_date
        ):
            self.birth_date.errors.append(
                _l(
                    "La date de naissance doit être celle indiquée dans « Vos besoins » "
                    "(%(day)s) : modifiez-la à l'étape « Vos besoins » si elle a changé.",
                    day=self.expected_birth_date.strftime("%d/%m/%Y"),
                )
            )
            valid = False
        if "country" in self._fields and self.country.data not in {
            choice.value for choice in self.country.choices
        }:
            self.country.errors.append(_l("Choisissez le pays dans la liste."))
            valid = False
        if self.postal_code.data:
            problem = postal_code_error(self.postal_code.data, self.country_code)
            if problem:
                self.postal_code.errors.append(problem)
                valid = False
            else:
                self.postal_code.data = normalize_postal_code(
                    self.postal_code.data, self.country_code
                )
        if self.no_email.data:
            self.email.errors[:] = []
            self.email.data = ""
        elif not self.email.data:
            if not self.email.errors:
                self.email.errors.append(
                    _l(
                        "Indiquez l'adresse e-mail de votre client, ou cochez « Mon client n'a "
                        "pas d'adresse e-mail »."
                    )
                )
            valid = False
        elif self.email.data.lower() in self.forbidden_emails:
            self.email.errors.append(
                _l(
                    "C'est votre propre adresse e-mail : indiquez celle de votre client. Elle "
                    "reçoit le devis et sert d'identifiant à son espace client."
                )
            )
            valid = False
        if self.mobile.data:
            phone = normalize_phone(self.mobile.data, international=True)
            if phone is None:
                self.mobile.errors.append(
                    _l("Ce numéro de mobile n'est pas valide (ex. : 06 12 34 56 78).")
                )
                valid = False
            else:
                self.mobile.data = phone
        return valid


class SummaryForm(FlaskForm):
    """« Récapitulatif du DEVIS »: « Valider et envoyer le devis au client »."""


class ResendForm(FlaskForm):
    """« Renvoyer le devis au client »."""
