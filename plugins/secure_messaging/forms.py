"""Forms of the secure_messaging plugin. They only parse: the taxonomy, the message length and the
documents are checked by ``portal.core.messaging`` (one rule, one place)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField, RadioField, SelectField, TextAreaField
from wtforms.validators import InputRequired


class ChoiceForm(FlaskForm):
    """One step of theme → topic → reason; the view sets the legend and the options. Posted codes
    are resolved through the taxonomy (``select_path``), not against the rendered choices."""

    choice = RadioField(
        validators=[InputRequired(_l("Choisissez une réponse dans la liste."))],
        validate_choice=False,
    )


class MessageForm(FlaskForm):
    body = TextAreaField(_l("Mon message"))


class SendForm(FlaskForm):
    draft_token = HiddenField()


class DocumentForm(FlaskForm):
    """« Ajouter un document » of the deposit; the view sets the document types."""

    document_type = SelectField(_l("Type de document"), validate_choice=False)
    file = FileField(_l("Document"))


class DepositForm(FlaskForm):
    comment = TextAreaField(_l("Commentaire (facultatif)"))
