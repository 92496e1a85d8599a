"""The sender block of every letter sent in an account's name ("en-tête des lettres").

One rule, used by the on-screen preview and by every PDF letter a plugin renders::

    from portal.core.accounts.letterhead import letterhead_lines
    render_pdf("resiliation/letter.html", sender_lines=letterhead_lines(account), ...)

The fixed part comes from the account (commercial name, postal address, ORIAS number if any);
the holder adds lines of their own (email, phone, website…) below it.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.core.accounts.models import Account

MAX_ADDED_LINES = 6  # the letterhead sits above the envelope window: room is limited
MAX_LINE_LENGTH = 60  # at 9 pt a longer line would run under the envelope window


class LetterheadError(ValueError):
    """A change the letterhead refuses; the message is meant for the user."""


def format_orias(number: str) -> str:
    """``12345678`` → ``12 345 678``, the way the registry prints it; other values unchanged."""
    return f"{number[:2]} {number[2:5]} {number[5:]}" if len(number) == 8 else number


def fixed_lines(account: Account) -> list[str]:
    """What every letterhead shows, from the account's details (changed only by the operator)."""
    lines = [account.commercial_name, account.address]
    if account.address2:
        lines.append(account.address2)
    lines.append(f"{account.postal_code} {account.city}")
    if account.orias:
        lines.append(_("N° ORIAS : %(number)s", number=format_orias(account.orias)))
    return [line for line in (part.strip() for part in lines) if line]


def letterhead_lines(account: Account) -> list[str]:
    """Every line of the account's letterhead, in order: the fixed part, then the added lines."""
    return [*fixed_lines(account), *added_lines(account)]


def added_lines(account: Account) -> list[str]:
    return [str(line) for line in (account.letterhead_lines or [])]


# --- Changes (the JSON list is replaced, never mutated in place, so the ORM sees the change) ----


def add_line(account: Account, text: str) -> None:
    line = " ".join((text or "").split())  # one line: no newlines, no runs of spaces
    if not line:
        raise LetterheadError(_l("Saisissez le texte de la ligne à ajouter."))
    if len(line) > MAX_LINE_LENGTH:
        raise LetterheadError(
            _l("Une ligne compte au plus %(max)s caractères.", max=MAX_LINE_LENGTH)
        )
    lines = added_lines(account)
    if len(lines) >= MAX_ADDED_LINES:
        raise LetterheadError(
            _l("L'en-tête compte au plus %(max)s lignes ajoutées.", max=MAX_ADDED_LINES)
        )
    account.letterhead_lines = [*lines, line]


def remove_line(account: Account, index: int, expected: str) -> None:
    lines = added_lines(account)
    _check(lines, index, expected)
    account.letterhead_lines = lines[:index] + lines[index + 1 :]


def move_line(account: Account, index: int, expected: str, offset: int) -> None:
    """Move line ``index`` up (``offset=-1``) or down (``+1``); at an end it stays put."""
    lines = added_lines(account)
    _check(lines, index, expected)
    target = index + offset
    if 0 <= target < len(lines):
        lines[index], lines[target] = lines[target], lines[index]
        account.letterhead_lines = lines


def _check(lines: list[str], index: int, expected: str) -> None:
    # The form names a line by position and text: if another tab changed the list meanwhile,
    # refuse rather than remove or move the wrong line.
    if not 0 <= index < len(lines) or lines[index] != expected:
        raise LetterheadError(
            _l("L'en-tête a été modifié entre-temps : vérifiez-le et recommencez.")
        )
