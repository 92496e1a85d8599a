"""Signature procedures through the engine's operations: creation, invitations, the SMS code
(read from the development mailbox), sealing in order or in parallel, refusal, cancellation,
expiry, outcomes recorded once, and links that are unguessable, scoped and die with the
procedure."""

from __future__ import annotations

import hashlib
import io
import re
from datetime import timedelta

import pytest
from pypdf import PdfReader, PdfWriter
from sqlalchemy import func, select

from portal.core import clock
from portal.core.accounts.models import Account
from portal.core.devbox.models import DevboxMessage
from portal.core.evidence import EvidenceRecord
from portal.core.jobs import drain
from portal.core.signatures import (
    CodeExpired,
    CodeThrottled,
    Delivery,
    DocumentRole,
    IdentityDocumentRequired,
    InvalidProcedure,
    LinkInvalid,
    MissingAcceptance,
    NewDocument,
    NewSigner,
    ProcedureClosed,
    ProcedureOutcome,
    ProcedureState,
    SignatureProcedure,
    SignerState,
    TooManyTries,
    WrongCode,
    accept_boxes,
    audit_trail_bytes,
    cancel_procedure,
    create_and_start,
    create_procedure,
    decline,
    expire_procedure,
    ready_to_sign,
    record_opened,
    record_outcome,
    send_code,
    sign,
    signed_document_bytes,
    signer_for_done_page,
    signer_for_token,
    signer_token,
    upload_identity_document,
)
from portal.core.signatures.rules import aware
from portal.core.storage import storage
from portal.extensions import db

CAMILLE = NewSigner("Camille", "Durand", "camille.durand@example.org", "06 12 34 56 78")
DOMINIQUE = NewSigner("Dominique", "Martin", "dominique.martin@example.org", "07 98 76 54 32")
BROWSER = {"ip": "203.0.113.7", "user_agent": "Mozilla/5.0 (iPhone)"}


def pdf(pages: int = 1) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595, 842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


MANDATE = NewDocument(
    "Mandat de résiliation",
    "mandat.pdf",
    pdf(2),
    acceptance_boxes=(
        "J'ai lu le mandat et je l'accepte.",
        ("J'accepte de recevoir une copie par courriel.", False),
    ),
)
CONDITIONS = NewDocument(
    "Conditions générales",
    "conditions.pdf",
    pdf(),
    role=DocumentRole.READ,
    acceptance_boxes=("J'ai pris connaissance des conditions générales.",),
)


@pytest.fixture
def agency(app, make_account, in_tenant):
    """``with agency() as account:`` the resilimo account asking, in its tenant's scope."""
    ref = make_account()

    def scope(slug: str = "resilimo"):
        class _Scope:
            def __enter__(self):
                self.context = in_tenant(slug)
                self.context.__enter__()
                return db.session.get(Account, ref.id) if slug == ref.slug else None

            def __exit__(self, *exc):
                db.session.rollback()
                return self.context.__exit__(*exc)

        return _Scope()

    return scope


def new_procedure(account, *, start=True, **overrides):
    values = {
        "account": account,
        "profile": None,
        "owner": "resiliation",
        "title": "Résiliation du contrat AUTO-123",
        "documents": [MANDATE, CONDITIONS],
        "signers": [CAMILLE],
        "deadline": clock.now() + timedelta(days=7),
        "delivery": Delivery.IN_PERSON,
        **overrides,
    }
    return (create_and_start if start else create_procedure)(**values)


def sms_code(mobile: str) -> str:
    """The last code the development SMS box received for ``mobile``."""
    message = db.session.scalars(
        select(DevboxMessage)
        .where(DevboxMessage.kind == "sms", DevboxMessage.recipients == mobile)
        .order_by(DevboxMessage.id.desc())
    ).first()
    assert message is not None, f"no SMS to {mobile}"
    return re.search(r"\b(\d{6})\b", message.body_text).group(1)


def emails_to(address: str) -> list[DevboxMessage]:
    return list(
        db.session.scalars(
            select(DevboxMessage).where(
                DevboxMessage.kind == "email", DevboxMessage.recipients.contains(address)
            )
        )
    )


