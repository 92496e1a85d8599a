"""Export of the account's history, closure with its grace period, then the purge."""

from __future__ import annotations

import csv
import html
import io
import zipfile
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from portal.core.accounts.closure import purge, purge_account
from portal.core.accounts.models import Account, AccountStatus, AccountToken, TokenPurpose
from portal.core.accounts.tokens import issue_token
from portal.core.jobs import Job, drain, get_runtime, sweep
from portal.core.storage import storage, tenant_key
from portal.core.tenants import tenant_scope
from portal.core.verification.models import DocumentKind, ProfessionalDocument
from portal.extensions import db


def add_document(app, account, content: bytes, filename="attestation ORIAS.pdf") -> int:
    key = tenant_key(account.tenant_id, "verification", f"{account.id}-{filename}")
    with app.app_context(), tenant_scope(account.tenant_id):
        storage().put(key, content, "application/pdf")
        document = ProfessionalDocument(
            account_id=account.id,
            kind=DocumentKind.ORIAS_CERTIFICATE,
            storage_key=key,
            filename=filename,
            content_type="application/pdf",
            size=len(content),
        )
        db.session.add(document)
        db.session.commit()
        return document.id


def read_csv(archive: zipfile.ZipFile, name: str) -> list[list[str]]:
    text = archive.read(name).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def load(app, account) -> Account:
    with app.app_context(), tenant_scope(account.tenant_id):
        row = db.session.get(Account, account.id)
        row.profiles  # noqa: B018 - loaded while the session is open
        return row


@pytest.fixture
def audit_actions(new_audit_entries):
    """``audit_actions(account)`` → actions on the account written during the test."""

    def actions(account) -> list[str]:
        return [
            e.action
            for e in new_audit_entries(account.tenant_id)
            if e.target_type == "Account" and e.target_id == account.id
        ]

    return actions


@pytest.fixture
def holder(client_for, make_account, sign_in):
    account = make_account()
    client = sign_in(client_for("resilimo"), account, account.holder_profile_id, reauth=True)
    return client, account


