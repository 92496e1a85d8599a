"""The development mailbox: emails and SMS recorded per tenant instead of being sent.

It backs ``PORTAL_MAIL=dev`` and ``PORTAL_SMS=dev`` and shows what was "sent" at
``/_dev/mailbox`` on each tenant's host. With neither set to ``dev`` the pages do not exist, and
production mode refuses to start with either (``portal.core.bootstrap.check_mode``): anyone on a
tenant's host can read its mailbox, reset links included.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from portal.core.devbox.models import DevboxMessage
from portal.core.devbox.store import record_email, record_sms

__all__ = ["DevboxMessage", "devbox_enabled", "init_app", "record_email", "record_sms"]

TEMPLATES = Path(__file__).parent / "templates"


def devbox_enabled(config) -> bool:
    return config.get("PORTAL_MAIL") == "dev" or config.get("PORTAL_SMS") == "dev"


def init_app(app: Flask) -> None:
    app.extensions["portal.devbox"] = devbox_enabled(app.config)
    if not app.extensions["portal.devbox"]:
        return
    from portal.core.devbox.blueprint import blueprint

    app.template_folders.append(TEMPLATES)
    app.register_blueprint(blueprint)
