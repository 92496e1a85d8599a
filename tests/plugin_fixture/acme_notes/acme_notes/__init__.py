"""A third-party plugin written only against the public plugin API, laid out as docs/plugins.md
describes; this module is the wiring: its metadata and an implementation of every hook."""

from datetime import timedelta
from pathlib import Path

import click

from acme_notes import operations
from acme_notes.i18n import _l
from portal.core.backoffice import BackofficeMenuItem, BackofficePage
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

HERE = Path(__file__).parent
STARTED_VERIFICATIONS = []  # what on_identity_verification_started received (tests read it)
PURGED_ACCOUNTS = []
SIGNATURE_OUTCOMES = []  # (procedure, outcome) pairs of its own procedures
SENDING_STATES = []
SENDING_EVENTS = []  # (sending, operator event) pairs of its own sendings
POST_OFFICE_ASKED = []  # the tenants paper_post_office was asked for

plugin_info = PluginInfo(
    name="acme_notes",
    title="Acme notes",
    version="1.0.0",
    description="Agency notes, from a third-party package.",
    author="Acme",
)


@hookimpl
def register_blueprints(app):
    from acme_notes.blueprint import blueprint

    return [blueprint]


@hookimpl
def register_models():
    from acme_notes.models import AcmeNote

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
    from acme_notes.jobs import count_notes, stamp_note

    return [stamp_note, count_notes]


@hookimpl
def register_periodic_jobs():
    from acme_notes.jobs import count_notes

    return [PeriodicJob(job=count_notes, every=timedelta(hours=1))]


@hookimpl
def tenant_settings_schema():
    from acme_notes.settings import AcmeSettings

    return AcmeSettings


@hookimpl
def backoffice_pages():
    from acme_notes.backoffice import notes

    return [BackofficePage("/", "notes", notes)]


@hookimpl
def backoffice_menu_items():
    return [BackofficeMenuItem(_l("Notes d'agence"), "notes")]


@hookimpl
def main_menu_items(tenant):
    return [NavItem(label=_l("Notes d'agence"), endpoint="acme_notes.index", order=50)]


@hookimpl
def account_menu_items(tenant, account, profile):
    return [NavItem(label=_l("Mes notes d'agence"), endpoint="acme_notes.index", order=70)]


@hookimpl
def dashboard_widgets(tenant, account, profile):
    """A card of its own template, and a card the core draws: the count and a link."""
    return [
        DashboardWidget(title=_l("Dernières notes"), template="acme_notes/widget.html"),
        DashboardWidget(
            title=_l("Notes d'agence"),
            code="acme.notes",
            count=len(operations.notes_of(account)),
            endpoint="acme_notes.index",
            order=60,
        ),
    ]


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

    rows = [(note.id, note.text) for note in operations.notes_of(account)]
    return [ExportFile("acme/notes.csv", csv_bytes(["id", "texte"], rows))]


@hookimpl
def on_account_purged(tenant, account):
    PURGED_ACCOUNTS.append(account)


@hookimpl
def on_signature_outcome(tenant, procedure, outcome):
    if procedure.owner == "acme_notes":
        SIGNATURE_OUTCOMES.append((procedure, outcome))


@hookimpl
def on_sending_state_changed(tenant, sending, state):
    if sending.owner == "acme_notes":
        SENDING_STATES.append((sending, state))


@hookimpl
def on_sending_event(tenant, sending, event):
    if sending.owner == "acme_notes":
        SENDING_EVENTS.append((sending, event))


@hookimpl
def paper_post_office(tenant):
    # Acme sends nothing on paper: it does not answer, so another plugin's post office (the
    # paper mail's) is the one found.
    POST_OFFICE_ASKED.append(tenant.slug)


@hookimpl
def on_tenant_synced(tenant):
    operations.welcome(tenant)
