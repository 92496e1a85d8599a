"""Forms of the operator's credit pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, ValidationError

from portal.core.credits.billing.operations import parse_euros


class AdjustCreditForm(FlaskForm):
    # A random key per displayed form: a double submission adjusts once.
    key = HiddenField()
    direction = RadioField(
        _l("Sens"),
        choices=[
            SelectChoice("credit", _l("Ajouter du crédit")),
            SelectChoice("debit", _l("Retirer du crédit")),
        ],
        default="credit",
        validators=[DataRequired(_l("Choisissez le sens de l'ajustement."))],
    )
    amount = StringField(
        _l("Montant (€)"), validators=[DataRequired(_l("Saisissez un montant en euros."))]
    )
    reason = TextAreaField(
        _l("Motif"),
        validators=[
            DataRequired(_l("Saisissez le motif de l'ajustement.")),
            Length(max=300, message=_l("Le motif compte au plus 300 caractères.")),
        ],
    )

    def validate_amount(self, field):
        try:
            cents = parse_euros(field.data)
        except ValueError:
            raise ValidationError(_l("Saisissez un montant comme 12,50.")) from None
        if cents == 0:
            raise ValidationError(_l("Le montant doit être supérieur à zéro."))

    def signed_cents(self) -> int:
        cents = parse_euros(self.amount.data)
        return -cents if self.direction.data == "debit" else cents


class ConfirmForm(FlaskForm):
    """A button with its CSRF token."""