def get_ready(signer) -> None:
    """Tick every box of every document, as the signer's pages do."""
    for document in signer.procedure.documents:
        accept_boxes(signer, document, [box.id for box in document.acceptance_boxes])


def sign_now(signer) -> None:
    get_ready(signer)
    send_code(signer)
    sign(signer, sms_code(signer.mobile), **BROWSER)


def kinds(procedure, signer=None) -> list[str]:
    return [
        event.kind for event in procedure.events if signer is None or event.signer_id == signer.id
    ]


def shift_clock(monkeypatch, delta: timedelta) -> None:
    real = clock.now
    monkeypatch.setattr(clock, "now", lambda: real() + delta)


# --- creation ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"documents": [CONDITIONS]}, "au moins un document à signer"),
        (
            {"documents": [NewDocument("Mandat", "mandat.pdf", b"%PDF-1.7 broken")]},
            "« Mandat » n'est pas un PDF lisible",
        ),
        ({"signers": []}, "au moins un signataire"),
        (
            {"signers": [NewSigner("Camille", "Durand", "camille@example.org", None)]},
            "Camille Durand n'a pas de numéro de mobile",
        ),
        (
            {"signers": [NewSigner("Camille", "Durand", "camille@example.org", "01 23 45 67 89")]},
            "Le numéro de mobile de Camille Durand n'est pas valide",
        ),
        (
            {"signers": [NewSigner("Camille", "Durand", "pas-une-adresse", "0612345678")]},
            "L'adresse e-mail de Camille Durand n'est pas valide",
        ),
        ({"deadline": clock.now() - timedelta(minutes=1)}, "déjà passée"),
    ],
)
def test_a_procedure_that_cannot_be_signed_is_refused_saying_why(agency, change, message):
    with agency() as account:
        with pytest.raises(InvalidProcedure) as refused:
            new_procedure(account, start=False, **change)
        assert message in str(refused.value.message)


def test_a_created_procedure_keeps_its_documents_and_sends_nothing(agency):
    with agency() as account:
        procedure = new_procedure(
            account, start=False, signers=[CAMILLE, DOMINIQUE], subject=("Letter", 42)
        )
        db.session.commit()
        assert re.fullmatch(r"SIG-[23456789A-HJKMNP-TV-Z]{10}", procedure.reference)
        assert procedure.state == ProcedureState.CREATED
        assert (procedure.subject_type, procedure.subject_id) == ("Letter", 42)
        mandate, conditions = procedure.documents
        assert (mandate.role, mandate.page_count, conditions.role) == ("sign", 2, "read")
        assert storage().read(mandate.storage_key) == MANDATE.content
        assert mandate.sha256 == hashlib.sha256(MANDATE.content).hexdigest()
        assert [box.required for box in mandate.acceptance_boxes] == [True, False]
        assert [s.mobile for s in procedure.signers] == ["+33612345678", "+33798765432"]
        assert {s.state for s in procedure.signers} == {SignerState.WAITING}
        assert kinds(procedure) == ["created"]
        assert db.session.scalar(select(func.count(DevboxMessage.id))) == 0
        # Not started: no link works yet.
        with pytest.raises(LinkInvalid):
            signer_for_token(signer_token(procedure.signers[0]))


def test_a_deadline_given_in_paris_time_comes_back_as_the_same_instant(agency):
    from zoneinfo import ZoneInfo

    paris = (clock.now() + timedelta(days=3)).astimezone(ZoneInfo("Europe/Paris"))
    deadline = paris.replace(hour=20, minute=0, second=0, microsecond=0)
    with agency() as account:
        reference = new_procedure(account, start=False, deadline=deadline).reference
        db.session.commit()
        db.session.expire_all()
        stored = db.session.scalar(
            select(SignatureProcedure).where(SignatureProcedure.reference == reference)
        )
        assert aware(stored.deadline) == deadline


# --- signing ---------------------------------------------------------------------------------


