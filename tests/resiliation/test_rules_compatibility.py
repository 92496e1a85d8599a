"""The compatibility of the 22 contract types and the 11 reasons, the contract form's fields, and
when the platform may not be the sender (issue 15 points 2 and 4)."""

from __future__ import annotations

import pytest

from plugins.resiliation.rules import (
    COMPATIBILITY,
    PLATFORM_REFUSALS,
    VEHICLES,
    ContractFields,
    ContractType,
    Reason,
    compatible_types,
    contract_fields,
    is_compatible,
    platform_sender_refusal,
    reasons_for,
)

T = ContractType
R = Reason
BUSINESS = {
    T.PROFESSIONAL_MULTIRISK,
    T.AGRICULTURAL_MULTIRISK,
    T.TEN_YEAR,
    T.MUNICIPALITY_MULTIRISK,
    T.BUILDING,
    T.HARVEST,
}


# -- compatibility -------------------------------------------------------------------------------


def test_every_type_has_its_reasons_in_the_manuals_order():
    assert len(ContractType) == 22 and len(Reason) == 11
    order = list(Reason)
    for contract_type in ContractType:
        reasons = reasons_for(contract_type)
        assert reasons == sorted(reasons, key=order.index)
        assert reasons == list(COMPATIBILITY[contract_type])


@pytest.mark.parametrize("contract_type", list(ContractType), ids=str)
def test_every_type_may_end_at_its_due_date_on_a_premium_increase_or_for_a_custom_reason(
    contract_type,
):
    reasons = reasons_for(contract_type)
    assert {R.MAIN_DUE_DATE, R.CUSTOM, R.PREMIUM_INCREASE} <= set(reasons)


def test_ria_is_for_complementary_health_only():
    assert compatible_types(R.RIA) == [T.HEALTH]
    assert reasons_for(T.HEALTH)[-1] is R.RIA
    assert R.HAMON not in reasons_for(T.HEALTH)


def test_other_type_accepts_every_reason_but_ria():
    assert reasons_for(T.OTHER) == [r for r in Reason if r is not R.RIA]


def test_loi_hamon_is_for_vehicles_homes_and_affinity_products():
    assert compatible_types(R.HAMON) == [
        T.AUTO,
        T.HOME_OWNER,
        T.OTHER_VEHICLE,
        T.MOTORCYCLE,
        T.HOME_TENANT,
        T.PORTABLE_DEVICES,
        T.OTHER,
    ]


def test_the_manuals_example_a_hamon_letter_only_adds_hamon_types():
    # Manual §5.5 c): adding a contract to a loi Hamon letter offers auto, home (tenant),
    # motorcycle, another category, other land motor vehicle — never health or business types.
    offered = compatible_types(R.HAMON)
    assert {T.AUTO, T.HOME_TENANT, T.MOTORCYCLE, T.OTHER, T.OTHER_VEHICLE} <= set(offered)
    assert not ({T.HEALTH, T.PROVIDENT, T.LEGAL_PROTECTION} | BUSINESS) & set(offered)
    # The manual's letters: health at its main due date, a home owner's contract under Hamon.
    assert is_compatible(T.HEALTH, R.MAIN_DUE_DATE)
    assert is_compatible(T.HOME_OWNER, R.HAMON)
    assert is_compatible(T.AUTO, R.MAIN_DUE_DATE)


def test_compatible_types_and_reasons_for_say_the_same():
    for reason in Reason:
        types = compatible_types(reason)
        assert types == [t for t in ContractType if reason in reasons_for(t)]
        assert types, reason
        for contract_type in ContractType:
            assert is_compatible(contract_type, reason) == (contract_type in types)


def test_no_sale_reason_for_vehicles_and_no_consumer_reasons_for_business_contracts():
    for vehicle in VEHICLES:
        assert R.DEATH_OR_SALE not in reasons_for(vehicle)
        assert R.HAMON in reasons_for(vehicle)
    consumer = {R.HAMON, R.CHATEL, R.WITHDRAWAL, R.MOVE, R.MATRIMONIAL_REGIME}
    consumer |= {R.MARITAL_SITUATION, R.RIA}
    for business in BUSINESS:
        assert not consumer & set(reasons_for(business)), business
    assert R.DEATH_OR_SALE in reasons_for(T.HOME_OWNER)
    assert R.DEATH_OR_SALE in reasons_for(T.PLEASURE_BOAT)
    assert R.CHATEL in reasons_for(T.HEALTH) and R.CHATEL in reasons_for(T.PROVIDENT)


def test_values_are_accepted_as_plain_strings():
    assert reasons_for("sante") == reasons_for(T.HEALTH)
    assert compatible_types("ria") == [T.HEALTH]
    assert is_compatible("auto", "loi_hamon")
    with pytest.raises(ValueError):
        reasons_for("voiture")


# -- the contract form ---------------------------------------------------------------------------


