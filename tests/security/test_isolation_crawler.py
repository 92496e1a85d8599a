"""Tenants and accounts are walls: every route, requested with the ids of another account's
objects, answers 404 or 403 — (a) for a user of another tenant on their own host, (b) for another
account of the same tenant.

Routes come from the URL map, so a new route is crawled without editing this file; a route whose
URL parameter is unknown here FAILS the test until its id source is added to ``ID_SOURCES``.
Parameterless pages are crawled too: none may show the first account's private marker.
"""

from __future__ import annotations

import io
import time
from datetime import date, timedelta

import pytest
from flask import current_app
from letterkit import make_letter
from papermailkit import make_mail
from routewalk import all_routes
from sqlalchemy import select
from webkit import PDF_BYTES

from plugins.paper_mail.models import PaperDocument
from plugins.resiliation.models import LetterContract
from portal import create_app
from portal.core import drafts
from portal.core.accounts.models import Account, Profile
from portal.core.credits.models import BillingDocument, DocumentType
from portal.core.messaging import operations, taxonomy
from portal.core.messaging.models import ConversationKind
from portal.core.tenants import tenant_directory, tenant_scope
from portal.core.verification.models import DocumentKind, ProfessionalDocument
from portal.extensions import db
from portal.testing.web import open_account_session

MARKER = "Zorglub Assurances Privées"  # the first account's commercial name: must never leak

# URL parameter → how to get the first account's value for it (from the `victim` dict).
ID_SOURCES = {
    "profile_id": lambda v: v["collaborator"].id,
    "document_id": lambda v: v["document_id"],
    "account_id": lambda v: v["account"].id,
    "tenant_slug": lambda v: "resilimo",
    "message_id": lambda v: v.get("devbox_message_id", 1),
    "filename": lambda v: "logo.svg",
    "conversation_id": lambda v: v["conversation_id"],
    "attachment_id": lambda v: v["attachment_id"],
    "key": lambda v: v["draft_key"],  # a draft of a wizard (portal.core.drafts.wizard)
    "step": lambda v: "recapitulatif",
    "page": lambda v: 1,  # a page of a document (the document is the id that matters)
    "slot_id": lambda v: v["onboarding_slot_id"],  # the onboarding slot the account booked
    "booking_id": lambda v: v["onboarding_booking_id"],
    # A closure refund request: operators' pages only, an account never reaches them.
    "refund_id": lambda v: 1,
    "sending_id": lambda v: 1,  # a sending: operators' pages only, likewise
    "name": lambda v: "faq",  # a tenant page (public)
    "reference": lambda v: v["procedure_reference"],  # a signature procedure the account asked
    "signer_id": lambda v: v["signer_id"],
    "position": lambda v: 1,  # a document of that procedure (the reference is what matters)
    "provider": lambda v: "yousign",  # a signature provider's webhook: authenticated by HMAC
    "channel": lambda v: "lre",  # a sending operator's callback: authenticated by HMAC
    "operator": lambda v: "sandbox",
    "proof_id": lambda v: 1,  # a proof of the paper sandbox's print job (its ref is the key)
    "entry_id": lambda v: 1,  # a directory entry: operators' pages only
    "letter_id": lambda v: v["letter_id"],  # a termination letter of the account
    "contract_id": lambda v: v["contract_id"],  # a contract of that letter
    "mail_id": lambda v: v["paper_mail_id"],  # a paper mail of the account
    "index": lambda v: 0,  # a page of that mail's print preview (the mail is what matters)
    # The subscription plugin is horizon's: on these hosts its routes are 404; the walls of its
    # own objects are walked on horizon by tests/subscription/test_subscription_walls.py.
    "client_id": lambda v: 1,
    "quote_id": lambda v: 1,
    "event_id": lambda v: 1,
}

# Where one parameter name means different objects, the endpoint says which.
ENDPOINT_ID_SOURCES = {
    "credits.billing_document": {"document_id": lambda v: v["billing_document_id"]},
    **{
        f"paper_mail.{endpoint}": {"document_id": lambda v: v["paper_document_id"]}
        for endpoint in (
            "document_up",
            "document_down",
            "document_remove",
            "document_staple",
            "document_thumbnail",
        )
    },
}

# Routes that are public by design, with why; they are still crawled for the marker.
PUBLIC = {
    "core.theme_file": "brand assets of the tenant whose host it is",
    "core.favicon": "brand asset",
    "pages.page": "the tenant's public pages (FAQ, CGU, legal notice…)",
    "subscription.product_document": (
        "the tenant's public product literature (IPID, general rules, guarantee table…)"
    ),
    "sendings.operator_callback": (
        "an operator's server-to-server callback: its HMAC, not a session, is the permission "
        "(unsigned: refused 400/401, nothing applied)"
    ),
}

