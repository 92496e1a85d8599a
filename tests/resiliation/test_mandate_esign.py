"""The mandate signed electronically: the core procedure started with the subscriber(s), the
deadline, remote or in person; the outcome (signed, declined, expired) makes the letter's mandate
ready or not; « Relancer » / « Recommencer »."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from letterkit import make_letter, verified
from mandatekit import MOBILE, PARIS, letter_state, procedure_of, sign_all, start, text_of, url
from sqlalchemy import select
from webkit import png_bytes

from plugins.resiliation.mandates.models import LetterMandate
from plugins.resiliation.models import Letter, MandateKind
from portal.core import clock
from portal.core.jobs import drain
from portal.core.signatures import operations as signatures
from portal.core.signatures.models import SignatureProcedure
from portal.extensions import db


def test_remote_esignature_is_started_then_signed(
    app, make_account, logged_in, in_tenant, post_form
):
    agency = make_account()
    verified(app, agency)
    letter_id = make_letter(
        app, agency, co_civility="Mme", co_last_name="Durand", co_first_name="Marie"
    )
    client = logged_in(agency)
    page = text_of(client.get(url(letter_id, "/mandat/signature")))
    assert "Comment signe votre client ?" in page
    assert "Mon client signe de manière électronique (+1,13 €)" in page.replace("\xa0", " ")

    form = text_of(client.get(url(letter_id, "/mandat/electronique")))
    assert 'value="jean.dupont@example.org"' in form
    assert "Je certifie avoir fourni les informations de mon souscripteur" in form

    # The co-subscriber's details and the box are required, next to their fields.
    response = start(client, post_form, letter_id, certify="")
    assert response.status_code == 422
    page = text_of(response)
    assert "Indiquez l'adresse mail du co-souscripteur." in page
    assert "Cochez la case pour certifier ces informations." in page
    assert 'value="jean.dupont@example.org"' in page  # nothing typed is lost

    response = start(
        client, post_form, letter_id, co_email="marie.durand@example.org", co_mobile="0698765432"
    )
    assert response.status_code == 302
    proc = procedure_of(in_tenant, letter_id)
    assert proc["owner"] == "resiliation" and proc["state"] == "ongoing"
    assert proc["delivery"] == "remote" and proc["charged"] is None
    assert proc["signers"] == [
        ("Jean", "Dupont", "jean.dupont@example.org", "+33612345678"),
        ("Marie", "Durand", "marie.durand@example.org", "+33698765432"),
    ]
    # No send date yet: 14 days from today at 20:00, Paris time.
    today = clock.now().astimezone(PARIS).date()
    assert proc["deadline"] == datetime.combine(
        today + timedelta(days=14), datetime.min.time()
    ).replace(hour=20, tzinfo=PARIS)
    state = letter_state(in_tenant, letter_id)
    # Chosen and under way: settled for finalising, in hand once signed.
    assert state["kind"] == MandateKind.ELECTRONIC and not state["ready"]
    assert state["missing"] == []
    panel = text_of(client.get(url(letter_id, "/mandat")))
    assert "Signature électronique en cours." in panel
    assert "Relancer Jean Dupont" in panel

    sign_all(app, in_tenant, agency.tenant_id, proc["reference"])
    state = letter_state(in_tenant, letter_id)
    assert state["kind"] == MandateKind.ELECTRONIC and state["ready"] and state["missing"] == []
    with in_tenant("resilimo"):
        row = db.session.scalar(select(LetterMandate).where(LetterMandate.letter_id == letter_id))
        assert row.signed_evidence_id is not None
    panel = text_of(client.get(url(letter_id, "/mandat")))
    assert "Mandat signé électroniquement le" in panel
    assert (
        client.get(f"/signatures/{proc['reference']}/documents/1/signed").mimetype
        == "application/pdf"
    )

    # The outcome delivered again changes nothing (idempotent).
    from plugins.resiliation.mandates import outcomes

    with in_tenant("resilimo"):
        procedure = db.session.get(SignatureProcedure, proc["id"])
        outcomes.signature_outcome(None, procedure, "signed")
        letter = db.session.get(Letter, letter_id)
        assert letter.mandate_kind == MandateKind.ELECTRONIC


def test_deadline_is_the_send_day_at_the_cutoff_and_in_person_goes_to_the_agent_page(
    app, make_account, logged_in, in_tenant, post_form
):
    agency = make_account()
    verified(app, agency)
    send = clock.now().astimezone(PARIS).date() + timedelta(days=3)
    letter_id = make_letter(app, agency, send_date=send)
    client = logged_in(agency)
    response = start(client, post_form, letter_id, delivery="in_person")
    assert response.status_code == 302
    proc = procedure_of(in_tenant, letter_id)
    assert response.headers["Location"].endswith(f"/signatures/{proc['reference']}")
    assert proc["delivery"] == "in_person"
    assert proc["deadline"] == datetime(send.year, send.month, send.day, 20, 0, tzinfo=PARIS)
    assert f"le {send.strftime('%d/%m/%Y')}" in proc["success"]
    assert "MAAF Assurances" in proc["success"]
    assert "Démarrer la procédure avec mon client" in text_of(client.get(url(letter_id, "/mandat")))


def test_a_send_day_already_past_its_cutoff_is_refused_on_the_page(
    app, make_account, logged_in, in_tenant, post_form
):
    agency = make_account()
    verified(app, agency)
    letter_id = make_letter(app, agency, send_date=date(2020, 1, 2))
    client = logged_in(agency)
    response = start(client, post_form, letter_id)
    assert response.status_code == 422
    assert "La date limite de signature est déjà passée." in text_of(response)
    with in_tenant("resilimo"):
        assert db.session.scalar(select(LetterMandate.procedure_id)) is None


def test_declined_then_restarted_then_expired(app, make_account, logged_in, in_tenant, post_form):
    agency = make_account()
    verified(app, agency)
    letter_id = make_letter(app, agency)
    client = logged_in(agency)
    start(client, post_form, letter_id)
    first = procedure_of(in_tenant, letter_id)
    with in_tenant("resilimo"):
        procedure = db.session.get(SignatureProcedure, first["id"])
        signatures.decline(procedure.signers[0], "Je garde mon contrat", ip=None, user_agent=None)
        db.session.commit()
    drain(app)
    state = letter_state(in_tenant, letter_id)
    assert state["kind"] == MandateKind.UNDECIDED and not state["ready"]
    assert state["missing"] == [
        "Votre client n'a pas signé le mandat : recommencez la signature électronique ou "
        "choisissez un autre mandat."
    ]
    panel = text_of(client.get(url(letter_id, "/mandat")))
    assert "Votre client a refusé de signer le mandat." in panel
    assert "Recommencer la signature électronique" in panel

    start(client, post_form, letter_id)
    second = procedure_of(in_tenant, letter_id)
    assert second["id"] != first["id"] and second["state"] == "ongoing"
    # A new start cancels the one still open.
    start(client, post_form, letter_id)
    third = procedure_of(in_tenant, letter_id)
    with in_tenant("resilimo"):
        assert str(db.session.get(SignatureProcedure, second["id"]).state) == "cancelled"
        procedure = db.session.get(SignatureProcedure, third["id"])
        procedure.deadline = clock.now() - timedelta(minutes=1)
        signatures.expire_procedure(procedure)
        db.session.commit()
    drain(app)
    assert not letter_state(in_tenant, letter_id)["ready"]
    panel = text_of(client.get(url(letter_id, "/mandat")))
    assert "La date limite de signature est passée" in panel


def test_own_mandate_signed_electronically(app, make_account, logged_in, in_tenant, post_form):
    import io

    from webkit import PDF_BYTES

    from portal.core.storage import storage
    from portal.testing.web import csrf_token

    agency = make_account()
    verified(app, agency)
    letter_id = make_letter(app, agency)
    client = logged_in(agency)
    response = post_form(client, url(letter_id, "/mandat"), {"source": "own"})
    assert response.headers["Location"].endswith(url(letter_id, "/mandat/signature"))
    assert "Mandat choisi : votre propre mandat." in text_of(
        client.get(response.headers["Location"])
    )

    page = client.get(url(letter_id, "/mandat/electronique"))
    assert "Mandat à faire signer (PDF)" in text_of(page)
    fields = {
        "csrf_token": csrf_token(page.get_data(as_text=True)),
        "email": "jean.dupont@example.org",
        "mobile": MOBILE,
        "delivery": "remote",
        "certify": "y",
    }
    # Without the file: refused next to its field, nothing started.
    response = client.post(url(letter_id, "/mandat/electronique"), data=fields)
    assert response.status_code == 422
    assert "Ajoutez le mandat à faire signer (un PDF)." in text_of(response)
    # An image is not a mandate to sign electronically.
    response = client.post(
        url(letter_id, "/mandat/electronique"),
        data={**fields, "own_file": (io.BytesIO(png_bytes()), "mandat.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "doit être un PDF" in text_of(response)

    response = client.post(
        url(letter_id, "/mandat/electronique"),
        data={**fields, "own_file": (io.BytesIO(PDF_BYTES), "mon mandat.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    proc = procedure_of(in_tenant, letter_id)
    with in_tenant("resilimo"):
        document = db.session.get(SignatureProcedure, proc["id"]).documents[0]
        assert storage().read(document.storage_key) == PDF_BYTES


def test_the_platform_mandate_is_signed_without_the_agencys_orias(
    app, make_account, logged_in, in_tenant, post_form
):
    from pypdf import PdfReader

    agency = make_account()  # no verified ORIAS certificate: the platform sends
    letter_id = make_letter(app, agency)
    client = logged_in(agency)
    post_form(
        client, url(letter_id, "/mandat"), {"sender": "platform"}, url(letter_id, "/emetteur")
    )
    assert start(client, post_form, letter_id).status_code == 302
    proc = procedure_of(in_tenant, letter_id)
    with in_tenant("resilimo"):
        from portal.core.storage import storage

        document = db.session.get(SignatureProcedure, proc["id"]).documents[0]
        data = storage().read(document.storage_key)
    import io

    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages).split())
    assert "donne mandat à Résilimo SAS" in text
    assert "signé électroniquement par Monsieur Jean Dupont" in text
    assert letter_state(in_tenant, letter_id)["missing"] == []
