"""The rules of termination letters: contract types, reasons and what goes with what, and the dates.

Pure functions, no I/O: views, forms, the letter and the jobs call them, never restate them.
(First version: the catalogue is final; compatibility and dates are completed with the rules work.)
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from plugins.resiliation.i18n import _l

PARIS = ZoneInfo("Europe/Paris")


class ContractType(StrEnum):
    """The 22 contract types of the manual (§5.3), in its order."""

    AUTO = "auto"
    HOME_OWNER = "habitation_proprietaire"
    HEALTH = "sante"
    OTHER_VEHICLE = "vtam"
    MOTORCYCLE = "moto"
    FAMILY_PROTECTION = "protection_familiale"
    PROFESSIONAL_MULTIRISK = "multirisque_pro"
    PROVIDENT = "prevoyance"
    LEGAL_PROTECTION = "protection_juridique"
    HOME_TENANT = "habitation_locataire"
    LOSS_OF_INCOME = "perte_revenus"
    AGRICULTURAL_MULTIRISK = "multirisque_agricole"
    TEN_YEAR = "decennale"
    MUNICIPALITY_MULTIRISK = "multirisque_commune"
    PLEASURE_BOAT = "plaisance"
    PORTABLE_DEVICES = "appareils_nomades"
    CIVIL_LIABILITY = "responsabilite_civile"
    BUILDING = "immeuble"
    DRIVER_BODILY = "garantie_conducteur"
    ACCIDENTS_OF_LIFE = "accidents_vie"
    HARVEST = "recolte"
    OTHER = "autre"


CONTRACT_TYPE_LABELS: dict[ContractType, object] = {
    ContractType.AUTO: _l("Assurance auto"),
    ContractType.HOME_OWNER: _l("Assurance habitation (Propriétaire-Propriétaire non occupant)"),
    ContractType.HEALTH: _l("Complémentaire Santé"),
    ContractType.OTHER_VEHICLE: _l("Autre véhicule terrestre à moteur"),
    ContractType.MOTORCYCLE: _l("Assurance moto"),
    ContractType.FAMILY_PROTECTION: _l("Protection Familiale"),
    ContractType.PROFESSIONAL_MULTIRISK: _l("Multi risque professionnelle"),
    ContractType.PROVIDENT: _l("Prévoyance"),
    ContractType.LEGAL_PROTECTION: _l("Protection juridique"),
    ContractType.HOME_TENANT: _l("Assurance habitation (Locataire)"),
    ContractType.LOSS_OF_INCOME: _l("Garantie perte de revenus"),
    ContractType.AGRICULTURAL_MULTIRISK: _l("Multi risque Agricole"),
    ContractType.TEN_YEAR: _l("Garantie Décennale"),
    ContractType.MUNICIPALITY_MULTIRISK: _l("Multirisque Commune"),
    ContractType.PLEASURE_BOAT: _l("Plaisance"),
    ContractType.PORTABLE_DEVICES: _l("Appareils nomades"),
    ContractType.CIVIL_LIABILITY: _l("Responsabilité civile"),
    ContractType.BUILDING: _l("Assurance Immeuble"),
    ContractType.DRIVER_BODILY: _l("Garantie Corporelle du Conducteur"),
    ContractType.ACCIDENTS_OF_LIFE: _l("Garantie des Accidents de la vie"),
    ContractType.HARVEST: _l("Assurance Récolte"),
    ContractType.OTHER: _l("Autre type"),
}

# Land motor vehicles: a registration number, and the letter asks for the statement of information.
VEHICLES = frozenset({ContractType.AUTO, ContractType.MOTORCYCLE, ContractType.OTHER_VEHICLE})


class Reason(StrEnum):
    """The reasons for terminating (manual §5.4, SPEC §4), in the manual's order, RIA last."""

    HAMON = "loi_hamon"
    MAIN_DUE_DATE = "echeance_principale"
    CHATEL = "loi_chatel"
    MOVE = "changement_domicile"
    WITHDRAWAL = "retractation"
    MATRIMONIAL_REGIME = "changement_regime_matrimonial"
    MARITAL_SITUATION = "changement_situation_matrimoniale"
    PREMIUM_INCREASE = "augmentation_tarif"
    DEATH_OR_SALE = "deces_ou_vente"
    CUSTOM = "personnalise"
    RIA = "ria"


