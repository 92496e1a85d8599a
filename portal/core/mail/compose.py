"""Branded emails: a tenant, a template pair, a context → a standard ``EmailMessage``."""

from __future__ import annotations

import mimetypes
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from flask import render_template

from portal.core import clock
from portal.core.mail.rendering import tenant_rendering
from portal.core.pages import mail_links
from portal.core.tenants.config import CurrentTenant


@dataclass(frozen=True)
class Attachment:
    filename: str
    data: bytes
    content_type: str = "application/octet-stream"


def _addresses(value: str | Iterable[str] | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def compose_email(
    tenant: CurrentTenant,
    template: str,
    *,
    to: str | Iterable[str],
    subject: str,
    context: dict | None = None,
    cc: str | Iterable[str] | None = None,
    bcc: str | Iterable[str] | None = None,
    reply_to: str | None = None,
    attachments: Sequence[Attachment] = (),
    locale: str | None = None,
) -> EmailMessage:
    """Render ``mail/<template>.html`` and ``.txt`` for ``tenant`` into one message.

    Both templates extend ``mail/base.*`` (tenant name, logo, colours, legal entity, footer
    links); a tenant may override any of them in its ``theme/templates/mail/``. ``subject`` may
    be a lazy string: it is translated in the message's language (``locale``, else the current
    request's, else the tenant's default). The logo travels inside the message (``cid:``) so it
    shows without loading remote images. From / Reply-To come from the tenant's ``[email]``.
    """
    recipients = _addresses(to)
    if not recipients:
        raise ValueError("an email needs at least one recipient")
    sender = tenant.config.email
    brand = tenant.config.brand
    domain = sender.address.rsplit("@", 1)[1]
    logo_path = tenant.theme_dir / "static" / brand.logo
    logo_cid = make_msgid("logo", domain=domain)

    with tenant_rendering(tenant, locale):
        subject_text = str(subject)
        values = {
            **(context or {}),
            "tenant": tenant,
            "brand": brand,
            "legal": tenant.config.legal,
            "footer_links": mail_links(tenant),  # absolute addresses of its pages
            "sender": sender,
            "subject": subject_text,
            "logo_src": "cid:" + logo_cid[1:-1],
        }
        html = render_template(f"mail/{template}.html", **values)
        text = render_template(f"mail/{template}.txt", **values)

    message = EmailMessage()
    message["Subject"] = subject_text
    message["From"] = Address(display_name=sender.name, addr_spec=sender.address)
    message["To"] = ", ".join(recipients)
    if cc:
        message["Cc"] = ", ".join(_addresses(cc))
    if bcc:
        message["Bcc"] = ", ".join(_addresses(bcc))
    if reply_to or sender.reply_to:
        message["Reply-To"] = reply_to or sender.reply_to
    message["Date"] = format_datetime(clock.local_now(tenant))
    message["Message-ID"] = make_msgid(domain=domain)
    # Tells mail servers not to answer with out-of-office replies (RFC 3834).
    message["Auto-Submitted"] = "auto-generated"

    message.set_content(text)
    message.add_alternative(html, subtype="html")
    maintype, subtype = _split(mimetypes.guess_type(logo_path.name)[0] or "image/png")
    message.get_body(("html",)).add_related(
        logo_path.read_bytes(),
        maintype,
        subtype,
        cid=logo_cid,
        filename=logo_path.name,
        disposition="inline",
    )
    for attachment in attachments:
        maintype, subtype = _split(attachment.content_type)
        message.add_attachment(attachment.data, maintype, subtype, filename=attachment.filename)
    return message


def _split(content_type: str) -> tuple[str, str]:
    maintype, _, subtype = content_type.partition("/")
    return maintype, subtype or "octet-stream"
