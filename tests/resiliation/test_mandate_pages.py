"""The mandate of a letter: the pre-filled PDF, the hand-signed scan (upload, preview, validate,
replace, refusals), « sans mandat », the ORIAS condition and the walls between accounts."""

from __future__ import annotations

import io

from letterkit import make_letter, verified
from mandatekit import letter_state, text_of, upload, url
from pypdf import PdfReader
from uploadkit import image_carrying
from webkit import PDF_BYTES, png_bytes

from plugins.resiliation.models import MandateKind
from plugins.resiliation.rules import ContractType, Reason
from portal.core.antivirus.dev import EICAR


def test_the_prefilled_mandate_reads_as_a_french_mandate(app, make_account, logged_in):
    agency = make_account()
    letter_id = make_letter(
        app,
        agency,
        professional=True,
        company_name="SARL Dupont Frères",
        siret="73282932000074",
        co_civility="Mme",
        co_last_name="Durand",
        co_first_name="Marie",
        contracts=[
            {
                "contract_type": ContractType.AUTO,
                "reference": "AUTO-123",
                "registration": "AA-111-BB",
            },
            {"contract_type": ContractType.MOTORCYCLE, "reference": "MOTO-9"},
        ],
        reason=Reason.HAMON,
    )
    client = logged_in(agency)
    response = client.get(url(letter_id, "/mandat-prerempli.pdf"))
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    text = " ".join(text.split())
    for expected in (
        "MANDAT DE RÉSILIATION",
        "SARL Dupont Frères",
        "SIRET 73282932000074",
        "représentée par Monsieur Jean Dupont et Madame Marie Durand",
        "2 rue des fleurs",
        "donnons mandat à Agence Fournier Assurances",
        "N° ORIAS : 12 345 678",
        "de résilier en notre nom et pour notre compte",
        "MAAF Assurances",
        "AUTO-123",
        "Assurance auto",
        "AA-111-BB",
        "MOTO-9",
        "Motif de résiliation : Loi Hamon",
        "lettre recommandée électronique",
        "Fait à GRENOBLE, le",
        "Signature de Monsieur Jean Dupont",
        "Signature de Madame Marie Durand",
    ):
        assert expected in text, expected


def test_hand_signed_upload_preview_validate_replace(app, make_account, logged_in, in_tenant):
    agency = make_account()
    verified(app, agency)
    letter_id = make_letter(app, agency)
    client = logged_in(agency)
    assert letter_state(in_tenant, letter_id)["missing"]

    page = text_of(client.get(url(letter_id, "/mandat")))
    assert "Quel mandat de résiliation souhaitez-vous utiliser ?" in page
    assert "Générer et joindre un mandat" in page and "Utiliser mon propre mandat" in page

    response = upload(client, letter_id, PDF_BYTES, "mandat signé.pdf")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(url(letter_id, "/mandat/manuscrit"))
    page = text_of(client.get(url(letter_id, "/mandat/manuscrit")))
    assert "Vérifiez le mandat ajouté" in page and "Valider ce mandat" in page
    assert "Remplacer" in page
    assert client.get(url(letter_id, "/mandat/manuscrit/page-1.png")).mimetype == "image/png"
    assert client.get(url(letter_id, "/mandat/manuscrit/page-2.png")).status_code == 404
    state = letter_state(in_tenant, letter_id)
    assert state["scan"] == "mandat signé.pdf" and not state["ready"]
    assert state["missing"] == ["Validez le mandat signé que vous avez ajouté."]

    from portal.testing.web import csrf_token

    response = client.post(
        url(letter_id, "/mandat/manuscrit/valider"), data={"csrf_token": csrf_token(page)}
    )
    assert response.status_code == 302
    state = letter_state(in_tenant, letter_id)
    assert state["kind"] == MandateKind.HAND_SIGNED and state["ready"] and state["validated"]
    assert state["missing"] == []
    panel = text_of(client.get(url(letter_id, "/mandat")))
    assert "Mandat signé de manière manuscrite, validé le" in panel

    # Replaced by an image: to validate again.
    assert upload(client, letter_id, png_bytes(), "scan.png").status_code == 302
    state = letter_state(in_tenant, letter_id)
    assert state["scan"] == "scan.png" and not state["ready"] and not state["validated"]
    assert client.get(url(letter_id, "/mandat/manuscrit/page-1.png")).mimetype == "image/png"


