"""Where a user's conversations of each kind are listed — the help requests' page (the core's,
where the tenant offers help requests), « Ma messagerie » of a plugin — so the core links to a
plugin's page without naming the plugin (hook ``messaging_conversations_page``)."""

from __future__ import annotations

from flask import url_for

from portal.core.messaging.models import ConversationKind
from portal.core.plugins import current_plugins
from portal.core.tenants import current_tenant


def conversations_page(kind: ConversationKind, **args) -> str | None:
    """The URL of the page listing the account's conversations of ``kind`` on this tenant (with
    ``args`` as query values), or None where no module enabled here lists them."""
    endpoint = current_plugins().first(
        "messaging_conversations_page", tenant=current_tenant(), kind=kind.value
    )
    return None if endpoint is None else url_for(endpoint, **args)
