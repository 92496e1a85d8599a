"""``portal plugin new``: a generated plugin, pip-installed from a throwaway folder and enabled on
one tenant, has a page that writes, a job, a French catalog, a back-office page and a migration;
it is a 404 everywhere else, and its templates and strings never show there. Its own test suite
passes on ``portal.testing``."""

from __future__ import annotations

import importlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from babel.messages.pofile import read_po
from click.testing import CliRunner
from sqlalchemy import inspect, select

from portal import create_app
from portal.cli import cli
from portal.core.demo import load_demo
from portal.core.i18n_commands import compile_catalogs, extract_template, targets
from portal.core.jobs import drain
from portal.core.tenants import unscoped
from portal.extensions import db
from portal.testing.accounts import create_account, create_staff
from portal.testing.web import post_form, sign_in, sign_in_staff, tenant_client

NAME = "acme_tasks"
PAGE = "/acme-tasks/"
REPO_TENANTS = Path(__file__).resolve().parent.parent / "tenants"
# Added to the installed copy: a French translation of one of its strings and of a core string,
# and a template named like the core's layout. Neither may reach a page outside the plugin.
FRENCH = {'msgid "Ajouter"\nmsgstr ""': 'msgid "Ajouter"\nmsgstr "Ajouter une tâche"'}
CORE_STRING = '\nmsgid "Accueil"\nmsgstr "Maison Acme"\n'
FOREIGN_LAYOUT = "<p>ACME LAYOUT</p>"


def _new(name: str, folder: Path, *args: str):
    return CliRunner().invoke(cli, ["plugin", "new", name, "--path", str(folder), *args])


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    """The distribution folder ``portal plugin new`` wrote."""
    folder = tmp_path_factory.mktemp("scaffold") / "src"
    result = _new(NAME, folder, "--title", "Tâches Acme")
    assert result.exit_code == 0, result.output
    return folder / NAME


@pytest.fixture(scope="module")
def site(generated, tmp_path_factory):
    """The plugin pip-installed into a folder put on sys.path (like site-packages), catalogs
    compiled; undone afterwards."""
    source = tmp_path_factory.mktemp("copy") / NAME
    shutil.copytree(generated, source)
    french = source / NAME / "translations" / "fr" / "LC_MESSAGES" / f"{NAME}.po"
    text = french.read_text(encoding="utf-8")
    for untranslated, translated in FRENCH.items():
        assert untranslated in text
        text = text.replace(untranslated, translated)
    french.write_text(text + CORE_STRING, encoding="utf-8")
    (source / NAME / "templates" / "layout.html").write_text(FOREIGN_LAYOUT)
    target = source.parent / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation"]
        + ["--no-index", "--target", str(target), str(source)],
        check=True,
        capture_output=True,
    )
    report = compile_catalogs(names=[NAME], plugins={NAME: target / NAME})
    assert not report.errors and report.compiled
    sys.path.insert(0, str(target))
    importlib.invalidate_caches()
    yield target
    sys.path.remove(str(target))
    for module in [m for m in sys.modules if m == NAME or m.startswith(f"{NAME}.")]:
        del sys.modules[module]
    table = db.metadata.tables.get(f"{NAME}_item")
    if table is not None:  # joined the shared metadata on import; other tests' schema lacks it
        db.metadata.remove(table)


@pytest.fixture
def tasks_app(site, tmp_path, app_config, fresh_database_url):
    """An app with the plugin installed, enabled on resilimo only."""
    tenants = tmp_path / "tenants"
    shutil.copytree(REPO_TENANTS, tenants)
    with (tenants / "resilimo" / "tenant.toml").open("a", encoding="utf-8") as toml:
        toml.write(f"\n[plugins.{NAME}]\nenabled = true\n")
    app = create_app(
        {
            **app_config,
            "SQLALCHEMY_DATABASE_URI": fresh_database_url,
            "PORTAL_TENANTS_DIR": str(tenants),
            "PORTAL_PLUGINS": [*app_config["PORTAL_PLUGINS"], NAME],
        }
    )
    with app.app_context():
        load_demo(app)  # `portal db upgrade` (every branch), then the tenants' sync
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _agent(app, email="agent@agence-fournier.fr"):
    account = create_account(app, "resilimo", email=email)
    return sign_in(tenant_client(app, "resilimo"), account, account.holder_profile_id)


def _text(response) -> str:
    return response.get_data(as_text=True)


# -- the generator ------------------------------------------------------------------------------


def test_names_that_cannot_be_a_plugin_are_refused(tmp_path):
    for name, reason in (
        ("Acme-Tasks", "lower-case letters"),
        ("class", "lower-case letters"),
        ("resiliation", "already installed"),
        ("json", "importable Python module"),
        ("core", "reserved"),
    ):
        result = _new(name, tmp_path)
        assert result.exit_code != 0 and reason in result.output, (name, result.output)
    assert _new("acme_once", tmp_path).exit_code == 0
    again = _new("acme_once", tmp_path)
    assert again.exit_code != 0 and "already exists" in again.output


