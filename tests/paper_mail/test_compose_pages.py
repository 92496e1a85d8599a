"""The pages that compose a paper mail (manual §8.1–8.3): a new draft, its documents (several files
at once, one refused and the others kept, conversions followed, order by buttons and by drag and
drop, staples, colour and duplex), its mode with the price in each, its recipient read in the first
document or typed (errors next to the fields, nothing lost), the sender of a tracked letter from
the account's details; another account's mail is a 404 and a validated mail is never edited."""

from __future__ import annotations

import html as html_lib
import io
import re

import pytest
from papermailkit import letter_pdf, make_mail, png_page, text
from sqlalchemy import select

from plugins.paper_mail.models import (
    DocumentStatus,
    MailState,
    PaperDocument,
    PaperMail,
    RecipientSource,
)
from portal.core.jobs import drain
from portal.core.tenants import tenant_scope
from portal.extensions import db


@pytest.fixture(scope="module")
def pdfs():
    """The PDFs the tests upload or put in mails, made once: a one-page letter with the address
    in the window, a three-page one, and one with ink in the margin."""
    return {
        "letter": letter_pdf(),
        "three": letter_pdf(pages=3, address=["M. PAUL MARTIN", "2 AVENUE FOCH", "75016 PARIS"]),
        "margin": letter_pdf(margin_ink=True),
    }


@pytest.fixture
def agent(make_account):
    return make_account("resilimo", email="agent-compose@agence.fr")


@pytest.fixture
def client(agent, logged_in):
    return logged_in(agent)


def url(mail_id: int, path: str = "") -> str:
    return f"/paper-mail/courriers/{mail_id}{path}"


def stored(app, agent, mail_id: int) -> PaperMail:
    with app.app_context(), tenant_scope(agent.tenant_id):
        mail = db.session.get(PaperMail, mail_id)
        list(mail.documents)
        db.session.expunge_all()
        return mail


def document_ids(app, agent, mail_id: int) -> list[int]:
    return [document.id for document in stored(app, agent, mail_id).documents]


def token(client, mail_id: int) -> str:
    page = client.get(url(mail_id, "/documents"))
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True))
    assert match, page.get_data(as_text=True)[:500]
    return match.group(1)


def post(client, mail_id: int, path: str, data=None, **kwargs):
    return client.post(
        url(mail_id, path), data={"csrf_token": token(client, mail_id), **(data or {})}, **kwargs
    )


def error_of(page, field_id: str) -> str:
    """The error shown next to a field (its ``<field>-error`` element), as text."""
    html = page.get_data(as_text=True)
    match = re.search(rf'<(p|div)[^>]*id="{field_id}-error"[^>]*>(.*?)</\1>', html, re.S)
    if match is None:
        return ""
    return re.sub(r"\s+", " ", html_lib.unescape(re.sub(r"<[^>]+>", " ", match.group(2)))).strip()


def checked(page: str, field_id: str) -> bool:
    tag = re.search(rf'<input[^>]*id="{field_id}"[^>]*>', page)
    return bool(tag) and " checked" in tag.group(0)


def test_a_new_mail_is_a_draft_of_the_profile_that_opens_at_its_documents(client, app, agent, pdfs):
    mail_id = make_mail(app, agent, documents=[pdfs["letter"]])
    response = client.post(
        "/paper-mail/courriers/nouveau", data={"csrf_token": token(client, mail_id)}
    )
    assert response.status_code == 302
    with app.app_context(), tenant_scope(agent.tenant_id):
        mail = db.session.scalars(
            select(PaperMail).where(PaperMail.id != mail_id, PaperMail.account_id == agent.id)
        ).one()
        assert response.location.endswith(url(mail.id, "/documents"))
        assert mail.state == MailState.DRAFT
        assert mail.reference.startswith("PAP-")
        assert (mail.created_by_id, mail.managed_by_id) == (agent.holder_profile_id,) * 2
        assert mail.colour and mail.duplex  # colour and two-sided by default

    page = client.get(response.location)
    shown = text(page)
    assert page.status_code == 200
    for expected in (
        "1 Documents",
        "2 Mode d'envoi",
        "3 Destinataire",
        "4 Confirmation",
        "Ajouter +",
        "10 Mo par fichier, 95 feuilles par pli",
        "Le courrier doit être signé avant numérisation",
        "Aucun document pour l'instant",
    ):
        assert expected in shown, expected