def test_the_export_holds_the_account_history_and_nothing_of_others(
    app, holder, make_account, audit_actions
):
    client, account = holder
    mine = add_document(app, account, b"%PDF-1.4 MY ORIAS CERTIFICATE")
    neighbour = make_account(email="voisin@agence-fournier.fr", commercial_name="Agence Voisine")
    add_document(app, neighbour, b"%PDF-1.4 NEIGHBOUR SECRET")
    elsewhere = make_account("msr", email="msa@agence-fournier.fr", commercial_name="Caisse Sud")
    add_document(app, elsewhere, b"%PDF-1.4 OTHER TENANT SECRET")

    response = client.get("/compte/export.zip")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert "attachment" in response.headers["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    document_path = f"documents/{mine}-attestation_ORIAS.pdf"
    assert sorted(archive.namelist()) == sorted(
        [
            "account.csv",
            "profiles.csv",
            "documents.csv",
            document_path,
            "credits/historique.csv",
            "credits/documents.csv",
        ]
    )
    assert archive.read(document_path) == b"%PDF-1.4 MY ORIAS CERTIFICATE"
    details = dict(read_csv(archive, "account.csv")[1:])
    assert details["nom_commercial"] == "Agence Fournier Assurances"
    assert details["email"] == account.email and details["telephone"] == "04 76 00 00 00"
    assert [row[1] for row in read_csv(archive, "profiles.csv")[1:]] == ["Jean Fournier"]
    documents = read_csv(archive, "documents.csv")
    assert [row[0] for row in documents[1:]] == [str(mine)]
    assert documents[1][-1] == document_path
    everything = b"".join(archive.read(name) for name in archive.namelist())
    for foreign in (b"NEIGHBOUR", b"OTHER TENANT", b"Agence Voisine", b"Caisse Sud"):
        assert foreign not in everything
    assert "account.exported" in audit_actions(account)


def test_the_export_holds_the_credit_history_and_the_billing_documents(app, holder, make_account):
    """What the closure page promises: purchases, charges and their receipts, in the archive."""
    from portal.core.credits.billing.documents import issue_receipt
    from portal.core.credits.ledger import charge, purchase
    from portal.core.credits.models import Payment, PaymentStatus

    client, account = holder
    neighbour = make_account(email="voisin@agence-fournier.fr")
    with app.test_request_context(base_url="http://resilimo.localhost"):
        app.preprocess_request()  # the host's tenant, in scope until the request ends
        for owner, ref in ((account, "pay-mine"), (neighbour, "pay-neighbour")):
            payment = Payment(
                account_id=owner.id,
                provider="fake",
                provider_ref=ref,
                amount_cents=3000,
                status=PaymentStatus.SUCCEEDED,
                completed_at=datetime.now(UTC),
            )
            db.session.add(payment)
            db.session.flush()
            purchase(owner.id, 3000, payment=payment)
            issue_receipt(payment)
        charge(db.session.get(Account, account.id), 378, reason="LRAR Dupont", idempotency_key="k1")
        db.session.commit()
        [mine] = [d.number for d in _billing_documents(account.id)]

    archive = zipfile.ZipFile(io.BytesIO(client.get("/compte/export.zip").data))
    history = read_csv(archive, "credits/historique.csv")
    assert [(row[1], row[2]) for row in history[1:]] == [("purchase", "3000"), ("charge", "-378")]
    assert "LRAR Dupont" in history[2][-1]
    assert [row[0] for row in read_csv(archive, "credits/documents.csv")[1:]] == [mine]
    assert archive.read(f"credits/documents/{mine}.pdf").startswith(b"%PDF")
    assert len([n for n in archive.namelist() if n.startswith("credits/documents/")]) == 1


def _billing_documents(account_id):
    from portal.core.credits.models import BillingDocument

    return db.session.scalars(
        select(BillingDocument).where(BillingDocument.account_id == account_id)
    ).all()


def test_a_missing_file_is_listed_without_failing_the_export(app, holder):
    client, account = holder
    document = add_document(app, account, b"%PDF-1.4 lost")
    with app.app_context(), tenant_scope(account.tenant_id):
        storage().delete(db.session.get(ProfessionalDocument, document).storage_key)
    archive = zipfile.ZipFile(io.BytesIO(client.get("/compte/export.zip").data))
    assert read_csv(archive, "documents.csv")[1][0] == str(document)
    assert read_csv(archive, "documents.csv")[1][-1] == ""
    assert not any(name.startswith("documents/") for name in archive.namelist())


def test_spreadsheet_formulas_are_neutralised(app, client_for, make_account, sign_in):
    account = make_account(commercial_name='=HYPERLINK("http://evil")')
    client = sign_in(client_for("resilimo"), account, account.holder_profile_id)
    archive = zipfile.ZipFile(io.BytesIO(client.get("/compte/export.zip").data))
    details = dict(read_csv(archive, "account.csv")[1:])
    assert details["nom_commercial"].startswith("'=")


def test_closure_needs_the_password_again(client_for, make_account, sign_in):
    account = make_account()
    client = sign_in(client_for("resilimo"), account, account.holder_profile_id)
    response = client.get("/compte/cloture")
    assert response.status_code == 302
    assert "next=" in response.headers["Location"]
    assert "/compte/cloture" not in response.headers["Location"].split("?")[0]


def test_closure_explains_then_starts_the_grace_period(
    app, holder, post_form, sent_emails, audit_actions
):
    client, account = holder
    page = html.unescape(client.get("/compte/cloture").get_data(as_text=True))
    assert "Pendant 30 jours" in page and "25 € HT" in page.replace("\xa0", " ")
    assert "définitivement supprimées" in page

    response = post_form(client, "/compte/cloture", {})  # the box is not ticked
    assert "Cochez cette case" in html.unescape(response.get_data(as_text=True))
    assert load(app, account).status == AccountStatus.ACTIVE

    before = datetime.now(UTC)
    response = post_form(client, "/compte/cloture", {"understood": "y"})
    assert response.status_code == 302
    row = load(app, account)
    assert row.status == AccountStatus.CLOSING
    with app.app_context():
        job = db.session.scalar(select(Job).where(Job.actor_name.endswith("purge_account")))
    assert job.args == [account.id] and job.tenant_id == account.tenant_id
    due = job.not_before if job.not_before.tzinfo else job.not_before.replace(tzinfo=UTC)
    assert timedelta(days=30) <= due - before < timedelta(days=30, minutes=1)
    assert "account.closure_requested" in audit_actions(account)
    (email,) = sent_emails(account.tenant_id)
    assert email.recipients == account.email
    assert "clôture" in email.subject and "/compte/export.zip" in email.body_text

    # During the grace period the holder still logs in, sees the date and downloads the history.
    overview = html.unescape(client.get("/compte/").get_data(as_text=True))
    assert "La clôture de ce compte a été demandée" in overview
    assert client.get("/compte/export.zip").status_code == 200
    again = client.get("/compte/cloture").get_data(as_text=True)
    assert 'name="understood"' not in again


def close_and_age(app, account, days_ago: int = 31) -> None:
    """Ask for the closure as the holder would, then pretend the grace period has passed."""
    with app.test_request_context(), tenant_scope(account.tenant_id):
        from portal.core.accounts.closure import request_closure
        from portal.core.tenants import tenant_directory

        row = db.session.get(Account, account.id)
        request_closure(row, row.holder_profile, tenant_directory().get(account.tenant_id))
        db.session.flush()
        row.closure_requested_at = datetime.now(UTC) - timedelta(days=days_ago)
        for job in db.session.scalars(select(Job).where(Job.actor_name.endswith("purge_account"))):
            job.not_before = datetime.now(UTC) - timedelta(days=days_ago - 30)
        db.session.commit()


def test_the_purge_deletes_the_personal_data_and_the_login(
    app, holder, make_account, make_profile, login, sent_emails, new_audit_entries
):
    client, account = holder
    document = add_document(app, account, b"%PDF-1.4 mine")
    neighbour = make_account(email="voisin@agence-fournier.fr")
    kept = add_document(app, neighbour, b"%PDF-1.4 kept")
    make_profile(account, "Emma", email="emma@agence-fournier.fr", phone="+33600000000")
    with app.app_context(), tenant_scope(account.tenant_id):
        row = db.session.get(Account, account.id)
        row.letterhead_lines = ["www.agence-fournier.fr"]
        issue_token(row, TokenPurpose.RESET_PASSWORD, timedelta(hours=2))
        key = db.session.get(ProfessionalDocument, document).storage_key
        kept_key = db.session.get(ProfessionalDocument, kept).storage_key
        db.session.commit()
    close_and_age(app, account)
    sent_emails(account.tenant_id)  # the closure notice has gone

    with app.app_context():
        assert sweep(get_runtime(app), datetime.now(UTC)) >= 1
    drain(app)

    row = load(app, account)
    assert row.status == AccountStatus.CLOSED and row.closed_at is not None
    assert account.email not in row.email and row.password_hash is None
    assert "Fournier" not in f"{row.first_name} {row.last_name} {row.commercial_name}"
    assert row.phone == "" and row.orias is None and row.letterhead_lines == []
    assert all(p.email == "" and p.phone is None and not p.active for p in row.profiles)
    assert {p.name for p in row.profiles} == {"(supprimé)"}
    with app.app_context(), tenant_scope(account.tenant_id):
        assert (
            db.session.scalars(
                select(AccountToken).where(AccountToken.account_id == account.id)
            ).all()
            == []
        )
        assert db.session.get(ProfessionalDocument, document) is None
        assert not storage().exists(key)
        assert db.session.get(ProfessionalDocument, kept) is not None
        assert storage().exists(kept_key)
    (entry,) = [e for e in new_audit_entries(account.tenant_id) if e.action == "account.purged"]
    assert entry.actor_type == "system" and entry.tenant_id == account.tenant_id
    emails = sent_emails(account.tenant_id)
    assert [(m.recipients, m.subject) for m in emails][-1] == (
        account.email,
        "Votre compte a été supprimé",
    )

    # The open session is over, and the old credentials no longer open the account.
    response = client.get("/compte/")
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]
    login(client, account.email, account.password)
    assert client.get("/compte/").status_code == 302


def test_the_purge_is_harmless_twice_and_never_early(app, make_account, audit_actions):
    account = make_account()
    close_and_age(app, account, days_ago=5)  # inside the grace period
    with app.app_context(), tenant_scope(account.tenant_id):
        purge_account(account.tenant_id, account.id)
        db.session.commit()
    assert load(app, account).status == AccountStatus.CLOSING

    with app.app_context(), tenant_scope(account.tenant_id):
        row = db.session.get(Account, account.id)
        row.closure_requested_at = datetime.now(UTC) - timedelta(days=31)
        db.session.commit()
        purge_account(account.tenant_id, account.id)
        db.session.commit()
        purge_account(account.tenant_id, account.id)
        assert purge(db.session.get(Account, account.id)) is False
        db.session.commit()
    assert load(app, account).status == AccountStatus.CLOSED
    assert audit_actions(account).count("account.purged") == 1


def test_an_account_not_closing_is_never_purged(app, make_account):
    account = make_account()
    with app.app_context(), tenant_scope(account.tenant_id):
        purge_account(account.tenant_id, account.id)
        db.session.commit()
    row = load(app, account)
    assert (
        row.status == AccountStatus.ACTIVE and row.commercial_name == "Agence Fournier Assurances"
    )