def test_two_signers_in_order_sign_one_after_the_other(app, agency):
    with agency() as account:
        procedure = new_procedure(
            account, signers=[CAMILLE, DOMINIQUE], ordered=True, delivery=Delivery.REMOTE
        )
        db.session.commit()
        reference = procedure.reference
        camille, dominique = procedure.signers
        camille_token, dominique_token = signer_token(camille), signer_token(dominique)
        assert (camille.state, dominique.state) == (SignerState.INVITED, SignerState.WAITING)
    drain(app)
    with agency() as account:
        assert len(emails_to(CAMILLE.email)) == 1
        assert emails_to(DOMINIQUE.email) == []  # not their turn yet
        with pytest.raises(LinkInvalid):
            signer_for_token(dominique_token)
        camille = signer_for_token(camille_token)
        record_opened(camille, **BROWSER)
        assert camille.state == SignerState.OPENED
        sign_now(camille)
        db.session.commit()
        procedure = camille.procedure
        assert procedure.state == ProcedureState.ONGOING
        assert camille.state == SignerState.SIGNED and camille.ip == BROWSER["ip"]
        dominique = signer_for_token(dominique_token)
        assert dominique.state == SignerState.INVITED
        with pytest.raises(LinkInvalid):  # Camille is done: her link only shows the end
            signer_for_token(camille_token)
        assert signer_for_done_page(camille_token) == camille
    drain(app)
    with agency() as account:
        assert len(emails_to(DOMINIQUE.email)) == 1
        dominique = signer_for_token(dominique_token)
        sign_now(dominique)
        db.session.commit()
        procedure = dominique.procedure
        assert procedure.reference == reference
        assert procedure.state == ProcedureState.SIGNED and procedure.completed_at
        mandate, conditions = procedure.documents
        signed = signed_document_bytes(mandate)
        assert hashlib.sha256(signed).hexdigest() == mandate.signed_sha256
        assert conditions.signed_storage_key is None  # read only: never sealed
        fields = PdfReader(io.BytesIO(signed)).get_fields() or {}
        assert {"Signature1", "Signature2"} <= set(fields)
        # Each signature chains on the version before: the history names both hashes.
        signed_events = [e for e in procedure.events if e.kind == "signed"]
        first, second = (event.details["documents"][0] for event in signed_events)
        assert first["sha256_before"] == mandate.sha256
        assert second["sha256_before"] == first["sha256_after"]
        assert second["sha256_after"] == mandate.signed_sha256
        archived = db.session.get(EvidenceRecord, mandate.evidence_record_id)
        assert (archived.kind, archived.sha256) == ("signed_document", mandate.signed_sha256)
        trail = db.session.get(EvidenceRecord, procedure.audit_trail_record_id)
        assert trail.kind == "signature_audit_trail"
        assert audit_trail_bytes(procedure).startswith(b"%PDF-")
        assert kinds(procedure)[-1] == "completed"
        outcomes = db.session.scalars(
            select(ProcedureOutcome.outcome).where(ProcedureOutcome.procedure_id == procedure.id)
        ).all()
        assert outcomes == ["signed"]
        with pytest.raises(LinkInvalid):  # the procedure is over: every link is dead
            signer_for_token(dominique_token)
    drain(app)


def test_parallel_signers_sign_in_any_order_and_in_person_nothing_is_emailed(app, agency):
    with agency() as account:
        procedure = new_procedure(account, signers=[CAMILLE, DOMINIQUE])
        db.session.commit()
        camille, dominique = procedure.signers
        assert {camille.state, dominique.state} == {SignerState.INVITED}
        sign_now(dominique)  # the second signer first
        db.session.commit()
        assert procedure.state == ProcedureState.ONGOING
        sign_now(camille)
        db.session.commit()
        assert procedure.state == ProcedureState.SIGNED
        fields = PdfReader(io.BytesIO(signed_document_bytes(procedure.documents[0]))).get_fields()
        assert {"Signature1", "Signature2"} <= set(fields)
    drain(app)
    with agency():
        assert emails_to(CAMILLE.email) == [] and emails_to(DOMINIQUE.email) == []


