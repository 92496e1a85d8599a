"""The subscription's rules, pure functions with no I/O: the needs and their levels, the
regimes, quote and contract states with the transitions allowed between them, numbers, validity,
ages, zones and prices.

Every price is integer cents TTC. A household's monthly price is, for each person covered, the
formula's price for their age band (a child's price for a child) times the zone's and the
regime's coefficients, rounded to the cent; plus the options, per person; plus the association
fee once. The annual price is twelve months.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from portal.core.i18n import N_

PARIS = ZoneInfo("Europe/Paris")

if TYPE_CHECKING:
    from plugins.subscription.products import Formula, Product

# --- needs, levels, regimes ----------------------------------------------------------------------

# The five needs of « Vos besoins santé », in the guide's order, with their labels.
NEEDS: dict[str, str] = {
    "optical": N_("Optique (lunettes, lentilles)"),
    "dental": N_("Dentaire (prothèses, soins)"),
    "hearing": N_("Audiologie (prothèses auditives)"),
    "hospital": N_("En cas d'hospitalisation (confort)"),
    "fee_overruns": N_("Remboursement des dépassements d'honoraires"),
}
# The levels a need is asked at; a formula covers each need up to one of them (its index).
LEVELS: tuple[str, ...] = ("minimal", "median", "reinforced", "maximal")
LEVEL_LABELS: dict[str, str] = {
    "minimal": N_("Minimal"),
    "median": N_("Médian"),
    "reinforced": N_("Renforcé"),
    "maximal": N_("Maximal"),
}
REGIMES: dict[str, str] = {
    "general": N_("Régime général"),
    "alsace_moselle": N_("Régime local Alsace-Moselle"),
    "agricole": N_("Régime agricole (MSA)"),
    "cfe": N_("Caisse des Français de l'Étranger (CFE)"),
    "none": N_("Sans régime obligatoire français"),
}
CIVILITIES: dict[str, str] = {"mme": N_("Madame"), "m": N_("Monsieur")}


# --- quotes --------------------------------------------------------------------------------------


class QuoteState(enum.StrEnum):
    """The states of a quote (guide §3, « Statut devis »)."""

    VALIDATED = "validated"  # « Validé »: issued and sent, not subscribed yet (to follow up)
    INCOMPLETE = "incomplete"  # « Incomplet »: the client has no email, the paper form instead
    PROPOSED = "proposed"  # « Proposé »: the client opened the subscription from the link
    ACCEPTED = "accepted"  # « Accepté »: « Signer le contrat » clicked, e-signature under way
    AWAITING_DOCUMENTS = "awaiting_documents"  # « En attente de pièce(s) »: signing by hand
    AWAITING_VALIDATION = "awaiting_validation"  # « En attente de validation »: paper file in
    SUBSCRIBED = "subscribed"  # « Souscrit »: signed, the contract exists
    REFUSED = "refused"  # « Refusé »: the client refused to sign, or the signature failed
    DECLINED = "declined"  # « Décliné »: replaced by a new version, or closed by the agent
    EXPIRED = "expired"  # « Expiré »: not subscribed within its validity


QUOTE_STATE_LABELS: dict[QuoteState, str] = {
    QuoteState.ACCEPTED: N_("Accepté"),
    QuoteState.DECLINED: N_("Décliné"),
    QuoteState.AWAITING_DOCUMENTS: N_("En attente de pièce(s)"),
    QuoteState.AWAITING_VALIDATION: N_("En attente de validation"),
    QuoteState.EXPIRED: N_("Expiré"),
    QuoteState.INCOMPLETE: N_("Incomplet"),
    QuoteState.PROPOSED: N_("Proposé"),
    QuoteState.REFUSED: N_("Refusé"),
    QuoteState.SUBSCRIBED: N_("Souscrit"),
    QuoteState.VALIDATED: N_("Validé"),
}

_Q = QuoteState
# Every transition a quote may make; anything else is refused by ``check_quote_transition``.
QUOTE_TRANSITIONS: dict[QuoteState, frozenset[QuoteState]] = {
    _Q.VALIDATED: frozenset(
        {_Q.PROPOSED, _Q.ACCEPTED, _Q.AWAITING_DOCUMENTS, _Q.DECLINED, _Q.EXPIRED}
    ),
    _Q.PROPOSED: frozenset({_Q.ACCEPTED, _Q.AWAITING_DOCUMENTS, _Q.DECLINED, _Q.EXPIRED}),
    _Q.ACCEPTED: frozenset({_Q.SUBSCRIBED, _Q.REFUSED}),
    _Q.AWAITING_DOCUMENTS: frozenset({_Q.AWAITING_VALIDATION, _Q.SUBSCRIBED, _Q.DECLINED}),
    _Q.AWAITING_VALIDATION: frozenset({_Q.SUBSCRIBED, _Q.DECLINED}),
    _Q.INCOMPLETE: frozenset({_Q.DECLINED, _Q.EXPIRED}),
    _Q.SUBSCRIBED: frozenset(),
    _Q.REFUSED: frozenset(),
    _Q.DECLINED: frozenset(),
    _Q.EXPIRED: frozenset(),
}
# A quote in these states may still be subscribed from its link (until it expires).
SUBSCRIBABLE = frozenset({_Q.VALIDATED, _Q.PROPOSED})
# « Modifier » issues a new version of a quote in these states (the old one is « Décliné »).
MODIFIABLE = frozenset({_Q.VALIDATED, _Q.PROPOSED, _Q.INCOMPLETE})
# A refused (failed signature) or expired quote is duplicated instead (« Dupliquer »): the next
# version is issued and the old one stays as it is.
REISSUABLE = MODIFIABLE | frozenset({_Q.REFUSED, _Q.EXPIRED})
# The expiry job looks at these.
EXPIRABLE = frozenset({_Q.VALIDATED, _Q.PROPOSED, _Q.INCOMPLETE})


class TransitionRefused(ValueError):
    """A quote or contract asked to go where its state machine does not lead."""


def check_quote_transition(current: str, target: str) -> QuoteState:
    """``target`` as a state when ``current`` may go there; else :class:`TransitionRefused`."""
    source, destination = QuoteState(current), QuoteState(target)
    if destination not in QUOTE_TRANSITIONS[source]:
        raise TransitionRefused(f"quote: {source} → {destination} is not allowed")
    return destination


# --- contracts ---------------------------------------------------------------------------------


class ContractProgress(enum.StrEnum):
    """« Avancement » of a membership request (guide §5)."""

    AWAITING_DOCUMENTS = "awaiting_documents"  # « En attente de pièces »
    FILE_TRANSMITTED = "file_transmitted"  # « Dossier transmis »: ≥ 1 document uploaded
    MEMBERSHIP_CREATED = "membership_created"  # « Adhésion créée »: by the back office


PROGRESS_LABELS: dict[ContractProgress, str] = {
    ContractProgress.AWAITING_DOCUMENTS: N_("En attente de pièces"),
    ContractProgress.FILE_TRANSMITTED: N_("Dossier transmis"),
    ContractProgress.MEMBERSHIP_CREATED: N_("Adhésion créée"),
}
PROGRESS_TRANSITIONS: dict[ContractProgress, frozenset[ContractProgress]] = {
    ContractProgress.AWAITING_DOCUMENTS: frozenset({ContractProgress.FILE_TRANSMITTED}),
    ContractProgress.FILE_TRANSMITTED: frozenset({ContractProgress.MEMBERSHIP_CREATED}),
    ContractProgress.MEMBERSHIP_CREATED: frozenset(),
}


def check_progress(current: str, target: str) -> ContractProgress:
    source, destination = ContractProgress(current), ContractProgress(target)
    if destination not in PROGRESS_TRANSITIONS[source]:
        raise TransitionRefused(f"contract: {source} → {destination} is not allowed")
    return destination


# --- the premium account (« compte cotisant ») -------------------------------------------------


class MovementKind(enum.StrEnum):
    """A line of a client's premium account. A contract's monthly premium is called on its
    debit day and presented by SEPA direct debit under its mandate the same day; the bank's
    rejections come back as unpaid; other money (cheque, transfer) is a payment, assigned to a
    contract or not yet (« non affecté »)."""

    CALL = "call"  # « Appel de cotisation »: owed from its date
    DIRECT_DEBIT = "direct_debit"  # « Prélèvement SEPA »: presented under the mandate
    UNPAID = "unpaid"  # « Impayé »: a direct debit the bank returned
    PAYMENT = "payment"  # « Encaissement »: a cheque or a transfer received


MOVEMENT_LABELS: dict[MovementKind, str] = {
    MovementKind.CALL: N_("Appel de cotisation"),
    MovementKind.DIRECT_DEBIT: N_("Prélèvement SEPA"),
    MovementKind.UNPAID: N_("Impayé"),
    MovementKind.PAYMENT: N_("Encaissement"),
}
# The SEPA reasons a bank gives for returning a direct debit (EPC R-transaction codes).
UNPAID_REASONS: dict[str, str] = {
    "AM04": N_("AM04 — Provision insuffisante"),
    "AC04": N_("AC04 — Compte clôturé"),
    "AC06": N_("AC06 — Compte bloqué"),
    "MD01": N_("MD01 — Pas de mandat valide"),
    "MD06": N_("MD06 — Contestation du débiteur"),
    "MS02": N_("MS02 — Refus du débiteur"),
    "MS03": N_("MS03 — Motif non communiqué"),
}


def debit_date(year: int, month: int, debit_day: int, effective: date) -> date | None:
    """The day the premium of ``month`` is called and debited: the contract's debit day (the
    28th at the latest, every month has one), its effective date in its first month when that
    comes later; None before the effective month."""
    if (year, month) < (effective.year, effective.month):
        return None
    day = date(year, month, min(max(debit_day, 1), 28))
    return max(day, effective)


def premium_account(movements, today: date) -> tuple[int, int, int]:
    """(« Retard de paiement », « Mouvements financiers non affectés », « Solde ») in cents from
    a client's movements (``kind``, ``amount_cents``, ``on``, ``contract_id``): what was called
    by ``today`` and not paid, the money not assigned to a contract, and what the client has
    paid beyond what was called (negative: owes)."""
    called = paid = unassigned = 0
    for movement in movements:
        kind, amount = MovementKind(movement.kind), movement.amount_cents
        if kind == MovementKind.CALL:
            called += amount if movement.on <= today else 0
        elif kind == MovementKind.UNPAID:
            paid -= amount
        elif kind == MovementKind.PAYMENT and movement.contract_id is None:
            unassigned += amount
        else:
            paid += amount
    return max(0, called - paid), unassigned, paid + unassigned - called


class SignatureState(enum.StrEnum):
    """« Signature électronique » of a contract."""

    IN_PROGRESS = "in_progress"  # « En cours »
    SIGNED = "signed"  # « Signé »
    FAILED = "failed"  # « Échec »: refused, expired or cancelled
    BY_HAND = "by_hand"  # « Manuscrite »: documents emailed to print, sign and return


SIGNATURE_LABELS: dict[SignatureState, str] = {
    SignatureState.IN_PROGRESS: N_("En cours"),
    SignatureState.SIGNED: N_("Signé"),
    SignatureState.FAILED: N_("Échec"),
    SignatureState.BY_HAND: N_("Manuscrite"),
}

# The supporting documents a member uploads (guide §4, client space), in the order shown.
SUPPORTING_DOCUMENTS: dict[str, str] = {
    "identity": N_(
        "Copie de votre pièce d'identité en cours de validité (si l'adresse figurant sur cette "
        "pièce est différente de celle du bulletin d'adhésion, joindre un justificatif de moins "
        "de 3 mois)"
    ),
    "bank_details": N_(
        "Un RIB (relevé d'identité bancaire) ou RICE (relevé d'identité caisse d'épargne)"
    ),
    "social_security": N_(
        "Une copie de l'attestation d'assuré(e) social(e) et celle de vos bénéficiaires"
    ),
    "proof_of_address": N_("Le cas échéant : un justificatif de domicile de moins de 3 mois"),
    "company_registration": N_(
        "Le cas échéant : extrait d'actes de moins de 3 mois ou l'acte d'inscription SIRENE"
    ),
    "adult_children": N_(
        "Le cas échéant : pour les enfants majeurs, les documents justifiant de leur situation "
        "(certificat de scolarité, contrat d'alternance, contrat de travail)"
    ),
    "partner": N_(
        "Le cas échéant : pour les concubins, un justificatif de domicile commun ; pour les "
        "partenaires de PACS, une copie du pacte civil de solidarité"
    ),
    "other": N_("Autre pièce"),
}


# --- numbers and dates ------------------------------------------------------------------------


def quote_number(prefix: str, number: int, version: int) -> str:
    """« HOR-0000000033 / 1 »."""
    return f"{prefix}-{number:010d} / {version}"


def contract_number(prefix: str, number: int) -> str:
    """« HOR-0000000026 »."""
    return f"{prefix}-{number:010d}"


def expires_on(issued_on: date, validity_days: int) -> date:
    """The last day a quote issued on ``issued_on`` may be subscribed (« valable 30 jours »)."""
    return issued_on + timedelta(days=validity_days)


def iso_date(value) -> date | None:
    """A date kept as text in JSON (``2027-01-01``), or a date; None when empty or unreadable."""
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def age_at(birth_date: date, day: date) -> int:
    """Age in whole years on ``day``."""
    before_birthday = (day.month, day.day) < (birth_date.month, birth_date.day)
    return day.year - birth_date.year - (1 if before_birthday else 0)


def department_of(postal_code: str) -> str:
    """The French department of a postal code: its first two digits, three overseas (97x)."""
    code = postal_code.strip()
    return code[:3] if code.startswith("97") else code[:2]


def zone_for(product: Product, country: str, postal_code: str) -> str:
    """The product's tariff zone for an address: by country, then (in France) by department,
    else the default zone."""
    country = (country or "FR").upper()
    for zone in product.tariff.zones:
        if country in zone.countries:
            return zone.code
    if country == "FR":
        department = department_of(postal_code)
        for zone in product.tariff.zones:
            if department in zone.departments:
                return zone.code
    return product.tariff.default_zone


# --- prices ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Household:
    """Who is covered, where, from when: what a price depends on."""

    birth_date: date
    effective_date: date
    regime: str
    zone: str
    spouse_birth_date: date | None = None
    children: int = 0


@dataclass(frozen=True)
class PriceLine:
    """One line of a price: ``kind`` is "main", "spouse", "child" (``rank`` 1, 2…) or "option"
    (``code``); ``age`` at the effective date for the adults."""

    kind: str
    cents: int
    age: int | None = None
    rank: int = 0
    code: str = ""


@dataclass(frozen=True)
class Price:
    """A formula's monthly price for a household, by line; all cents TTC."""

    lines: tuple[PriceLine, ...]
    options: tuple[PriceLine, ...] = field(default_factory=tuple)
    association_fee: int = 0

    @property
    def insurance(self) -> int:
        return sum(line.cents for line in self.lines)

    @property
    def options_total(self) -> int:
        return sum(line.cents for line in self.options)

    @property
    def monthly(self) -> int:
        return self.insurance + self.options_total + self.association_fee

    @property
    def annual(self) -> int:
        return self.monthly * 12


