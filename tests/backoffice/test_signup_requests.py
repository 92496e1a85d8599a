"""The approval queue: requests of every approval-mode tenant, oldest first; approve or reject
with a reason, through the accounts operations (statuses, tokens, emails, audit)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from bokit import audit_entries, csrf_token, make_account, post_form
from sqlalchemy import select

from portal.core.accounts.models import Account, AccountStatus, AccountToken, TokenPurpose
from portal.core.backoffice.models import StaffRole
from portal.core.devbox.models import DevboxMessage
from portal.core.jobs import drain
from portal.core.tenants import tenant_scope, unscoped
from portal.extensions import db

QUEUE = "/backoffice/inscriptions"


def _waiting(app, tenant_id, name, age_days):
    return make_account(
        tenant_id,
        status=AccountStatus.PENDING_APPROVAL,
        commercial_name=name,
        created_at=datetime.now(UTC) - timedelta(days=age_days),
    )


def _account(app, account_id) -> Account:
    with app.app_context(), unscoped():
        account = db.session.get(Account, account_id)
        db.session.expunge(account)
        return account


def _emails_to(app, tenant_id, address) -> list[DevboxMessage]:
    drain(app)
    with app.app_context(), tenant_scope(tenant_id):
        rows = list(
            db.session.scalars(
                select(DevboxMessage).where(DevboxMessage.recipients.contains(address))
            )
        )
        db.session.expunge_all()
        return rows


def test_queue_lists_waiting_requests_of_every_tenant_oldest_first(app, staff_client, tenant_ids):
    with app.app_context():
        recent = _waiting(app, tenant_ids["msr"], "Agence Récente", 1)
        oldest = _waiting(app, tenant_ids["msr"], "Agence Ancienne", 9)
        elsewhere = _waiting(app, tenant_ids["resilimo"], "Agence Ailleurs", 4)
        make_account(tenant_ids["msr"], commercial_name="Agence Active")
    client, _ = staff_client(StaffRole.SUPPORT)
    page = client.get(QUEUE).text
    order = [int(i) for i in re.findall(r'id="request-(\d+)"', page)]
    assert order == [oldest, elsewhere, recent]
    assert "Agence Active" not in page
    only_msr = client.get(QUEUE, query_string={"tenant": tenant_ids["msr"]}).text
    assert [int(i) for i in re.findall(r'id="request-(\d+)"', only_msr)] == [oldest, recent]
    dashboard = client.get("/backoffice/tableau-de-bord").text
    assert re.search(r'data-count="signup-requests">\s*3\s*<', dashboard)


def test_approving_sends_the_first_password_link_and_leaves_the_queue(
    app, staff_client, tenant_ids
):
    tenant_id = tenant_ids["msr"]
    with app.app_context():
        account_id = _waiting(app, tenant_id, "Agence Validée", 2)
    email = _account(app, account_id).email
    client, staff = staff_client(StaffRole.SUPPORT)
    page = client.get(QUEUE)
    response = client.post(
        f"{QUEUE}/{account_id}/valider", data={"csrf_token": csrf_token(page.text)}
    )
    assert response.status_code == 302
    assert "validée" in client.get(QUEUE).text  # the flash message
    assert f'id="request-{account_id}"' not in client.get(QUEUE).text

    assert _account(app, account_id).status is AccountStatus.INVITED
    with app.app_context(), tenant_scope(tenant_id):
        token = db.session.scalar(select(AccountToken).where(AccountToken.account_id == account_id))
        assert token.purpose is TokenPurpose.SET_PASSWORD
    [message] = _emails_to(app, tenant_id, email)
    # A link to the account's own portal, never to the back office.
    assert re.search(r"https?://(monespace\.msr\.test|msr\.localhost)/\S+", message.body_text)
    assert "backoffice" not in message.body_text
    [entry] = audit_entries(
        app, "account.signup_approved", target_id=account_id, actor_label=staff.email
    )
    assert entry.actor_type == "staff" and entry.actor_id == staff.id
    assert entry.tenant_id == tenant_id

    again = client.post(f"{QUEUE}/{account_id}/valider", data={"csrf_token": csrf_token(page.text)})
    assert again.status_code == 302
    assert "déjà été traitée" in client.get(QUEUE).text


def test_rejecting_needs_a_reason_which_is_emailed(app, staff_client, tenant_ids):
    tenant_id = tenant_ids["msr"]
    with app.app_context():
        account_id = _waiting(app, tenant_id, "Agence Refusée", 2)
    email = _account(app, account_id).email
    client, staff = staff_client(StaffRole.SUPPORT)
    url = f"{QUEUE}/{account_id}/refuser"

    empty = post_form(client, url, {"reason": "   "})
    assert empty.status_code == 200 and "Indiquez le motif du refus." in empty.text
    assert _account(app, account_id).status is AccountStatus.PENDING_APPROVAL

    reason = "Numéro ORIAS introuvable au registre."
    done = post_form(client, url, {"reason": reason})
    assert done.status_code == 302
    assert _account(app, account_id).status is AccountStatus.REJECTED
    [message] = _emails_to(app, tenant_id, email)
    assert reason in message.body_text
    [entry] = audit_entries(
        app, "account.signup_rejected", target_id=account_id, actor_label=staff.email
    )
    assert entry.details["reason"] == reason and entry.actor_id == staff.id
    assert client.get(url).status_code == 302  # decided: no form any more


def test_unknown_requests_are_404(staff_client):
    client, _ = staff_client(StaffRole.SUPPORT)
    page = client.get(QUEUE)
    token = csrf_token(page.text)
    assert client.post(f"{QUEUE}/999999/valider", data={"csrf_token": token}).status_code == 404
    assert client.get(f"{QUEUE}/999999/refuser").status_code == 404
