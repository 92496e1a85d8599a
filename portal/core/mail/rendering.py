"""Rendering templates as a tenant's page would, inside a request or not (jobs, CLI).

Emails and PDFs are often produced by jobs. Outside a request (or in a request of another
tenant), templates are rendered in a throw-away request on the tenant's public address, so the
tenant's template overrides, ``url_for(..., _external=True)``, the layout context and the
tenant's default language all work as they do on its pages.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

from flask import current_app, g, has_request_context

from portal.core.i18n import force_locale
from portal.core.tenants.config import CurrentTenant
from portal.core.tenants.scoping import tenant_scope


def tenant_base_url(tenant: CurrentTenant) -> str:
    """The address every absolute link of ``tenant`` points to, never the request's ``Host``:
    ``PORTAL_TENANT_URL_TEMPLATE`` when set (``portal run`` sets it to the development server),
    else the tenant's first host, else its dev host ``<slug>.<dev suffix>``."""
    template = current_app.config.get("PORTAL_TENANT_URL_TEMPLATE")
    if template:
        return template.format(slug=tenant.slug)
    if tenant.config.hosts:
        return f"https://{tenant.config.hosts[0]}/"
    suffix = current_app.config.get("PORTAL_DEV_HOST_SUFFIX") or "localhost"
    return f"http://{tenant.slug}.{suffix}/"


@contextmanager
def tenant_rendering(tenant: CurrentTenant, locale: str | None = None) -> Iterator[None]:
    """Within the block, ``render_template`` renders for ``tenant`` (in ``locale`` if given)."""
    with ExitStack() as stack:
        current = g.get("tenant") if has_request_context() else None
        if current is None or current.id != tenant.id:
            app = current_app._get_current_object()
            # A fresh app context: its own ``g`` so the caller's tenant, locale cache and
            # database session are left untouched.
            stack.enter_context(app.app_context())
            stack.enter_context(app.test_request_context("/", base_url=tenant_base_url(tenant)))
            g.tenant = tenant
            stack.enter_context(tenant_scope(tenant.id))
        if locale:
            stack.enter_context(force_locale(locale))
        yield
