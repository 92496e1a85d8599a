"""The letterhead ("en-tête des lettres"): one rule for the preview and every PDF letter."""

from __future__ import annotations

import html
import re

import pytest

from portal.core.accounts.letterhead import letterhead_lines
from portal.core.accounts.models import Account
from portal.core.tenants import tenant_scope
from portal.extensions import db


def preview(page: str) -> list[str]:
    block = page[page.index('id="letterhead-preview"') :].split("</ol>", 1)[0]
    return [html.unescape(line) for line in re.findall(r"<li>([^<]*)</li>", block)]


def added(app, account) -> list[str]:
    with app.app_context(), tenant_scope(account.tenant_id):
        return db.session.get(Account, account.id).letterhead_lines


@pytest.fixture
def holder(client_for, make_account, sign_in):
    account = make_account()
    client = client_for("resilimo")
    sign_in(client, account, account.holder_profile_id)
    return client, account


def test_letterhead_lines_are_the_fixed_part_then_the_added_lines(app):
    account = Account(
        commercial_name="Jerome Royer ASSURANCES",
        address="12 avenue Alsace-Lorraine",
        address2="Bâtiment B",
        postal_code="38000",
        city="Grenoble",
        orias="22223333",
        letterhead_lines=["GESTION RESIL", "www.royer-assurances.fr"],
    )
    with app.test_request_context():
        assert letterhead_lines(account) == [
            "Jerome Royer ASSURANCES",
            "12 avenue Alsace-Lorraine",
            "Bâtiment B",
            "38000 Grenoble",
            "N° ORIAS : 22 223 333",
            "GESTION RESIL",
            "www.royer-assurances.fr",
        ]
        account.orias, account.address2, account.letterhead_lines = None, None, []
        assert letterhead_lines(account) == [
            "Jerome Royer ASSURANCES",
            "12 avenue Alsace-Lorraine",
            "38000 Grenoble",
        ]


def test_add_reorder_and_remove_lines_without_javascript(app, holder, csrf_token):
    client, account = holder
    page = client.get("/compte/entete").get_data(as_text=True)
    assert preview(page) == [
        "Agence Fournier Assurances",
        "3 place Victor Hugo",
        "38000 Grenoble",
        "N° ORIAS : 12 345 678",
    ]
    token = csrf_token(page)
    for line in ("GESTION RESIL", "  contact@agence-fournier.fr  ", "www.agence-fournier.fr"):
        response = client.post("/compte/entete/ajouter", data={"csrf_token": token, "line": line})
        assert response.status_code == 302
    assert added(app, account) == [
        "GESTION RESIL",
        "contact@agence-fournier.fr",
        "www.agence-fournier.fr",
    ]

    def change(index, expected, action):
        return client.post(
            "/compte/entete/modifier",
            data={"csrf_token": token, "index": index, "expected": expected, "action": action},
        )

    assert change(2, "www.agence-fournier.fr", "up").status_code == 302
    assert change(0, "GESTION RESIL", "down").status_code == 302
    assert added(app, account) == [
        "www.agence-fournier.fr",
        "GESTION RESIL",
        "contact@agence-fournier.fr",
    ]
    assert change(1, "GESTION RESIL", "remove").status_code == 302
    assert added(app, account) == ["www.agence-fournier.fr", "contact@agence-fournier.fr"]

    # The preview shows exactly what letterhead_lines gives.
    page = client.get("/compte/entete").get_data(as_text=True)
    with app.test_request_context(), tenant_scope(account.tenant_id):
        assert preview(page) == letterhead_lines(db.session.get(Account, account.id))
    assert preview(page)[-2:] == ["www.agence-fournier.fr", "contact@agence-fournier.fr"]


def test_a_stale_form_does_not_touch_another_line(app, holder, csrf_token):
    client, account = holder
    token = csrf_token(client.get("/compte/entete").get_data(as_text=True))
    client.post("/compte/entete/ajouter", data={"csrf_token": token, "line": "Ligne A"})
    response = client.post(
        "/compte/entete/modifier",
        data={"csrf_token": token, "index": 0, "expected": "Ligne B", "action": "remove"},
        follow_redirects=True,
    )
    assert "L'en-tête a été modifié entre-temps" in html.unescape(response.get_data(as_text=True))
    assert added(app, account) == ["Ligne A"]
    response = client.post(
        "/compte/entete/modifier",
        data={"csrf_token": token, "index": 5, "expected": "Ligne A", "action": "up"},
    )
    assert response.status_code == 302 and added(app, account) == ["Ligne A"]


def test_a_line_too_long_is_explained_and_kept(app, holder, csrf_token):
    client, account = holder
    token = csrf_token(client.get("/compte/entete").get_data(as_text=True))
    too_long = "x" * 61
    response = client.post("/compte/entete/ajouter", data={"csrf_token": token, "line": too_long})
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 400
    assert 'class="error"' in page and f'value="{too_long}"' in page
    assert added(app, account) == []
    empty = client.post("/compte/entete/ajouter", data={"csrf_token": token, "line": "  "})
    assert "Saisissez le texte de la ligne à ajouter." in html.unescape(
        empty.get_data(as_text=True)
    )


def test_the_number_of_added_lines_is_bounded(app, holder, csrf_token):
    client, account = holder
    token = csrf_token(client.get("/compte/entete").get_data(as_text=True))
    for n in range(6):
        client.post("/compte/entete/ajouter", data={"csrf_token": token, "line": f"Ligne {n}"})
    response = client.post(
        "/compte/entete/ajouter", data={"csrf_token": token, "line": "Une de trop"}
    )
    assert "au plus 6 lignes ajoutées" in html.unescape(response.get_data(as_text=True))
    assert len(added(app, account)) == 6


def test_the_pdf_preview_is_a_letter_with_the_letterhead(holder):
    client, _ = holder
    response = client.get("/compte/entete/apercu.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")


def test_the_page_has_a_live_preview_script_and_works_without_it(holder):
    client, _ = holder
    page = client.get("/compte/entete").get_data(as_text=True)
    assert "/compte/static/letterhead.js" in page and "data-pending" in page
    assert client.get("/compte/static/letterhead.js").status_code == 200
