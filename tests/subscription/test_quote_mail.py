"""The quote email (guide §2): to the client, the agent in copy, « Votre devis … proposé par … »,
the quote PDF and the five product documents, the link to subscribe; sent once even when its job
runs twice; « Renvoyer le devis au client » sends one more with a new link; « Modifier » issues
version 2 pre-filled and declines version 1."""

from __future__ import annotations

import re

import pytest
from quotekit import post, step_url, text
from subkit import CLIENT, attachments_of, issue, mails_to, stored, subscription_link

from plugins.subscription import quote_mail, rules
from plugins.subscription.models import Quote
from plugins.subscription.products import product_of
from portal.core.i18n import force_locale
from portal.core.jobs import drain
from portal.core.tenants import tenant_directory, tenant_scope
from portal.extensions import db

EMAIL = CLIENT["email"]


@pytest.fixture
def today(at):
    return at(2026, 12, 7)


def tenant_text(app, tenant_id, message, **values):
    """A plugin string as the tenant's emails say it (its default language)."""
    from plugins.subscription.i18n import _

    with app.test_request_context():
        tenant = tenant_directory().by_id(tenant_id)
        with force_locale(tenant.config.default_locale):
            return _(message, **values)


def holder_email(app, agent):
    from portal.core.accounts.models import Profile

    with app.app_context(), tenant_scope(agent.tenant_id):
        return db.session.get(Profile, agent.holder_profile_id).email


def test_the_quote_email_once_with_its_documents_and_link(app, agent, today):
    quote_id = issue(app, agent)
    [message] = mails_to(app, agent.tenant_id, EMAIL)
    with app.app_context():
        product = product_of(tenant_directory().by_id(agent.tenant_id), "horizon-monde")
    subject = tenant_text(
        app,
        agent.tenant_id,
        "Votre devis %(product)s proposé par %(seller)s",
        product=product.name,
        seller="Courtier Atlantique",
    )
    assert message.subject == subject
    assert EMAIL in message.recipients and holder_email(app, agent) in message.recipients
    files = attachments_of(message)
    assert len(files) == 6 and "DEVIS.pdf" in files
    assert all(content.startswith(b"%PDF") for content in files.values())
    for document in product.documents.values():
        assert document.filename in files
    link = subscription_link(message)
    assert link.startswith("/souscription/s/")
    row = stored(app, agent.tenant_id, Quote, quote_id)
    assert row["emailed_at"] is not None and row["link_hash"] and row["pdf_key"]
    # the job again (a retry, a double enqueue): nothing more
    with app.app_context(), tenant_scope(agent.tenant_id):
        quote_mail.send_quote_mail(agent.tenant_id, quote_id)
        db.session.commit()
    drain(app)
    assert len(mails_to(app, agent.tenant_id, EMAIL)) == 1
    assert stored(app, agent.tenant_id, Quote, quote_id)["link_hash"] == row["link_hash"]


def test_the_email_says_the_guides_words(app, agent, today):
    issue(app, agent)
    [message] = mails_to(app, agent.tenant_id, EMAIL)
    body = " ".join(message.body_text.split())
    for sentence in (
        "Nous vous remercions pour votre demande et pour l'intérêt que vous avez témoigné à "
        "notre offre.",
        "Vous pouvez dès maintenant finaliser votre adhésion en suivant ce lien.",
    ):
        assert " ".join(tenant_text(app, agent.tenant_id, sentence).split()) in body
    assert "30" in body and "Durand" in body


def test_resend_sends_one_more_email_with_a_new_link(app, agent, agent_client, today):
    from portal.testing.web import csrf_token

    quote_id = issue(app, agent)
    [first] = mails_to(app, agent.tenant_id, EMAIL)
    agent_client.get("/souscription/devis/brouillons/?lang=fr")
    page = f"/souscription/devis/{quote_id}"
    token = csrf_token(agent_client.get(page).get_data(as_text=True))
    response = agent_client.post(f"{page}/renvoyer", data={"csrf_token": token})
    assert response.status_code == 302
    assert "nouveau lien" in text(agent_client.get(page))
    mails = mails_to(app, agent.tenant_id, EMAIL)
    assert len(mails) == 2
    assert subscription_link(mails[1]) != subscription_link(first)
    # the resend job again: nothing more
    drain(app)
    assert len(mails_to(app, agent.tenant_id, EMAIL)) == 2


def test_an_incomplete_or_declined_quote_cannot_be_resent(app, agent, agent_client, today):
    from portal.testing.web import csrf_token

    quote_id = issue(app, agent, client={"email": None})
    agent_client.get("/souscription/devis/brouillons/?lang=fr")
    page = f"/souscription/devis/{quote_id}"
    body = text(agent_client.get(page))
    assert "Incomplet" in body and "Renvoyer le devis au client" not in body
    token = csrf_token(agent_client.get(page).get_data(as_text=True))
    agent_client.post(f"{page}/renvoyer", data={"csrf_token": token})
    assert "Ce devis ne peut plus être renvoyé au client." in text(agent_client.get(page))
    assert mails_to(app, agent.tenant_id, EMAIL) == []


def test_modify_issues_version_2_prefilled_and_declines_version_1(app, agent, agent_client, today):
    from portal.testing.web import csrf_token

    first = issue(app, agent, formula_code="HMO300", options=("rapatriement",))
    drain(app)  # version 1 emailed before it is replaced (a declined quote is never emailed)
    agent_client.get("/souscription/devis/brouillons/?lang=fr")
    page = f"/souscription/devis/{first}"
    token = csrf_token(agent_client.get(page).get_data(as_text=True))
    response = agent_client.post(f"{page}/modifier", data={"csrf_token": token})
    assert response.status_code == 302
    needs_url = response.headers["Location"]
    assert needs_url.endswith("/besoins")
    needs = agent_client.get(needs_url).get_data(as_text=True)
    assert "Nouvelle version du devis n°" in text(agent_client.get(needs_url))
    assert 'value="17000"' in needs and 'value="2027-01-01"' in needs
    solutions = agent_client.get(step_url(needs_url, "solutions")).get_data(as_text=True)
    assert re.search(r'value="HMO300"[^>]*checked', solutions)
    assert re.search(r'value="rapatriement"[^>]*checked', solutions)
    details = agent_client.get(step_url(needs_url, "coordonnees")).get_data(as_text=True)
    assert 'value="Durand"' in details and f'value="{EMAIL}"' in details
    # straight to the summary: every step is valid as pre-filled
    summary = step_url(needs_url, "recapitulatif")
    assert agent_client.get(summary).status_code == 200
    done = post(agent_client, summary, {})
    assert done.status_code == 302
    one = stored(app, agent.tenant_id, Quote, first)
    assert one["state"] == rules.QuoteState.DECLINED
    second_id = int(done.headers["Location"].rsplit("/", 1)[1])
    two = stored(app, agent.tenant_id, Quote, second_id)
    assert (two["number"], two["version"], two["client_id"]) == (
        one["number"],
        2,
        one["client_id"],
    )
    assert f"HMO-{one['number']:010d} / 2" in text(agent_client.get(done.headers["Location"]))
    # version 1 cannot be modified any more
    token = csrf_token(agent_client.get(page).get_data(as_text=True))
    agent_client.post(f"{page}/modifier", data={"csrf_token": token})
    assert "Ce devis ne peut plus être modifié" in text(agent_client.get(page))
    assert len(mails_to(app, agent.tenant_id, EMAIL)) == 2
