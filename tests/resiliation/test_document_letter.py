"""The termination letter: its PDF (read back as text) and its on-screen preview, from one template,
always in French; the PDF route behind the account wall."""

from __future__ import annotations

import io
from datetime import date

import pytest
from letterkit import make_letter
from pypdf import PdfReader

from plugins.resiliation.models import Letter, LetterContract, MandateKind
from plugins.resiliation.rules import ContractType, Reason, Sender
from portal.extensions import db

TITLE = "LETTRE RECOMMANDÉE ÉLECTRONIQUE DE RÉSILIATION"
PDF_URL = "/resiliation/lettres/{}/lettre.pdf"


def raw_pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def pdf_text(content: bytes) -> str:
    """The text, its runs of white space (no-break spaces included) as one space: lines wrap
    anywhere; « L. 113-16 » is written with a no-break space, as Légifrance prints it."""
    return " ".join(raw_pdf_text(content).split())


def assert_in_order(text: str, parts: list[str]) -> None:
    position = 0
    for part in parts:
        found = text.find(part, position)
        assert found >= 0, f"{part!r} missing after position {position} of: {text}"
        position = found + len(part)


def download(client, letter_id: int, query: str = ""):
    response = client.get(PDF_URL.format(letter_id) + query)
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    return response


def stored_pdf(app, in_tenant, letter_id: int) -> str:
    """The letter's PDF text, rendered outside any request (as a job would)."""
    from plugins.resiliation.document import letter_pdf

    with in_tenant("resilimo"):
        return pdf_text(letter_pdf(db.session.get(Letter, letter_id)))


@pytest.fixture
def agency(make_account):
    return make_account(
        "resilimo",
        email="agence@fournier.example",
        letterhead_lines=["GESTION RESIL", "Tél. 04 76 00 00 00"],
    )


def test_a_one_contract_letter_reads_like_the_manuals_example(app, agency, logged_in, in_tenant):
    letter_id = make_letter(
        app,
        agency,
        client_reference="DOSSIER-SECRET-42",
        send_date=date(2021, 5, 21),
        mandate_kind=MandateKind.HAND_SIGNED,
    )
    response = download(logged_in(agency), letter_id)
    with in_tenant("resilimo"):
        reference = db.session.get(Letter, letter_id).reference
    assert f'filename="lettre-{reference}.pdf"' in response.headers["Content-Disposition"]
    assert len(PdfReader(io.BytesIO(response.data)).pages) == 1  # one sheet, as in the manual
    text = pdf_text(response.data)
    assert_in_order(
        text,
        [
            "Agence Fournier Assurances",
            "3 place Victor Hugo",
            "38000 Grenoble",
            "N° ORIAS : 12 345 678",
            "GESTION RESIL",
            "Tél. 04 76 00 00 00",
            "MAAF Assurances",
            "Chaban de Chauray",
            "79036 NIORT CEDEX 9",
            "Le 21 mai 2021",
            TITLE,
            "Madame, Monsieur,",
            "Par la présente lettre recommandée électronique, nous vous informons que nous sommes "
            "mandatés par Monsieur Dupont Jean, domicilié :",
            "2 rue des fleurs",
            "38000 GRENOBLE",
            "afin de résilier le contrat suivant :",
            "Référence du contrat : 1234",
            "Type de contrat : Complémentaire Santé",
            "Échéance principale : 01/07/2021",
            "Motif de résiliation : Échéance principale",
            "Cette résiliation prendra effet à l'échéance principale du contrat.",
            "D'avance, nous vous remercions de bien vouloir nous accuser réception de ce "
            "courrier et nous confirmer le bon enregistrement de la résiliation ainsi que sa date "
            "d'effet ou, le cas échéant, nous indiquer les motifs de votre refus à l'adresse "
            "suivante : agence@fournier.example.",
            "Veuillez trouver ci-joint un mandat de résiliation signé par Monsieur Dupont Jean "
            "nous autorisant à envoyer ce courrier pour son compte et en notre nom.",
            "Nous vous prions d'agréer, Madame, Monsieur, l'expression de nos salutations "
            "distinguées.",
            "Agence Fournier Assurances",
            "Courrier signé électroniquement",
        ],
    )
    assert "DOSSIER-SECRET-42" not in text
    assert "relevé d'information" not in text
    assert "Nouvel assureur" not in text


