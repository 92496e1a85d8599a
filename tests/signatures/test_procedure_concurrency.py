"""Two parallel signers who sign at the same moment: each seals the other's version, and the
procedure completes once."""

from __future__ import annotations

import io
import re
import threading
from datetime import timedelta

from pypdf import PdfReader
from sqlalchemy import func, select
from webkit import PDF_BYTES

from portal.core import clock
from portal.core.accounts.models import Account
from portal.core.devbox.models import DevboxMessage
from portal.core.jobs import drain
from portal.core.signatures import (
    Delivery,
    NewDocument,
    NewSigner,
    ProcedureOutcome,
    ProcedureSigner,
    ProcedureState,
    SignatureProcedure,
    SignerEvent,
    accept_boxes,
    create_and_start,
    send_code,
    sign,
    signed_document_bytes,
)
from portal.core.tenants import tenant_scope
from portal.extensions import db


def test_two_signers_signing_at_once_both_sign_and_the_procedure_completes_once(
    app, make_account, in_tenant
):
    ref = make_account()
    with in_tenant("resilimo"):
        procedure = create_and_start(
            account=db.session.get(Account, ref.id),
            profile=None,
            owner="resiliation",
            title="Mandat commun",
            documents=[NewDocument("Mandat", "mandat.pdf", PDF_BYTES, acceptance_boxes=("Lu",))],
            signers=[
                NewSigner("Camille", "Durand", "camille@example.org", "0612345678"),
                NewSigner("Dominique", "Martin", "dominique@example.org", "0798765432"),
            ],
            deadline=clock.now() + timedelta(days=3),
            delivery=Delivery.IN_PERSON,
        )
        [document] = procedure.documents
        codes = {}
        for signer in procedure.signers:
            accept_boxes(signer, document, [box.id for box in document.acceptance_boxes])
            send_code(signer)
            sms = db.session.scalars(
                select(DevboxMessage).where(DevboxMessage.recipients == signer.mobile)
            ).one()
            codes[signer.id] = re.search(r"\d{6}", sms.body_text).group()
        db.session.commit()
        procedure_id = procedure.id

    start = threading.Barrier(len(codes))
    failures = []

    def signs(signer_id: int, code: str) -> None:
        try:
            with app.app_context(), tenant_scope(ref.tenant_id):
                signer = db.session.get(ProcedureSigner, signer_id)
                # Loaded before signing, as the signer's page does.
                assert signer.procedure.documents and signer.procedure.signers
                start.wait(timeout=10)
                sign(signer, code, ip="203.0.113.7", user_agent="UA")
                db.session.commit()
        except Exception as exc:  # noqa: BLE001 - reported by the main thread
            failures.append(exc)

    threads = [threading.Thread(target=signs, args=item) for item in codes.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []

    with in_tenant("resilimo"):
        procedure = db.session.get(SignatureProcedure, procedure_id)
        assert procedure.state == ProcedureState.SIGNED
        fields = PdfReader(io.BytesIO(signed_document_bytes(procedure.documents[0]))).get_fields()
        assert {"Signature1", "Signature2"} <= set(fields)
        completed = db.session.scalar(
            select(func.count(SignerEvent.id)).where(SignerEvent.kind == "completed")
        )
        outcomes = db.session.scalar(select(func.count(ProcedureOutcome.id)))
        assert (completed, outcomes) == (1, 1)
    drain(app)
