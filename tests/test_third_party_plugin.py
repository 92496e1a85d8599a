"""A plugin from a throwaway package, installed by pip, found through its entry point, enabled on
one tenant only, exercising every hook."""

from __future__ import annotations

import importlib
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from click.testing import CliRunner
from sqlalchemy import select

from portal import create_app
from portal.core.demo import load_demo
from portal.core.tenants import tenant_directory, tenant_scope
from portal.extensions import db

FIXTURE = Path(__file__).parent / "plugin_fixture" / "acme_notes"
REPO_TENANTS = Path(__file__).resolve().parent.parent / "tenants"


def _pip_install(source: Path, target: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "--target",
            str(target),
            str(source),
        ],
        check=True,
        capture_output=True,
    )


def _compile_catalogs(package_dir: Path) -> None:
    for po_path in package_dir.glob("translations/*/LC_MESSAGES/*.po"):
        with po_path.open("rb") as po, po_path.with_suffix(".mo").open("wb") as mo:
            write_mo(mo, read_po(po))


@pytest.fixture(scope="module")
def installed_plugin(tmp_path_factory):
    """pip-install the fixture package into a folder put on sys.path (like site-packages)."""
    work = tmp_path_factory.mktemp("acme")
    source = work / "src"
    shutil.copytree(FIXTURE, source)
    site = work / "site"
    _pip_install(source, site)
    _compile_catalogs(site / "acme_notes")
    sys.path.insert(0, str(site))
    importlib.invalidate_caches()
    yield site
    sys.path.remove(str(site))
    for name in [m for m in sys.modules if m == "acme_notes" or m.startswith("acme_notes.")]:
        del sys.modules[name]
    # The plugin's model joined the shared metadata on import; the other tests' database does not
    # have its table.
    table = db.metadata.tables.get("acme_notes_note")
    if table is not None:
        db.metadata.remove(table)


@pytest.fixture
def tenants_dir(tmp_path):
    """The demo tenants, with the plugin enabled on resilimo only."""
    target = tmp_path / "tenants"
    shutil.copytree(REPO_TENANTS, target)
    with (target / "resilimo" / "tenant.toml").open("a", encoding="utf-8") as toml:
        toml.write('\n[plugins.acme_notes]\nenabled = true\ngreeting = "Salut Résilimo"\n')
    return target


@pytest.fixture
def acme_app(installed_plugin, tenants_dir, app_config, fresh_database_url):
    app = create_app(
        {
            **app_config,
            "SQLALCHEMY_DATABASE_URI": fresh_database_url,
            "PORTAL_TENANTS_DIR": str(tenants_dir),
            "PORTAL_PLUGINS": [*app_config["PORTAL_PLUGINS"], "acme_notes"],
        }
    )
    with app.app_context():
        load_demo(app)  # applies core and plugin migrations, then syncs the tenants
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _get(app, host, path):
    client = app.test_client()
    return client.get(path, base_url=f"http://{host}")


def test_the_plugin_is_found_through_its_entry_point(acme_app):
    plugins = acme_app.extensions["portal.plugins"]
    assert "acme_notes" in plugins.names
    assert plugins.infos["acme_notes"].author == "Acme"


def test_its_pages_work_on_the_enabling_tenant_only(acme_app):
    enabled = _get(acme_app, "resilimo.localhost", "/acme-notes/")
    assert enabled.status_code == 200
    page = enabled.get_data(as_text=True)
    assert "Salut Résilimo" in page  # tenant setting
    assert "Bienvenue chez Résilimo" in page  # seeded by on_tenant_synced, through its migration
    assert _get(acme_app, "msr.localhost", "/acme-notes/").status_code == 404
    assert _get(acme_app, "horizon.localhost", "/acme-notes/").status_code == 404


def test_menu_entries_and_widgets_vanish_where_disabled(acme_app):
    from portal.testing.accounts import create_account
    from portal.testing.web import sign_in, tenant_client

    def dashboard(slug):  # widgets are cards of a logged-in account's dashboard
        account = create_account(acme_app, slug, email=f"cartes@{slug}.fr")
        client = sign_in(tenant_client(acme_app, slug), account, account.holder_profile_id)
        return client.get("/").get_data(as_text=True)

    resilimo, msr = dashboard("resilimo"), dashboard("msr")
    assert 'href="/acme-notes/"' in resilimo and "Vos notes d'agence" in resilimo
    assert 'data-widget="acme.notes"' in resilimo  # the card the core draws from its fields
    assert "/acme-notes/" not in msr and "Vos notes d'agence" not in msr


