"""The remaining credit paid back at closure: asked by the holder with an IBAN on the closure
page (net of the price list's fee), executed once by an operator from the back office."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import UTC, datetime
from functools import partial

import pytest
from sqlalchemy import func, select
from webkit import devbox, text_of

from portal.core.accounts.models import Account, AccountStatus
from portal.core.credits.ledger import adjust, balance_cents
from portal.core.credits.models import (
    BillingDocument,
    DocumentType,
    EntryKind,
    LedgerEntry,
    RefundRequest,
    RefundStatus,
)
from portal.core.storage import storage
from portal.core.tenants import tenant_directory, tenant_scope
from portal.core.tenants.schema import PriceOverride
from portal.extensions import db
from portal.testing.web import csrf_token

PAGE = "/compte/cloture"
IBAN = "FR14 2004 1010 0505 0001 3M02 606"
BACKOFFICE_REFUNDS = "/backoffice/credits/remboursements"


def plain(response) -> str:
    """What the user reads: no tags, plain spaces (amounts use non-breaking ones)."""
    html = text_of(response)
    return re.sub(
        r"\s+", " ", re.sub(r"<[^>]+>", " ", html).replace("\xa0", " ").replace("\u202f", " ")
    )


@pytest.fixture
def sent_emails(app):
    return partial(devbox, app, kind="email")


@pytest.fixture
def closing(app, make_account, logged_in, tenant_ids):
    """``closing(credit_cents, email=…)`` → (client logged in with the password just typed,
    account) of a resilimo account whose closure is asked, with that much credit."""

    def make(credit: int = 10000, email: str = "jean@agence-fournier.fr", slug="resilimo"):
        account = make_account(slug, email)
        with app.app_context(), tenant_scope(tenant_ids[slug]):
            row = db.session.get(Account, account.id)
            if credit:
                adjust(row, credit, reason="achat", idempotency_key="a1", actor_label="test")
            row.status = AccountStatus.CLOSING
            row.closure_requested_at = datetime.now(UTC)
            db.session.commit()
        return logged_in(account, reauth=True), account

    return make


def pdf_text(pdf: bytes) -> str:
    """The text of a PDF (pypdf, as the upload checks use), spaces flattened."""
    from pypdf import PdfReader

    text = " ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)
    return re.sub(r"\s+", " ", text.replace("\xa0", " ").replace("\u202f", " "))


def ask(client, iban=IBAN, holder="Jean Fournier"):
    token = csrf_token(client.get(PAGE).get_data(as_text=True))
    return client.post(PAGE, data={"csrf_token": token, "iban": iban, "account_holder": holder})


@pytest.fixture
def fee(app, tenant_ids, monkeypatch):
    """``fee(cents, vat_rate=None)``: the resilimo price list's closure fee for this test."""

    def set_fee(cents: int, vat_rate: str | None = None):
        with app.app_context():
            directory = tenant_directory()
            tenant = directory.by_id(tenant_ids["resilimo"])  # as the database has it now
            prices = dict(tenant.config.prices)
            prices["closure_refund_fee"] = PriceOverride(price_cents=cents, vat_rate=vat_rate)
            config = tenant.config.model_copy(update={"prices": prices})
            monkeypatch.setitem(directory._parsed, tenant.id, replace(tenant, config=config))

    return set_fee


def refund_row(app, account) -> RefundRequest | None:
    with app.app_context(), tenant_scope(account.tenant_id):
        row = db.session.scalar(select(RefundRequest).where(RefundRequest.account_id == account.id))
        if row is not None:
            db.session.expunge(row)
        return row


# --- The holder's page ---------------------------------------------------------------------------


