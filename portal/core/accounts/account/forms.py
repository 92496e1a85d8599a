"""Forms of the account area."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, IntegerField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional

from portal.core.accounts.letterhead import MAX_LINE_LENGTH
from portal.core.accounts.validators import NoBidiControls, PhoneNumber, strip

REQUIRED = _l("Ce champ est obligatoire.")
EMAIL = _l("Saisissez une adresse e-mail valide (ex. : nom@agence.fr).")


class ProfileForm(FlaskForm):
    """A user of the account ("Définition d'un utilisateur")."""

    name = StringField(
        _l("Nom"),
        filters=[strip],
        validators=[DataRequired(REQUIRED), Length(max=200), NoBidiControls()],
    )
    email = EmailField(
        _l("E-mail"), filters=[strip], validators=[DataRequired(REQUIRED), Email(EMAIL)]
    )
    phone = StringField(_l("Téléphone"), filters=[strip], validators=[Optional(), PhoneNumber()])
    mobile = StringField(
        _l("Téléphone portable"),
        filters=[strip],
        validators=[Optional(), PhoneNumber(mobile=True)],
    )
    active = BooleanField(_l("Actif (ce profil peut être choisi à la connexion)"), default=True)


class ChooseProfileForm(FlaskForm):
    profile_id = IntegerField(validators=[InputRequired()])


class DetailsForm(FlaskForm):
    """The two fields the user may change; everything else goes through a help request."""

    email = EmailField(
        _l("Adresse e-mail"),
        filters=[strip],
        validators=[DataRequired(REQUIRED), Email(EMAIL), Length(max=254)],
    )
    phone = StringField(
        _l("Téléphone"), filters=[strip], validators=[DataRequired(REQUIRED), PhoneNumber()]
    )
    current_password = PasswordField(_l("Mot de passe actuel"))


class LetterheadLineForm(FlaskForm):
    line = StringField(
        _l("Ajouter une ligne à l'en-tête"),
        filters=[strip],
        validators=[
            DataRequired(_l("Saisissez le texte de la ligne à ajouter.")),
            Length(max=MAX_LINE_LENGTH),
        ],
    )


class LetterheadChangeForm(FlaskForm):
    """Remove or move one added line, named by its position and its text."""

    index = IntegerField(validators=[InputRequired()])
    expected = HiddenField()


class ClosureForm(FlaskForm):
    understood = BooleanField(
        _l(
            "J'ai compris que les données de mon compte seront définitivement supprimées "
            "à la fin du délai."
        ),
        validators=[DataRequired(_l("Cochez cette case pour confirmer votre demande."))],
    )
