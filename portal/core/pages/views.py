"""``/pages/<slug>``: a tenant's FAQ, documentation, demos, CGU, CGV, privacy policy and legal
notice, rendered from its Markdown files (or sent on to its external address).

A paragraph of its own reading ``[[tarifs]]`` in a page file becomes the tenant's price list
(the priced items of its enabled services with its ``[prices]``): a CGV never quotes a price
the portal does not charge."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from babel import Locale
from babel.numbers import format_percent
from flask import abort, redirect, render_template
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup

from portal.core.pages.catalog import (
    BY_SLUG,
    DEMOS,
    FAQ,
    LEGAL_NOTICE,
    PRIVACY,
    USER_DOC,
    find_file,
    source_of,
)
from portal.core.pages.links import pages_dir
from portal.core.pages.markdown import RenderedPage, render
from portal.core.pricing import price_list
from portal.core.tenants import CurrentTenant, current_tenant
from portal.core.web.pipeline import Access, handler

# Pages that end with « Vous n'avez pas trouvé votre réponse ? » and the contact form.
HELP_PAGES = (FAQ, USER_DOC, DEMOS)
# A table of contents from this many sections on.
TOC_MIN_SECTIONS = 3
PRICES_MARK = "<p>[[tarifs]]</p>"


@lru_cache(maxsize=128)
def _rendered(path: str, mtime_ns: int, size: int) -> RenderedPage:
    return render(Path(path).read_text(encoding="utf-8"))


def rendered_file(path: Path) -> RenderedPage:
    """The page of one file, rendered again only when the file changes."""
    stat = path.stat()
    return _rendered(str(path), stat.st_mtime_ns, stat.st_size)


def price_rows(tenant: CurrentTenant, locale: str) -> list[dict]:
    """The tenant's price list: each item with its price excluding VAT, rate and price."""
    rows = []
    for item in price_list(tenant).values():
        excluding = round(item.price_cents * 10000 / (10000 + item.vat_rate_bp))
        rows.append(
            {
                "label": str(item.label),
                "excluding_vat": excluding,
                "rate": format_percent(item.vat_rate_bp / 10000, locale=locale),
                "price": item.price_cents,
            }
        )
    return rows


def with_prices(html: Markup, tenant: CurrentTenant, locale: str) -> Markup:
    if PRICES_MARK not in html:
        return html
    table = render_template("pages/_prices.html", rows=price_rows(tenant, locale))
    return Markup(str(html).replace(PRICES_MARK, table))  # noqa: S704 - both parts are escaped


@handler(Access.ANONYMOUS)
def page(name: str):
    kind = BY_SLUG.get(name)
    if kind is None:
        abort(404)
    tenant = current_tenant()
    source = source_of(tenant.config, kind)
    if source.url is not None:
        return redirect(source.url)
    locale = str(get_locale())
    found = find_file(pages_dir(tenant), source.stem, locale, tenant.config)
    if found is None and kind is not LEGAL_NOTICE:  # the legal notice has the [legal] block
        abort(404)
    rendered = rendered_file(found.path) if found else None
    page_locale = (found.locale or tenant.config.default_locale) if found else locale
    other_language = None
    if page_locale != locale:
        other_language = Locale.parse(page_locale).get_language_name(locale)
    return render_template(
        "pages/page.html",
        kind=kind,
        title=(rendered.title if rendered else "") or _(kind.label),
        body=with_prices(rendered.html, tenant, locale) if rendered else None,
        toc=rendered.toc if rendered and len(rendered.toc) >= TOC_MIN_SECTIONS else [],
        page_locale=page_locale,
        other_language=other_language,
        legal=tenant.config.legal,
        show_publisher=kind is LEGAL_NOTICE,
        show_dpo=kind is PRIVACY,
        show_help=kind in HELP_PAGES,
    )