def test_two_contracts_are_written_in_the_plural(app, agency, in_tenant):
    letter_id = make_letter(
        app,
        agency,
        contracts=[
            {"contract_type": ContractType.HEALTH, "reference": "SANTE-1"},
            {
                "contract_type": ContractType.OTHER,
                "other_type": "Assurance drone",
                "reference": "DRONE-2",
                "main_due_date": date(2022, 3, 1),
            },
        ],
    )
    text = stored_pdf(app, in_tenant, letter_id)
    assert_in_order(
        text,
        [
            "afin de résilier les contrats suivants :",
            "Référence du contrat : SANTE-1",
            "Type de contrat : Complémentaire Santé",
            "Motif de résiliation : Échéance principale",
            "Référence du contrat : DRONE-2",
            "Type de contrat : Assurance drone",  # the « Autre type »'s own name
            "Échéance principale : 01/03/2022",
            "Motif de résiliation : Échéance principale",
            "Ces résiliations prendront effet à l'échéance principale de chacun des contrats.",
            "le bon enregistrement des résiliations ainsi que leur date d'effet",
        ],
    )
    assert "Autre type" not in text


def test_a_company_and_its_co_subscriber_mandate_the_agency_together(app, agency, in_tenant):
    letter_id = make_letter(
        app,
        agency,
        professional=True,
        company_name="Boulangerie Dupont SARL",
        siret="73282932000074",
        co_civility="Mme",
        co_last_name="Durand",
        co_first_name="Marie",
        mandate_kind=MandateKind.ELECTRONIC,
    )
    text = stored_pdf(app, in_tenant, letter_id)
    assert (
        "nous sommes mandatés par la société Boulangerie Dupont SARL (SIRET 732 829 320 00074) "
        "et Madame Durand Marie, domiciliées :"
    ) in text
    assert (
        "Veuillez trouver ci-joint un mandat de résiliation signé électroniquement par la société "
        "Boulangerie Dupont SARL (SIRET 732 829 320 00074) et Madame Durand Marie nous autorisant "
        "à envoyer ce courrier pour leur compte et en notre nom."
    ) in text


def test_a_man_and_a_woman_are_domiciled_in_the_masculine_plural(app, agency, in_tenant):
    letter_id = make_letter(
        app, agency, co_civility="Mme", co_last_name="Dupont", co_first_name="Marie"
    )
    text = stored_pdf(app, in_tenant, letter_id)
    assert "mandatés par Monsieur Dupont Jean et Madame Dupont Marie, domiciliés :" in text
    # No mandate attached: no mandate sentence.
    assert "Veuillez trouver ci-joint" not in text


def test_a_vehicle_letter_asks_for_the_statement_of_information(app, agency, in_tenant):
    letter_id = make_letter(
        app,
        agency,
        reason=Reason.HAMON,
        contracts=[
            {
                "contract_type": ContractType.AUTO,
                "reference": "12536985",
                "registration": "AA-111-BB",
                "main_due_date": date(2022, 1, 1),
                "new_insurer": "AXA France",
                "new_reference": "N-778",
            }
        ],
    )
    text = stored_pdf(app, in_tenant, letter_id)
    assert_in_order(
        text,
        [
            "Référence du contrat : 12536985",
            "Type de contrat : Assurance auto",
            "Échéance principale : 01/01/2022",
            "Immatriculation : AA-111-BB",
            "Nouvel assureur : AXA France",
            "Nouvelle référence de contrat : N-778",
            "Motif de résiliation : Loi Hamon",
            "Nous vous remercions de bien vouloir nous faire parvenir le relevé d'information "
            "relatif à ce contrat.",
        ],
    )


def test_with_a_vehicle_among_other_contracts_the_request_names_it(app, agency, in_tenant):
    letter_id = make_letter(
        app,
        agency,
        contracts=[
            {"contract_type": ContractType.MOTORCYCLE, "reference": "MOTO-9", "registration": "X"},
            {"contract_type": ContractType.LEGAL_PROTECTION, "reference": "PJ-3"},
        ],
    )
    text = stored_pdf(app, in_tenant, letter_id)
    assert "le relevé d'information relatif au contrat MOTO-9." in text