def test_its_translations_are_merged(acme_app):
    page = _get(acme_app, "resilimo.localhost", "/acme-notes/?lang=en").get_data(as_text=True)
    assert "Agency notes" in page


def test_per_tenant_hooks_skip_tenants_that_disable_it(acme_app):
    plugins = acme_app.extensions["portal.plugins"]
    with acme_app.app_context():
        resilimo = tenant_directory().by_slug("resilimo")
        msr = tenant_directory().by_slug("msr")
        codes = {item.code for item in plugins.collect("priced_items", tenant=resilimo)}
        assert "acme_notes.note" in codes
        assert "acme_notes.note" not in {
            item.code for item in plugins.collect("priced_items", tenant=msr)
        }
        themes = plugins.collect("messaging_taxonomy", tenant=resilimo, category="agent")
        [acme] = [node for node in themes if node.code == "acme"]
        assert acme.children[0].service_url == "/acme-notes/"
        assert plugins.collect("messaging_taxonomy", tenant=msr, category="agent") == []
        page = plugins.first("messaging_conversations_page", tenant=resilimo, kind="message")
        assert page == "acme_notes.index"
        assert plugins.first("messaging_conversations_page", tenant=msr, kind="message") != page
        assert resilimo.settings_for("acme_notes").max_notes == 10  # schema default
        readiness = plugins.collect("account_readiness", tenant=resilimo, account=None)
        assert "acme.notes" in {item.code for item in readiness}
        assert "acme.notes" not in {
            item.code for item in plugins.collect("account_readiness", tenant=msr, account=None)
        }
        import acme_notes

        # Only the plugin's own answers matter here: the core credits module would charge.
        plugins.pm.unregister(name="core.credits")
        plugins.call_each(
            "on_identity_verification_started", tenant=resilimo, account=None, verification="v1"
        )
        plugins.call_each(
            "on_identity_verification_started", tenant=msr, account=None, verification="v2"
        )
        assert acme_notes.STARTED_VERIFICATIONS == ["v1"]
        plugins.call_each("on_account_purged", tenant=msr, account="a2")
        plugins.call_each("on_account_purged", tenant=resilimo, account="a1")
        assert acme_notes.PURGED_ACCOUNTS == ["a1"]
        ours, theirs = (
            SimpleNamespace(owner=owner, subject_type=None, subject_id=None)
            for owner in ("acme_notes", "resiliation")
        )
        for tenant, procedure in ((resilimo, ours), (resilimo, theirs), (msr, ours)):
            plugins.call_each(
                "on_signature_outcome", tenant=tenant, procedure=procedure, outcome="signed"
            )
        assert [(ours, "signed")] == acme_notes.SIGNATURE_OUTCOMES
        for tenant, sending in ((resilimo, ours), (resilimo, theirs), (msr, ours)):
            plugins.call_each(
                "on_sending_state_changed", tenant=tenant, sending=sending, state="delivered"
            )
        assert [(ours, "delivered")] == acme_notes.SENDING_STATES
        for tenant, sending in ((resilimo, ours), (resilimo, theirs), (msr, ours)):
            plugins.call_each("on_sending_event", tenant=tenant, sending=sending, event="A01")
        assert [(ours, "A01")] == acme_notes.SENDING_EVENTS
        # Acme is asked for a post office where it is enabled and answers none: the paper
        # mail's (enabled on resilimo) is the one found, whatever the order.
        with tenant_scope(resilimo.id):
            answers = plugins.call_each("paper_post_office", tenant=resilimo)
            office = plugins.first("paper_post_office", tenant=resilimo)
        with tenant_scope(msr.id):
            assert plugins.call_each("paper_post_office", tenant=msr) == []
        assert [name for name, _ in answers] == ["paper_mail"]
        assert type(office).__name__ == "PostOffice" and office.tenant.id == resilimo.id
        assert set(acme_notes.POST_OFFICE_ASKED) == {"resilimo"}  # never asked on msr


