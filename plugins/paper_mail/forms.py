"""Forms of the pages that compose a mail (manual §8.1–8.3): the files, the printing options, the
mode, the recipient and the sender.

A typed address is checked by ``addresses.address_errors`` (the same rules as the sending), not
by field validators here: the form only trims and bounds what is typed, then places each error
next to its field (:meth:`AddressForm.place_errors`).
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, MultipleFileField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from plugins.paper_mail import rules
from plugins.paper_mail.i18n import _l
from portal.core.accounts.validators import NoBidiControls, strip

LINE_FIELDS = tuple(f"line{n}" for n in range(1, rules.ADDRESS_LINES_MAX + 1))


class UploadForm(FlaskForm):
    """« Ajouter + »: several files at once."""

    files = MultipleFileField(_l("Documents à imprimer"))


class OptionsForm(FlaskForm):
    """Colour and two-sided printing (both by default)."""

    colour = BooleanField(_l("Impression en couleur"))
    duplex = BooleanField(_l("Impression recto verso"))


class ModeForm(FlaskForm):
    mode = RadioField(
        _l("Mode d'envoi"),
        choices=[SelectChoice(mode.value, _l(info.label)) for mode, info in rules.MODES.items()],
        validators=[DataRequired(_l("Choisissez un mode d'envoi."))],
    )


def _text(label, max_length):
    # Bounded a little above the rule so an over-long line gets the rule's own message.
    return StringField(
        label, filters=[strip], validators=[Length(max=max_length * 3), NoBidiControls()]
    )


def address_of(form, prefix: str = "") -> tuple[str, list[str], str, str]:
    """(name, non-empty lines, postal code, city) as typed in ``form``'s ``prefix`` fields."""
    lines = [getattr(form, prefix + name).data or "" for name in LINE_FIELDS]
    return (
        getattr(form, prefix + "name").data or "",
        [line for line in lines if line],
        getattr(form, prefix + "postal_code").data or "",
        getattr(form, prefix + "city").data or "",
    )


def place_errors(form, errors: dict[str, str], prefix: str = "") -> None:
    """Each of ``address_errors``' messages next to its field: ``lines`` (or ``lines.N`` counted
    from 0, ``lineN`` from 1) on the matching line, an unknown key on the name."""
    for key, message in errors.items():
        name = key
        if key == "lines":  # on the first line too long, else the first line
            too_long = [
                field
                for field in LINE_FIELDS
                if len(getattr(form, prefix + field).data or "") > rules.ADDRESS_LINE_MAX
            ]
            name = too_long[0] if too_long else LINE_FIELDS[0]
        elif key.startswith("line"):
            digits = "".join(ch for ch in key if ch.isdigit())
            index = int(digits) if digits else 1
            if key.startswith("lines") and digits:
                index += 1
            name = f"line{min(max(index, 1), rules.ADDRESS_LINES_MAX)}"
        field = getattr(form, prefix + name, None) or getattr(form, prefix + "name")
        field.errors = [*field.errors, str(message)]


def fill(form, prefix: str, name: str, lines: list[str], postal_code: str, city: str) -> None:
    """Put an address in ``form``'s ``prefix`` fields (the detected one, the account's)."""
    getattr(form, prefix + "name").data = name
    for field_name, line in zip(LINE_FIELDS, [*lines, "", "", "", ""], strict=False):
        getattr(form, prefix + field_name).data = line
    getattr(form, prefix + "postal_code").data = postal_code
    getattr(form, prefix + "city").data = city


class RecipientForm(FlaskForm):
    """The recipient typed (« Saisir manuellement l'adresse du destinataire »)."""

    required = ("name", "line1", "postal_code", "city")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Marked required for the label's « * » and assistive technologies; checked by
        # ``addresses.address_errors`` on « Continuer » only (other buttons post this form too).
        for name in self.required:
            getattr(self, name).flags.required = True

    name = _text(_l("Nom et prénom / Entreprise"), rules.ADDRESS_LINE_MAX)
    line1 = _text(_l("Adresse, ligne 1"), rules.ADDRESS_LINE_MAX)
    line2 = _text(_l("Adresse, ligne 2"), rules.ADDRESS_LINE_MAX)
    line3 = _text(_l("Adresse, ligne 3"), rules.ADDRESS_LINE_MAX)
    line4 = _text(_l("Adresse, ligne 4"), rules.ADDRESS_LINE_MAX)
    postal_code = _text(_l("Code postal"), 10)
    city = _text(_l("Ville"), 38)


class PartiesForm(RecipientForm):
    """Recipient and sender, both typed: a tracked or registered letter (their names fill the
    La Poste form); « Utiliser mes coordonnées » fills the sender."""

    required = (
        *RecipientForm.required,
        "sender_name",
        "sender_line1",
        "sender_postal_code",
        "sender_city",
    )

    sender_name = _text(_l("Nom et prénom / Entreprise"), rules.ADDRESS_LINE_MAX)
    sender_line1 = _text(_l("Adresse, ligne 1"), rules.ADDRESS_LINE_MAX)
    sender_line2 = _text(_l("Adresse, ligne 2"), rules.ADDRESS_LINE_MAX)
    sender_line3 = _text(_l("Adresse, ligne 3"), rules.ADDRESS_LINE_MAX)
    sender_line4 = _text(_l("Adresse, ligne 4"), rules.ADDRESS_LINE_MAX)
    sender_postal_code = _text(_l("Code postal"), 10)
    sender_city = _text(_l("Ville"), 38)
