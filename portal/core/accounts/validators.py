"""Validators and normalisers of accounts' data, with translated messages.

ORIAS numbers (8 digits) and French postal codes (5 digits) are plain patterns; a foreign postal
code (where the tenant allows addresses abroad) is 2 to 12 letters, digits, spaces or dashes;
SIREN and SIRET use python-stdnum's Luhn check; phone numbers use phonenumbers with the overseas
regions (and any country, written with its +code, where the tenant allows addresses abroad).
"""

from __future__ import annotations

import re

import phonenumbers
from flask_babel import lazy_gettext as _l
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.fr import siren, siret
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


def normalize_phone(value: str, international: bool = False) -> str | None:
    """E.164 form of a French (or overseas) number, or None if it is not one. ``international``:
    a number of any country written with its code (+44…, 0044…) is accepted too."""
    if international and (value or "").strip().startswith(("+", "00")):
        typed = (value or "").strip()
        typed = "+" + typed[2:] if typed.startswith("00") else typed
        try:
            number = phonenumbers.parse(typed, None)
        except phonenumbers.NumberParseException:
            number = None
        if number is not None and phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    for region in PHONE_REGIONS:
        try:
            number = phonenumbers.parse(value, region)
        except phonenumbers.NumberParseException:
            continue
        # "+44…" parses whatever the region: only France's numbers count here.
        french = phonenumbers.region_code_for_number(number) in PHONE_REGIONS
        if french and phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return None


def display_phone(e164: str | None) -> str:
    """A French number as the French write it (04 76 00 00 00); another country's with its code."""
    if not e164:
        return ""
    number = phonenumbers.parse(e164, "FR")
    if phonenumbers.region_code_for_number(number) not in PHONE_REGIONS:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


# --- SIREN ---------------------------------------------------------------------------------------

SIREN_INVALID = _l("Ce numéro SIREN n'est pas valide : 9 chiffres, par exemple 732 829 320.")


def normalize_siren(value: str | None) -> str:
    """The 9 digits of a SIREN as typed (spaces, dots and dashes removed)."""
    return siren.compact(value or "")


def siren_error(value: str | None):
    """The message saying why ``value`` is not a SIREN, or None if it is one."""
    try:
        siren.validate(value or "")
    except StdnumError:
        return SIREN_INVALID
    return None


def format_siren(value: str | None) -> str:
    """A SIREN as printed: "732 829 320"."""
    return siren.format(value) if value else ""


# --- Postal addresses: France, or abroad where the tenant allows it ------------------------------

FRANCE = "FR"
FOREIGN_POSTAL_CODE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9 -]{0,10}[A-Za-z0-9])?")
# Babel's territories that are not countries one lives in.
NOT_COUNTRIES = {"EU", "EZ", "UN", "ZZ", "QO"}


def normalize_postal_code(value: str | None, country: str = FRANCE) -> str:
    """A postal code as stored: trimmed, spaces collapsed; a foreign one in capitals."""
    code = re.sub(r"\s+", " ", (value or "").strip())
    return code if country == FRANCE else code.upper()


def postal_code_error(value: str | None, country: str = FRANCE):
    """The message saying why ``value`` is no postal code of ``country``, or None."""
    code = normalize_postal_code(value, country)
    if country == FRANCE:
        if not re.fullmatch(r"\d{5}", code):
            return _l("Le code postal comporte 5 chiffres.")
        return None
    if not (2 <= len(code) <= 12 and FOREIGN_POSTAL_CODE.fullmatch(code)):
        return _l(
            "Ce code postal n'est pas valide : de 2 à 12 lettres, chiffres, espaces ou tirets."
        )
    return None


def country_choices(locale=None) -> list[tuple[str, str]]:
    """(ISO code, name in the user's language) of every country, France first, then by name."""
    from babel import Locale
    from flask_babel import get_locale

    territories = Locale.parse(locale or get_locale() or "fr").territories
    codes = [
        code
        for code in territories
        if len(code) == 2 and code.isalpha() and code not in NOT_COUNTRIES and code != FRANCE
    ]
    others = sorted(codes, key=lambda code: _sort_key(territories[code]))
    return [(FRANCE, territories[FRANCE])] + [(code, territories[code]) for code in others]


def country_name(code: str | None, locale=None) -> str:
    from babel import Locale
    from flask_babel import get_locale

    if not code:
        return ""
    return Locale.parse(locale or get_locale() or "fr").territories.get(code, code)


def _sort_key(name: str) -> str:
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


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


class Siren:
    """9 digits with their check key, spaces allowed (``732 829 320``)."""

    def __call__(self, form, field):
        if field.data:
            message = siren_error(field.data)
            if message is not None:
                raise ValidationError(message)


class PostalCode:
    """5 digits in France; where the form has a ``country`` field set to another country, that
    country's format (2 to 12 letters, digits, spaces or dashes)."""

    def __call__(self, form, field):
        if not field.data:
            return
        country_field = getattr(form, "country", None)
        country = (country_field.data if country_field is not None else None) or FRANCE
        message = postal_code_error(field.data, country)
        if message is not None:
            raise ValidationError(message)


class PhoneNumber:
    """A French (or overseas) number; where the form says ``international_phones``, any
    country's number written with its code (+44…)."""

    def __init__(self, mobile: bool = False):
        self.mobile = mobile

    def __call__(self, form, field):
        if not field.data:
            return
        e164 = normalize_phone(field.data, getattr(form, "international_phones", False))
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
