"""The paper post office other plugins send a generated PDF with (issue 17 §7, hook
``paper_post_office``): the paper mail's rules and prices — an address-carrier page in front,
the recipient's address, envelopes and printable area checked, priced on the tenant's grid, the
hand-over day of 10:30 and business days —, the sending owned by the calling plugin, once per
subject; none on a tenant without paper mail."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import pytest
from papermailkit import give_credit, letter_pdf

from plugins.paper_mail import sending
from plugins.paper_mail.models import PaperMail
from plugins.paper_mail.post_office import PostOffice, PostRefused
from plugins.paper_mail.rules import PARIS
from portal.core import clock
from portal.core.credits.ledger import balance_cents
from portal.core.jobs import drain
from portal.core.sendings import Party, SendingState
from portal.core.sendings.jobs import dispatch_due
from portal.core.tenants import tenant_directory, tenant_scope, unscoped
from portal.extensions import db

RECIPIENT = Party(
    name="Madame Claire Petit",
    address_lines=("4 rue du Lac",),
    postal_code="69003",
    city="Lyon",
)
SENDER = Party(
    name="Agence Fournier",
    address_lines=("3 place Victor Hugo",),
    postal_code="38000",
    city="Grenoble",
)
OWNER = "emprunteur"


@pytest.fixture(scope="module")
def avenant() -> bytes:
    """A generated two-page PDF with no address on it (the carrier page brings it)."""
    return letter_pdf(address=[], pages=2)


def office_of(app, slug: str):
    plugins = app.extensions["portal.plugins"]
    tenant = tenant_directory().by_slug(slug)
    with tenant_scope(tenant.id):
        return plugins.first("paper_post_office", tenant=tenant)


def post(app, agency, pdf, **options):
    """``office.post(...)`` for ``agency``, committed; the sending's facts."""
    values = {
        "filename": "avenant.pdf",
        "mode": "lettre_verte",
        "recipient": RECIPIENT,
        "sender": SENDER,
        "account_id": agency.id,
        "profile_id": agency.holder_profile_id,
        "owner": OWNER,
        "subject": ("Policy", 42),
        **options,
    }
    with app.app_context(), tenant_scope(agency.tenant_id):
        found = office_of(app, "resilimo").post(pdf, **values)
        db.session.commit()
        return {
            "reference": found.reference,
            "owner": found.owner,
            "subject": (found.subject_type, found.subject_id),
            "state": found.state,
            "due_at": clock.aware(found.due_at),
            "documents": [d.filename for d in found.documents],
            "pages": [d.pages for d in found.documents],
            "options": dict(found.options),
            "price": found.price_cents,
            "balance": balance_cents(agency.id),
        }


def test_the_hook_answers_on_a_tenant_with_paper_mail_only(app):
    with app.app_context():
        assert isinstance(office_of(app, "resilimo"), PostOffice)
        assert office_of(app, "msr") is None


def test_a_quote_or_what_to_change(app, avenant):
    with app.app_context():
        office = office_of(app, "resilimo")
        quote = office.quote(avenant, mode="lettre_verte", recipient=RECIPIENT)
        # 2 pages in duplex: 1 sheet, plus the carrier page (2 sheets, up to 20 g): the grid's
        # printing, envelope and postage, and the typed address.
        assert [line.code for line in quote.lines][-1] == "paper_mail.typed_address"
        assert quote.total_cents == sum(line.amount_cents for line in quote.lines) > 0
        registered = office.quote(avenant, mode="recommande_ar", recipient=RECIPIENT)
        assert registered.total_cents > quote.total_cents

        bad = Party(name="", address_lines=(), postal_code="1234", city="Lyon")
        problems = office.quote(avenant, mode="lettre_verte", recipient=bad)
        assert {p.code for p in problems} >= {"address_name", "address_postal_code"}
        assert all(p.message for p in problems)

        inked = office.quote(
            letter_pdf(address=[], margin_ink=True), mode="ecopli", recipient=RECIPIENT
        )
        assert [p.code for p in inked] == ["printable_area"]
        assert "Page 1" in inked[0].message

        assert [p.code for p in office.quote(b"not a pdf", mode="ecopli", recipient=RECIPIENT)] == [
            "pdf"
        ]


def test_posted_now_for_the_calling_plugin_charged_once_per_subject(app, agency, avenant, at):
    at(datetime(2027, 3, 5, 14, 30, tzinfo=PARIS))  # Friday afternoon: posted on Monday
    first = post(app, agency, avenant)
    again = post(app, agency, avenant)  # a retried job: the same sending, charged once
    assert again["reference"] == first["reference"]
    assert first["owner"] == OWNER and first["subject"] == ("Policy", 42)
    assert first["documents"] == ["porte-adresse.pdf", "avenant.pdf"]
    assert first["pages"] == [1, 2]
    assert first["options"]["post_on"] == "2027-03-08"
    assert first["options"]["mode"] == "lettre_verte"
    assert first["state"] == SendingState.SCHEDULED
    assert first["due_at"] == datetime(2027, 3, 5, 14, 30, tzinfo=PARIS)
    assert again["balance"] == 5000 - first["price"]

    with app.app_context(), unscoped():
        dispatch_due(None)
        db.session.commit()
    drain(app, timeout=60)
    with app.app_context(), tenant_scope(agency.tenant_id):
        from portal.core.sendings import sending_by_reference

        assert sending_by_reference(first["reference"]).state in (
            SendingState.HANDED_OVER,
            SendingState.IN_PROGRESS,
        )
        # Not a mail of the paper mail's list: the calling plugin follows its own sending.
        assert db.session.query(PaperMail).count() == 0


def test_scheduled_from_tomorrow_refused_when_wrong(app, agency, avenant, at):
    at(datetime(2027, 3, 3, 9, tzinfo=PARIS))
    scheduled = post(app, agency, avenant, subject=("Policy", 7), send_on=date(2027, 3, 6))
    assert scheduled["due_at"] == datetime(2027, 3, 8, 7, tzinfo=PARIS)
    assert scheduled["options"]["post_on"] == "2027-03-08"
    with pytest.raises(sending.SendRefused) as today:
        post(app, agency, avenant, subject=("Policy", 8), send_on=date(2027, 3, 3))
    assert today.value.field == "send_on"
    with pytest.raises(PostRefused) as wrong:
        post(app, agency, avenant, subject=("Policy", 9), recipient=Party(name="X"))
    assert wrong.value.problems and wrong.value.message


def test_not_enough_credit_keeps_nothing(app, make_account, avenant, at):
    at(datetime(2027, 3, 3, 9, tzinfo=PARIS))
    poor = make_account("resilimo", f"pauvre.{uuid.uuid4().hex[:8]}@agence.fr")
    give_credit(app, poor, 10)
    with pytest.raises(sending.NotEnoughCredit) as short:
        post(app, poor, avenant)
    assert short.value.missing_cents > 0
    with app.app_context(), tenant_scope(poor.tenant_id):
        from portal.core.sendings import Sending

        assert db.session.query(Sending).filter_by(account_id=poor.id).count() == 0
        assert balance_cents(poor.id) == 10
