"""Account search across tenants, paginated, and one account's file."""

from __future__ import annotations

import re
from datetime import date

from bokit import make_account

from portal.core import audit
from portal.core.backoffice.models import StaffRole
from portal.core.tenants import tenant_scope
from portal.core.verification.models import DocumentKind, ProfessionalDocument
from portal.extensions import db


def _rows(html: str) -> list[str]:
    return re.findall(r'href="/backoffice/comptes/(\d+)"', html)


def test_search_finds_accounts_of_every_tenant_by_email_name_commercial_name_or_orias(
    app, staff_client, tenant_ids
):
    with app.app_context():
        resilimo = make_account(
            tenant_ids["resilimo"],
            commercial_name="Cabinet Lefèvre Assurances",
            last_name="LEFEVRE",
            orias="12345678",
        )
        msr = make_account(
            tenant_ids["msr"],
            email="jeanne.lefevre@agence.example.fr",
            commercial_name="Agence du Bocage",
            first_name="Jeanne",
            last_name="Lefevre",
        )
        other = make_account(tenant_ids["horizon"], commercial_name="Autre Courtage")
    client, _ = staff_client(StaffRole.SUPPORT)

    def found(**args) -> set[int]:
        response = client.get("/backoffice/comptes", query_string=args)
        assert response.status_code == 200
        return {int(i) for i in _rows(response.text)}

    assert found(q="lefev") == {resilimo, msr}  # across tenants, case-insensitive
    assert found(q="Jeanne Lefevre") == {msr}  # full name
    assert found(q="agence.example") == {msr}  # email
    assert found(q="12 345 678") == {resilimo}  # ORIAS, typed with spaces
    assert found(q="bocage") == {msr}
    assert found(q="Lefèvre Assurances") == {resilimo}
    # Accents and case aside, on SQLite as on PostgreSQL.
    assert found(q="LEFÈVRE") == {resilimo, msr}
    assert found(q="cabinet lefevre") == {resilimo}
    assert found(q="lefev", tenant=tenant_ids["msr"]) == {msr}
    assert found(q="lefev", status="pending_approval") == set()
    assert other in found()
    assert found(q="100%_") == set()  # wildcards are plain characters


def test_results_come_25_per_page(app, staff_client, tenant_ids):
    with app.app_context():
        ids = [
            make_account(tenant_ids["resilimo"], commercial_name=f"Pagination {n:02d}")
            for n in range(27)
        ]
    client, _ = staff_client(StaffRole.SUPPORT)
    first = client.get("/backoffice/comptes?q=Pagination").text
    second = client.get("/backoffice/comptes?q=Pagination&page=2").text
    assert len(_rows(first)) == 25 and len(_rows(second)) == 2
    assert "Page 1 sur 2 (27 résultats)" in first
    assert 'href="/backoffice/comptes?q=Pagination&amp;page=2"' in first
    assert {int(i) for i in _rows(first) + _rows(second)} == set(ids)


def test_account_file_shows_holder_profiles_documents_and_its_audit_entries(
    app, staff_client, tenant_ids
):
    tenant_id = tenant_ids["msr"]
    with app.app_context():
        account_id = make_account(
            tenant_id, commercial_name="Agence Marchand", mobile="+33612345678", orias="87654321"
        )
        with tenant_scope(tenant_id):
            db.session.add(
                ProfessionalDocument(
                    account_id=account_id,
                    kind=DocumentKind.ORIAS_CERTIFICATE,
                    storage_key="k",
                    filename="attestation-orias.pdf",
                    content_type="application/pdf",
                    size=1000,
                    expires_on=date(2031, 1, 31),
                )
            )
            audit.record(
                "account.activated",
                actor_type="account",
                actor_id=account_id,
                actor_label="agent",
                tenant_id=tenant_id,
            )
            db.session.commit()
    client, _ = staff_client(StaffRole.SUPPORT)
    page = client.get(f"/backoffice/comptes/{account_id}").text
    for expected in (
        "Agence Marchand",
        "Mutualité Sociale Rurale",
        "87654321",
        "06 12 34 56 78",
        "Camille Durand",
        "attestation-orias.pdf",
        "Compte activé",
        "Actif",
    ):
        assert expected in page, expected
    assert client.get("/backoffice/comptes/999999").status_code == 404


def test_dashboard_counts_documents_to_review_and_links_to_their_queue(
    app, staff_client, tenant_ids
):
    tenant_id = tenant_ids["resilimo"]
    with app.app_context():
        account_id = make_account(tenant_id)
        with tenant_scope(tenant_id):
            for name in ("a.pdf", "b.pdf"):
                db.session.add(
                    ProfessionalDocument(
                        account_id=account_id,
                        kind=DocumentKind.ORIAS_CERTIFICATE,
                        storage_key=name,
                        filename=name,
                        content_type="application/pdf",
                        size=10,
                    )
                )
            db.session.commit()
    client, _ = staff_client(StaffRole.SUPPORT)
    page = client.get("/backoffice/tableau-de-bord").text
    assert re.search(r'data-count="documents">\s*2\s*<', page)
    assert 'href="/backoffice/justificatifs"' in page
