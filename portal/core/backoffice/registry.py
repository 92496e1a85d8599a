"""The back office of one application: its pages, the plugin owning each, its menu.

Core modules and plugins declare their pages and menu entries through the hooks
``backoffice_pages`` and ``backoffice_menu_items``; :func:`build` collects them once per
application into a :class:`Backoffice` kept in ``app.extensions["portal.backoffice"]`` (several
applications in one process each have their own).

- A core module's page is ``backoffice.<endpoint>`` at ``/backoffice<rule>``; it runs across
  tenants (a URL naming ``<tenant_slug>`` runs in that tenant).
- A plugin's page is ``backoffice.<plugin>.<endpoint>`` at
  ``/backoffice/t/<tenant_slug>/<plugin><rule>``: the operator picks the tenant, the page runs in
  that tenant's scope (``g.backoffice_tenant``) and answers 404 where the plugin is off. Inside the
  plugin's pages, ``url_for(".other_page")`` keeps the current tenant.

A menu entry names a page of its own module or plugin; it is shown to the staff the page admits
(an ``Access.ADMIN`` page: admins only). A plugin's entry leads to a list of the tenants that
enable the plugin, each linking to the page for that tenant.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Blueprint, Flask, current_app, g, redirect, render_template, url_for
from werkzeug.exceptions import HTTPException

from portal.core.plugins import PluginError, PortalPlugins
from portal.core.plugins.manager import CORE_PREFIX
from portal.core.tenants import CurrentTenant
from portal.core.web.pipeline import Access, handler

__all__ = [
    "Backoffice",
    "BackofficeMenuItem",
    "BackofficePage",
    "build",
    "current_backoffice",
    "picked_tenant",
]

TENANT_PREFIX = "/t/<tenant_slug>"


@dataclass(frozen=True)
class BackofficePage:
    """A back-office URL: ``rule`` (below the module's or plugin's prefix), its ``endpoint``
    name, the view (``@handler(Access.STAFF)`` or ``Access.ADMIN``) and its HTTP methods."""

    rule: str
    endpoint: str
    view: Callable
    methods: tuple[str, ...] = ("GET",)


@dataclass(frozen=True)
class BackofficeMenuItem:
    """A back-office menu entry: a translated label and the ``endpoint`` of one of the
    contributor's own pages (as declared in its ``BackofficePage``), sorted by ``order``."""

    label: str
    endpoint: str
    order: int = 500


@dataclass(frozen=True)
class MenuEntry:
    """A menu entry as the layout shows it: ``plugin`` is None for a core module's page."""

    label: str
    endpoint: str
    order: int
    admin_only: bool
    plugin: str | None

    def href(self) -> str:
        if self.plugin is None:
            return url_for(self.endpoint)
        return url_for("backoffice.pick_tenant", page=self.endpoint)

    def shown_to(self, staff) -> bool:
        return staff is not None and (staff.is_admin or not self.admin_only)


@dataclass
class Backoffice:
    """The application's back office: the blueprint, the menu, the plugin owning each page."""

    blueprint: Blueprint
    menu: list[MenuEntry] = field(default_factory=list)
    page_owners: dict[str, str] = field(default_factory=dict)

    def plugin_entry(self, endpoint: str) -> MenuEntry | None:
        """The plugin's menu entry leading to ``endpoint``, if there is one."""
        return next((e for e in self.menu if e.plugin and e.endpoint == endpoint), None)


def current_backoffice() -> Backoffice:
    return current_app.extensions["portal.backoffice"]


def picked_tenant() -> CurrentTenant:
    """The tenant the back-office page being served works on: the one its URL names."""
    return g.backoffice_tenant


