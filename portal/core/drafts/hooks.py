"""Hook implementations of the drafts module (always on)."""

from portal.core.plugins import hookimpl


@hookimpl
def register_models():
    from portal.core.drafts.models import Draft

    return [Draft]


@hookimpl
def register_jobs():
    from portal.core.drafts import JOBS

    return JOBS


@hookimpl
def register_periodic_jobs():
    from portal.core.drafts import PERIODIC_JOBS

    return PERIODIC_JOBS


@hookimpl
def on_account_purged(tenant, account):
    """A closed account's drafts go with its personal data."""
    from sqlalchemy import delete

    from portal.core.drafts.models import Draft
    from portal.extensions import db

    if getattr(account, "id", None) is not None:
        db.session.execute(delete(Draft).where(Draft.account_id == account.id))