# Routes whose objects belong to the tenant, not to one account, by design: only the other
# tenant's crawl applies to them (its host answers 404).
TENANT_WIDE = {
    "devbox.message": "development mailbox (dev only): every email of the tenant, by design",
    "devbox.raw": "development mailbox (dev only): every email of the tenant, by design",
}

# Capability URLs: the secret in the URL is the permission (emailed links). Another tenant's
# host still answers 404; another account would need the secret itself.
CAPABILITY_PARAMS = {"token", "ref", "secret"}


def _belongings(account_ref, collaborator_id: int) -> dict:
    """The account's rows the crawl aims at: its profiles, a professional document, a receipt, a
    draft and a help request with a file."""
    tenant_id = account_ref.tenant_id
    with tenant_scope(tenant_id):
        account = db.session.get(Account, account_ref.id)
        holder = db.session.get(Profile, account_ref.holder_profile_id)
        collaborator = db.session.get(Profile, collaborator_id)
        name = account.commercial_name
        document = ProfessionalDocument(
            account_id=account.id,
            kind=DocumentKind.ORIAS_CERTIFICATE,
            storage_key=f"tenants/{tenant_id}/accounts/{account.id}/documents/x.pdf",
            filename=f"orias {name}.pdf",
            content_type="application/pdf",
            size=1,
        )
        receipt = BillingDocument(
            account_id=account.id,
            type=DocumentType.RECEIPT,
            number=f"R{account.id}",
            issued_on=date(2026, 11, 2),
            total_cents=3000,
            vat_breakdown={},
        )
        db.session.add_all([document, receipt])
        draft = drafts.start(account.id, "secure_messaging.message", profile_id=holder.id)
        db.session.commit()
        conversation = _conversation(tenant_id, account, holder)
        booking = _onboarding_booking(account, holder)
        procedure = _signature_procedure(account, holder)
        letter_id = make_letter(current_app._get_current_object(), account_ref, last_name=name)
        contract_id = db.session.scalar(
            select(LetterContract.id).where(LetterContract.letter_id == letter_id)
        )
        paper_mail_id = make_mail(
            current_app._get_current_object(), account_ref, recipient_name=name
        )
        paper_document_id = db.session.scalar(
            select(PaperDocument.id).where(PaperDocument.mail_id == paper_mail_id)
        )
        return {
            "account": account,
            "holder": holder,
            "collaborator": collaborator,
            "tenant_id": tenant_id,
            "document_id": document.id,
            "billing_document_id": receipt.id,
            "conversation_id": conversation.id,
            "attachment_id": conversation.messages[0].attachments[0].id,
            "draft_key": draft.key,
            "onboarding_slot_id": booking.slot_id,
            "onboarding_booking_id": booking.id,
            "procedure_reference": procedure.reference,
            "signer_id": procedure.signers[0].id,
            "letter_id": letter_id,
            "contract_id": contract_id,
            "paper_mail_id": paper_mail_id,
            "paper_document_id": paper_document_id,
        }


def _signature_procedure(account, profile):
    """A signature procedure the account asked for, started, in person (nothing emailed)."""
    from portal.core.clock import now
    from portal.core.signatures import Delivery, NewDocument, NewSigner, create_and_start

    procedure = create_and_start(
        account=account,
        profile=profile,
        owner="verification",
        title=f"Mandat {account.commercial_name}",
        documents=[NewDocument(title="Mandat", filename="mandat.pdf", content=PDF_BYTES)],
        signers=[NewSigner("Camille", "Durand", "camille@example.org", "0612345678")],
        deadline=now() + timedelta(days=2),
        delivery=Delivery.IN_PERSON,
    )
    db.session.commit()
    return procedure


def _onboarding_booking(account, profile):
    """An onboarding slot the account booked (« Demander un accompagnement initial »)."""
    from portal.core.clock import now
    from portal.core.onboarding.models import Channel, OnboardingBooking, OnboardingSlot

    slot = OnboardingSlot(
        starts_at=now() + timedelta(days=3),
        duration_minutes=20,
        channel=Channel.PHONE,
        created_at=now(),
    )
    db.session.add(slot)
    db.session.flush()
    booking = OnboardingBooking(
        slot_id=slot.id,
        active_slot_id=slot.id,
        account_id=account.id,
        managed_by_id=profile.id,
        name=account.commercial_name,
        email=account.email,
        phone="+33612345678",
        created_at=now(),
    )
    db.session.add(booking)
    db.session.commit()
    return booking


