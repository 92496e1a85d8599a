"""Addresses of a tenant's pages, for the footer, the emails and any template or view::

from portal.core.pages import page_url
page_url("cgv")  # "/pages/cgv", the tenant's external address, or None: no such page
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flask import url_for
from flask_babel import gettext as _

from portal.core.pages.catalog import (
    BY_SLUG,
    LEGAL_NOTICE,
    PAGES,
    PAGES_FOLDER,
    PRIVACY,
    PageKind,
    find_file,
    source_of,
)
from portal.core.tenants import CurrentTenant, current_tenant


def pages_dir(tenant: CurrentTenant) -> Path:
    return tenant.theme_dir.parent / PAGES_FOLDER


def page_url(
    page: str | PageKind, *, tenant: CurrentTenant | None = None, external: bool = False
) -> str | None:
    """Where page ``page`` (a slug of :data:`~portal.core.pages.catalog.PAGES`) of the tenant is
    read: its external address, its ``/pages/<slug>`` URL (absolute with ``external``), or None
    when the tenant does not have it. Needs a request (a mail's rendering has one)."""
    kind = page if isinstance(page, PageKind) else BY_SLUG[page]
    tenant = tenant or current_tenant()
    source = source_of(tenant.config, kind)
    if source.url is not None:
        return source.url
    if kind is LEGAL_NOTICE or find_file(
        pages_dir(tenant), source.stem, tenant.config.default_locale, tenant.config
    ):
        return url_for("pages.page", name=kind.slug, _external=external)
    return None


@dataclass(frozen=True)
class FooterLink:
    label: str
    url: str
    external: bool = False


def footer_links() -> list[FooterLink]:
    """The footer's links: each page the tenant has, and the contact form, in order."""
    links = []
    for kind in PAGES:
        if kind is PRIVACY:
            links.append(FooterLink(_("Nous contacter"), url_for("contact.form")))
        url = page_url(kind)
        if url is not None:
            links.append(FooterLink(_(kind.label), url, url.startswith(("http://", "https://"))))
    return links


@dataclass(frozen=True)
class MailLinks:
    """The footer of a tenant's emails: absolute addresses (None: the tenant has no such page)."""

    contact: str
    privacy: str | None
    legal_notice: str


def mail_links(tenant: CurrentTenant) -> MailLinks:
    """Call within ``tenant_rendering`` (a request on the tenant's public address)."""
    return MailLinks(
        contact=url_for("contact.form", _external=True),
        privacy=page_url(PRIVACY, tenant=tenant, external=True),
        legal_notice=page_url(LEGAL_NOTICE, tenant=tenant, external=True),
    )
