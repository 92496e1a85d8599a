"""The signer's pages, without login and without JavaScript: who asks to sign what and until
when, each document read page by page with its boxes, the SMS code and its errors next to the
field, the refusal, and links that no longer work (unknown, another tenant's, expired,
cancelled, not one's turn yet)."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from PIL import Image
from signerkit import (
    BOX_COPY,
    BOX_READ,
    SECOND_SIGNER,
    SIGNER,
    SUCCESS,
    in_procedure,
    move_deadline,
    procedure_of,
    sms_code,
    sms_count,
    start_procedure,
    token_of,
)
from sqlalchemy import update
from webkit import png_bytes
from webkit import text_of as page_text

from portal.core import clock
from portal.core.storage import storage
from portal.core.tenants import tenant_scope
from portal.extensions import db


@pytest.fixture
def agency(make_account):
    return make_account("resilimo", "agence.signature@example.fr")


@pytest.fixture
def started(app, agency):
    """A started procedure (a mandate of 2 pages to sign, conditions to read) and its link."""
    reference = start_procedure(app, agency)
    return reference, token_of(app, agency.tenant_id, reference)


def text_of(response) -> str:
    """The page's text as read: entities decoded, no-break spaces as spaces."""
    return page_text(response).replace("\u00a0", " ").replace("\u202f", " ")


def _url(token: str, tail: str = "") -> str:
    return f"/signature/{token}{tail}"


def _error(page: str, field_id: str) -> str:
    """The error shown next to the field ``field_id`` (macros/forms.html), or ""."""
    match = re.search(rf'<p class="error" id="{field_id}-error">(.*?)</p>', page, re.S)
    return match.group(1).strip() if match else ""


