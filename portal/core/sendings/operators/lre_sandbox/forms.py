"""Forms of the sandbox operator's recipient pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, InputRequired, Length


class IdentifyForm(FlaskForm):
    name = StringField(
        _l("Vos prénom et nom"),
        validators=[InputRequired(message=_l("Saisissez vos prénom et nom.")), Length(max=200)],
    )
    confirm = BooleanField(
        _l("Je certifie être le destinataire de cette lettre."),
        validators=[DataRequired(message=_l("Cochez cette case pour continuer."))],
    )


class CodeForm(FlaskForm):
    code = StringField(
        _l("Code reçu par courriel"),
        validators=[
            InputRequired(message=_l("Saisissez le code reçu par courriel.")),
            Length(max=12),
        ],
    )


class DecisionForm(FlaskForm):
    """Accept or refuse: the button pressed (``accepter`` / ``refuser``) is the decision."""