EFFECTS = {
    Reason.HAMON: "Conformément à l'article L. 113-15-2 du Code des assurances, le contrat ayant "
    "été souscrit depuis plus d'un an, cette résiliation prendra effet un mois après réception "
    "de la présente notification. Le nouvel assureur s'assure",
    Reason.MAIN_DUE_DATE: "Cette résiliation prendra effet à l'échéance principale du contrat.",
    Reason.CHATEL: "Conformément à l'article L. 113-15-1 du Code des assurances et à l'article "
    "L. 221-10-1 du Code de la mutualité, l'avis d'échéance n'ayant pas été adressé au "
    "souscripteur dans les conditions prévues par ces articles, cette résiliation prendra effet "
    "le lendemain de la date d'envoi de la présente lettre.",
    Reason.MOVE: "La présente demande fait suite au changement de domicile de l'assuré. "
    "Conformément à l'article L. 113-16 du Code des assurances",
    Reason.WITHDRAWAL: "Le souscripteur exerce par la présente son droit de renonciation au "
    "contrat, dans le délai de quatorze jours calendaires",
    Reason.MATRIMONIAL_REGIME: "La présente demande fait suite au changement de régime "
    "matrimonial de l'assuré. Conformément à l'article L. 113-16",
    Reason.MARITAL_SITUATION: "La présente demande fait suite au changement de situation "
    "matrimoniale de l'assuré. Conformément à l'article L. 113-16",
    Reason.PREMIUM_INCREASE: "Refusant la majoration de tarif qui lui a été notifiée, le "
    "souscripteur résilie le contrat",
    Reason.DEATH_OR_SALE: "Conformément à l'article L. 121-10 du Code des assurances, à la suite "
    "du décès de l'assuré ou de l'aliénation du bien assuré",
    Reason.CUSTOM: "Cette résiliation prendra effet dans les conditions prévues par le contrat et "
    "par la loi.",
    Reason.RIA: "Conformément à l'article L. 113-15-2 du Code des assurances et à l'article "
    "L. 221-10-2 du Code de la mutualité, le contrat ayant été souscrit depuis plus d'un an, cette "
    "résiliation prendra effet un mois après réception de la présente notification.",
}


def test_every_reason_has_its_effect_sentence():
    assert set(EFFECTS) == set(Reason)


@pytest.mark.parametrize("reason", list(Reason), ids=lambda reason: reason.value)
def test_each_reason_prints_its_effect_sentence(app, agency, in_tenant, reason):
    fields = {"reason": reason}
    if reason is Reason.CUSTOM:
        fields["custom_reason"] = "Départ définitif à l'étranger"
    if reason in (Reason.HAMON, Reason.RIA):
        fields["effective_date"] = date(2021, 8, 1)
    contract = {"contract_type": ContractType.HEALTH, "reference": "1234"}
    if reason in (Reason.HAMON, Reason.RIA):
        contract["new_insurer"] = "Mutuelle Bleue"
    letter_id = make_letter(app, agency, contracts=[contract], **fields)
    text = stored_pdf(app, in_tenant, letter_id)
    assert EFFECTS[reason] in text
    for other, sentence in EFFECTS.items():
        if other is not reason and not EFFECTS[reason].startswith(sentence[:60]):
            assert sentence not in text, other
    if reason is Reason.CUSTOM:
        assert "Motif de résiliation : Départ définitif à l'étranger" in text
    if reason in (Reason.HAMON, Reason.RIA):
        assert "Nouvel assureur : Mutuelle Bleue" in text
        assert "Le nouveau contrat prendra effet le 1er août 2021." in text


def test_the_added_text_is_printed_escaped_with_its_line_breaks(app, agency, in_tenant):
    from plugins.resiliation.document import letter_pdf, render_letter_html

    letter_id = make_letter(
        app,
        agency,
        added_text="Merci de votre diligence.\nDossier suivi par <b>Léa</b> & Cie",
    )
    with in_tenant("resilimo"):
        letter = db.session.get(Letter, letter_id)
        raw = raw_pdf_text(letter_pdf(letter))
        html = str(render_letter_html(letter))
    assert "Merci de votre diligence.\nDossier suivi par <b>Léa</b> & Cie" in raw
    text = " ".join(raw.split())
    assert_in_order(
        text,
        ["Merci de votre diligence.", "Nous vous prions d'agréer"],
    )
    assert "Dossier suivi par &lt;b&gt;Léa&lt;/b&gt; &amp; Cie" in html


def test_the_date_is_the_send_date_with_1er_on_the_first(app, agency, in_tenant):
    letter_id = make_letter(app, agency, send_date=date(2021, 6, 1))
    assert "Le 1er juin 2021" in stored_pdf(app, in_tenant, letter_id)


def test_without_a_send_date_the_letter_is_dated_today_in_the_tenants_zone(app, agency, in_tenant):
    from portal.core import clock
    from portal.core.i18n import force_locale
    from portal.core.pdf.render import long_date
    from portal.core.tenants.resolver import tenant_directory

    letter_id = make_letter(app, agency)
    text = stored_pdf(app, in_tenant, letter_id)
    with app.test_request_context(), in_tenant("resilimo"), force_locale("fr"):
        tenant = tenant_directory().by_slug("resilimo")
        today = long_date(clock.today(tenant))
    assert f"Le {today}" in text


