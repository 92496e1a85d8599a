"""The document deposit service: documents added one by one (each checked on its own), removed,
then sent together as one conversation; nobody else reaches them."""

from __future__ import annotations

import io
import re

from smkit import (
    PDF_BYTES,
    conversations,
    csrf_token,
    devbox,
    location,
    logged_in,
    make_member,
    png_bytes,
    text_of,
)
from uploadkit import compressed_pdf, image_carrying

from portal.core.antivirus.dev import EICAR

DEPOSIT = "/secure-messaging/documents"


def add(client, document_type: str, data: bytes, filename: str):
    token = csrf_token(client.get(DEPOSIT).get_data(as_text=True))
    return client.post(
        DEPOSIT,
        data={
            "csrf_token": token,
            "document_type": document_type,
            "file": (io.BytesIO(data), filename),
        },
        content_type="multipart/form-data",
    )


def listed(page: str) -> list[tuple[str, str]]:
    """(type, file name) of each document added so far."""
    return re.findall(r"<tr>\s*<td[^>]*>([^<]*)</td>\s*<td[^>]*>([^<]*)</td>", page)


def remove_url(page: str, filename: str) -> str:
    row = re.search(rf"<td[^>]*>{re.escape(filename)}</td>.*?</tr>", page, re.S).group(0)
    return re.search(r'action="([^"]+/retirer)"', row).group(1)


def test_add_refuse_remove_then_send_the_documents(app, member, member_client):
    page = text_of(member_client.get(DEPOSIT))
    assert "Ajouter un document" in page and "Envoyer les documents" in page
    for name in ("Justificatif de domicile", "Avis d'imposition", "Autre document"):
        assert f'<option value="{name}">{name}</option>' in page
    assert "Aucun document pour l'instant." in page

    assert location(add(member_client, "Justificatif de domicile", PDF_BYTES, "facture.pdf"))
    assert location(add(member_client, "Relevé d'identité bancaire", png_bytes(), "rib.png"))
    page = text_of(member_client.get(DEPOSIT))
    assert listed(page) == [
        ("Justificatif de domicile", "facture.pdf"),
        ("Relevé d'identité bancaire", "rib.png"),
    ]
    # Sizes as Babel writes them in French (« 300 octets », « 1,5 ko »).
    assert re.search(r'data-label="Taille">[\d,\u202f\u00a0]+\s(octets?|ko)</td>', page), page

    # A fake PDF is refused next to the file field; the two others stay.
    response = add(member_client, "Attestation de paiement", b"%PDF-1.4 pas un vrai PDF", "x.pdf")
    assert response.status_code == 200
    page = text_of(response)
    assert re.search(r'<p class="error" id="file-error">« x.pdf » : ', page)
    assert len(listed(page)) == 2

    # A type outside the tenant's list is refused next to the type.
    response = add(member_client, "Carte de fidélité", PDF_BYTES, "carte.pdf")
    assert re.search(
        r'<p class="error" id="document_type-error">Choisissez un type', text_of(response)
    )

    page = text_of(member_client.get(DEPOSIT))
    response = member_client.post(
        remove_url(page, "rib.png"), data={"csrf_token": csrf_token(page)}
    )
    assert location(response).endswith(DEPOSIT)
    page = text_of(member_client.get(DEPOSIT))
    assert listed(page) == [("Justificatif de domicile", "facture.pdf")]

    response = member_client.post(
        "/secure-messaging/documents/envoyer",
        data={"csrf_token": csrf_token(page), "comment": "Mon nouveau justificatif."},
    )
    [conversation] = conversations(app, member.tenant_id, member.id)
    assert location(response).endswith(f"/secure-messaging/envoye/{conversation['id']}")
    assert conversation["kind"] == "deposit"
    assert conversation["bodies"] == ["Mon nouveau justificatif."]
    assert conversation["attachments"] == [("Justificatif de domicile", "application/pdf")]
    page = text_of(member_client.get(location(response)))
    assert "Vos documents ont bien été envoyés" in page and conversation["reference"] in page

    # Sent: the deposit is empty again and a second post creates nothing.
    page = text_of(member_client.get(DEPOSIT))
    assert listed(page) == []
    response = member_client.post(
        "/secure-messaging/documents/envoyer", data={"csrf_token": csrf_token(page)}
    )
    assert response.status_code == 200
    assert "Ajoutez au moins un document avant d'envoyer." in text_of(response)
    assert len(conversations(app, member.tenant_id, member.id)) == 1
    assert any(member.email in e.recipients for e in devbox(app, member.tenant_id, "email"))

    # The home page lists the deposit among the conversations.
    assert conversation["reference"] in text_of(member_client.get("/secure-messaging/"))


def test_a_file_is_required(member_client):
    page = member_client.get(DEPOSIT).get_data(as_text=True)
    response = member_client.post(
        DEPOSIT,
        data={"csrf_token": csrf_token(page), "document_type": "Autre document"},
        content_type="multipart/form-data",
    )
    assert re.search(r'id="file-error">Choisissez le fichier à envoyer', text_of(response))


def test_another_account_cannot_see_open_remove_or_send_the_documents(
    app, tenant_ids, client_for, member, member_client
):
    add(member_client, "Justificatif de domicile", PDF_BYTES, "facture-secrete.pdf")
    page = text_of(member_client.get(DEPOSIT))
    url = remove_url(page, "facture-secrete.pdf")
    download = url.removesuffix("/retirer")
    assert f'href="{download}" download' in page
    assert member_client.get(download).data == PDF_BYTES

    other = logged_in(client_for, make_member(app, "voisin@example.fr"))
    page = text_of(other.get(DEPOSIT))
    assert "facture-secrete.pdf" not in page
    assert other.get(download).status_code == 404
    assert other.post(url, data={"csrf_token": csrf_token(page)}).status_code == 404
    other.post("/secure-messaging/documents/envoyer", data={"csrf_token": csrf_token(page)})
    assert conversations(app, member.tenant_id, member.id) == []
    assert listed(text_of(member_client.get(DEPOSIT))) == [
        ("Justificatif de domicile", "facture-secrete.pdf")
    ]


def test_active_pdfs_viruses_and_oversized_files_are_refused_next_to_the_file(
    member_client,
):
    assert location(add(member_client, "Avis d'imposition", PDF_BYTES, "avis.pdf"))
    scripted = compressed_pdf(b"/OpenAction 5 0 R", b"<</S/JavaScript/JS(app.alert(1))>>")
    oversized = PDF_BYTES[:-7] + b"0" * (10 * 1024 * 1024) + b"\n%%EOF\n"
    for data, name, problem in (
        (scripted, "facture.pdf", "Ce PDF contient du contenu actif"),
        (image_carrying(EICAR), "rib.png", "Ce fichier contient un virus"),
        (oversized, "scan.pdf", "Le fichier est trop volumineux : 10 Mo au maximum."),
    ):
        page = text_of(add(member_client, "Relevé d'identité bancaire", data, name))
        assert re.search(rf'<p class="error" id="file-error">« {name} » : {problem}', page), name
        # the chosen type stays chosen and the document already added stays
        assert re.search(r"<option selected value=\"Relevé d'identité bancaire\">", page)
        assert listed(page) == [("Avis d'imposition", "avis.pdf")]
