"""An account's purge takes its signature procedures with it: signers' data and every stored
version of the documents."""

from __future__ import annotations

import io
import re
from datetime import timedelta

from sqlalchemy import func, select
from webkit import PDF_BYTES

from portal.core import clock
from portal.core.accounts.closure import purge
from portal.core.accounts.models import Account
from portal.core.devbox.models import DevboxMessage
from portal.core.signatures import (
    Delivery,
    NewDocument,
    NewSigner,
    ProcedureSigner,
    SignatureProcedure,
    SignerEvent,
    accept_boxes,
    create_and_start,
    send_code,
    sign,
    upload_identity_document,
)
from portal.core.storage import storage
from portal.extensions import db


def test_the_purge_of_an_account_deletes_its_procedures_and_their_files(make_account, in_tenant):
    ref = make_account()
    with in_tenant("resilimo"):
        account = db.session.get(Account, ref.id)
        procedure = create_and_start(
            account=account,
            profile=None,
            owner="resiliation",
            title="Mandat",
            documents=[NewDocument("Mandat", "mandat.pdf", PDF_BYTES, acceptance_boxes=("Lu",))],
            signers=[
                NewSigner("Camille", "Durand", "camille@example.org", "0612345678"),
                NewSigner("Dominique", "Martin", "dominique@example.org", "0798765432"),
            ],
            deadline=clock.now() + timedelta(days=3),
            delivery=Delivery.IN_PERSON,
            require_identity_document=True,
        )
        camille = procedure.signers[0]
        upload_identity_document(camille, io.BytesIO(PDF_BYTES), "cni.pdf")
        [document] = procedure.documents
        accept_boxes(camille, document, [box.id for box in document.acceptance_boxes])
        send_code(camille)
        sms = db.session.scalars(select(DevboxMessage).where(DevboxMessage.kind == "sms")).one()
        sign(camille, re.search(r"\d{6}", sms.body_text).group(), ip="203.0.113.7", user_agent="UA")
        db.session.commit()
        keys = [document.storage_key, document.signed_storage_key, camille.identity_document_key]
        assert all(storage().exists(key) for key in keys)

        assert purge(account)
        db.session.commit()
        assert not any(storage().exists(key) for key in keys)
        for model in (SignatureProcedure, ProcedureSigner, SignerEvent):
            assert db.session.scalar(select(func.count(model.id))) == 0
