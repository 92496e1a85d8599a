"""The inbox lists: every tenant with what waits for an answer, then one tenant's conversations,
newest activity first, filtered from the query string."""

from __future__ import annotations

from flask import render_template, request
from flask_babel import gettext as _
from sqlalchemy import case, func, select

from portal.core.accounts.models import Account, Profile
from portal.core.backoffice import current_staff
from portal.core.backoffice.models import StaffUser
from portal.core.backoffice.queries import all_tenants
from portal.core.messaging import operations, rules, taxonomy
from portal.core.messaging.backoffice.common import page_context
from portal.core.messaging.backoffice_forms import InboxFilterForm
from portal.core.messaging.display import KIND_LABELS
from portal.core.messaging.models import Conversation, ConversationKind, ConversationState
from portal.core.plugins import TaxonomyNode
from portal.core.tenants import CurrentTenant
from portal.core.web.pipeline import Access, handler
from portal.extensions import db

PAGE_SIZE = 50

# The state filter; « à traiter » (open: the user waits for an answer) is the default.
STATES = {
    "open": (ConversationState.OPEN,),
    "answered": (ConversationState.ANSWERED,),
    "closed": (ConversationState.CLOSED,),
    "all": tuple(ConversationState),
}
CODE_COLUMNS = (Conversation.theme_code, Conversation.topic_code, Conversation.reason_code)


@handler(Access.STAFF)
def tenants():
    """Each tenant with its open conversations, how many have no operator, the oldest wait."""
    waiting = db.session.execute(
        select(
            Conversation.tenant_id,
            func.count().label("open"),
            func.sum(case((Conversation.assigned_staff_id.is_(None), 1), else_=0)).label(
                "unassigned"
            ),
            func.min(Conversation.awaiting_since).label("oldest"),
        )
        .where(Conversation.state == ConversationState.OPEN)
        .group_by(Conversation.tenant_id)
    ).all()
    by_tenant = {row.tenant_id: row for row in waiting}
    now = operations.now()
    rows = []
    for tenant in all_tenants():
        row = by_tenant.get(tenant.id)
        rows.append(
            {
                "tenant": tenant,
                "open": row.open if row else 0,
                "unassigned": int(row.unassigned or 0) if row else 0,
                "oldest": rules.waiting_for(row.oldest, now) if row else None,
            }
        )
    return render_template("backoffice/messaging/tenants.html", rows=rows, **page_context())


@handler(Access.STAFF)
def inbox(tenant: CurrentTenant):
    """The conversations of the tenant the URL names (the pipeline works in its scope)."""
    form = InboxFilterForm(request.args)
    _fill_choices(form, tenant)
    query = _filtered(select(Conversation), form)
    pages = db.paginate(
        query.order_by(Conversation.last_activity_at.desc(), Conversation.id.desc()),
        page=request.args.get("page", 1, type=int),
        per_page=PAGE_SIZE,
        error_out=False,
    )
    conversations = pages.items
    now = operations.now()
    return render_template(
        "backoffice/messaging/inbox.html",
        tenant=tenant,
        form=form,
        pages=pages,
        conversations=conversations,
        writers=_writers(conversations),
        operators={s.id: s for s in db.session.scalars(select(StaffUser))},
        unread=operations.unread_by_staff([c.id for c in conversations]),
        waits={c.id: rules.waiting_for(c.awaiting_since, now) for c in conversations},
        # The filters again in the pagination links.
        filter_args={field.name: field.data for field in form if field.data},
        **page_context(),
    )


def themes_of(tenant: CurrentTenant) -> tuple[TaxonomyNode, ...]:
    """The tenant's taxonomy, every category's merged (codes are the tenant's; labels follow
    the operator's language: ``localized`` falls back on French without a request tenant)."""
    merged: tuple[TaxonomyNode, ...] = ()
    for category in tenant.config.messaging.categories:
        for theme in taxonomy.taxonomy(tenant, category):
            merged = taxonomy._merge(merged, theme)
    return merged


def _fill_choices(form: InboxFilterForm, tenant: CurrentTenant) -> None:
    form.state.choices = [
        ("open", _("À traiter")),
        ("answered", _("Répondues")),
        ("closed", _("Clôturées")),
        ("all", _("Toutes")),
    ]
    form.kind.choices = [("", _("Tous les types"))] + [
        (kind.value, str(label)) for kind, label in KIND_LABELS.items()
    ]
    form.assignee.choices = [
        ("", _("Tout le monde")),
        ("me", _("Moi")),
        ("none", _("Non attribuées")),
    ]
    themes, topics, reasons = [], [], []
    for theme in themes_of(tenant):
        themes.append((theme.code, str(theme.label)))
        for topic in theme.children:
            path = f"{theme.code}/{topic.code}"
            topics.append((path, f"{theme.label} › {topic.label}"))
            for reason in topic.children:
                reasons.append((f"{path}/{reason.code}", f"{topic.label} › {reason.label}"))
    form.theme.choices = [("", _("Tous les thèmes")), *themes]
    form.topic.choices = [("", _("Tous les sujets")), *topics]
    form.reason.choices = [("", _("Tous les motifs")), *reasons]
    for field in (form.state, form.kind, form.assignee, form.theme, form.topic, form.reason):
        if field.data not in {value for value, _label in field.choices}:
            field.data = field.default  # a value not offered is ignored


def _filtered(query, form: InboxFilterForm):
    query = query.where(Conversation.state.in_(STATES[form.state.data]))
    if form.kind.data:
        query = query.where(Conversation.kind == ConversationKind(form.kind.data))
    # Theme « a », topic « a/b », reason « a/b/c »: the path, so equal codes under two themes
    # stay apart.
    for path in (form.theme.data, form.topic.data, form.reason.data):
        codes = path.split("/") if path else []
        for column, code in zip(CODE_COLUMNS[: len(codes)], codes, strict=True):
            query = query.where(column == code)
    if form.assignee.data == "me":
        query = query.where(Conversation.assigned_staff_id == current_staff().id)
    elif form.assignee.data == "none":
        query = query.where(Conversation.assigned_staff_id.is_(None))
    return query


def _writers(conversations) -> dict[int, str]:
    """Who wrote each conversation: « Agence Durand — Camille Durand », or the visitor."""
    account_ids = {c.account_id for c in conversations if c.account_id}
    profile_ids = {c.profile_id for c in conversations if c.profile_id}
    accounts = (
        {a.id: a for a in db.session.scalars(select(Account).where(Account.id.in_(account_ids)))}
        if account_ids
        else {}
    )
    profiles = (
        {p.id: p for p in db.session.scalars(select(Profile).where(Profile.id.in_(profile_ids)))}
        if profile_ids
        else {}
    )
    writers = {}
    for conversation in conversations:
        account = accounts.get(conversation.account_id)
        if account is None:
            name = conversation.visitor_name or ""
            email = conversation.visitor_email or ""
            writers[conversation.id] = f"{name} <{email}>" if email else name
            continue
        parts = [account.display_name]
        profile = profiles.get(conversation.profile_id)
        if profile is not None and profile.name not in parts:
            parts.append(profile.name)
        writers[conversation.id] = " — ".join(p for p in parts if p)
    return writers
