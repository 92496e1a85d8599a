"""The agent's quote wizard (guide §2) through the pages: each step refused with its message
when incomplete, values kept going back, the recommended formula and the personalised prices,
the finish issuing « HMO-…/1 », the agent's own address refused, a client without email."""

from __future__ import annotations

import re
from datetime import date

import pytest
from quotekit import DETAILS, NEEDS, post, run, start, step_url, text
from sqlalchemy import select
from subkit import mails_to, stored

from plugins.subscription import rules
from plugins.subscription.models import Quote
from plugins.subscription.products import product_of
from portal.core.i18n import format_money
from portal.core.tenants import tenant_directory, tenant_scope
from portal.extensions import db
from portal.testing.web import csrf_token


@pytest.fixture
def today(at):
    return at(2026, 12, 7)


def product(app, tenant_id, code="horizon-monde"):
    with app.app_context():
        return product_of(tenant_directory().by_id(tenant_id), code)


def money(cents) -> str:
    return " ".join(format_money(cents).split())


def household(**overrides):
    values = {
        "birth_date": date(1981, 4, 12),
        "effective_date": date(2027, 1, 1),
        "regime": "cfe",
        "zone": "Z1",
        "spouse_birth_date": None,
        "children": 0,
    }
    return rules.Household(**{**values, **overrides})


def quotes_of(app, agent):
    with app.app_context(), tenant_scope(agent.tenant_id):
        rows = db.session.scalars(
            select(Quote).where(Quote.account_id == agent.id).order_by(Quote.id)
        ).all()
        result = [(row.id, row.prefix, row.number, row.version, row.state) for row in rows]
        db.session.remove()
        return result


def test_needs_step_refuses_what_is_missing_and_keeps_what_was_typed(agent_client, today):
    url = start(agent_client)
    page = text(agent_client.get(url))
    for label in ("Vos besoins", "Vos solutions", "Vos coordonnées", "Récapitulatif du DEVIS"):
        assert label in page
    assert "(*) Champ obligatoire" in page
    assert "Date d'effet souhaitée (*)" in page
    assert "Votre régime de sécurité sociale (*)" in page
    assert "doivent être sur le même régime que l'assuré principal" in page

    refused = post(agent_client, url, {**NEEDS, "need_dental": "", "city": "", "spouse": "yes"})
    assert refused.status_code == 200
    body = text(refused)
    assert "Choisissez un niveau de prise en charge." in body
    assert "Indiquez la ville." in body
    assert "Indiquez la date de naissance de votre conjoint(e)" in body
    # what was typed is kept
    assert 'value="17000"' in refused.get_data(as_text=True)

    past = post(agent_client, url, {**NEEDS, "effective_date": "01/12/2026"})
    assert "La date d'effet ne peut pas être dans le passé." in text(past)
    far = post(agent_client, url, {**NEEDS, "effective_date": "08/06/2027"})
    assert "La date d'effet est au plus tard dans 6 mois." in text(far)
    children = post(agent_client, url, {**NEEDS, "children_covered": "yes", "children": "12"})
    assert "Indiquez le nombre d'enfants, de 1 à 10." in text(children)
    bad_date = post(agent_client, url, {**NEEDS, "birth_date": "31/02/1980"})
    assert "Date non reconnue" in text(bad_date)


def test_an_uninsurable_household_is_refused_on_the_needs_step(agent_client, today):
    url = start(agent_client)
    old = post(agent_client, url, {**NEEDS, "birth_date": "01/01/1940"})
    assert old.status_code == 200
    assert "Ce produit s'adresse aux assurés de 18 à 75 ans à la date d'effet." in text(old)
    regime = post(agent_client, url, {**NEEDS, "regime": "general"})
    assert regime.status_code == 200  # not a regime of this product


def test_solutions_show_every_formula_its_price_and_the_recommended_one(
    app, agent, agent_client, today
):
    url = start(agent_client)
    needs = {**NEEDS, "spouse": "yes", "spouse_birth_date": "03/05/1983"}
    needs |= {"children_covered": "yes", "children": "2", "need_dental": "reinforced"}
    response = post(agent_client, url, needs)
    assert response.status_code == 302 and response.headers["Location"].endswith("/solutions")
    page = agent_client.get(response.headers["Location"])
    body, html = text(page), page.get_data(as_text=True)
    horizon = product(app, agent.tenant_id)
    family = household(spouse_birth_date=date(1983, 5, 3), children=2)
    recommended = rules.recommended_formula(
        horizon,
        {**{n: "median" for n in rules.NEEDS}, "hearing": "minimal", "dental": "reinforced"},
    )
    assert recommended.code == "HMO300"
    for formula in horizon.formulas:
        price = rules.price(horizon, formula, family)
        assert formula.name in body
        assert f'data-monthly="{price.monthly}"' in html
    assert re.search(r'value="HMO300"[^>]*checked', html)
    assert body.count("Formule conseillée") == 1
    assert "Tarif annuel TTC" in body and "Montant de la cotisation" in body
    selected = rules.price(horizon, recommended, family)
    with app.test_request_context():
        assert money(selected.annual) in body and money(selected.monthly) in body
    assert horizon.association.name in body
    assert "Pour vous aider dans votre choix" in body
    for option in horizon.options:
        assert option.name in body


