"""Forms of the signer's pages (no login: the link is the key; CSRF still guards every POST)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Regexp

from portal.core.signatures import rules

DECLINE_REASON_MAX = 1000


class IdentityDocumentForm(FlaskForm):
    file = FileField(
        _l("Copie de votre pièce d'identité (carte d'identité, passeport ou titre de séjour)"),
        validators=[FileRequired(message=_l("Choisissez le fichier de votre pièce d'identité."))],
        # A hint for the browser's file picker only: the engine checks the content.
        render_kw={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"},
    )


class AcceptanceForm(FlaskForm):
    """A document's acceptance boxes: one ``BooleanField`` per box, named ``box_<id>``, added by
    :func:`acceptance_form`. The engine says which required box is missing (``MissingAcceptance``);
    the form checks them too, so each unticked required box has its error next to it."""


def acceptance_form(document, accepted_ids=(), **kwargs) -> AcceptanceForm:
    """The form of ``document``'s boxes, ticked where the signer already accepted them."""

    class DocumentForm(AcceptanceForm):
        pass

    accepted = set(accepted_ids or ())
    for box in document.acceptance_boxes:
        validators = (
            [DataRequired(message=_l("Cochez cette case pour continuer."))] if box.required else []
        )
        setattr(
            DocumentForm,
            box_field_name(box),
            BooleanField(box.label, validators=validators, default=box.id in accepted),
        )
    return DocumentForm(**kwargs)


def box_field_name(box) -> str:
    return f"box_{box.id}"


def ticked_box_ids(form: AcceptanceForm, document) -> list[int]:
    return [box.id for box in document.acceptance_boxes if form[box_field_name(box)].data]


class SendCodeForm(FlaskForm):
    """« Recevoir le code par SMS » / « Renvoyer le code »: a button, nothing to type."""


class SignForm(FlaskForm):
    code = StringField(
        _l("Code reçu par SMS"),
        validators=[
            InputRequired(message=_l("Saisissez le code reçu par SMS.")),
            Regexp(
                rf"^\s*\d{{{rules.OTP_LENGTH}}}\s*$",
                message=_l("Le code contient %(length)s chiffres.", length=rules.OTP_LENGTH),
            ),
        ],
        render_kw={
            "inputmode": "numeric",
            "pattern": r"[0-9]*",
            "maxlength": rules.OTP_LENGTH,
            "spellcheck": "false",
        },
    )


class DeclineForm(FlaskForm):
    reason = TextAreaField(
        _l("Pourquoi refusez-vous de signer ?"),
        validators=[
            InputRequired(message=_l("Indiquez la raison de votre refus.")),
            Length(max=DECLINE_REASON_MAX, message=_l("1 000 caractères au maximum.")),
        ],
        render_kw={"maxlength": DECLINE_REASON_MAX, "rows": 5},
    )
    confirm = BooleanField(
        _l("Je confirme refuser de signer : la procédure de signature prendra fin."),
        validators=[DataRequired(message=_l("Cochez la case pour confirmer votre refus."))],
    )
