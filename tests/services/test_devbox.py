"""The development mailbox: per-tenant pages, the wall between tenants, and its on/off switch."""

from __future__ import annotations

import re
from email import message_from_bytes, policy

import pytest

from portal import create_app
from portal.core.mail import compose_email, send_email
from portal.core.sms import send_sms
from portal.core.tenants import tenant_directory, tenant_scope
from portal.extensions import db

NOTICE = {"title": "Titre", "paragraphs": ["Un paragraphe."], "action_url": None}


def _send_email(app, tenant_ids, slug, subject, **kwargs) -> int:
    """Send one email as ``slug`` through the configured transport; return its mailbox id."""
    from portal.core.devbox import DevboxMessage

    with app.app_context():
        tenant = tenant_directory().by_slug(slug)
        message = compose_email(
            tenant,
            "notification",
            to="dest@example.test",
            subject=subject,
            context={**NOTICE, "title": f"Titre de {subject}"},
            **kwargs,
        )
        with tenant_scope(tenant_ids[slug]):
            send_email(message)
            db.session.commit()
            return db.session.scalar(
                db.select(DevboxMessage.id).where(DevboxMessage.subject == subject)
            )


def test_mailbox_lists_only_the_current_tenant(app, client_for, tenant_ids):
    a_id = _send_email(app, tenant_ids, "resilimo", "Secret de Résilimo")
    b_id = _send_email(app, tenant_ids, "msr", "Message de la MSR")
    with app.app_context(), tenant_scope(tenant_ids["msr"]):
        send_sms("06 11 22 33 44", "Code MSR 111222")
        db.session.commit()

    a_page = client_for("resilimo").get("/_dev/mailbox")
    b_page = client_for("msr").get("/_dev/mailbox")
    assert a_page.status_code == b_page.status_code == 200
    a_html, b_html = a_page.get_data(as_text=True), b_page.get_data(as_text=True)
    # Each page is in its tenant's layout and shows its own messages only.
    assert "Résilimo SAS" in a_html and "Secret de Résilimo" in a_html
    assert "Message de la MSR" not in a_html and "Code MSR" not in a_html
    assert "Caisse centrale de la Mutualité Sociale Rurale" in b_html
    assert "Message de la MSR" in b_html and "Code MSR 111222" in b_html
    assert "Secret de Résilimo" not in b_html
    assert f"/_dev/mailbox/{a_id}" not in b_html
    # Newest first: the SMS was sent after the email.
    assert b_html.index("Code MSR 111222") < b_html.index("Message de la MSR")

    # A's message through B's host does not exist; through A's it does.
    assert client_for("msr").get(f"/_dev/mailbox/{a_id}").status_code == 404
    assert client_for("msr").get(f"/_dev/mailbox/{a_id}/raw").status_code == 404
    assert client_for("resilimo").get(f"/_dev/mailbox/{a_id}").status_code == 200
    assert client_for("resilimo").get(f"/_dev/mailbox/{b_id}").status_code == 404


def test_message_page_shows_headers_html_in_a_sandbox_and_text(app, client_for, tenant_ids):
    message_id = _send_email(app, tenant_ids, "resilimo", "Lettre <envoyée>", cc="cc@example.test")
    client = client_for("resilimo")
    html = client.get(f"/_dev/mailbox/{message_id}").get_data(as_text=True)
    assert "ne-pas-repondre@resilimo.test" in html  # From
    assert "support@resilimo.test" in html  # Reply-To
    assert "cc@example.test" in html
    assert "Lettre &lt;envoyée&gt;" in html  # escaped, never injected into the page
    iframe = re.search(r"<iframe[^>]*>", html, re.S).group(0)
    assert 'sandbox=""' in iframe
    srcdoc = re.search(r'srcdoc="([^"]*)"', iframe).group(1)
    assert "&lt;html" in srcdoc  # the email's HTML, escaped into the attribute
    assert "Titre de Lettre" in srcdoc
    assert "data:image/svg+xml;base64," in srcdoc  # the cid: logo made visible in the frame
    assert "cid:" not in srcdoc
    assert '<pre class="devbox__text"' in html and "Un paragraphe." in html  # text part

    raw = client.get(f"/_dev/mailbox/{message_id}/raw")
    assert raw.mimetype == "message/rfc822"
    assert message_from_bytes(raw.data, policy=policy.default)["Subject"] == "Lettre <envoyée>"


def test_sms_page(app, client_for, tenant_ids):
    from portal.core.devbox import DevboxMessage

    with app.app_context(), tenant_scope(tenant_ids["resilimo"]):
        send_sms("0612345678", "Votre code : 424242")
        db.session.commit()
        sms_id = db.session.scalar(db.select(DevboxMessage.id))
    html = client_for("resilimo").get(f"/_dev/mailbox/{sms_id}").get_data(as_text=True)
    assert "+33612345678" in html and "Votre code : 424242" in html and "Resilimo" in html
    assert client_for("resilimo").get(f"/_dev/mailbox/{sms_id}/raw").status_code == 404


def test_mailbox_is_paginated_newest_first(app, client_for, tenant_ids):
    with app.app_context(), tenant_scope(tenant_ids["resilimo"]):
        for n in range(25):
            send_sms("0612345678", f"Message numéro {n:02d}")
        db.session.commit()
    client = client_for("resilimo")
    first = client.get("/_dev/mailbox").get_data(as_text=True)
    second = client.get("/_dev/mailbox?page=2").get_data(as_text=True)
    first_numbers = re.findall(r"Message numéro (\d\d)", first)
    second_numbers = re.findall(r"Message numéro (\d\d)", second)
    assert first_numbers == [f"{n:02d}" for n in range(24, 4, -1)]
    assert second_numbers == [f"{n:02d}" for n in range(4, -1, -1)]
    assert 'rel="next"' in first and 'rel="next"' not in second
    assert client.get("/_dev/mailbox?page=3").status_code == 404
    assert client.get("/_dev/mailbox?page=0").status_code == 404


@pytest.mark.parametrize(
    ("mail", "sms", "available"),
    [("dev", "dev", True), ("smtp", "dev", True), ("dev", "http", True), ("smtp", "http", False)],
)
def test_mailbox_exists_only_with_a_dev_transport(app, app_config, mail, sms, available):
    other = create_app(
        {
            **app_config,
            "PORTAL_MAIL": mail,
            "PORTAL_SMS": sms,
            "PORTAL_SMS_HTTP_URL": "http://127.0.0.1:9/sms",
        }
    )
    client = other.test_client()
    response = client.get("/_dev/mailbox", base_url="http://resilimo.localhost")
    assert response.status_code == (200 if available else 404)
    assert client.get("/_dev/mailbox/1", base_url="http://resilimo.localhost").status_code in (
        (404,) if not available else (404, 200)
    )


def test_the_mailbox_is_linked_from_the_development_banner_while_it_is_on(client_for):
    home = client_for("resilimo").get("/").get_data(as_text=True)
    banner = home.split("data-dev-banner", 1)[1].split("</p>", 1)[0]
    assert 'href="/_dev/mailbox"' in banner  # not in the main menu (tests/web/test_header.py)
