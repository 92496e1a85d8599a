"""May this account send? The checklist every module contributes to.

Items come from the ``account_readiness`` hook: this module contributes the verified
professional identity document and the signed platform mandate; the credits module contributes
the credit through the same hook; a plugin may add its own. The account may send when every item
is done.
"""

from __future__ import annotations

from flask import g, has_request_context
from flask_babel import lazy_gettext as _l

from portal.core import clock
from portal.core.accounts.models import Account
from portal.core.plugins import ReadinessItem, current_plugins
from portal.core.tenants import active_tenant_id, tenant_directory
from portal.core.tenants.config import CurrentTenant

DOCUMENT = "verification.document"
MANDATE = "verification.mandate"
CREDIT = "credits.balance"  # the credits module's item


def _current_tenant() -> CurrentTenant:
    tenant = g.get("tenant") if has_request_context() else None
    if tenant is None and active_tenant_id() is not None:  # a job in its tenant's scope
        tenant = tenant_directory().get(active_tenant_id())
    if tenant is None:
        raise RuntimeError("readiness() needs a tenant: call it in a request or a tenant scope")
    return tenant


def readiness(account: Account, tenant: CurrentTenant | None = None) -> list[ReadinessItem]:
    """What ``account`` has and lacks before it may send, in display order."""
    tenant = tenant or _current_tenant()
    items = current_plugins().collect("account_readiness", tenant=tenant, account=account)
    return sorted(items, key=lambda item: (item.order, item.code))


def missing_before_sending(
    account: Account, tenant: CurrentTenant | None = None
) -> list[ReadinessItem]:
    """The items ``account`` still lacks before it may send anything (SPEC §2), credit apart:
    a send's own charge says what credit is missing, with the link to buy some."""
    return [item for item in readiness(account, tenant) if not item.done and item.code != CREDIT]


def may_send(account: Account, tenant: CurrentTenant | None = None) -> bool:
    """True when every readiness item of the account is done."""
    return all(item.done for item in readiness(account, tenant))


def core_items(tenant: CurrentTenant, account: Account | None) -> list[ReadinessItem]:
    """This module's items: a valid professional document, the signed platform mandate."""
    from portal.core.verification.documents import has_valid_document
    from portal.core.verification.mandate_signature import account_mandate

    document_done = mandate_done = False
    if account is not None:
        document_done = has_valid_document(account, clock.today(tenant))
        mandate_done = account_mandate(account) is not None
    return [
        ReadinessItem(
            code=DOCUMENT,
            label=_l("Justificatif d'identité professionnelle vérifié"),
            done=document_done,
            endpoint="verification.documents",
            order=10,
        ),
        ReadinessItem(
            code=MANDATE,
            label=_l("Mandat signé autorisant la plateforme à envoyer vos courriers"),
            done=mandate_done,
            endpoint="verification.mandate",
            order=30,
        ),
    ]
