"""The issue's « Done when »: a real document signed end to end through the signer's pages, the
code read from the development SMS box as the signer reads their phone; the signed PDF validates
with pyHanko (intact, valid, timestamped, trusted) and with Poppler's ``pdfsig``; the audit
trail names the SHA-256 of the original and of the signed file, both proofs sit in the evidence
chain and ``portal evidence verify`` is content. A declined and an expired procedure reach the
asking plugin's ``on_signature_outcome`` hook exactly once each."""

from __future__ import annotations

import hashlib
import io
import re
import shutil
import subprocess
from dataclasses import dataclass, field

import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo
from pypdf import PdfReader
from signerkit import (
    OWNER,
    SIGNER,
    SUCCESS,
    emailed_token,
    move_deadline,
    procedure_of,
    sms_code,
    start_procedure,
)
from sqlalchemy import select
from webkit import text_of

from portal.cli import cli
from portal.core.jobs import drain
from portal.core.plugins import hookimpl
from portal.core.tenants import tenant_scope, unscoped
from portal.extensions import db

PDFSIG = shutil.which("pdfsig") or "/usr/bin/pdfsig"


@dataclass(eq=False)
class AskingPlugin:
    """Stands for the plugin that asked for the signatures: it records each outcome it hears
    about its own procedures."""

    heard: list[tuple[str, str]] = field(default_factory=list)

    @hookimpl
    def on_signature_outcome(self, tenant, procedure, outcome):
        if procedure.owner == OWNER:
            self.heard.append((procedure.reference, str(outcome)))


@pytest.fixture
def asking_plugin(app):
    plugin = AskingPlugin()
    plugins = app.extensions["portal.plugins"]
    plugins.register_core("signer_pages_outcomes", plugin)
    yield plugin
    drain(app)
    plugins.pm.unregister(name="core.signer_pages_outcomes")


@pytest.fixture
def agency(make_account):
    return make_account("resilimo", "agence.bout-en-bout@example.fr")


def _path(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def _sign_through_the_pages(app, agency, client, post_form) -> str:
    """Open the emailed link, read and accept each document, ask for the code, read it from the
    SMS box, sign; returns the token."""
    token = emailed_token(app, agency.tenant_id, SIGNER[2])
    home = f"/signature/{token}"
    page = text_of(client.get(home))
    assert "Agence Fournier Assurances vous invite à signer" in page
    start = re.search(r'<a class="button" href="([^"]+)">Commencer</a>', page).group(1)
    # The document, page by page: every page image loads.
    page = text_of(client.get(start))
    for src in re.findall(r'<img src="([^"]+\.png)"', page):
        assert client.get(src).status_code == 200
    box = re.search(r'name="(box_\d+)"', page).group(1)
    response = post_form(client, start, {box: "y"})
    assert response.status_code == 302
    # The document to read only.
    following = _path(response.headers["Location"])
    assert "J'ai lu ce document" in text_of(client.get(following))
    response = post_form(client, following, {})
    sign = _path(response.headers["Location"])
    assert sign == f"/signature/{token}/sign"
    response = post_form(client, sign, {"send-submit": "1"})
    page = text_of(client.get(sign)).replace("\u00a0", " ")
    assert "Un code a été envoyé au +33 6 •• •• •• 78." in page
    code = sms_code(app, agency.tenant_id, SIGNER[3])
    response = post_form(client, sign, {"sign-code": code})
    assert _path(response.headers["Location"]) == f"/signature/{token}/done"
    return token


def test_a_document_signed_end_to_end(app, agency, client_for, post_form, asking_plugin, tmp_path):
    from portal.core.evidence import EvidenceRecord
    from portal.core.signatures import operations, sealing
    from portal.core.storage import storage

    reference = start_procedure(app, agency, pages=1)
    client = client_for("resilimo")
    token = _sign_through_the_pages(app, agency, client, post_form)

    page = text_of(client.get(f"/signature/{token}/done"))
    assert "Votre signature est enregistrée" in page
    assert SUCCESS in page

    with app.app_context(), tenant_scope(agency.tenant_id):
        procedure = procedure_of(reference)
        assert procedure.state.value == "signed"
        document = procedure.documents[0]
        original = storage().read(document.storage_key)
        signed = operations.signed_document_bytes(document)
        trail = operations.audit_trail_bytes(procedure)
        records = {
            record.sha256: record
            for record in db.session.scalars(
                select(EvidenceRecord).where(EvidenceRecord.subject_id == procedure.id)
            )
        }
        trail_record = db.session.get(EvidenceRecord, procedure.audit_trail_record_id)
        assert trail_record is not None
        checks = sealing.validate_pdf(signed)
        trail_checks = sealing.validate_pdf(trail)
    assert hashlib.sha256(original).hexdigest() == document.sha256
    signed_sha = hashlib.sha256(signed).hexdigest()
    assert signed_sha == document.signed_sha256 != document.sha256

    # pyHanko's validator: one signature, the signer's, intact, valid, timestamped, trusted.
    assert len(checks) == 1
    check = checks[0]
    assert check.signer_name == "Camille Durand"
    assert check.intact and check.valid and check.timestamped and check.trusted
    assert all(each.intact and each.valid and each.trusted for each in trail_checks)

    # Poppler's pdfsig (as a reader of the signed file would check it).
    path = tmp_path / "mandat-signe.pdf"
    path.write_bytes(signed)
    result = subprocess.run(  # noqa: S603 - a fixed program on a file of ours
        [PDFSIG, str(path)], capture_output=True, text=True, timeout=60, check=False
    )
    assert "Signature is Valid" in result.stdout, result.stdout + result.stderr

    # The audit trail names the original's and the signed file's SHA-256.
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(trail)).pages)
    flat = re.sub(r"\s+", "", text)
    assert document.sha256 in flat
    assert signed_sha in flat

    # Both proofs are in the evidence chain, and the chain checks out.
    assert signed_sha in records and records[signed_sha].kind == "signed_document"
    assert trail_record.sha256 == hashlib.sha256(trail).hexdigest()
    result = CliRunner().invoke(
        cli,
        ["evidence", "verify", "--tenant", "resilimo"],
        obj=ScriptInfo(create_app=lambda: app),
    )
    assert result.exit_code == 0, result.output
    assert "OK" in result.output

    # The asking plugin heard « signed », once.
    drain(app)
    assert asking_plugin.heard == [(reference, "signed")]


