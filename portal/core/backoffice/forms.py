"""Forms of the back office. Filter forms are read from the query string (GET, no CSRF)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import Email, InputRequired, Length, Optional

from portal.core.accounts.validators import NoBidiControls, Orias, PhoneNumber, PostalCode, strip


class LoginForm(FlaskForm):
    email = StringField(_l("Adresse e-mail"), [InputRequired(), Length(max=254)], [strip])
    password = PasswordField(_l("Mot de passe"), [InputRequired()])


class CodeForm(FlaskForm):
    code = StringField(
        _l("Code à 6 chiffres"), [InputRequired(), Length(max=12)], [strip], default=""
    )


class RejectForm(FlaskForm):
    reason = TextAreaField(
        _l("Motif du refus (envoyé au demandeur)"),
        [InputRequired(_l("Indiquez le motif du refus.")), Length(max=500)],
        [strip],
    )


class FilterForm(FlaskForm):
    """Filters in the URL: a filtered list can be bookmarked and shared."""

    class Meta:
        csrf = False


class AccountSearchForm(FilterForm):
    q = StringField(
        _l("E-mail, nom, nom commercial ou n° ORIAS"), [Optional(), Length(max=200)], [strip]
    )
    tenant = SelectField(_l("Tenant"), validate_choice=False)
    status = SelectField(_l("Statut"), validate_choice=False)


class AuditFilterForm(FilterForm):
    tenant = SelectField(_l("Tenant"), validate_choice=False)
    action = StringField(_l("Action"), [Optional(), Length(max=64)], [strip])
    actor = StringField(_l("Auteur (e-mail ou nom)"), [Optional(), Length(max=254)], [strip])
    date_from = DateField(_l("Du"), [Optional()])
    date_to = DateField(_l("Au"), [Optional()])


class InviteForm(FlaskForm):
    """The holder's details, the same as the self sign-up form asks (no password: the holder
    sets it from the emailed link)."""

    email = StringField(
        _l("Adresse e-mail (identifiant)"),
        [InputRequired(), Email(_l("Adresse e-mail invalide.")), Length(max=254)],
        [strip],
    )
    last_name = StringField(
        _l("Nom"), [InputRequired(), Length(max=100), NoBidiControls()], [strip]
    )
    first_name = StringField(
        _l("Prénom"), [InputRequired(), Length(max=100), NoBidiControls()], [strip]
    )
    commercial_name = StringField(
        _l("Nom commercial"), [InputRequired(), Length(max=200), NoBidiControls()], [strip]
    )
    orias = StringField(_l("Numéro ORIAS"), [Optional(), Orias()], [strip])
    # The tenant's list, "Pas d'affiliation" (value "") first.
    affiliation = SelectField(_l("Affiliation"))
    address = StringField(
        _l("Adresse"), [InputRequired(), Length(max=200), NoBidiControls()], [strip]
    )
    address2 = StringField(
        _l("Complément d'adresse"), [Optional(), Length(max=200), NoBidiControls()], [strip]
    )
    postal_code = StringField(_l("Code postal"), [InputRequired(), PostalCode()], [strip])
    city = StringField(_l("Ville"), [InputRequired(), Length(max=100), NoBidiControls()], [strip])
    phone = StringField(_l("Téléphone"), [InputRequired(), PhoneNumber()], [strip])
    mobile = StringField(
        _l("Téléphone portable (facultatif)"), [Optional(), PhoneNumber(mobile=True)], [strip]
    )
