"""A plugin adds operator pages and a menu entry through the back-office hooks: the operator picks
a tenant among those that enable the plugin, and the page works in that tenant only."""

from __future__ import annotations

import shutil
from pathlib import Path
from types import ModuleType

import pytest
from flask import Flask, render_template_string, url_for
from sqlalchemy import select

from portal import create_app
from portal.core.accounts.models import Account
from portal.core.backoffice import BackofficeMenuItem, BackofficePage, registry
from portal.core.demo import load_demo
from portal.core.plugins import PluginError, PluginInfo, PortalPlugins, hookimpl
from portal.core.web.pipeline import Access, Load, handler
from portal.extensions import db
from portal.testing.accounts import create_account, create_staff
from portal.testing.database import create_postgres_database, drop_postgres_database
from portal.testing.web import sign_in_staff, tenant_client

REPO_TENANTS = Path(__file__).resolve().parents[2] / "tenants"
BACKOFFICE = "backoffice.localhost"
HOME = "/backoffice/t/{slug}/bo_sample/"


@handler(Access.STAFF)
def accounts_page(tenant):
    """The picked tenant's accounts (a query through its scope), with a link to the first."""
    emails = db.session.scalars(select(Account.email).order_by(Account.email)).all()
    first = db.session.scalar(select(Account.id).order_by(Account.id))
    link = url_for(".account", account_id=first) if first else ""
    return render_template_string(
        '{% extends "backoffice/layout.html" %}{% block content %}'
        "<p data-page>{{ slug }}: {{ emails }} {{ link }}</p>{% endblock %}",
        slug=tenant.slug,
        emails=", ".join(emails),
        link=link,
    )


@handler(Access.STAFF, load={"account_id": Load(Account)})
def account_page(tenant, account):
    return account.email


@handler(Access.ADMIN)
def settings_page(tenant):
    return "réglages"


def plugin_module(name: str, **hooks) -> ModuleType:
    """A plugin as the entry points give one: a module with its metadata and hooks."""
    module = ModuleType(name)
    module.plugin_info = PluginInfo(name=name, title=name, version="1.0", description=name)
    for hook_name, implementation in hooks.items():
        setattr(module, hook_name, hookimpl(implementation))
    return module


def sample_plugin() -> ModuleType:
    """A third-party plugin with two operator pages, one for admins, and their menu entries."""
    return plugin_module(
        "bo_sample",
        backoffice_pages=lambda: [
            BackofficePage("/", "accounts", accounts_page),
            BackofficePage("/comptes/<int:account_id>", "account", account_page),
            BackofficePage("/reglages", "settings", settings_page),
        ],
        backoffice_menu_items=lambda: [
            BackofficeMenuItem("Échantillon", "accounts", order=50),
            BackofficeMenuItem("Réglages du service échantillon", "settings", order=60),
        ],
    )


@pytest.fixture(scope="module")
def sample_app(tmp_path_factory, app_config, backend):
    """An app with the sample plugin installed, enabled on resilimo only (its own database)."""
    work = tmp_path_factory.mktemp("bo_sample")
    tenants = work / "tenants"
    shutil.copytree(REPO_TENANTS, tenants)
    with (tenants / "resilimo" / "tenant.toml").open("a", encoding="utf-8") as toml:
        toml.write("\n[plugins.bo_sample]\nenabled = true\n")
    if backend["database"] == "postgresql":
        database = create_postgres_database(app_config["SQLALCHEMY_DATABASE_URI"])
    else:
        database = f"sqlite:///{work / 'portal.db'}"

    load_entry_points = PortalPlugins.load_entry_points

    def with_the_sample(self, *args, **kwargs):
        load_entry_points(self, *args, **kwargs)
        self.register_plugin("bo_sample", sample_plugin())

    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setattr(PortalPlugins, "load_entry_points", with_the_sample)
    try:
        app = create_app(
            {**app_config, "SQLALCHEMY_DATABASE_URI": database, "PORTAL_TENANTS_DIR": str(tenants)}
        )
    finally:
        monkeypatch.undo()
    with app.app_context():
        load_demo(app)
    yield app
    from portal.core.jobs import shutdown

    shutdown(app)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    if backend["database"] == "postgresql":
        drop_postgres_database(database)


@pytest.fixture(scope="module")
def accounts(sample_app):
    """An account on resilimo (where the plugin is on) and one on msr (where it is off)."""
    return {
        slug: create_account(sample_app, slug, email=f"agent@{slug}.example.fr")
        for slug in ("resilimo", "msr")
    }


def _staff(app, role=None):
    return sign_in_staff(tenant_client(app, BACKOFFICE), create_staff(app, role))