def test_a_refused_file_keeps_the_previous_mandate(app, make_account, logged_in, in_tenant):
    agency = make_account()
    verified(app, agency)
    letter_id = make_letter(app, agency)
    client = logged_in(agency)
    upload(client, letter_id, PDF_BYTES, "bon.pdf")

    response = upload(client, letter_id, b"just some text", "notes.txt")
    assert response.status_code == 422
    page = text_of(response)
    assert 'id="file-error"' in page
    assert "n'est pas un PDF, une image JPEG ou PNG lisible" in page

    response = upload(client, letter_id, image_carrying(EICAR), "virus.png")
    assert response.status_code == 422
    assert "contient un virus" in text_of(response)
    assert letter_state(in_tenant, letter_id)["scan"] == "bon.pdf"


def test_without_a_mandate_needs_the_box(app, make_account, logged_in, in_tenant, post_form):
    agency = make_account()
    verified(app, agency)
    letter_id = make_letter(app, agency)
    client = logged_in(agency)
    page = text_of(client.get(url(letter_id, "/mandat/sans")))
    assert "Êtes-vous sûr de vouloir envoyer cette lettre sans joindre de mandat" in page
    assert "Je comprends et j'accepte la remarque ci-dessus" in page

    response = post_form(client, url(letter_id, "/mandat/sans"), {})
    assert response.status_code == 422
    assert "Cochez la case pour continuer sans joindre le mandat." in text_of(response)
    assert not letter_state(in_tenant, letter_id)["ready"]

    response = post_form(client, url(letter_id, "/mandat/sans"), {"accept": "y"})
    assert response.status_code == 302
    state = letter_state(in_tenant, letter_id)
    assert state["kind"] == MandateKind.NONE and state["ready"] and state["missing"] == []
    panel = text_of(client.get(url(letter_id, "/mandat")))
    assert "ne pas joindre le mandat ne signifie pas qu'il ne faut pas le faire signer" in panel


def test_without_a_verified_orias_certificate_the_panel_explains(
    app, make_account, logged_in, in_tenant, post_form
):
    agency = make_account()
    letter_id = make_letter(app, agency)
    client = logged_in(agency)
    page = text_of(client.get(url(letter_id, "/mandat")))
    assert "attestation ORIAS en cours de validité" in page
    assert "Générer et joindre un mandat" not in page
    assert "Imprimer un mandat pré-rempli" in page
    response = post_form(client, url(letter_id, "/mandat/sans"), {"accept": "y"})
    assert response.status_code == 302
    state = letter_state(in_tenant, letter_id)
    assert not state["ready"]
    assert state["missing"] == [
        "Déposez votre attestation ORIAS en cours de validité pour joindre ou non le mandat de "
        "résiliation."
    ]


def test_another_accounts_letter_and_scan_are_404(app, make_account, logged_in, in_tenant):
    owner = make_account()
    verified(app, owner)
    letter_id = make_letter(app, owner)
    upload(logged_in(owner), letter_id, PDF_BYTES, "mandat.pdf")
    other = logged_in(make_account(email="autre.agence@example.fr"))
    for tail in (
        "/mandat",
        "/mandat-prerempli.pdf",
        "/mandat/manuscrit",
        "/mandat/manuscrit/fichier",
        "/mandat/manuscrit/page-1.png",
        "/mandat/electronique",
        "/mandat/sans",
    ):
        assert other.get(url(letter_id, tail)).status_code == 404, tail
    assert other.post(url(letter_id, "/emetteur"), data={"sender": "platform"}).status_code in (
        400,
        404,
    )
