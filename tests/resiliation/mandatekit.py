"""Helpers of the mandate tests (``test_mandate_*``, ``test_sender_*``, ``test_sending_platform``):
a letter's mandate state, its pages, a scan uploaded, an e-signature started and signed."""

from __future__ import annotations

import io
import re
from zoneinfo import ZoneInfo

from sqlalchemy import select
from webkit import devbox
from webkit import text_of as raw_text

from plugins.resiliation.mandates import readiness
from plugins.resiliation.mandates.models import LetterMandate
from plugins.resiliation.models import Letter
from portal.core import clock
from portal.core.jobs import drain
from portal.core.signatures import operations as signatures
from portal.core.signatures.models import SignatureProcedure
from portal.extensions import db


def text_of(response) -> str:
    """The page's text with its runs of white space made one space."""
    return " ".join(raw_text(response).split())


def letter_state(in_tenant, letter_id):
    with in_tenant("resilimo"):
        letter = db.session.get(Letter, letter_id)
        row = db.session.scalar(select(LetterMandate).where(LetterMandate.letter_id == letter_id))
        return {
            "kind": letter.mandate_kind,
            "ready": letter.mandate_ready_at is not None,
            "scan": row.scan_filename if row else None,
            "validated": bool(row and row.scan_validated_at),
            "missing": readiness(letter),
        }


def url(letter_id, tail=""):
    return f"/resiliation/lettres/{letter_id}{tail}"


def upload(client, letter_id, data: bytes, name: str):
    page = client.get(url(letter_id, "/mandat/manuscrit"))
    from portal.testing.web import csrf_token

    return client.post(
        url(letter_id, "/mandat/manuscrit"),
        data={
            "csrf_token": csrf_token(page.get_data(as_text=True)),
            "file": (io.BytesIO(data), name),
        },
        content_type="multipart/form-data",
    )


PARIS = ZoneInfo("Europe/Paris")
MOBILE = "06 12 34 56 78"


def procedure_of(in_tenant, letter_id) -> dict:
    with in_tenant("resilimo"):
        row = db.session.scalar(select(LetterMandate).where(LetterMandate.letter_id == letter_id))
        procedure = db.session.get(SignatureProcedure, row.procedure_id)
        return {
            "id": procedure.id,
            "reference": procedure.reference,
            "state": str(procedure.state),
            "owner": procedure.owner,
            "delivery": str(procedure.delivery),
            "deadline": clock.aware(procedure.deadline).astimezone(PARIS),
            "charged": procedure.price_code,
            "success": procedure.success_message,
            "signers": [(s.first_name, s.last_name, s.email, s.mobile) for s in procedure.signers],
        }


def start(client, post_form, letter_id, **fields):
    data = {
        "email": "jean.dupont@example.org",
        "mobile": MOBILE,
        "delivery": "remote",
        "certify": "y",
    }
    data.update(fields)
    return post_form(client, url(letter_id, "/mandat/electronique"), data)


def sign_all(app, in_tenant, tenant_id, reference) -> None:
    """Every signer ticks the boxes, receives the SMS code and signs (the engine's own path)."""
    with in_tenant("resilimo"):
        procedure = db.session.scalar(
            select(SignatureProcedure).where(SignatureProcedure.reference == reference)
        )
        signer_ids = [signer.id for signer in procedure.signers]
    for signer_id in signer_ids:
        with in_tenant("resilimo"):
            from portal.core.signatures.models import ProcedureSigner

            signer = db.session.get(ProcedureSigner, signer_id)
            for document in signer.procedure.documents:
                signatures.accept_boxes(signer, document, [b.id for b in document.acceptance_boxes])
            signatures.send_code(signer)
            mobile = signer.mobile
            db.session.commit()
        sms = [m for m in devbox(app, tenant_id, "sms") if mobile in m.recipients.replace(" ", "")]
        code = re.search(r"\b(\d{6})\b", sms[-1].body_text).group(1)
        with in_tenant("resilimo"):
            signer = db.session.get(ProcedureSigner, signer_id)
            signatures.sign(signer, code, ip="127.0.0.1", user_agent="test")
            db.session.commit()
    drain(app)
