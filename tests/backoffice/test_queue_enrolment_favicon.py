"""The approval queue shows who asks (kind of account, member category); the first login shows
a QR code to scan; the back office has its own favicon (issue 12, point 7)."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import segno
from bokit import PASSWORD, csrf_token, make_account

from portal.core.accounts.models import AccountStatus
from portal.core.backoffice.models import StaffRole


def test_the_queue_shows_the_kind_of_account_and_the_member_category(app, staff_client, tenant_ids):
    with app.app_context():
        farmer = make_account(
            tenant_ids["msr"],
            status=AccountStatus.PENDING_APPROVAL,
            commercial_name="",
            first_name="Paul",
            last_name="Moreau",
            category="farmer",
            created_at=datetime.now(UTC) - timedelta(days=1),
        )
    client, _ = staff_client(StaffRole.SUPPORT)
    page = html.unescape(client.get("/backoffice/inscriptions").text)
    row = page.split(f'id="request-{farmer}"', 1)[1].split("</tr>", 1)[0]
    assert "Paul Moreau" in row  # a member has no commercial name: the holder's name
    assert 'data-kind="member"' in row and "Adhérent" in row
    assert 'data-category="farmer"' in row and "Exploitant" in row
    assert "Sans ORIAS" not in row and "Pas d'affiliation" not in row
    assert "Valider la demande de Paul Moreau" in row
    reject = html.unescape(client.get(f"/backoffice/inscriptions/{farmer}/refuser").text)
    assert "Refuser la demande de Paul Moreau" in reject and "Exploitant" in reject


def test_first_login_shows_a_qr_code_of_the_provisioning_uri(app, make_staff, backoffice):
    staff = make_staff(StaffRole.ADMIN, enrolled=False)
    client = backoffice()
    page = client.get("/backoffice/connexion")
    client.post(
        "/backoffice/connexion",
        data={"email": staff.email, "password": PASSWORD, "csrf_token": csrf_token(page.text)},
    )
    page = client.get("/backoffice/connexion/code").text
    uri = html.unescape(re.search(r'<code class="totp-uri">([^<]+)</code>', page).group(1))
    assert uri.startswith("otpauth://totp/")
    svg = re.search(r"<svg[^>]*>.*?</svg>", page, re.S).group(0)
    assert 'role="img"' in svg and "<title>Code QR de configuration" in svg
    # The very modules an authenticator app reads: the same as segno's for that URI.
    expected = segno.make(uri, error="m").svg_inline(scale=4, border=4, omitsize=True)
    drawn = re.search(r' d="([^"]+)"', svg).group(1)
    assert drawn == re.search(r' d="([^"]+)"', expected).group(1)
    assert "<script" not in page and "data:" not in svg


def test_the_back_office_has_a_favicon(app, backoffice):
    client = backoffice()
    login = client.get("/backoffice/connexion").text
    assert '<link rel="icon" href="/backoffice/favicon.svg" type="image/svg+xml">' in login
    icon = client.get("/backoffice/favicon.svg")
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
    assert icon.data.startswith(b"<svg") and b"<script" not in icon.data
    style = client.get("/backoffice/backoffice.css")
    assert style.status_code == 200 and style.mimetype == "text/css"


def test_the_dashboard_counts_the_refunds_to_make(app, staff_client, make_account):
    from portal.core.accounts.models import Account
    from portal.core.credits import refunds
    from portal.core.credits.billing import operations as billing
    from portal.core.tenants import tenant_directory, tenant_scope, unscoped
    from portal.extensions import db

    client, staff = staff_client(StaffRole.SUPPORT)
    before = int(
        re.search(
            r'data-count="refunds">\s*(\d+)', client.get("/backoffice/tableau-de-bord").text
        ).group(1)
    )
    ref = make_account("resilimo", email="cloture@agence.fr", status=AccountStatus.CLOSING)
    with app.app_context(), unscoped():
        account = db.session.get(Account, ref.id)
        billing.adjust_credit(account, staff, 6000, "Avoir", "dashboard-1")
        with tenant_scope(ref.tenant_id):
            refunds.request_refund(
                account,
                account.holder_profile,
                tenant_directory().get(ref.tenant_id),
                iban="FR76 3000 6000 0112 3456 7890 189",
                holder=account.holder_name,
            )
        db.session.commit()
    page = client.get("/backoffice/tableau-de-bord").text
    assert re.search(rf'data-count="refunds">\s*{before + 1}\s*<', page)
    assert 'href="/backoffice/credits/remboursements"' in page
