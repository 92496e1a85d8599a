"""The rules of termination letters: contract types, reasons and what goes with what, and the dates.

Pure functions, no I/O: views, forms, the letter and the jobs call them, never restate them.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
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

# Changes of situation (art. L.113-16 of the Code des assurances): the letter states the date
# and nature of the event.
EVENT_REASONS = frozenset({Reason.MOVE, Reason.MATRIMONIAL_REGIME, Reason.MARITAL_SITUATION})

# Reasons whose dates the portal computes from the new contract's effective date.
DATED_BY_EFFECT = frozenset({Reason.HAMON, Reason.RIA})


class Sender(StrEnum):
    """Who sends the letter: the agency (mandated by its client) or the platform."""

    AGENCY = "agency"
    PLATFORM = "platform"


class SendType(StrEnum):
    LRAR = "lrar"  # with acknowledgement of receipt
    LR = "lr"


# --- Compatibility of contract types and reasons ---------------------------------------------
#
# Which reasons a contract type may be terminated for (manual §5.4: « les motifs de résiliation
# proposés sont réduits à ceux qui sont compatibles »). Articles of the Code des assurances unless
# told; the Code de la mutualité has the same rules for mutual health and provident contracts.
#
#   Ham  loi Hamon — art. L113-15-2 and R113-12: after one year, personal contracts of natural
#        persons for land motor vehicles (car, motorcycle, other), home multi-risk (tenant and
#        owner) and affinity products (portable devices). Not health (that is RIA).
#   Éch  main due date — art. L113-12: every contract, at its annual due date.
#   Châ  loi Châtel — art. L113-15-1 (L221-10-1 mutualité): tacitly renewed contracts of natural
#        persons outside their trade; not the business, farm, municipality or building contracts.
#   Dom  change of address — art. L113-16: risks tied to the former situation (home, vehicles,
#        health, the household's personal risks); not portable devices nor business contracts.
#   Rét  withdrawal — art. L112-9 (canvassing), L112-2-1 (distance selling), L112-10 (affinity
#        double insurance), L221-18 mutualité: consumers only, so personal contracts.
#   Rég  change of matrimonial regime — art. L113-16: as « Dom ».
#   Sit  change of marital situation — art. L113-16: as « Dom ».
#   Aug  premium increase — the contract's own clause (termination within the notice period of
#        the new premium): every contract.
#   D/V  death of the insured or sale of a good other than a vehicle — art. L121-10 (death,
#        sale); a vehicle's sale goes through art. L121-11 (suspension), so not for vehicles;
#        not a municipality (it neither dies nor sells its whole risk).
#   Per  custom reason (free text): every contract.
#   RIA  infra-annual termination of complementary health — art. L113-15-2 (as amended by
#        law 2019-733, since 1 Dec 2020), L221-10-2 mutualité, L932-12-2 sécurité sociale:
#        complementary health only.
#
# « Autre type » accepts every reason but RIA (the agent names the type).
# One line per type, in the manual's order; « x » offered, « . » not. Checked on import.
_REASON_COLUMNS = (
    Reason.HAMON,
    Reason.MAIN_DUE_DATE,
    Reason.CHATEL,
    Reason.MOVE,
    Reason.WITHDRAWAL,
    Reason.MATRIMONIAL_REGIME,
    Reason.MARITAL_SITUATION,
    Reason.PREMIUM_INCREASE,
    Reason.DEATH_OR_SALE,
    Reason.CUSTOM,
    Reason.RIA,
)
# fmt: off
_COMPATIBILITY_GRID: dict[ContractType, str] = {
    #                                     Ham Éch Châ Dom Rét Rég Sit Aug D/V Per RIA
    ContractType.AUTO:                   " x   x   x   x   x   x   x   x   .   x   . ",
    ContractType.HOME_OWNER:             " x   x   x   x   x   x   x   x   x   x   . ",
    ContractType.HEALTH:                 " .   x   x   x   x   x   x   x   x   x   x ",
    ContractType.OTHER_VEHICLE:          " x   x   x   x   x   x   x   x   .   x   . ",
    ContractType.MOTORCYCLE:             " x   x   x   x   x   x   x   x   .   x   . ",
    ContractType.FAMILY_PROTECTION:      " .   x   x   x   x   x   x   x   x   x   . ",
    ContractType.PROFESSIONAL_MULTIRISK: " .   x   .   .   .   .   .   x   x   x   . ",
    ContractType.PROVIDENT:              " .   x   x   x   x   x   x   x   x   x   . ",
    ContractType.LEGAL_PROTECTION:       " .   x   x   x   x   x   x   x   x   x   . ",
    ContractType.HOME_TENANT:            " x   x   x   x   x   x   x   x   x   x   . ",
    ContractType.LOSS_OF_INCOME:         " .   x   x   x   x   x   x   x   x   x   . ",
    ContractType.AGRICULTURAL_MULTIRISK: " .   x   .   .   .   .   .   x   x   x   . ",
    ContractType.TEN_YEAR:               " .   x   .   .   .   .   .   x   x   x   . ",
    ContractType.MUNICIPALITY_MULTIRISK: " .   x   .   .   .   .   .   x   .   x   . ",
    ContractType.PLEASURE_BOAT:          " .   x   x   x   x   x   x   x   x   x   . ",
    ContractType.PORTABLE_DEVICES:       " x   x   x   .   x   .   .   x   x   x   . ",
    ContractType.CIVIL_LIABILITY:        " .   x   x   x   x   x   x   x   x   x   . ",
    ContractType.BUILDING:               " .   x   .   .   .   .   .   x   x   x   . ",
    ContractType.DRIVER_BODILY:          " .   x   x   x   x   x   x   x   x   x   . ",
    ContractType.ACCIDENTS_OF_LIFE:      " .   x   x   x   x   x   x   x   x   x   . ",
    ContractType.HARVEST:                " .   x   .   .   .   .   .   x   x   x   . ",
    ContractType.OTHER:                  " x   x   x   x   x   x   x   x   x   x   . ",
}
# fmt: on


def _read_grid(grid: dict[ContractType, str]) -> dict[ContractType, tuple[Reason, ...]]:
    if set(grid) != set(ContractType) or set(_REASON_COLUMNS) != set(Reason):
        raise RuntimeError("the compatibility grid must have every contract type and reason")
    table = {}
    for contract_type, line in grid.items():
        marks = line.split()
        if len(marks) != len(_REASON_COLUMNS) or set(marks) - {"x", "."}:
            raise RuntimeError(f"bad compatibility line for {contract_type}: {line!r}")
        offered = {r for r, mark in zip(_REASON_COLUMNS, marks, strict=True) if mark == "x"}
        table[contract_type] = tuple(r for r in Reason if r in offered)  # the manual's order
    return table


COMPATIBILITY: dict[ContractType, tuple[Reason, ...]] = _read_grid(_COMPATIBILITY_GRID)


def reasons_for(contract_type: ContractType) -> list[Reason]:
    """The reasons offered for ``contract_type``, in the manual's order."""
    return list(COMPATIBILITY[ContractType(contract_type)])


