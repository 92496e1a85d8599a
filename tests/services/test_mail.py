"""Branded composition per tenant, and delivery to a real SMTP server (aiosmtpd on 127.0.0.1)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import ipaddress
import ssl
from email import message_from_bytes, policy

import pytest
from aiosmtpd.smtp import AuthResult
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from flask import url_for
from sqlalchemy import select

from portal import create_app
from portal.core.devbox import DevboxMessage
from portal.core.mail import (
    DevMailTransport,
    MailError,
    SmtpTransport,
    compose_email,
    mail_transport,
    send_email,
    tenant_rendering,
)
from portal.core.tenants import TenantScopeError, tenant_directory, tenant_scope
from portal.extensions import db

NOTICE = {
    "title": "Votre lettre est partie",
    "paragraphs": ["Votre lettre de résiliation a été envoyée à l'assureur.", "Merci."],
    "action_url": "https://portail.resilimo.test/lettres/42",
    "action_label": "Voir la lettre",
}


def _tenant(slug):
    return tenant_directory().by_slug(slug)


def _compose(slug="resilimo", **kwargs):
    kwargs.setdefault("to", "claire@agence.test")
    kwargs.setdefault("subject", "Lettre envoyée")
    kwargs.setdefault("context", NOTICE)
    return compose_email(_tenant(slug), "notification", **kwargs)


def _self_signed(tmp_path):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert_path, key_path)
    client = ssl.create_default_context(cafile=str(cert_path))
    return server, client


def _received(recorder):
    envelope = recorder.envelopes[-1]
    return envelope, message_from_bytes(envelope.content, policy=policy.default)


# --- Composition ----------------------------------------------------------------------------


def test_email_is_branded_for_its_tenant(app):
    with app.app_context():
        message = _compose(cc="agence@agence.test")
    assert message["Subject"] == "Lettre envoyée"
    assert message["From"].addresses[0].display_name == "Résilimo"
    assert message["From"].addresses[0].addr_spec == "ne-pas-repondre@resilimo.test"
    assert message["Reply-To"] == "support@resilimo.test"
    assert message["To"] == "claire@agence.test"
    assert message["Cc"] == "agence@agence.test"
    assert message["Message-ID"].endswith("@resilimo.test>")
    assert message["Auto-Submitted"] == "auto-generated"

    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    for part in (text, html):
        assert "Votre lettre est partie" in part
        assert "Résilimo SAS" in part  # legal entity
        assert "12 rue des Assureurs, 69002 Lyon" in part
        assert "https://portail.resilimo.test/pages/mentions-legales" in part  # footer link
    assert "Voir la lettre : https://portail.resilimo.test/lettres/42" in text
    assert "#14365d" in html  # primary colour
    assert "#e4572e" in html  # accent colour
    # The logo travels inside the message and the HTML points at it.
    logo = next(p for p in message.walk() if p.get("Content-ID"))
    assert logo.get_content_type() == "image/svg+xml"
    assert f'src="cid:{logo["Content-ID"][1:-1]}"' in html
    assert logo.get_content().startswith(b"<svg") or b"<svg" in logo.get_content()


def test_each_tenant_gets_its_own_brand_and_sender(app):
    with app.app_context():
        message = _compose("msr")
    html = message.get_body(("html",)).get_content()
    assert message["From"].addresses[0].addr_spec == "ne-pas-repondre@msr.test"
    assert message["Reply-To"] is None  # no reply_to in msr's [email]
    assert "Caisse centrale de la Mutualité Sociale Rurale" in html
    assert "#2f6b1f" in html and "#14365d" not in html
    assert "merci de ne pas y répondre" in html


def test_attachments_are_added(app):
    from portal.core.mail import Attachment

    with app.app_context():
        message = _compose(attachments=[Attachment("lettre.pdf", b"%PDF-1.7", "application/pdf")])
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_filename() == "lettre.pdf"
    assert attachment.get_content() == b"%PDF-1.7"
    assert message.get_body(("html",)) is not None and message.get_body(("plain",)) is not None


def test_rendering_uses_the_tenant_language_and_public_address(app, client_for):
    with app.app_context():
        horizon = _tenant("horizon")
        assert (
            'lang="en"'
            in compose_email(  # Horizon's default language is English
                horizon, "notification", to="a@b.test", subject="S", context=NOTICE
            )
            .get_body(("html",))
            .get_content()
        )
        forced = compose_email(
            horizon, "notification", to="a@b.test", subject="S", context=NOTICE, locale="fr"
        )
        assert 'lang="fr"' in forced.get_body(("html",)).get_content()
        # In a job (no request), links point at the tenant's public host.
        with tenant_rendering(_tenant("resilimo")):
            assert url_for("core.home", _external=True) == "https://portail.resilimo.test/"
    # In a request of the same tenant too: never at the host (and port) it was reached on.
    with app.test_request_context("/", base_url="http://resilimo.localhost:6666"):
        app.preprocess_request()
        with tenant_rendering(_tenant("resilimo")):
            assert url_for("core.home", _external=True) == "https://portail.resilimo.test/"


def test_a_tenant_theme_can_override_a_mail_template(app, tmp_path):
    with app.app_context():
        resilimo = _tenant("resilimo")
        theme = tmp_path / "theme"
        (theme / "templates" / "mail").mkdir(parents=True)
        (theme / "static").mkdir()
        (theme / "static" / "logo.svg").write_bytes(
            (resilimo.theme_dir / "static" / "logo.svg").read_bytes()
        )
        (theme / "templates" / "mail" / "notification.txt").write_text(
            "{% extends 'mail/base.txt' %}"
            "{% block body %}Version du thème : {{ title }}{% endblock %}"
        )
        themed = dataclasses.replace(resilimo, theme_dir=theme, revision="test-theme-override")
        message = compose_email(themed, "notification", to="a@b.test", subject="S", context=NOTICE)
    assert (
        message.get_body(("plain",))
        .get_content()
        .startswith("Version du thème : Votre lettre est partie")
    )


# --- SMTP -----------------------------------------------------------------------------------


def test_smtp_delivers_both_parts_and_the_envelope(app, smtp_server):
    controller, recorder = smtp_server()
    with app.app_context():
        message = _compose(to=["claire@agence.test"], bcc="archive@resilimo.test")
    SmtpTransport(controller.hostname, controller.port, timeout=5).send(message)

    envelope, received = _received(recorder)
    assert envelope.mail_from == "ne-pas-repondre@resilimo.test"
    assert envelope.rcpt_tos == ["claire@agence.test", "archive@resilimo.test"]
    assert received["Bcc"] is None  # in the envelope only
    assert received["Subject"] == "Lettre envoyée"
    assert received["From"].addresses[0].display_name == "Résilimo"
    assert "Votre lettre est partie" in received.get_body(("plain",)).get_content()
    html = received.get_body(("html",)).get_content()
    assert "#14365d" in html and "Résilimo SAS" in html


def test_smtp_starttls_and_login(app, smtp_server, tmp_path):
    server_tls, client_tls = _self_signed(tmp_path)
    logins = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        logins.append((mechanism, auth_data.login, auth_data.password))
        ok = (auth_data.login, auth_data.password) == (b"portal", b"s3cret")
        return AuthResult(success=ok, handled=False)  # let aiosmtpd answer 235 or 535

    controller, recorder = smtp_server(
        tls_context=server_tls,
        require_starttls=True,
        authenticator=authenticator,
        auth_required=True,
    )
    transport = SmtpTransport(
        "127.0.0.1",
        controller.port,
        username="portal",
        password="s3cret",  # noqa: S106
        starttls=True,
        ssl_context=client_tls,
        timeout=5,
    )
    with app.app_context():
        transport.send(_compose())
    assert logins and logins[0][1:] == (b"portal", b"s3cret")
    assert recorder.envelopes[0].rcpt_tos == ["claire@agence.test"]

    # A wrong password is a MailError (from the 535 answer), not a raw smtplib error.
    with pytest.raises(MailError, match="535"):
        SmtpTransport(
            "127.0.0.1",
            controller.port,
            username="portal",
            password="nope",  # noqa: S106
            starttls=True,
            ssl_context=client_tls,
            timeout=5,
        ).send(_compose_in(app))


def _compose_in(app):
    with app.app_context():
        return _compose()


def test_an_unreachable_relay_raises_mail_error(app, unused_port):
    message = _compose_in(app)
    with pytest.raises(MailError, match="SMTP 127.0.0.1"):
        SmtpTransport("127.0.0.1", unused_port, timeout=2).send(message)


def test_config_chooses_smtp(app, app_config, smtp_server):
    controller, recorder = smtp_server()
    smtp_app = create_app(
        {
            **app_config,
            "PORTAL_MAIL": "smtp",
            "PORTAL_SMTP_HOST": "127.0.0.1",
            "PORTAL_SMTP_PORT": controller.port,
        }
    )
    with smtp_app.app_context():
        assert isinstance(mail_transport(), SmtpTransport)
        send_email(
            compose_email(
                smtp_app.extensions["portal.tenants"].by_slug("msr"),
                "notification",
                to="adherent@example.test",
                subject="Nouveau message",
                context=NOTICE,
            )
        )
    envelope, received = _received(recorder)
    assert envelope.mail_from == "ne-pas-repondre@msr.test"
    assert received["Subject"] == "Nouveau message"
    with pytest.raises(ValueError, match="PORTAL_MAIL"):
        create_app({**app_config, "PORTAL_MAIL": "sendmail"})


# --- The development transport --------------------------------------------------------------


def test_dev_transport_keeps_mail_in_the_tenant_mailbox(app, tenant_ids):
    with app.app_context():
        assert isinstance(mail_transport(), DevMailTransport)  # the default
        message = _compose()
        with tenant_scope(tenant_ids["resilimo"]):
            send_email(message)
            db.session.commit()
            row = db.session.scalars(select(DevboxMessage)).one()
        assert row.kind == "email"
        assert row.tenant_id == tenant_ids["resilimo"]
        assert row.recipients == "claire@agence.test"
        assert row.subject == "Lettre envoyée"
        assert "Votre lettre est partie" in row.body_text
        assert (
            message_from_bytes(row.raw, policy=policy.default)["Message-ID"]
            == message["Message-ID"]
        )
        with pytest.raises(TenantScopeError):  # whose mailbox? there must be an active tenant
            send_email(message)