def test_the_page_shows_the_refund_net_of_the_price_lists_fee(closing, fee):
    client, _ = closing(10000)
    page = plain(client.get(PAGE))
    assert "Crédit restant 100,00 €" in page
    assert "25 € HT, soit 30 € TTC" in page
    assert "Montant remboursé 70,00 €" in page
    fee(4200)  # the tenant changes its price list: the page follows, no amount is written in it
    page = plain(client.get(PAGE))
    assert "35 € HT, soit 42 € TTC" in page and "Montant remboursé 58,00 €" in page


def test_before_the_closure_the_page_says_what_would_be_paid_back(make_account, logged_in, app):
    account = make_account("resilimo", "actif@agence.fr")
    with app.app_context(), tenant_scope(account.tenant_id):
        adjust(
            db.session.get(Account, account.id),
            5000,
            reason="a",
            idempotency_key="k",
            actor_label="t",
        )
        db.session.commit()
    page = plain(logged_in(account, reauth=True).get(PAGE))
    assert "déduction faite de frais de 25 € HT (30 € TTC)" in page
    assert "Montant remboursé 20,00 €" in page
    assert 'name="iban"' not in page  # asked once the closure is asked


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Saisissez l'IBAN du compte à créditer."),
        ("FR76 3000 6000 0112 3456 7890 188", "Cet IBAN n'est pas valide"),
        ("bonjour", "Cet IBAN n'est pas valide"),
    ],
)
def test_a_wrong_iban_is_refused_next_to_its_field(app, closing, typed, message):
    client, account = closing()
    response = ask(client, iban=typed)
    assert response.status_code == 400
    html = text_of(response)
    error = re.search(r'<p class="error" id="iban-error">([^<]+)</p>', html)
    assert error and message in error.group(1)
    assert 'aria-invalid="true"' in html
    assert refund_row(app, account) is None


def test_a_missing_holder_name_is_refused_next_to_its_field(app, closing):
    client, account = closing()
    html = text_of(ask(client, holder=""))
    assert re.search(r'id="account_holder-error">Saisissez le nom du titulaire', html)
    assert refund_row(app, account) is None


def test_a_valid_iban_is_recorded_and_shown_masked(app, closing):
    client, account = closing()
    response = ask(client, iban=" fr14 2004 1010 0505 0001 3m02 606 ")
    assert response.status_code == 302
    page = plain(client.get(PAGE))
    assert "Demande enregistrée" in page and "FR14 **** **** **** **** ***2 606" in page
    assert "2004 1010 0505 0001" not in page  # the holder's pages never show it whole
    row = refund_row(app, account)
    assert row.status == RefundStatus.REQUESTED
    assert row.iban == "FR1420041010050500013M02606" and row.account_holder == "Jean Fournier"
    # Corrected before it is paid: the same request takes the new details.
    assert (
        ask(client, iban="DE89 3704 0044 0532 0130 00", holder="SARL Fournier").status_code == 302
    )
    row = refund_row(app, account)
    assert row.iban == "DE89370400440532013000" and row.account_holder == "SARL Fournier"
    with app.app_context(), tenant_scope(account.tenant_id):
        assert balance_cents(account.id) == 10000  # nothing moves before the operator pays


def test_a_credit_under_the_fee_has_nothing_to_refund(app, closing):
    client, account = closing(2000)
    page = plain(client.get(PAGE))
    assert "il n'y a rien à rembourser" in page and 'name="iban"' not in page
    assert ask(client).status_code == 400
    assert refund_row(app, account) is None


def test_an_active_account_cannot_ask_for_a_refund(app, make_account, logged_in):
    account = make_account("resilimo", "actif@agence.fr")
    client = logged_in(account, reauth=True)
    token = csrf_token(client.get(PAGE).get_data(as_text=True))
    client.post(PAGE, data={"csrf_token": token, "iban": IBAN, "account_holder": "X"})
    assert refund_row(app, account) is None


def test_a_member_space_offers_no_refund(app, make_account, logged_in):
    account = make_account("msr", "adherent@example.fr")
    page = plain(logged_in(account, reauth=True).get(PAGE))
    assert "frais de restitution" not in page and "IBAN" not in page


