"""Human labels of values the back office shows (account statuses, document states)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.core.accounts.models import AccountStatus

ACCOUNT_STATUS = {
    AccountStatus.PENDING_ACTIVATION: _l("En attente d'activation"),
    AccountStatus.PENDING_APPROVAL: _l("En attente de validation"),
    AccountStatus.INVITED: _l("Invité (mot de passe à créer)"),
    AccountStatus.ACTIVE: _l("Actif"),
    AccountStatus.REJECTED: _l("Refusé"),
    AccountStatus.CLOSING: _l("Clôture en cours"),
    AccountStatus.CLOSED: _l("Clôturé"),
}

SIGNUP_MODE = {
    "self": _l("Inscription libre (lien d'activation)"),
    "approval": _l("Inscription validée par un opérateur"),
    "invite": _l("Sur invitation"),
}
