"""« Demander l'ajout d'une compagnie » opens a help request with its subject chosen and its
message started; the demo directory loads through the CSV import."""

from __future__ import annotations

import html
import re

from dirkit import add_entries, entries
from sqlalchemy import select

from portal.core.audit import AuditEntry
from portal.core.directory.demo import DEMO_FILE, load_demo_directory
from portal.core.directory.kinds import EntryKind
from portal.core.directory.links import request_addition_url
from portal.core.directory.search import search
from portal.core.tenants import unscoped
from portal.extensions import db


def addition_url(app, typed: str) -> str:
    with app.test_request_context():
        return request_addition_url(typed)


def textarea(page: str) -> str:
    found = re.search(r'<textarea[^>]*name="body"[^>]*>(.*?)</textarea>', page, re.S)
    assert found, "no message field"
    return found.group(1)


def test_the_request_opens_with_the_subject_and_the_typed_name(app, make_account, logged_in):
    client = logged_in(make_account("resilimo"))
    page = client.get(addition_url(app, "  Mutuelle   des Lilas ")).get_data(as_text=True)
    assert re.search(r'<option (selected )?value="resiliation/ajout-compagnie"( selected)?', page)
    assert 'value="resiliation/ajout-compagnie" selected' in page or (
        'selected value="resiliation/ajout-compagnie"' in page
    )
    assert html.unescape(textarea(page)).strip() == (
        "Merci d'ajouter la compagnie suivante à l'annuaire : Mutuelle des Lilas"
    )


def test_the_typed_text_is_escaped_and_bounded(app, make_account, logged_in):
    client = logged_in(make_account("resilimo"))
    page = client.get(addition_url(app, "<b>Assur</b>" + "x" * 500)).get_data(as_text=True)
    body = textarea(page)
    assert "<b>" not in body and "&lt;b&gt;Assur&lt;/b&gt;" in body
    assert len(html.unescape(body).strip()) < 300  # 200 typed characters at most
    # Anyone may write the link by hand: the form still bounds what it pre-fills.
    answer = client.get("/messagerie/aide/nouvelle?text=" + "y" * 50_000)
    assert answer.status_code == 200, answer.status_code
    long = answer.get_data(as_text=True)
    assert 0 < len(html.unescape(textarea(long)).strip()) <= 10_000


def test_with_nothing_typed_the_subject_only(app, make_account, logged_in):
    url = addition_url(app, "   ")
    assert "text=" not in url and "topic=resiliation" in url
    page = logged_in(make_account("resilimo")).get(url).get_data(as_text=True)
    assert textarea(page).strip() == ""


def test_the_demo_directory_loads_once(app, tenant_ids, in_tenant):
    with in_tenant("resilimo"):
        created = load_demo_directory(tenant_ids["resilimo"])
        db.session.commit()
    lines = [line for line in DEMO_FILE.read_text("utf-8").splitlines()[1:] if line.strip()]
    assert created == len(lines) >= 40
    found = entries(app, tenant_ids["resilimo"])
    assert {"MAIF", "AXA France IARD", "Thélem Assurances", "La Banque Postale"} <= set(found)
    assert all(entry.lre_email.endswith(".example") for entry in found.values() if entry.lre_email)
    assert any(entry.recipient_identified for entry in found.values())
    assert {entry.kind for entry in found.values()} == {EntryKind.INSURER, EntryKind.BANK}
    with in_tenant("resilimo"):
        assert search("maif")[0].name == "MAIF"
        assert [e.name for e in search("postale", kind=EntryKind.BANK)] == ["La Banque Postale"]
        assert load_demo_directory(tenant_ids["resilimo"]) == 0  # never twice
    with app.app_context(), unscoped():
        actions = set(db.session.scalars(select(AuditEntry.action)))
    assert "directory.entry_imported" in actions


def test_the_demo_directory_is_not_loaded_over_an_existing_one(app, tenant_ids, in_tenant):
    add_entries(app, tenant_ids["horizon"], "Mutuelle Horizon")
    with in_tenant("horizon"):
        assert load_demo_directory(tenant_ids["horizon"]) == 0
    assert set(entries(app, tenant_ids["horizon"])) == {"Mutuelle Horizon"}
