"""Forms of the verification module (agent pages and back-office review)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField, SelectField, TextAreaField
from wtforms.fields import DateField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length

from portal.core.verification.models import DocumentKind

KIND_LABELS = {
    DocumentKind.ORIAS_CERTIFICATE: _l("Attestation d'immatriculation ORIAS (intermédiaire)"),
    DocumentKind.STATUTES: _l("Statuts (mutuelle ou société)"),
    DocumentKind.KBIS: _l("Extrait Kbis"),
    DocumentKind.OTHER: _l("Autre justificatif"),
}


def document_kind_label(kind) -> str:
    """The translated name of a document kind (a ``DocumentKind`` or its value)."""
    try:
        return KIND_LABELS[DocumentKind(kind)]
    except ValueError:
        return str(kind)


class DocumentUploadForm(FlaskForm):
    kind = SelectField(
        _l("Type de justificatif"),
        choices=[SelectChoice(kind.value, label) for kind, label in KIND_LABELS.items()],
        validators=[InputRequired()],
    )
    file = FileField(
        _l("Fichier"),
        validators=[FileRequired(message=_l("Choisissez le fichier à envoyer."))],
        # A hint for the browser's file picker only: the content is what is checked.
        render_kw={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"},
    )


class MandateSignForm(FlaskForm):
    """« Signer le mandat »: starts the e-signature of the text shown, named by its fingerprint
    (the acceptance box and the SMS code are on the signing pages)."""

    text_sha256 = HiddenField()


class IdentityStartForm(FlaskForm):
    confirm_information = BooleanField(
        _l(
            "Je confirme les informations ci-dessus et demande à procéder à une vérification "
            "forte de mon identité"
        ),
        validators=[DataRequired(message=_l("Confirmez les informations ci-dessus."))],
    )
    consent_debit = BooleanField(
        _l(
            "J'ai pris connaissance du tarif ci-dessus indiqué et consens à ce que ce montant "
            "soit déduit de mon crédit"
        ),
        validators=[DataRequired(message=_l("Acceptez le débit du tarif indiqué."))],
    )


class ApproveDocumentForm(FlaskForm):
    expires_on = DateField(
        _l("Valable jusqu'au"),
        validators=[InputRequired(message=_l("Indiquez la date de fin de validité."))],
    )


class RejectDocumentForm(FlaskForm):
    reason = TextAreaField(
        _l("Motif du refus (vu par l'agent)"),
        validators=[
            InputRequired(message=_l("Indiquez le motif du refus.")),
            Length(max=500, message=_l("500 caractères au maximum.")),
        ],
    )