def compatible_types(reason: Reason) -> list[ContractType]:
    """The contract types that may join a letter whose reason is ``reason`` (« Ajouter un
    contrat à cette lettre »), in the manual's order."""
    reason = Reason(reason)
    return [t for t in ContractType if reason in COMPATIBILITY[t]]


def is_compatible(contract_type: ContractType, reason: Reason) -> bool:
    """Whether ``reason`` may be invoked for ``contract_type``."""
    return Reason(reason) in COMPATIBILITY[ContractType(contract_type)]


# --- The contract form --------------------------------------------------------------------

# Types insuring a place: the form offers « Adresse du bien assuré » (« Utiliser l'adresse du
# souscripteur »). « Autre type » too, since the agent's type may be one.
PROPERTY_TYPES = frozenset(
    {
        ContractType.HOME_OWNER,
        ContractType.HOME_TENANT,
        ContractType.BUILDING,
        ContractType.PROFESSIONAL_MULTIRISK,
        ContractType.AGRICULTURAL_MULTIRISK,
        ContractType.OTHER,
    }
)

# Reasons whose letter takes effect at, or refers to, the contract's main due date: the form
# shows « Échéance principale » (required for the main due date reason itself). Loi Hamon and
# RIA end one month after notification, L113-16 events one month after notification, withdrawal
# and death/sale from the event: no due date.
DUE_DATE_REASONS = frozenset(
    {Reason.MAIN_DUE_DATE, Reason.CHATEL, Reason.PREMIUM_INCREASE, Reason.CUSTOM}
)


