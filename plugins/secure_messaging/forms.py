"""Forms of the secure_messaging plugin. The taxonomy, the message length and the documents are
the core's rules (``portal.core.messaging``): the forms ask it, they do not repeat it."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import RadioField, SelectField, TextAreaField, ValidationError
from wtforms.validators import DataRequired

from plugins.secure_messaging.i18n import _l
from portal.core.messaging import operations
from portal.core.tenants import current_tenant

NOT_OFFERED = _l("Choisissez une réponse dans la liste.")


class ChoiceForm(FlaskForm):
    """One step of theme → topic → reason: the wizard sets the legend and the options offered
    to this user (their category's taxonomy, under the choices made before)."""

    choice = RadioField(validators=[DataRequired(NOT_OFFERED)], validate_choice=False)

    def validate_choice(self, field):
        if field.data not in {value for value, _label in field.choices or ()}:
            raise ValidationError(str(NOT_OFFERED))


class MessageForm(FlaskForm):
    body = TextAreaField(_l("Mon message"))

    def validate_body(self, field):
        try:
            operations.check_body(current_tenant(), field.data)
        except operations.MessagingError as error:
            raise ValidationError(error.message) from error


class SendForm(FlaskForm):
    """« Envoyer » on the summary (the draft's key makes it idempotent)."""


class DocumentForm(FlaskForm):
    """« Ajouter un document » of the deposit; the view sets the document types."""

    document_type = SelectField(_l("Type de document"), validate_choice=False)
    file = FileField(_l("Document"))


class DepositForm(FlaskForm):
    comment = TextAreaField(_l("Commentaire (facultatif)"))
