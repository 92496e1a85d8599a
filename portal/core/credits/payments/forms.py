"""Forms of the credit purchase and of the sandbox bank's pages."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, StringField, ValidationError
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from portal.core.credits.payments.sandbox import luhn_valid


def _cents(value):
    """An option's value back to cents; anything else is None (refused by the form)."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class BuyCreditForm(FlaskForm):
    """The amount to buy, among those the tenant offers (``[credits] purchase_amounts``)."""

    amount = SelectField(
        _l("Montant"),
        coerce=_cents,
        validate_choice=False,  # checked below, with a message of ours
        validators=[InputRequired(_l("Choisissez un montant."))],
    )

    def validate_amount(self, field):
        if field.data not in {choice.value for choice in field.choices}:
            raise ValidationError(_l("Choisissez un des montants proposés."))

    def __init__(self, *args, amounts: list[int], default: int, **kwargs):
        super().__init__(*args, **kwargs)
        from portal.core.credits.ledger import whole_euros

        self.amount.choices = [
            SelectChoice(cents, _l("%(amount)s TTC", amount=whole_euros(cents)))
            for cents in amounts
        ]
        if not self.amount.raw_data:  # shown, not sent: the tenant's default amount is selected
            self.amount.data = default


def card_digits(value: str | None) -> str:
    return "".join((value or "").split())


class CardForm(FlaskForm):
    """The sandbox bank's card page (the portal never sees these data in production)."""

    card_type = RadioField(
        _l("Type de carte"),
        choices=[
            SelectChoice("cb", "CB"),
            SelectChoice("visa", "Visa"),
            SelectChoice("mastercard", "Mastercard"),
        ],
        validators=[InputRequired(_l("Choisissez le type de votre carte."))],
    )
    number = StringField(
        _l("Numéro de carte"), validators=[InputRequired(_l("Saisissez le numéro de votre carte."))]
    )
    month = SelectField(
        _l("Mois d'expiration"),
        choices=[SelectChoice(f"{m:02d}", f"{m:02d}") for m in range(1, 13)],
        validate_choice=False,  # checked with the year: one clear message for the date
    )
    year = SelectField(_l("Année d'expiration"), validate_choice=False)
    cvv = StringField(
        _l("Cryptogramme visuel"),
        validators=[InputRequired(_l("Saisissez le cryptogramme visuel."))],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        this_year = date.today().year
        self.year.choices = [SelectChoice(str(y), str(y)) for y in range(this_year, this_year + 11)]

    def validate_number(self, field):
        if not luhn_valid(card_digits(field.data)):
            raise ValidationError(_l("Numéro de carte invalide."))

    def validate_year(self, field):
        today = date.today()
        try:
            expiry = (int(field.data), int(self.month.data))
        except (TypeError, ValueError):
            raise ValidationError(_l("Date d'expiration invalide.")) from None
        if expiry < (today.year, today.month):
            raise ValidationError(_l("Cette carte a expiré."))

    def validate_cvv(self, field):
        if not (field.data.isdigit() and len(field.data) == 3):
            raise ValidationError(_l("Le cryptogramme visuel compte 3 chiffres."))


class SecureCodeForm(FlaskForm):
    code = StringField(
        _l("Code reçu par SMS"), validators=[InputRequired(_l("Saisissez le code reçu par SMS."))]
    )
