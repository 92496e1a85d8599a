"""The emails of a signature procedure, as they land in the development mailbox: the signer's
invitation (who asks, what, before when, a link that opens their pages, the SMS code to come),
a bounced invitation reported to the agent, and the agent told of a refusal."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email import message_from_bytes, policy
from urllib.parse import urlsplit

from lifecyclekit import (
    SIGNER_EMAIL,
    emails,
    events_of,
    make_agency,
    outcomes_fixture,  # noqa: F401 - the ``outcomes`` fixture
    procedure_of,
    start_procedure,
)

from portal.core.jobs import drain
from portal.core.mail import tenant_base_url
from portal.core.signatures import notifications, operations
from portal.core.signatures.models import SignatureProcedure
from portal.core.tenants import tenant_directory, tenant_scope
from portal.extensions import db

AGENT = "agence.lifecycle@example.fr"
TITLE = "Mandat de résiliation — contrat AUTO-123"


def _link(text: str) -> str:
    return re.search(r"https?://\S+/signature/[\w-]+", text).group(0)


def test_the_deadline_is_written_as_the_manual_does_in_the_tenant_time_zone(app):
    with app.app_context():
        tenant = tenant_directory().by_slug("resilimo")
        procedure = SignatureProcedure(
            tenant_id=tenant.id, deadline=datetime(2021, 2, 25, 19, 0, tzinfo=UTC)
        )
        assert notifications.deadline_text(procedure, tenant) == "25/02/2021 à 20h00"
        procedure.deadline = datetime(2026, 7, 1, 7, 5)  # naive (SQLite): UTC
        assert notifications.deadline_text(procedure, tenant) == "01/07/2026 à 09h05"


def test_the_signer_is_invited_by_email_with_a_link_to_their_pages(app, client_for, outcomes):
    agency = make_agency(app)
    reference = start_procedure(app, agency)
    [invitation] = emails(app, agency.tenant_id, SIGNER_EMAIL)
    assert invitation.subject == f"Signature électronique : {TITLE}"
    text = invitation.body_text
    assert "Bonjour Camille Durand," in text
    assert "Jean Fournier (Agence Fournier Assurances) vous demande de signer" in text
    assert "Mandat de résiliation" in text and "Conditions générales" in text
    with app.app_context(), tenant_scope(agency.tenant_id):
        procedure = procedure_of(reference)
        tenant = tenant_directory().by_id(agency.tenant_id)
        deadline = notifications.deadline_text(procedure, tenant)
        expected = operations.signer_url(procedure.signers[0])
        base = tenant_base_url(tenant)
    assert re.fullmatch(r"\d\d/\d\d/\d{4} à \d\dh\d\d", deadline)
    assert f"La signature doit être réalisée avant le {deadline}." in text
    assert "code à usage unique vous sera envoyé par SMS au +33 6 •• •• •• 78" in text
    assert "+33612345678" not in text
    link = _link(text)
    assert link == expected
    assert link.startswith(base)  # the tenant's own address, absolute
    html = message_from_bytes(invitation.raw, policy=policy.default).get_body(("html",))
    assert f'href="{link}"' in html.get_content()
    # The link opens the signer's pages, without any login.
    page = client_for("resilimo").get(urlsplit(link).path)
    assert page.status_code == 200
    assert TITLE in page.get_data(as_text=True)
    assert "invited" in events_of(app, agency.tenant_id, reference)


def test_a_bounced_invitation_is_recorded_and_reported_to_the_agent(app, outcomes):
    agency = make_agency(app)

    def bad_address(procedure):
        # A syntactically valid address the engine accepts, whose domain then refuses it: the
        # development mailbox bounces the reserved ``.invalid`` domain.
        procedure.signers[0].email = "x@nowhere.invalid"

    reference = start_procedure(app, agency, before_start=bad_address)
    assert emails(app, agency.tenant_id, "x@nowhere.invalid") == []
    [notice] = emails(app, agency.tenant_id, AGENT)
    assert notice.subject == "L'invitation à signer n'a pas pu être remise à x@nowhere.invalid"
    assert TITLE in notice.body_text
    assert "Camille Durand (x@nowhere.invalid)" in notice.body_text
    assert f"/signatures/{reference}" in notice.body_text
    with app.app_context(), tenant_scope(agency.tenant_id):
        procedure = procedure_of(reference)
        signer = procedure.signers[0]
        assert signer.invitation_bounced_at is not None
        [event] = [e for e in procedure.events if e.kind == "invitation_bounced"]
        assert event.signer_id == signer.id
        assert event.details["email"] == "x@nowhere.invalid"
        # Sent again (the agent's « renvoyer »): the agent is not told twice.
        notifications.queue_invitation(signer)
        db.session.commit()
    drain(app)
    assert len(emails(app, agency.tenant_id, AGENT)) == 1
    assert events_of(app, agency.tenant_id, reference).count("invitation_bounced") == 1


def test_the_agent_is_told_of_a_refusal_with_its_reason(app, outcomes):
    agency = make_agency(app)
    reference = start_procedure(app, agency)
    with app.app_context(), tenant_scope(agency.tenant_id):
        signer = procedure_of(reference).signers[0]
        operations.decline(signer, "Je garde mon contrat", ip="203.0.113.9", user_agent="test")
        db.session.commit()
    [notice] = emails(app, agency.tenant_id, AGENT)
    assert notice.subject == f"Camille Durand a refusé de signer : {TITLE}"
    assert "Je garde mon contrat" in notice.body_text
    assert f"/signatures/{reference}" in notice.body_text
    assert outcomes.calls == [(reference, "declined")]


def test_an_in_person_procedure_emails_nobody(app, outcomes):
    from portal.core.signatures.providers.base import Delivery

    agency = make_agency(app)
    start_procedure(app, agency, delivery=Delivery.IN_PERSON)
    assert emails(app, agency.tenant_id) == []
