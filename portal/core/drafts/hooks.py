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


@hookimpl
def dashboard_widgets(tenant, account, profile):
    """One card per wizard whose drafts the account has to finish (« Messages en cours de
    rédaction », « Lettres à terminer »…), counting them and linking to that wizard's list;
    only for wizards of modules enabled on the tenant."""
    if getattr(account, "id", None) is None:
        return None
    from flask import current_app
    from flask_babel import lazy_gettext as _l
    from flask_babel import ngettext
    from sqlalchemy import func, select

    from portal.core.drafts.models import Draft
    from portal.core.drafts.wizard import MOUNTED
    from portal.core.plugins import DashboardWidget, current_plugins
    from portal.extensions import db

    counts = db.session.execute(
        select(Draft.kind, func.count())
        .where(Draft.account_id == account.id)
        .group_by(Draft.kind)
        .order_by(Draft.kind)
    ).all()
    owners = current_app.extensions.get("portal.blueprint_owners", {})
    cards = []
    for kind, count in counts:
        wizard = MOUNTED.get(kind)
        if wizard is None or wizard.endpoint("drafts") not in current_app.view_functions:
            continue  # a kind no wizard of this application lists
        owner = owners.get(wizard.blueprint_name.split(".")[0])
        if owner is not None and not current_plugins().is_enabled(owner, tenant):
            continue
        cards.append(
            DashboardWidget(
                title=wizard.list_title,
                code=f"drafts.{kind}",
                count=count,
                text=ngettext("brouillon à terminer", "brouillons à terminer", count),
                endpoint=wizard.endpoint("drafts"),
                link_label=_l("Reprendre"),
                order=30,
            )
        )
    return cards