def test_the_menu_leads_to_the_tenants_that_enable_the_plugin(sample_app):
    client = _staff(sample_app)
    menu = client.get("/backoffice/tableau-de-bord").get_data(as_text=True)
    assert 'href="/backoffice/choix-du-tenant?page=backoffice.bo_sample.accounts"' in menu
    picker = client.get("/backoffice/choix-du-tenant?page=backoffice.bo_sample.accounts")
    page = picker.get_data(as_text=True)
    assert picker.status_code == 200
    assert f'href="{HOME.format(slug="resilimo")}"' in page
    assert "/t/msr/" not in page and "/t/horizon/" not in page


def test_the_page_works_in_the_picked_tenant_only(sample_app, accounts):
    client = _staff(sample_app)
    page = client.get(HOME.format(slug="resilimo")).get_data(as_text=True)
    resilimo = accounts["resilimo"]
    assert "<p data-page>resilimo: agent@resilimo.example.fr " in page
    # The layout says which tenant the operator works on, and offers to change it.
    assert "Portail : Résilimo" in page
    change = '<a href="/backoffice/choix-du-tenant?page=backoffice.bo_sample.accounts">Changer'
    assert change in page
    assert "agent@msr.example.fr" not in page
    # A link between the plugin's pages keeps the tenant.
    assert f"/backoffice/t/resilimo/bo_sample/comptes/{resilimo.id}" in page
    account = client.get(f"/backoffice/t/resilimo/bo_sample/comptes/{resilimo.id}")
    assert account.get_data(as_text=True) == "agent@resilimo.example.fr"
    other = f"/backoffice/t/resilimo/bo_sample/comptes/{accounts['msr'].id}"
    assert client.get(other).status_code == 404  # another tenant's account


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "DELETE"])
def test_a_tenant_where_the_plugin_is_off_or_unknown_answers_404(sample_app, method):
    client = _staff(sample_app)
    for slug in ("msr", "horizon", "nowhere"):
        assert client.open(HOME.format(slug=slug), method=method).status_code == 404, slug


def test_anonymous_visitors_are_sent_to_the_login_page(sample_app):
    client = sample_app.test_client()
    response = client.get(HOME.format(slug="resilimo"), base_url=f"http://{BACKOFFICE}")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/backoffice/connexion?next=")


def test_agents_never_reach_the_pages_from_a_tenant_host(sample_app, accounts):
    client = sample_app.test_client()
    response = client.get(HOME.format(slug="resilimo"), base_url="http://resilimo.localhost")
    assert response.status_code == 404


def test_an_admin_page_is_neither_listed_nor_open_for_support(sample_app):
    from portal.core.backoffice.models import StaffRole

    support = _staff(sample_app)
    assert "Réglages du service échantillon" not in support.get("/backoffice/tableau-de-bord").text
    assert support.get("/backoffice/t/resilimo/bo_sample/reglages").status_code == 403
    admin = _staff(sample_app, StaffRole.ADMIN)
    assert "Réglages du service échantillon" in admin.get("/backoffice/tableau-de-bord").text
    assert admin.get("/backoffice/t/resilimo/bo_sample/reglages").text == "réglages"


def test_each_app_has_its_own_back_office(app, sample_app):
    mine, other = app.extensions["portal.backoffice"], sample_app.extensions["portal.backoffice"]
    assert mine is not other and mine.blueprint is not other.blueprint
    assert "backoffice.bo_sample.accounts" in sample_app.view_functions
    assert "backoffice.bo_sample.accounts" not in app.view_functions
    assert other.page_owners["backoffice.bo_sample.accounts"] == "bo_sample"
    assert not any(entry.plugin == "bo_sample" for entry in mine.menu)


def _build_with(plugin: ModuleType) -> None:
    plugins = PortalPlugins()
    plugins.register_plugin(plugin.__name__, plugin)
    registry.build(Flask(__name__), plugins)


def test_a_page_outside_the_staff_pipeline_is_refused_at_start_up():
    careless = plugin_module(
        "careless", backoffice_pages=lambda: [BackofficePage("/", "home", lambda: "open to all")]
    )
    with pytest.raises(PluginError, match="careless: back-office page 'home'"):
        _build_with(careless)


def test_a_menu_entry_must_open_one_of_its_own_pages():
    lost = plugin_module(
        "lost", backoffice_menu_items=lambda: [BackofficeMenuItem("Perdu", "nowhere")]
    )
    with pytest.raises(PluginError, match="lost: back-office menu entry 'nowhere'"):
        _build_with(lost)