def test_the_whole_wizard_issues_version_1_and_emails_it(app, agent, agent_client, today):
    response = run(agent_client, formula="HMO300", options=["rapatriement"])
    assert response.status_code == 302
    [(quote_id, prefix, number, version, state)] = quotes_of(app, agent)
    assert response.headers["Location"].endswith(f"/souscription/devis/{quote_id}")
    assert (prefix, version, state) == ("HMO", 1, rules.QuoteState.VALIDATED)
    page = agent_client.get(response.headers["Location"])
    body = text(page)
    assert f"Devis n° HMO-{number:010d} / 1" in body
    assert "paul.durand@example.org" in body  # the flash says to whom
    assert "Validé" in body and "Expire le" in body and "06/01/2027" in body
    row = stored(app, agent.tenant_id, Quote, quote_id)
    horizon = product(app, agent.tenant_id)
    assert horizon.formula("HMO300").name in body and horizon.option("rapatriement").name in body
    expected = rules.price(horizon, horizon.formula("HMO300"), household(), ["rapatriement"])
    assert row["monthly_cents"] == expected.monthly
    assert len(mails_to(app, agent.tenant_id, "paul.durand@example.org")) == 1


def test_going_back_keeps_the_values_and_the_summary_shows_them(app, agent, agent_client, today):
    url = start(agent_client)
    solutions = post(agent_client, url, NEEDS).headers["Location"]
    details = post(agent_client, solutions, {"formula": "HMO200"}).headers["Location"]
    page = agent_client.get(details).get_data(as_text=True)
    assert 'value="1981-04-12"' in page  # pre-filled from « Vos besoins »
    assert 'value="La Rochelle"' in page
    summary = post(agent_client, details, DETAILS).headers["Location"]
    back = agent_client.get(step_url(summary, "besoins")).get_data(as_text=True)
    assert re.search(r'value="median"[^>]*checked|checked[^>]*value="median"', back)
    assert 'value="17000"' in back
    back = agent_client.get(step_url(summary, "solutions")).get_data(as_text=True)
    assert re.search(r'value="HMO200"[^>]*checked', back)
    recap = text(agent_client.get(summary))
    assert "Récapitulatif de votre devis" in recap
    name = product(app, agent.tenant_id).formula("HMO200").name
    assert name in recap and "Durand" in recap and "01/01/2027" in recap
    assert "Pensez à rappeler votre client qu'il prépare ses pièces justificatives" in recap
    assert "Valider et envoyer le devis au client" in recap


def test_the_agents_own_email_is_refused(agent, agent_client, today):
    url = start(agent_client)
    solutions = post(agent_client, url, NEEDS).headers["Location"]
    details = post(agent_client, solutions, {"formula": "HMO200"}).headers["Location"]
    page = text(agent_client.get(details))
    assert "L'adresse e-mail client est obligatoire pour nous permettre d'envoyer le devis" in page
    refused = post(agent_client, details, {**DETAILS, "email": agent.email.upper()})
    assert refused.status_code == 200
    assert "C'est votre propre adresse e-mail" in text(refused)
    missing = post(agent_client, details, {**DETAILS, "email": ""})
    assert "Indiquez l'adresse e-mail de votre client" in text(missing)
    other_birth = post(agent_client, details, {**DETAILS, "birth_date": "1982-04-12"})
    assert "La date de naissance doit être celle indiquée dans « Vos besoins »" in text(other_birth)


def test_a_client_without_email_makes_an_incomplete_quote_and_no_email(
    app, agent, agent_client, today
):
    response = run(agent_client, details={"email": "", "no_email": "y"})
    assert response.status_code == 302
    [(quote_id, *_rest, state)] = quotes_of(app, agent)
    assert state == rules.QuoteState.INCOMPLETE
    page = text(agent_client.get(response.headers["Location"]))
    assert "Incomplet" in page and "bulletin d'adhésion papier" in page
    assert mails_to(app, agent.tenant_id, "paul.durand@example.org") == []
    assert stored(app, agent.tenant_id, Quote, quote_id)["pdf_key"]


def test_the_product_is_a_choice_when_not_given(app, agent, agent_client, today):
    url = start(agent_client, product=None)
    page = text(agent_client.get(url))
    assert "Horizon Monde" in page and "Produit" in page
    refused = post(agent_client, url, NEEDS)
    assert "Choisissez le produit à proposer." in text(refused)
    chosen = post(agent_client, url, {**NEEDS, "product": "horizon-monde"})
    assert chosen.status_code == 302


def test_unknown_product_or_another_accounts_client_is_404(agent_client, today):
    agent_client.get("/souscription/devis/brouillons/?lang=fr")
    assert agent_client.get("/souscription/devis/nouveau?product=nope").status_code == 404
    assert agent_client.get("/souscription/devis/nouveau?client_id=999999").status_code == 404


def test_the_quote_page_pdf_and_another_accounts_quote(
    app, agent, agent_client, make_account, logged_in, today
):
    from subkit import issue

    quote_id = issue(app, agent)
    pdf = agent_client.get(f"/souscription/devis/{quote_id}/devis.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    other = make_account("horizon", "other.agent@courtier-ouest.fr", commercial_name="Ouest")
    stranger = logged_in(other)
    for path in ("", "/devis.pdf"):
        assert stranger.get(f"/souscription/devis/{quote_id}{path}").status_code == 404
    token = csrf_token(
        stranger.get("/souscription/devis/brouillons/nouveau").get_data(as_text=True)
    )
    modify = stranger.post(f"/souscription/devis/{quote_id}/modifier", data={"csrf_token": token})
    assert modify.status_code == 404
