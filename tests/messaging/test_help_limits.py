"""Help requests have their own length limit: the 750 characters of the MSA guide belong to
secure messages (and deposits); a help request, its replies and a visitor's « Nous contacter »
hold up to ``[messaging] help_max_chars`` (5 000 by default). One rule decides:
``MessagingSettings.body_length(kind)``."""

from __future__ import annotations

import re

import pytest
from msgkit import (
    CONTACT,
    NEW,
    conversations,
    field_error,
    post_form,
    send_help_request,
    start_help,
    text_of,
)
from pydantic import ValidationError

from portal.core.messaging.models import ConversationKind
from portal.core.messaging.settings import MessagingSettings


def test_one_rule_gives_the_limits_of_each_kind_of_conversation():
    settings = MessagingSettings()
    assert settings.body_length(ConversationKind.MESSAGE) == (10, 750)
    assert settings.body_length(ConversationKind.DEPOSIT) == (10, 750)
    assert settings.body_length(ConversationKind.HELP) == (10, 5000)
    assert settings.body_length(ConversationKind.CONTACT) == (10, 5000)
    assert settings.body_length("help") == (10, 5000)
    tuned = MessagingSettings(message_max_chars=500, help_max_chars=2000)
    assert tuned.body_length(ConversationKind.MESSAGE) == (10, 500)
    assert tuned.body_length(ConversationKind.HELP) == (10, 2000)


@pytest.mark.parametrize(
    "values",
    [
        {"help_max_chars": 5},
        {"help_max_chars": 20000},
        {"message_min_chars": 50, "help_max_chars": 40},
    ],
)
def test_a_help_limit_that_makes_no_sense_is_refused(values):
    with pytest.raises(ValidationError):
        MessagingSettings(**values)


def test_the_help_form_tells_its_own_limit(agent_client):
    page = text_of(agent_client.get(NEW))
    assert "Entre 10 et 5000 caractères." in page
    assert 'data-msg-max="5000"' in page


def test_a_secure_message_of_the_same_tenant_keeps_750(app, tenant_ids, in_tenant):
    from portal.core.messaging import operations
    from portal.core.tenants import tenant_directory

    with in_tenant("resilimo"):
        tenant = tenant_directory().get(tenant_ids["resilimo"])
        assert operations.check_body(tenant, "x" * 751, ConversationKind.HELP) == "x" * 751
        with pytest.raises(operations.MessagingError, match="dépasser 750 caractères"):
            operations.check_body(tenant, "x" * 751, ConversationKind.MESSAGE)
        with pytest.raises(operations.MessagingError, match="dépasser 750 caractères"):
            operations.check_body(tenant, "x" * 751)  # a plugin's secure message


def test_a_reply_in_a_help_request_follows_the_help_limit(app, agent, agent_client):
    conversation_id = start_help(app, agent, body="x" * 4000)
    url = f"/messagerie/conversations/{conversation_id}"
    page = text_of(agent_client.get(url))
    assert "Entre 10 et 5000 caractères." in page
    long = "Voici les précisions demandées. " + "y" * 3000
    response = post_form(agent_client, url, {"body": long}, action=url + "/repondre")
    assert response.status_code == 302
    response = post_form(agent_client, url, {"body": "z" * 5001}, action=url + "/repondre")
    assert "ne peut pas dépasser 5000 caractères (il en compte 5001)" in field_error(
        text_of(response), "body"
    )
    [conversation] = conversations(app, agent.tenant_id, agent.id)
    assert conversation["bodies"] == ["x" * 4000, long]


def test_a_long_help_request_and_a_long_contact_message_are_accepted(
    app, tenant_ids, agent, agent_client, client_for
):
    assert send_help_request(agent_client, body="h" * 3000).status_code == 302
    message = {
        "name": "Sophie Lemoine",
        "email": "sophie.lemoine@example.fr",
        "subject": "Une question détaillée",
        "body": "c" * 1200,
    }
    assert post_form(client_for("resilimo"), CONTACT, message).status_code == 302
    page = text_of(client_for("resilimo").get(CONTACT))
    assert re.search(r"Entre 10 et 5000 caractères\.", page)
    [contact] = conversations(app, tenant_ids["resilimo"], None)
    assert contact["bodies"] == ["c" * 1200]
