"""The checks of a typed address (manual §8.3, La Poste's norm NF Z 10-011), shared by the
recipient and sender forms and by the sending: a name or company, 1–4 lines of 38 characters, a
French postal code, a city.

Owner: helper « checks ». API: ``address_errors(name, lines, postal_code, city) -> dict[str,
str]`` (field → translated message; ``{}`` when the address can be printed),
``check_address(...)`` raising :class:`AddressProblem`, ``normalise_city(city) -> str``.
"""

from __future__ import annotations

import re
import unicodedata

from plugins.paper_mail.i18n import _
from plugins.paper_mail.rules import ADDRESS_LINE_MAX, ADDRESS_LINES_MAX

CITY_MAX = 32  # the last line is « 38000 GRENOBLE »: 5 digits, a space and 32 characters
# Letters, spaces, hyphens and apostrophes; digits only in a CEDEX mention (« LYON CEDEX 03 »).
CITY_PATTERN = re.compile(r"^[^\W\d_]+(?:[ '\-][^\W\d_]+)*(?: CEDEX(?: \d{1,2})?)?$")
POSTAL_CODE_PATTERN = re.compile(r"^\d{5}$")
# Overseas: 971–978 (Guadeloupe … Saint-Martin), 980 Monaco, 984 TAAF, 986–988 Pacific.
OVERSEAS = {"97": "12345678", "98": "04678"}


class AddressProblem(ValueError):
    """A typed address that cannot be printed; ``errors`` maps each field to its message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def normalise_city(city: str) -> str:
    """The city as La Poste prints it on the last line: upper case, no accents, single spaces
    (« Saint-Étienne » → « SAINT-ETIENNE »)."""
    plain = unicodedata.normalize("NFKD", city or "")
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    return " ".join(plain.upper().split())


def valid_postal_code(code: str) -> bool:
    """Five digits whose department exists: 01–95 (20 for Corsica), 97x and 98x overseas."""
    if not POSTAL_CODE_PATTERN.match(code or ""):
        return False
    department = code[:2]
    if department in OVERSEAS:
        return code[2] in OVERSEAS[department]
    return 1 <= int(department) <= 95


def address_errors(
    name: str, lines: list[str] | None, postal_code: str, city: str, *, sender: bool = False
) -> dict[str, str]:
    """What is wrong with a typed address, field by field (``name``, ``lines``,
    ``postal_code``, ``city``), each message saying what to change; blank lines are ignored.
    ``sender``: the address is the sender's (the name's message says so)."""
    errors: dict[str, str] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = (
            _("Indiquez le nom ou la raison sociale de l'expéditeur.")
            if sender
            else _("Indiquez le nom ou la raison sociale du destinataire.")
        )
    elif len(name) > ADDRESS_LINE_MAX:
        errors["name"] = _(
            "Le nom compte %(count)d caractères : abrégez-le à %(max)d caractères au plus.",
            count=len(name),
            max=ADDRESS_LINE_MAX,
        )

    filled = [line.strip() for line in (lines or []) if line and line.strip()]
    if not filled:
        errors["lines"] = _("Indiquez au moins une ligne d'adresse (numéro et voie).")
    elif len(filled) > ADDRESS_LINES_MAX:
        errors["lines"] = _(
            "L'adresse compte au plus %(max)d lignes : regroupez ou retirez des lignes.",
            max=ADDRESS_LINES_MAX,
        )
    else:
        for number, line in enumerate(filled, start=1):
            if len(line) > ADDRESS_LINE_MAX:
                errors["lines"] = _(
                    "La ligne %(number)d compte %(count)d caractères : abrégez-la à %(max)d "
                    "caractères au plus (« BD » pour boulevard, « AV » pour avenue…).",
                    number=number,
                    count=len(line),
                    max=ADDRESS_LINE_MAX,
                )
                break

    code = (postal_code or "").strip().replace(" ", "")
    if not code:
        errors["postal_code"] = _("Indiquez le code postal.")
    elif not POSTAL_CODE_PATTERN.match(code):
        errors["postal_code"] = _("Le code postal compte 5 chiffres, par exemple 38000.")
    elif not valid_postal_code(code):
        errors["postal_code"] = _(
            "Le code postal %(code)s n'existe pas en France : vérifiez le département.",
            code=code,
        )

    city = " ".join((city or "").split())
    if not city:
        errors["city"] = _("Indiquez la ville.")
    elif len(city) > CITY_MAX:
        errors["city"] = _(
            "La ville compte au plus %(max)d caractères : abrégez-la (« ST » pour saint…).",
            max=CITY_MAX,
        )
    elif not CITY_PATTERN.match(normalise_city(city)):
        errors["city"] = _(
            "La ville ne contient que des lettres, des espaces, des tirets et des apostrophes "
            "(et « CEDEX » suivi de son numéro)."
        )
    return errors


def check_address(name: str, lines: list[str] | None, postal_code: str, city: str) -> None:
    """Raise :class:`AddressProblem` when :func:`address_errors` finds something."""
    errors = address_errors(name, lines, postal_code, city)
    if errors:
        raise AddressProblem(errors)