@dataclass(frozen=True)
class ContractFields:
    """Which fields the contract form shows for a type and a reason, and which are required.

    Each flag says the field is shown; the ``*_required`` flags (and ``other_type``, always
    required when shown) say it must be filled. The
    contract's reference is always shown and required. :meth:`shown` and :meth:`required` give
    the same as sets of the form's field names (those of ``LetterContract``, and
    ``custom_reason`` of ``Letter``)."""

    registration: bool = False  # vehicles: « Immatriculation » (optional)
    other_type: bool = False  # the free-text type of « Autre type » (required when shown)
    custom_reason: bool = False  # the custom reason's text
    new_insurer_required: bool = False  # loi Hamon and RIA: the new insurer is mandatory
    main_due_date: bool = True  # « Échéance principale » shown
    new_insurer: bool = False  # « Nouvel assureur ou organisme » shown
    new_reference: bool = False  # « Nouvelle référence de contrat ou d'offre » (optional)
    main_due_date_required: bool = False  # the main due date reason needs the date
    property_address: bool = False  # « Adresse du bien assuré » (optional)
    custom_reason_required: bool = False  # the custom reason needs its text
    statement_of_information: bool = False  # the letter asks for the relevé d'information
    event_date: bool = False  # a change of situation: « Date de l'événement »
    event_date_required: bool = False  # the letter must state it

    def shown(self) -> frozenset[str]:
        names = {"reference"}
        for name in (
            "other_type",
            "property_address",
            "registration",
            "main_due_date",
            "new_insurer",
            "new_reference",
            "custom_reason",
            "event_date",
        ):
            if getattr(self, name):
                names.add(name)
        return frozenset(names)

    def required(self) -> frozenset[str]:
        names = {"reference"}
        if self.other_type:
            names.add("other_type")
        if self.custom_reason_required:
            names.add("custom_reason")
        if self.new_insurer_required:
            names.add("new_insurer")
        if self.main_due_date_required:
            names.add("main_due_date")
        if self.event_date_required:
            names.add("event_date")
        return frozenset(names)


def contract_fields(contract_type: ContractType, reason: Reason | None) -> ContractFields:
    """The fields of the contract form for this type and reason.

    With ``reason=None`` (not chosen yet, e.g. a form without JavaScript shows every field the
    type may need): the fields of every reason offered for the type, none of them required but
    the type's own (« Autre type »'s name)."""
    contract_type = ContractType(contract_type)
    if reason is None:
        each = [contract_fields(contract_type, r) for r in reasons_for(contract_type)]
        return ContractFields(
            registration=contract_type in VEHICLES,
            other_type=contract_type is ContractType.OTHER,
            custom_reason=any(f.custom_reason for f in each),
            event_date=any(f.event_date for f in each),
            main_due_date=any(f.main_due_date for f in each),
            new_insurer=any(f.new_insurer for f in each),
            new_reference=any(f.new_reference for f in each),
            property_address=contract_type in PROPERTY_TYPES,
            statement_of_information=contract_type in VEHICLES,
        )
    reason = Reason(reason)
    by_effect = reason in DATED_BY_EFFECT
    return ContractFields(
        registration=contract_type in VEHICLES,
        other_type=contract_type is ContractType.OTHER,
        custom_reason=reason is Reason.CUSTOM,
        custom_reason_required=reason is Reason.CUSTOM,
        event_date=reason in EVENT_REASONS,
        event_date_required=reason in EVENT_REASONS,
        new_insurer_required=by_effect,
        main_due_date=reason in DUE_DATE_REASONS,
        new_insurer=by_effect,
        new_reference=by_effect,
        main_due_date_required=reason is Reason.MAIN_DUE_DATE,
        property_address=contract_type in PROPERTY_TYPES,
        statement_of_information=contract_type in VEHICLES,
    )


