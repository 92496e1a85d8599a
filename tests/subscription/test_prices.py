"""Prices of households, computed by hand from the numbers of horizon's product files: the age
band at the effective date (a birthday the day before or after it), the zone of the country or
department, the regime's coefficient, a spouse, children (the fourth free), options, the
association fee; the formula recommended for the needs; who the products do not take."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from plugins.subscription import pricing
from plugins.subscription.products import load_product
from plugins.subscription.rules import Household, NotInsurable, price, zone_for

PRODUCTS = Path(__file__).resolve().parents[2] / "tenants" / "horizon" / "products"
MONDE = load_product(PRODUCTS / "horizon-monde.toml")
TNS = load_product(PRODUCTS / "horizon-independants.toml")
NEW_YEAR = date(2027, 1, 1)
MID_MARCH = date(2027, 3, 15)


def half_up(value: float) -> int:
    """To the cent, halves up (as a price line is rounded)."""
    return math.floor(value + 0.5)


@dataclass
class Case:
    product: object
    formula: str
    birth: date
    effective: date
    regime: str
    country: str
    postal_code: str
    zone: str
    monthly: int
    spouse: date | None = None
    children: int = 0
    options: tuple = ()


# Monde: Z1 100 %, Z2 120 % (default), Z3 175 %; cfe 100 %, none 130 %; fee 240;
# bands 0 26 31 36 41 46 51 56 61 66 71.
# Indépendants: Z1 100 % (default), Z2 108 %, Z3 120 % (Île-de-France); general 100 %,
# alsace_moselle 85 %, agricole 100 %; fee 260; bands 0 26 31 36 41 46 51 56 61 66.
CASES = {
    # 45 on 1 January: band 41 of HMO200 (7 420), Portugal is zone 1, CFE.
    "monde_portugal_cfe_45": Case(
        MONDE,
        "HMO200",
        date(1981, 4, 12),
        NEW_YEAR,
        "cfe",
        "PT",
        "1000-001",
        "Z1",
        monthly=7420 + 240,
    ),
    # Senegal: the default zone 2, without CFE. Main insured 36 (birthday the day before the
    # effective date: band 36, 6 680), spouse 35 (birthday the day after: band 31, 6 040),
    # one child (2 760).
    "monde_senegal_none_couple_child": Case(
        MONDE,
        "HMO200",
        date(1991, 3, 14),
        MID_MARCH,
        "none",
        "SN",
        "10200",
        "Z2",
        spouse=date(1991, 3, 16),
        children=1,
        monthly=half_up(6680 * 120 * 130 / 10000)  # 10 420.8 → 10 421
        + half_up(6040 * 120 * 130 / 10000)  # 9 422.4 → 9 422
        + half_up(2760 * 120 * 130 / 10000)  # 4 305.6 → 4 306
        + 240,
    ),
    # New York: zone 3; 66, band 66 of HMO400 (23 780); the repatriation option (790).
    "monde_usa_66_repatriation": Case(
        MONDE,
        "HMO400",
        date(1960, 6, 30),
        NEW_YEAR,
        "cfe",
        "US",
        "10001",
        "Z3",
        options=("rapatriement",),
        monthly=half_up(23780 * 175 / 100) + 790 + 240,  # 41 615
    ),
    # 18 on the effective date, the youngest taken: band 0 of HMO100 (3 250); France is zone 1.
    "monde_france_18": Case(
        MONDE,
        "HMO100",
        date(2009, 1, 1),
        NEW_YEAR,
        "cfe",
        "FR",
        "17000",
        "Z1",
        monthly=3250 + 240,
    ),
    # Tokyo, zone 3: a couple 41 (9 590) and 39 (8 630) with 3 children (3 540) in HMO300,
    # two options: renfort 1 150 per adult + 540 per child, téléconsultation 250 per adult.
    "monde_japan_family_two_options": Case(
        MONDE,
        "HMO300",
        date(1985, 7, 1),
        NEW_YEAR,
        "cfe",
        "JP",
        "100-0001",
        "Z3",
        spouse=date(1987, 2, 1),
        children=3,
        options=("renfort_dentaire_optique", "teleconsultation"),
        monthly=half_up(9590 * 175 / 100)  # 16 782.5 → 16 783
        + half_up(8630 * 175 / 100)  # 15 102.5 → 15 103
        + 3 * half_up(3540 * 175 / 100)  # 3 × 6 195
        + (1150 * 2 + 540 * 3)
        + (250 * 2 + 0 * 3)
        + 240,
    ),
    # 75 on the effective date, the oldest taken: band 71 of HMO200 (16 720).
    "monde_75": Case(
        MONDE,
        "HMO200",
        date(1952, 1, 1),
        NEW_YEAR,
        "cfe",
        "BE",
        "1000",
        "Z1",
        monthly=16720 + 240,
    ),
    # Morocco, zone 1, without CFE: 26 (band 26 of HMO150, 4 530) and 4 children (2 290): the
    # fourth is free, and the repatriation option counts the 3 charged children only.
    "monde_morocco_none_4_children": Case(
        MONDE,
        "HMO150",
        date(2000, 5, 5),
        NEW_YEAR,
        "none",
        "MA",
        "20000",
        "Z1",
        children=4,
        options=("rapatriement",),
        monthly=half_up(4530 * 130 / 100)  # 5 889
        + 3 * half_up(2290 * 130 / 100)  # 3 × 2 977, the fourth 0
        + (790 * 1 + 390 * 3)
        + 240,
    ),
    # Paris (75): zone 3 (120 %); 38, band 36 of HTN200 (5 650).
    "tns_paris_38": Case(
        TNS,
        "HTN200",
        date(1988, 9, 10),
        NEW_YEAR,
        "general",
        "FR",
        "75011",
        "Z3",
        monthly=half_up(5650 * 120 / 100) + 260,  # 6 780
    ),
    # Strasbourg (67): zone 2 (108 %), local regime (85 %). Main 48 (birthday the day before),
    # spouse 47 (the day after): both band 46 of HTN300 (8 920); a child (2 760); médecines
    # douces 490 per adult + 210 per child.
    "tns_strasbourg_alsace_couple_child": Case(
        TNS,
        "HTN300",
        date(1979, 3, 14),
        MID_MARCH,
        "alsace_moselle",
        "FR",
        "67000",
        "Z2",
        spouse=date(1979, 3, 16),
        children=1,
        options=("medecines_douces",),
        monthly=2 * half_up(8920 * 108 * 85 / 10000)  # 8 188.56 → 8 189, twice
        + half_up(2760 * 108 * 85 / 10000)  # 2 533.68 → 2 534
        + (490 * 2 + 210 * 1)
        + 260,
    ),
    # Cantal (15): the default zone 1, MSA; 25: band 0 of HTN100 (2 680).
    "tns_cantal_agricole_25": Case(
        TNS,
        "HTN100",
        date(2001, 6, 1),
        NEW_YEAR,
        "agricole",
        "FR",
        "15000",
        "Z1",
        monthly=2680 + 260,
    ),
    # Hauts-de-Seine (92): zone 3; 66 (band 66 of HTN500, 22 920) and a spouse 64 (band 61,
    # 20 350); renfort honoraires 1 290 and assistance pro 350 per adult.
    "tns_hauts_de_seine_couple_two_options": Case(
        TNS,
        "HTN500",
        date(1961, 1, 1),
        NEW_YEAR,
        "general",
        "FR",
        "92100",
        "Z3",
        spouse=date(1962, 5, 5),
        options=("renfort_honoraires", "assistance_pro"),
        monthly=half_up(22920 * 120 / 100)  # 27 504
        + half_up(20350 * 120 / 100)  # 24 420
        + 1290 * 2
        + 350 * 2
        + 260,
    ),
    # Lyon (69): zone 2; 37, band 36 of HTN150 (4 610); 3 children (1 790).
    "tns_lyon_3_children": Case(
        TNS,
        "HTN150",
        date(1990, 1, 1),
        NEW_YEAR,
        "general",
        "FR",
        "69003",
        "Z2",
        children=3,
        monthly=half_up(4610 * 108 / 100)  # 4 978.8 → 4 979
        + 3 * half_up(1790 * 108 / 100)  # 3 × 1 933
        + 260,
    ),
    # Seine-Saint-Denis (93): zone 3; 70, the oldest taken: band 66 of HTN400 (18 380).
    "tns_seine_saint_denis_70": Case(
        TNS,
        "HTN400",
        date(1957, 1, 1),
        NEW_YEAR,
        "general",
        "FR",
        "93200",
        "Z3",
        monthly=half_up(18380 * 120 / 100) + 260,  # 22 056
    ),
    # Moselle (57): zone 1, local regime; a couple 43 (band 41 of HTN200, 6 290) and 4 children
    # (2 190, the fourth free); médecines douces and assistance pro.
    "tns_moselle_alsace_4_children": Case(
        TNS,
        "HTN200",
        date(1983, 11, 20),
        NEW_YEAR,
        "alsace_moselle",
        "FR",
        "57000",
        "Z1",
        spouse=date(1984, 1, 1),
        children=4,
        options=("medecines_douces", "assistance_pro"),
        monthly=2 * half_up(6290 * 85 / 100)  # 5 346.5 → 5 347, twice
        + 3 * half_up(2190 * 85 / 100)  # 1 861.5 → 1 862, three times; the fourth 0
        + (490 * 2 + 210 * 3)
        + 350 * 2
        + 260,
    ),
}


def household(case: Case) -> Household:
    return Household(
        birth_date=case.birth,
        effective_date=case.effective,
        regime=case.regime,
        zone=zone_for(case.product, case.country, case.postal_code),
        spouse_birth_date=case.spouse,
        children=case.children,
    )


@pytest.mark.parametrize("name", list(CASES))
def test_monthly_and_annual_prices_by_hand(name):
    case = CASES[name]
    assert zone_for(case.product, case.country, case.postal_code) == case.zone
    offers = pricing.offers(case.product, household(case), options=case.options)
    offer = next(offer for offer in offers if offer.formula.code == case.formula)
    assert offer.refusal is None
    assert offer.price.monthly == offer.monthly == case.monthly
    assert offer.price.annual == offer.annual == 12 * case.monthly
    assert offer.price.association_fee == case.product.association.monthly_fee
    # Every formula is priced, the stronger ones dearer.
    monthly = [offer.monthly for offer in offers]
    assert len(monthly) == len(case.product.formulas) and monthly == sorted(monthly)


def test_the_fourth_child_is_free():
    lines = pricing.offers(TNS, household(CASES["tns_moselle_alsace_4_children"]))[2].price.lines
    children = [line for line in lines if line.kind == "child"]
    assert [line.cents for line in children] == [1862, 1862, 1862, 0]
    assert [line.rank for line in children] == [1, 2, 3, 4]
    assert CASES["tns_moselle_alsace_4_children"].monthly == 18850  # the sum, by hand


def test_the_age_is_the_one_at_the_effective_date():
    lines = pricing.offers(MONDE, household(CASES["monde_senegal_none_couple_child"]))[
        2
    ].price.lines
    assert [(line.kind, line.age) for line in lines[:2]] == [("main", 36), ("spouse", 35)]


def test_option_prices_for_a_household():
    family = household(CASES["monde_morocco_none_4_children"])
    assert pricing.option_prices(MONDE, family) == {
        "rapatriement": 790 + 390 * 3,
        "renfort_dentaire_optique": 1150 + 540 * 3,
        "teleconsultation": 250,
    }
    couple = household(CASES["tns_hauts_de_seine_couple_two_options"])
    assert pricing.option_prices(TNS, couple) == {
        "renfort_honoraires": 1290 * 2,
        "medecines_douces": 490 * 2,
        "assistance_pro": 350 * 2,
    }


def test_options_are_the_same_price_in_every_formula():
    family = household(CASES["monde_japan_family_two_options"])
    without = pricing.offers(MONDE, family)
    with_options = pricing.offers(MONDE, family, options=("renfort_dentaire_optique",))
    assert {b.monthly - a.monthly for a, b in zip(without, with_options, strict=True)} == {
        1150 * 2 + 540 * 3
    }


MEDIAN = dict.fromkeys(("optical", "dental", "hearing", "hospital", "fee_overruns"), "median")
MINIMAL = dict.fromkeys(MEDIAN, "minimal")


@pytest.mark.parametrize(
    ("product", "needs", "expected"),
    [
        (MONDE, MINIMAL, "HMO100"),
        (MONDE, MEDIAN, "HMO200"),
        (MONDE, {**MINIMAL, "dental": "median", "hospital": "median"}, "HMO150"),
        (MONDE, {**MINIMAL, "optical": "reinforced"}, "HMO300"),
        (MONDE, {**MEDIAN, "fee_overruns": "maximal"}, "HMO400"),
        (MONDE, {}, "HMO100"),
        (TNS, MINIMAL, "HTN100"),
        (TNS, {**MINIMAL, "optical": "median", "hospital": "median"}, "HTN150"),
        (TNS, MEDIAN, "HTN200"),
        (TNS, {**MEDIAN, "dental": "reinforced"}, "HTN300"),
        (TNS, {**MEDIAN, "hearing": "reinforced"}, "HTN400"),
        (TNS, {**MINIMAL, "hospital": "maximal"}, "HTN400"),
        (TNS, dict.fromkeys(MEDIAN, "maximal"), "HTN500"),
    ],
)
def test_the_recommended_formula_for_the_needs(product, needs, expected):
    offers = pricing.offers(product, household_for(product), needs)
    assert [offer.formula.code for offer in offers if offer.recommended] == [expected]


def test_no_formula_is_recommended_without_needs():
    assert not any(offer.recommended for offer in pricing.offers(TNS, household_for(TNS)))


def household_for(product, **changes) -> Household:
    values = {
        "birth_date": date(1985, 6, 1),
        "effective_date": NEW_YEAR,
        "regime": next(iter(product.tariff.regimes)),
        "zone": product.tariff.default_zone,
        **changes,
    }
    return Household(**values)


@pytest.mark.parametrize(
    ("product", "changes", "reason"),
    [
        (MONDE, {"birth_date": date(1951, 1, 1)}, "de 18 à 75 ans"),  # 76 on the effective date
        (MONDE, {"birth_date": date(1950, 12, 31)}, "de 18 à 75 ans"),  # 76 the day before
        (MONDE, {"birth_date": date(2009, 1, 2)}, "de 18 à 75 ans"),  # 17, 18 the day after
        (TNS, {"birth_date": date(1956, 1, 1)}, "de 18 à 70 ans"),  # 71
        (MONDE, {"regime": "general"}, "régime"),
        (TNS, {"regime": "cfe"}, "régime"),
        (TNS, {"regime": "none"}, "régime"),
    ],
)
def test_who_the_products_do_not_take(product, changes, reason):
    someone = household_for(product, **changes)
    offers = pricing.offers(product, someone, MEDIAN)
    assert all(offer.price is None and reason in offer.refusal for offer in offers)
    assert sum(offer.recommended for offer in offers) == 1  # the needs still point to one
    assert pricing.option_prices(product, someone) == {}
    with pytest.raises(NotInsurable):
        price(product, product.formulas[0], someone)
