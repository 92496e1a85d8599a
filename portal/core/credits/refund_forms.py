"""The holder's form asking for the remaining credit to be paid back at closure."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, ValidationError
from wtforms.validators import DataRequired, Length

from portal.core.accounts.validators import NoBidiControls, strip
from portal.core.credits.refunds import InvalidIban, parse_iban


class RefundRequestForm(FlaskForm):
    iban = StringField(
        _l("IBAN du compte à créditer"),
        filters=[strip],
        validators=[DataRequired(_l("Saisissez l'IBAN du compte à créditer."))],
        render_kw={"autocomplete": "off", "spellcheck": "false", "inputmode": "text"},
    )
    account_holder = StringField(
        _l("Titulaire du compte bancaire"),
        filters=[strip],
        validators=[
            DataRequired(_l("Saisissez le nom du titulaire du compte bancaire.")),
            Length(max=140, message=_l("140 caractères au maximum.")),
            NoBidiControls(),
        ],
        render_kw={"autocomplete": "name"},
    )

    def validate_iban(self, field):
        try:
            parse_iban(field.data)
        except InvalidIban as exc:
            raise ValidationError(str(exc)) from None
