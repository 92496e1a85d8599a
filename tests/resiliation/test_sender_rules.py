"""The sender of a letter: the agency by default, the platform where the tenant allows it and
the letter's types and reason do (never loi Hamon on car / tenant home, nor RIA on health);
switching resets a mandate made for the other mandatary; the platform's mandate is e-signed only."""

from __future__ import annotations

import io

from letterkit import make_letter, verified
from mandatekit import letter_state, text_of, upload, url
from pypdf import PdfReader
from sqlalchemy import select
from webkit import PDF_BYTES

from plugins.resiliation.mandates import readiness
from plugins.resiliation.mandates.models import LetterMandate
from plugins.resiliation.models import Letter, MandateKind
from plugins.resiliation.rules import ContractType, Reason, Sender
from portal.core.signatures.models import SignatureProcedure
from portal.extensions import db

SWITCH = "Passer au mode d'envoi au nom de Résilimo"


def sender_of(in_tenant, letter_id) -> Sender:
    with in_tenant("resilimo"):
        return db.session.get(Letter, letter_id).sender


def switch(client, post_form, letter_id, sender):
    return post_form(
        client, url(letter_id, "/mandat"), {"sender": sender}, url(letter_id, "/emetteur")
    )


def test_the_agency_sends_by_default_and_may_switch_to_the_platform(
    app, make_account, logged_in, in_tenant, post_form
):
    agency = make_account()
    letter_id = make_letter(app, agency)
    client = logged_in(agency)
    page = text_of(client.get(url(letter_id, "/mandat")))
    assert "Émetteur du courrier : Vous (Agence Fournier Assurances)" in page
    assert "envoi le jour même jusqu'à 20h00" in page
    assert SWITCH in page

    response = switch(client, post_form, letter_id, "platform")
    assert response.status_code == 302
    assert sender_of(in_tenant, letter_id) == Sender.PLATFORM
    page = text_of(client.get(response.headers["Location"]))
    assert "La lettre sera envoyée au nom de Résilimo." in page
    assert "Émetteur du courrier : Résilimo" in page
    assert (
        "le mandat est obligatoire et sa signature se fait uniquement de manière électronique"
        in page
    )
    assert "Faire signer le mandat électroniquement" in page
    assert "Générer et joindre un mandat" not in page
    with in_tenant("resilimo"):
        assert readiness(db.session.get(Letter, letter_id)) == [
            "Faites signer électroniquement le mandat de résiliation au nom de Résilimo par "
            "votre client."
        ]
    # The platform's mandate names the platform's legal entity.
    pdf = client.get(url(letter_id, "/mandat-prerempli.pdf"))
    text = " ".join(
        " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages).split()
    )
    assert "donne mandat à Résilimo SAS" in text
    assert "Agence Fournier Assurances" not in text

    # Hand-signed or « sans mandat » are refused for the platform.
    response = post_form(client, url(letter_id, "/mandat/sans"), {"accept": "y"})
    assert "signé électroniquement uniquement" in text_of(client.get(response.headers["Location"]))
    assert not letter_state(in_tenant, letter_id)["ready"]

    response = switch(client, post_form, letter_id, "agency")
    assert sender_of(in_tenant, letter_id) == Sender.AGENCY


def test_switching_to_the_platform_resets_a_hand_signed_mandate(
    app, make_account, logged_in, in_tenant, post_form
):
    agency = make_account()
    verified(app, agency)
    letter_id = make_letter(app, agency)
    client = logged_in(agency)
    upload(client, letter_id, PDF_BYTES, "mandat.pdf")
    from portal.testing.web import csrf_token

    page = client.get(url(letter_id, "/mandat/manuscrit")).get_data(as_text=True)
    client.post(url(letter_id, "/mandat/manuscrit/valider"), data={"csrf_token": csrf_token(page)})
    assert letter_state(in_tenant, letter_id)["kind"] == MandateKind.HAND_SIGNED

    response = switch(client, post_form, letter_id, "platform")
    page = text_of(client.get(response.headers["Location"]))
    assert "Le mandat choisi ne vaut pas pour un envoi au nom de Résilimo" in page
    state = letter_state(in_tenant, letter_id)
    assert state["kind"] == MandateKind.UNDECIDED and not state["ready"] and state["scan"] is None


