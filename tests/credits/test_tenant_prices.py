"""Prices per tenant: ``[prices]`` sets an item's price and VAT rate (the old integer form still
works), discount items are negative invoice lines, ``[credits]`` sets the purchase amounts, and
invoices carry the seller's VAT number and the customer's SIREN."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from portal.core.accounts.models import Account
from portal.core.credits.billing import issue_monthly_invoices
from portal.core.credits.ledger import (
    adjust,
    balance_cents,
    charge_items,
    item_lines,
    record_consumption,
)
from portal.core.credits.models import Consumption
from portal.core.plugins import PricedItem
from portal.core.pricing import PriceError, price_list
from portal.core.storage import storage
from portal.core.tenants import tenant_directory, tenant_scope
from portal.core.tenants.schema import CreditSettings, PriceOverride, TenantConfig
from portal.extensions import db

DISCOUNT = "paper_mail.first_document_address"


def pdf_text(pdf: bytes) -> str:
    from pypdf import PdfReader

    text = " ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)
    return re.sub(r"\s+", " ", text.replace("\xa0", " ").replace("\u202f", " "))


@pytest.fixture
def tenant_config(app, tenant_ids, monkeypatch):
    """``tenant_config(slug, **changes)``: the tenant's parsed file, changed for this test."""

    def change(slug: str, **changes):
        with app.app_context():
            directory = tenant_directory()
            tenant = directory.by_id(tenant_ids[slug])  # as the database has it now
            config = tenant.config.model_copy(update=changes)
            monkeypatch.setitem(directory._parsed, tenant.id, replace(tenant, config=config))
            return directory._parsed[tenant.id]

    return change


def resilimo_raw() -> dict:
    import tomllib
    from pathlib import Path

    raw = tomllib.loads(Path("tenants/resilimo/tenant.toml").read_text(encoding="utf-8"))
    raw["slug"] = "resilimo"
    raw.pop("onboarding", None)  # another module's section, validated with its own schema
    return raw


# --- The tenant file -----------------------------------------------------------------------------


def test_prices_take_an_integer_or_a_table_with_the_vat_rate():
    raw = resilimo_raw()
    raw["prices"] = {
        "resiliation.lr": 290,
        "identity_verification": {"price_cents": 1500, "vat_rate": "5,5"},
        DISCOUNT: {"price_cents": -12},
    }
    config = TenantConfig.model_validate(raw)
    assert config.prices["resiliation.lr"] == 290
    assert config.prices["identity_verification"].vat_rate_bp == 550
    assert config.prices[DISCOUNT].vat_rate_bp is None


@pytest.mark.parametrize("rate", ["vingt", "150", "5.555", "-1"])
def test_a_wrong_vat_rate_is_refused_with_its_key(rate):
    raw = resilimo_raw()
    raw["prices"] = {"identity_verification": {"price_cents": 1500, "vat_rate": rate}}
    with pytest.raises(ValueError, match="VAT rate"):
        TenantConfig.model_validate(raw)


def test_the_sellers_vat_number_is_checked():
    raw = resilimo_raw()
    raw["legal"] = {**raw["legal"], "vat_number": "FR 65 912345675"}
    assert TenantConfig.model_validate(raw).legal.vat_number == "FR65912345675"
    raw["legal"]["vat_number"] = "FR00912345675"
    with pytest.raises(ValueError, match="not a valid EU VAT number"):
        TenantConfig.model_validate(raw)


def test_purchase_amounts_are_cents_listed_once():
    assert CreditSettings(purchase_amounts=[10000, 5000]).purchase_amounts == [5000, 10000]
    assert CreditSettings(purchase_amounts=[10000, 5000]).default_amount == 5000
    with pytest.raises(ValueError, match="listed twice"):
        CreditSettings(purchase_amounts=[5000, 5000])
    with pytest.raises(ValueError):
        CreditSettings(purchase_amounts=[50])  # under 1 €


# --- The price list ------------------------------------------------------------------------------


