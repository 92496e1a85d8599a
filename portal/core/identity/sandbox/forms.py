"""Forms of the sandbox provider's pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, StringField
from wtforms.validators import InputRequired, Length


class PhotoForm(FlaskForm):
    photo = FileField(
        _l("Photo de votre carte d'identité ou de votre passeport"),
        validators=[FileRequired(message=_l("Prenez ou choisissez la photo de votre pièce."))],
        render_kw={"accept": "image/*,application/pdf"},
    )
    simulate_failure = BooleanField(_l("Simuler un échec de la vérification (bac à sable)"))


class SmsCodeForm(FlaskForm):
    code = StringField(
        _l("Code reçu par SMS"),
        validators=[InputRequired(message=_l("Saisissez le code reçu par SMS.")), Length(max=12)],
    )
