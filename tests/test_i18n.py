"""Languages: catalogs, the tenant's default language, the user's choice, and the i18n tooling."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from babel.messages.pofile import read_po
from babel.support import Translations
from click.testing import CliRunner
from flask import g, session

from portal.core.i18n import select_locale
from portal.core.i18n_commands import (
    _write_catalog,
    compile_catalogs,
    extract_catalogs,
    extract_template,
    i18n,
    installed_plugins,
    targets,
    update_catalogs,
)


def _reset_translation_cache(app) -> None:
    """Flask-Babel and the plugin domains cache the catalogs they loaded; forget them once the
    .mo files are fresh."""
    domain = app.extensions["babel"].instance.__dict__.get("domain_instance")
    if domain is not None:
        domain.cache.clear()
    app.extensions.get("portal.translations", {}).clear()


@pytest.fixture(scope="session")
def compiled_catalogs(app):
    report = compile_catalogs()
    assert not report.errors, "\n".join(report.errors)
    _reset_translation_cache(app)
    return report


@pytest.fixture(autouse=True)
def _catalogs(compiled_catalogs):
    return compiled_catalogs


def _page(client, path="/"):
    response = client.get(path)
    html = response.get_data(as_text=True)
    match = re.search(r'<html lang="([^"]+)"', html)
    return response.status_code, (match.group(1) if match else None), html


# -- what users see -----------------------------------------------------------------------------


def test_english_default_tenant_is_served_in_english(client_for):
    status, lang, html = _page(client_for("horizon"))
    assert status == 200
    assert lang == "en"
    for text in (
        "Skip to content",
        "Legal notice",
        "Privacy policy",
        "Welcome to Horizon Solutions+",
        "Online subscription",
    ):
        assert text in html
    for text in ("Aller au contenu", "Mentions légales", "Souscription en ligne"):
        assert text not in html


def test_french_default_tenant_is_served_in_french(client_for):
    status, lang, html = _page(client_for("resilimo"))
    assert status == 200
    assert lang == "fr"
    for text in (
        "Aller au contenu",
        "Mentions légales",
        "Bienvenue sur Résilimo",
        "Résiliation",
        "Courrier papier",
        "Assurance emprunteur",
    ):
        assert text in html
    assert "Skip to content" not in html
    assert "Legal notice" not in html


def test_lang_parameter_switches_and_the_choice_sticks(client_for):
    client = client_for("resilimo")
    status, lang, html = _page(client, "/?lang=en")
    assert (status, lang) == (200, "en")
    # core and plugin catalogs are both loaded
    for text in (
        "Skip to content",
        "Legal notice",
        "Welcome to Résilimo",
        "Contract termination",
        "Paper mail",
        "Borrower insurance",
    ):
        assert text in html

    _, lang, html = _page(client, "/")  # no parameter: the session remembers
    assert lang == "en"
    assert "Skip to content" in html
    _, lang, html = _page(client, "/connexion")  # another page: the choice sticks
    assert lang == "en"
    assert "Paper mail" in html  # a plugin's menu item, from its own catalog

    _, lang, html = _page(client, "/?lang=fr")  # and back
    assert lang == "fr"
    assert "Aller au contenu" in html
    assert _page(client, "/")[1] == "fr"


def test_the_choice_is_per_user(client_for):
    _page(client_for("resilimo"), "/?lang=en")
    assert _page(client_for("resilimo"), "/")[1] == "fr"  # a new visitor gets the default


def test_the_language_switcher_links_to_the_other_language(client_for):
    _, _, html = _page(client_for("resilimo"))
    assert 'hreflang="en"' in html
    assert "?lang=en" in html


def test_locale_outside_the_tenant_locales_is_ignored(client_for):
    client = client_for("resilimo")
    status, lang, html = _page(client, "/?lang=de")
    assert (status, lang) == (200, "fr")
    assert "Aller au contenu" in html
    _page(client, "/?lang=en")
    assert _page(client, "/?lang=xx")[1] == "en"  # an unknown value does not reset the choice
    assert _page(client, "/")[1] == "en"


def test_a_locale_with_a_catalog_but_not_offered_by_the_tenant_is_ignored(app):
    """``en`` has a catalog, yet a French-only tenant must neither serve nor remember it."""
    french_only = SimpleNamespace(config=SimpleNamespace(locales=["fr"], default_locale="fr"))
    with app.test_request_context("/?lang=en"):
        g.tenant = french_only
        assert select_locale() == "fr"
        assert "lang" not in session
    with app.test_request_context("/"):
        g.tenant = french_only
        session["lang"] = "en"  # e.g. chosen before the tenant dropped English
        assert select_locale() == "fr"


def test_error_pages_are_translated(client_for):
    response = client_for("horizon").get("/no-such-page")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "Page not found" in html
    assert "Back to the home page" in html
    response = client_for("resilimo").get("/no-such-page")
    assert "Page introuvable" in response.get_data(as_text=True)


def test_tenant_template_override_is_translated(make_account, logged_in):
    # msr's theme draws its members' dashboard (tenants/msr/theme/templates/core/dashboard.html):
    # its own « Contact & échanges » tile, translated through the core's and the plugin's catalogs.
    member = make_account("msr", email="claire@example.fr", category="individual")
    _, lang, html = _page(logged_in(member), "/?lang=en")
    assert lang == "en"
    assert 'id="contact-title"' in html  # the override is the page drawn, not the core's dashboard
    assert "My private area" in html
    assert "Contact & messages" in html
    assert "Send your questions to your local fund" in html
    assert "My messages" in html and "Send a document" in html
    for french in ("Mon espace privé", "Contact & échanges", "Mes messages", "Envoyer un document"):
        assert french not in html, french


# -- the catalogs -------------------------------------------------------------------------------


def _read(po_file: Path):
    with po_file.open("rb") as fileobj:
        return read_po(fileobj, locale="en")


def _english(target):
    po_file = target.po_file("en")
    assert po_file.is_file(), f"{po_file} is missing: run `portal i18n update`"
    return _read(po_file)


@pytest.mark.parametrize("target", targets(), ids=lambda t: t.name)
def test_every_string_in_the_code_has_an_english_translation(target):
    """Fails when a string is added or changed without its translation: run
    ``portal i18n extract``, ``portal i18n update``, then translate the new entries."""
    catalog = _english(target)
    in_code = {m.id for m in extract_template(target) if m.id}
    assert in_code, f"no string found for {target.name}"
    # Plural entries have tuples of ids and of translations: every form must be translated.
    translated = {
        m.id
        for m in catalog
        if m.id and (all(m.string) if isinstance(m.string, tuple) else m.string)
    }
    assert sorted(in_code - translated, key=str) == []
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert fuzzy == []
    assert not catalog.fuzzy


def test_core_catalog_is_complete():
    core = next(t for t in targets() if t.name == "core")
    catalog = _english(core)
    entries = [m for m in catalog if m.id]
    assert len(entries) >= 20
    for message in entries:
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(form.strip() for form in forms), f"{message.id!r} has no English translation"
        assert "fuzzy" not in message.flags, f"{message.id!r} is fuzzy"
    assert list(catalog.check()) == []  # placeholders such as %(name)s are kept


def test_each_catalog_only_holds_its_own_strings():
    by_name = {t.name: {m.id for m in extract_template(t) if m.id} for t in targets()}
    assert "Aller au contenu" in by_name["core"]
    assert "Résiliation" in by_name["resiliation"]
    assert "Résiliation" not in by_name["core"]
    assert "Aller au contenu" not in by_name["resiliation"]
    assert "Courrier papier" not in by_name["resiliation"]


def test_mo_files_are_git_ignored():
    gitignore = Path(__file__).resolve().parent.parent / ".gitignore"
    assert "*.mo" in gitignore.read_text().split()


# -- the tooling --------------------------------------------------------------------------------


def _mini_project(root: Path) -> dict[str, Path]:
    """A core and one plugin, ``demo``; returns the plugins (name → package folder)."""
    (root / "portal" / "core" / "web" / "templates").mkdir(parents=True)
    (root / "portal" / "__init__.py").write_text("")
    (root / "portal" / "core" / "hooks.py").write_text(
        "from flask_babel import lazy_gettext as _l\nLABEL = _l('Accueil')\n"
    )
    (root / "portal" / "core" / "web" / "templates" / "page.html").write_text(
        "<p>{{ _('Bienvenue sur %(name)s', name=n) }}</p>\n"
    )
    plugin = root / "plugins" / "demo"
    (plugin / "templates" / "demo").mkdir(parents=True)
    (plugin / "tests").mkdir()
    (plugin / "__init__.py").write_text(
        "from flask_babel import gettext as _\nTITLE = _('Démonstration')\n"
    )
    (plugin / "tests" / "test_x.py").write_text("_('Jamais extrait')\n")
    (plugin / "templates" / "demo" / "home.html").write_text("{{ _('Bonjour') }}\n")
    return {"demo": plugin}


def test_extract_update_compile_round_trip(tmp_path):
    plugins = _mini_project(tmp_path)
    extract_catalogs(tmp_path, plugins=plugins)
    core, demo = targets(tmp_path, plugins=plugins)
    assert {m.id for m in extract_template(core) if m.id} == {"Accueil", "Bienvenue sur %(name)s"}
    assert {m.id for m in extract_template(demo) if m.id} == {"Démonstration", "Bonjour"}
    assert core.template.is_file() and demo.template.is_file()

    assert demo.template == tmp_path / "plugins/demo/translations/demo.pot"  # its own domain
    assert demo.po_file("en") == tmp_path / "plugins/demo/translations/en/LC_MESSAGES/demo.po"

    created = update_catalogs(tmp_path, plugins=plugins)  # init
    assert set(created) == {core.po_file("en"), demo.po_file("en")}
    po_file = demo.po_file("en")
    catalog = _read(po_file)
    catalog["Bonjour"].string = "Hello"
    catalog["Démonstration"].string = "Demo"
    _write_catalog(catalog, po_file)

    # the code changes: one string goes, one comes; translations of the rest are kept
    (tmp_path / "plugins" / "demo" / "__init__.py").write_text(
        "from flask_babel import gettext as _\nTITLE = _('Nouveau texte')\n"
    )
    assert extract_catalogs(tmp_path, plugins=plugins) == [demo.template]
    assert extract_catalogs(tmp_path, plugins=plugins) == []  # unchanged: not rewritten
    update_catalogs(tmp_path, names=["demo"], fuzzy_matching=False, plugins=plugins)
    catalog = _read(po_file)
    assert catalog["Bonjour"].string == "Hello"
    assert catalog["Nouveau texte"].string == ""
    assert "Démonstration" not in catalog
    assert b"#~" not in po_file.read_bytes()

    report = compile_catalogs(tmp_path, plugins=plugins)
    assert report.errors == []
    mo_files = {core.po_file("en").with_suffix(".mo"), po_file.with_suffix(".mo")}
    assert set(report.compiled) == mo_files
    assert compile_catalogs(tmp_path, plugins=plugins).compiled == []  # up to date
    translations = Translations.load(str(demo.translations), ["en"], "demo")
    assert translations.gettext("Bonjour") == "Hello"


def test_compile_reports_a_broken_placeholder(tmp_path):
    plugins = _mini_project(tmp_path)
    extract_catalogs(tmp_path, names=["core"], plugins=plugins)
    update_catalogs(tmp_path, names=["core"], plugins=plugins)
    core = targets(tmp_path, names=["core"], plugins=plugins)[0]
    po_file = core.po_file("en")
    catalog = _read(po_file)
    catalog["Bienvenue sur %(name)s"].string = "Welcome to %(nom)s"
    _write_catalog(catalog, po_file)
    report = compile_catalogs(tmp_path, names=["core"], plugins=plugins)
    assert report.compiled == []
    assert any("nom" in line for line in report.errors)


def test_compile_command():
    result = CliRunner().invoke(i18n, ["compile"])
    assert result.exit_code == 0, result.output
    assert "messages.mo" in result.output or "up to date" in result.output
    result = CliRunner().invoke(i18n, ["compile", "no-such-plugin"])
    assert result.exit_code != 0
    assert "unknown catalog" in result.output


def test_installed_third_party_plugins_get_their_own_catalog(tmp_path, monkeypatch):
    """``portal i18n`` covers every installed plugin, found through its entry point."""
    site = tmp_path / "site"
    package = site / "acme_tiles"
    (package / "templates" / "acme_tiles").mkdir(parents=True)
    (package / "__init__.py").write_text("from acme_tiles.i18n import _\nTITLE = _('Carreaux')\n")
    (package / "templates" / "acme_tiles" / "page.html").write_text("{{ _('Un carreau') }}\n")
    dist = site / "acme_tiles-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-tiles\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[portal.plugins]\nacme_tiles = acme_tiles\n")
    monkeypatch.syspath_prepend(str(site))

    assert installed_plugins()["acme_tiles"] == package
    [target] = targets(names=["acme_tiles"])
    assert {m.id for m in extract_template(target) if m.id} == {"Carreaux", "Un carreau"}
    assert extract_catalogs(names=["acme_tiles"]) == [package / "translations" / "acme_tiles.pot"]
    update_catalogs(names=["acme_tiles"])
    assert (package / "translations" / "en" / "LC_MESSAGES" / "acme_tiles.po").is_file()
    assert "acme_tiles/__init__.py" in target.template.read_text()  # located from its parent


def test_one_request_renders_each_template_in_the_locale_forced_at_the_time(app):
    """Catalogs are looked up once per request: an email rendered meanwhile in the recipient's
    language still gets that language, and the page its own."""
    from flask import render_template_string
    from flask_babel import force_locale

    with app.test_request_context("/", base_url="http://resilimo.localhost"):
        page = render_template_string("{{ _('Accueil') }}")
        with force_locale("en"):
            email = render_template_string("{{ _('Accueil') }}")
        again = render_template_string("{{ _('Accueil') }}")
    assert (page, email, again) == ("Accueil", "Home", "Accueil")
