"""The checks of what the client types when subscribing: the French social-security number (NIR),
the IBAN and the BIC. Each answers a sentence for the user (translated) or None when the value is
right."""

from __future__ import annotations

import re
from datetime import date

from plugins.subscription.i18n import _

# Sex digit, year, month, department (2 digits, or 2A / 2B for Corsica), commune, order, key.
_NIR = re.compile(r"^([1278])(\d{2})(\d{2})(\d{2}|2A|2B)(\d{3})(\d{3})(\d{2})$")
MEN, WOMEN = frozenset("17"), frozenset("28")


def compact_nir(value: str | None) -> str:
    """The number without spaces, dots or dashes, in capitals (« 2A » for Corsica)."""
    return re.sub(r"[\s.\-]", "", value or "").upper()


def nir_key(first13: str) -> int:
    """The key of the 13 first characters: 97 − (number mod 97), Corsica's « 2A » and « 2B »
    counting as 19 and 18 (python-stdnum's ``fr.nir``)."""
    from stdnum.fr import nir

    return int(nir.calc_check_digits(first13))


def nir_problem(value: str | None, *, birth_date: date | None, civility: str | None) -> str | None:
    """What is wrong with a social-security number given with this birth date and civility
    (``rules.CIVILITIES`` code), or None. Temporary numbers (7, 8) are accepted; a month of 20
    and beyond (unknown or special) too."""
    nir = compact_nir(value)
    if not nir:
        return _("Saisissez votre numéro de sécurité sociale.")
    match = _NIR.match(nir)
    if match is None:
        return _(
            "Le numéro de sécurité sociale compte 13 chiffres suivis d'une clé de 2 chiffres "
            "(par exemple 1 81 04 17 300 123 45)."
        )
    sex, year, month, _department, _commune, _order, key = match.groups()
    if int(key) != nir_key(nir[:13]):
        return _("La clé de ce numéro de sécurité sociale ne correspond pas : vérifiez le numéro.")
    if civility == "m" and sex in WOMEN or civility == "mme" and sex in MEN:
        return _(
            "Ce numéro de sécurité sociale commence par 1 pour un homme et par 2 pour une "
            "femme : il ne correspond pas à la civilité choisie."
        )
    if birth_date is not None:
        if int(year) != birth_date.year % 100:
            return _("Ce numéro de sécurité sociale ne correspond pas à votre année de naissance.")
        if 1 <= int(month) <= 12 and int(month) != birth_date.month:
            return _("Ce numéro de sécurité sociale ne correspond pas à votre mois de naissance.")
        if int(month) == 0 or 13 <= int(month) < 20:
            return _("Le mois de naissance de ce numéro de sécurité sociale n'existe pas.")
    return None


def compact_iban(value: str | None) -> str:
    return re.sub(r"[\s\-]", "", value or "").upper()


def iban_problem(iban: str | None) -> str | None:
    """What is wrong with an IBAN (the direct debit is SEPA: only a SEPA country's), or None."""
    from schwifty import IBAN
    from schwifty.exceptions import SchwiftyException

    compact = compact_iban(iban)
    if not compact:
        return _("Saisissez l'IBAN du compte à débiter.")
    try:
        checked = IBAN(compact)
    except SchwiftyException:
        return _("Cet IBAN n'est pas valide : vérifiez-le sur votre RIB.")
    if not checked.in_sepa_zone:
        return _(
            "Le prélèvement SEPA demande un compte dans un pays de la zone SEPA : cet IBAN "
            "n'en fait pas partie."
        )
    return None


def bic_problem(bic: str | None, iban: str | None) -> str | None:
    """What is wrong with a BIC (valid, of the IBAN's country), or None. An invalid IBAN is
    told by :func:`iban_problem`: only the BIC's own format is checked then."""
    from schwifty import BIC, IBAN
    from schwifty.exceptions import SchwiftyException

    compact = re.sub(r"\s", "", bic or "").upper()
    if not compact:
        return _("Saisissez le BIC de votre banque.")
    try:
        checked = BIC(compact)
    except SchwiftyException:
        return _("Ce BIC n'est pas valide : il compte 8 ou 11 caractères (voir votre RIB).")
    try:
        country = IBAN(compact_iban(iban)).country_code
    except SchwiftyException:
        return None
    if checked.country_code != country:
        return _("Ce BIC n'est pas celui d'une banque du pays de l'IBAN : vérifiez votre RIB.")
    return None
