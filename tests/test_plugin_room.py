"""Plugins in their own room: a plugin's templates, static files, strings and jobs reach only the
tenants that enable it; the manager refuses misspelt hooks and tables outside the plugin's prefix;
hooks go through pluggy (wrappers, tracing); ``PORTAL_PLUGINS`` picks which plugins load."""

from __future__ import annotations

import importlib
import shutil
import sys
import textwrap
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from sqlalchemy import select

from portal import create_app
from portal.core.demo import load_demo
from portal.core.jobs import Job, drain, enqueue
from portal.core.plugins import PluginError, hookimpl
from portal.core.tenants import tenant_directory, tenant_scope
from portal.extensions import db

LANTERN = {
    "__init__.py": """
        from flask import Blueprint, render_template

        from portal.core.jobs import job
        from portal.core.plugins import NavItem, PluginInfo, hookimpl
        from portal.core.web.pipeline import Access, handler
        from lantern.i18n import _, _l

        plugin_info = PluginInfo(
            name="lantern", title="Lantern", version="1.0", description="A plugin of the tests."
        )
        blueprint = Blueprint("lantern", __name__, url_prefix="/lantern", static_folder="static")
        RAN = []


        @blueprint.route("/", methods=["GET", "POST"])
        @handler(Access.ANONYMOUS)
        def page():
            return render_template("lantern/page.html", said=_("Lanterne allumée"))


        @job
        def light(tenant_id):
            RAN.append(tenant_id)


        @hookimpl
        def register_blueprints(app):
            return [blueprint]


        @hookimpl
        def register_jobs():
            return [light]


        @hookimpl
        def main_menu_items(tenant):
            return [NavItem(label=_l("Lanterne"), endpoint="lantern.page", order=90)]
    """,
    "i18n.py": """
        from portal.core.i18n import plugin_domain

        domain = plugin_domain("lantern")
        _ = domain.gettext
        _l = domain.lazy_gettext
        ngettext = domain.ngettext
    """,
    "templates/lantern/page.html": """
        {% extends "layout.html" %}
        {% block content %}<p>{{ said }}</p><p>{{ _("Accueil") }}</p>{% endblock %}
    """,
    "templates/core/home.html": "HIJACKED BY LANTERN",
    "static/lantern.css": "body { color: orange; }",
}
# The plugin's English catalog renames the core's "Accueil": in its own pages only.
LANTERN_ENGLISH = {"Lanterne allumée": "Lantern lit", "Lanterne": "Lantern", "Accueil": "LANTERN"}


def _write_plugin(site: Path, name: str, files: dict[str, str]) -> None:
    package = site / name
    for path, text in files.items():
        (package / path).parent.mkdir(parents=True, exist_ok=True)
        (package / path).write_text(textwrap.dedent(text).lstrip())
    dist = site / f"{name}-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(f"[portal.plugins]\n{name} = {name}\n")


