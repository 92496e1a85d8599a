"""Forms of sign-up, login and passwords (messages in French, translated at display time)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import Email, EqualTo, InputRequired, Length, Optional
from wtforms.widgets import PasswordInput

from portal.core.accounts.validators import (
    NoBidiControls,
    Orias,
    PasswordPolicy,
    PhoneNumber,
    PostalCode,
    strip,
)

REQUIRED = InputRequired(message=_l("Ce champ est obligatoire."))
EMAIL = Email(message=_l("Cette adresse e-mail n'est pas valide (ex. : nom@agence.fr)."))
NO_BIDI = NoBidiControls()
SAME_PASSWORD = EqualTo("password", message=_l("Les deux mots de passe ne sont pas identiques."))
PASSWORD_HINT = _l(
    "Au moins 12 caractères, dont une majuscule, une minuscule, un chiffre et un caractère spécial."
)


def _link(url: str, text) -> Markup:
    """A link that opens beside the form (escaped: the URL comes from the tenant file)."""
    return Markup('<a href="{}" target="_blank" rel="noopener">{}</a>').format(url, text)


def _at_most(n: int) -> Length:
    return Length(max=n, message=_l("%(max)d caractères au plus.", max=n))


class NewPasswordMixin:
    """A new password typed twice, checked against the password policy (``accounts.passwords``)."""

    password = PasswordField(_l("Mot de passe"), [REQUIRED, PasswordPolicy(), _at_most(200)])
    password_confirm = PasswordField(
        _l("Saisissez à nouveau le mot de passe"), [REQUIRED, SAME_PASSWORD]
    )

    def keep_valid_passwords(self) -> None:
        """Redisplay the typed passwords when only other fields are wrong: nothing typed is lost,
        and a refused password is never echoed back."""
        if not (self.password.errors or self.password_confirm.errors):
            for password_field in (self.password, self.password_confirm):
                password_field.widget = PasswordInput(hide_value=False)


class OriasStepForm(FlaskForm):
    """Step 1 of the self sign-up (a GET form: it changes nothing)."""

    class Meta:
        csrf = False

    orias = StringField(
        _l("Entrez ici votre numéro ORIAS"),
        [
            InputRequired(
                message=_l("Entrez votre numéro ORIAS, ou choisissez « Continuer sans ORIAS ».")
            ),
            Orias(),
        ],
        filters=[strip],
    )


class SignupForm(NewPasswordMixin, FlaskForm):
    """The sign-up form: the agency, its holder and their contact details; without password
    fields in approval mode (the password is created once an operator approves)."""

    email = EmailField(_l("Adresse e-mail"), [REQUIRED, EMAIL, _at_most(254)], filters=[strip])
    last_name = StringField(_l("Nom"), [REQUIRED, _at_most(100), NO_BIDI], filters=[strip])
    first_name = StringField(_l("Prénom"), [REQUIRED, _at_most(100), NO_BIDI], filters=[strip])
    commercial_name = StringField(
        _l("Nom commercial"), [REQUIRED, _at_most(200), NO_BIDI], filters=[strip]
    )
    orias = StringField(_l("N° ORIAS"), [Optional(), Orias()], filters=[strip])
    affiliation = SelectField(_l("Affiliation"), choices=[])
    # Asked only where the tenant's messaging has several user categories (their themes differ).
    category = SelectField(_l("Vous êtes"), choices=[])
    address = StringField(_l("Adresse"), [REQUIRED, _at_most(200), NO_BIDI], filters=[strip])
    address2 = StringField(
        _l("Complément d'adresse"), [Optional(), _at_most(200), NO_BIDI], filters=[strip]
    )
    postal_code = StringField(_l("Code postal"), [REQUIRED, PostalCode()], filters=[strip])
    city = StringField(_l("Ville"), [REQUIRED, _at_most(100), NO_BIDI], filters=[strip])
    phone = StringField(_l("Téléphone"), [REQUIRED, PhoneNumber()], filters=[strip])
    mobile = StringField(
        _l("Téléphone portable"), [Optional(), PhoneNumber(mobile=True)], filters=[strip]
    )
    accept_terms = BooleanField(
        validators=[
            InputRequired(message=_l("Acceptez les CGU et les CGV pour créer votre compte."))
        ]
    )

    def __init__(
        self, *args, affiliations=(), categories=(), terms_url="#", with_password=True, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.affiliation.choices = [("", _l("Pas d'affiliation"))] + [(a, a) for a in affiliations]
        if len(categories) > 1:
            self.category.choices = list(categories)
        else:
            del self.category
        self.accept_terms.label.text = escape(
            _l("Je reconnais avoir lu et compris les %(cgu)s et les %(cgv)s et je les accepte")
        ) % {"cgu": _link(terms_url, _l("CGU")), "cgv": _link(terms_url, _l("CGV"))}
        if not with_password:
            del self.password
            del self.password_confirm

    def keep_valid_passwords(self) -> None:
        if self.password is not None:
            super().keep_valid_passwords()


class LoginForm(FlaskForm):
    email = EmailField(_l("Adresse e-mail"), [REQUIRED], filters=[strip])
    password = PasswordField(_l("Mot de passe"), [REQUIRED])
    next = HiddenField()


class EmailForm(FlaskForm):
    """One address: forgotten password, new activation link, first connection."""

    email = EmailField(_l("Adresse e-mail"), [REQUIRED, EMAIL], filters=[strip])


class NewPasswordForm(NewPasswordMixin, FlaskForm):
    """Reset, or the first password of an invited account (which may have terms to accept)."""

    accept_terms = BooleanField(
        validators=[InputRequired(message=_l("Acceptez les conditions générales pour continuer."))]
    )

    def __init__(self, *args, terms_url=None, **kwargs):
        super().__init__(*args, **kwargs)
        if terms_url is None:
            del self.accept_terms
        else:
            self.accept_terms.label.text = escape(_l("J'accepte les %(terms)s")) % {
                "terms": _link(terms_url, _l("conditions générales d'utilisation et de vente"))
            }


class ChangePasswordForm(NewPasswordMixin, FlaskForm):
    current_password = PasswordField(_l("Mot de passe actuel"), [REQUIRED])


class ReauthForm(FlaskForm):
    password = PasswordField(_l("Mot de passe"), [REQUIRED])
    next = HiddenField()
