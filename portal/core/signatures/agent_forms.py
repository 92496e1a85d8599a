"""Forms of the agent's pages of signature procedures."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


class CancelProcedureForm(FlaskForm):
    """Cancelling a procedure is final: a box to tick says so, without JavaScript."""

    reason = TextAreaField(
        _l("Motif de l'annulation (facultatif)"),
        validators=[Optional(), Length(max=500, message=_l("500 caractères au maximum."))],
    )
    confirm = BooleanField(
        _l("Je confirme l'annulation : le lien de signature ne fonctionnera plus"),
        validators=[DataRequired(message=_l("Cochez la case pour confirmer l'annulation."))],
    )