def build(app: Flask, plugins: PortalPlugins) -> Backoffice:
    """Collect every back-office page and menu entry, register the blueprint (once per app)."""
    from portal.core.backoffice.views.plugins import pick_tenant

    backoffice = Backoffice(Blueprint("backoffice", __name__, url_prefix="/backoffice"))
    backoffice.blueprint.add_url_rule("/", "home", _home)
    backoffice.blueprint.add_url_rule("/choix-du-tenant", "pick_tenant", pick_tenant)
    backoffice.blueprint.register_error_handler(HTTPException, _error_page)

    pages: dict[str, BackofficePage] = {}  # by full endpoint
    children: dict[str, Blueprint] = {}
    for owner, declared in plugins.call_each("backoffice_pages"):
        plugin = None if owner.startswith(CORE_PREFIX) else owner
        target = backoffice.blueprint if plugin is None else _plugin_blueprint(children, plugin)
        for page in declared:
            _check_view(plugin, owner, page)
            target.add_url_rule(page.rule, page.endpoint, page.view, methods=list(page.methods))
            endpoint = _full_endpoint(plugin, page.endpoint)
            pages[endpoint] = page
            if plugin is not None:
                backoffice.page_owners[endpoint] = plugin
    for child in children.values():
        backoffice.blueprint.register_blueprint(child)

    for owner, items in plugins.call_each("backoffice_menu_items"):
        plugin = None if owner.startswith(CORE_PREFIX) else owner
        for item in items:
            endpoint = _full_endpoint(plugin, item.endpoint)
            _check_menu_item(owner, item, pages.get(endpoint))
            access = pages[endpoint].view.portal_handler["access"]
            backoffice.menu.append(
                MenuEntry(item.label, endpoint, item.order, access is Access.ADMIN, plugin)
            )
    backoffice.menu.sort(key=lambda entry: entry.order)

    app.register_blueprint(backoffice.blueprint)
    app.extensions["portal.backoffice"] = backoffice
    app.extensions["portal.backoffice_page_owners"] = backoffice.page_owners
    return backoffice


def _plugin_blueprint(children: dict[str, Blueprint], plugin: str) -> Blueprint:
    if plugin not in children:
        child = Blueprint(plugin, __name__, url_prefix=f"{TENANT_PREFIX}/{plugin}")
        child.url_defaults(_keep_tenant)
        children[plugin] = child
    return children[plugin]


def _keep_tenant(endpoint: str, values: dict) -> None:
    """A link from a plugin's page to another of its pages stays in the picked tenant."""
    tenant = g.get("backoffice_tenant")
    if tenant is not None:
        values.setdefault("tenant_slug", tenant.slug)


def _full_endpoint(plugin: str | None, endpoint: str) -> str:
    return f"backoffice.{endpoint}" if plugin is None else f"backoffice.{plugin}.{endpoint}"


def _check_view(plugin: str | None, owner: str, page: BackofficePage) -> None:
    """Every page is in the pipeline; a plugin's is for staff (the core's login pages are not)."""
    spec = getattr(page.view, "portal_handler", None)
    if spec is None or (plugin is not None and not spec["access"].is_staff):
        raise PluginError(
            f"{owner}: back-office page {page.endpoint!r} must be a "
            "@handler(Access.STAFF) or @handler(Access.ADMIN) view"
        )


def _check_menu_item(owner: str, item: BackofficeMenuItem, page: BackofficePage | None) -> None:
    """The entry opens one of its contributor's pages, with no URL value to fill but the tenant."""
    if page is None:
        raise PluginError(
            f"{owner}: back-office menu entry {item.endpoint!r} is not one of its pages"
        )
    if "<" in page.rule:
        raise PluginError(
            f"{owner}: back-office menu entry {item.endpoint!r} opens a page that needs URL values"
        )


@handler(Access.ANONYMOUS)
def _home():
    return redirect(url_for("backoffice.dashboard"))


def _error_page(error: HTTPException):
    """Errors of back-office pages in the back-office layout; on a tenant host (where these
    pages do not exist) the plain 404 of every unknown page, so nothing reveals them."""
    if not g.get("backoffice"):
        from portal.core.web.errors import PLAIN_404

        return PLAIN_404, 404, {"Content-Type": "text/html; charset=utf-8"}
    return render_template("backoffice/error.html", error=error), error.code
