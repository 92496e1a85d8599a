"""How conversations read on every page (user side, plugins, back office): state and kind labels,
file sizes, moments, and the conversation list of a user's space (``messaging/_list.html``)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.core.i18n import format_datetime, format_filesize
from portal.core.messaging.models import ConversationKind, ConversationState
from portal.core.messaging.notifications import reference
from portal.core.messaging.taxonomy import CATEGORY_LABELS

# The user reads where their conversation stands; an operator reads what is left to do.
USER_STATE_LABELS = {
    ConversationState.OPEN: _l("En attente de réponse"),
    ConversationState.ANSWERED: _l("Réponse reçue"),
    ConversationState.CLOSED: _l("Clôturée"),
}
OPERATOR_STATE_LABELS = {
    ConversationState.OPEN: _l("À traiter"),
    ConversationState.ANSWERED: _l("Répondue"),
    ConversationState.CLOSED: _l("Clôturée"),
}
KIND_LABELS = {
    ConversationKind.MESSAGE: _l("Message"),
    ConversationKind.HELP: _l("Demande d'aide"),
    ConversationKind.DEPOSIT: _l("Dépôt de documents"),
    ConversationKind.CONTACT: _l("Contact (visiteur)"),
}


def category_label(category: str) -> str:
    """The user category as people read it (« Exploitant »); a visitor of the contact form."""
    if category == "visitor":
        return _("Visiteur")
    return str(CATEGORY_LABELS.get(category, category))


def file_size(size: int) -> str:
    """« 300 octets », « 12,5 ko », « 1,2 Mo » / « 12.5 kB » (``format_filesize``)."""
    return format_filesize(size)


def moment(value) -> str:
    """« 2 déc. 2026, 14:05 » / « 2 Dec 2026, 14:05 », in the tenant's time zone."""
    return format_datetime(value)


def helpers(*, operator: bool = False) -> dict:
    """The template helpers of messaging pages (``operator``: the back office's state words)."""
    states = OPERATOR_STATE_LABELS if operator else USER_STATE_LABELS
    return {
        "reference": reference,
        "state_label": lambda state: states.get(state, state),
        "kind_label": lambda kind: KIND_LABELS.get(kind, kind),
        "moment": moment,
        "file_size": file_size,
        "category_label": category_label,
    }
