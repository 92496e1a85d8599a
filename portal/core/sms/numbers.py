"""French mobile numbers to E.164 — deliberately small; a phone library can replace it later.

Mainland mobiles start with 06/07 (+33). Overseas departments share the 06 national range but
have their own country codes, so "0690…" is Guadeloupe (+590), not +33 690….
"""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l

# National prefix (after the leading 0) → country code, longest prefixes first.
OVERSEAS = {
    "690": "590",  # Guadeloupe, Saint-Martin, Saint-Barthélemy
    "691": "590",
    "694": "594",  # Guyane
    "696": "596",  # Martinique
    "697": "596",
    "692": "262",  # La Réunion
    "693": "262",
    "639": "262",  # Mayotte
}
COUNTRY_CODES = {"33", *OVERSEAS.values()}
_SEPARATORS = re.compile(r"[\s.\-/()]")
_NATIONAL = re.compile(r"^[67]\d{8}$")


class InvalidPhoneNumber(ValueError):
    """Not a French mobile number; ``str()`` gives a message fit for a form."""

    def __init__(self, number: str):
        self.number = number
        super().__init__(
            _l(
                "Ce numéro de mobile n'est pas valide : saisissez un numéro français, "
                "par exemple 06 12 34 56 78."
            )
        )

    def __str__(self) -> str:
        return str(self.args[0])


def _country_for(national: str) -> str:
    return OVERSEAS.get(national[:3], "33")


def normalize_mobile(number: str) -> str:
    """``"06 12 34 56 78"``, ``"+33 (0)6…"``, ``"0033 6…"`` → ``"+33612345678"``."""
    digits = _SEPARATORS.sub("", number or "")
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    if digits.startswith("+"):
        code = next((c for c in sorted(COUNTRY_CODES) if digits[1:].startswith(c)), None)
        if code is None:
            raise InvalidPhoneNumber(number)
        national = digits[1 + len(code) :]
        if national.startswith("0"):  # "+33 (0)6 …"
            national = national[1:]
        if not _NATIONAL.match(national) or _country_for(national) != code:
            raise InvalidPhoneNumber(number)
        return f"+{code}{national}"
    if len(digits) == 10 and digits.startswith("0") and _NATIONAL.match(digits[1:]):
        national = digits[1:]
        return f"+{_country_for(national)}{national}"
    raise InvalidPhoneNumber(number)
