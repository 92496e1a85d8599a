"""Wiring of the core modules and plugins into an application, in a fixed order."""

from __future__ import annotations

from flask import Flask

from portal.config import sandboxes
from portal.core import (  # noqa: F401 - database: SQLite pragmas
    accounts,
    backoffice,
    credits,
    database,
    devbox,
    evidence,
    i18n,
    jobs,
    mail,
    messaging,
    onboarding,
    pages,
    pdf,
    ratelimit,
    sendings,
    signatures,
    sms,
    storage,
    tenants,
    verification,
    web,
)
from portal.core.accounts import hooks as accounts_hooks
from portal.core.accounts.account import hooks as account_hooks
from portal.core.backoffice import hooks as backoffice_hooks
from portal.core.credits import hooks as credits_hooks
from portal.core.credits.billing import backoffice as credits_backoffice
from portal.core.devbox import hooks as devbox_hooks
from portal.core.directory import hooks as directory_hooks
from portal.core.drafts import hooks as drafts_hooks
from portal.core.evidence import hooks as evidence_hooks
from portal.core.mail import hooks as mail_hooks
from portal.core.messaging import backoffice as messaging_backoffice
from portal.core.messaging import hooks as messaging_hooks
from portal.core.onboarding import backoffice as onboarding_backoffice
from portal.core.onboarding import hooks as onboarding_hooks
from portal.core.plugins import PortalPlugins
from portal.core.sendings import backoffice as sendings_backoffice
from portal.core.sendings import hooks as sendings_hooks
from portal.core.sendings.operators.lre_sandbox import hooks as lre_sandbox_hooks
from portal.core.sendings.operators.paper_sandbox import hooks as paper_sandbox_hooks
from portal.core.signatures import hooks as signatures_hooks
from portal.core.verification import backoffice as verification_backoffice
from portal.core.verification import hooks as verification_hooks
from portal.core.web import pipeline
from portal.extensions import db

# Core modules that implement hooks; they are registered as always-on plugins named core.<name>.
CORE_HOOK_MODULES = {
    "web": web.hooks,
    "devbox": devbox_hooks,
    "mail": mail_hooks,
    "accounts": accounts_hooks,
    "accounts.account": account_hooks,
    "verification": verification_hooks,
    "verification.backoffice": verification_backoffice,
    "backoffice": backoffice_hooks,
    "credits": credits_hooks,
    "credits.backoffice": credits_backoffice,
    "messaging": messaging_hooks,
    "messaging.backoffice": messaging_backoffice,
    "onboarding": onboarding_hooks,
    "onboarding.backoffice": onboarding_backoffice,
    "drafts": drafts_hooks,
    "evidence": evidence_hooks,
    "signatures": signatures_hooks,
    "sendings.lre_sandbox": lre_sandbox_hooks,
    "sendings": sendings_hooks,
    "sendings.paper_sandbox": paper_sandbox_hooks,
    "sendings.backoffice": sendings_backoffice,
    "directory": directory_hooks,
}


class SandboxInProduction(RuntimeError):
    """Production mode with a stand-in provider configured: the app refuses to start."""


def check_mode(config) -> None:
    """In production, refuse to start while a sandbox is configured, naming each setting."""
    found = sandboxes(config)
    if config["PORTAL_MODE"] == "production" and found:
        raise SandboxInProduction(
            f"PORTAL_MODE=production refuses sandbox providers: {', '.join(found)}. "
            "Configure real ones, or set PORTAL_MODE=demo (a demonstration, with a banner on "
            "every page) or PORTAL_MODE=development."
        )


def init_app(app: Flask) -> None:
    check_mode(app.config)
    plugins = PortalPlugins()
    for name, module in CORE_HOOK_MODULES.items():
        plugins.register_core(name, module)
    plugins.load_entry_points(
        app.config.get("PORTAL_PLUGIN_GROUP", "portal.plugins"), app.config.get("PORTAL_PLUGINS")
    )
    plugins.check_pending()
    app.extensions["portal.plugins"] = plugins

    plugins.collect("register_models")  # import every model before metadata is used
    import portal.core.audit  # noqa: F401 - core models
    import portal.core.backoffice.models  # noqa: F401
    import portal.core.directory.models  # noqa: F401
    import portal.core.sendings.models  # noqa: F401
    import portal.core.signatures.models  # noqa: F401
    import portal.core.verification.models  # noqa: F401

    plugins.check_tables(mapper.class_ for mapper in db.Model.registry.mappers)

    tenants.init_app(app)
    i18n.init_app(app)
    web.init_app(app)
    ratelimit.init_app(app)
    accounts.init_app(app)
    verification.init_app(app)
    credits.init_app(app)
    messaging.init_app(app)
    onboarding.init_app(app)
    pages.init_app(app)
    storage.init_app(app)
    evidence.init_app(app)
    signatures.init_app(app)
    sendings.init_app(app)
    mail.init_app(app)
    sms.init_app(app)
    pdf.init_app(app)
    devbox.init_app(app)
    jobs.init_app(app, plugins)
    backoffice.init_app(app)  # every module's and plugin's pages, from the back-office hooks
    _register_plugin_blueprints(app, plugins)
    pipeline.install(app)  # last: orders the before_request functions of every module


def _register_plugin_blueprints(app: Flask, plugins: PortalPlugins) -> None:
    """Register each plugin's blueprints behind a per-tenant gate declared once, here."""
    owners: dict[str, str] = {}
    for plugin_name, blueprints in plugins.call_each("register_blueprints", app=app):
        for blueprint in blueprints:
            app.register_blueprint(blueprint)
            owners[blueprint.name] = plugin_name
    app.extensions["portal.blueprint_owners"] = owners
