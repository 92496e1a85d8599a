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
    the credits module through this same hook)."""
    from portal.core.verification.readiness import core_items

    return core_items(tenant, account)
