"""Hook implementations of the verification module (always on)."""

from portal.core.plugins import hookimpl


@hookimpl
def register_models():
    from portal.core.identity.sandbox.models import SandboxIdentitySession
    from portal.core.verification.models import (
        IdentityVerification,
        PlatformMandate,
        ProfessionalDocument,
    )

    return [ProfessionalDocument, PlatformMandate, IdentityVerification, SandboxIdentitySession]


@hookimpl
def register_jobs():
    from portal.core.identity.sandbox.jobs import sandbox_decide
    from portal.core.verification.jobs import identity_session_changed

    return [identity_session_changed, sandbox_decide]


@hookimpl
def account_readiness(tenant, account):
    """The verified professional document and the signed platform mandate (credit comes from
    the credits module through this same hook); only where an enabled plugin sends letters."""
    from portal.core.accounts.kinds import account_area
    from portal.core.verification.readiness import core_items

    if not account_area(tenant).mandate:
        return []
    return core_items(tenant, account)


@hookimpl
def account_menu_items(tenant, account, profile):
    """The sending conditions (document, mandate) and the eIDAS identity verification."""
    from flask_babel import lazy_gettext as _l

    from portal.core.accounts.kinds import account_area
    from portal.core.plugins import NavItem

    if not account_area(tenant).mandate:
        return []
    return [
        NavItem(label=_l("Conditions d'envoi"), endpoint="verification.checklist", order=40),
        NavItem(label=_l("Vérification d'identité"), endpoint="verification.identity", order=45),
    ]