def test_the_generated_code_passes_ruff_and_its_catalogs_hold_every_string(generated):
    for command in (["check", "."], ["format", "--check", "."]):
        lint = subprocess.run(
            [sys.executable, "-m", "ruff", *command], cwd=generated, capture_output=True, text=True
        )
        assert lint.returncode == 0, lint.stdout + lint.stderr
    package = generated / NAME
    [target] = targets(names=[NAME], plugins={NAME: package})
    in_code = {message.id for message in extract_template(target) if message.id}
    for catalog in ("en/LC_MESSAGES", "fr/LC_MESSAGES", ""):
        path = package / "translations" / catalog / f"{NAME}.{'po' if catalog else 'pot'}"
        with path.open("rb") as po:
            messages = {m.id: m.string for m in read_po(po) if m.id}
        assert set(messages) == in_code, path
        if catalog.startswith("en"):
            assert messages["Ajouter un élément"] == "Add an item"


# -- the installed plugin -----------------------------------------------------------------------


def test_its_migration_is_applied_and_matches_its_model(tasks_app):
    with tasks_app.app_context():
        assert f"{NAME}_item" in inspect(db.engine).get_table_names()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, db.metadata) == []


def test_an_agent_writes_on_the_enabling_tenant_and_the_job_reviews_it(tasks_app):
    from acme_tasks.models import AcmeTasksItem

    agent = _agent(tasks_app)
    page = _text(agent.get(PAGE))
    assert "Tâches Acme" in page and "Ajouter une tâche" in page  # its French catalog
    refused = post_form(agent, PAGE, {"title": "   "})
    assert refused.status_code == 200 and "Indiquez un intitulé." in _text(refused)
    added = post_form(agent, PAGE, {"title": "Relancer  la banque"}, follow_redirects=True)
    assert "« Relancer la banque » est enregistré." in _text(added)
    drain(tasks_app)
    with tasks_app.app_context(), unscoped():
        item_id = db.session.execute(select(AcmeTasksItem.id)).scalar_one()
    shown = _text(agent.get(f"{PAGE}{item_id}"))
    assert "Relancer la banque" in shown and "Revu." in shown
    assert _agent(tasks_app, "autre@agence.fr").get(f"{PAGE}{item_id}").status_code == 404
    assert "Add an item" in _text(agent.get(f"{PAGE}?lang=en"))


def test_every_url_of_it_is_a_404_for_every_method_where_it_is_off(tasks_app):
    rules = [r for r in tasks_app.url_map.iter_rules() if r.endpoint.startswith(f"{NAME}.")]
    assert len(rules) >= 2
    for slug in ("msr", "horizon"):
        client = tenant_client(tasks_app, slug)
        for rule in rules:
            path = rule.rule.replace("<int:item_id>", "1")
            for method in ("GET", "POST", "PUT", "DELETE", "PATCH"):
                answer = client.open(path, method=method)
                assert answer.status_code == 404, (slug, path, method)


def test_its_templates_and_strings_never_show_elsewhere(tasks_app):
    resilimo = _text(_agent(tasks_app).get("/"))
    assert f'href="{PAGE}"' in resilimo and "Tâches Acme" in resilimo
    for slug in ("msr", "horizon"):
        home = _text(tenant_client(tasks_app, slug).get("/"))
        assert PAGE not in home and "Tâches Acme" not in home
    for page in (resilimo, home, _text(_agent(tasks_app, "b@agence.fr").get(PAGE))):
        assert "Maison Acme" not in page and FOREIGN_LAYOUT not in page


def test_operators_have_its_back_office_page_on_the_enabling_tenant_only(tasks_app):
    post_form(_agent(tasks_app), PAGE, {"title": "Dossier Lefèvre"})
    operator = sign_in_staff(
        tenant_client(tasks_app, tasks_app.config["PORTAL_BACKOFFICE_HOST"]),
        create_staff(tasks_app),
    )
    page = operator.get(f"/backoffice/t/resilimo/{NAME}/")
    assert page.status_code == 200 and "Dossier Lefèvre" in _text(page)
    assert operator.get(f"/backoffice/t/msr/{NAME}/").status_code == 404


def test_its_own_suite_passes_on_portal_testing(generated, site):
    suite = subprocess.run(
        [sys.executable, "-P", "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=generated,
        env={**os.environ, "PYTHONPATH": str(site)},
        capture_output=True,
        text=True,
    )
    assert suite.returncode == 0, suite.stdout[-3000:] + suite.stderr[-3000:]
