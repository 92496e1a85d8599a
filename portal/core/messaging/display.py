"""How conversations read on every page (user side, plugins, back office): state and kind labels,
file sizes, moments, and the conversation list of a user's space (``messaging/_list.html``)."""

from __future__ import annotations

from flask_babel import format_datetime, format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

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
    """« 12,5 Ko », « 1,2 Mo »."""
    if size < 1024 * 1024:
        return _("%(size)s Ko", size=format_decimal(max(size / 1024, 0.1), "#,##0.#"))
    return _("%(size)s Mo", size=format_decimal(size / (1024 * 1024), "#,##0.#"))


def moment(value) -> str:
    return format_datetime(value, "short") if value else ""


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
