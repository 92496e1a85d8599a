"""What happens to a termination letter while it is written: created from the wizard's draft,
its subscriber, contracts, added text and former manager changed from the letter page.

One rule lives here once: a letter holds several contracts only with the same subscriber(s),
recipient and reason — every contract of a letter shares the letter's subscriber, recipient and
``reason``; a contract joins only if its type accepts that reason (``rules.compatible_types``),
and the reason changes only to one every contract's type accepts. Nothing changes once the letter
is no longer ``editable``. Views call these functions and never commit (the pipeline does).
"""

from __future__ import annotations

from sqlalchemy import select

from plugins.resiliation import rules
from plugins.resiliation.forms import parse_date
from plugins.resiliation.i18n import _l
from plugins.resiliation.models import Letter, LetterContract, LetterState
from portal.core.accounts.session import current_account, current_profile
from portal.core.directory import search
from portal.core.directory.models import DirectoryEntry
from portal.core.references import new_reference
from portal.extensions import db

SUBSCRIBER_FIELDS = (
    "civility",
    "last_name",
    "first_name",
    "professional",
    "company_name",
    "siret",
    "street",
    "complement",
    "postal_code",
    "city",
    "email",
    "client_reference",
    "co_civility",
    "co_last_name",
    "co_first_name",
)
CONTRACT_FIELDS = (
    "other_type",
    "reference",
    "property_address",
    "registration",
    "new_insurer",
    "new_reference",
)
RECIPIENT_FIELDS = {
    "recipient_name": "name",
    "recipient_street": "street",
    "recipient_complement": "complement",
    "recipient_postal_code": "postal_code",
    "recipient_city": "city",
    "recipient_email": "lre_email",
    "recipient_identified": "recipient_identified",
}


class LetterRefused(Exception):
    """A change the rules refuse (nothing was written); ``field`` names the form field the
    message belongs to (None: the whole form)."""

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


def ensure_editable(letter: Letter) -> None:
    if not letter.editable:
        raise LetterRefused(_l("Cette lettre est validée : elle ne peut plus être modifiée."))


# --- the subscriber -------------------------------------------------------------------------------


def subscriber_values(values: dict) -> dict:
    """The letter's subscriber columns from a subscriber form's values (the company's name and
    SIRET only for a professional; the co-subscriber only with a last name)."""
    found = {name: values.get(name) or "" for name in SUBSCRIBER_FIELDS}
    found["professional"] = bool(values.get("professional"))
    found["civility"] = found["civility"] if found["civility"] in ("M", "Mme") else ""
    found["co_civility"] = found["co_civility"] if found["co_civility"] in ("M", "Mme") else ""
    found["postal_code"] = found["postal_code"].replace(" ", "")
    found["siret"] = found["siret"].replace(" ", "")
    if not found["professional"]:
        found["company_name"] = found["siret"] = ""
    if not found["co_last_name"]:
        found["co_civility"] = found["co_first_name"] = ""
    return found


def subscriber_of(letter: Letter) -> dict:
    """The letter's subscriber as a subscriber form's values (« Nouvelle résiliation » for the
    same subscriber, the edit form)."""
    return {name: getattr(letter, name) for name in SUBSCRIBER_FIELDS}


def update_subscriber(letter: Letter, values: dict) -> None:
    ensure_editable(letter)
    for name, value in subscriber_values(values).items():
        setattr(letter, name, value)


# --- the contracts ------------------------------------------------------------------------------


def _contract_columns(contract_type: rules.ContractType, reason, values: dict) -> dict:
    """A contract's columns from a contract form's values: only the fields shown for its type and
    the letter's reason (``rules.contract_fields``), the others empty."""
    shown = rules.contract_fields(contract_type, reason).shown()
    columns = {name: (values.get(name) or "") if name in shown else "" for name in CONTRACT_FIELDS}
    due = values.get("main_due_date") if "main_due_date" in shown else None
    columns["main_due_date"] = parse_date(due)
    return columns


def reasons_for_letter(letter: Letter, contract_type, *, ignoring=None) -> list[rules.Reason]:
    """The reasons a contract of ``contract_type`` may have in ``letter``: those its type accepts
    that every other contract's type accepts too (``ignoring``: the contract being edited)."""
    offered = rules.reasons_for(contract_type)
    for other in letter.contracts:
        if other is not ignoring:
            accepted = rules.reasons_for(other.contract_type)
            offered = [reason for reason in offered if reason in accepted]
    return offered


def addable_types(letter: Letter) -> list[rules.ContractType]:
    """The types a contract added to ``letter`` may have: those accepting its reason."""
    return rules.compatible_types(letter.reason)


def add_contract(letter: Letter, contract_type, values: dict) -> LetterContract:
    """Add a contract of ``contract_type`` to ``letter`` (the letter's reason: ``values``'s is
    ignored)."""
    ensure_editable(letter)
    contract_type = rules.ContractType(contract_type)
    if contract_type not in addable_types(letter):
        raise LetterRefused(
            _l(
                "Ce type de contrat n'accepte pas le motif de cette lettre : il ne peut pas y "
                "être ajouté."
            ),
            "contract_type",
        )
    position = max((c.position for c in letter.contracts), default=-1) + 1
    contract = LetterContract(
        contract_type=contract_type,
        position=position,
        **_contract_columns(contract_type, letter.reason, values),
    )
    letter.contracts.append(contract)
    return contract


