"""Hook implementations of the verification module (always on)."""

from portal.core.plugins import hookimpl


@hookimpl
def register_models():
    from portal.core.identity.sandbox.models import SandboxIdentitySession
    from portal.core.verification.models import (
        IdentityVerification,
        MandateSignatureRequest,
        PlatformMandate,
        ProfessionalDocument,
    )

    return [
        ProfessionalDocument,
        PlatformMandate,
        MandateSignatureRequest,
        IdentityVerification,
        SandboxIdentitySession,
    ]


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


@hookimpl
def dashboard_widgets(tenant, account, profile):
    """Where a plugin sends letters: « Préparer mon compte » while something is missing before
    the first send (each item a link to where it is done), and — to the holder, until done — the
    invitation to the eIDAS identity verification that the manual shows at login (§7), which
    « Plus tard » hides until the next login."""
    from flask import session
    from flask_babel import lazy_gettext as _l

    from portal.core.accounts.kinds import account_area
    from portal.core.plugins import DashboardWidget

    if getattr(account, "id", None) is None or not account_area(tenant).mandate:
        return None
    from portal.core.credits.ledger import euros
    from portal.core.pricing import price_list
    from portal.core.verification import identification
    from portal.core.verification.readiness import readiness

    cards = []
    missing = [item for item in readiness(account, tenant) if not item.done]
    if missing:
        cards.append(
            DashboardWidget(
                title=_l("Préparer mon compte"),
                template="core/widgets/readiness.html",
                context={"items": missing},
                order=5,
                code="verification.readiness",
                endpoint="verification.checklist",
                attention=True,
            )
        )
    holder = profile is not None and profile.is_holder
    if (
        holder
        and not session.get(IDENTITY_LATER)
        and identification.may_start_identity_verification(account)
    ):
        item = price_list(tenant).get("identity_verification")
        cards.append(
            DashboardWidget(
                title=_l("Vérification d'identité pour eIDAS"),
                template="core/widgets/identity.html",
                context={"price": euros(item.price_cents) if item else None},
                order=1,
                code="verification.identity",
                endpoint="verification.identity",
                link_label=_l("Continuer la vérification"),
                attention=True,
            )
        )
    return cards


# The session key « Plus tard » sets on the dashboard's identity-verification invitation: the
# invitation comes back at the next login (a login starts a fresh session).
IDENTITY_LATER = "identity_verification_later"


@hookimpl
def on_signature_outcome(tenant, procedure, outcome):
    """The platform mandate's procedure signed: the account's mandate is recorded (once)."""
    from portal.core.verification.mandate_signature import OWNER, record_signed_mandate

    if procedure.owner == OWNER and outcome == "signed":
        record_signed_mandate(procedure)