def test_the_price_list_applies_the_tenants_price_and_vat_rate(app, tenant_config):
    with app.test_request_context(base_url="http://resilimo.localhost"):
        tenant = tenant_config(
            "resilimo",
            prices={
                "resiliation.lr": 250,  # the old form: the price alone
                "identity_verification": PriceOverride(price_cents=1500, vat_rate="10"),
            },
        )
        prices = price_list(tenant)
        assert (prices["resiliation.lr"].price_cents, prices["resiliation.lr"].vat_rate_bp) == (
            250,
            2000,
        )
        identity = prices["identity_verification"]
        assert (identity.price_cents, identity.vat_rate_bp) == (1500, 1000)
        assert prices[DISCOUNT].price_cents == -10 and prices[DISCOUNT].discount


def test_a_price_that_does_not_suit_its_item_names_the_key(app, tenant_config):
    with app.test_request_context(base_url="http://resilimo.localhost"):
        tenant = tenant_config("resilimo", prices={"resiliation.lr": -5})
        with pytest.raises(PriceError, match=r"\[prices\] resiliation.lr"):
            price_list(tenant)
        tenant = tenant_config("resilimo", prices={DISCOUNT: 10})
        with pytest.raises(PriceError, match="discount"):
            price_list(tenant)


def test_priced_items_refuse_a_negative_price_unless_they_are_a_discount():
    with pytest.raises(ValueError):
        PricedItem("x", "X", -10)
    with pytest.raises(ValueError):
        PricedItem("x", "X", 10, discount=True)
    assert PricedItem("x", "X", -10, discount=True).price_cents == -10


# --- Invoices -------------------------------------------------------------------------------------


def test_the_tenants_price_and_vat_rate_go_on_the_invoice(
    app, client_for, tenant_ids, tenant_config, make_account, logged_in
):
    tenant_config(
        "resilimo",
        prices={"identity_verification": PriceOverride(price_cents=1650, vat_rate="10")},
    )
    account = make_account("resilimo", "tva@agence.fr", siren="912345675", mobile="+33612345678")
    with app.app_context(), tenant_scope(account.tenant_id):
        adjust(
            db.session.get(Account, account.id),
            5000,
            reason="a",
            idempotency_key="k",
            actor_label="t",
        )
        db.session.commit()
    client = logged_in(account)
    page = client.get("/compte/verification/identite").get_data(as_text=True)
    assert "16,50" in page  # the page shows the tenant's price
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    started = client.post(
        "/compte/verification/identite",
        data={"csrf_token": token, "confirm_information": "y", "consent_debit": "y"},
    )
    assert started.status_code == 302
    with app.app_context(), tenant_scope(account.tenant_id):
        assert balance_cents(account.id) == 5000 - 1650
        line = db.session.scalar(select(Consumption).where(Consumption.account_id == account.id))
        assert (line.amount_cents, line.vat_rate_bp) == (1650, 1000)
        when = line.consumed_at if line.consumed_at.tzinfo else line.consumed_at.replace(tzinfo=UTC)
    month = when.astimezone(UTC)
    with app.app_context():
        (invoice,) = [
            d
            for d in issue_monthly_invoices(tenant_ids["resilimo"], month.year, month.month)
            if d.account_id == account.id
        ]
        assert invoice.vat_breakdown == {"1000": {"base": 1500, "vat": 150, "total": 1650}}
        text = pdf_text(storage().read(invoice.storage_key))
        db.session.commit()
    assert "10 %" in text and "15,00 €" in text and "16,50 €" in text
    assert "FR65912345675" in text  # the seller's VAT number
    assert "SIREN : 912 345 675" in text  # the customer's


