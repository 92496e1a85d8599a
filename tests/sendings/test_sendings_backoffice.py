"""The operators' pages of the sendings (issue 14, point 6): every tenant's sendings by state,
the stuck ones, a sending's timeline and proofs, what its operator says now, and the manual
reconcile (admins only, audited, each operator event applied once).

Sendings are rows as the lifecycle leaves them; the operator is a scripted one answering what
a test tells it (the real lifecycle applies its events, the real evidence archive keeps its
proofs)."""

from __future__ import annotations

import html
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from webkit import PDF_BYTES

from portal.core import audit, clock
from portal.core.backoffice.models import StaffRole
from portal.core.sendings.models import Sending, SendingEvent, SendingProof
from portal.core.sendings.operators.base import (
    Accepted,
    Channel,
    Operator,
    OperatorEvent,
    OperatorUnavailable,
    ProofFile,
    ProofKind,
    SendingState,
)
from portal.core.tenants import tenant_scope, unscoped
from portal.extensions import db

START = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


@dataclass
class ScriptedOperator(Operator):
    """An operator that answers what the test wrote in it."""

    name: str = "script"
    channel: Channel = Channel.LRE
    events_of: dict[str, list[OperatorEvent]] = field(default_factory=dict)
    holds: dict[str, Accepted] = field(default_factory=dict)
    down: bool = False

    def hand_over(self, handover):  # pragma: no cover - the pages never hand over
        raise AssertionError("the back office never hands a sending over")

    def find(self, delivery_id):
        if self.down:
            raise OperatorUnavailable("down")
        return self.holds.get(delivery_id)

    def events(self, operator_ref):
        if self.down:
            raise OperatorUnavailable("down")
        return list(self.events_of.get(operator_ref, []))

    def parse_callback(self, headers, body):  # pragma: no cover
        return []


@pytest.fixture
def operators(app, monkeypatch):
    """The running app's operators, scripted: ``operators[Channel.LRE]``."""
    cache = app.extensions.setdefault("portal.sending_operators", {})
    scripted = {
        Channel.LRE: ScriptedOperator(channel=Channel.LRE),
        Channel.PAPER: ScriptedOperator(name="script-papier", channel=Channel.PAPER),
    }
    for channel, operator in scripted.items():
        monkeypatch.setitem(cache, channel, operator)
    return scripted


@pytest.fixture
def at(monkeypatch):
    """``at(moment)``: the portal's clock reads ``moment`` from now on."""

    def move(moment: datetime) -> None:
        monkeypatch.setattr(clock, "now", lambda: moment)

    move(START)
    return move


@pytest.fixture
def make_sending(app, tenant_ids, make_account):
    """``make_sending(slug, state, channel=…, handed_over_at=…, …)`` → the sending's id."""
    accounts: dict[str, int] = {}

    def make(
        slug: str = "resilimo",
        state: SendingState = SendingState.HANDED_OVER,
        channel: Channel = Channel.LRE,
        *,
        title: str = "Résiliation du contrat 123",
        handed_over_at: datetime | None = START,
        claimed_at: datetime | None = None,
        operator_ref: str | None = "auto",
        events: list[tuple[datetime, SendingState, str]] = (),
    ) -> int:
        if slug not in accounts:
            accounts[slug] = make_account(slug, email=f"envois-{slug}@agence.fr").id
        token = uuid.uuid4().hex[:10].upper()
        at_operator = state not in (SendingState.SCHEDULED, SendingState.DUE)
        with app.app_context(), tenant_scope(tenant_ids[slug]):
            sending = Sending(
                reference=f"ENV-{token}",
                delivery_id=f"dlv-{token.lower()}",
                account_id=accounts[slug],
                owner="resiliation",
                title=title,
                channel=channel,
                state=state,
                sender={"name": "Agence Fournier", "email": "contact@agence.fr"},
                recipient={"name": "Assureur SA", "email": "resiliation@assureur.example"},
                options={},
                price_lines=[],
                price_cents=490,
                charged=True,
                created_at=START - timedelta(days=1),
                due_at=START,
                claimed_at=claimed_at,
                handed_over_at=handed_over_at if at_operator else None,
                operator="script" if at_operator else None,
                operator_ref=(f"OP-{token}" if operator_ref == "auto" else operator_ref)
                if at_operator
                else None,
            )
            db.session.add(sending)
            db.session.flush()
            for moment, event_state, source in events:
                db.session.add(
                    SendingEvent(
                        sending_id=sending.id,
                        at=moment,
                        recorded_at=moment,
                        state=event_state,
                        source=source,
                        code="deposited" if source != "portal" else None,
                        event_id=None if source == "portal" else uuid.uuid4().hex,
                    )
                )
            db.session.commit()
            return sending.id

    return make