class NotInsurable(ValueError):
    """The household is outside the product (age, regime): ``message`` says why, for the user."""

    def __init__(self, message: str, **values):
        super().__init__(message)
        self.message = message  # a French source string (``N_``), ``values`` fill it
        self.values = values


def band_index(age_bands: list[int], age: int) -> int:
    """The index of the age band ``age`` falls in (bands given by their first age)."""
    index = 0
    for position, start in enumerate(age_bands):
        if age >= start:
            index = position
    return index


def _apply(cents: int, *percents: int) -> int:
    value = Decimal(cents)
    for percent in percents:
        value = value * Decimal(percent) / Decimal(100)
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def insurable_problem(product: Product, household: Household) -> tuple[str, dict] | None:
    """Why the household cannot take the product (a French source sentence and its values), or
    None."""
    tariff = product.tariff
    if household.regime not in tariff.regimes:
        return N_("Ce produit n'est pas proposé pour ce régime de sécurité sociale."), {}
    age = age_at(household.birth_date, household.effective_date)
    if not tariff.min_age <= age <= tariff.max_age:
        return (
            N_("Ce produit s'adresse aux assurés de %(min)s à %(max)s ans à la date d'effet."),
            {"min": tariff.min_age, "max": tariff.max_age},
        )
    return None


