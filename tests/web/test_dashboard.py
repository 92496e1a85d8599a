"""A logged-in account's home: the cards each module contributes for its kind of account —
credit, messages, drafts to finish, what is missing before sending, the eIDAS invitation offered
at login until done — and nothing of another account or tenant."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from webkit import text_of as raw_text_of

from portal.core.tenants import tenant_scope
from portal.extensions import db
from portal.testing.accounts import PASSWORD
from portal.testing.web import post_form

MEMBER = {"category": "individual", "commercial_name": "", "orias": None}


def text_of(response) -> str:
    return html.unescape(raw_text_of(response))


def main_of(page: str) -> str:
    return page.split('<main id="main"', 1)[1].split("</main>", 1)[0]


def card(page: str, code: str) -> str:
    found = re.search(
        rf'<section [^>]*data-widget="{re.escape(code)}"[^>]*>.*?</section>', page, re.S
    )
    return found.group(0) if found else ""


def cards(page: str) -> list[str]:
    return re.findall(r'data-widget="([^"]+)"', main_of(page))


def give_credit(app, account, cents: int) -> None:
    from portal.core.accounts.models import Account
    from portal.core.credits.ledger import adjust

    with app.app_context(), tenant_scope(account.tenant_id):
        adjust(
            db.session.get(Account, account.id),
            cents,
            reason="test",
            idempotency_key=f"test-{account.id}-{cents}",
            actor_label="test",
        )
        db.session.commit()


def add_conversation(app, account, *, kind="help", replies=1) -> int:
    """A conversation of the account with ``replies`` operator messages it has not read."""
    from portal.core.messaging.models import (
        Author,
        Conversation,
        ConversationKind,
        ConversationState,
        Message,
    )
    from portal.core.messaging.operations import take_number

    moment = datetime.now(UTC) - timedelta(minutes=10)
    with app.app_context(), tenant_scope(account.tenant_id):
        conversation = Conversation(
            number=take_number(),
            kind=ConversationKind(kind),
            state=ConversationState.ANSWERED if replies else ConversationState.OPEN,
            account_id=account.id,
            profile_id=account.holder_profile_id,
            category="agent",
            path_labels=["Question"],
            subject="Question",
            created_at=moment,
            last_activity_at=moment,
            user_seen_at=moment,
        )
        db.session.add(conversation)
        db.session.add(
            Message(
                conversation=conversation,
                author=Author.USER,
                body="Bonjour, voici ma question.",
                profile_id=account.holder_profile_id,
                created_at=moment,
            )
        )
        for n in range(replies):
            db.session.add(
                Message(
                    conversation=conversation,
                    author=Author.OPERATOR,
                    body=f"Réponse {n}",
                    created_at=moment + timedelta(seconds=n + 1),
                )
            )
        db.session.commit()
        return conversation.id


def test_an_agency_s_dashboard_puts_what_to_do_first_then_credit_messages_services(
    make_account, logged_in
):
    page = text_of(logged_in(make_account("resilimo")).get("/"))
    assert "<h1>Tableau de bord</h1>" in page
    assert cards(page)[:2] == ["verification.identity", "verification.readiness"]
    assert {"credits.balance", "messaging.unread", "core.services"} <= set(cards(page))
    readiness = card(page, "verification.readiness")
    assert 'href="/compte/verification/justificatifs"' in readiness
    assert 'href="/compte/credits">Crédit disponible sur le compte</a>' in readiness
    credit = card(page, "credits.balance")
    assert "0,00\xa0€" in credit
    assert 'href="/compte/credits" data-buy-credit>Acheter des crédits</a>' in credit
    assert 'href="/compte/facturation">Facturation</a>' in credit
    services = card(page, "core.services")
    assert 'href="/resiliation/">Résiliation</a>' in services
    assert 'href="/paper-mail/">Courrier papier</a>' in services


def test_the_balance_card_says_what_the_credit_pays_for(app, make_account, logged_in):
    agent = make_account("resilimo")
    give_credit(app, agent, 3000)
    credit = card(text_of(logged_in(agent).get("/")), "credits.balance")
    assert "30,00\xa0€" in credit
    assert "7 × Lettre recommandée électronique avec accusé de réception (LRAR)" in credit
    assert "10 × Lettre recommandée électronique (LR)" in credit


def test_a_member_s_dashboard_has_messages_and_nothing_of_an_agency(app, make_account, logged_in):
    member = make_account("msr", email="claire@example.fr", **MEMBER)
    add_conversation(app, member, kind="message", replies=1)
    page = text_of(logged_in(member).get("/"))
    main = main_of(page)
    assert "<h1>Mon espace privé</h1>" in main
    assert "Contact & échanges" in main and "1 nouveau message" in main
    assert 'href="/secure-messaging/documents">Envoyer un document</a>' in main
    for word in ("crédit", "mandat", "lettre", "eidas", "en-tête", "facturation"):
        assert word not in main.lower(), word
    assert "data-credit-badge" not in page
    assert "credits.balance" not in cards(page) and "verification.identity" not in cards(page)


def test_the_messages_card_counts_conversations_with_a_reply_not_read(app, make_account, logged_in):
    agent = make_account("resilimo")
    other = make_account("resilimo", email="autre@agence.fr")
    add_conversation(app, agent, replies=2)
    add_conversation(app, agent, replies=0)
    add_conversation(app, other, replies=1)  # another account's reply never counts
    messages = card(text_of(logged_in(agent).get("/")), "messaging.unread")
    assert re.search(r"data-count>1</p>", messages)
    assert "conversation avec une réponse non lue" in messages
    assert 'href="/messagerie/aide' in messages  # « Suivi des demandes »
    quiet = card(
        text_of(logged_in(make_account("resilimo", email="c@a.fr")).get("/")), "messaging.unread"
    )
    assert "Aucune réponse non lue." in quiet and "data-count" not in quiet


def test_drafts_to_finish_lead_back_to_their_list(app, make_account, logged_in, tenant_ids):
    member = make_account("msr", email="claire@example.fr", **MEMBER)
    client = logged_in(member)
    assert "drafts.secure_messaging.message" not in cards(text_of(client.get("/")))
    post_form(client, "/secure-messaging/messages/nouveau", {"choice": "famille"})
    drafts = card(text_of(client.get("/")), "drafts.secure_messaging.message")
    assert "Messages en cours de rédaction" in drafts
    assert re.search(r"data-count>1</p>", drafts) and "brouillon à terminer" in drafts
    assert 'href="/secure-messaging/messages/"' in drafts
    # A draft of a service the tenant does not enable is not offered (its pages are 404 there).
    agent = make_account("resilimo")
    with app.app_context(), tenant_scope(tenant_ids["resilimo"]):
        from portal.core import drafts as drafts_module

        drafts_module.start(agent.id, "secure_messaging.message", profile_id=None)
        db.session.commit()
    assert not [c for c in cards(text_of(logged_in(agent).get("/"))) if c.startswith("drafts.")]


def test_the_eidas_verification_is_offered_at_login_until_done(app, make_account, client_for):
    agent = make_account("resilimo")
    client = client_for("resilimo")
    home = post_form(
        client, "/connexion", {"email": agent.email, "password": PASSWORD}, follow_redirects=True
    )
    invitation = card(text_of(home), "verification.identity")
    assert "Vérification d'identité pour eIDAS" in invitation
    assert "14,40\xa0€ TTC" in invitation
    assert 'href="/compte/verification/identite" data-identity-start' in invitation
    later = post_form(client, "/", {}, action="/verification-identite/plus-tard")
    assert later.status_code == 302 and later.location.endswith("/")
    assert "verification.identity" not in cards(text_of(client.get("/")))
    # Still reachable from the account menu, and offered again at the next login.
    assert 'href="/compte/verification/identite"' in text_of(client.get("/compte/"))
    post_form(client, "/", {}, action="/deconnexion")
    again = post_form(
        client, "/connexion", {"email": agent.email, "password": PASSWORD}, follow_redirects=True
    )
    assert "verification.identity" in cards(text_of(again))


def test_only_an_unverified_holder_is_invited(app, make_account, make_profile, logged_in):
    from portal.core.verification.models import IdentityVerification, VerificationStatus

    agent = make_account("resilimo")
    collaborator = make_profile(agent)
    assert "verification.identity" not in cards(text_of(logged_in(agent, collaborator).get("/")))
    with app.app_context(), tenant_scope(agent.tenant_id):
        db.session.add(
            IdentityVerification(
                account_id=agent.id,
                provider="sandbox",
                status=VerificationStatus.VERIFIED,
                started_at=datetime.now(UTC),
                completed_at=datetime.now(UTC),
            )
        )
        db.session.commit()
    assert "verification.identity" not in cards(text_of(logged_in(agent).get("/")))
    for slug, fields in (("msr", MEMBER), ("horizon", {})):
        other = make_account(slug, email=f"titulaire@{slug}.fr", **fields)
        assert "verification" not in " ".join(cards(text_of(logged_in(other).get("/"))))


def test_a_sales_agent_s_dashboard_leads_to_the_subscription_tool(make_account, logged_in):
    page = text_of(logged_in(make_account("horizon", email="agent@horizon.fr")).get("/?lang=fr"))
    assert 'href="/souscription/">Souscription en ligne</a>' in card(page, "core.services")
    assert "credits.balance" not in cards(page) and "verification.readiness" not in cards(page)
    assert "data-credit-badge" not in page


def test_the_later_button_needs_a_login(client_for):
    client = client_for("resilimo")
    client.get("/")
    response = client.post("/verification-identite/plus-tard")
    assert response.status_code in (302, 400, 403)
    if response.status_code == 302:
        assert "/connexion" in response.location


def test_an_account_with_several_profiles_chooses_one_first(
    app, make_account, make_profile, client_for
):
    from portal.testing.web import sign_in

    agent = make_account("resilimo")
    make_profile(agent)
    client = sign_in(client_for("resilimo"), agent)  # no profile chosen yet
    response = client.get("/")
    assert response.status_code == 302 and "/compte/profil" in response.location


def test_widgets_see_only_their_own_account(app, make_account, logged_in):
    from portal.core.accounts.models import Account

    agent = make_account("resilimo")
    give_credit(app, make_account("resilimo", email="riche@agence.fr"), 9000)
    page = text_of(logged_in(agent).get("/"))
    assert "90,00" not in page and "0,00\xa0€" in card(page, "credits.balance")
    with app.app_context(), tenant_scope(agent.tenant_id):
        assert db.session.scalar(select(Account.id).where(Account.email == "riche@agence.fr"))
