"""The follow-up lists of letters (SPEC §4 « Follow-up menu »): all letters, to finish,
scheduled, sent and the trash, 10 a page, filtered by number, subscriber, contract, recipient and
collaborator; and the trash itself (hide a letter without cancelling its send, restore it).

Only the current account's letters are ever listed (the tenant wall is the ORM's). A page loads
its letters, their contracts and their sendings in three queries, the managers' names in a
fourth, whatever the number of rows; the account's letters are found through the
``account_id`` index, newest first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import selectinload

from plugins.resiliation.i18n import _, _l
from plugins.resiliation.models import Letter, LetterContract, LetterState
from plugins.resiliation.rules import CONTRACT_TYPE_LABELS, ContractType, SendType
from portal.core import clock
from portal.core.accounts.models import Profile
from portal.core.database import contains_pattern
from portal.core.pagination import Page
from portal.core.pagination import page_of as paginate
from portal.core.sendings import SendingState
from portal.extensions import db

ALL = "tous"
TO_FINISH = "a-terminer"
SCHEDULED = "programmes"
SENT = "envoyes"
TRASH = "corbeille"

TABS = {
    ALL: _l("Toutes les lettres"),
    TO_FINISH: _l("Lettres à terminer"),
    SCHEDULED: _l("Lettres programmées"),
    SENT: _l("Lettres envoyées"),
    TRASH: _l("Corbeille"),
}

FILTER_LENGTH = 100

# A sending in one of these states was refunded (or never charged): the letter was billed then
# refunded — « soumis à facturation » — and stays out of the trash.
REFUNDED_SENDING_STATES = frozenset({SendingState.CANCELLED, SendingState.FAILED})


@dataclass
class Filters:
    """What the agent typed above the list (each empty: no filter)."""

    number: str = ""
    subscriber: str = ""
    contract: str = ""
    recipient: str = ""
    collaborator: int | None = None

    @classmethod
    def from_args(cls, args, profiles: list[Profile]) -> Filters:
        """The filters of a query string; a collaborator that is not one of ``profiles`` (the
        account's) is ignored."""

        def text(name):
            return (args.get(name) or "").strip()[:FILTER_LENGTH]

        collaborator = args.get("collaborateur", type=int)
        if collaborator not in {profile.id for profile in profiles}:
            collaborator = None
        return cls(
            number=text("numero"),
            subscriber=text("souscripteur"),
            contract=text("contrat"),
            recipient=text("destinataire"),
            collaborator=collaborator,
        )

    @property
    def active(self) -> bool:
        return any((self.number, self.subscriber, self.contract, self.recipient)) or bool(
            self.collaborator
        )

    def args(self) -> dict:
        """The query string of these filters (pagination and export keep them)."""
        found = {
            "numero": self.number,
            "souscripteur": self.subscriber,
            "contrat": self.contract,
            "destinataire": self.recipient,
            "collaborateur": self.collaborator,
        }
        return {key: value for key, value in found.items() if value}


def _conditions(account_id: int, tab: str, filters: Filters) -> list:
    found = [Letter.account_id == account_id]
    if tab == TRASH:
        found.append(Letter.trashed_at.is_not(None))
    else:
        found.append(Letter.trashed_at.is_(None))
    if tab == TO_FINISH:
        found.append(Letter.state == LetterState.DRAFT)
    elif tab == SCHEDULED:
        found.append(Letter.state == LetterState.VALIDATED)
    elif tab == SENT:
        found.append(Letter.state == LetterState.SENT)
    if filters.number:
        number = filters.number.upper().replace(" ", "")
        found.append(Letter.reference.like(contains_pattern(number), escape="\\"))
    for word in filters.subscriber.split():
        pattern = contains_pattern(word)
        found.append(
            or_(
                *(
                    column.ilike(pattern, escape="\\")
                    for column in (
                        Letter.last_name,
                        Letter.first_name,
                        Letter.company_name,
                        Letter.co_last_name,
                        Letter.co_first_name,
                        Letter.client_reference,
                        Letter.city,
                        Letter.postal_code,
                    )
                )
            )
        )
    if filters.contract:
        pattern = contains_pattern(filters.contract)
        found.append(
            exists().where(
                LetterContract.letter_id == Letter.id,
                or_(
                    LetterContract.reference.ilike(pattern, escape="\\"),
                    LetterContract.registration.ilike(pattern, escape="\\"),
                ),
            )
        )
    if filters.recipient:
        found.append(Letter.recipient_name.ilike(contains_pattern(filters.recipient), escape="\\"))
    if filters.collaborator:
        found.append(Letter.managed_by_id == filters.collaborator)
    return found


def letters_query(account_id: int, tab: str, filters: Filters):
    """``select(Letter)`` of one list, newest first."""
    return select(Letter).where(*_conditions(account_id, tab, filters)).order_by(Letter.id.desc())


@dataclass
class Row:
    """One line of a list, ready to show (or to export)."""

    letter: Letter
    manager: str = ""
    contracts: list[str] = field(default_factory=list)


def contract_label(contract: LetterContract) -> str:
    """« Assurance auto : AB-123 » (« Autre type » shows the type the agent typed)."""
    kind = contract.contract_type
    if kind == ContractType.OTHER and contract.other_type:
        label = contract.other_type
    else:
        label = str(CONTRACT_TYPE_LABELS.get(kind, kind))
    return _("%(type)s : %(reference)s", type=label, reference=contract.reference)


def letter_kind(letter: Letter) -> str:
    """« Lettre en création » / « Lettre complète (LRAR) » / « Lettre complète (LR) »."""
    if letter.state == LetterState.DRAFT:
        return _("Lettre en création")
    if letter.send_type == SendType.LR:
        return _("Lettre complète (LR)")
    return _("Lettre complète (LRAR)")


def sent_on(letter: Letter) -> datetime | None:
    """When the letter left (its sending handed over), UTC; None before."""
    sending = letter.sending
    if sending is None or sending.handed_over_at is None:
        return None
    from portal.core.clock import aware

    return aware(sending.handed_over_at)


_STATE_LABELS = {
    LetterState.DRAFT: _l("Non envoyée"),
    LetterState.VALIDATED: _l("Envoi programmé"),
    LetterState.SENT: _l("Envoyée"),
    LetterState.CANCELLED: _l("Annulée"),
}


@dataclass
class TrackingShown:
    label: str
    tone: str = ""
    detail: str = ""


def tracking(letter: Letter, manager: str | None = None) -> TrackingShown:
    """The « Suivi » column: ``plugins.resiliation.tracking.state_of`` when it exists, else the
    letter's own state (``manager``: the managing profile's name, already known)."""
    try:
        from plugins.resiliation.tracking import state_of
    except ImportError:
        state_of = None
    if state_of is not None:
        found = state_of(letter, manager=manager, detailed=False)
        return TrackingShown(
            label=str(getattr(found, "label", found)),
            tone=str(getattr(found, "tone", "") or ""),
            detail=str(getattr(found, "detail", "") or ""),
        )
    return TrackingShown(label=str(_STATE_LABELS.get(letter.state, letter.state)))


# What a row shows, loaded for a whole page at once: its contracts and its sending (the
# tracking state of a list never reads the sending's timeline: ``detailed=False``).
LOAD_OPTIONS = (selectinload(Letter.contracts), selectinload(Letter.sending))


def rows_for(letters: list[Letter], names: dict[int, str] | None = None) -> list[Row]:
    """The rows of ``letters`` (their contracts and sendings already loaded), with the managers'
    names (``names`` by profile id when the caller has them, else one query)."""
    ids = {letter.managed_by_id for letter in letters if letter.managed_by_id}
    if names is None or not ids <= names.keys():
        names = (
            dict(
                db.session.execute(
                    select(Profile.id, Profile.name).where(Profile.id.in_(ids))
                ).all()
            )
            if ids
            else {}
        )
    return [
        Row(
            letter=letter,
            manager=names.get(letter.managed_by_id, ""),
            contracts=[contract_label(contract) for contract in letter.contracts],
        )
        for letter in letters
    ]


def page_of(
    account_id: int,
    tab: str,
    filters: Filters,
    number: int,
    names: dict[int, str] | None = None,
    counts: dict[str, int] | None = None,
) -> Page:
    """One page (1-based; out of range: the last one) of one list (``names``: the account's
    profiles' names by id, when known; ``counts``: the tabs' :func:`counts`, when known: an
    unfiltered list's size is then not counted again); ``page.rows`` are its :class:`Row` s."""
    total = counts[tab] if counts is not None and not filters.active else None
    statement = letters_query(account_id, tab, filters).options(*LOAD_OPTIONS)
    page = paginate(statement, number, total=total)
    page.rows = rows_for(page.items, names)
    return page


def counts(account_id: int) -> dict[str, int]:
    """How many letters each list holds (no filter), in one query."""
    found = dict.fromkeys(TABS, 0)
    for state, trashed, count in db.session.execute(
        select(Letter.state, Letter.trashed_at.is_not(None), func.count())
        .where(Letter.account_id == account_id)
        .group_by(Letter.state, Letter.trashed_at.is_not(None))
    ):
        if trashed:
            found[TRASH] += count
            continue
        found[ALL] += count
        tab = {
            LetterState.DRAFT: TO_FINISH,
            LetterState.VALIDATED: SCHEDULED,
            LetterState.SENT: SENT,
        }.get(state)
        if tab:
            found[tab] += count
    return found


# --- the trash ------------------------------------------------------------------------------------


class TrashRefused(Exception):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def billed(letter: Letter) -> bool:
    """A letter « soumis à facturation » (FAQ): validated and waiting (scheduled, held),
    cancelled, or refunded (its sending cancelled or failed). A draft was never charged; a letter
    that left was charged for a send that happened, and may be hidden (the trash never cancels a
    send)."""
    if letter.state in (LetterState.VALIDATED, LetterState.CANCELLED):
        return True
    if letter.state == LetterState.SENT:
        sending = letter.sending
        return sending is not None and sending.state in REFUNDED_SENDING_STATES
    return letter.validated_at is not None and letter.state == LetterState.DRAFT


def trash_refusal(letter: Letter) -> str | None:
    """Why ``letter`` may not go to the trash (None: it may)."""
    if letter.trashed_at is not None:
        return _("Cette lettre est déjà dans la corbeille.")
    if billed(letter):
        return _(
            "Cette lettre a été facturée (envoi programmé, annulé ou remboursé) : elle ne peut "
            "pas être mise à la corbeille."
        )
    return None


def may_trash(letter: Letter) -> bool:
    return trash_refusal(letter) is None


def trash(letter: Letter) -> None:
    """Hide ``letter`` (its send, if any, goes on): purged after the tenant's ``trash_days``."""
    refusal = trash_refusal(letter)
    if refusal:
        raise TrashRefused(refusal)
    letter.trashed_at = clock.now()


def restore(letter: Letter) -> None:
    if letter.trashed_at is None:
        raise TrashRefused(_("Cette lettre n'est pas dans la corbeille."))
    letter.trashed_at = None
