"""Sending a termination letter in a real browser (issue « Resiliation II », done when): the
letter validated on its confirmation page, its states moving as the registered-mail sandbox
deposits it and the recipient accepts it, each proof downloaded, then the Excel export of the
letters, opened in LibreOffice with its rows."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import zipfile
from types import SimpleNamespace

import pytest
from browserkit import log_in
from sendkit import allowed, approve, freezer, ready_letter, run_periodic

from portal.core.sendings.jobs import dispatch_due

pytestmark = pytest.mark.browser

EMAIL = "paul.martin@agence-martin.fr"
PASSWORD = "Martin-Agence-2024!"  # noqa: S105 - a test account's password, it meets the policy
SHOTS = os.environ.get("PORTAL_SHOTS")
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


@pytest.fixture
def agency(app, browser_account, tenant_ids):
    from sqlalchemy import select

    from portal.core.accounts.models import Profile
    from portal.core.tenants import tenant_scope
    from portal.extensions import db

    account_id = browser_account("resilimo", EMAIL, PASSWORD)
    with app.app_context(), tenant_scope(tenant_ids["resilimo"]):
        holder = db.session.scalar(
            select(Profile.id).where(Profile.account_id == account_id, Profile.is_holder)
        )
    account = SimpleNamespace(
        id=account_id, tenant_id=tenant_ids["resilimo"], holder_profile_id=holder
    )
    allowed(app, account)  # ORIAS verified, the platform's mandate signed, 50 € of credit
    return account


def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def test_a_letter_sent_moves_to_accepted_with_its_proofs_and_the_export_opens(
    app, page, live_server, agency, tmp_path, monkeypatch
):
    from playwright.sync_api import expect

    # 10:00 in Paris: the letter may leave today (after 20:00 it could not be confirmed).
    freezer(monkeypatch)(0, 10)
    if SOFFICE is None:
        pytest.skip(
            "LibreOffice (soffice) is not installed: apt-get install libreoffice-calc-nogui"
        )
    letter_id = ready_letter(app, agency, last_name="Dupont")  # the recipient accepts (sandbox)
    base = live_server.format(host="resilimo.localhost")
    log_in(page, base, EMAIL, PASSWORD)

    # Validated on its confirmation page: charged, scheduled.
    page.goto(f"{base}/resiliation/lettres/{letter_id}/confirmer")
    page.get_by_label("Je confirme ces dates et je suis responsable de ce choix").check()
    page.locator("form button[type=submit]").last.click()
    tracking = page.locator("#suivi")
    expect(tracking).to_be_visible()
    shot(page, "r2-validated")
    approve(app, agency, letter_id)  # the support's check of the account's first letter

    # The scheduler's minute: handed to the sandbox, which deposits it; the recipient accepts.
    run_periodic(app, dispatch_due)
    page.reload()
    expect(tracking).to_contain_text("Signé")
    expect(tracking).to_contain_text("Avis de dépôt")
    shot(page, "r2-accepted")

    # Each proof, then all of them.
    proofs = page.locator("[data-proof] a")
    assert proofs.count() >= 2
    for index in range(proofs.count()):
        with page.expect_download() as download:
            proofs.nth(index).click()
        assert download.value.path().read_bytes().startswith(b"%PDF-")
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger toutes les preuves").click()
    with zipfile.ZipFile(download.value.path()) as bundle:
        assert len([n for n in bundle.namelist() if n.endswith(".pdf")]) == proofs.count()

    # The Excel export of the sent letters, opened by LibreOffice.
    page.goto(f"{base}/resiliation/")
    with page.expect_download() as download:
        page.get_by_role("link", name="Exporter vers Excel").first.click()
    workbook = tmp_path / "lettres.xlsx"
    download.value.save_as(workbook)
    subprocess.run(
        [
            SOFFICE,
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/lo-profile",
            "--convert-to",
            "csv",
            "--outdir",
            str(tmp_path),
            str(workbook),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    with open(tmp_path / "lettres.csv", encoding="utf-8", errors="replace") as sheet:
        rows = list(csv.reader(sheet))
    assert len(rows) == 2  # the headers, then the letter
    assert any("Dupont" in cell for cell in rows[1])
