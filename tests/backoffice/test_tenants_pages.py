"""Admins read each tenant's validated settings (edited in tenant.toml, never here)."""

from __future__ import annotations

from portal.core.backoffice.models import StaffRole


def test_tenant_list_shows_hosts_services_and_sign_up_mode(staff_client):
    client, _ = staff_client(StaffRole.ADMIN)
    page = client.get("/backoffice/tenants").text
    for expected in (
        "resilimo",
        "Horizon Solutions+",
        "solutions.horizon-mutuelle.test",
        "msr.localhost",
        "Assurance emprunteur, Courrier papier, Résiliation",
        "Sur invitation",
        "Inscription validée par un opérateur",
        "portal tenants sync",
    ):
        assert expected in page, expected


def test_tenant_detail_shows_every_setting_with_plugin_defaults_read_only(staff_client):
    client, _ = staff_client(StaffRole.ADMIN)
    page = client.get("/backoffice/tenants/resilimo").text
    assert "tenants/resilimo/tenant.toml" in page and "portal tenants sync" in page
    assert "idle_timeout_minutes" in page and "Courtier indépendant" in page  # [accounts]
    assert 'id="plugin-paper_mail"' in page
    assert "max_sheets_per_envelope" in page and "95" in page  # a default, not in the file
    assert "10:30:00" in page  # paper mail cut-off
    assert "<form" not in page.split("</header>", 1)[1]  # nothing to submit: read-only

    assert client.get("/backoffice/tenants/inconnu").status_code == 404