# --- Who may send -------------------------------------------------------------------------

# The platform is not an insurer. For compulsory insurances terminated under loi Hamon — motor
# liability of any land motor vehicle (art. L211-1: car, motorcycle, other) and the tenant's
# home — the new insurer itself must send the termination (art. L113-15-2, 4th para.); the same
# for the new organism of an RIA on complementary health. SPEC §4 says « car »: every land
# motor vehicle is meant, since all three carry the compulsory L211-1 insurance.
HAMON_BY_NEW_INSURER = VEHICLES | {ContractType.HOME_TENANT}

PLATFORM_REFUSALS: dict[str, object] = {
    "hamon": _l(
        "La plateforme n'étant pas un assureur, elle ne peut pas envoyer une résiliation en loi "
        "Hamon d'un contrat auto, moto, autre véhicule terrestre à moteur ou habitation "
        "locataire : le nouvel assureur (votre agence) doit en être l'émetteur."
    ),
    "ria": _l(
        "La plateforme n'étant pas un assureur, elle ne peut pas envoyer une résiliation "
        "infra-annuelle de complémentaire santé : le nouvel organisme (votre agence) doit en "
        "être l'émetteur."
    ),
}


def platform_sender_refusal(contract_types, reason: Reason) -> str | None:
    """Why the platform may not send a letter with these types and reason (None when it may):
    a key of :data:`PLATFORM_REFUSALS` — « hamon » for loi Hamon on a vehicle or tenant home
    contract, « ria » for RIA on complementary health."""
    types = {ContractType(t) for t in contract_types}
    reason = Reason(reason)
    if reason is Reason.HAMON and types & HAMON_BY_NEW_INSURER:
        return "hamon"
    if reason is Reason.RIA and ContractType.HEALTH in types:
        return "ria"
    return None


# --- Dates --------------------------------------------------------------------------------
#
# Loi Hamon and RIA (SPEC §4, FAQ « Quels sont les délais d'envoi… »): the notification is deemed
# the day after sending (the deposit notice's date); the termination takes effect one month after
# the notification, date to date, on the target month's last day when it has no such day; the new
# contract starts the next day. Send 29 Nov → notification 30 Nov → termination 30 Dec → new
# contract 31 Dec; send 30 Nov → 1 Dec → 1 Jan → 2 Jan: no send date gives 1 January.
#
# The map send → effective is non-decreasing, not one-to-one at month ends (30 and 31 January
# both end on 28 February) and skips some days (1 January, 30 March–1 April in a common year…).

SEND_CUTOFF = time(20, 0)  # same-day sending, Paris time, seven days a week, holidays included
FIRST_LETTER_CUTOFF = time(18, 0)  # an account's first letter: advised, for the support's check

NO_SEND_DATE_MESSAGES: dict[str, object] = {
    "too_early": _l(
        "Cette date de prise d'effet est trop proche : plus aucun envoi ne peut l'atteindre. "
        "Choisissez la date proposée ou une date plus lointaine."
    ),
    "unreachable": _l(
        "Aucune date d'envoi ne donne exactement cette date de prise d'effet (un mois à compter "
        "de la notification, le lendemain de l'envoi). Choisissez l'une des dates proposées."
    ),
}


