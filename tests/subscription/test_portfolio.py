"""« Portefeuille »: clients by name (« % » lists all), the client's file (« Synthèse », DEVIS,
CONTRATS), the quote search by number and state, « Vente directe »."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

from markupsafe import escape
from subkit import issue

from plugins.subscription import numbers, quotes, rules
from plugins.subscription.models import Contract, Quote
from plugins.subscription.products import tenant_products
from plugins.subscription.rules import QuoteState
from portal.core.tenants import tenant_directory, tenant_scope
from portal.extensions import db

PORTFOLIO = "/souscription/portefeuille"
SEARCH = "/souscription/portefeuille/devis"


def french(client):
    client.get("/souscription/?lang=fr")
    return client


def quote_row(app, agent, quote_id: int) -> dict:
    with app.app_context(), tenant_scope(agent.tenant_id):
        quote = db.session.get(Quote, quote_id)
        return {
            "client_id": quote.client_id,
            "prefix": quote.prefix,
            "number": quote.number,
            "display": rules.quote_number(quote.prefix, quote.number, quote.version),
            "bare": rules.contract_number(quote.prefix, quote.number),
        }


def move(app, agent, quote_id: int, *states: QuoteState) -> None:
    with app.app_context(), tenant_scope(agent.tenant_id):
        quote = db.session.get(Quote, quote_id)
        for state in states:
            quotes.move(quote, state)
        db.session.commit()


def make_contract(app, agent, quote_id: int) -> str:
    """A contract signed from the quote, written directly (every non-null column); its number."""
    with app.app_context(), tenant_scope(agent.tenant_id):
        quote = db.session.get(Quote, quote_id)
        contract = Contract(
            account_id=quote.account_id,
            managed_by_id=quote.managed_by_id,
            client_id=quote.client_id,
            quote_id=quote.id,
            prefix=quote.prefix,
            number=numbers.next_number(quote.prefix),
            product_code=quote.product_code,
            formula_code=quote.formula_code,
            options=[],
            effective_date=quote.effective_date,
            main_due_date="01/01",
            annual_cents=123816,
            monthly_cents=10318,
            amendment=1,
            payment_mode="direct_debit",
            payment_frequency="monthly",
            social_security_number="181047512345678",
            status_declared=True,
            health_data_transmission=True,
            marketing_opt_out=False,
            documents_read_at=datetime(2026, 12, 7, 9, tzinfo=UTC),
            account_holder="Paul Durand",
            iban="FR7630006000011234567890189",
            bic="AGRIFRPP",
            sepa_reference=f"HOR-{uuid.uuid4().hex[:10]}",
            debit_day=5,
            signature_state=rules.SignatureState.SIGNED,
            progress=rules.ContractProgress.AWAITING_DOCUMENTS,
            document_keys={},
        )
        db.session.add(contract)
        db.session.commit()
        return rules.contract_number(contract.prefix, contract.number)


def formula_name(app, tenant_id: int, code: str) -> str:
    """A horizon-monde formula's name as the product file gives it."""
    with app.app_context():
        [product] = [
            product
            for product in tenant_products(tenant_directory().by_id(tenant_id))
            if product.code == "horizon-monde"
        ]
        return product.formula(code).name


def client_rows(html: str) -> list[str]:
    return re.findall(r'<tr data-client="\d+">(.*?)</tr>', html, re.S)


def quote_rows(html: str) -> list[str]:
    return re.findall(r'<tr data-quote="\d+">(.*?)</tr>', html, re.S)


def test_percent_lists_every_client_and_a_name_finds_one_accents_aside(
    app, agent, agent_client, make_account, at
):
    at(2026, 12, 7)
    issue(app, agent)  # DURAND Paul
    issue(app, agent, client={"last_name": "Lefèvre", "first_name": "Élodie"})
    other = make_account("horizon", f"autre.{uuid.uuid4().hex[:8]}@courtier.fr")
    issue(app, other, client={"last_name": "Lefebvre", "first_name": "Voisine"})
    assert agent_client.get(f"{PORTFOLIO}?nom=%25").status_code == 200  # English too
    french(agent_client)
    html = agent_client.get(f"{PORTFOLIO}?nom=%25").get_data(as_text=True)
    for column in ("Nom", "Naissance ou Siren", "Adresse", "Rôle"):
        assert f'<th scope="col">{column}</th>' in html
    rows = client_rows(html)
    assert len(rows) == 2 and "Voisine" not in html
    assert "DURAND Paul" in rows[0] and "12/04/1981" in rows[0] and "Prospect" in rows[0]
    assert "12 rue des Lilas 17000 LA ROCHELLE" in rows[0]
    assert "LEFÈVRE Élodie" in rows[1]
    for typed in ("lefev", "LEFEVRE", "elodie", "Lefèvre élo"):
        found = client_rows(agent_client.get(f"{PORTFOLIO}?nom={typed}").get_data(as_text=True))
        assert len(found) == 1 and "LEFÈVRE" in found[0], typed
    html = agent_client.get(f"{PORTFOLIO}?nom=zzz").get_data(as_text=True)
    assert "Aucun prospect ni client ne correspond" in html
    html = agent_client.get(f"{PORTFOLIO}?nom=").get_data(as_text=True)
    assert 'aria-invalid="true"' in html and "pour lister tout votre portefeuille" in html
    assert "_" not in "".join(
        client_rows(agent_client.get(f"{PORTFOLIO}?nom=_").get_data(as_text=True))
    )  # a typed wildcard is a letter, not « anything »