# --- The operator ---------------------------------------------------------------------------------


def test_the_operator_executes_once_with_ledger_statement_and_email(
    app, closing, staff_client, sent_emails, tenant_ids
):
    client, account = closing(10000)
    assert ask(client).status_code == 302
    row = refund_row(app, account)
    operator, staff = staff_client()

    listing = plain(operator.get(BACKOFFICE_REFUNDS))
    assert "Jean Fournier" in listing and "FR14 **** **** **** **** ***2 606" in listing
    detail_url = f"{BACKOFFICE_REFUNDS}/{row.id}"
    detail = operator.get(detail_url)
    page = plain(detail)
    assert "FR14 2004 1010 0505 0001 3M02 606" in page  # the operator needs it whole
    assert "Montant à virer 70,00 €" in page

    token = csrf_token(detail.get_data(as_text=True))
    unticked = operator.post(detail_url, data={"csrf_token": token})
    assert unticked.status_code == 422 and "Cochez cette case" in text_of(unticked)
    done = operator.post(detail_url, data={"csrf_token": token, "transfer_ordered": "y"})
    assert done.status_code == 302
    again = operator.post(detail_url, data={"csrf_token": token, "transfer_ordered": "y"})
    assert again.status_code == 422 and "déjà été effectué" in text_of(again)
    # A direct second execution is refused too.
    from portal.core.credits.billing.operations import BillingError
    from portal.core.credits.refunds import execute_refund

    with app.app_context(), pytest.raises(BillingError):
        with tenant_scope(account.tenant_id):
            request = db.session.get(RefundRequest, row.id)
        execute_refund(request, staff)

    with app.app_context(), tenant_scope(tenant_ids["resilimo"]):
        moves = db.session.execute(
            select(LedgerEntry.kind, LedgerEntry.amount_cents, LedgerEntry.subject_type)
            .where(LedgerEntry.account_id == account.id)
            .order_by(LedgerEntry.id)
        ).all()
        assert [tuple(m) for m in moves] == [
            (EntryKind.ADJUSTMENT, 10000, None),
            (EntryKind.FEE, -3000, "RefundRequest"),
            (EntryKind.PAYOUT, -7000, "RefundRequest"),
        ]
        assert balance_cents(account.id) == 0
        request = db.session.get(RefundRequest, row.id)
        assert request.status == RefundStatus.EXECUTED
        assert (request.balance_cents, request.fee_cents, request.paid_cents) == (10000, 3000, 7000)
        assert request.iban is None and request.iban_masked.endswith("2 606")  # paid: masked
        statement = db.session.get(BillingDocument, request.statement_id)
        assert statement.type == DocumentType.REFUND_STATEMENT
        assert statement.number.startswith("C") and statement.total_cents == 3000
        assert statement.vat_breakdown == {"2000": {"base": 2500, "vat": 500, "total": 3000}}
        pdf = storage().read(statement.storage_key)

    flat = pdf_text(pdf)
    assert "Frais de restitution du crédit" in flat and "25,00 €" in flat and "30,00 €" in flat
    assert "Montant remboursé par virement 70,00 €" in flat
    assert "FR14 **** **** **** **** ***2 606" in flat
    assert "FR65912345675" in flat  # the seller's VAT number

    (email,) = [e for e in sent_emails(account.tenant_id) if "remboursé" in e.subject]
    assert email.recipients == account.email
    body = email.body_text.replace("\xa0", " ").replace("\u202f", " ")
    assert "70,00 €" in body and "FR14 **** **** **** **** ***2 606" in body
    assert statement.number in body

    # The holder sees it done, and the statement among the billing documents.
    page = plain(client.get(PAGE))
    assert "Remboursement effectué" in page and "70,00 €" in page
    billing = plain(client.get("/compte/facturation"))
    assert statement.number in billing and "Clôture (frais de restitution)" in billing
    assert client.get(f"/compte/facturation/documents/{statement.id}.pdf").status_code == 200
    # A stale page sent again after the transfer changes nothing.
    assert ask(client, iban="DE89 3704 0044 0532 0130 00").status_code == 400
    assert refund_row(app, account).iban is None


