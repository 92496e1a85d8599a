"""The client-space tests' kit: a signed contract made straight in the database (every column
filled) with its supporting document rows and a generated document, the client signed in, files
to upload."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from uploadkit import compressed_pdf

from plugins.subscription.models import Contract, Quote, SupportingDocument
from plugins.subscription.rules import ContractProgress, SignatureState
from portal.core.antivirus.dev import EICAR
from portal.core.storage import storage, tenant_key
from portal.core.tenants import tenant_scope
from portal.extensions import db

KINDS = ("identity", "bank_details", "social_security")
PDF = compressed_pdf()
NOT_A_DOCUMENT = b"MZ\x90\x00 this is a Windows program"
VIRUS_PDF = compressed_pdf() + EICAR  # a PDF whose bytes carry the test virus


def make_contract(
    app,
    account,
    quote_id: int,
    *,
    number: int = 26,
    signature_state: str = SignatureState.SIGNED,
    progress: str = ContractProgress.AWAITING_DOCUMENTS,
    kinds=KINDS,
) -> tuple[int, list[int]]:
    """A contract of the quote ``quote_id`` (its account's) with one supporting document row per
    kind and a generated membership form in storage; (contract id, document ids)."""
    with app.app_context(), tenant_scope(account.tenant_id):
        quote = db.session.get(Quote, quote_id)
        now = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
        contract = Contract(
            tenant_id=account.tenant_id,
            account_id=quote.account_id,
            managed_by_id=quote.managed_by_id,
            client_id=quote.client_id,
            quote_id=quote.id,
            prefix=quote.prefix,
            number=number,
            product_code=quote.product_code,
            formula_code=quote.formula_code,
            options=[],
            effective_date=quote.effective_date,
            main_due_date="01/01",
            annual_cents=quote.annual_cents,
            monthly_cents=quote.monthly_cents,
            amendment=1,
            payment_mode="direct_debit",
            payment_frequency="monthly",
            social_security_number="181047512345678",
            status_declared=True,
            health_data_transmission=True,
            marketing_opt_out=False,
            documents_read_at=now,
            account_holder="Paul Durand",
            iban="FR7630006000011234567890189",
            bic="AGRIFRPP",
            sepa_reference=f"HMO-RUM-{number:06d}",
            debit_day=5,
            signature_state=signature_state,
            signature_procedure_id=None,
            signed_at=now if signature_state == SignatureState.SIGNED else None,
            progress=progress,
            membership_number="",
            document_keys={},
            created_at=now,
        )
        db.session.add(contract)
        db.session.flush()
        key = tenant_key(account.tenant_id, "subscription", "test", f"bia-{contract.id}.pdf")
        storage().put(key, PDF, "application/pdf")
        contract.document_keys = {"membership_form": key}
        rows = [
            SupportingDocument(
                tenant_id=account.tenant_id, contract_id=contract.id, kind=kind, requested_at=now
            )
            for kind in kinds
        ]
        db.session.add_all(rows)
        db.session.commit()
        return contract.id, [row.id for row in rows]


def documents(app, tenant_id: int, contract_id: int) -> dict[str, dict]:
    """The supporting documents of a contract by kind (their columns)."""
    with app.app_context(), tenant_scope(tenant_id):
        rows = db.session.scalars(
            select(SupportingDocument).where(SupportingDocument.contract_id == contract_id)
        ).all()
        found = {
            row.kind: {c.key: getattr(row, c.key) for c in SupportingDocument.__table__.columns}
            for row in rows
        }
        db.session.remove()
        return found


def token_for(app, tenant_id: int, email: str) -> str:
    from plugins.subscription.client_access import make_token

    with app.app_context():
        return make_token(tenant_id, email)


def signed_in_client(client_for, app, tenant_id: int, email: str, slug: str = "horizon"):
    """A browser on the tenant signed in to the client space (through a real link), in French."""
    client = client_for(slug)
    client.get("/souscription/espace-client?lang=fr")
    answer = client.get(f"/souscription/espace-client/connexion/{token_for(app, tenant_id, email)}")
    assert answer.status_code == 302, answer.status_code
    return client


def upload(client, url: str, data: bytes, filename: str = "piece.pdf", page: str | None = None):
    """Post ``data`` as the row's file, with the CSRF token of ``page`` (where the form is)."""
    import io

    from portal.testing.web import csrf_token

    token = csrf_token(client.get(page).get_data(as_text=True))
    return client.post(
        url,
        data={"csrf_token": token, "fichier": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )
