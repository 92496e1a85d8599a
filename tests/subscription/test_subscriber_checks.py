"""The checks of what the client types: the social-security number (NIR) with its key, the
Corsican departments, the civility and birth date; the IBAN (SEPA only) and the BIC."""

from __future__ import annotations

from datetime import date

import pytest


def _with_key(first13: str) -> str:
    number = first13.replace("2A", "19").replace("2B", "18")
    return first13 + f"{97 - int(number) % 97:02d}"


@pytest.fixture(autouse=True)
def _context(app):
    with app.test_request_context("/?lang=fr"):
        yield


def _nir(value, birth=date(1981, 4, 12), civility="m"):
    from plugins.subscription.checks import nir_problem

    return nir_problem(value, birth_date=birth, civility=civility)


def test_a_right_number_passes_with_or_without_spaces():
    nir = _with_key("1810417300123")
    assert _nir(nir) is None
    spaced = f"{nir[0]} {nir[1:3]} {nir[3:5]} {nir[5:7]} {nir[7:10]} {nir[10:13]} {nir[13:]}"
    assert _nir(spaced) is None


def test_corsica_counts_as_19_and_18():
    assert _nir(_with_key("281042A005123"), civility="mme") is None
    assert _nir(_with_key("281042B005123"), civility="mme") is None
    # The key of 2A computed as if it were a plain number is refused.
    wrong = "2810420005123"
    key = 97 - int(wrong) % 97
    assert "clé" in _nir(f"281042A005123{key:02d}", civility="mme")


def test_a_wrong_key_is_refused():
    nir = _with_key("1810417300123")
    wrong = nir[:-2] + f"{(int(nir[-2:]) + 1) % 97:02d}"
    assert "La clé de ce numéro de sécurité sociale ne correspond pas" in _nir(wrong)


def test_format_sex_year_and_month():
    assert "13 chiffres" in _nir("18104173001")
    assert "13 chiffres" in _nir("3810417300123" + "00")
    assert _nir("") == "Saisissez votre numéro de sécurité sociale."
    assert "civilité" in _nir(_with_key("2810417300123"), civility="m")
    assert "civilité" in _nir(_with_key("1810417300123"), civility="mme")
    assert "année de naissance" in _nir(_with_key("1820417300123"))
    assert "mois de naissance" in _nir(_with_key("1810517300123"))
    # Unknown month (99) and special months (20+) are accepted; temporary numbers too.
    assert _nir(_with_key("1819917300123")) is None
    assert _nir(_with_key("1813017300123")) is None
    assert _nir(_with_key("7810417300123")) is None
    assert _nir(_with_key("8810417300123"), civility="mme") is None


def test_iban_and_bic():
    from plugins.subscription.checks import bic_problem, iban_problem

    assert iban_problem("FR76 3000 6000 0112 3456 7890 189") is None
    assert iban_problem("DE89370400440532013000") is None
    assert "n'est pas valide" in iban_problem("FR7630006000011234567890180")
    assert iban_problem("") == "Saisissez l'IBAN du compte à débiter."
    # Brazil: a valid IBAN outside the SEPA zone.
    assert "zone SEPA" in iban_problem("BR1800360305000010009795493C1")
    assert bic_problem("AGRIFRPP", "FR7630006000011234567890189") is None
    assert bic_problem("agri frpp xxx", "FR7630006000011234567890189") is None
    assert "pays de l'IBAN" in bic_problem("DEUTDEFF", "FR7630006000011234567890189")
    assert "8 ou 11 caractères" in bic_problem("AGRI", "FR7630006000011234567890189")
    assert bic_problem("", "FR76") == "Saisissez le BIC de votre banque."