def test_a_discount_item_is_a_negative_line_of_the_invoice(app, tenant_ids, make_account):
    account = make_account("resilimo", "remise@agence.fr")
    with app.test_request_context(base_url="http://resilimo.localhost"):
        tenant = tenant_directory().by_slug("resilimo")
        with tenant_scope(tenant.id):
            row = db.session.get(Account, account.id)
            adjust(row, 1000, reason="a", idempotency_key="k", actor_label="t")
            prices = price_list(tenant)
            lettre_verte = ("sheet_colour", "envelope_small", "postage_lettre_verte_20")
            items = [prices[f"paper_mail.{code}"] for code in lettre_verte] + [prices[DISCOUNT]]
            entry = charge_items(row, items, reason="Courrier 1", idempotency_key="pm:1")
            assert entry.amount_cents == -(114 - 10)
            assert balance_cents(account.id) == 1000 - 104
            sent = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
            record_consumption(entry, lines=item_lines(items), consumed_at=sent)
            record_consumption(entry, lines=item_lines(items), consumed_at=sent)  # once
            lines = db.session.scalars(
                select(Consumption).where(Consumption.charge_entry_id == entry.id)
            ).all()
            assert [(c.line, c.amount_cents) for c in lines] == [(0, 10), (1, 6), (2, 98), (3, -10)]
            db.session.commit()
            with pytest.raises(ValueError, match="add up"):
                other = charge_items(row, items, reason="Courrier 2", idempotency_key="pm:2")
                record_consumption(other, lines=item_lines(items[:1]), consumed_at=sent)
            db.session.rollback()
        (invoice,) = [
            d for d in issue_monthly_invoices(tenant.id, 2026, 3) if d.account_id == account.id
        ]
        assert invoice.total_cents == 104
        # -10 incl. VAT at 20 %: -8 excl. VAT, -2 of VAT (rounded like every line)
        assert invoice.vat_breakdown == {"2000": {"base": 87, "vat": 17, "total": 104}}
        text = pdf_text(storage().read(invoice.storage_key))
        db.session.commit()
    assert "Adresse reprise du premier document" in text and "-0,10 €" in text
    assert "1,04 €" in text


# --- The purchase amounts -------------------------------------------------------------------------


def test_the_buy_page_offers_the_tenants_amounts(tenant_config, make_account, logged_in, app):
    tenant_config(
        "resilimo",
        credits=CreditSettings(purchase_amounts=[1500, 4250], default_purchase_amount=4250),
    )
    client = logged_in(make_account("resilimo", "montants@agence.fr"))
    html = client.get("/compte/credits").get_data(as_text=True).replace("\xa0", " ")
    options = re.findall(r'<option([^>]*)value="(\d+)"[^>]*>([^<]+)</option>', html)
    assert [(value, label) for _, value, label in options] == [
        ("1500", "15 € TTC"),
        ("4250", "42,50 € TTC"),
    ]
    assert "selected" in re.search(r'<option[^>]*value="4250"[^>]*>', html).group(0)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    # An amount the tenant does not offer is refused.
    for typed in ("3000", "trente"):
        refused = client.post("/compte/credits", data={"csrf_token": token, "amount": typed})
        assert refused.status_code == 400, typed
        assert "Choisissez un des montants proposés." in refused.get_data(as_text=True)
    assert (
        client.post("/compte/credits", data={"csrf_token": token, "amount": "4250"}).status_code
        == 302
    )


@pytest.mark.parametrize(
    ("line", "key", "problem"),
    [
        ('"resiliation.lr" = -5', "prices.resiliation.lr", "non-negative"),
        (
            '"paper_mail.first_document_address" = 10',
            "prices.paper_mail.first_document_address",
            "discount",
        ),
        (
            '"resiliation.lrr" = 300',
            "prices.resiliation.lrr",
            "bills no such item",
        ),
    ],
)
def test_a_tenant_file_with_a_price_that_does_not_fit_is_refused_naming_the_key(
    app, tmp_path, line, key, problem
):
    import shutil
    from pathlib import Path

    from portal.core.tenants.config import read_tenant_dir
    from portal.core.tenants.schema import TenantConfigError

    folder = tmp_path / "resilimo"
    shutil.copytree(Path("tenants/resilimo"), folder)
    toml = folder / "tenant.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8").replace("[prices]\n", f"[prices]\n{line}\n"),
        encoding="utf-8",
    )
    with app.app_context(), pytest.raises(TenantConfigError) as refused:
        read_tenant_dir(folder, app.extensions["portal.plugins"])
    assert (key, refused.value.problems[0][1]) == refused.value.problems[0]
    assert refused.value.problems[0][0] == key and problem in refused.value.problems[0][1]


def test_the_demo_tenant_files_prices_fit(app):
    from pathlib import Path

    from portal.core.tenants.config import read_tenant_dir

    with app.app_context():
        for slug in ("resilimo", "msr", "horizon"):
            read_tenant_dir(Path("tenants") / slug, app.extensions["portal.plugins"])
