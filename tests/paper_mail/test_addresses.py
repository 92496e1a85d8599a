"""A typed address (recipient or sender): what the form and the sending refuse, field by field,
and the city as La Poste prints it."""

from __future__ import annotations

import pytest

from plugins.paper_mail.addresses import (
    AddressProblem,
    address_errors,
    check_address,
    normalise_city,
    valid_postal_code,
)

GOOD = {
    "name": "SARL Dupond",
    "lines": ["1 rue des Fleurs"],
    "postal_code": "38000",
    "city": "Grenoble",
}


def errors(**changes) -> dict[str, str]:
    return address_errors(**{**GOOD, **changes})


def test_a_complete_address_passes():
    assert errors() == {}
    assert errors(lines=["Résidence Les Tilleuls", "Bât. B", "12 avenue Foch", "BP 42"]) == {}
    assert errors(city="Saint-Étienne") == {}
    assert errors(city="L'Isle-d'Abeau") == {}
    assert errors(city="Lyon Cedex 03", postal_code="69003") == {}
    check_address(**GOOD)


def test_the_name_is_required_and_fits_one_line():
    assert "nom" in errors(name="  ")["name"]
    message = errors(name="A" * 39)["name"]
    assert "39 caractères" in message and "38" in message


def test_one_to_four_address_lines_of_38_characters():
    assert "au moins une ligne" in errors(lines=["", "  "])["lines"]
    assert "au plus 4 lignes" in errors(lines=["a", "b", "c", "d", "e"])["lines"]
    message = errors(lines=["1 rue des Fleurs", "X" * 42])["lines"]
    assert message.startswith("La ligne 2 compte 42 caractères")
    # Blank lines between filled ones do not count.
    assert errors(lines=["1 rue des Fleurs", "", "BP 42"]) == {}


@pytest.mark.parametrize(
    "code",
    ["38000", "01000", "20000", "20200", "95000", "97100", "97400", "98000", "98800", "75 015"],
)
def test_french_postal_codes_pass(code):
    assert "postal_code" not in errors(postal_code=code)


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("", "Indiquez le code postal"),
        ("3800", "5 chiffres"),
        ("38O00", "5 chiffres"),
        ("00000", "n'existe pas"),
        ("00100", "n'existe pas"),
        ("96000", "n'existe pas"),
        ("99000", "n'existe pas"),
        ("97900", "n'existe pas"),
    ],
)
def test_postal_codes_refused_with_a_reason(code, words):
    assert words in errors(postal_code=code)["postal_code"]


def test_the_city_is_required_short_and_made_of_letters():
    assert "Indiquez la ville" in errors(city=" ")["city"]
    assert "32 caractères" in errors(city="A" * 33)["city"]
    assert "lettres" in errors(city="Grenoble 2")["city"]
    assert "lettres" in errors(city="Grenoble!")["city"]


def test_check_address_raises_every_error_at_once():
    with pytest.raises(AddressProblem) as refused:
        check_address(name="", lines=[], postal_code="1", city="")
    assert set(refused.value.errors) == {"name", "lines", "postal_code", "city"}


def test_normalise_city_upper_case_without_accents():
    assert normalise_city("  saint-étienne ") == "SAINT-ETIENNE"
    assert normalise_city("Évry   Courcouronnes") == "EVRY COURCOURONNES"
    assert valid_postal_code("20090") and not valid_postal_code("2A000")