def _write_catalog(folder: Path, domain: str, messages: dict[str, str]) -> None:
    catalog = Catalog(locale="en", domain=domain)
    for msgid, msgstr in messages.items():
        catalog.add(msgid, msgstr)
    mo = folder / "en" / "LC_MESSAGES" / f"{domain}.mo"
    mo.parent.mkdir(parents=True)
    with mo.open("wb") as fileobj:
        write_mo(fileobj, catalog)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A folder on sys.path holding installed plugin packages, as site-packages would."""
    site = tmp_path_factory.mktemp("site")
    _write_plugin(site, "lantern", LANTERN)
    _write_catalog(site / "lantern" / "translations", "lantern", LANTERN_ENGLISH)
    sys.path.insert(0, str(site))
    importlib.invalidate_caches()
    yield site
    sys.path.remove(str(site))
    for name in [m for m in sys.modules if m.split(".")[0] in {"lantern", "misspelt", "untidy"}]:
        del sys.modules[name]


@pytest.fixture(scope="module")
def lantern_app(site, app_config, tmp_path_factory):
    """The demo tenants with lantern enabled on resilimo only."""
    tenants = tmp_path_factory.mktemp("tenants") / "tenants"
    shutil.copytree(app_config["PORTAL_TENANTS_DIR"], tenants)
    with (tenants / "resilimo" / "tenant.toml").open("a", encoding="utf-8") as toml:
        toml.write("\n[plugins.lantern]\nenabled = true\n")
    database = tmp_path_factory.mktemp("lantern-db") / "portal.db"
    app = create_app(
        {
            **app_config,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
            "PORTAL_TENANTS_DIR": str(tenants),
            "PORTAL_PLUGINS": [*app_config["PORTAL_PLUGINS"], "lantern"],
            "PORTAL_REDIS_URL": None,
        }
    )
    with app.app_context():
        load_demo(app)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _get(app, slug, path, method="GET"):
    return app.test_client().open(path, method=method, base_url=f"http://{slug}.localhost")


# -- templates and static files -----------------------------------------------------------------


def test_a_plugin_page_renders_its_template_where_enabled_only(lantern_app):
    assert "Lanterne allumée" in _get(lantern_app, "resilimo", "/lantern/").text
    for slug in ("msr", "horizon"):
        for method in ("GET", "POST", "PUT", "DELETE"):
            assert _get(lantern_app, slug, "/lantern/", method).status_code == 404


def test_a_plugin_never_replaces_a_core_template(lantern_app):
    for slug in ("resilimo", "horizon"):
        home = _get(lantern_app, slug, "/").text
        assert "HIJACKED" not in home
        assert "<nav" in home


def test_plugin_templates_are_not_found_on_tenants_that_disable_it(lantern_app):
    from flask import g, render_template_string
    from jinja2 import TemplateNotFound

    with lantern_app.test_request_context("/", base_url="http://msr.localhost"):
        g.tenant = tenant_directory().by_slug("msr")
        with pytest.raises(TemplateNotFound):
            render_template_string('{% include "lantern/page.html" %}')
    with lantern_app.test_request_context("/", base_url="http://resilimo.localhost"):
        g.tenant = tenant_directory().by_slug("resilimo")
        assert "Lanterne" in render_template_string('{% include "lantern/page.html" %}', said="")


def test_outside_a_tenant_a_plugin_template_is_found_under_its_name(lantern_app):
    """Back-office pages and jobs rendering for a tenant find the plugin's own names."""
    from portal.core.mail.rendering import tenant_rendering

    with lantern_app.app_context():
        template = lantern_app.jinja_env.get_template("lantern/page.html")
        assert template.filename.endswith("lantern/page.html")
        with tenant_rendering(tenant_directory().by_slug("resilimo"), "en"):
            from flask import render_template

            assert "Lantern lit" in render_template("lantern/page.html", said="Lantern lit")


def test_plugin_static_files_are_behind_the_gate(lantern_app):
    css = _get(lantern_app, "resilimo", "/lantern/static/lantern.css")
    assert css.status_code == 200 and b"orange" in css.data
    assert _get(lantern_app, "msr", "/lantern/static/lantern.css").status_code == 404


# -- translations -------------------------------------------------------------------------------


def test_a_plugin_translates_its_strings_through_its_own_domain(lantern_app):
    page = _get(lantern_app, "resilimo", "/lantern/?lang=en").text
    assert "Lantern lit" in page  # Python: lantern.i18n._
    assert "<p>LANTERN</p>" in page  # its template: its catalog first
    home = _get(lantern_app, "resilimo", "/?lang=en").text
    assert ">Lantern<" in home  # its menu entry (lazy string)


def test_a_plugin_catalog_never_renames_a_core_string(lantern_app):
    for slug in ("resilimo", "msr"):
        home = _get(lantern_app, slug, "/?lang=en").text
        assert "LANTERN" not in home
        assert "Home" in home


# -- jobs ---------------------------------------------------------------------------------------


def test_a_plugin_job_for_a_tenant_that_disables_it_is_skipped(lantern_app):
    import lantern

    with lantern_app.app_context():
        ids = {slug: tenant_directory().by_slug(slug).id for slug in ("resilimo", "msr")}
        for slug in ("resilimo", "msr"):
            with tenant_scope(ids[slug]):
                enqueue(lantern.light)
        db.session.commit()
    drain(lantern_app)
    ran = list(lantern.RAN)
    assert ran == [ids["resilimo"]]
    with lantern_app.app_context():
        jobs = {job.tenant_id: job for job in db.session.scalars(select(Job))}
        assert not jobs[ids["resilimo"]].skipped
        assert jobs[ids["msr"]].skipped and jobs[ids["msr"]].completed_at is not None
        assert "lantern" in jobs[ids["msr"]].last_error
        assert jobs[ids["msr"]].attempts == 0  # never ran, never retried


