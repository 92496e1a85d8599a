"""A mail's price from the tenant's grid (issue 17 §4): SPEC's « lettre verte 1 feuille 1,14 € »,
one line per kind (printing, envelopes, postage per weight band, staples, the address line),
the tenant's own prices, and no price while the checks fail."""

from __future__ import annotations

from dataclasses import replace

import pytest
from papermailkit import letter_pdf, make_mail

from plugins.paper_mail import pricing, rules
from plugins.paper_mail.models import PaperMail, RecipientSource
from portal.core.pricing import check_prices, price_list
from portal.core.tenants import tenant_directory, tenant_scope
from portal.extensions import db

RESILIMO = "http://resilimo.localhost"


@pytest.fixture
def resilimo(app):
    with app.test_request_context(base_url=RESILIMO):
        yield tenant_directory().by_slug("resilimo")


def lines(quote) -> list[tuple[str, int]]:
    return [(line.label, line.amount_cents) for line in quote.lines]


def test_spec_example_lettre_verte_one_sheet_costs_1_14(resilimo):
    quote = pricing.quote(
        resilimo, mode="lettre_verte", colour=True, sheets_per_envelope=(1,), staples=0
    )
    assert quote.total_cents == 114
    assert lines(quote) == [
        ("Impression couleur, 1 feuille", 10),
        ("Mise sous pli, 1 enveloppe DL", 6),
        ("Affranchissement lettre verte, jusqu'à 20 g", 98),
    ]
    # The address comes on top: −0,10 € read in the first document, +0,16 € typed (its
    # carrier page weighs but is not billed as printing).
    detected = pricing.quote(
        resilimo,
        mode="lettre_verte",
        colour=True,
        sheets_per_envelope=(1,),
        recipient_source=RecipientSource.DETECTED,
    )
    assert detected.total_cents == 104
    assert lines(detected)[-1] == ("Adresse reprise du premier document", -10)
    assert detected.lines[-1].code == "paper_mail.first_document_address"
    typed = pricing.quote(
        resilimo,
        mode="lettre_verte",
        colour=True,
        sheets_per_envelope=(2,),
        recipient_source=RecipientSource.TYPED,
    )
    assert typed.total_cents == 130
    assert lines(typed)[0] == ("Impression couleur, 1 feuille", 10)
    assert lines(typed)[-1] == ("Saisie de l'adresse du destinataire", 16)


def test_black_and_white_staples_and_a_large_envelope(resilimo):
    quote = pricing.quote(
        resilimo, mode="lettre_suivie", colour=False, sheets_per_envelope=(12,), staples=2
    )
    # 12 sheets (60 g) in a C4 envelope (25 g): the 100 g band.
    assert lines(quote) == [
        ("Impression noir et blanc, 12 feuilles", 12 * 6),
        ("Mise sous pli, 1 enveloppe C4", 20),
        ("Affranchissement lettre suivie, jusqu'à 100 g", 246),
        ("Agrafage, 2 documents", 10),
    ]
    assert quote.total_cents == 72 + 20 + 246 + 10
    assert [line.code for line in quote.lines] == [
        "paper_mail.sheet_bw",
        "paper_mail.envelope_large",
        "paper_mail.postage_lettre_suivie_100",
        "paper_mail.staple",
    ]
    assert all(line.vat_rate == 2000 for line in quote.lines)


def test_a_split_mail_pays_each_envelopes_postage_by_its_weight(resilimo):
    plan = rules.envelope_plan(100 - 5, rules.Mode.ECOPLI)  # 95 sheets: 45 + 45 + 5
    assert plan.sheets_per_envelope == (45, 45, 5)
    quote = pricing.quote(
        resilimo, mode="ecopli", colour=True, sheets_per_envelope=plan.sheets_per_envelope
    )
    # 45 sheets + C4 = 250 g; 5 sheets + C4 = 50 g.
    assert lines(quote) == [
        ("Impression couleur, 95 feuilles", 950),
        ("Mise sous pli, 3 enveloppes C4", 60),
        ("Affranchissement écopli, jusqu'à 100 g", 184),
        ("Affranchissement écopli, jusqu'à 250 g × 2", 2 * 368),
    ]
    assert quote.total_cents == 950 + 60 + 184 + 736


