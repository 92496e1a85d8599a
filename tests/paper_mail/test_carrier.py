"""The address-carrier page: one A4 page, the typed address in upper case in the envelope's
window (read back by the detection, accepted by the window check), the reference at the bottom,
nothing else."""

from __future__ import annotations

import pypdfium2
import pytest
from papermailkit import make_mail

from plugins.paper_mail import checks
from plugins.paper_mail.carrier import FONT_PT, carrier_lines, carrier_page, font_size
from plugins.paper_mail.detection import detect_address
from plugins.paper_mail.models import PaperMail, RecipientSource
from portal.core.tenants import tenant_scope
from portal.extensions import db

TYPED = {
    "recipient_source": RecipientSource.TYPED,
    "recipient_name": "Mme Élodie Martin-Lefèvre",
    "recipient_lines": ["Résidence Les Tilleuls, Bât. B", "", "12 avenue du Général de Gaulle"],
    "recipient_postal_code": "42000",
    "recipient_city": "Saint-Étienne",
}
EXPECTED = [
    "MME ELODIE MARTIN-LEFEVRE",
    "RESIDENCE LES TILLEULS BAT B",
    "12 AVENUE DU GENERAL DE GAULLE",
    "42000 SAINT-ETIENNE",
]


@pytest.fixture
def carrier(app, make_account):
    """``carrier(**mail_fields)`` → (the mail's reference, its carrier page)."""
    account = make_account()

    def build(**fields):
        mail_id = make_mail(app, account, **{**TYPED, **fields})
        with app.app_context(), tenant_scope(account.tenant_id):
            mail = db.session.get(PaperMail, mail_id)
            return mail.reference, carrier_page(mail)

    return build


def test_the_carrier_page_round_trip(carrier):
    reference, pdf = carrier()
    document = pypdfium2.PdfDocument(pdf)
    assert len(document) == 1
    width, height = document[0].get_size()
    assert (round(width * 25.4 / 72), round(height * 25.4 / 72)) == (210, 297)

    found = detect_address(pdf)
    assert found.method == "text"
    assert found.lines == EXPECTED
    assert (found.postal_code, found.city) == ("42000", "SAINT-ETIENNE")
    assert found.complete

    # Under the QR mark, inside the window, nothing in the margins.
    assert checks.window_problems(pdf) == []
    assert checks.outside_printable_area(pdf) == []
    # Nothing else than the address and the reference.
    text = document[0].get_textpage().get_text_range()
    assert text.split() == " ".join([*EXPECTED, reference]).split()


def test_the_longest_address_still_fits_the_window(carrier):
    longest = {
        "recipient_name": "N" * 38,
        "recipient_lines": ["M" * 38, "W" * 38, "RESIDENCE DU PARC DES EXPOSITIONS BAT C", "BP 1"],
        "recipient_city": "SAINT-REMY-EN-BOUZEMONT-SAINT-GEN",
    }
    _reference, pdf = carrier(**longest)
    assert checks.window_problems(pdf) == []
    assert checks.outside_printable_area(pdf) == []
    assert detect_address(pdf).lines[1] == "M" * 38


def test_the_carrier_lines_follow_la_poste():
    mail = PaperMail(**TYPED)
    assert carrier_lines(mail) == EXPECTED


def test_only_lines_of_wide_capitals_are_set_smaller():
    assert font_size(EXPECTED) == FONT_PT
    assert font_size(["RESIDENCE DU PARC DES EXPOSITIONS BAT C"]) == FONT_PT
    assert 7 <= font_size(["W" * 38]) < FONT_PT
    assert font_size([]) == FONT_PT