def test_five_wrong_codes_spend_the_code(agency):
    with agency() as account:
        signer = new_procedure(account).signers[0]
        get_ready(signer)
        masked = send_code(signer)
        assert masked == "+33 6 •• •• •• 78"
        code = sms_code(signer.mobile)
        wrong = f"{(int(code) + 1) % 1_000_000:06d}"
        for left in (4, 3, 2, 1):
            with pytest.raises(WrongCode) as refused:
                sign(signer, wrong, **BROWSER)
            assert refused.value.tries_left == left
        with pytest.raises(TooManyTries):
            sign(signer, wrong, **BROWSER)
        db.session.commit()
        with pytest.raises(TooManyTries):  # even the right code: it is spent
            sign(signer, code, **BROWSER)
        assert signer.state != SignerState.SIGNED
        assert kinds(signer.procedure, signer).count("code_failed") == 5


def test_an_expired_code_is_refused_and_a_new_one_works(agency, monkeypatch):
    with agency() as account:
        signer = new_procedure(account).signers[0]
        get_ready(signer)
        send_code(signer)
        db.session.commit()
        code = sms_code(signer.mobile)
        shift_clock(monkeypatch, timedelta(minutes=10, seconds=1))
        with pytest.raises(CodeExpired):
            sign(signer, code, **BROWSER)
        send_code(signer)
        sign(signer, sms_code(signer.mobile), **BROWSER)
        db.session.commit()
        assert signer.procedure.state == ProcedureState.SIGNED


def test_a_new_code_waits_a_minute_and_five_codes_at_most(agency, monkeypatch):
    with agency() as account:
        signer = new_procedure(account).signers[0]
        get_ready(signer)
        send_code(signer)
        with pytest.raises(CodeThrottled) as throttled:
            send_code(signer)
        assert 55 <= throttled.value.wait_seconds <= 60
        for minute in range(1, 5):
            shift_clock(monkeypatch, timedelta(minutes=minute))
            send_code(signer)
        shift_clock(monkeypatch, timedelta(minutes=6))
        with pytest.raises(TooManyTries) as refused:
            send_code(signer)
        assert "trop de codes" in str(refused.value.message)
        sms = db.session.scalars(select(DevboxMessage).where(DevboxMessage.kind == "sms")).all()
        assert len(sms) == 5
        assert "Votre code de signature Résilimo : " in sms[0].body_text
        assert "Il est valable 10 minutes. Ne le communiquez à personne." in sms[0].body_text
        [sent] = [e for e in signer.procedure.events if e.kind == "code_sent"][:1]
        assert sent.details == {"mobile": "+33 6 •• •• •• 78"}


def test_the_boxes_and_the_identity_document_come_before_the_code(agency):
    with agency() as account:
        signer = new_procedure(account, require_identity_document=True).signers[0]
        mandate, conditions = signer.procedure.documents
        assert len(ready_to_sign(signer)) == 3  # identity document and two documents' boxes
        with pytest.raises(IdentityDocumentRequired):
            send_code(signer)
        upload_identity_document(signer, io.BytesIO(pdf()), "carte-identite.pdf")
        with pytest.raises(MissingAcceptance) as missing:
            send_code(signer)
        assert missing.value.document_position == 1
        optional = mandate.acceptance_boxes[1]
        with pytest.raises(MissingAcceptance):  # the optional box is not enough
            accept_boxes(signer, mandate, [optional.id])
        accept_boxes(signer, mandate, [mandate.acceptance_boxes[0].id])
        with pytest.raises(MissingAcceptance) as missing:
            send_code(signer)
        assert missing.value.document_position == 2
        accept_boxes(signer, conditions, [conditions.acceptance_boxes[0].id])
        assert ready_to_sign(signer) == []
        send_code(signer)
        sign(signer, sms_code(signer.mobile), **BROWSER)
        assert signer.state == SignerState.SIGNED
        assert signer.identity_document_filename == "carte-identite.pdf"
        assert "identity_uploaded" in kinds(signer.procedure, signer)