def test_the_client_file_lists_quotes_but_the_signed_one_and_the_contracts(
    app, agent, agent_client, at
):
    at(2026, 12, 7)
    first = issue(app, agent)
    second = issue(app, agent, previous_id=first, formula_code="HMO300")  # first: « Décliné »
    move(app, agent, second, QuoteState.ACCEPTED, QuoteState.SUBSCRIBED)
    contract_number = make_contract(app, agent, second)
    one, two = quote_row(app, agent, first), quote_row(app, agent, second)
    french(agent_client)
    html = agent_client.get(f"/souscription/clients/{one['client_id']}").get_data(as_text=True)
    for label in (
        "Synthèse",
        "Né(e) le",
        "12/04/1981",
        "paul.durand@example.org",
        "Retard de paiement",
        "Mouvements financiers non affectés",
        "Solde",
        "0,00",
    ):
        assert label in html, label
    [row] = quote_rows(html)
    assert one["display"] in row and "Décliné" in row
    assert formula_name(app, agent.tenant_id, "HMO200") in row
    assert two["display"] not in row  # signed: it is a contract now (its only row above)
    assert f'href="/souscription/devis/{first}"' in row
    [contract] = re.findall(r'<tr data-contract="\d+">(.*?)</tr>', html, re.S)
    assert contract_number in contract
    assert formula_name(app, agent.tenant_id, "HMO300") in contract
    assert "En attente de pièces" in contract and "Jean Fournier" in contract
    assert "238,16\xa0€" in contract  # 1 238,16 € (cents shown as euros)
    assert f'href="/souscription/devis/nouveau?client_id={one["client_id"]}"' in html
    assert "— Client" in html  # « Rôle »: a contract makes a client
    listed = agent_client.get(f"{PORTFOLIO}?nom=durand").get_data(as_text=True)
    assert "Client" in client_rows(listed)[0]


def test_another_accounts_client_file_is_a_404(app, agent, agent_client, make_account, at):
    at(2026, 12, 7)
    other = make_account("horizon", f"autre.{uuid.uuid4().hex[:8]}@courtier.fr")
    theirs = quote_row(app, other, issue(app, other))
    assert agent_client.get(f"/souscription/clients/{theirs['client_id']}").status_code == 404


def test_quote_search_by_number_forms_and_by_state(app, agent, agent_client, at):
    at(2026, 12, 7)
    wanted = quote_row(app, agent, issue(app, agent))
    other = quote_row(app, agent, issue(app, agent, client={"last_name": "Martin"}))
    formula = formula_name(app, agent.tenant_id, "HMO200")
    french(agent_client)
    html = agent_client.get(SEARCH).get_data(as_text=True)
    labels = re.findall(r'<label for="sd-etat-[a-z_]+">([^<]+)</label>', html)
    assert labels == [
        "Accepté",
        "Décliné",
        "En attente de pièce(s)",
        "En attente de validation",
        "Expiré",
        "Incomplet",
        "Proposé",
        "Refusé",
        "Souscrit",
        "Validé",
    ]
    assert "Les devis avec statut « validé » sont les devis émis et non transformés" in html
    assert not quote_rows(html)  # nothing searched yet
    typed_forms = (wanted["bare"], f"{wanted['prefix']}-{wanted['number']}", str(wanted["number"]))
    for typed in (*typed_forms, wanted["display"], wanted["bare"].lower()):
        html = agent_client.get(SEARCH, query_string={"identifiant": typed}).get_data(as_text=True)
        [row] = quote_rows(html)
        assert wanted["bare"] in row and "DURAND Paul" in row, typed
        assert "Horizon Monde" in row and formula in row and "06/01/2027" in row
    html = agent_client.get(SEARCH, query_string={"etat": "validated"}).get_data(as_text=True)
    assert len(quote_rows(html)) == 2 and other["bare"] in html
    html = agent_client.get(SEARCH, query_string={"etat": ["expired", "subscribed"]}).get_data(
        as_text=True
    )
    assert not quote_rows(html) and "Aucun devis ne correspond" in html
    html = agent_client.get(SEARCH, query_string={"identifiant": "abc-12-x"}).get_data(as_text=True)
    assert 'aria-invalid="true"' in html and "HMO-0000000033, HMO-33 ou 33" in html


def test_direct_sale_lists_the_tenants_products(app, agent, agent_client, tenant_ids):
    with app.app_context():
        products = tenant_products(tenant_directory().by_id(tenant_ids["horizon"]))
    assert len(products) == 2
    french(agent_client)
    html = agent_client.get("/souscription/vente-directe").get_data(as_text=True)
    for product in products:
        assert escape(product.name) in html and escape(product.audience) in html
        assert f'href="/souscription/devis/nouveau?product={product.code}"' in html
        assert escape(product.documents["ipid"].title) in html
    home = agent_client.get("/souscription/").get_data(as_text=True)
    assert 'href="/souscription/vente-directe"' in home
