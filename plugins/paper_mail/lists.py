"""The list of mails « Tous les courriers papier » (SPEC §5): #, Expéditeur, Destinataire, Mode
d'envoi, Créé par, État, Suivi postal; 10 a page, newest first; filtered by number, recipient,
mode, state and creator. One place for the list and its Excel export (``export``).

Only the current account's mails are listed (the tenant wall is the ORM's). A page loads its
mails with their sendings in one query and the creators' names in a second, whatever its rows.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from plugins.paper_mail.i18n import _, _l
from plugins.paper_mail.models import MailState, PaperMail
from plugins.paper_mail.rules import MODES, TRACKING_URL, Mode
from portal.core.accounts.models import Account, Profile
from portal.core.database import contains_pattern
from portal.core.pagination import Page
from portal.core.pagination import page_of as paginate
from portal.core.sendings.models import Sending
from portal.extensions import db

FILTER_LENGTH = 100

# The « État » filter: its query-string value → the mail states it keeps.
STATES = {
    "creation": (MailState.DRAFT,),
    "programme": (MailState.SCHEDULED,),
    "transmis": (MailState.TRANSMITTED,),
    "poste": (MailState.POSTED,),
    "annule": (MailState.CANCELLED, MailState.FAILED),
}
STATE_LABELS = {
    "creation": _l("Création"),
    "programme": _l("Programmé"),
    "transmis": _l("Transmis"),
    "poste": _l("Posté"),
    "annule": _l("Annulé"),
}


@dataclass
class Filters:
    """What the agent chose above the list (each empty: no filter)."""

    number: str = ""
    recipient: str = ""
    mode: str = ""
    state: str = ""
    creator: int | None = None

    @classmethod
    def from_args(cls, args, profiles: list[Profile]) -> Filters:
        """The filters of a query string; an unknown mode, state or creator (not one of
        ``profiles``, the account's) is ignored."""

        def text(name):
            return (args.get(name) or "").strip()[:FILTER_LENGTH]

        creator = args.get("cree_par", type=int)
        if creator not in {profile.id for profile in profiles}:
            creator = None
        mode = text("mode")
        state = text("etat")
        return cls(
            number=text("numero"),
            recipient=text("destinataire"),
            mode=mode if mode in {m.value for m in Mode} else "",
            state=state if state in STATES else "",
            creator=creator,
        )

    @property
    def active(self) -> bool:
        return any((self.number, self.recipient, self.mode, self.state)) or bool(self.creator)

    def args(self) -> dict:
        """The query string of these filters (pagination and export keep them)."""
        found = {
            "numero": self.number,
            "destinataire": self.recipient,
            "mode": self.mode,
            "etat": self.state,
            "cree_par": self.creator,
        }
        return {key: value for key, value in found.items() if value}


def conditions(account_id: int, filters: Filters) -> list:
    found = [PaperMail.account_id == account_id]
    if filters.number:
        number = filters.number.upper().replace(" ", "")
        found.append(PaperMail.reference.like(contains_pattern(number), escape="\\"))
    for word in filters.recipient.split():
        pattern = contains_pattern(word)
        found.append(
            or_(
                *(
                    column.ilike(pattern, escape="\\")
                    for column in (
                        PaperMail.recipient_name,
                        PaperMail.recipient_city,
                        PaperMail.recipient_postal_code,
                    )
                )
            )
        )
    if filters.mode:
        found.append(PaperMail.mode == filters.mode)
    if filters.state:
        found.append(PaperMail.state.in_(STATES[filters.state]))
    if filters.creator:
        found.append(PaperMail.created_by_id == filters.creator)
    return found


def mails_query(account_id: int, filters: Filters):
    """``select(PaperMail)`` of the filtered list, newest first, each with its sending and the
    sending's events (the « Suivi postal » reads them: one query for a whole page)."""
    return (
        select(PaperMail)
        .where(*conditions(account_id, filters))
        .order_by(PaperMail.id.desc())
        .options(joinedload(PaperMail.sending).selectinload(Sending.events))
    )


# --- what a row shows ------------------------------------------------------------------------


@dataclass
class Status:
    """The « État » and « Suivi postal » columns of a mail."""

    state: str
    label: str
    postal: str = ""
    tracking_number: str = ""
    tracking_url: str = ""
    return_reason: str = ""


def status(mail: PaperMail) -> Status:
    """« Création », « Programmé le 04/11/2020 », « Transmis le … », « Posté le … », « Annulé »
    and the post's « Suivi postal », from ``tracking.status_of`` (the printer's events)."""
    from plugins.paper_mail.tracking import status_of

    found = status_of(mail)
    number = found.tracking_number or ""
    return Status(
        state=str(found.state or mail.state),
        label=str(found.label),
        postal=str(found.postal or ""),
        tracking_number=number,
        tracking_url=found.tracking_url or (TRACKING_URL.format(number=number) if number else ""),
        return_reason=str(found.return_reason or ""),
    )


def mode_label(mail: PaperMail) -> str:
    info = MODES.get(mail.mode)
    return _(info.label) if info else mail.mode  # the rules' N_ label, translated here


def recipient_label(mail: PaperMail) -> str:
    """« SARL DUPOND, 38000 GRENOBLE » (empty while not chosen)."""
    place = f"{mail.recipient_postal_code} {mail.recipient_city}".strip()
    return ", ".join(part for part in (mail.recipient_name, place) if part)


@dataclass
class Row:
    """One line of the list, ready to show (or to export)."""

    mail: PaperMail
    sender: str
    recipient: str
    mode: str
    creator: str
    status: Status


def rows_for(
    mails: list[PaperMail], account_name: str, names: dict[int, str] | None = None
) -> list[Row]:
    """The rows of ``mails`` (sendings loaded with them); the sender is the mail's sender or,
    when the mode needs none, the account (agency); ``names``: the creators' names by id."""
    ids = {mail.created_by_id for mail in mails if mail.created_by_id}
    if names is None or not ids <= names.keys():
        names = (
            dict(db.session.execute(select(Profile.id, Profile.name).where(Profile.id.in_(ids))))
            if ids
            else {}
        )
    return [
        Row(
            mail=mail,
            sender=mail.sender_name or account_name,
            recipient=recipient_label(mail),
            mode=mode_label(mail),
            creator=names.get(mail.created_by_id, ""),
            status=status(mail),
        )
        for mail in mails
    ]


def account_name(account_id: int) -> str:
    """The agency's name, the sender of mails typed without one."""
    account = db.session.get(Account, account_id)
    if account is None:
        return ""
    return account.commercial_name or f"{account.first_name} {account.last_name}".strip()


def page_of(
    account_id: int, filters: Filters, number: int, names: dict[int, str] | None = None
) -> Page:
    """One page (1-based; out of range: the last one) of the filtered list; ``page.rows`` are
    its :class:`Row` s."""
    page = paginate(mails_query(account_id, filters), number)
    page.rows = rows_for(page.items, account_name(account_id), names)
    return page
