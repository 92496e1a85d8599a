"""The ``portal`` command line: development server, tenants, workers, scheduler, database, demo."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, ScriptInfo, routes_command, shell_command, with_appcontext
from flask_migrate.cli import db as migrate_db
from werkzeug.serving import run_simple

from portal.app import create_app
from portal.core.i18n_commands import i18n


def _create_app():
    return create_app()


class PortalGroup(FlaskGroup):
    """FlaskGroup that also offers the commands plugins add through ``register_cli_commands``.

    Plugin commands are collected from the app of each invocation (never stored on this
    module-level group), so the installed plugins decide what ``portal`` offers.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Commands come from this module and from portal plugins, not from `flask.commands`
        # entry points (Flask-Migrate's `db` is replaced by ours below).
        self._loaded_plugin_commands = True

    def list_commands(self, ctx):
        return sorted({*super().list_commands(ctx), *self._plugin_commands(ctx)})

    def get_command(self, ctx, name):
        return super().get_command(ctx, name) or self._plugin_commands(ctx).get(name)

    def _plugin_commands(self, ctx) -> dict[str, click.Command]:
        try:
            app = ctx.ensure_object(ScriptInfo).load_app()
        except Exception:  # noqa: BLE001 - a broken app still lets `portal --help` work
            return {}
        group = click.Group()
        app.extensions["portal.plugins"].call_each("register_cli_commands", cli=group)
        return dict(group.commands)


@click.group(cls=PortalGroup, create_app=_create_app, add_default_commands=False)
def cli():
    """Portail multi-tenant : serveur, tenants, jobs, base de données."""


cli.add_command(shell_command)
cli.add_command(routes_command)
cli.add_command(i18n)


# Flask-Migrate's `db` group (its options set the migration directory), with `upgrade`
# defaulting to every head: the core branch and each plugin's.
@with_appcontext
def _db_group(**options):
    from portal.core.database import migrations

    migrations(current_app)  # set up here: a web process goes without Flask-Migrate
    return migrate_db.callback(**options)


db_group = click.Group("db", callback=_db_group, params=migrate_db.params, help=migrate_db.help)
cli.add_command(db_group)


for _name, _command in migrate_db.commands.items():
    if _name != "upgrade":
        db_group.add_command(_command)


@db_group.command("upgrade")
@click.argument("revision", default="heads")
@with_appcontext
def db_upgrade(revision: str):
    """Upgrade to the newest revision of the core and of every plugin branch (``heads``)."""
    from flask_migrate import upgrade

    upgrade(revision=revision)


@cli.group()
def tenants():
    """Tenants folders (tenants/<slug>/tenant.toml)."""


@tenants.command("sync")
@with_appcontext
def tenants_sync():
    """Validate every tenant folder and load it into the database."""
    from portal.core.tenants.sync import SyncError, sync_tenants

    try:
        report = sync_tenants(
            Path(current_app.config["PORTAL_TENANTS_DIR"]), current_app.extensions["portal.plugins"]
        )
    except SyncError as exc:
        for line in exc.errors:
            click.secho(line, fg="red", err=True)
        sys.exit(1)
    for label, slugs in (
        ("created", report.created),
        ("updated", report.updated),
        ("unchanged", report.unchanged),
    ):
        if slugs:
            click.echo(f"{label}: {', '.join(slugs)}")


@tenants.command("list")
@with_appcontext
def tenants_list():
    """List tenants with their URLs."""
    for slug, url in tenant_urls(current_app, port=None):
        click.echo(f"{slug:24} {url}")


def tenant_urls(app, port: int | None) -> list[tuple[str, str]]:
    from sqlalchemy import select

    from portal.core.tenants import Tenant
    from portal.extensions import db

    suffix = app.config.get("PORTAL_DEV_HOST_SUFFIX")
    rows = db.session.scalars(select(Tenant).order_by(Tenant.slug)).all()
    urls = []
    for tenant in rows:
        host = (
            f"{tenant.slug}.{suffix}" if suffix else (tenant.hosts[0].host if tenant.hosts else "")
        )
        urls.append((tenant.slug, f"http://{host}{f':{port}' if port else ''}/"))
    return urls


@cli.group("plugin")
def plugin_group():
    """Plugins: generate a new one."""