def price(
    product: Product, formula: Formula, household: Household, options: list[str] | tuple = ()
) -> Price:
    """The monthly price of ``formula`` with ``options`` for ``household`` (module docstring).
    Raises :class:`NotInsurable` when :func:`insurable_problem` says so."""
    problem = insurable_problem(product, household)
    if problem is not None:
        raise NotInsurable(problem[0], **problem[1])
    tariff = product.tariff
    zone = next(z for z in tariff.zones if z.code == household.zone)
    coefficients = (zone.coefficient, tariff.regimes[household.regime])
    day = household.effective_date
    lines: list[PriceLine] = []
    adults = [("main", household.birth_date)]
    if household.spouse_birth_date is not None:
        adults.append(("spouse", household.spouse_birth_date))
    for role, birth in adults:
        age = age_at(birth, day)
        base = formula.adult[band_index(tariff.age_bands, age)]
        lines.append(PriceLine(role, _apply(base, *coefficients), age=age))
    charged_children = min(household.children, tariff.children_charged)
    for rank in range(1, household.children + 1):
        cents = _apply(formula.child, *coefficients) if rank <= charged_children else 0
        lines.append(PriceLine("child", cents, rank=rank))
    option_lines = []
    for code in options:
        option = product.option(code)
        if option is None:
            continue
        cents = option.adult * len(adults) + option.child * charged_children
        option_lines.append(PriceLine("option", cents, code=code))
    return Price(tuple(lines), tuple(option_lines), product.association.monthly_fee)


def recommended_formula(product: Product, wanted: dict[str, str]) -> Formula:
    """The first formula (in the product's order, cheapest first) covering every need at the
    level asked (``wanted``: need → level name); the last one when none does."""
    asked = {need: LEVELS.index(level) for need, level in wanted.items() if level in LEVELS}
    for formula in product.formulas:
        if all(formula.levels[need] >= level for need, level in asked.items()):
            return formula
    return product.formulas[-1]