def test_switching_cancels_an_open_esignature(app, make_account, logged_in, in_tenant, post_form):
    agency = make_account()
    verified(app, agency)
    letter_id = make_letter(app, agency)
    client = logged_in(agency)
    response = post_form(
        client,
        url(letter_id, "/mandat/electronique"),
        {
            "email": "jean.dupont@example.org",
            "mobile": "0612345678",
            "delivery": "remote",
            "certify": "y",
        },
    )
    assert response.status_code == 302
    with in_tenant("resilimo"):
        procedure_id = db.session.scalar(select(LetterMandate.procedure_id))
    switch(client, post_form, letter_id, "platform")
    with in_tenant("resilimo"):
        assert str(db.session.get(SignatureProcedure, procedure_id).state) == "cancelled"
        assert db.session.scalar(select(LetterMandate.procedure_id)) is None


def _refused(app, agency, logged_in, in_tenant, post_form, contracts, reason, expected):
    name = f"Dupont {contracts[0]['contract_type']}"
    letter_id = make_letter(app, agency, contracts=contracts, reason=reason, last_name=name)
    client = logged_in(agency)
    page = text_of(client.get(url(letter_id, "/mandat")))
    assert SWITCH not in page
    assert expected in page
    response = switch(client, post_form, letter_id, "platform")
    assert expected in text_of(client.get(response.headers["Location"]))
    assert sender_of(in_tenant, letter_id) == Sender.AGENCY


def test_the_platform_is_refused_for_hamon_car_and_tenant_home(
    app, make_account, logged_in, in_tenant, post_form
):
    agency = make_account()
    for kind in (ContractType.AUTO, ContractType.HOME_TENANT):
        _refused(
            app,
            agency,
            logged_in,
            in_tenant,
            post_form,
            [{"contract_type": kind, "reference": "C-1", "new_insurer": "AXA"}],
            Reason.HAMON,
            "n'est pas possible pour une résiliation en loi Hamon d'un contrat automobile",
        )


def test_the_platform_is_refused_for_ria_on_health(
    app, make_account, logged_in, in_tenant, post_form
):
    _refused(
        app,
        make_account(),
        logged_in,
        in_tenant,
        post_form,
        [{"contract_type": ContractType.HEALTH, "reference": "S-1", "new_insurer": "Harmonie"}],
        Reason.RIA,
        "résiliation infra-annuelle d'une complémentaire santé",
    )


def test_a_tenant_may_switch_the_platform_sender_off(
    app, make_account, logged_in, in_tenant, post_form, monkeypatch
):
    agency = make_account()
    letter_id = make_letter(app, agency)
    with app.app_context():
        tenant = app.extensions["portal.tenants"].get(agency.tenant_id)
        settings = tenant.settings_for("resiliation")
        monkeypatch.setitem(
            tenant.plugin_settings,
            "resiliation",
            settings.model_copy(update={"allow_platform_sender": False}),
        )
    client = logged_in(agency)
    page = text_of(client.get(url(letter_id, "/mandat")))
    assert SWITCH not in page
    response = switch(client, post_form, letter_id, "platform")
    assert "L'envoi au nom de Résilimo n'est pas proposé." in text_of(
        client.get(response.headers["Location"])
    )
    assert sender_of(in_tenant, letter_id) == Sender.AGENCY


def test_a_validated_letter_keeps_its_sender_and_mandate(
    app, make_account, logged_in, in_tenant, post_form
):
    agency = make_account()
    verified(app, agency)
    letter_id = make_letter(app, agency, state="scheduled")
    client = logged_in(agency)
    response = switch(client, post_form, letter_id, "platform")
    assert "son mandat ne peut plus changer" in text_of(client.get(response.headers["Location"]))
    assert sender_of(in_tenant, letter_id) == Sender.AGENCY
    response = post_form(
        client, url(letter_id, "/mandat"), {"accept": "y"}, url(letter_id, "/mandat/sans")
    )
    assert response.status_code == 302
    assert not letter_state(in_tenant, letter_id)["ready"]
