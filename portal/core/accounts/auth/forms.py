"""Forms of sign-up, login and passwords (messages in French, translated at display time)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import Email, EqualTo, InputRequired, Length, Optional
from wtforms.widgets import PasswordInput

from portal.core.accounts.kinds import KINDS, AccountKind
from portal.core.accounts.validators import (
    FRANCE,
    NoBidiControls,
    Orias,
    PasswordPolicy,
    PhoneNumber,
    PostalCode,
    Siren,
    country_choices,
    strip,
)

REQUIRED = InputRequired(message=_l("Ce champ est obligatoire."))
EMAIL = Email(message=_l("Cette adresse e-mail n'est pas valide (ex. : nom@agence.fr)."))
NO_BIDI = NoBidiControls()
SAME_PASSWORD = EqualTo("password", message=_l("Les deux mots de passe ne sont pas identiques."))
PASSWORD_HINT = _l(
    "Au moins 12 caractères, dont une majuscule, une minuscule, un chiffre et un caractère spécial."
)


def _link(url: str | None, text) -> Markup:
    """A link that opens beside the form (escaped: the URL comes from the tenant file); the bare
    text where the tenant has no such page."""
    if not url:
        return escape(text)
    return Markup('<a href="{}" target="_blank" rel="noopener">{}</a>').format(url, text)


def make_optional(field) -> None:
    """``field`` may be left empty on this form (its other checks stay)."""
    field.validators = [Optional()] + [
        v for v in field.validators if not isinstance(v, (InputRequired, Optional))
    ]
    field.flags.required = False


def make_required(field, message=None) -> None:
    required = InputRequired(message=message) if message else REQUIRED
    field.validators = [required] + [
        v for v in field.validators if not isinstance(v, (InputRequired, Optional))
    ]
    field.flags.required = True


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
    """The sign-up form: the account's holder, their identity as the tenant's kind of accounts
    has it (an agency: commercial name, ORIAS, SIREN, affiliation; a member: their category)
    and their contact details; without password fields in approval mode (the password is
    created once an operator approves). The address has a country where the tenant allows
    addresses abroad."""

    email = EmailField(_l("Adresse e-mail"), [REQUIRED, EMAIL, _at_most(254)], filters=[strip])
    last_name = StringField(
        lazy_pgettext("last name", "Nom"), [REQUIRED, _at_most(100), NO_BIDI], filters=[strip]
    )
    first_name = StringField(_l("Prénom"), [REQUIRED, _at_most(100), NO_BIDI], filters=[strip])
    commercial_name = StringField(
        _l("Nom commercial"), [REQUIRED, _at_most(200), NO_BIDI], filters=[strip]
    )
    orias = StringField(_l("N° ORIAS"), [Optional(), Orias()], filters=[strip])
    siren = StringField(_l("N° SIREN"), [Optional(), Siren()], filters=[strip])
    affiliation = SelectField(_l("Affiliation"), choices=[])
    # Asked only where the tenant's messaging has several user categories (their themes differ).
    category = SelectField(_l("Vous êtes"), choices=[])
    address = StringField(_l("Adresse"), [REQUIRED, _at_most(200), NO_BIDI], filters=[strip])
    address2 = StringField(
        _l("Complément d'adresse"), [Optional(), _at_most(200), NO_BIDI], filters=[strip]
    )
    postal_code = StringField(_l("Code postal"), [REQUIRED, PostalCode()], filters=[strip])
    city = StringField(_l("Ville"), [REQUIRED, _at_most(100), NO_BIDI], filters=[strip])
    country = SelectField(_l("Pays"), choices=[], default=FRANCE)
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
        self,
        *args,
        affiliations=(),
        categories=(),
        terms_url="#",
        sale_terms_url=None,
        with_password=True,
        kind: AccountKind | None = None,
        foreign_addresses: bool = False,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        kind = kind or KINDS["agency"]
        self.kind = kind
        # Expatriates give a phone number of their country of residence (+44…).
        self.international_phones = foreign_addresses
        for name in ("commercial_name", "orias", "siren", "affiliation"):
            if not kind.asks(name):
                delattr(self, name)
            elif kind.requires(name):
                make_required(getattr(self, name))
            else:
                make_optional(getattr(self, name))
        if self.commercial_name is not None:
            self.commercial_name.label.text = _l(kind.organisation_label)
        if self.affiliation is not None:
            self.affiliation.choices = [("", _l("Pas d'affiliation"))] + [
                (a, a) for a in affiliations
            ]
        if len(categories) > 1:
            self.category.choices = list(categories)
            if kind.has_category:
                # A member chooses deliberately: no category is preselected.
                self.category.choices = [("", _l("Choisissez…"))] + self.category.choices
                make_required(
                    self.category, _l("Indiquez si vous êtes particulier, exploitant ou employeur.")
                )
        else:
            del self.category
        if foreign_addresses:
            self.country.choices = country_choices()
        else:
            del self.country
        if kind.accepts_sale_terms:
            label = _l(
                "Je reconnais avoir lu et compris les %(cgu)s et les %(cgv)s et je les accepte"
            )
            links = {
                "cgu": _link(terms_url, _l("CGU")),
                "cgv": _link(sale_terms_url or terms_url, _l("CGV")),
            }
        else:
            label = _l("Je reconnais avoir lu et compris les %(cgu)s et je les accepte")
            links = {"cgu": _link(terms_url, _l("conditions générales d'utilisation"))}
            self.accept_terms.validators = [
                InputRequired(
                    message=_l(
                        "Acceptez les conditions générales d'utilisation pour créer votre compte."
                    )
                )
            ]
        self.accept_terms.label.text = escape(label) % links
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

    def __init__(self, *args, terms_url=None, sale_terms: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if terms_url is None:
            del self.accept_terms
        else:
            # The terms of sale only where the account buys something (``accepts_sale_terms``).
            terms = (
                _l("conditions générales d'utilisation et de vente")
                if sale_terms
                else _l("conditions générales d'utilisation")
            )
            self.accept_terms.label.text = escape(_l("J'accepte les %(terms)s")) % {
                "terms": _link(terms_url, terms)
            }


class ChangePasswordForm(NewPasswordMixin, FlaskForm):
    current_password = PasswordField(_l("Mot de passe actuel"), [REQUIRED])


class ReauthForm(FlaskForm):
    password = PasswordField(_l("Mot de passe"), [REQUIRED])
    next = HiddenField()