def test_a_declined_procedure_reaches_its_plugin_once(
    app, agency, client_for, post_form, asking_plugin
):
    from portal.core.signatures import jobs

    reference = start_procedure(app, agency)
    token = emailed_token(app, agency.tenant_id, SIGNER[2])
    client = client_for("resilimo")
    response = post_form(
        client,
        f"/signature/{token}/decline",
        {"reason": "Je garde finalement mon contrat.", "confirm": "y"},
    )
    assert response.headers["Location"].endswith(f"/signature/{token}/done")
    assert "Votre refus est enregistré" in text_of(client.get(f"/signature/{token}/done"))
    drain(app)
    # A second delivery of the same outcome (a retried job) says nothing more.
    with app.app_context(), tenant_scope(agency.tenant_id):
        from portal.core.signatures.models import ProcedureOutcome

        outcome = db.session.scalar(
            select(ProcedureOutcome).where(
                ProcedureOutcome.procedure_id == procedure_of(reference).id
            )
        )
        jobs.deliver_outcome(agency.tenant_id, outcome.id)
        db.session.commit()
    drain(app)
    assert asking_plugin.heard == [(reference, "declined")]
    # Posting the refusal again changes nothing.
    response = client.post(f"/signature/{token}/decline", data={})
    assert asking_plugin.heard == [(reference, "declined")]


def test_an_expired_procedure_reaches_its_plugin_once(app, agency, client_for, asking_plugin):
    from portal.core.signatures import jobs

    reference = start_procedure(app, agency)
    token = emailed_token(app, agency.tenant_id, SIGNER[2])
    move_deadline(app, agency.tenant_id, reference, -1)
    for _run in range(2):  # the periodic job runs again five minutes later
        with app.app_context(), unscoped():
            jobs.expire_overdue(None)
            db.session.commit()
        drain(app)
    with app.app_context(), tenant_scope(agency.tenant_id):
        assert procedure_of(reference).state.value == "expired"
    assert asking_plugin.heard == [(reference, "expired")]
    response = client_for("resilimo").get(f"/signature/{token}")
    assert response.status_code == 410
    assert "est dépassée" in text_of(response)
