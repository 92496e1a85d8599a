"""A third-party plugin written only against the public plugin API; it implements every hook."""

from datetime import timedelta
from pathlib import Path

import click
from flask import Blueprint, render_template
from flask_babel import lazy_gettext as _l
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from acme_notes.models import AcmeNote
from portal.core.jobs import job
from portal.core.plugins import (
    DashboardWidget,
    NavItem,
    PeriodicJob,
    PluginInfo,
    PricedItem,
    ReadinessItem,
    TaxonomyNode,
    hookimpl,
)
from portal.core.tenants import current_tenant
from portal.extensions import db

HERE = Path(__file__).parent
STARTED_VERIFICATIONS = []  # what on_identity_verification_started received (tests read it)
PURGED_ACCOUNTS = []

plugin_info = PluginInfo(
    name="acme_notes",
    title="Acme notes",
    version="1.0.0",
    description="Agency notes, from a third-party package.",
    author="Acme",
)

blueprint = Blueprint("acme_notes", __name__, url_prefix="/acme-notes")


@blueprint.route("/")
def index():
    notes = db.session.scalars(select(AcmeNote).order_by(AcmeNote.id)).all()
    settings = current_tenant().settings_for("acme_notes")
    return render_template("acme_notes/index.html", notes=notes, settings=settings)


class AcmeSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    greeting: str = "Bonjour"
    max_notes: int = Field(10, ge=1)


@job
def stamp_note(tenant_id, text):
    """A tenant job: runs in the tenant's scope, once even if delivered twice."""
    db.session.add(AcmeNote(text=text))


@job(global_job=True)
def count_notes(tenant_id):
    """A global periodic job: the scheduler runs it once per hour."""
    return db.session.scalar(select(db.func.count()).select_from(AcmeNote))


@hookimpl
def register_blueprints(app):
    return [blueprint]


@hookimpl
def register_models():
    return [AcmeNote]


@hookimpl
def register_migrations():
    return HERE / "migrations" / "versions"


@hookimpl
def template_folders():
    return [HERE / "templates"]


@hookimpl
def translation_folders():
    return [HERE / "translations"]


@hookimpl
def register_cli_commands(cli):
    @cli.command("acme-hello")
    def acme_hello():
        """Say hello from the Acme plugin."""
        click.echo("hello from acme")


@hookimpl
def register_jobs():
    return [stamp_note, count_notes]


@hookimpl
def register_periodic_jobs():
    return [PeriodicJob(job=count_notes, every=timedelta(hours=1))]


@hookimpl
def tenant_settings_schema():
    return AcmeSettings


@hookimpl
def main_menu_items(tenant):
    return [NavItem(label=_l("Notes d'agence"), endpoint="acme_notes.index", order=50)]


@hookimpl
def dashboard_widgets(tenant):
    return [DashboardWidget(title=_l("Dernières notes"), template="acme_notes/widget.html")]


@hookimpl
def priced_items(tenant):
    return [PricedItem("acme_notes.note", _l("Note d'agence"), 120)]


@hookimpl
def messaging_taxonomy(tenant, category):
    if category != "agent":
        return None
    return [
        TaxonomyNode(
            "acme",
            _l("Notes d'agence"),
            children=(
                TaxonomyNode(
                    "acme-help",
                    _l("Aide sur les notes"),
                    service_title="Acme",
                    service_url="/acme-notes/",
                ),
            ),
        )
    ]


@hookimpl
def messaging_conversations_page(tenant, kind):
    return "acme_notes.index" if kind == "message" else None


@hookimpl
def account_readiness(tenant, account):
    return [ReadinessItem("acme.notes", _l("Une note d'agence rédigée"), done=False, order=90)]


@hookimpl
def on_identity_verification_started(tenant, account, verification):
    STARTED_VERIFICATIONS.append(verification)


@hookimpl
def account_export_files(tenant, account):
    from portal.core.accounts.export import ExportFile, csv_bytes

    rows = [(note.id, note.text) for note in db.session.scalars(select(AcmeNote))]
    return [ExportFile("acme/notes.csv", csv_bytes(["id", "texte"], rows))]


@hookimpl
def on_account_purged(tenant, account):
    PURGED_ACCOUNTS.append(account)


@hookimpl
def on_tenant_synced(tenant):
    if db.session.scalar(select(AcmeNote).limit(1)) is None:
        db.session.add(AcmeNote(text=f"Bienvenue chez {tenant.name}"))