def update_contract(letter: Letter, contract: LetterContract, values: dict) -> None:
    """Change a contract of ``letter``; its reason (``values["reason"]``) becomes the letter's
    when every contract's type accepts it."""
    ensure_editable(letter)
    reason = values.get("reason")
    if reason is not None:
        reason = rules.Reason(reason)
        if reason not in reasons_for_letter(letter, contract.contract_type, ignoring=contract):
            raise LetterRefused(
                _l("Ce motif ne convient pas à tous les contrats de la lettre."), "reason"
            )
        letter.reason = reason
        if reason is rules.Reason.CUSTOM and "custom_reason" in values:
            letter.custom_reason = values.get("custom_reason") or ""
        elif reason is not rules.Reason.CUSTOM:
            letter.custom_reason = ""
        if reason in rules.EVENT_REASONS and "event_date" in values:
            letter.event_date = parse_date(values.get("event_date"))
        elif reason not in rules.EVENT_REASONS:
            letter.event_date = None
    for name, value in _contract_columns(contract.contract_type, letter.reason, values).items():
        setattr(contract, name, value)


def remove_contract(letter: Letter, contract: LetterContract) -> None:
    """Take a contract off the letter (the letter may be left without one: add one again)."""
    ensure_editable(letter)
    letter.contracts.remove(contract)
    for position, each in enumerate(letter.contracts):
        each.position = position


# --- the rest of the letter ----------------------------------------------------------------------


def set_added_text(letter: Letter, text: str) -> None:
    ensure_editable(letter)
    letter.added_text = (text or "").strip()


def set_former_manager(letter: Letter, email: str) -> None:
    """Inform the former manager at ``email`` (empty: « Ne pas prévenir le gérant »)."""
    ensure_editable(letter)
    letter.former_manager_email = (email or "").strip()


# --- from the wizard ----------------------------------------------------------------------------


def _recipient(entry: DirectoryEntry | None) -> dict:
    if entry is None:
        return {}
    return {column: getattr(entry, attribute) for column, attribute in RECIPIENT_FIELDS.items()}


def _letter(subscriber: dict, insurer: DirectoryEntry | None, contract: dict | None) -> Letter:
    """A transient letter (never added to the session) with its contract, from the wizard's
    values (missing values stay empty)."""
    columns = {
        "state": LetterState.DRAFT,
        "insurer_id": insurer.id if insurer is not None else None,
        **{column: "" for column in RECIPIENT_FIELDS},
        "recipient_identified": False,
        "added_text": "",
        "former_manager_email": "",
        "custom_reason": "",
        "event_date": None,
        "mandate_kind": "",
        "sender": rules.Sender.AGENCY,
        "send_type": rules.SendType.LRAR,
        "as_early_as_possible": False,
        **subscriber_values(subscriber),
        **_recipient(insurer),
    }
    letter = Letter(**columns)
    contract = contract or {}
    try:
        contract_type = rules.ContractType(contract.get("contract_type"))
    except ValueError:
        contract_type = None
    try:
        letter.reason = rules.Reason(contract.get("reason"))
    except ValueError:
        letter.reason = None
    if letter.reason is rules.Reason.CUSTOM:
        letter.custom_reason = contract.get("custom_reason") or ""
    if letter.reason in rules.EVENT_REASONS:
        letter.event_date = parse_date(contract.get("event_date"))
    if contract_type is not None:
        letter.contracts = [
            LetterContract(
                contract_type=contract_type,
                position=0,
                **_contract_columns(contract_type, letter.reason, contract),
            )
        ]
    else:
        letter.contracts = []
    return letter


def letter_from_draft(draft) -> Letter:
    """The letter a wizard's draft would become, transient (never added to the session), for its
    live preview: every value kept so far (as typed), missing ones empty."""
    account, profile = current_account(), current_profile()
    letter = _letter(
        draft.values("souscripteur"),
        search.active_entry(draft.value("assureur", "insurer_id")),
        {**draft.values("contrat"), "contract_type": draft.value("type", "contract_type")},
    )
    letter.account_id = account.id if account is not None else None
    letter.managed_by_id = profile.id if profile is not None else None
    return letter


def create_letter(subscriber: dict, insurer: DirectoryEntry, contract: dict) -> Letter:
    """The letter written in the wizard: its subscriber, its recipient copied from the directory
    entry ``insurer`` (so a later change of the directory never changes it) and its first
    contract (``contract``: the type, the reason and the contract form's values)."""
    letter = _letter(subscriber, insurer, contract)
    if letter.reason is None or not letter.contracts:
        raise LetterRefused(_l("Choisissez le type de contrat et le motif de résiliation."))
    letter.reference = new_reference("RES-", Letter.reference)
    letter.assign_to_current_profile()
    db.session.add(letter)
    db.session.flush()
    return letter


# --- lists --------------------------------------------------------------------------------------


def letters_to_finish(account_id: int) -> list[Letter]:
    """The account's written letters still to finish (``LetterState.DRAFT``), newest first."""
    return list(
        db.session.scalars(
            select(Letter)
            .where(Letter.account_id == account_id, Letter.state == LetterState.DRAFT)
            .order_by(Letter.created_at.desc(), Letter.id.desc())
        )
    )
