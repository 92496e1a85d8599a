"""tenant.toml validation and ``portal tenants sync``: clear messages naming file, key, problem."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo

from portal import create_app
from portal.cli import cli
from portal.core.tenants.config import read_tenant_dir
from portal.core.tenants.schema import TenantConfigError
from portal.core.tenants.sync import SyncError, read_all

REPO_TENANTS = Path(__file__).resolve().parent.parent / "tenants"


@pytest.fixture
def tenants_copy(tmp_path):
    target = tmp_path / "tenants"
    shutil.copytree(REPO_TENANTS, target)
    return target


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    ("old", "new", "key", "problem"),
    [
        ('primary = "#14365d"', 'primary = "navy"', "brand.primary", "should match pattern"),
        ('name = "Résilimo"\n', "", "name", "this key is required"),
        (
            'timezone = "Europe/Paris"',
            'timezone = "Europe/Lutece"',
            "timezone",
            "unknown time zone",
        ),
        (
            "[plugins.emprunteur]",
            "[plugins.teleportation]",
            "plugins.teleportation",
            "no such plugin is installed",
        ),
        ('cutoff = "10:30"', 'cutoff = "half past ten"', "plugins.paper_mail.cutoff", "valid time"),
        (
            'agency_cutoff = "20:00"',
            'agency_cutof = "20:00"',
            "plugins.resiliation.agency_cutof",
            "unknown key",
        ),
        (
            'address = "ne-pas-repondre@resilimo.test"',
            'address = "nobody"',
            "email.address",
            "must have an @-sign",
        ),
        (
            'hosts = ["portail.resilimo.test", "www.resilimo.test"]',
            'hosts = ["bad host!"]',
            "hosts",
            "not a valid host name",
        ),
        ('default_locale = "fr"', 'default_locale = "de"', "default_locale", "'fr' or 'en'"),
        ('logo = "logo.svg"', 'logo = "missing.svg"', "brand.logo", "no file 'missing.svg'"),
        ("[legal]", "[legal\n", "(syntax)", ""),
    ],
)
def test_a_bad_file_is_refused_naming_file_key_and_problem(
    app, tenants_copy, old, new, key, problem
):
    path = tenants_copy / "resilimo" / "tenant.toml"
    _edit(path, old, new)
    with pytest.raises(TenantConfigError) as caught:
        read_tenant_dir(tenants_copy / "resilimo", app.extensions["portal.plugins"])
    message = str(caught.value)
    assert message.startswith(f"{path}: {key}: "), message
    assert problem in message


def test_an_unknown_signature_provider_is_refused_at_sync(app, tenants_copy):
    path = tenants_copy / "resilimo" / "tenant.toml"
    path.write_text(path.read_text() + '\n[signatures]\nprovider = "docusign"\n')
    with pytest.raises(TenantConfigError) as caught:
        read_tenant_dir(tenants_copy / "resilimo", app.extensions["portal.plugins"])
    message = str(caught.value)
    assert message.startswith(f"{path}: signatures.provider: "), message
    assert "unknown provider 'docusign' (known: builtin, yousign)" in message


@pytest.mark.parametrize(
    ("old", "new", "key", "problem"),
    [
        (
            'categories = ["individual", "farmer", "employer"]',
            'categories = ["individual", "astronaut"]',
            "messaging.categories.1",
            "'agent', 'client', 'individual', 'farmer' or 'employer'",
        ),
        (
            'code = "aides-logement"',
            'code = "allocations-familiales"',
            "messaging.themes.2.topics",
            "code listed twice: allocations-familiales",
        ),
        ('code = "sante"', 'code = "Santé !"', "messaging.themes.0.code", "should match pattern"),
        (
            'url = "https://www.msr.test/services/tesa"',
            'url = "javascript:alert(1)"',
            "messaging.themes.7.topics.1.reasons.0.service.url",
            "should match pattern",
        ),
        (
            "message_min_chars = 10",
            "message_min_chars = 0",
            "messaging.message_min_chars",
            "greater than or equal to 1",
        ),
    ],
)
def test_a_bad_messaging_taxonomy_is_refused_naming_the_entry(
    app, tenants_copy, old, new, key, problem
):
    path = tenants_copy / "msr" / "tenant.toml"
    _edit(path, old, new)
    with pytest.raises(TenantConfigError) as caught:
        read_tenant_dir(tenants_copy / "msr", app.extensions["portal.plugins"])
    message = str(caught.value)
    assert f"{path}: {key}: " in message, message
    assert problem in message, message


def test_a_host_claimed_by_two_tenants_is_refused(app, tenants_copy):
    _edit(
        tenants_copy / "msr" / "tenant.toml",
        'hosts = ["monespace.msr.test"]',
        'hosts = ["www.resilimo.test"]',
    )
    with pytest.raises(SyncError) as caught:
        read_all(tenants_copy, app.extensions["portal.plugins"])
    assert "'www.resilimo.test' is already used by tenant" in str(caught.value)


def test_sync_command_reports_errors_and_changes_nothing(
    app, app_config, tenants_copy, fresh_database_url
):
    test_app = create_app(
        {
            **app_config,
            "SQLALCHEMY_DATABASE_URI": fresh_database_url,
            "PORTAL_TENANTS_DIR": str(tenants_copy),
            "PORTAL_TENANT_CACHE_SECONDS": 0,
        }
    )
    runner = CliRunner()
    info = ScriptInfo(create_app=lambda: test_app)
    assert runner.invoke(cli, ["upgrade"], obj=info).exit_code == 0
    first = runner.invoke(cli, ["tenants", "sync"], obj=info)
    assert first.exit_code == 0, first.output
    assert "created: horizon, msr, resilimo" in first.output

    _edit(tenants_copy / "horizon" / "tenant.toml", 'accent = "#f2b705"', 'accent = "yellow"')
    _edit(tenants_copy / "msr" / "tenant.toml", 'name = "Mutualité Sociale Rurale"', 'name = "MSR"')
    failed = runner.invoke(cli, ["tenants", "sync"], obj=info)
    assert failed.exit_code == 1
    assert f"{tenants_copy / 'horizon' / 'tenant.toml'}: brand.accent:" in failed.output

    client = test_app.test_client()
    page = client.get("/", base_url="http://msr.localhost").get_data(as_text=True)
    assert "Mutualité Sociale Rurale" in page  # nothing was applied


def test_a_synced_change_reaches_a_running_app_without_restart(
    app, app_config, tenants_copy, fresh_database_url
):
    config = {
        **app_config,
        "SQLALCHEMY_DATABASE_URI": fresh_database_url,
        "PORTAL_TENANTS_DIR": str(tenants_copy),
        "PORTAL_TENANT_CACHE_SECONDS": 0,  # by default a change takes up to 2 s to arrive
    }
    web, admin = create_app(config), create_app(config)  # two processes, one database
    runner = CliRunner()
    info = ScriptInfo(create_app=lambda: admin)
    runner.invoke(cli, ["upgrade"], obj=info)
    runner.invoke(cli, ["tenants", "sync"], obj=info)
    client = web.test_client()
    assert "La résiliation en recommandé" in client.get(
        "/", base_url="http://resilimo.localhost"
    ).get_data(as_text=True)

    _edit(
        tenants_copy / "resilimo" / "tenant.toml",
        'tagline = { fr = "La résiliation en recommandé électronique, simple et opposable"',
        'tagline = { fr = "Nouvelle accroche"',
    )
    assert runner.invoke(cli, ["tenants", "sync"], obj=info).exit_code == 0
    assert "Nouvelle accroche" in client.get("/", base_url="http://resilimo.localhost").get_data(
        as_text=True
    )


def test_a_plugin_whose_requirements_are_off_is_refused_naming_both(tenants_copy):
    import types

    from portal.core.plugins import PluginInfo, PortalPlugins

    plugins = PortalPlugins()
    plugins.register_core("messaging", types.SimpleNamespace())
    plugins.load_entry_points(
        only=["resiliation", "paper_mail", "emprunteur", "subscription", "secure_messaging"]
    )
    tracking = types.ModuleType("tracking")
    tracking.plugin_info = PluginInfo(
        name="tracking",
        title="Suivi",
        version="1",
        description="Suivi des lettres.",
        requires=("resiliation", "core.help_requests"),
    )
    plugins.register_plugin("tracking", tracking)
    for slug in ("resilimo", "msr"):
        with (tenants_copy / slug / "tenant.toml").open("a", encoding="utf-8") as toml:
            toml.write("\n[plugins.tracking]\nenabled = true\n")
    assert "tracking" in read_tenant_dir(tenants_copy / "resilimo", plugins).enabled_plugins()
    with pytest.raises(TenantConfigError) as refused:
        read_tenant_dir(tenants_copy / "msr", plugins)
    message = str(refused.value)
    assert str(tenants_copy / "msr" / "tenant.toml") in message
    assert "plugins.tracking: requires the plugin 'resiliation'" in message
    assert "plugins.tracking: requires the core module 'core.help_requests'" in message
