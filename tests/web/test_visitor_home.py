"""A visitor's home: what the tenant's product does, its prices where accounts buy credit, and
the way in that its sign-up mode offers — never anything of an account."""

from __future__ import annotations

import html
import re

import pytest
from webkit import text_of as raw_text_of


def text_of(response) -> str:
    return html.unescape(raw_text_of(response))


def section(page: str, marker: str) -> str:
    found = re.search(rf"<section[^>]*{marker}[^>]*>.*?</section>", page, re.S)
    return found.group(0) if found else ""


def test_resilimo_says_what_it_does_with_its_prices_and_free_sign_up(client_for):
    page = text_of(client_for("resilimo").get("/"))
    assert "<h1" in page and "Bienvenue sur Résilimo" in page
    assert "La résiliation en recommandé électronique, simple et opposable" in page
    for service in ("resiliation", "paper_mail", "emprunteur"):
        assert f'data-service="{service}"' in page
    assert "Lettres de résiliation envoyées en recommandé électronique." in page
    assert 'href="/inscription" data-signup>S\'inscrire gratuitement</a>' in page
    assert 'href="/connexion" data-login>Se connecter</a>' in page
    prices = section(page, "data-prices")
    assert "Lettre recommandée électronique avec accusé de réception (LRAR)" in prices
    assert "3,78\xa0€" in prices and "2,97\xa0€" in prices  # Babel's French format
    assert "Vérification d'identité forte (eIDAS)" in prices and "14,40\xa0€" in prices
    assert "Demander un accès" not in page


def test_a_member_space_offers_an_access_request_and_no_prices(client_for):
    page = text_of(client_for("msr").get("/"))
    assert 'data-service="secure_messaging"' in page and "Ma messagerie" in page
    assert "Votre espace privé et sécurisé d'adhérent, avec les services de votre caisse" in page
    assert "Écrire à votre caisse en toute sécurité" in page  # what a member can do
    assert "Lui envoyer vos documents" in page
    assert 'href="/inscription" data-signup>Demander un accès</a>' in page
    assert "S'inscrire gratuitement" not in page
    assert "data-prices" not in page and "€" not in page.split("<main", 1)[1]
    assert "crédit" not in page.split("<main", 1)[1].lower()
    assert "data-login" in page


def test_an_invitation_tool_has_no_sign_up_but_the_first_connection(client_for):
    page = text_of(client_for("horizon").get("/?lang=fr"))
    assert 'data-service="subscription"' in page
    assert "data-signup" not in page and "data-prices" not in page
    assert 'class="button button--large" href="/connexion" data-login>Se connecter</a>' in page
    assert 'href="/premiere-connexion"' in page
    assert "L'outil des conseillers commerciaux de Horizon Solutions+ :" in page


@pytest.mark.parametrize("slug", ["resilimo", "msr", "horizon"])
def test_the_visitor_home_never_asks_for_an_account_s_cards(client_for, monkeypatch, slug):
    from portal.core.web import home

    def no_cards(*args, **kwargs):
        raise AssertionError("a visitor's home collected dashboard cards")

    monkeypatch.setattr(home, "dashboard_widgets", no_cards)
    response = client_for(slug).get("/")
    assert response.status_code == 200
    page = text_of(response)
    assert "data-widget" not in page and "data-credit-badge" not in page
    assert "Se déconnecter" not in page and "Log out" not in page