def test_another_accounts_mail_and_its_documents_are_not_found(
    client, app, agent, make_account, pdfs
):
    other = make_account("resilimo", email="other-compose@agence.fr")
    theirs = make_mail(app, other, documents=[pdfs["letter"]])
    document_id = document_ids(app, other, theirs)[0]
    for path in ("/documents", "/mode", "/destinataire", f"/documents/{document_id}/vignette.png"):
        assert client.get(url(theirs, path)).status_code == 404, path
    csrf = token(client, make_mail(app, agent, documents=[]))
    for path in (f"/documents/{document_id}/retirer", "/agrafer-tout", "/ordre", "/mode"):
        response = client.post(
            url(theirs, path), data={"csrf_token": csrf, "ids": str(document_id)}
        )
        assert response.status_code == 404, path
    # Another mail's document under one's own mail is not found either.
    mine = make_mail(app, agent, documents=[pdfs["letter"]])
    response = client.post(
        url(mine, f"/documents/{document_id}/retirer"), data={"csrf_token": csrf}
    )
    assert response.status_code == 404
    assert document_ids(app, other, theirs) == [document_id]


def test_several_files_at_once_one_refused_the_others_kept_and_converted(client, app, agent, pdfs):
    mail_id = make_mail(app, agent, documents=[])
    response = post(
        client,
        mail_id,
        "/documents",
        {
            "action": "add",
            "files": [
                (io.BytesIO(pdfs["three"]), "contrat.pdf"),
                (io.BytesIO(b"Bonjour, ceci n'est pas un document."), "notes.txt"),
                (io.BytesIO(png_page()), "photo.png"),
            ],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    refusal = error_of(response, "files")
    assert "notes.txt" in refusal and "type de fichier n'est pas accepté" in refusal
    shown = text(response)
    assert "2 documents ajoutés." in shown
    assert "1. contrat.pdf 3 pages · 2 feuilles" in shown
    assert "2. photo.png Conversion en cours…" in shown
    assert '<meta http-equiv="refresh"' in response.get_data(as_text=True)

    drain(app)  # the image becomes an A4 page of PDF
    page = client.get(url(mail_id, "/documents"))
    assert '<meta http-equiv="refresh"' not in page.get_data(as_text=True)
    assert "Conversion en cours" not in text(page)
    assert "2. photo.png 1 page · 1 feuille" in text(page)
    assert [d.filename for d in stored(app, agent, mail_id).documents] == [
        "contrat.pdf",
        "photo.png",
    ]

    # No file chosen: said next to the input.
    response = post(client, mail_id, "/documents", {"action": "add"})
    assert response.status_code == 422
    assert error_of(response, "files") == "Choisissez au moins un fichier à ajouter."


def test_documents_are_reordered_by_buttons_and_by_drag_and_drop(client, app, agent, pdfs):
    mail_id = make_mail(app, agent, documents=[pdfs["letter"], pdfs["three"], pdfs["letter"]])
    first, second, third = document_ids(app, agent, mail_id)

    page = client.get(url(mail_id, "/documents")).get_data(as_text=True)
    assert page.count("↑ Monter") == 2 and page.count("↓ Descendre") == 2  # not beyond the ends

    response = post(client, mail_id, f"/documents/{first}/descendre")
    assert response.status_code == 302
    assert response.location.endswith(url(mail_id, f"/documents#document-{first}"))
    assert document_ids(app, agent, mail_id) == [second, first, third]
    post(client, mail_id, f"/documents/{third}/monter")
    assert document_ids(app, agent, mail_id) == [second, third, first]

    # The script posts the new order and gets 204; a form posting it gets the page back.
    response = post(
        client,
        mail_id,
        "/ordre",
        {"ids": [str(first), str(second), str(third)]},
        headers={"X-Requested-With": "fetch"},
    )
    assert response.status_code == 204
    assert document_ids(app, agent, mail_id) == [first, second, third]
    response = post(client, mail_id, "/ordre", {"ids": f"{third},{first},{second}"})
    assert response.status_code == 302
    assert document_ids(app, agent, mail_id) == [third, first, second]

    # An order that is not exactly this mail's documents changes nothing.
    response = post(
        client,
        mail_id,
        "/ordre",
        {"ids": [str(first), str(second)]},
        headers={"X-Requested-With": "fetch"},
    )
    assert response.status_code == 400
    response = post(
        client, mail_id, "/ordre", {"ids": f"{third},{third},{first}"}, follow_redirects=True
    )
    assert "Cet ordre ne correspond pas aux documents du courrier." in text(response)
    assert document_ids(app, agent, mail_id) == [third, first, second]


def test_a_confirmed_address_is_asked_again_when_another_document_comes_first(
    client, app, agent, pdfs
):
    mail_id = make_mail(
        app,
        agent,
        documents=[pdfs["letter"], pdfs["three"]],
        recipient_source=RecipientSource.DETECTED,
        recipient_name="SARL DUPOND",
    )
    first, second = document_ids(app, agent, mail_id)
    response = post(client, mail_id, f"/documents/{second}/monter", follow_redirects=True)
    assert "Le premier document a changé" in text(response)
    assert stored(app, agent, mail_id).recipient_source == RecipientSource.NONE


def test_staples_from_three_pages_one_by_one_or_all(client, app, agent, pdfs):
    mail_id = make_mail(app, agent, documents=[pdfs["letter"], pdfs["three"], pdfs["three"]])
    one_page, three, other_three = document_ids(app, agent, mail_id)
    page = client.get(url(mail_id, "/documents"))
    assert text(page).count("Agrafer") == 3  # two files of 3 pages, and « Agrafer tout »
    assert "Agrafer tout" in text(page)

    post(client, mail_id, f"/documents/{three}/agrafer", {"on": "1"})
    assert [d.staple for d in stored(app, agent, mail_id).documents] == [False, True, False]
    response = post(client, mail_id, f"/documents/{one_page}/agrafer", {"on": "1"})
    assert response.status_code == 302
    assert not stored(app, agent, mail_id).documents[0].staple
    post(client, mail_id, f"/documents/{three}/agrafer", {"on": "0"})
    assert [d.staple for d in stored(app, agent, mail_id).documents] == [False] * 3

    response = post(client, mail_id, "/agrafer-tout", follow_redirects=True)
    assert "2 documents seront agrafés." in text(response)
    assert [d.staple for d in stored(app, agent, mail_id).documents] == [False, True, True]
    assert "Ne plus agrafer" in text(response)
    del other_three


def test_removing_a_document(client, app, agent, pdfs):
    mail_id = make_mail(app, agent, documents=[pdfs["letter"], pdfs["three"]])
    first, second = document_ids(app, agent, mail_id)
    response = post(client, mail_id, f"/documents/{first}/retirer", follow_redirects=True)
    assert "« document-1.pdf » est retiré du courrier." in text(response)
    assert document_ids(app, agent, mail_id) == [second]


def test_print_options_are_kept_and_continue_leads_to_the_mode(client, app, agent, pdfs):
    mail_id = make_mail(app, agent, documents=[pdfs["letter"]])
    page = client.get(url(mail_id, "/documents")).get_data(as_text=True)
    assert checked(page, "colour") and checked(page, "duplex")

    response = post(client, mail_id, "/documents", {"action": "options", "duplex": "y"})
    assert response.status_code == 302
    mail = stored(app, agent, mail_id)
    assert (mail.colour, mail.duplex) == (False, True)
    page = client.get(url(mail_id, "/documents")).get_data(as_text=True)
    assert not checked(page, "colour") and checked(page, "duplex")

    response = post(client, mail_id, "/documents", {"action": "continue", "colour": "y"})
    assert response.status_code == 302 and response.location.endswith(url(mail_id, "/mode"))
    mail = stored(app, agent, mail_id)
    assert (mail.colour, mail.duplex) == (True, False)


def test_continue_waits_for_documents(client, app, agent):
    mail_id = make_mail(app, agent, documents=[])
    response = post(client, mail_id, "/documents", {"action": "continue"}, follow_redirects=True)
    assert "Ajoutez au moins un document à imprimer pour continuer." in text(response)
    response = client.get(url(mail_id, "/mode"), follow_redirects=True)
    assert "Ajoutez au moins un document à imprimer pour continuer." in text(response)


def test_the_checks_say_what_to_change_before_the_price(client, app, agent, pdfs):
    mail_id = make_mail(app, agent, documents=[pdfs["margin"]])
    shown = text(client.get(url(mail_id, "/documents")))
    assert "À corriger avant l'envoi" in shown
    modes = text(client.get(url(mail_id, "/mode")))
    assert "Les prix s'affichent quand les vérifications des documents sont passées." in modes
    assert "€ TTC" not in modes


def test_the_mode_page_prices_each_mode_and_keeps_the_choice(client, app, agent, pdfs):
    mail_id = make_mail(app, agent, documents=[pdfs["letter"]])
    page = client.get(url(mail_id, "/mode"))
    assert page.status_code == 200
    shown = text(page)
    for expected in (
        "Écopli",
        "Lettre verte",
        "Lettre suivie",
        "Recommandé simple",
        "Recommandé avec accusé de réception",
        "Délai de distribution : J+4",
        "Numéro de suivi La Poste",
        "Preuve de dépôt",
        "Avis de réception signé par le destinataire",
        "Validé avant 10:30 un jour ouvré",
    ):
        assert expected in shown, expected
    assert len(re.findall(r"\d+,\d\d € TTC", shown)) == 5
    assert checked(page.get_data(as_text=True), "mode-lettre_verte")

    response = post(client, mail_id, "/mode", {"mode": "recommande_ar"})
    assert response.status_code == 302
    assert response.location.endswith(url(mail_id, "/destinataire"))
    assert stored(app, agent, mail_id).mode == "recommande_ar"
    response = post(client, mail_id, "/mode", {"mode": "pigeon"})
    assert response.status_code == 422
    assert stored(app, agent, mail_id).mode == "recommande_ar"


def test_the_address_read_in_the_first_document_is_confirmed(client, app, agent, pdfs):
    mail_id = make_mail(app, agent, documents=[pdfs["letter"], pdfs["three"]])
    page = client.get(url(mail_id, "/destinataire"))
    shown = text(page)
    assert "SARL DUPOND 1 RUE DES FLEURS 38000 GRENOBLE" in shown
    assert "Utiliser l'adresse du premier document (−0,10 €)" in shown
    assert "Saisir manuellement l'adresse du destinataire (+0,16 €)" in shown
    assert "Si besoin, réorganisez l'ordre des documents" in shown

    response = post(client, mail_id, "/destinataire", {"action": "detected"})
    assert response.status_code == 302
    assert response.location.endswith(url(mail_id, "/confirmation"))
    mail = stored(app, agent, mail_id)
    assert mail.recipient_source == RecipientSource.DETECTED
    assert (mail.recipient_name, mail.recipient_lines) == ("SARL DUPOND", ["1 RUE DES FLEURS"])
    assert (mail.recipient_postal_code, mail.recipient_city) == ("38000", "GRENOBLE")


def test_a_typed_address_shows_its_errors_next_to_the_fields_and_keeps_what_was_typed(
    client, app, agent, pdfs
):
    mail_id = make_mail(app, agent, documents=[pdfs["letter"]])
    typed = {
        "action": "typed",
        "name": "",
        "line1": "12 boulevard du Maréchal Jean de Lattre de Tassigny",
        "line2": "Bâtiment B",
        "postal_code": "3800",
        "city": "Grenoble",
    }
    response = post(client, mail_id, "/destinataire", typed)
    assert response.status_code == 422
    assert error_of(response, "name")
    assert "caractères" in error_of(response, "line1")
    assert error_of(response, "postal_code")
    assert not error_of(response, "city")
    page = response.get_data(as_text=True)
    for value in ("12 boulevard du Maréchal Jean de Lattre de Tassigny", "Bâtiment B", "3800"):
        assert f'value="{value}"' in page, value
    assert 'aria-invalid="true"' in page
    assert stored(app, agent, mail_id).recipient_source == RecipientSource.NONE

    typed.update(name="Cabinet Martin", line1="12 bd de Lattre de Tassigny", postal_code="38000")
    response = post(client, mail_id, "/destinataire", typed)
    assert response.status_code == 302
    assert response.location.endswith(url(mail_id, "/confirmation"))
    mail = stored(app, agent, mail_id)
    assert mail.recipient_source == RecipientSource.TYPED
    assert mail.recipient_lines == ["12 bd de Lattre de Tassigny", "Bâtiment B"]
    assert (mail.recipient_postal_code, mail.recipient_city) == ("38000", "GRENOBLE")
    # Back on the step, what was saved is shown.
    page = client.get(url(mail_id, "/destinataire")).get_data(as_text=True)
    assert 'value="Cabinet Martin"' in page


def test_a_tracked_letter_types_recipient_and_sender_with_my_details(client, app, agent, pdfs):
    mail_id = make_mail(app, agent, documents=[pdfs["letter"]], mode="lettre_suivie")
    page = client.get(url(mail_id, "/destinataire"))
    shown = text(page)
    assert "Adresse lue dans le premier document" not in shown  # typed in full
    assert "Expéditeur" in shown and "Utiliser mes coordonnées" in shown

    response = post(
        client, mail_id, "/destinataire", {"action": "my_details", "name": "SCI Les Tilleuls"}
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'value="SCI Les Tilleuls"' in page  # the recipient typed so far is kept
    for value in ("Agence Fournier Assurances", "3 place Victor Hugo", "38000", "Grenoble"):
        assert re.search(rf'name="sender_\w+"[^>]*value="{value}"', page), value
    assert stored(app, agent, mail_id).sender_name == "Agence Fournier Assurances"

    response = post(
        client,
        mail_id,
        "/destinataire",
        {
            "action": "typed",
            "name": "SCI Les Tilleuls",
            "line1": "4 rue Pasteur",
            "postal_code": "69003",
            "city": "Lyon",
            "sender_name": "Agence Fournier Assurances",
            "sender_line1": "3 place Victor Hugo",
            "sender_postal_code": "38000",
            "sender_city": "",
        },
    )
    assert response.status_code == 422
    assert error_of(response, "sender_city")
    assert 'value="SCI Les Tilleuls"' in response.get_data(as_text=True)

    response = post(
        client,
        mail_id,
        "/destinataire",
        {
            "action": "typed",
            "name": "SCI Les Tilleuls",
            "line1": "4 rue Pasteur",
            "postal_code": "69003",
            "city": "Lyon",
            "sender_name": "Agence Fournier Assurances",
            "sender_line1": "3 place Victor Hugo",
            "sender_postal_code": "38000",
            "sender_city": "Grenoble",
        },
    )
    assert response.status_code == 302
    mail = stored(app, agent, mail_id)
    assert mail.recipient_source == RecipientSource.TYPED
    assert (mail.recipient_city, mail.sender_city) == ("LYON", "GRENOBLE")
    assert mail.sender_lines == ["3 place Victor Hugo"]


def test_a_validated_mails_compose_pages_lead_to_its_page(client, app, agent, pdfs):
    mail_id = make_mail(app, agent, documents=[pdfs["three"]])
    document_id = document_ids(app, agent, mail_id)[0]
    csrf = token(client, mail_id)
    with app.app_context(), tenant_scope(agent.tenant_id):
        db.session.get(PaperMail, mail_id).state = MailState.SCHEDULED
        db.session.commit()
    for path in ("/documents", "/mode", "/destinataire"):
        response = client.get(url(mail_id, path))
        assert response.status_code == 302, path
        assert response.location.endswith(url(mail_id)), path
    for path in (
        "/documents",
        "/mode",
        "/destinataire",
        "/agrafer-tout",
        "/ordre",
        f"/documents/{document_id}/retirer",
        f"/documents/{document_id}/agrafer",
        f"/documents/{document_id}/monter",
    ):
        response = client.post(
            url(mail_id, path),
            data={"csrf_token": csrf, "action": "options", "mode": "ecopli", "on": "1"},
        )
        assert response.status_code == 302, path
        assert response.location.endswith(url(mail_id)), path
    with app.app_context(), tenant_scope(agent.tenant_id):
        document = db.session.get(PaperDocument, document_id)
        assert document is not None and not document.staple
        assert db.session.get(PaperMail, mail_id).mode == "lettre_verte"


def test_the_thumbnail_is_the_first_page_as_an_image(client, app, agent, pdfs):
    mail_id = make_mail(app, agent, documents=[pdfs["letter"]])
    document_id = document_ids(app, agent, mail_id)[0]
    response = client.get(url(mail_id, f"/documents/{document_id}/vignette.png"))
    assert response.status_code == 200
    assert response.mimetype == "image/png" and response.data.startswith(b"\x89PNG")


def test_a_converted_file_warns_of_its_layout_and_a_failed_one_says_why(client, app, agent, pdfs):
    mail_id = make_mail(app, agent, documents=[pdfs["letter"], pdfs["three"]])
    with app.app_context(), tenant_scope(agent.tenant_id):
        converted, failed = db.session.get(PaperMail, mail_id).documents
        converted.converted = True
        failed.status, failed.error = (
            DocumentStatus.FAILED,
            "Ce fichier est protégé par un mot de passe.",
        )
        db.session.commit()
    shown = text(client.get(url(mail_id, "/documents")))
    assert "la mise en page n'est pas garantie" in shown
    assert "Ce fichier est protégé par un mot de passe." in shown
    response = post(client, mail_id, "/documents", {"action": "continue"}, follow_redirects=True)
    assert "Retirez les documents qui n'ont pas pu être convertis pour continuer." in text(response)


def test_an_incomplete_address_read_in_the_first_document_is_not_used(client, app, agent):
    mail_id = make_mail(app, agent, documents=[letter_pdf(["SARL DUPOND", "38000 GRENOBLE"])])
    response = post(client, mail_id, "/destinataire", {"action": "detected"})
    assert response.status_code == 422
    assert "L'adresse lue dans le premier document est incomplète" in text(response)
    assert stored(app, agent, mail_id).recipient_source == RecipientSource.NONE