def test_the_manuals_hamon_form_for_a_car():
    # « Référence du contrat * », « Immatriculation », « Nouvel assureur ou organisme * »,
    # « Nouvelle référence de contrat ou d'offre »: no due date, no property address.
    fields = contract_fields(T.AUTO, R.HAMON)
    assert fields.shown() == {"reference", "registration", "new_insurer", "new_reference"}
    assert fields.required() == {"reference", "new_insurer"}
    assert fields.new_insurer_required and fields.statement_of_information


def test_ria_requires_the_new_organism():
    fields = contract_fields(T.HEALTH, R.RIA)
    assert fields.shown() == {"reference", "new_insurer", "new_reference"}
    assert fields.required() == {"reference", "new_insurer"}
    assert not fields.registration and not fields.statement_of_information


def test_the_main_due_date_reason_requires_the_due_date():
    fields = contract_fields(T.HEALTH, R.MAIN_DUE_DATE)
    assert fields.shown() == {"reference", "main_due_date"}
    assert fields.required() == {"reference", "main_due_date"}
    assert not fields.new_insurer and not fields.new_insurer_required


def test_other_type_with_a_custom_reason():
    fields = contract_fields(T.OTHER, R.CUSTOM)
    assert fields.shown() == {
        "reference",
        "other_type",
        "property_address",
        "main_due_date",
        "custom_reason",
    }
    assert fields.required() == {"reference", "other_type", "custom_reason"}


def test_a_home_offers_the_insured_propertys_address():
    for home in (T.HOME_OWNER, T.HOME_TENANT, T.BUILDING):
        for reason in reasons_for(home):
            assert contract_fields(home, reason).property_address
    assert not contract_fields(T.HOME_TENANT, R.MOVE).main_due_date
    assert not contract_fields(T.HEALTH, R.CHATEL).property_address


def test_vehicles_have_a_registration_for_every_reason_others_never():
    for contract_type in ContractType:
        for reason in reasons_for(contract_type):
            fields = contract_fields(contract_type, reason)
            assert fields.registration == (contract_type in VEHICLES)
            assert fields.statement_of_information == (contract_type in VEHICLES)
            assert "reference" in fields.required()
            assert fields.required() <= fields.shown()
            assert fields.new_insurer_required == (reason in {R.HAMON, R.RIA})
            assert fields.custom_reason == fields.custom_reason_required == (reason is R.CUSTOM)
            assert fields.other_type == (contract_type is T.OTHER)


def test_before_the_reason_is_chosen_every_field_the_type_may_need_is_shown():
    health = contract_fields(T.HEALTH, None)
    assert health.shown() == {
        "reference",
        "main_due_date",
        "new_insurer",
        "new_reference",
        "custom_reason",
        "event_date",
    }
    assert health.required() == {"reference"}
    business = contract_fields(T.TEN_YEAR, None)
    assert not business.new_insurer and business.main_due_date
    assert contract_fields(T.OTHER, None).required() == {"reference", "other_type"}
    assert contract_fields(T.MOTORCYCLE, None).registration
    for contract_type in ContractType:
        union = contract_fields(contract_type, None).shown()
        for reason in reasons_for(contract_type):
            assert contract_fields(contract_type, reason).shown() <= union


def test_contract_fields_default_shows_the_due_date_only():
    assert ContractFields().shown() == {"reference", "main_due_date"}
    assert ContractFields().required() == {"reference"}


# -- who may send --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "types, reason, refusal",
    [
        ([T.AUTO], R.HAMON, "hamon"),
        ([T.HOME_TENANT], R.HAMON, "hamon"),
        ([T.MOTORCYCLE], R.HAMON, "hamon"),
        ([T.OTHER_VEHICLE], R.HAMON, "hamon"),
        ([T.HOME_OWNER, T.HOME_TENANT], R.HAMON, "hamon"),
        ([T.HOME_OWNER], R.HAMON, None),
        ([T.PORTABLE_DEVICES, T.OTHER], R.HAMON, None),
        ([T.HEALTH], R.RIA, "ria"),
        ([T.HEALTH], R.MAIN_DUE_DATE, None),
        ([T.AUTO], R.MAIN_DUE_DATE, None),
        ([T.HOME_TENANT], R.MOVE, None),
        (["auto"], "loi_hamon", "hamon"),
        ([], R.HAMON, None),
    ],
)
def test_platform_sender_refusal(types, reason, refusal):
    assert platform_sender_refusal(types, reason) == refusal


def test_every_refusal_has_its_french_sentence(app):
    codes = {
        platform_sender_refusal([t], r)
        for t in ContractType
        for r in reasons_for(t)
        if platform_sender_refusal([t], r)
    }
    assert codes == set(PLATFORM_REFUSALS) == {"hamon", "ria"}
    with app.test_request_context():
        assert "loi Hamon" in str(PLATFORM_REFUSALS["hamon"])
        assert "complémentaire santé" in str(PLATFORM_REFUSALS["ria"])