def test_the_refunds_are_walled_by_account_and_tenant(app, closing, make_account, logged_in):
    client, account = closing(10000)
    ask(client)
    row = refund_row(app, account)
    other, _ = closing(10000, email="autre@agence.fr")
    assert "FR14" not in plain(other.get(PAGE))
    # Another tenant's account on its own host sees nothing of it.
    stranger = make_account("horizon", "agent@horizon.example")
    assert "FR14" not in plain(logged_in(stranger, reauth=True).get(PAGE))
    assert row.account_id == account.id


def test_an_unknown_refund_is_not_found_in_the_back_office(staff_client):
    operator, _ = staff_client()
    assert operator.get(f"{BACKOFFICE_REFUNDS}/999999").status_code == 404
    assert operator.get(BACKOFFICE_REFUNDS).status_code == 200


def test_the_back_office_pages_need_an_operator(backoffice):
    response = backoffice().get(BACKOFFICE_REFUNDS)
    assert response.status_code in (302, 401, 403)


def test_a_request_outlives_the_purge_and_is_paid_to_the_address_it_gave(
    app, closing, staff_client, sent_emails
):
    """The grace period ends before the operator pays: the purge wipes the account, the request
    keeps what paying and confirming need, and the payment still happens once."""
    from portal.core.accounts.closure import purge
    from portal.core.credits.refunds import execute_refund

    client, account = closing(10000)
    assert ask(client).status_code == 302
    with app.app_context(), tenant_scope(account.tenant_id):
        purge(db.session.get(Account, account.id))
        db.session.commit()
    row = refund_row(app, account)
    assert row.iban and row.contact_email == account.email  # still owed: kept
    _, staff = staff_client()
    with app.test_request_context(base_url="http://backoffice.localhost"):
        with tenant_scope(account.tenant_id):
            request = db.session.get(RefundRequest, row.id)
        done = execute_refund(request, staff)
        db.session.commit()
        assert done.paid_cents == 7000 and done.iban is None and done.contact_email is None
    (email,) = [e for e in sent_emails(account.tenant_id) if "remboursé" in e.subject]
    assert email.recipients == account.email
    assert "Télécharger le décompte" not in email.body_text  # the account is gone


def test_two_operators_at_once_pay_once(app, closing, staff_client, backend):
    """Two clicks on « Enregistrer le remboursement » at the same moment: one payout."""
    import threading

    from portal.core.credits.refunds import execute_refund

    client, account = closing(10000)
    assert ask(client).status_code == 302
    row = refund_row(app, account)
    _, staff = staff_client()
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def operator() -> None:
        with app.test_request_context(base_url="http://backoffice.localhost"):
            try:
                with tenant_scope(account.tenant_id):
                    request = db.session.get(RefundRequest, row.id)
                start.wait()
                execute_refund(request, staff)
                db.session.commit()
                outcomes.append("paid")
            except Exception as exc:  # noqa: BLE001 - the loser's refusal, whatever its form
                db.session.rollback()
                outcomes.append(type(exc).__name__)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=operator) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("paid") == 1, outcomes
    with app.app_context(), tenant_scope(account.tenant_id):
        payouts = db.session.scalars(
            select(LedgerEntry.amount_cents).where(
                LedgerEntry.account_id == account.id, LedgerEntry.kind == EntryKind.PAYOUT
            )
        ).all()
        assert payouts == [-7000] and balance_cents(account.id) == 0
        assert (
            db.session.scalar(
                select(func.count(BillingDocument.id)).where(
                    BillingDocument.account_id == account.id,
                    BillingDocument.type == DocumentType.REFUND_STATEMENT,
                )
            )
            == 1
        )
