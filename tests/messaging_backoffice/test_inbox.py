"""The operators' inbox lists: every tenant with what waits, one tenant's conversations (never
another tenant's), the filters, the age of each unanswered conversation, the unread badge."""

from __future__ import annotations

from datetime import timedelta

from mbokit import (
    FAMILY_PATH,
    INBOX,
    conversation_state,
    listed,
    log_in,
    post_form,
    start,
    start_contact,
    text_of,
    waiting_since,
)

from portal.core.messaging.backoffice.common import age_label


def test_the_menu_leads_to_every_tenant_with_its_open_and_unassigned_counts(
    app, tenant_ids, operator
):
    start(app, tenant_ids, "msr")
    old = start(app, tenant_ids, "msr", ("sante", "carte-vitale", "perte"))
    waiting_since(app, old, timedelta(days=3, hours=4, minutes=10))
    start(app, tenant_ids, "resilimo", ("mon-compte", "connexion"), kind="help")

    dashboard = operator.client.get("/backoffice/tableau-de-bord")
    assert f'href="{INBOX}"' in dashboard.text and "Messagerie" in dashboard.text
    assert 'data-count="conversations">3<' in dashboard.text  # every tenant's, to answer

    page = text_of(operator.client.get(INBOX))
    msr = page.split('data-tenant="msr"')[1].split("</tr>")[0]
    assert 'data-count="open">2<' in msr and 'data-count="unassigned">2<' in msr
    assert "3 j 4 h" in msr and "bo-msg-overdue" in msr
    assert f'href="{INBOX}/msr"' in msr
    resilimo = page.split('data-tenant="resilimo"')[1].split("</tr>")[0]
    assert 'data-count="open">1<' in resilimo
    horizon = page.split('data-tenant="horizon"')[1].split("</tr>")[0]
    assert 'data-count="open">0<' in horizon


def test_a_tenants_inbox_lists_its_conversations_and_never_another_tenants(
    app, tenant_ids, operator
):
    msr = start(app, tenant_ids, "msr", commercial_name="Famille Martin")
    resilimo = start(app, tenant_ids, "resilimo", ("mon-compte", "connexion"), kind="help")

    page = text_of(operator.client.get(f"{INBOX}/msr"))
    assert msr.reference in page
    assert "Famille, logement › Allocations familiales › Changement de situation - Famille" in page
    assert "Famille Martin" in page and "Particulier" in page
    assert resilimo.url not in page  # by link: each tenant numbers its own (both are M-000001)
    assert msr.reference == resilimo.reference == "M-000001"
    assert listed(operator.client, "msr") == [msr.id]
    assert listed(operator.client, "resilimo") == [resilimo.id]
    assert operator.client.get(f"{INBOX}/inconnu").status_code == 404


def test_newest_activity_first(app, tenant_ids, operator):
    first = start(app, tenant_ids, "msr")
    second = start(app, tenant_ids, "msr")
    assert listed(operator.client, "msr") == [second.id, first.id]


def test_filters_by_theme_topic_reason_kind_and_state_narrow_the_list(app, tenant_ids, operator):
    change = start(app, tenant_ids, "msr", FAMILY_PATH)
    quotient = start(
        app, tenant_ids, "msr", ("famille", "allocations-familiales", "quotient-familial")
    )
    housing = start(app, tenant_ids, "msr", ("famille", "aides-logement", "autre-logement"))
    health = start(app, tenant_ids, "msr", ("sante", "remboursements", "feuille-soins"))
    contact = start_contact(app, tenant_ids, "msr")
    client = operator.client

    everything = {change.id, quotient.id, housing.id, health.id, contact.id}
    assert set(listed(client, "msr")) == everything
    assert set(listed(client, "msr", theme="famille")) == {change.id, quotient.id, housing.id}
    assert set(listed(client, "msr", topic="famille/allocations-familiales")) == {
        change.id,
        quotient.id,
    }
    assert listed(client, "msr", reason="famille/allocations-familiales/quotient-familial") == [
        quotient.id
    ]
    assert listed(client, "msr", kind="contact") == [contact.id]
    assert set(listed(client, "msr", kind="message")) == everything - {contact.id}
    # A code the tenant does not offer is ignored, not an error.
    assert set(listed(client, "msr", theme="mon-compte")) == everything

    # The choices come from the tenant's taxonomy, in the operator's language.
    page = text_of(client.get(f"{INBOX}/msr"))
    assert '<option value="famille">Famille, logement</option>' in page
    assert "Allocations familiales › Demande de quotient familial" in page
    assert 'value="mon-compte"' not in page  # resilimo's subjects are not msr's
    english = text_of(client.get(f"{INBOX}/msr?lang=en"))
    assert '<option value="famille">Family, housing</option>' in english

    # « À traiter » (open) by default; a reply moves the conversation to « answered ».
    response = post_form(client, health.url, {"reply-body": "Bien reçu."}, f"{health.url}/repondre")
    assert response.status_code == 302
    assert health.id not in listed(client, "msr")
    assert listed(client, "msr", state="answered") == [health.id]
    assert set(listed(client, "msr", state="all")) == everything
    assert listed(client, "msr", state="closed") == []
    filtered = client.get(f"{INBOX}/msr", query_string={"state": "answered", "theme": "sante"})
    assert 'option selected value="answered"' in filtered.text or (
        'value="answered" selected' in filtered.text
    )