def _days_in_month(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def _previous_month(year: int, month: int) -> tuple[int, int]:
    return (year - 1, 12) if month == 1 else (year, month - 1)


def _add_one_month(day: date) -> date:
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return date(year, month, min(day.day, _days_in_month(year, month)))


class NoSendDate(ValueError):
    """No send date (today or later) gives this effective date; ``nearest`` lists the nearest
    reachable ones, sorted: the earliest reachable alone when the date is too early
    (``too_early``), else the reachable day before and the one after."""

    def __init__(self, message: str, nearest: list[date], *, too_early: bool = False):
        super().__init__(message)
        self.nearest = nearest
        self.too_early = too_early

    @property
    def kind(self) -> str:
        """A key of :data:`NO_SEND_DATE_MESSAGES`."""
        return "too_early" if self.too_early else "unreachable"


def effective_date_for_send_date(send: date) -> date:
    """Loi Hamon / RIA: the new contract's first day for a letter sent on ``send`` —
    notification the day after sending, termination one month later date to date (clamped to the
    month's last day), the new contract the next day."""
    notification = send + timedelta(days=1)
    return _add_one_month(notification) + timedelta(days=1)


def _send_dates_for(effective: date) -> tuple[date, date] | None:
    """The first and last send dates (any day, past or not) giving ``effective``, or None."""
    termination = effective - timedelta(days=1)
    year, month = _previous_month(termination.year, termination.month)
    source_days = _days_in_month(year, month)
    if termination.day > source_days:
        return None  # the month before has no such day: no notification ends there
    first = date(year, month, termination.day)
    last = first
    if termination.day == _days_in_month(termination.year, termination.month):
        last = date(year, month, source_days)  # 29, 30, 31 January all end on 28 February
    return first - timedelta(days=1), last - timedelta(days=1)


def earliest_effective_date(today: date) -> date:
    """« Au plus tôt »: the first effective date a letter sent on ``today`` (the first day it can
    leave, e.g. :func:`agency_send_day` of now) reaches."""
    return effective_date_for_send_date(today)


def send_date_for_effective_date(effective: date, today: date) -> date:
    """The send date (``today`` or later) whose effective date is exactly ``effective`` — the
    earliest one when several give it (the letter leaves as soon as it can); raises
    :class:`NoSendDate` with the nearest reachable effective dates when there is none."""
    earliest = earliest_effective_date(today)
    if effective < earliest:
        raise NoSendDate("effective date too early", [earliest], too_early=True)
    sends = _send_dates_for(effective)
    if sends is not None:
        # ``effective >= earliest`` and the map is non-decreasing, so the last one is today or
        # later: the earliest of them still to come.
        return max(sends[0], today)
    # A skipped day: the termination would fall on a day the month before lacks (31 December
    # from 31 November). Before: the month's last reachable termination; after: the 1st of the
    # next month (from the 1st of this one).
    termination = effective - timedelta(days=1)
    year, month = _previous_month(termination.year, termination.month)
    before = date(termination.year, termination.month, _days_in_month(year, month))
    before += timedelta(days=1)
    after = _add_one_month(termination.replace(day=1)) + timedelta(days=1)
    nearest = [d for d in (before, after) if d >= earliest]
    raise NoSendDate("no send date reaches this effective date", nearest)


def _require_aware(moment: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("an aware datetime is required (a naive one has no time zone)")


def agency_send_day(validated_at: datetime, cutoff: time = SEND_CUTOFF) -> date:
    """The day a letter validated at ``validated_at`` (aware, any time zone) leaves when the
    agency sends it: the same day before ``cutoff`` in Paris time (seven days a week, holidays
    included), else the next day. A naive datetime raises ``ValueError``."""
    _require_aware(validated_at)
    local = validated_at.astimezone(PARIS)
    limit = cutoff.replace(tzinfo=None)
    return local.date() if local.time() < limit else local.date() + timedelta(days=1)


def platform_signature_deadline(send_day: date, cutoff: time = SEND_CUTOFF) -> datetime:
    """Platform sender: the instant (aware, UTC) by which the subscriber must have e-signed the
    mandate for the letter to leave on ``send_day`` — ``cutoff`` Paris time that day."""
    local = datetime.combine(send_day, cutoff.replace(tzinfo=None), tzinfo=PARIS)
    return local.astimezone(UTC)