def test_the_acknowledgement_goes_to_the_managing_profiles_email(
    app, agency, make_profile, in_tenant
):
    profile_id = make_profile(agency, name="Léa Martin", email="lea@fournier.example")
    letter_id = make_letter(app, agency)
    with in_tenant("resilimo"):
        db.session.get(Letter, letter_id).managed_by_id = profile_id
        db.session.commit()
    text = stored_pdf(app, in_tenant, letter_id)
    assert "à l'adresse suivante : lea@fournier.example." in text


def test_the_platform_sends_in_its_own_name(app, agency, in_tenant):
    letter_id = make_letter(app, agency, sender=Sender.PLATFORM)
    text = stored_pdf(app, in_tenant, letter_id)
    assert text.startswith("Résilimo SAS")
    assert_in_order(text, [TITLE, "salutations distinguées.", "Résilimo SAS"])
    assert "Agence Fournier Assurances" not in text
    assert "ORIAS : 12 345 678" not in text


def test_the_pdf_is_french_when_the_interface_is_english(app, agency, logged_in):
    letter_id = make_letter(app, agency, send_date=date(2021, 5, 21))
    client = logged_in(agency)
    page = client.get("/resiliation/?lang=en")
    assert page.status_code == 200
    text = pdf_text(download(client, letter_id, "?lang=en").data)
    assert "Le 21 mai 2021" in text
    assert "N° ORIAS : 12 345 678" in text
    assert "Type de contrat : Complémentaire Santé" in text
    assert "Motif de résiliation : Échéance principale" in text
    assert "May" not in text and "ORIAS number" not in text


def test_the_preview_of_an_incomplete_transient_letter_shows_placeholders(app, agency, in_tenant):
    from plugins.resiliation.document import render_letter_html

    with in_tenant("resilimo"):
        letter = Letter(account_id=agency.id, managed_by_id=agency.holder_profile_id)
        letter.contracts.append(LetterContract(contract_type=ContractType.AUTO))
        html = str(render_letter_html(letter))
        assert letter not in db.session
    assert TITLE in html
    for placeholder in (
        "[Nom du souscripteur]",
        "[Adresse du souscripteur]",
        "[Assureur destinataire]",
        "[Référence du contrat]",
        "[Immatriculation]",
        "[Motif de résiliation]",
    ):
        assert placeholder in html
    assert "Type de contrat : Assurance auto" in html
    assert "Agence Fournier Assurances" in html
    assert "relevé d'information" in html


def test_the_preview_of_an_empty_transient_letter_renders_in_a_request(
    app, agency, logged_in, in_tenant
):
    """In the wizard's first step: nothing typed yet, no contract, no reason, no account stamp."""
    from plugins.resiliation.document import render_letter_html
    from portal.core.tenants.resolver import tenant_directory

    with in_tenant("resilimo"):
        tenant = tenant_directory().by_slug("resilimo")
        html = str(render_letter_html(Letter(), tenant=tenant))
    assert "[Contrat à résoudre]" not in html
    assert "[Contrat à résilier]" in html
    assert "afin de résilier le contrat suivant :" in html


def test_the_pdf_of_another_accounts_letter_is_not_found(app, agency, make_account, logged_in):
    letter_id = make_letter(app, agency)
    other = make_account("resilimo", email="autre@agence.example")
    assert logged_in(other).get(PDF_URL.format(letter_id)).status_code == 404
    stranger = make_account("msr", email="agence@fournier.example")
    assert logged_in(stranger).get(PDF_URL.format(letter_id)).status_code == 404
    assert logged_in(agency).get(PDF_URL.format(letter_id + 1000)).status_code == 404


def test_the_preview_takes_what_a_letter_being_filled_may_hold(app, agency, in_tenant):
    """Values straight from a form (strings, blanks) never break the preview."""
    from plugins.resiliation.document import render_letter_html

    with in_tenant("resilimo"):
        letter = Letter(
            account_id=agency.id,
            reason="loi_hamon",
            sender="platform",
            send_date="",
            effective_date="2021-08-01",
            last_name="Dupont",
            first_name="",
        )
        letter.contracts.append(
            LetterContract(contract_type="inconnu", reference="R-1", main_due_date="pas une date")
        )
        html = str(render_letter_html(letter))
    assert "Résilimo SAS" in html
    assert "mandatés par Dupont, domicilié :" in html
    assert "Référence du contrat : R-1" in html
    assert "[Type de contrat]" in html
    assert "Le nouveau contrat prendra effet le 1er août 2021." in html


def test_the_letter_page_shows_the_preview_and_its_download_link(app, agency, logged_in):
    letter_id = make_letter(app, agency)
    page = logged_in(agency).get(f"/resiliation/lettres/{letter_id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Visualisation de la lettre" in html
    assert f'href="{PDF_URL.format(letter_id)}"' in html
    assert TITLE in html
    assert "mandatés par Monsieur Dupont Jean, domicilié :" in html