def test_the_age_of_each_unanswered_conversation_is_shown_and_long_waits_stand_out(
    app, tenant_ids, operator
):
    long_wait = start(app, tenant_ids, "msr")
    hours = start(app, tenant_ids, "msr")
    minutes = start(app, tenant_ids, "msr")
    waiting_since(app, long_wait, timedelta(days=3, hours=4, minutes=2))
    waiting_since(app, hours, timedelta(hours=2, minutes=30))
    waiting_since(app, minutes, timedelta(minutes=12, seconds=20))

    page = text_of(operator.client.get(f"{INBOX}/msr"))
    rows = {
        conversation.id: page.split(f'data-conversation="{conversation.id}"')[1].split("</tr>")[0]
        for conversation in (long_wait, hours, minutes)
    }
    assert "3 j 4 h" in rows[long_wait.id] and "bo-msg-overdue" in rows[long_wait.id]
    assert "plus de 48 h" in rows[long_wait.id]
    assert "2 h" in rows[hours.id] and "bo-msg-overdue" not in rows[hours.id]
    assert "12 min" in rows[minutes.id]


def test_age_labels(app):
    with app.test_request_context():
        assert age_label(timedelta(days=3, hours=4, minutes=59)) == "3 j 4 h"
        assert age_label(timedelta(hours=2, minutes=1)) == "2 h"
        assert age_label(timedelta(minutes=12, seconds=59)) == "12 min"
        assert age_label(timedelta(seconds=5)) == "0 min"


def test_the_unread_badge_goes_once_an_operator_opened_the_conversation(app, tenant_ids, operator):
    started = start(app, tenant_ids, "msr")
    row = text_of(operator.client.get(f"{INBOX}/msr")).split("data-conversation=")[1]
    assert "1 non lu" in row.split("</tr>")[0]

    assert operator.client.get(started.url).status_code == 200
    row = text_of(operator.client.get(f"{INBOX}/msr")).split("data-conversation=")[1]
    assert "non lu" not in row.split("</tr>")[0]
    assert conversation_state(app, started)["state"] == "open"  # reading is not answering


def test_assignment_filters_me_and_unassigned(app, tenant_ids, operator, client_for):
    mine = start(app, tenant_ids, "msr")
    colleagues = start(app, tenant_ids, "msr")
    free = start(app, tenant_ids, "msr")
    colleague = log_in(app, client_for, "Collègue Support")
    client = operator.client

    response = post_form(client, mine.url, {"me": "1"}, f"{mine.url}/attribuer")
    assert response.status_code == 302
    response = post_form(
        client,
        colleagues.url,
        {"assign-assignee": colleague.staff_id},
        f"{colleagues.url}/attribuer",
    )
    assert response.status_code == 302

    assert listed(client, "msr", assignee="me") == [mine.id]
    assert listed(client, "msr", assignee="none") == [free.id]
    assert listed(colleague.client, "msr", assignee="me") == [colleagues.id]
    page = text_of(client.get(f"{INBOX}/msr"))
    assert "Collègue Support" in page.split(f'data-conversation="{colleagues.id}"')[1]


def test_fifty_conversations_a_page_and_the_next_page_keeps_the_filters(app, tenant_ids, operator):
    from portal.core.messaging import operations
    from portal.core.messaging.models import Conversation, ConversationKind, ConversationState
    from portal.core.tenants import tenant_scope
    from portal.extensions import db

    with app.app_context(), tenant_scope(tenant_ids["msr"]):
        moment = operations.now()
        for number in range(51):
            db.session.add(
                Conversation(
                    number=operations.take_number(),
                    kind=ConversationKind.CONTACT,
                    state=ConversationState.OPEN,
                    visitor_name=f"Visiteur {number}",
                    visitor_email=f"visiteur{number}@example.fr",
                    category="visitor",
                    path_labels=[],
                    subject="Question",
                    created_at=moment,
                    last_activity_at=moment - timedelta(minutes=number),
                    awaiting_since=moment,
                )
            )
        db.session.commit()

    first = listed(operator.client, "msr", kind="contact")
    assert len(first) == 50
    page = text_of(operator.client.get(f"{INBOX}/msr?kind=contact"))
    assert "Page 1 sur 2" in page and 'rel="next"' in page
    next_url = page.split('rel="next" href="')[1].split('"')[0]
    assert "kind=contact" in next_url and "page=2" in next_url
    second = listed(operator.client, "msr", kind="contact", page=2)
    assert len(second) == 1 and second[0] not in first