# --- other ends --------------------------------------------------------------------------------


def test_a_refusal_ends_the_procedure_and_its_outcome_is_recorded_once(app, agency):
    with agency() as account:
        procedure = new_procedure(account, signers=[CAMILLE, DOMINIQUE])
        db.session.commit()
        camille, dominique = procedure.signers
        tokens = [signer_token(camille), signer_token(dominique)]
        decline(camille, "Le montant n'est pas le bon.", **BROWSER)
        db.session.commit()
        assert procedure.state == ProcedureState.DECLINED
        assert camille.state == SignerState.DECLINED
        assert camille.decline_reason == "Le montant n'est pas le bon."
        assert record_outcome(procedure, ProcedureState.DECLINED) is False
        db.session.commit()
        count = db.session.scalar(
            select(func.count(ProcedureOutcome.id)).where(
                ProcedureOutcome.procedure_id == procedure.id
            )
        )
        assert count == 1
        for token in tokens:
            with pytest.raises(LinkInvalid):
                signer_for_token(token)
        assert signer_for_done_page(tokens[0]) == camille
        with pytest.raises(ProcedureClosed):
            cancel_procedure(procedure, reason="trop tard")
    drain(app)


def test_cancelled_and_expired_procedures_kill_their_links(app, agency, monkeypatch):
    with agency() as account:
        cancelled = new_procedure(account)
        expiring = new_procedure(account, deadline=clock.now() + timedelta(hours=1))
        db.session.commit()
        cancelled_token = signer_token(cancelled.signers[0])
        expiring_token = signer_token(expiring.signers[0])
        cancel_procedure(cancelled, reason="Le client a changé d'avis.")
        expire_procedure(expiring)  # the deadline has not come: nothing happens
        db.session.commit()
        assert cancelled.state == ProcedureState.CANCELLED
        assert cancelled.cancel_reason == "Le client a changé d'avis."
        assert expiring.state == ProcedureState.ONGOING
        shift_clock(monkeypatch, timedelta(hours=1, seconds=1))
        with pytest.raises(LinkInvalid):  # past the deadline, before the job runs
            signer_for_token(expiring_token)
        expire_procedure(expiring)
        expire_procedure(expiring)  # the job may run twice
        db.session.commit()
        assert expiring.state == ProcedureState.EXPIRED
        assert kinds(expiring).count("expired") == 1
        for token in (cancelled_token, expiring_token):
            with pytest.raises(LinkInvalid):
                signer_for_token(token)
        outcomes = db.session.execute(
            select(ProcedureOutcome.procedure_id, ProcedureOutcome.outcome)
        ).all()
        assert sorted(outcome for _id, outcome in outcomes) == ["cancelled", "expired"]
    drain(app)


# --- links -------------------------------------------------------------------------------------


def test_a_link_works_only_on_its_tenant_and_only_with_the_secret_key(app, agency, client_for):
    with agency() as account:
        signer = new_procedure(account).signers[0]
        db.session.commit()
        token = signer_token(signer)
        assert signer.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert token not in (signer.link_nonce, signer.token_hash)
        assert signer_for_token(token) == signer
        with pytest.raises(LinkInvalid):
            signer_for_token(token[:-1] + ("A" if token[-1] != "A" else "B"))
        original = app.config["SECRET_KEY"]
        app.config["SECRET_KEY"] = "another-secret"
        try:  # what the database holds is not enough to make the link
            forged = signer_token(signer)
        finally:
            app.config["SECRET_KEY"] = original
        assert forged != token
        with pytest.raises(LinkInvalid):
            signer_for_token(forged)
    with agency("msr"):
        with pytest.raises(LinkInvalid):
            signer_for_token(token)
        assert signer_for_done_page(token) is None
    assert client_for("resilimo").get(f"/signature/{token}").status_code == 200
    elsewhere = client_for("msr").get(f"/signature/{token}")
    assert elsewhere.status_code == 404
    assert "Résiliation du contrat AUTO-123" not in elsewhere.get_data(as_text=True)