# -- the manager --------------------------------------------------------------------------------


def test_portal_plugins_loads_only_the_named_plugins(site, app_config):
    app = create_app({**app_config, "PORTAL_PLUGINS": ["paper_mail"]})
    assert app.extensions["portal.plugins"].names == ["paper_mail"]
    every = create_app({**app_config, "PORTAL_PLUGINS": None})
    assert "lantern" in every.extensions["portal.plugins"].names  # installed: all of them
    assert "lantern" not in create_app(app_config).extensions["portal.plugins"].names
    with pytest.raises(PluginError, match="no_such_plugin"):
        create_app({**app_config, "PORTAL_PLUGINS": ["no_such_plugin"]})


def test_a_misspelt_hook_implementation_fails_at_start_up(site, app_config):
    _write_plugin(
        site,
        "misspelt",
        {
            "__init__.py": """
                from portal.core.plugins import PluginInfo, hookimpl

                plugin_info = PluginInfo(name="misspelt", title="M", version="1", description="")


                @hookimpl
                def main_menu_item(tenant):
                    return []
            """
        },
    )
    importlib.invalidate_caches()
    with pytest.raises(PluginError, match=r"misspelt.*main_menu_item"):
        create_app({**app_config, "PORTAL_PLUGINS": ["misspelt"]})


def test_a_plugin_table_without_the_plugin_prefix_is_refused(site, app_config):
    _write_plugin(
        site,
        "untidy",
        {
            "__init__.py": """
                from sqlalchemy.orm import Mapped, mapped_column

                from portal.core.plugins import PluginInfo, hookimpl
                from portal.extensions import db

                plugin_info = PluginInfo(name="untidy", title="U", version="1", description="")


                class Note(db.Model):
                    __tablename__ = "note"
                    id: Mapped[int] = mapped_column(primary_key=True)


                @hookimpl
                def register_models():
                    return [Note]
            """
        },
    )
    importlib.invalidate_caches()
    try:
        with pytest.raises(PluginError, match=r"untidy.*'note'.*untidy_"):
            create_app({**app_config, "PORTAL_PLUGINS": ["untidy"]})
    finally:
        db.metadata.remove(db.metadata.tables["note"])


class _Wrapper:
    """A plugin's hook wrapper: sees every answer of the hook, and may change them."""

    @hookimpl(wrapper=True)
    def main_menu_items(self, tenant):
        answers = yield
        return [[item for item in items if item.endpoint != "lantern.page"] for items in answers]


def test_hooks_go_through_pluggy_wrappers_and_tracing_included(lantern_app):
    plugins = lantern_app.extensions["portal.plugins"]
    traced = []
    undo = plugins.pm.add_hookcall_monitoring(
        lambda name, impls, kwargs: traced.append((name, [i.plugin_name for i in impls])),
        lambda outcome, name, impls, kwargs: None,
    )
    with lantern_app.test_request_context("/"):
        resilimo = tenant_directory().by_slug("resilimo")
        msr = tenant_directory().by_slug("msr")
        endpoints = {item.endpoint for item in plugins.collect("main_menu_items", tenant=resilimo)}
        assert "lantern.page" in endpoints
        name, called = traced[-1]
        assert name == "main_menu_items" and "lantern" in called
        plugins.collect("main_menu_items", tenant=msr)
        assert "lantern" not in traced[-1][1]  # disabled there: not even called
        undo()
        plugins.register_core("test_wrapper", _Wrapper())
        try:
            endpoints = {
                item.endpoint for item in plugins.collect("main_menu_items", tenant=resilimo)
            }
            assert "lantern.page" not in endpoints and "resiliation.home" in endpoints
        finally:
            plugins.pm.unregister(name="core.test_wrapper")