def _sending(app, sending_id: int) -> Sending:
    with app.app_context(), unscoped():
        sending = db.session.get(Sending, sending_id)
        db.session.expunge(sending)
        return sending


def _references(page: str) -> set[str]:
    import re

    return set(re.findall(r'data-sending="(ENV-[A-Z0-9]+)"', page))


def test_staff_see_the_pages_and_nobody_else_does(
    app, staff_client, backoffice, client_for, make_sending, operators, at
):
    sending_id = make_sending()
    client, _ = staff_client(StaffRole.SUPPORT)
    urls = [
        "/backoffice/envois",
        "/backoffice/envois/bloques",
        f"/backoffice/envois/{sending_id}",
        f"/backoffice/envois/{sending_id}/operateur",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
    menu = client.get("/backoffice/tableau-de-bord").text
    assert 'href="/backoffice/envois"' in menu
    # A support operator reads, never reconciles.
    assert "Rapprocher avec l" not in client.get(urls[2]).text
    anonymous = backoffice()
    for url in urls:
        response = anonymous.get(url)
        assert response.status_code == 302 and "/backoffice/connexion" in response.location
    for url in urls:
        assert client_for("resilimo").get(url).status_code == 404


def test_the_list_filters_by_tenant_state_channel_and_reference_and_counts_each_state(
    app, staff_client, make_sending, at, tenant_ids
):
    lre = make_sending("resilimo", SendingState.HANDED_OVER, Channel.LRE)
    paper = make_sending("resilimo", SendingState.DELIVERED, Channel.PAPER)
    other = make_sending("msr", SendingState.HANDED_OVER, Channel.LRE)
    refs = {key: _sending(app, key).reference for key in (lre, paper, other)}
    client, _ = staff_client(StaffRole.SUPPORT)

    everything = client.get("/backoffice/envois").text
    assert _references(everything) >= set(refs.values())
    resilimo = client.get(f"/backoffice/envois?tenant={tenant_ids['resilimo']}").text
    assert _references(resilimo) >= {refs[lre], refs[paper]}
    assert refs[other] not in _references(resilimo)
    msr = client.get(f"/backoffice/envois?tenant={tenant_ids['msr']}").text
    assert refs[other] in _references(msr)
    assert not _references(msr) & {refs[lre], refs[paper]}

    delivered = client.get("/backoffice/envois?state=delivered").text
    assert refs[paper] in _references(delivered)
    assert not _references(delivered) & {refs[lre], refs[other]}
    assert "Distribué ou accepté" in delivered
    on_paper = client.get("/backoffice/envois?channel=paper").text
    assert refs[paper] in _references(on_paper) and refs[lre] not in _references(on_paper)

    found = client.get(f"/backoffice/envois?q={refs[lre].lower()}").text
    assert _references(found) == {refs[lre]}
    by_operator_ref = client.get(f"/backoffice/envois?q={_sending(app, other).operator_ref}").text
    assert _references(by_operator_ref) == {refs[other]}

    # The counts per state follow the tenant filter, not the state filter.
    counted = html.unescape(
        client.get(f"/backoffice/envois?tenant={tenant_ids['resilimo']}&state=delivered").text
    )
    assert "Remis à l'opérateur : 1" in counted and "Distribué ou accepté : 1" in counted
    # Unknown filter values are ignored, never an error.
    assert (
        client.get("/backoffice/envois?state=nope&channel=fax&tenant=x&page=zz").status_code == 200
    )


def test_stuck_list_shows_what_the_operator_has_gone_quiet_about(
    app, staff_client, make_sending, at, tenant_ids
):
    quiet_lre = make_sending("resilimo", channel=Channel.LRE, handed_over_at=START)
    heard_lre = make_sending(
        "resilimo",
        SendingState.IN_PROGRESS,
        Channel.LRE,
        handed_over_at=START,
        events=[(START + timedelta(hours=40), SendingState.IN_PROGRESS, "callback")],
    )
    paper = make_sending("resilimo", channel=Channel.PAPER, handed_over_at=START)
    done = make_sending("resilimo", SendingState.DELIVERED, handed_over_at=START)
    refs = {key: _sending(app, key).reference for key in (quiet_lre, heard_lre, paper, done)}
    client, _ = staff_client(StaffRole.SUPPORT)

    at(START + timedelta(hours=47))
    assert not _references(client.get("/backoffice/envois/bloques").text) & set(refs.values())

    at(START + timedelta(hours=49))
    page = client.get("/backoffice/envois/bloques").text
    assert refs[quiet_lre] in _references(page)
    assert not _references(page) & {refs[heard_lre], refs[paper], refs[done]}
    assert "48 heures" in page and "5 jours" in page and "15 minutes" in page
    assert "bloqué" in client.get(f"/backoffice/envois/{quiet_lre}").text
    listed = client.get(f"/backoffice/envois?tenant={tenant_ids['resilimo']}").text
    assert "1 envoi bloqué" in listed and "/backoffice/envois/bloques" in listed

    at(START + timedelta(days=5, hours=1))
    page = client.get("/backoffice/envois/bloques").text
    assert {refs[quiet_lre], refs[heard_lre], refs[paper]} <= _references(page)
    assert refs[done] not in _references(page)
    # The tenant filter keeps other tenants' stuck sendings out.
    msr = client.get(f"/backoffice/envois/bloques?tenant={tenant_ids['msr']}").text
    assert not _references(msr) & set(refs.values())


def test_a_due_sending_never_handed_over_is_stuck_after_fifteen_minutes(
    app, staff_client, make_sending, at
):
    due = make_sending(
        state=SendingState.DUE, claimed_at=START, handed_over_at=None, operator_ref=None
    )
    reference = _sending(app, due).reference
    client, _ = staff_client(StaffRole.SUPPORT)
    at(START + timedelta(minutes=14))
    assert reference not in _references(client.get("/backoffice/envois/bloques").text)
    at(START + timedelta(minutes=16))
    assert reference in _references(client.get("/backoffice/envois/bloques").text)


def _event(sending: Sending, event_id: str, code: str, state: SendingState, hours: int, *proofs):
    return OperatorEvent(
        event_id=event_id,
        delivery_id=sending.delivery_id,
        operator_ref=sending.operator_ref,
        code=code,
        state=state,
        occurred_at=START + timedelta(hours=hours),
        detail=f"détail {code}",
        proofs=tuple(proofs),
    )


def test_reconcile_applies_the_operators_events_once_and_is_audited(
    app, staff_client, make_sending, operators, at, post_form
):
    sending_id = make_sending(events=[(START, SendingState.HANDED_OVER, "portal")])
    sending = _sending(app, sending_id)
    operators[Channel.LRE].events_of[sending.operator_ref] = [
        _event(
            sending,
            "evt-1",
            "dp",
            SendingState.IN_PROGRESS,
            1,
            ProofFile(ProofKind.DEPOSIT, "preuve-depot.pdf", PDF_BYTES),
        ),
        _event(sending, "evt-2", "AR24_ACCEPTED", SendingState.DELIVERED, 30),
    ]
    at(START + timedelta(days=3))
    page_url = f"/backoffice/envois/{sending_id}"

    # What the operator says, next to what the portal applied: nothing yet.
    support, _ = staff_client(StaffRole.SUPPORT)
    raw = support.get(f"{page_url}/operateur").text
    assert "AR24_ACCEPTED" in raw and raw.count('data-applied="no"') == 2
    # Only admins reconcile.
    refused = support.post(f"{page_url}/rapprocher", data={})
    assert refused.status_code in (400, 403)

    admin, staff = staff_client(StaffRole.ADMIN)
    page = admin.get(page_url).text
    assert "Rapprocher avec l" in page
    response = post_form(admin, page_url, {}, action=f"{page_url}/rapprocher")
    assert response.status_code == 302
    done = html.unescape(admin.get(response.location).text)
    assert "2 événements reçus de l'opérateur ; 2 nouveaux appliqués." in done
    assert "Distribué ou accepté" in done and "AR24_ACCEPTED" in done
    assert "Rapprochement par un opérateur" in done
    assert "Preuve de dépôt" in done

    # Again: nothing new, nothing doubled.
    response = post_form(admin, page_url, {}, action=f"{page_url}/rapprocher")
    again = html.unescape(admin.get(response.location).text)
    assert "2 événements reçus de l'opérateur ; 0 nouveau appliqué." in again
    with app.app_context(), unscoped():
        lines = db.session.scalars(
            select(SendingEvent.event_id).where(
                SendingEvent.sending_id == sending_id, SendingEvent.event_id.is_not(None)
            )
        ).all()
        assert sorted(lines) == ["evt-1", "evt-2"]
        assert db.session.get(Sending, sending_id).state == SendingState.DELIVERED
        entries = db.session.scalars(
            select(audit.AuditEntry)
            .where(
                audit.AuditEntry.action == "sendings.reconciled",
                audit.AuditEntry.target_id == sending_id,
            )
            .order_by(audit.AuditEntry.id)
        ).all()
        entries = [e for e in entries if e.details.get("reference") == sending.reference]
        assert [(e.actor_id, e.details["applied"]) for e in entries] == [
            (staff.id, 2),
            (staff.id, 0),
        ]
        assert entries[0].tenant_id == sending.tenant_id
        proof = db.session.scalar(select(SendingProof).where(SendingProof.sending_id == sending_id))
    raw = admin.get(f"{page_url}/operateur").text
    assert raw.count('data-applied="yes"') == 2

    download = admin.get(f"{page_url}/preuves/{proof.id}")
    assert download.status_code == 200 and download.data == PDF_BYTES
    assert "attachment" in download.headers["Content-Disposition"]
    other = make_sending()
    assert admin.get(f"/backoffice/envois/{other}/preuves/{proof.id}").status_code == 404
    # The audit log names the action in words.
    journal = html.unescape(admin.get("/backoffice/journal").text)
    assert "Envoi rapproché des événements de l'opérateur" in journal


def test_reconcile_of_a_due_sending_records_what_the_operator_holds(
    app, staff_client, make_sending, operators, at, post_form
):
    due = make_sending(state=SendingState.DUE, claimed_at=START, operator_ref=None)
    missing = make_sending(state=SendingState.DUE, claimed_at=START, operator_ref=None)
    sending = _sending(app, due)
    operators[Channel.LRE].holds[sending.delivery_id] = Accepted("OP-FOUND-1")
    at(START + timedelta(hours=1))
    admin, _ = staff_client(StaffRole.ADMIN)

    url = f"/backoffice/envois/{due}"
    post_form(admin, url, {}, action=f"{url}/rapprocher")
    after = _sending(app, due)
    assert after.state == SendingState.HANDED_OVER and after.operator_ref == "OP-FOUND-1"

    url = f"/backoffice/envois/{missing}"
    response = post_form(admin, url, {}, action=f"{url}/rapprocher")
    page = html.unescape(admin.get(response.location).text)
    assert "L'opérateur n'a pas cet envoi" in page
    assert _sending(app, missing).state == SendingState.DUE


def _reconciles(app) -> int:
    """How many reconciles the audit log holds (it is append-only: never emptied)."""
    with app.app_context(), unscoped():
        return len(
            db.session.scalars(
                select(audit.AuditEntry.id).where(audit.AuditEntry.action == "sendings.reconciled")
            ).all()
        )


def test_an_operator_that_does_not_answer_changes_nothing(
    app, staff_client, make_sending, operators, at, post_form
):
    sending_id = make_sending()
    operators[Channel.LRE].down = True
    admin, _ = staff_client(StaffRole.ADMIN)
    url = f"/backoffice/envois/{sending_id}"
    assert "ne répond pas" in html.unescape(admin.get(f"{url}/operateur").text)
    before = _reconciles(app)
    response = post_form(admin, url, {}, action=f"{url}/rapprocher")
    assert "ne répond pas" in html.unescape(admin.get(response.location).text)
    assert _reconciles(app) == before


def test_a_sending_of_another_operator_is_not_asked_to_the_configured_one(
    app, staff_client, make_sending, operators, at, post_form
):
    sending_id = make_sending()
    with app.app_context(), unscoped():
        db.session.get(Sending, sending_id).operator = "ar24"
        db.session.commit()
    admin, _ = staff_client(StaffRole.ADMIN)
    url = f"/backoffice/envois/{sending_id}"
    assert "remis à l'opérateur AR24" in html.unescape(admin.get(f"{url}/operateur").text)
    before = _reconciles(app)
    response = post_form(admin, url, {}, action=f"{url}/rapprocher")
    assert "remis à l'opérateur AR24" in html.unescape(admin.get(response.location).text)
    assert _reconciles(app) == before


def test_the_pages_read_in_french(app, staff_client, make_sending, operators, at, tenant_ids):
    """Every state, source and proof kind in words (the back office's readable-pages check)."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parents[1] / "backoffice"))
    from test_readable_pages import faults

    from portal.core.evidence import add_proof

    sources = ["portal", "operator:sandbox", "callback", "poll", "staff", "operator:maileva"]
    ids = []
    for index, state in enumerate(SendingState):
        channel = Channel.PAPER if index % 2 else Channel.LRE
        ids.append(
            make_sending(
                "resilimo",
                state,
                channel,
                events=[
                    (START + timedelta(minutes=n), state, source)
                    for n, source in enumerate(sources)
                ],
            )
        )
    rich = ids[
        SendingState.DELIVERED is not None and list(SendingState).index(SendingState.DELIVERED)
    ]
    sending = _sending(app, rich)
    with app.app_context(), tenant_scope(tenant_ids["resilimo"]):
        db.session.get(Sending, rich).operator = "sandbox"
        for kind in ProofKind:
            record = add_proof(
                tenant_ids["resilimo"], f"lre_{kind.value}", PDF_BYTES, f"{kind.value}.pdf"
            )
            db.session.add(
                SendingProof(
                    sending_id=rich,
                    kind=kind.value,
                    filename=f"{kind.value}.pdf",
                    evidence_record_id=record.id,
                )
            )
        late = db.session.scalar(select(SendingEvent).where(SendingEvent.sending_id == rich))
        late.applied = False
        db.session.commit()
    operators[Channel.LRE].events_of[sending.operator_ref] = [
        _event(
            sending,
            f"evt-{kind.value}",
            "AR24_STATUS",
            state,
            2,
            ProofFile(kind, f"{kind.value}.pdf", PDF_BYTES),
        )
        for kind, state in zip(ProofKind, SendingState, strict=False)
    ]
    at(START + timedelta(days=6))
    client, _ = staff_client(StaffRole.ADMIN)
    urls = [
        "/backoffice/envois",
        "/backoffice/envois?channel=paper&state=returned",
        "/backoffice/envois/bloques",
        f"/backoffice/envois/{rich}",
        f"/backoffice/envois/{rich}/operateur",
        *(f"/backoffice/envois/{each}" for each in ids),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert faults(response.get_data(as_text=True)) == [], url
    page = html.unescape(client.get(f"/backoffice/envois/{rich}").text)
    for words in (
        "Preuve de dépôt",
        "Preuve de non-réclamation",
        "Avis de réception numérisé",
        "Opérateur bac à sable",
        "Opérateur Maileva",
        "Notification de l'opérateur",
        "Interrogation de l'opérateur",
        "noté seulement",
    ):
        assert words in page, words


def test_with_the_lre_sandbox_a_crashed_hand_over_is_reconciled_then_its_events_shown(
    app, staff_client, post_form, make_account, monkeypatch
):
    """The real sandbox operator took the letter but the portal crashed before recording it:
    the staff's reconcile finds it by the delivery id (never sent again); once the sandbox's
    events came, its raw answer shows each of them applied, and a reconcile adds nothing."""
    from portal.core.accounts.models import Account
    from portal.core.credits.ledger import adjust
    from portal.core.jobs import drain
    from portal.core.jobs.outbox import sweep
    from portal.core.jobs.runtime import get_runtime
    from portal.core.sendings import operations
    from portal.core.sendings.operators import operator_for
    from portal.core.sendings.operators.base import Handover, Party

    # The sandbox works 30 s after it takes a letter: the crash happens before it speaks.
    monkeypatch.setitem(app.config, "PORTAL_LRE_SANDBOX_DELAY_SECONDS", 30)
    agency = make_account("resilimo", email="agence.bo.sandbox@example.fr")
    with app.app_context(), tenant_scope(agency.tenant_id):
        account = db.session.get(Account, agency.id)
        adjust(account, 5000, reason="crédit de test", idempotency_key="t", actor_label="t")
        sending = operations.create_sending(
            account=account,
            profile=account.holder_profile,
            owner="resiliation",
            channel=Channel.LRE,
            title="Résiliation contrat AUTO-123",
            documents=[operations.NewDocument("lettre.pdf", PDF_BYTES)],
            sender=Party("Camille Durand", email="camille.durand@example.org"),
            recipient=Party("Élodie Martin", email="elodie.martin+accepte@example.org"),
            options={"qualified": False},
            price_lines=[operations.PriceLine("lre", "Lettre recommandée électronique", 399)],
        )
        operations.validate_sending(sending)
        sending_id = sending.id
        db.session.commit()
    with app.app_context(), unscoped():
        assert (agency.tenant_id, sending_id) in operations.claim_due(clock.now())
        db.session.commit()
    with app.app_context(), tenant_scope(agency.tenant_id):  # the job's first half only
        sending = db.session.get(Sending, sending_id)
        accepted = operator_for(Channel.LRE).hand_over(
            Handover(
                delivery_id=sending.delivery_id,
                channel=Channel.LRE,
                sender=sending.sender_party(),
                recipient=sending.recipient_party(),
                documents=operations.outgoing_documents(sending),
                options=dict(sending.options),
            )
        )
        db.session.commit()
    assert _sending(app, sending_id).state == SendingState.DUE

    admin, _ = staff_client(StaffRole.ADMIN)
    url = f"/backoffice/envois/{sending_id}"
    response = post_form(admin, url, {}, action=f"{url}/rapprocher")
    assert "noté comme remis" in html.unescape(admin.get(response.location).text)
    recorded = _sending(app, sending_id)
    assert recorded.state == SendingState.HANDED_OVER
    assert (recorded.operator, recorded.operator_ref) == ("sandbox", accepted.operator_ref)
    assert "aucun événement" in admin.get(f"{url}/operateur").text

    later = clock.now() + timedelta(seconds=31)
    monkeypatch.setattr(clock, "now", lambda: later)
    with app.app_context():
        sweep(get_runtime(app), later)
    drain(app)  # the sandbox deposits, notifies, the recipient accepts; callbacks applied
    raw = admin.get(f"{url}/operateur").text
    assert raw.count('data-applied="yes"') >= 3 and 'data-applied="no"' not in raw
    for code in ("waiting", "sent", "AR"):
        assert f"<code>{code}</code>" in raw
    response = post_form(admin, url, {}, action=f"{url}/rapprocher")
    assert "; 0 nouveau appliqué." in html.unescape(admin.get(response.location).text)
    assert _sending(app, sending_id).state == SendingState.DELIVERED
