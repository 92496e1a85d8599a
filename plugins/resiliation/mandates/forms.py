"""The mandate's forms (CSRF included): each field has its label; refusals are shown next to
the field they concern."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, EmailField, HiddenField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Email, InputRequired, Length, ValidationError

from plugins.resiliation.i18n import _l
from plugins.resiliation.mandates.models import MandateSource
from plugins.resiliation.rules import Sender


def _mobile(form, field) -> None:
    from portal.core.sms import InvalidPhoneNumber, normalize_mobile

    try:
        normalize_mobile(field.data or "")
    except InvalidPhoneNumber:
        raise ValidationError(
            _l("Saisissez un numéro de mobile français, par exemple 06 12 34 56 78.")
        ) from None


class SourceForm(FlaskForm):
    """« Quel mandat de résiliation souhaitez-vous utiliser ? » (one button per choice)."""

    source = HiddenField(
        validators=[InputRequired(_l("Choisissez le mandat à utiliser."))],
    )

    def validate_source(self, field) -> None:
        if field.data not in (MandateSource.PREFILLED, MandateSource.OWN):
            raise ValidationError(_l("Choisissez le mandat à utiliser."))


class ScanForm(FlaskForm):
    """The scan of the mandate signed by hand."""

    file = FileField(_l("Mandat signé par votre client"))


class ActionForm(FlaskForm):
    """A button that changes something (validate, restart…): only the CSRF token."""


class WithoutForm(FlaskForm):
    accept = BooleanField(
        _l("Je comprends et j'accepte la remarque ci-dessus"),
        validators=[InputRequired(_l("Cochez la case pour continuer sans joindre le mandat."))],
    )


class ElectronicForm(FlaskForm):
    """« Signature électronique du mandat de résiliation par votre souscripteur »."""

    email = EmailField(
        _l("Adresse mail de votre souscripteur"),
        validators=[
            InputRequired(_l("Indiquez l'adresse mail de votre souscripteur.")),
            Email(_l("Cette adresse mail n'est pas valide.")),
            Length(max=254),
        ],
    )
    mobile = StringField(
        _l("Numéro de mobile de votre souscripteur"),
        validators=[InputRequired(_l("Indiquez le mobile de votre souscripteur.")), _mobile],
    )
    co_email = EmailField(
        _l("Adresse mail du co-souscripteur"),
        validators=[Length(max=254)],
    )
    co_mobile = StringField(_l("Numéro de mobile du co-souscripteur"))
    own_file = FileField(_l("Mandat à faire signer (PDF)"))
    delivery = RadioField(
        _l("Comment signe votre client ?"),
        choices=[
            SelectChoice(
                "remote", _l("À distance : votre client reçoit un mail et signe en autonomie")
            ),
            SelectChoice(
                "in_person",
                _l(
                    "En présentiel : vous êtes avec votre client et vous l'accompagnez dans la "
                    "procédure à partir de vos outils"
                ),
            ),
        ],
        default="remote",
        validators=[InputRequired(_l("Choisissez comment signe votre client."))],
    )
    certify = BooleanField(
        _l(
            "Je certifie avoir fourni les informations de mon souscripteur et que celles-ci "
            "sont exactes"
        ),
        validators=[InputRequired(_l("Cochez la case pour certifier ces informations."))],
    )

    def check_co_subscriber(self, needed: bool) -> bool:
        """With a co-subscriber, their email and mobile are required too."""
        if not needed:
            return True
        ok = True
        if not (self.co_email.data or "").strip():
            self.co_email.errors.append(_l("Indiquez l'adresse mail du co-souscripteur."))
            ok = False
        else:
            try:
                Email()(self, self.co_email)
            except ValidationError:
                self.co_email.errors.append(_l("Cette adresse mail n'est pas valide."))
                ok = False
        if not (self.co_mobile.data or "").strip():
            self.co_mobile.errors.append(_l("Indiquez le mobile du co-souscripteur."))
            ok = False
        else:
            try:
                _mobile(self, self.co_mobile)
            except ValidationError as exc:
                self.co_mobile.errors.append(str(exc))
                ok = False
        return ok


class SenderForm(FlaskForm):
    sender = HiddenField()

    def validate_sender(self, field) -> None:
        if field.data not in (Sender.AGENCY, Sender.PLATFORM):
            raise ValidationError(_l("Choisissez l'émetteur du courrier."))
