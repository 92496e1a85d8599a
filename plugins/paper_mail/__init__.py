"""Plugin ``paper_mail``: documents printed, enveloped and posted (SPEC §5).

Anatomy: ``rules`` (modes, hand-over day, envelopes, page geometry), ``models``, ``documents``
(upload, order, staples) and ``conversion`` (LibreOffice, images), ``checks`` (pre-flight:
envelope, printable area, address window), ``detection`` (the recipient in the window: text
layer, else OCR), ``carrier`` (the address-carrier page), ``assembly`` (exactly what is
printed), ``pricing``, ``sending`` (validate, schedule, cancel through the core sendings),
``events`` (what the printer reports), ``lists`` and ``export``, ``retention``, ``post_office``
(the hook other plugins send a PDF by paper with), ``views/``.
"""

from plugins.paper_mail.i18n import _l
from portal.core.i18n import N_
from portal.core.plugins import NavItem, PluginInfo, hookimpl

plugin_info = PluginInfo(
    name="paper_mail",
    title=N_("Courrier papier"),
    version="0.2.0",
    description=N_("Documents imprimés, mis sous pli et remis à La Poste."),
    sends_letters=True,
)


@hookimpl
def register_blueprints(app):
    from plugins.paper_mail.blueprint import blueprint

    return [blueprint]


@hookimpl
def tenant_settings_schema():
    from plugins.paper_mail.settings import PaperMailSettings

    return PaperMailSettings


@hookimpl
def main_menu_items(tenant):
    return [NavItem(label=_l("Courrier papier"), endpoint="paper_mail.home", order=20)]


@hookimpl
def priced_items(tenant):
    """The price grid in cents, VAT included (printing per sheet, colour, envelopes, postage by
    mode and weight band, the typed address and its discount); a tenant overrides it in
    ``[prices]``."""
    from plugins.paper_mail.pricing import default_items

    return default_items()


@hookimpl
def register_models():
    from plugins.paper_mail.models import MODELS

    return MODELS


@hookimpl
def register_migrations():
    from pathlib import Path

    return Path(__file__).parent / "migrations" / "versions"


@hookimpl
def on_sending_state_changed(tenant, sending, state):
    """A mail's sending reached a state: the mail's list state follows (transmitted, posted…)."""
    if sending.owner != "paper_mail":
        return
    from plugins.paper_mail import events

    events.sending_state_changed(tenant, sending, state)


@hookimpl
def on_sending_event(tenant, sending, event):
    """The printer reported a step (« Pris en charge » by La Poste…): « Posté le … » follows."""
    if sending.owner != "paper_mail":
        return
    from plugins.paper_mail import events

    events.operator_event(tenant, sending, event)


@hookimpl
def register_jobs():
    from plugins.paper_mail import conversion, retention

    return [*conversion.JOBS, *retention.JOBS]


@hookimpl
def register_periodic_jobs():
    from plugins.paper_mail import retention

    return retention.PERIODIC_JOBS


@hookimpl
def dashboard_widgets(tenant, account, profile):
    """Mails to finish, scheduled, posted this week."""
    from plugins.paper_mail import dashboard

    return dashboard.widgets(tenant, account, profile)


@hookimpl
def paper_post_office(tenant):
    """Other plugins (borrower insurance) send a generated PDF by paper through this."""
    if "paper_mail" not in tenant.enabled_plugins:
        return None
    from plugins.paper_mail.post_office import PostOffice

    return PostOffice(tenant)