REASON_LABELS: dict[Reason, object] = {
    Reason.HAMON: _l("Loi Hamon"),
    Reason.MAIN_DUE_DATE: _l("Échéance principale"),
    Reason.CHATEL: _l(
        "Loi Châtel : Application de l'article L.113-15-1 du Code des Assurances et L221-10-1 "
        "du Code de la Mutualité"
    ),
    Reason.MOVE: _l("Changement de domicile"),
    Reason.WITHDRAWAL: _l("Rétractation"),
    Reason.MATRIMONIAL_REGIME: _l("Changement de régime matrimonial"),
    Reason.MARITAL_SITUATION: _l("Changement de situation matrimoniale"),
    Reason.PREMIUM_INCREASE: _l("Augmentation de votre tarif"),
    Reason.DEATH_OR_SALE: _l("Décès de l'assuré ou vente d'un bien autre qu'un véhicule"),
    Reason.CUSTOM: _l("Motif de résiliation personnalisé"),
    Reason.RIA: _l("Résiliation infra-annuelle (complémentaire santé)"),
}

# Reasons whose dates the portal computes from the new contract's effective date.
DATED_BY_EFFECT = frozenset({Reason.HAMON, Reason.RIA})


class Sender(StrEnum):
    """Who sends the letter: the agency (mandated by its client) or the platform."""

    AGENCY = "agency"
    PLATFORM = "platform"


class SendType(StrEnum):
    LRAR = "lrar"  # with acknowledgement of receipt
    LR = "lr"


@dataclass(frozen=True)
class ContractFields:
    """Which fields the contract form shows for a type and a reason, and which are required."""

    registration: bool = False
    other_type: bool = False  # the free-text type of « Autre type »
    custom_reason: bool = False
    new_insurer_required: bool = False  # loi Hamon and RIA: the new insurer is mandatory
    main_due_date: bool = True


def reasons_for(contract_type: ContractType) -> list[Reason]:
    """The reasons offered for ``contract_type``, in the manual's order."""
    reasons = [r for r in Reason if r is not Reason.RIA]
    if contract_type is ContractType.HEALTH:
        reasons.append(Reason.RIA)
    return reasons


def compatible_types(reason: Reason) -> list[ContractType]:
    """The contract types that may join a letter whose reason is ``reason``."""
    return [t for t in ContractType if reason in reasons_for(t)]


def contract_fields(contract_type: ContractType, reason: Reason | None) -> ContractFields:
    """The fields of the contract form for this type and reason."""
    return ContractFields(
        registration=contract_type in VEHICLES,
        other_type=contract_type is ContractType.OTHER,
        custom_reason=reason is Reason.CUSTOM,
        new_insurer_required=reason in DATED_BY_EFFECT,
    )


def platform_sender_refusal(contract_types, reason: Reason) -> str | None:
    """Why the platform may not send a letter with these types and reason (None when it may):
    not for loi Hamon on car and tenant home contracts, nor for RIA on complementary health."""
    types = set(contract_types)
    if reason is Reason.HAMON and types & {ContractType.AUTO, ContractType.HOME_TENANT}:
        return "hamon"
    if reason is Reason.RIA and ContractType.HEALTH in types:
        return "ria"
    return None


def _add_one_month(day: date) -> date:
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


class NoSendDate(ValueError):
    """No send date gives this effective date; ``nearest`` lists the nearest reachable ones."""

    def __init__(self, message: str, nearest: list[date]):
        super().__init__(message)
        self.nearest = nearest


def effective_date_for_send_date(send: date) -> date:
    """Loi Hamon / RIA: the new contract's first day for a letter sent on ``send`` —
    notification the day after sending, termination one month later date to date (clamped to the
    month's last day), the new contract the next day."""
    notification = send + timedelta(days=1)
    return _add_one_month(notification) + timedelta(days=1)


def send_date_for_effective_date(effective: date, today: date) -> date:
    """The send date (today or later) whose effective date is exactly ``effective``; raises
    :class:`NoSendDate` with the nearest reachable effective dates when there is none."""
    candidate = today
    limit = effective
    while candidate <= limit:
        reached = effective_date_for_send_date(candidate)
        if reached == effective:
            return candidate
        if reached > effective:
            break
        candidate += timedelta(days=1)
    earliest = effective_date_for_send_date(today)
    raise NoSendDate("no send date", [earliest] if effective < earliest else [])


def agency_send_day(validated_at: datetime, cutoff: time = time(20, 0)) -> date:
    """The day a letter validated at ``validated_at`` leaves when the agency sends it: the same
    day before ``cutoff`` in Paris time (seven days a week), else the next day."""
    local = validated_at.astimezone(PARIS)
    return local.date() if local.time() < cutoff else local.date() + timedelta(days=1)
