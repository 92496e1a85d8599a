"""The agent's desk (guide §1, §3, §5): the agenda of the home page with its filter, the closed
events' toggle and its Excel export; the portfolio searched by name (« % » lists every client);
the quotes searched by number and state; the client's file (« Synthèse »).

Everything is limited to the logged-in account (``account_id``); the tenant wall is automatic.
Names and texts are compared accents and case aside, the same way on SQLite and PostgreSQL: the
column is folded in SQL (``lower`` then one ``replace`` per accented letter), what is typed is
folded in Python.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, and_, func, or_, select

from plugins.subscription import agenda, rules
from plugins.subscription.i18n import _
from plugins.subscription.models import AgendaEvent, Client, Contract, Quote
from plugins.subscription.rules import QuoteState, SignatureState
from portal.core.clock import aware
from portal.core.database import contains_pattern
from portal.core.exports import new_workbook
from portal.extensions import db

MAX_TEXT = 100
CHUNK = 500

# --- folding: accents and case aside ----------------------------------------------------------

_LIGATURES = {"œ": "oe", "æ": "ae", "ß": "ss", "ø": "o"}
# The accented letters of each plain letter (French and its neighbours).
_ACCENTED = {
    "a": "àâäáãå",
    "c": "ç",
    "e": "éèêë",
    "i": "íìîï",
    "n": "ñ",
    "o": "óòôöõø",
    "u": "úùûü",
    "y": "ýÿ",
}


def fold(text: str | None) -> str:
    """``text`` lower case, no accents, single spaces: « Lefèvre  Œuvre » → « lefevre oeuvre »."""
    lowered = (text or "").lower()
    for letter, plain in _LIGATURES.items():
        lowered = lowered.replace(letter, plain)
    decomposed = unicodedata.normalize("NFKD", lowered)
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return re.sub(r"\s+", " ", bare).strip()


def _pg_folded(column) -> ColumnElement:
    """PostgreSQL: ``column`` folded as :func:`fold` folds text (``lower`` knows every letter)."""
    accented = "".join(_ACCENTED.values())
    plain = "".join(letter * len(letters) for letter, letters in _ACCENTED.items())
    expression = func.translate(func.lower(column), accented, plain)
    for letter, replacement in _LIGATURES.items():
        expression = func.replace(expression, letter, replacement)
    return expression


def _glob_class(char: str) -> str:
    """SQLite: the GLOB class of every way ``char`` (folded) may be written."""
    variants = char + _ACCENTED.get(char, "")
    variants += variants.upper()
    unique = "".join(dict.fromkeys(variants))
    if unique == char and char not in "*?[]":
        return char
    if "]" in unique:  # a ``]`` is literal first in a class
        unique = "]" + unique.replace("]", "")
    return f"[{unique}]"


def folded_contains(column, text: str) -> ColumnElement:
    """``column`` contains ``text``, accents and case aside (wildcards typed are literal). On
    PostgreSQL the column is folded in SQL (``translate``); on SQLite, whose ``lower`` only knows
    ASCII, the typed text becomes a GLOB pattern of each letter's forms (« lefev » →
    ``*[lL][eEéÉ…][fF][eEéÉ…][vV]*``)."""
    term = fold(text)
    if db.session.get_bind().dialect.name == "postgresql":
        return _pg_folded(column).like(contains_pattern(term), escape="\\")
    return column.op("GLOB")("*" + "".join(_glob_class(char) for char in term) + "*")


# --- the catalogue's names -------------------------------------------------------------------


# --- the agenda -------------------------------------------------------------------------------


@dataclass
class AgendaFilters:
    """« Filtrer » (free text) and « Événements clôturés » (closed events shown too)."""

    text: str = ""
    closed: bool = False

    @classmethod
    def from_args(cls, args) -> AgendaFilters:
        text = " ".join((args.get("filtre") or "").split())[:MAX_TEXT]
        return cls(text=text, closed=args.get("clotures") == "1")

    def args(self) -> dict[str, str]:
        """The query arguments that give this list again."""
        values = {}
        if self.text:
            values["filtre"] = self.text
        if self.closed:
            values["clotures"] = "1"
        return values

    @property
    def active(self) -> bool:
        return bool(self.text or self.closed)


def kinds_matching(text: str) -> list[str]:
    """The event kinds whose label (in the page's language or in French) contains ``text``:
    « devis » finds the quote events whatever language their description was written in."""
    wanted = fold(text)
    return [
        kind
        for kind, label in agenda.KIND_LABELS.items()
        if wanted in fold(_(label)) or wanted in fold(label)
    ]


def agenda_query(account_id: int, filters: AgendaFilters) -> Select:
    """The account's events, newest effect date first; closed ones only when asked."""
    query = select(AgendaEvent).where(AgendaEvent.account_id == account_id)
    if not filters.closed:
        query = query.where(AgendaEvent.closed_at.is_(None))
    if filters.text:
        matches = [
            folded_contains(AgendaEvent.description, filters.text),
            folded_contains(AgendaEvent.domain, filters.text),
        ]
        if kinds := kinds_matching(filters.text):
            matches.append(AgendaEvent.kind.in_(kinds))
        query = query.where(or_(*matches))
    return query.order_by(AgendaEvent.effective_on.desc(), AgendaEvent.id.desc())


def close_event(event: AgendaEvent, moment: datetime) -> bool:
    """« Clôturer »: the event leaves the home page (it stays in the client's file). False when
    it was already closed (nothing changes)."""
    if event.closed_at is not None:
        return False
    event.closed_at = moment
    return True


def client_events(client: Client) -> list[AgendaEvent]:
    """Every event of a client's quotes and contracts, closed ones included, newest first."""
    quote_ids = select(Quote.id).where(Quote.client_id == client.id)
    contract_ids = select(Contract.id).where(Contract.client_id == client.id)
    return list(
        db.session.scalars(
            select(AgendaEvent)
            .where(
                AgendaEvent.account_id == client.account_id,
                or_(AgendaEvent.quote_id.in_(quote_ids), AgendaEvent.contract_id.in_(contract_ids)),
            )
            .order_by(AgendaEvent.effective_on.desc(), AgendaEvent.id.desc())
        )
    )


def kind_label(kind: str) -> str:
    label = agenda.KIND_LABELS.get(kind)
    return _(label) if label else kind


# --- the agenda's export ----------------------------------------------------------------------

EXPORT_WIDTHS = (12, 22, 90, 32, 12, 12)


def _export_headers() -> list[str]:
    return [
        _("Effet le"),
        _("Type"),
        _("Description"),
        _("Domaine d'application"),
        _("Créé le"),
        _("Clôturé le"),
    ]


def agenda_chunks(account_id: int, filters: AgendaFilters) -> Iterator[list[AgendaEvent]]:
    """The filtered agenda in the page's order, :data:`CHUNK` events at a time (keyset on the
    effect date and the id); a chunk leaves the session once the next one is asked for."""
    query = agenda_query(account_id, filters)
    last = None
    while True:
        page = query
        if last is not None:
            page = query.where(
                or_(
                    AgendaEvent.effective_on < last[0],
                    and_(AgendaEvent.effective_on == last[0], AgendaEvent.id < last[1]),
                )
            )
        events = list(db.session.scalars(page.limit(CHUNK)))
        if not events:
            return
        yield events
        last = (events[-1].effective_on, events[-1].id)
        for event in events:
            db.session.expunge(event)
        if len(events) < CHUNK:
            return


def write_agenda_workbook(account_id: int, filters: AgendaFilters, tenant) -> str:
    """The filtered agenda as a temporary .xlsx file; its path (the caller streams, then deletes
    it). Text is written as text, never as a formula; dates are Excel dates."""
    zone = ZoneInfo(tenant.config.timezone)
    workbook, path = new_workbook("agenda")
    try:
        sheet = workbook.add_worksheet(_("Agenda")[:31])
        bold = workbook.add_format({"bold": True, "bg_color": "#E5E7EB", "border": 1})
        day = workbook.add_format({"num_format": "dd/mm/yyyy"})
        wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
        for column, width in enumerate(EXPORT_WIDTHS):
            sheet.set_column(column, column, width)
        sheet.freeze_panes(1, 0)
        sheet.write_row(0, 0, _export_headers(), bold)
        line = 0
        for events in agenda_chunks(account_id, filters):
            for event in events:
                line += 1
                sheet.write_datetime(line, 0, datetime(*event.effective_on.timetuple()[:3]), day)
                sheet.write_string(line, 1, kind_label(event.kind))
                sheet.write_string(line, 2, event.description or "", wrap)
                sheet.write_string(line, 3, event.domain or "")
                for column, moment in ((4, event.created_at), (5, event.closed_at)):
                    moment = aware(moment)
                    if moment is not None:
                        local = moment.astimezone(zone)
                        sheet.write_datetime(line, column, datetime(*local.timetuple()[:3]), day)
        if line:
            sheet.autofilter(0, 0, line, len(EXPORT_WIDTHS) - 1)
    finally:
        workbook.close()
    return path


def export_filename(day: datetime) -> str:
    return f"agenda-{day:%Y-%m-%d}.xlsx"


# --- the portfolio ------------------------------------------------------------------------------

ALL_CLIENTS = "%"


def client_search(account_id: int, name: str) -> Select:
    """The account's clients whose last, birth or first name contains ``name`` (accents and case
    aside); « % » alone: every client. By name."""
    query = select(Client).where(Client.account_id == account_id)
    if name.strip() != ALL_CLIENTS:
        query = query.where(
            or_(
                folded_contains(Client.last_name, name),
                folded_contains(Client.birth_name, name),
                folded_contains(Client.first_name, name),
                folded_contains(Client.last_name + " " + Client.first_name, name),
                folded_contains(Client.first_name + " " + Client.last_name, name),
            )
        )
    return query.order_by(
        func.lower(Client.last_name), func.lower(Client.first_name), Client.id.desc()
    )


def clients_with_contract(client_ids: list[int]) -> set[int]:
    """Which of these clients have a contract (not a failed signature): « Client », not
    « Prospect »."""
    if not client_ids:
        return set()
    return set(
        db.session.scalars(
            select(Contract.client_id).where(
                Contract.client_id.in_(client_ids),
                Contract.signature_state != SignatureState.FAILED,
            )
        )
    )


def client_role(is_client: bool) -> str:
    return _("Client") if is_client else _("Prospect")


# --- quotes -------------------------------------------------------------------------------------

_IDENTIFIER = re.compile(r"^(?:([A-Za-z]{2,5})\s*-?\s*)?(\d{1,10})(?:\s*/\s*(\d{1,4}))?$")


@dataclass(frozen=True)
class QuoteIdentifier:
    """A quote number as typed: « HMO-0000000033 », « HMO-33 », « 33 », « HMO-0000000033 / 2 »."""

    prefix: str | None
    number: int
    version: int | None = None


def parse_identifier(text: str) -> QuoteIdentifier | None:
    """What ``text`` names; None when it is not a quote number."""
    match = _IDENTIFIER.match(" ".join(text.split()))
    if match is None or int(match.group(2)) == 0:
        return None
    prefix, number, version = match.groups()
    return QuoteIdentifier(
        prefix=prefix.upper() if prefix else None,
        number=int(number),
        version=int(version) if version else None,
    )


@dataclass
class QuoteSearch:
    """« Identifiant devis » and « Statut devis » (no state ticked: every state)."""

    identifier_text: str = ""
    states: list[str] = field(default_factory=list)
    submitted: bool = False
    error: str = ""

    @classmethod
    def from_args(cls, args) -> QuoteSearch:
        text = " ".join((args.get("identifiant") or "").split())[:MAX_TEXT]
        known = {state.value for state in QuoteState}
        asked = set(args.getlist("etat"))
        states = [state.value for state in rules.QUOTE_STATE_LABELS if state.value in asked]
        search = cls(
            identifier_text=text,
            states=[state for state in states if state in known],
            submitted="identifiant" in args or "etat" in args,
        )
        if text and parse_identifier(text) is None:
            search.error = _(
                "Saisissez un numéro de devis, par exemple HMO-0000000033, HMO-33 ou 33."
            )
        return search

    def args(self) -> dict:
        values: dict = {"identifiant": self.identifier_text}
        if self.states:
            values["etat"] = self.states
        return values


def quote_query(account_id: int, search: QuoteSearch) -> Select:
    """The account's quotes matching the search, newest first (each version a row)."""
    query = select(Quote).where(Quote.account_id == account_id)
    identifier = parse_identifier(search.identifier_text) if search.identifier_text else None
    if identifier is not None:
        query = query.where(Quote.number == identifier.number)
        if identifier.prefix:
            query = query.where(Quote.prefix == identifier.prefix)
        if identifier.version:
            query = query.where(Quote.version == identifier.version)
    if search.states:
        query = query.where(Quote.state.in_(search.states))
    return query.order_by(Quote.created_at.desc(), Quote.number.desc(), Quote.version.desc())


def state_label(state: str) -> str:
    try:
        return _(rules.QUOTE_STATE_LABELS[QuoteState(state)])
    except ValueError:
        return state


# --- the client's file ----------------------------------------------------------------------


def client_quotes(client: Client) -> list[Quote]:
    """The client's quotes but the signed ones (guide §5: « les devis signés disparaissent de
    cette liste »), newest first."""
    return list(
        db.session.scalars(
            select(Quote)
            .where(
                Quote.account_id == client.account_id,
                Quote.client_id == client.id,
                Quote.state != QuoteState.SUBSCRIBED,
            )
            .order_by(Quote.created_at.desc(), Quote.number.desc(), Quote.version.desc())
        )
    )


def client_contracts(client: Client) -> list[Contract]:
    """The client's membership requests (« CONTRATS »), newest first."""
    return list(
        db.session.scalars(
            select(Contract)
            .where(Contract.account_id == client.account_id, Contract.client_id == client.id)
            .order_by(Contract.created_at.desc(), Contract.id.desc())
        )
    )


def progress_label(progress: str) -> str:
    try:
        return _(rules.PROGRESS_LABELS[rules.ContractProgress(progress)])
    except ValueError:
        return progress
