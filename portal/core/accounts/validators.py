"""Validators and normalisers of accounts' data, with translated messages.

ORIAS numbers (8 digits) and postal codes (5 digits) are plain patterns; SIRET uses
python-stdnum's Luhn check; phone numbers use phonenumbers with the overseas regions.
"""

from __future__ import annotations

import re

import phonenumbers
from flask_babel import lazy_gettext as _l
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.fr import siret
from wtforms.validators import ValidationError

from portal.core.accounts.passwords import policy_failures

# Metropolitan France and the overseas departments and territories.
PHONE_REGIONS = ("FR", "GP", "MQ", "GF", "RE", "YT", "PM", "BL", "MF", "NC", "PF", "WF")

# Invisible marks that reorder the text around them (U+202E shows "Dupont\u202eexe.pdf" as
# "Dupontfdp.exe"): a name carrying one reads differently on screen, in emails and in letters.
BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


class AccountDataError(ValueError):
    """Data the caller must correct; ``field`` names the form field the message belongs to."""

    def __init__(self, field: str, message):
        super().__init__(field)  # the message may be lazy: translated where it is shown
        self.field = field
        self.message = message

    def show_on(self, form) -> None:
        """Put the message next to its field of ``form`` (above the form if it has none)."""
        field = getattr(form, self.field, None)
        (field.errors if field is not None else form.form_errors).append(self.message)


def normalize_email(value: str | None) -> str:
    """An email address as accounts are looked up by: trimmed, lowercase."""
    return (value or "").strip().lower()


def strip(value):
    """WTForms filter: surrounding spaces removed from a typed text."""
    return value.strip() if isinstance(value, str) else value


def normalize_orias(value: str) -> str:
    return re.sub(r"[\s.-]", "", value or "")


def normalize_phone(value: str) -> str | None:
    """E.164 form of a French (or overseas) number, or None if it is not one."""
    for region in PHONE_REGIONS:
        try:
            number = phonenumbers.parse(value, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return None


def display_phone(e164: str | None) -> str:
    if not e164:
        return ""
    number = phonenumbers.parse(e164, "FR")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


class NoBidiControls:
    """A name or address as typed, without the invisible characters that reorder its display."""

    def __call__(self, form, field):
        if field.data and BIDI_CONTROLS.search(field.data):
            raise ValidationError(
                _l(
                    "Ce texte contient des caractères invisibles qui changent son sens de "
                    "lecture : saisissez-le à nouveau au clavier."
                )
            )


class Orias:
    """8 digits, spaces allowed (``12 345 678``)."""

    def __call__(self, form, field):
        if field.data and not re.fullmatch(r"\d{8}", normalize_orias(field.data)):
            raise ValidationError(_l("Le numéro ORIAS comporte 8 chiffres (ex. : 12 345 678)."))


class Siret:
    def __call__(self, form, field):
        if not field.data:
            return
        try:
            siret.validate(field.data)
        except StdnumError:
            raise ValidationError(
                _l("Ce numéro SIRET n'est pas valide (14 chiffres, clé de contrôle).")
            ) from None


class PostalCode:
    def __call__(self, form, field):
        if field.data and not re.fullmatch(r"\d{5}", field.data.strip()):
            raise ValidationError(_l("Le code postal comporte 5 chiffres."))


class PhoneNumber:
    def __init__(self, mobile: bool = False):
        self.mobile = mobile

    def __call__(self, form, field):
        if not field.data:
            return
        e164 = normalize_phone(field.data)
        if e164 is None:
            raise ValidationError(_l("Ce numéro de téléphone n'est pas valide."))
        if self.mobile:
            kind = phonenumbers.number_type(phonenumbers.parse(e164))
            if kind not in (
                phonenumbers.PhoneNumberType.MOBILE,
                phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
            ):
                raise ValidationError(_l("Indiquez un numéro de téléphone portable."))


class PasswordPolicy:
    def __call__(self, form, field):
        missing = policy_failures(field.data or "")
        if missing:
            raise ValidationError(
                _l(
                    "Le mot de passe doit contenir %(rules)s.",
                    rules=", ".join(str(m) for m in missing),
                )
            )
