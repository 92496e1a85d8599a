"""The core inbox: conversations between users and the tenant's operators (the secure
messaging of members, the help requests of agents).

* the theme → topic → reason taxonomy of each tenant (:mod:`.taxonomy`, ``[messaging]``);
* conversations, messages, internal notes and attachments (:mod:`.models`), changed only through
  :mod:`.operations` (the user side), :mod:`.deposit` (documents) and :mod:`.answers` (operators),
  which also queue the notifications (:mod:`.notifications`);
* the agents' help requests and the conversation pages (blueprint ``messaging``), the visitors'
  contact form (blueprint ``contact``), the operators' inbox in the back office
  (:mod:`.backoffice`).

Plugins build member-facing flows on it (``plugins/secure_messaging``)::

    from portal.core.messaging import operations, taxonomy
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask

TEMPLATES = Path(__file__).parent / "templates"


def init_app(app: Flask) -> None:
    """The user pages; the inbox joins the back office through its hooks (:mod:`.backoffice`)."""
    from portal.core.messaging import models  # noqa: F401 - register the tables
    from portal.core.messaging.blueprint import blueprint, contact_blueprint
    from portal.core.messaging.display import category_label

    app.template_folders.append(TEMPLATES)
    app.add_template_global(category_label, "messaging_category_label")
    app.register_blueprint(blueprint)
    app.register_blueprint(contact_blueprint)