def _conversation(tenant_id: int, account, profile):
    """A help request of the account with a file, made the way the portal makes them."""
    tenant = tenant_directory().get(tenant_id)
    themes = taxonomy.taxonomy(tenant, taxonomy.account_category(tenant, account))
    pdf = PDF_BYTES
    conversation = operations.start_conversation(
        tenant,
        account,
        profile,
        kind=ConversationKind.HELP,
        selection=taxonomy.leaf_paths(themes)[0],
        body=f"Une question de {account.commercial_name}.",
        uploads=[operations.Upload(io.BytesIO(pdf), f"{account.commercial_name}.pdf")],
    )
    db.session.commit()
    return conversation


@pytest.fixture
def world(app, make_account, make_profile):
    made = {}
    for who, slug, email, name in (
        ("victim", "resilimo", "victime@example.fr", MARKER),
        ("neighbour", "resilimo", "voisin@example.fr", "Agence Voisine"),
        ("foreigner", "msr", "ailleurs@example.fr", "Agence Ailleurs"),
    ):
        account = make_account(
            slug, email, first_name="Camille", last_name="Durand", commercial_name=name
        )
        made[who] = (account, make_profile(account, f"Collaborateur {name}"))
    with app.app_context():
        world = {who: _belongings(*refs) for who, refs in made.items()}
        for who in world.values():
            who["ids"] = (who["account"].id, who["account"].session_version, who["holder"].id)
            who["tenant_id"] = who["account"].tenant_id
        yield world


def _logged_in(app, host: str, who: dict):
    client = app.test_client()
    account_id, version, profile_id = who["ids"]
    key = open_account_session(app, account_id, who["tenant_id"])
    with client.session_transaction(base_url=f"http://{host}") as session:
        session["_user_id"] = f"{account_id}:{version}"
        session["session_key"] = key
        session["_fresh"] = True
        session["profile_id"] = profile_id
        session["last_seen"] = time.time()
        session["reauth_at"] = time.time()
    return client


def _values(route, victim):
    unknown = [p for p in route.params if p not in ID_SOURCES and p not in CAPABILITY_PARAMS]
    assert not unknown, (
        f"{route.rule.rule}: add the URL parameter(s) {unknown} to ID_SOURCES so the isolation "
        "crawler can try them with another account's ids"
    )
    sources = {**ID_SOURCES, **ENDPOINT_ID_SOURCES.get(route.endpoint, {})}
    return {p: (sources[p](victim) if p in sources else "secret") for p in route.params}


def _crawl(app, attacker_host, attacker, victim):
    client = _logged_in(app, attacker_host, attacker)
    failures = []
    for route in all_routes(app):
        if not route.params or route.endpoint in PUBLIC:
            continue
        if (set(route.params) & CAPABILITY_PARAMS) and attacker_host.startswith("resilimo"):
            continue  # same tenant: the secret itself is the permission
        if route.endpoint in TENANT_WIDE and attacker_host.startswith("resilimo"):
            continue
        url = route.url(_values(route, victim))
        for method in sorted(route.methods):
            response = client.open(url, method=method, base_url=f"http://{attacker_host}")
            if response.status_code not in (403, 404):
                failures.append((method, url, response.status_code))
            if MARKER.encode() in response.data:
                failures.append((method, url, "shows the other account's data"))
    return failures


@pytest.fixture
def crawler_app(app_config, app):
    """The same database, CSRF off: this crawl is about who may reach what (CSRF is proven by
    test_csrf.py), so state-changing requests must get past the token check to the views."""
    return create_app({**app_config, "WTF_CSRF_ENABLED": False})


def test_another_tenants_user_gets_404_or_403_everywhere(crawler_app, world):
    failures = _crawl(crawler_app, "msr.localhost", world["foreigner"], world["victim"])
    assert failures == []


def test_another_account_of_the_same_tenant_gets_404_or_403_everywhere(crawler_app, world):
    failures = _crawl(crawler_app, "resilimo.localhost", world["neighbour"], world["victim"])
    assert failures == []


def test_no_page_shows_another_accounts_data(crawler_app, world):
    # Another app than the one whose context ``world`` holds: each request gets its own context
    # (and Flask-Login its own user), as in production.
    for host, who in (
        ("resilimo.localhost", world["neighbour"]),
        ("msr.localhost", world["foreigner"]),
    ):
        client = _logged_in(crawler_app, host, who)
        for route in all_routes(crawler_app):
            if route.params or "GET" not in route.methods or route.is_backoffice:
                continue
            response = client.get(route.url({}), base_url=f"http://{host}")
            assert MARKER.encode() not in response.data, (host, route.rule.rule)
