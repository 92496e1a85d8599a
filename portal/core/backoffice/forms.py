"""Forms of the back office. Filter forms are read from the query string (GET, no CSRF)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from wtforms import DateField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import Email, InputRequired, Length, Optional

from portal.core.accounts.validators import (
    NoBidiControls,
    Orias,
    PhoneNumber,
    PostalCode,
    Siren,
    strip,
)
from portal.core.backoffice.labels import MANDATE_CHANNEL, MANDATE_EVENT


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
    tenant = SelectField(_l("Portail"), validate_choice=False)
    status = SelectField(_l("Statut"), validate_choice=False)


class AuditFilterForm(FilterForm):
    tenant = SelectField(_l("Portail"), validate_choice=False)
    # The actions recorded so far, by their labels; a part of an action's code also filters
    # (``?action=account.`` lists every account action).
    action = SelectField(_l("Action"), validate_choice=False)
    actor = StringField(_l("Auteur (e-mail ou nom)"), [Optional(), Length(max=254)], [strip])
    date_from = DateField(_l("Du"), [Optional()])
    date_to = DateField(_l("Au"), [Optional()])


class HolderFieldsForm(FlaskForm):
    """The account's holder and contact details, the fields the sign-up form asks; the views keep
    those the tenant's kind of account has (:meth:`keep_fields_of`)."""

    email = StringField(
        _l("Adresse e-mail (identifiant)"),
        [InputRequired(), Email(_l("Adresse e-mail invalide.")), Length(max=254)],
        [strip],
    )
    last_name = StringField(
        lazy_pgettext("last name", "Nom"),
        [InputRequired(), Length(max=100), NoBidiControls()],
        [strip],
    )
    first_name = StringField(
        _l("Prénom"), [InputRequired(), Length(max=100), NoBidiControls()], [strip]
    )
    commercial_name = StringField(
        _l("Nom commercial"), [InputRequired(), Length(max=200), NoBidiControls()], [strip]
    )
    orias = StringField(_l("Numéro ORIAS"), [Optional(), Orias()], [strip])
    siren = StringField(_l("SIREN"), [Optional(), Siren()], [strip])
    # The tenant's list, "Pas d'affiliation" (value "") first.
    affiliation = SelectField(_l("Affiliation"), validate_choice=False)
    # The messaging category of a member (individual, farmer, employer…).
    category = SelectField(_l("Catégorie"))
    address = StringField(
        _l("Adresse"), [InputRequired(), Length(max=200), NoBidiControls()], [strip]
    )
    address2 = StringField(
        _l("Complément d'adresse"), [Optional(), Length(max=200), NoBidiControls()], [strip]
    )
    postal_code = StringField(_l("Code postal"), [InputRequired(), PostalCode()], [strip])
    city = StringField(_l("Ville"), [InputRequired(), Length(max=100), NoBidiControls()], [strip])
    country = SelectField(_l("Pays"), default="FR")
    phone = StringField(_l("Téléphone"), [InputRequired(), PhoneNumber()], [strip])
    mobile = StringField(
        _l("Téléphone portable (facultatif)"), [Optional(), PhoneNumber(mobile=True)], [strip]
    )

    # Phones of any country written with their +code, where the tenant takes addresses abroad
    # (read by ``PhoneNumber``).
    international_phones = False

    def keep_fields_of(self, tenant) -> None:
        """Keep the fields the tenant's kind of account has (``AccountKind.identity``), each
        required or optional as the kind says; fill the choices."""
        from portal.core.accounts.kinds import account_area
        from portal.core.accounts.validators import country_choices
        from portal.core.messaging.display import category_label

        area = account_area(tenant)
        kind = area.kind
        accounts = tenant.config.accounts
        categories = tenant.config.messaging.categories
        for name in ("commercial_name", "orias", "siren", "affiliation", "category"):
            if not kind.asks(name):
                del self[name]
        if "commercial_name" in self and not kind.requires("commercial_name"):
            _make_optional(self.commercial_name)
        if "siren" in self and kind.requires("siren"):
            self.siren.validators = [InputRequired(), *self.siren.validators[1:]]
            self.siren.flags.required = True
        if "affiliation" in self:
            self.affiliation.choices = [("", _l("Pas d'affiliation"))] + [
                (name, name) for name in accounts.affiliations
            ]
        if "category" in self:
            if len(categories) > 1:
                self.category.choices = [(code, category_label(code)) for code in categories]
            else:
                del self["category"]  # one category: nothing to choose
        if accounts.foreign_addresses:
            self.country.choices = country_choices()
            self.international_phones = True
        else:
            del self["country"]

    def values(self) -> dict:
        """The kept fields' values as the account stores them (phones in E.164, ORIAS and
        SIREN digits only, empty optional fields as None)."""
        from portal.core.accounts.validators import (
            normalize_email,
            normalize_orias,
            normalize_phone,
            normalize_postal_code,
            normalize_siren,
        )

        data = {name: field.data for name, field in self._fields.items() if name in HOLDER_FIELDS}
        international = self.international_phones
        data["email"] = normalize_email(data["email"])
        data["phone"] = normalize_phone(data["phone"], international)
        mobile = data.get("mobile")
        data["mobile"] = normalize_phone(mobile, international) if mobile else None
        data["address2"] = data.get("address2") or None
        data["postal_code"] = normalize_postal_code(
            data["postal_code"], data.get("country") or "FR"
        )
        if "orias" in data:
            data["orias"] = normalize_orias(data["orias"]) or None
        if "siren" in data:
            data["siren"] = normalize_siren(data["siren"]) or None
        if "affiliation" in data:
            data["affiliation"] = data["affiliation"] or None
        return data


HOLDER_FIELDS = (
    "email",
    "first_name",
    "last_name",
    "commercial_name",
    "orias",
    "siren",
    "affiliation",
    "address",
    "address2",
    "postal_code",
    "city",
    "country",
    "phone",
    "mobile",
    "category",
)


def _make_optional(field) -> None:
    field.validators = [
        Optional(),
        *(v for v in field.validators if not isinstance(v, InputRequired)),
    ]
    field.flags.required = False
    field.flags.optional = True


class AccountDetailsForm(HolderFieldsForm):
    """An operator changes an account's details after a help request."""

    reason = TextAreaField(
        _l("Motif de la modification"),
        [InputRequired(_l("Indiquez le motif de la modification.")), Length(max=500)],
        [strip],
    )


class ProfileActionForm(FlaskForm):
    """A one-button form (CSRF only): deactivate, reactivate or erase a profile."""


class MandateRecordForm(FlaskForm):
    event = SelectField(
        _l("Ce qui s'est passé"),
        choices=[(event.value, label) for event, label in MANDATE_EVENT.items()],
    )
    channel = SelectField(
        _l("Par quel moyen"),
        choices=[(channel.value, label) for channel, label in MANDATE_CHANNEL.items()],
    )
    occurred_on = DateField(_l("Date"), [InputRequired(_l("Indiquez la date (jj/mm/aaaa)."))])
    person = StringField(
        _l("Par qui"),
        [
            InputRequired(_l("Indiquez qui a demandé, reçu ou envoyé le mandat.")),
            Length(max=200),
            NoBidiControls(),
        ],
        [strip],
    )
    note = TextAreaField(_l("Note (facultatif)"), [Optional(), Length(max=1000)], [strip])


class InviteForm(HolderFieldsForm):
    """The holder's details, the same as the self sign-up form of the tenant's kind of account
    asks (no password: the holder sets it from the emailed link)."""