@plugin_group.command("new", with_appcontext=False)
@click.argument("name")
@click.option(
    "--path",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where to create it (default: the current folder; plugins/ with --builtin).",
)
@click.option("--builtin", is_flag=True, help="A plugin of this repository (plugins.<name>).")
@click.option("--title", help="Its French title (default: from the name).")
def plugin_new(name: str, path: Path | None, builtin: bool, title: str | None):
    """Generate a plugin with the anatomy of every module (docs/plugins.md)."""
    from portal.config import PROJECT_ROOT
    from portal.core.scaffold import ScaffoldError, new_plugin

    folder = path or (PROJECT_ROOT / "plugins" if builtin else Path.cwd())
    try:
        new_plugin(name, folder, builtin=builtin, title=title)
    except ScaffoldError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Plugin {name} created in {folder / name}")
    if builtin:
        first = f'add `{name} = "plugins.{name}"` to [project.entry-points."portal.plugins"] '
        first += "in pyproject.toml, then `pip install -e .`"
    else:
        first = f"pip install -e {folder / name}"
    for step in (
        first,
        f"enable it in a tenant: [plugins.{name}] enabled = true, then `portal tenants sync`",
        "portal db upgrade && portal i18n compile",
    ):
        click.echo(f"  - {step}")


@cli.command("upgrade")
@with_appcontext
def upgrade_command():
    """Apply core and plugin migrations (same as ``portal db upgrade``)."""
    from portal.core.database import upgrade_database

    upgrade_database()


@cli.command("demo")
@with_appcontext
def demo_command():
    """Create the database if needed, load the demo tenants and their demo data."""
    from portal.core.demo import load_demo

    load_demo(current_app)
    for slug, url in tenant_urls(current_app, port=None):
        click.echo(f"{slug:24} {url}")


@cli.command("worker")
@click.option("--threads", default=4, show_default=True, help="Worker threads in this process.")
@click.option(
    "--queue",
    "queues",
    multiple=True,
    help="Consume only this queue (repeatable; e.g. `sendings` for dedicated hand-over workers).",
)
@with_appcontext
def worker_command(threads: int, queues: tuple[str, ...]):
    """Run a dramatiq worker for every queue, or the ones given (needs PORTAL_REDIS_URL)."""
    from portal.core.jobs import run_worker

    if not current_app.config.get("PORTAL_REDIS_URL"):
        raise click.ClickException(
            "portal worker needs PORTAL_REDIS_URL; without Redis `portal run` runs jobs in-process."
        )
    try:
        run_worker(current_app, threads=threads, queues=set(queues) or None)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc


@cli.command("scheduler")
@with_appcontext
def scheduler_command():
    """Run the periodic scheduler (safe to run in several processes)."""
    from portal.core.jobs import run_scheduler

    run_scheduler(current_app)


@cli.command("run", with_appcontext=False)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def run_command(host: str, port: int):
    """Development: web server + in-process worker + scheduler, demo data on first start.

    Runs in development mode (its sandboxes and development mailbox) unless ``PORTAL_MODE``
    says otherwise, e.g. ``demo``.
    """
    from portal.core.demo import load_demo
    from portal.core.jobs import start_embedded

    app = create_app({"PORTAL_MODE": os.environ.get("PORTAL_MODE") or "development"})
    suffix = app.config.get("PORTAL_DEV_HOST_SUFFIX") or "localhost"
    # Links in emails sent by jobs (no request to take the host from) open this server.
    if not app.config.get("PORTAL_TENANT_URL_TEMPLATE"):
        app.config["PORTAL_TENANT_URL_TEMPLATE"] = f"http://{{slug}}.{suffix}:{port}/"
    with app.app_context():
        load_demo(app)
        start_embedded(app)
        click.echo("Portail prêt / Portal ready:")
        for slug, url in tenant_urls(app, port=port):
            click.echo(f"  {slug:24} {url}")
    click.echo(f"  {'dev mailbox':24} http://<tenant>.localhost:{port}/_dev/mailbox")
    # Flask's CLI turns app.run() into a no-op; serve with Werkzeug directly.
    run_simple(host, port, app, threaded=True, use_reloader=False)


def main() -> None:
    cli(prog_name="portal")


if __name__ == "__main__":
    main()
