"""The audit log viewer (admins): newest first, filters, 50 per page — and the log itself cannot
be changed, neither through the ORM nor through raw SQL, on either database."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from bokit import PASSWORD, csrf_token, unique_email
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError

from portal.core import audit
from portal.core.audit import AuditEntry, AuditLogIsAppendOnly
from portal.core.backoffice.models import StaffRole
from portal.extensions import db

JOURNAL = "/backoffice/journal"


def _record(app, action, tenant_id=None, actor="robot@example.fr", **details):
    with app.app_context():
        entry = audit.record(
            action,
            actor_type="system",
            actor_id=None,
            actor_label=actor,
            tenant_id=tenant_id,
            **details,
        )
        db.session.commit()
        return entry.id


def _ids(html: str) -> list[str]:
    """The actions listed in the table, in order."""
    table = html.split('<table class="audit', 1)[1]
    return re.findall(r'data-action="(test\.[a-z0-9_.]+)"', table)


def test_newest_first_with_filters_and_50_per_page(app, staff_client, tenant_ids):
    marker = f"test.{datetime.now(UTC).strftime('%H%M%S%f')}"
    for n in range(52):
        _record(app, f"{marker}.bulk", tenant_ids["resilimo"], n=n)
    _record(app, f"{marker}.platform", None, actor="sentinelle@example.fr")
    client, _ = staff_client(StaffRole.ADMIN)

    first = client.get(JOURNAL, query_string={"action": marker}).text
    assert _ids(first)[0] == f"{marker}.platform"  # newest first
    assert len(_ids(first)) == 50
    assert "Page 1 sur 2 (53 résultats)" in first
    second = client.get(JOURNAL, query_string={"action": marker, "page": 2}).text
    assert len(_ids(second)) == 3 and "n : 0" in second  # the oldest, last

    platform = client.get(JOURNAL, query_string={"action": marker, "tenant": "none"}).text
    assert _ids(platform) == [f"{marker}.platform"]
    by_tenant = client.get(
        JOURNAL, query_string={"action": marker, "tenant": tenant_ids["msr"]}
    ).text
    assert _ids(by_tenant) == []
    by_actor = client.get(JOURNAL, query_string={"action": marker, "actor": "sentinelle"}).text
    assert _ids(by_actor) == [f"{marker}.platform"]

    today = datetime.now(UTC).date()
    in_range = {"action": marker, "date_from": (today - timedelta(days=1)).isoformat()}
    assert len(_ids(client.get(JOURNAL, query_string={**in_range, "page": 2}).text)) == 3
    future = {"action": marker, "date_from": (today + timedelta(days=2)).isoformat()}
    assert _ids(client.get(JOURNAL, query_string=future).text) == []
    past = {"action": marker, "date_to": (today - timedelta(days=2)).isoformat()}
    assert _ids(client.get(JOURNAL, query_string=past).text) == []
    bad_date = client.get(JOURNAL, query_string={"action": marker, "date_from": "hier"})
    assert bad_date.status_code == 200 and len(_ids(bad_date.text)) == 50


def test_sensitive_back_office_actions_show_up_in_the_viewer(app, make_staff, backoffice):
    admin = make_staff(StaffRole.ADMIN)
    client = backoffice()
    intruder = unique_email("intrus")
    page = client.get("/backoffice/connexion")
    client.post(
        "/backoffice/connexion",
        data={"email": intruder, "password": "x", "csrf_token": csrf_token(page.text)},
    )
    page = client.get("/backoffice/connexion")
    client.post(
        "/backoffice/connexion",
        data={"email": admin.email, "password": PASSWORD, "csrf_token": csrf_token(page.text)},
    )
    import pyotp

    page = client.get("/backoffice/connexion/code")
    client.post(
        "/backoffice/connexion/code",
        data={"code": pyotp.TOTP(admin.totp_secret).now(), "csrf_token": csrf_token(page.text)},
    )
    journal = client.get(JOURNAL, query_string={"actor": intruder}).text
    assert "Échec de connexion à l&#39;espace opérateurs" in journal
    assert "Échecs : 1" in journal and "Motif : adresse inconnue" in journal
    mine = client.get(JOURNAL, query_string={"actor": admin.email}).text
    assert "Connexion à l&#39;espace opérateurs" in mine
    assert PASSWORD not in mine


def test_the_viewer_offers_no_way_to_change_the_log(app, staff_client):
    client, _ = staff_client(StaffRole.ADMIN)
    page = client.get(JOURNAL).text
    forms = re.findall(r"<form[^>]*>", page.split("</header>", 1)[1])
    assert forms and all('method="get"' in form for form in forms)
    for method in ("post", "put", "delete"):
        assert getattr(client, method)(JOURNAL).status_code in (400, 404, 405)


def test_entries_cannot_be_updated_or_deleted_through_the_orm(app):
    entry_id = _record(app, "test.append_only")
    with app.app_context():
        entry = db.session.get(AuditEntry, entry_id)
        entry.action = "test.rewritten"
        with pytest.raises(AuditLogIsAppendOnly):
            db.session.commit()
        db.session.rollback()
        db.session.delete(db.session.get(AuditEntry, entry_id))
        with pytest.raises(AuditLogIsAppendOnly):
            db.session.commit()
        db.session.rollback()
        assert db.session.get(AuditEntry, entry_id).action == "test.append_only"


@pytest.mark.parametrize(
    "statement",
    [
        "DELETE FROM audit_entry",
        "UPDATE audit_entry SET action = 'test.rewritten'",
        "DELETE FROM audit_entry WHERE id = :id",
    ],
)
def test_the_database_itself_refuses_raw_updates_and_deletes(app, backend, statement):
    entry_id = _record(app, "test.raw_sql")
    with app.app_context():
        with pytest.raises(DatabaseError, match="append-only"):
            db.session.execute(text(statement), {"id": entry_id})
        db.session.rollback()
        kept = db.session.scalar(select(AuditEntry.action).where(AuditEntry.id == entry_id))
        assert kept == "test.raw_sql"


def test_details_holding_lists_and_tables_read_as_words(app):
    """A plugin's entry may keep lists (the references a purge removed) or small tables: the
    journal lists them instead of failing."""
    from portal.core.backoffice.labels import detail_items

    with app.test_request_context():
        items = dict(detail_items({"references": ["RES-A", "RES-B"], "counts": {"lettres": 2}}))
    assert "RES-A, RES-B" in items.values()
    assert "lettres : 2" in items.values()
