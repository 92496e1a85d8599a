"""Forms of the user side of messaging. They only parse: the subject is resolved through the
tenant's taxonomy, the message length and the files are checked by :mod:`.operations`."""

from __future__ import annotations

import secrets

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import EmailField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length

from portal.core.accounts.validators import NoBidiControls, strip

REQUIRED = _l("Ce champ est obligatoire.")


class HelpRequestForm(FlaskForm):
    """« Demande d'aide »: the view fills the subjects (every complete taxonomy path)."""

    subject = SelectField(
        _l("Ma demande concerne"),
        validators=[DataRequired(_l("Choisissez le sujet de votre demande dans la liste."))],
        validate_choice=False,  # resolved through the taxonomy, not the rendered options
    )
    body = TextAreaField(_l("Mon message"))
    files = MultipleFileField(_l("Pièces jointes (facultatif)"))
    # Names this form: posted twice (double click, back button), it starts one conversation.
    request_key = HiddenField(default=lambda: secrets.token_urlsafe(16))


class ReplyForm(FlaskForm):
    body = TextAreaField(_l("Votre réponse"))
    files = MultipleFileField(_l("Pièces jointes (facultatif)"))


class VisibilityForm(FlaskForm):
    """« Masquer / Afficher »; ``retour`` names the page to go back to."""

    retour = HiddenField()


class ContactForm(FlaskForm):
    """« Nous contacter », for visitors (no account needed)."""

    name = StringField(
        _l("Nom et prénom"),
        filters=[strip],
        validators=[DataRequired(REQUIRED), Length(max=200), NoBidiControls()],
    )
    email = EmailField(
        _l("Adresse e-mail"),
        filters=[strip],
        validators=[
            DataRequired(REQUIRED),
            Email(_l("Saisissez une adresse e-mail valide (ex. : nom@exemple.fr).")),
            Length(max=254),
        ],
    )
    subject = StringField(
        _l("Objet"), filters=[strip], validators=[DataRequired(REQUIRED), Length(max=300)]
    )
    body = TextAreaField(_l("Votre message"))