def test_an_agent_writes_notes_and_exports_only_its_own(acme_app):
    from portal.core.accounts.models import Account
    from portal.testing.accounts import create_account
    from portal.testing.web import post_form, sign_in, tenant_client

    plugins = acme_app.extensions["portal.plugins"]
    writers = []
    for email, text in (("lea@agence.fr", "Rappeler M. Durand"), ("max@agence.fr", "Devis Martin")):
        account = create_account(acme_app, "resilimo", email=email)
        client = sign_in(tenant_client(acme_app, "resilimo"), account, account.holder_profile_id)
        written = post_form(client, "/acme-notes/mes-notes", {"text": text}, follow_redirects=True)
        assert "Note enregistrée." in written.get_data(as_text=True)
        writers.append(account)
    refused = post_form(client, "/acme-notes/mes-notes", {"text": ""})
    assert "Écrivez la note." in refused.get_data(as_text=True)
    with acme_app.app_context():
        resilimo = tenant_directory().by_slug("resilimo")
        with tenant_scope(resilimo.id):
            lea = db.session.get(Account, writers[0].id)
            exported = plugins.collect("account_export_files", tenant=resilimo, account=lea)
        [notes] = [item for item in exported if item.path == "acme/notes.csv"]
        csv = notes.data.decode("utf-8-sig")
        assert "Rappeler M. Durand" in csv
        assert "Devis Martin" not in csv and "Bienvenue" not in csv


def test_operators_have_its_back_office_page_on_the_enabling_tenant_only(acme_app):
    from portal.testing.accounts import create_staff
    from portal.testing.web import sign_in_staff, tenant_client

    operator = sign_in_staff(
        tenant_client(acme_app, acme_app.config["PORTAL_BACKOFFICE_HOST"]), create_staff(acme_app)
    )
    menu = operator.get("/backoffice/tableau-de-bord").get_data(as_text=True)
    assert "Notes d'agence" in menu
    picker = operator.get("/backoffice/choix-du-tenant?page=backoffice.acme_notes.notes")
    assert "/backoffice/t/resilimo/acme_notes/" in picker.get_data(as_text=True)
    assert "/backoffice/t/msr/" not in picker.get_data(as_text=True)
    page = operator.get("/backoffice/t/resilimo/acme_notes/")
    assert page.status_code == 200 and "Bienvenue chez Résilimo" in page.get_data(as_text=True)
    assert operator.get("/backoffice/t/msr/acme_notes/").status_code == 404


def test_its_rows_are_tenant_scoped(acme_app):
    from acme_notes.models import AcmeNote

    with acme_app.app_context():
        msr = tenant_directory().by_slug("msr")
        with tenant_scope(msr.id):
            assert db.session.scalars(select(AcmeNote)).all() == []


def test_its_jobs_run_in_the_tenant_and_its_periodic_job_is_scheduled(acme_app):
    from datetime import UTC, datetime

    from acme_notes.jobs import stamp_note
    from acme_notes.models import AcmeNote

    from portal.core.jobs import drain, enqueue, scheduler_tick

    with acme_app.app_context():
        resilimo = tenant_directory().by_slug("resilimo")
        with tenant_scope(resilimo.id):
            enqueue(stamp_note, "written by a job")
            db.session.commit()
        drain(acme_app)
        with tenant_scope(resilimo.id):
            texts = db.session.scalars(select(AcmeNote.text)).all()
        assert "written by a job" in texts
        ticked = scheduler_tick(acme_app, now=datetime(2026, 11, 23, 10, 5, tzinfo=UTC))
        assert "acme_notes.count_notes" in ticked.enqueued
        drain(acme_app)


def test_db_upgrade_applies_the_plugins_migration_branch(
    installed_plugin, app_config, fresh_database_url
):
    from sqlalchemy import inspect

    app = create_app(
        {
            **app_config,
            "SQLALCHEMY_DATABASE_URI": fresh_database_url,
            "PORTAL_PLUGINS": [*app_config["PORTAL_PLUGINS"], "acme_notes"],
        }
    )
    result = CliRunner().invoke(cli_group(), ["db", "upgrade"], obj=_script_info(app))
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert "acme_notes_note" in inspect(db.engine).get_table_names()
        db.engine.dispose()


def cli_group():
    from portal.cli import cli

    return cli


def test_its_cli_command_is_added(acme_app):
    from portal.cli import cli

    runner = CliRunner()
    result = runner.invoke(cli, ["acme-hello"], obj=_script_info(acme_app))
    assert result.exit_code == 0, result.output
    assert "hello from acme" in result.output


def _script_info(app):
    from flask.cli import ScriptInfo

    return ScriptInfo(create_app=lambda: app)