@pytest.mark.parametrize(
    ("mode", "low", "high"),
    [
        ("ecopli", 90, 110),
        ("lettre_verte", 110, 120),
        ("lettre_suivie", 150, 200),
        ("recommande", 400, 500),
        ("recommande_ar", 500, 600),
    ],
)
def test_each_mode_costs_about_what_a_postal_printer_asks(resilimo, mode, low, high):
    one_sheet = pricing.quote(resilimo, mode=mode, colour=True, sheets_per_envelope=(1,))
    assert low <= one_sheet.total_cents <= high


def test_the_grid_has_every_mode_and_band_and_a_valid_discount(resilimo):
    prices = price_list(resilimo)
    for mode in rules.Mode:
        bands = [prices[pricing.postage_code(mode, band)] for band in rules.WEIGHT_BANDS]
        cents = [item.price_cents for item in bands]
        assert cents == sorted(cents) and len(set(cents)) == len(cents), mode  # heavier costs more
    assert str(prices["paper_mail.postage_recommande_ar_250"].label) == (
        "Affranchissement recommandé avec AR, jusqu'à 250 g"
    )
    assert prices["paper_mail.first_document_address"].discount
    assert prices["paper_mail.first_document_address"].price_cents == -10
    assert prices["paper_mail.typed_address"].price_cents == 16
    assert "paper_mail.lettre_verte_1" not in prices


def test_a_tenant_sets_its_own_prices(resilimo):
    overrides = {"paper_mail.postage_lettre_verte_20": 90, "paper_mail.sheet_colour": 12}
    tenant = replace(resilimo, config=resilimo.config.model_copy(update={"prices": overrides}))
    quote = pricing.quote(tenant, mode="lettre_verte", colour=True, sheets_per_envelope=(3,))
    assert lines(quote) == [
        ("Impression couleur, 3 feuilles", 36),
        ("Mise sous pli, 1 enveloppe DL", 6),
        ("Affranchissement lettre verte, jusqu'à 20 g", 90),
    ]
    # The old single item is now a typo the tenant file check names.
    stale = resilimo.config.model_copy(update={"prices": {"paper_mail.lettre_verte_1": 120}})
    from portal.core.plugins import current_plugins

    assert check_prices(stale, current_plugins()) == [
        ("prices.paper_mail.lettre_verte_1", "the plugin 'paper_mail' bills no such item")
    ]


def test_an_impossible_envelope_has_no_price(resilimo):
    with pytest.raises(ValueError):
        pricing.quote(resilimo, mode="lettre_verte", colour=True, sheets_per_envelope=())


class _Checked:
    """A pre-flight result as ``checks.preflight`` returns it (its owner's API)."""

    def __init__(self, sheets: int, mode: rules.Mode, ok: bool = True):
        self.ok = ok
        self.sheets = sheets
        self.problems = [] if ok else ["window"]
        self.plan = rules.envelope_plan(sheets, mode) if ok else None


def test_a_mails_quote_follows_its_options_and_staples(app, make_account, resilimo):
    account = make_account("resilimo", "tarif@agence.fr")
    mail_id = make_mail(
        app,
        account,
        documents=[letter_pdf(pages=3), letter_pdf(pages=1)],
        mode="recommande",
        colour=False,
        recipient_source=RecipientSource.DETECTED,
    )
    with tenant_scope(account.tenant_id):
        mail = db.session.get(PaperMail, mail_id)
        mail.documents[0].staple = True
        quote = pricing.mail_quote(mail, _Checked(3, rules.Mode.RECOMMANDE))
        assert lines(quote) == [
            ("Impression noir et blanc, 3 feuilles", 18),
            ("Mise sous pli, 1 enveloppe DL", 6),
            ("Affranchissement recommandé, jusqu'à 20 g", 450),
            ("Agrafage, 1 document", 5),
            ("Adresse reprise du premier document", -10),
        ]
        assert quote.total_cents == 18 + 6 + 450 + 5 - 10
        assert pricing.mail_quote(mail, _Checked(3, rules.Mode.RECOMMANDE, ok=False)) is None
        from plugins.paper_mail import checks

        if hasattr(checks, "preflight"):  # the checks' own run (another module's owner)
            checked = checks.preflight(mail)
            assert (pricing.mail_quote(mail) is None) == (not checked.ok)
        db.session.rollback()