def _accept_everything(client, post_form, token):
    page = text_of(client.get(_url(token, "/documents/1")))
    box = re.search(r'name="(box_\d+)"', page).group(1)  # the first box: the required one
    response = post_form(client, _url(token, "/documents/1"), {box: "y"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    response = post_form(client, response.headers["Location"], {})
    assert response.headers["Location"].endswith(_url(token, "/sign"))


def _box_ids(app, agency, reference) -> list[int]:
    with app.app_context(), tenant_scope(agency.tenant_id):
        document = procedure_of(reference).documents[0]
        return [box.id for box in document.acceptance_boxes]


# --- the pages render, on the tenant's brand, out of caches and referrers --------------------


def test_home_says_who_asks_what_until_when(app, agency, started, client_for):
    reference, token = started
    client = client_for("resilimo")
    response = client.get(_url(token))
    assert response.status_code == 200
    page = text_of(response)
    assert "Résiliation du contrat auto n° 1234567890" in page
    assert "Agence Fournier Assurances vous invite à signer électroniquement 1 document." in page
    with app.app_context(), tenant_scope(agency.tenant_id):
        deadline = procedure_of(reference).deadline
    local = deadline.astimezone(ZoneInfo("Europe/Paris"))
    assert f"avant le {local:%d/%m/%Y} à {local:%H}h{local:%M}" in page
    assert "Recevez un code par SMS au +33 6 •• •• •• 78" in page
    assert "Mandat de résiliation" in page and "Conditions générales" in page
    assert "À lire et accepter" in page
    assert f'href="/signature/{token}/documents/1">Commencer' in page.replace("\n", "")
    assert "Refuser de signer" in page
    # The signer's pages: the tenant's brand, no agents' menu, nothing indexed, no referrer.
    assert "Résilimo" in page
    assert 'class="main-menu"' not in page
    assert '<meta name="robots" content="noindex, nofollow">' in page
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"


def test_the_first_visit_is_recorded_once(app, agency, started, client_for):
    reference, token = started
    client = client_for("resilimo")
    client.get(_url(token))
    client.get(_url(token))
    with app.app_context(), tenant_scope(agency.tenant_id):
        procedure = procedure_of(reference)
        assert [event.kind for event in procedure.events].count("opened") == 1
        assert procedure.signers[0].state.value == "opened"


def test_a_document_is_read_page_by_page_as_images(app, agency, started, client_for):
    _reference, token = started
    client = client_for("resilimo")
    page = text_of(client.get(_url(token, "/documents/1")))
    assert "Document 1 sur 2" in page
    images = re.findall(r"<img [^>]*>", page.split('class="sig-pages"')[1])
    assert len(images) == 2
    assert 'alt="Page 1 sur 2"' in images[0] and "loading" not in images[0]
    assert 'alt="Page 2 sur 2"' in images[1] and 'loading="lazy"' in images[1]
    assert f'href="/signature/{token}/documents/1/file"' in page
    assert "(obligatoire)" in page and "(facultatif)" in page
    assert BOX_READ in page and BOX_COPY in page

    image = client.get(_url(token, "/documents/1/pages/2.png"))
    assert image.status_code == 200 and image.mimetype == "image/png"
    assert Image.open(io.BytesIO(image.data)).width == 1000
    assert "private" in image.headers["Cache-Control"]
    assert "max-age" in image.headers["Cache-Control"]
    again = client.get(_url(token, "/documents/1/pages/2.png"))  # drawn once, kept in memory
    assert again.data == image.data
    assert client.get(_url(token, "/documents/1/pages/3.png")).status_code == 404
    assert client.get(_url(token, "/documents/3")).status_code == 404

    pdf = client.get(_url(token, "/documents/1/file"))
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF-")
    assert "mandat-resiliation.pdf" in pdf.headers["Content-Disposition"]


def test_boxes_without_javascript(app, agency, started, client_for, post_form):
    reference, token = started
    client = client_for("resilimo")
    # The required box left unticked: said next to it, nothing recorded.
    response = post_form(client, _url(token, "/documents/1"), {})
    assert response.status_code == 200
    page = text_of(response)
    read_box, copy_box = _box_ids(app, agency, reference)
    assert _error(page, f"box_{read_box}") == "Cochez cette case pour continuer."
    assert _error(page, f"box_{copy_box}") == ""
    assert 'aria-invalid="true"' in page
    # Said at the top too, where the page opens after the post, with a way down to the boxes.
    assert '<a href="#acceptance">Aller aux cases à cocher</a>' in page
    # Ticked: on to the document to read, which only asks to say it was read.
    response = post_form(client, _url(token, "/documents/1"), {f"box_{read_box}": "y"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(_url(token, "/documents/2"))
    page = text_of(client.get(_url(token, "/documents/2")))
    assert "J'ai lu ce document" in page and "Document 2 sur 2" in page
    assert 'type="checkbox"' not in page
    response = post_form(client, _url(token, "/documents/2"), {})
    assert response.headers["Location"].endswith(_url(token, "/sign"))
    # The home page shows both documents done, the optional box left as it was.
    page = text_of(client.get(_url(token)))
    assert "Lu, cases acceptées ✓" in page and "Lu ✓" in page
    assert "Passer à la signature" in page
    with app.app_context(), tenant_scope(agency.tenant_id):
        assert procedure_of(reference).signers[0].accepted_box_ids == [read_box]
    # Back on the document, the ticked box stays ticked.
    page = text_of(client.get(_url(token, "/documents/1")))
    assert re.search(rf'id="box_{read_box}"[^>]*checked|checked[^>]*id="box_{read_box}"', page)


def test_the_sign_page_lists_what_is_missing_with_links(started, client_for):
    _reference, token = started
    client = client_for("resilimo")
    page = text_of(client.get(_url(token, "/sign")))
    assert "Avant de signer, il vous reste à :" in page
    assert "Cochez les cases obligatoires du document « Mandat de résiliation »." in page
    assert f'href="/signature/{token}/documents/1">Lire « Mandat de résiliation »' in page
    assert "Recevoir le code par SMS" not in page


def test_the_code_by_sms_and_its_errors_next_to_the_field(
    app, agency, started, client_for, post_form
):
    reference, token = started
    client = client_for("resilimo")
    _accept_everything(client, post_form, token)
    page = text_of(client.get(_url(token, "/sign")))
    assert "Vous vous apprêtez à signer :" in page and BOX_READ in page
    assert "Recevoir le code par SMS" in page
    assert 'name="sign-code"' not in page  # no code field before a code was sent

    response = post_form(client, _url(token, "/sign"), {"send-submit": "1"})
    assert response.status_code == 302
    page = text_of(client.get(response.headers["Location"]))
    assert "Un code a été envoyé au +33 6 •• •• •• 78." in page
    field = re.search(r'<input [^>]*name="sign-code"[^>]*>', page).group(0)
    assert 'inputmode="numeric"' in field and 'autocomplete="one-time-code"' in field
    assert '<label for="sign-code">Code reçu par SMS</label>' in page
    assert "Renvoyer le code" in page
    assert sms_count(app, agency.tenant_id) == 1
    code = sms_code(app, agency.tenant_id)

    # Asking again at once: how long to wait, and no second SMS.
    response = post_form(client, _url(token, "/sign"), {"send-submit": "1"})
    page = text_of(response)
    assert re.search(r"Attendez \d+ secondes avant d'en demander un autre", page)
    assert sms_count(app, agency.tenant_id) == 1

    # Not six digits; then a wrong code, with the tries left.
    page = text_of(post_form(client, _url(token, "/sign"), {"sign-code": "12"}))
    assert _error(page, "sign-code") == "Le code contient 6 chiffres."
    wrong = "000000" if code != "000000" else "111111"
    page = text_of(post_form(client, _url(token, "/sign"), {"sign-code": wrong}))
    assert _error(page, "sign-code") == "Ce code n'est pas le bon. Il vous reste 4 essais."


def test_an_expired_code_and_too_many_tries(app, agency, started, client_for, post_form):
    reference, token = started
    client = client_for("resilimo")
    _accept_everything(client, post_form, token)
    post_form(client, _url(token, "/sign"), {"send-submit": "1"})
    code = sms_code(app, agency.tenant_id)
    wrong = "000000" if code != "000000" else "111111"
    with app.app_context(), tenant_scope(agency.tenant_id):
        signer_id = procedure_of(reference).signers[0].id
    from portal.core.signatures.models import ProcedureSigner

    def age_code(seconds: int) -> None:
        with app.app_context(), tenant_scope(agency.tenant_id):
            db.session.execute(
                update(ProcedureSigner)
                .where(ProcedureSigner.id == signer_id)
                .values(otp_expires_at=clock.now() + timedelta(seconds=seconds))
            )
            db.session.commit()

    # Expired while the page was open: said next to the field.
    age_code(-1)
    page = text_of(post_form(client, _url(token, "/sign"), {"sign-code": code}))
    assert _error(page, "sign-code") == "Ce code a expiré. Demandez un nouveau code."
    age_code(600)
    for left in (4, 3, 2, 1):
        page = text_of(post_form(client, _url(token, "/sign"), {"sign-code": wrong}))
        expected = "essais" if left > 1 else "essai"
        assert _error(page, "sign-code") == (
            f"Ce code n'est pas le bon. Il vous reste {left} {expected}."
        )
    page = text_of(post_form(client, _url(token, "/sign"), {"sign-code": wrong}))
    assert _error(page, "sign-code").startswith("Trop d'essais avec ce code")
    # The right code no longer works: a new one must be asked for.
    page = text_of(client.get(_url(token, "/sign")))
    assert "Recevoir le code par SMS" in page
    with app.app_context(), tenant_scope(agency.tenant_id):
        assert procedure_of(reference).signers[0].state.value != "signed"


def test_identity_document_upload(app, agency, client_for, csrf_token):
    reference = start_procedure(app, agency, require_identity_document=True)
    token = token_of(app, agency.tenant_id, reference)
    client = client_for("resilimo")
    page = text_of(client.get(_url(token)))
    assert "Votre pièce d'identité" in page
    assert "PDF, JPEG ou PNG, 10 Mo au maximum." in page
    assert ">Commencer<" not in page
    assert re.search(r'aria-current="step"[^>]*>Pièce d\'identité<', page)

    def upload(data: bytes, name: str):
        return client.post(
            _url(token),
            data={"csrf_token": csrf_token(page), "file": (io.BytesIO(data), name)},
            content_type="multipart/form-data",
        )

    response = upload(b"not an identity document", "carte.txt")
    assert response.status_code == 200
    assert _error(text_of(response), "file")  # refused, said next to the field
    response = upload(b"", "")
    assert _error(text_of(response), "file") == "Choisissez le fichier de votre pièce d'identité."

    response = upload(png_bytes(), "carte-identite.png")
    assert response.status_code == 302
    page = text_of(client.get(_url(token)))
    assert "Votre pièce d'identité est enregistrée." in page
    assert "Reçue ✓" in page and ">Commencer<" in page
    with app.app_context(), tenant_scope(agency.tenant_id):
        assert procedure_of(reference).signers[0].identity_document_key


def test_decline_with_a_reason(app, agency, started, client_for, post_form):
    reference, token = started
    client = client_for("resilimo")
    page = text_of(client.get(_url(token, "/decline")))
    assert "la procédure de signature prend fin" in page
    assert "nous transmettrons à Agence Fournier Assurances la raison" in page

    page = text_of(post_form(client, _url(token, "/decline"), {}))
    assert _error(page, "reason") == "Indiquez la raison de votre refus."
    assert _error(page, "confirm") == "Cochez la case pour confirmer votre refus."
    page = text_of(
        post_form(client, _url(token, "/decline"), {"reason": "x" * 1001, "confirm": "y"})
    )
    assert _error(page, "reason") == "1 000 caractères au maximum."
    with app.app_context(), tenant_scope(agency.tenant_id):
        assert procedure_of(reference).state.value == "ongoing"

    reason = "Je ne souhaite plus résilier ce contrat."
    response = post_form(client, _url(token, "/decline"), {"reason": reason, "confirm": "y"})
    assert response.headers["Location"].endswith(_url(token, "/done"))
    page = text_of(client.get(_url(token, "/done")))
    assert "Votre refus est enregistré" in page
    assert reason in page
    assert "Nous en informons Agence Fournier Assurances." in page
    with app.app_context(), tenant_scope(agency.tenant_id):
        procedure = procedure_of(reference)
        assert procedure.state.value == "declined"
        assert procedure.signers[0].decline_reason == reason
    # The link now leads to the refusal page only.
    for tail in ("", "/documents/1", "/sign", "/decline"):
        response = client.get(_url(token, tail))
        assert response.status_code == 302
        assert response.headers["Location"].endswith(_url(token, "/done"))
    response = client.get(_url(token, "/documents/1/file"))
    assert response.status_code == 302 and response.headers["Location"].endswith("/done")


# --- links that no longer work -------------------------------------------------------------------


def test_an_unknown_link_is_404_with_a_plain_explanation(client_for):
    response = client_for("resilimo").get("/signature/" + "A" * 43)
    assert response.status_code == 404
    page = text_of(response)
    assert "Ce lien de signature n'est plus valide" in page
    assert "remplacé par un lien plus récent" in page
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_a_link_opens_only_on_its_own_tenant(started, client_for):
    _reference, token = started
    for slug in ("msr", "horizon"):
        client = client_for(slug)
        for tail in ("", "/documents/1", "/documents/1/pages/1.png", "/sign", "/done"):
            assert client.get(_url(token, tail)).status_code == 404, (slug, tail)
    assert client_for("resilimo").get(_url(token)).status_code == 200


def test_a_cancelled_procedure_closes_its_link(app, agency, started, client_for):
    from portal.core.signatures import operations

    reference, token = started
    in_procedure(
        app,
        agency.tenant_id,
        reference,
        lambda procedure: operations.cancel_procedure(procedure, reason="Client parti"),
    )
    client = client_for("resilimo")
    for tail in ("", "/documents/1", "/documents/1/pages/1.png", "/sign", "/decline", "/done"):
        response = client.get(_url(token, tail))
        assert response.status_code == 410, tail
    page = text_of(client.get(_url(token)))
    assert "Ce lien de signature n'est plus valide" in page
    assert "a annulé cette procédure" in page
    assert "Client parti" not in page and "Mandat de résiliation" not in page


def test_a_link_past_its_deadline_is_410(app, agency, started, client_for):
    from portal.core.signatures import operations

    reference, token = started
    move_deadline(app, agency.tenant_id, reference, -1)
    client = client_for("resilimo")
    # Past the deadline, before the periodic job has marked the procedure expired…
    response = client.get(_url(token))
    assert response.status_code == 410
    assert "La date limite de signature" in text_of(response)
    assert "est dépassée" in text_of(response)
    # …and after.
    in_procedure(app, agency.tenant_id, reference, operations.expire_procedure)
    with app.app_context(), tenant_scope(agency.tenant_id):
        assert procedure_of(reference).state.value == "expired"
    for tail in ("", "/sign", "/documents/1/pages/1.png", "/done"):
        assert client.get(_url(token, tail)).status_code == 410, tail


def test_in_order_the_second_signer_waits_for_the_first(app, agency, client_for):
    reference = start_procedure(app, agency, signers=(SIGNER, SECOND_SIGNER), ordered=True)
    client = client_for("resilimo")
    second = token_of(app, agency.tenant_id, reference, position=2)
    response = client.get(_url(second))
    assert response.status_code == 409
    assert "Ce n'est pas encore à vous de signer" in text_of(response)
    first = token_of(app, agency.tenant_id, reference, position=1)
    assert client.get(_url(first)).status_code == 200


def test_a_renewed_link_replaces_the_old_one(app, agency, started, client_for):
    from portal.core.signatures import operations

    reference, old = started
    in_procedure(
        app,
        agency.tenant_id,
        reference,
        lambda procedure: operations.renew_link(procedure.signers[0]),
    )
    client = client_for("resilimo")
    assert client.get(_url(old)).status_code == 404
    new = token_of(app, agency.tenant_id, reference)
    assert client.get(_url(new)).status_code == 200


def test_the_success_page_after_signing(app, agency, started, client_for, post_form):
    reference, token = started
    client = client_for("resilimo")
    _accept_everything(client, post_form, token)
    post_form(client, _url(token, "/sign"), {"send-submit": "1"})
    response = post_form(
        client, _url(token, "/sign"), {"sign-code": sms_code(app, agency.tenant_id)}
    )
    assert response.headers["Location"].endswith(_url(token, "/done"))
    page = text_of(client.get(_url(token, "/done")))
    assert "Votre signature est enregistrée" in page
    assert SUCCESS in page
    assert "Nous prévenons Agence Fournier Assurances que les documents sont signés." in page
    assert f'href="/signature/{token}/documents/1/file"' in page
    copy = client.get(_url(token, "/documents/1/file"))
    assert copy.status_code == 200 and copy.data.startswith(b"%PDF-")
    with app.app_context(), tenant_scope(agency.tenant_id):
        procedure = procedure_of(reference)
        assert procedure.state.value == "signed"
        assert copy.data == storage().read(procedure.documents[0].signed_storage_key)
    # The signing pages now lead to the success page.
    response = client.get(_url(token, "/sign"))
    assert response.status_code == 302 and response.headers["Location"].endswith("/done")


def test_a_timestamping_authority_down_signs_nothing_and_the_code_still_works(
    app, agency, started, client_for, post_form, monkeypatch
):
    import socket

    from portal.core.signatures import sealing

    reference, token = started
    client = client_for("resilimo")
    _accept_everything(client, post_form, token)
    post_form(client, _url(token, "/sign"), {"send-submit": "1"})
    code = sms_code(app, agency.tenant_id)
    with socket.socket() as closed:  # a port nobody listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    monkeypatch.setitem(app.config, "PORTAL_TSA", "http")
    monkeypatch.setitem(app.config, "PORTAL_TSA_URL", f"http://127.0.0.1:{port}/")
    sealing.clear_cache()
    try:
        response = post_form(client, _url(token, "/sign"), {"sign-code": code})
    finally:
        monkeypatch.undo()
        sealing.clear_cache()
    assert response.status_code == 200  # the page again, never an error page
    assert "Rien n'a été signé" in _error(text_of(response), "sign-code")
    with app.app_context(), tenant_scope(agency.tenant_id):
        procedure = procedure_of(reference)
        assert procedure.state.value == "ongoing"
        assert procedure.signers[0].state.value != "signed"
        assert procedure.documents[0].signed_storage_key is None
    # The authority answers again: the same code signs.
    response = post_form(client, _url(token, "/sign"), {"sign-code": code})
    assert response.headers["Location"].endswith(_url(token, "/done"))


def test_the_page_speaks_the_procedure_language(app, agency, client_for):
    reference = start_procedure(app, agency, locale="en")
    token = token_of(app, agency.tenant_id, reference)
    client = client_for("resilimo")
    assert '<html lang="en">' in text_of(client.get(_url(token)))
    # The signer's own choice of language wins.
    assert '<html lang="fr">' in text_of(client.get(_url(token) + "?lang=fr"))
    assert '<html lang="fr">' in text_of(client.get(_url(token)))


def test_in_person_the_agents_session_stays_out_of_the_signers_pages(
    app, agency, client_for, logged_in
):
    from portal.core.signatures.providers.base import Delivery

    reference = start_procedure(app, agency, delivery=Delivery.IN_PERSON)
    token = token_of(app, agency.tenant_id, reference)
    client = logged_in(agency)
    assert "Se déconnecter" in text_of(client.get("/"))
    page = text_of(client.get(_url(token)))
    assert "Agence Fournier Assurances vous invite à signer" in page
    assert "Se déconnecter" not in page and 'class="main-menu"' not in page
