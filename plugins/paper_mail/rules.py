"""The paper mail's rules as data and pure functions (SPEC §5, manual §8, FAQ « Courrier
papier », BeePOST): the five modes and their delays, the day a mail is handed to the post, sheets
and envelopes, weights and postage bands, the printable area and the address window.

Nothing here touches the database or the request: views, pricing, checks and the sending all
read the same rules from here.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from portal.core.calendar import business_day_on_or_after, is_business_day, next_business_day
from portal.core.i18n import N_

PARIS = ZoneInfo("Europe/Paris")
CUTOFF = time(10, 30)  # validated before 10:30 (Paris) on a business day: posted that day


class Mode(enum.StrEnum):
    """The five stamps (manual §8.2); the values are the printer's ``options["mode"]``."""

    ECOPLI = "ecopli"
    LETTRE_VERTE = "lettre_verte"
    LETTRE_SUIVIE = "lettre_suivie"
    RECOMMANDE = "recommande"
    RECOMMANDE_AR = "recommande_ar"


@dataclass(frozen=True)
class ModeInfo:
    """A mode as the agent sees it. ``tracked``: a tracking number and La Poste's tracking page;
    ``registered``: a proof of sending; ``acknowledgement``: a proof of receipt (the AR card);
    ``needs_parties``: recipient and sender typed in full (they fill the registered form)."""

    mode: Mode
    label: str
    delay: str
    tracked: bool = False
    registered: bool = False
    acknowledgement: bool = False

    @property
    def needs_parties(self) -> bool:
        return self.tracked


MODES: dict[Mode, ModeInfo] = {
    Mode.ECOPLI: ModeInfo(Mode.ECOPLI, N_("Écopli"), N_("J+4")),
    Mode.LETTRE_VERTE: ModeInfo(Mode.LETTRE_VERTE, N_("Lettre verte"), N_("J+2")),
    Mode.LETTRE_SUIVIE: ModeInfo(
        Mode.LETTRE_SUIVIE, N_("Lettre suivie"), N_("48 heures"), tracked=True
    ),
    Mode.RECOMMANDE: ModeInfo(
        Mode.RECOMMANDE, N_("Recommandé simple"), N_("48 heures"), tracked=True, registered=True
    ),
    Mode.RECOMMANDE_AR: ModeInfo(
        Mode.RECOMMANDE_AR,
        N_("Recommandé avec accusé de réception"),
        N_("48 heures"),
        tracked=True,
        registered=True,
        acknowledgement=True,
    ),
}
DEFAULT_MODE = Mode.LETTRE_VERTE

# La Poste's public tracking page of a tracking number (suivi postal).
TRACKING_URL = "https://www.laposte.fr/outils/suivre-vos-envois?code={number}"


# --- When it leaves -------------------------------------------------------------------------


def handover_date(validated_at: datetime, cutoff: time = CUTOFF) -> date:
    """The day a mail validated at ``validated_at`` (aware, any time zone) is handed to the post:
    that day when it is a business day and the Paris time is before ``cutoff``, else the next
    business day (Friday 14:30 → Monday, or Tuesday when Monday is a public holiday)."""
    if validated_at.tzinfo is None or validated_at.utcoffset() is None:
        raise ValueError("validated_at must be timezone-aware")
    local = validated_at.astimezone(PARIS)
    day = local.date()
    if is_business_day(day) and local.time().replace(tzinfo=None) < cutoff:
        return day
    return next_business_day(day)


def scheduled_handover_date(send_on: date) -> date:
    """The day a mail scheduled for ``send_on`` is handed to the post (the next business day
    when ``send_on`` is not one)."""
    return business_day_on_or_after(send_on)


def earliest_schedule_date(today: date) -> date:
    """A mail is scheduled at the earliest for the day after its creation (manual §8.4 b)."""
    return today + timedelta(days=1)


def schedule_due_at(send_on: date) -> datetime:
    """The moment a scheduled mail is transmitted to the printer: 07:00 Paris on its hand-over
    day, before the printer's cut-off, so it is posted that day."""
    return datetime.combine(scheduled_handover_date(send_on), time(7, 0), tzinfo=PARIS)


# --- Sheets and envelopes --------------------------------------------------------------------

MAX_FILE_BYTES = 10 * 1024 * 1024  # 10 Mo per file (the tenant may lower it)
MAX_SHEETS = 95  # sheets per mail (pli), all documents and the address-carrier page included
STAPLE_FROM_PAGES = 3  # « Agrafer » is offered from 3 pages, one staple per file


class Envelope(enum.StrEnum):
    """Window envelopes, « format adaptable au nombre de feuilles » (BeePOST)."""

    SMALL = "small"  # DL / C5 window envelope, sheets folded in three
    LARGE = "large"  # C4 window envelope, sheets flat


ENVELOPE_SHEETS = {Envelope.SMALL: 5, Envelope.LARGE: 45}
ENVELOPE_GRAMS = {Envelope.SMALL: 5, Envelope.LARGE: 25}
ENVELOPE_LABELS = {
    Envelope.SMALL: N_("Enveloppe à fenêtre DL (jusqu'à 5 feuilles)"),
    Envelope.LARGE: N_("Enveloppe à fenêtre C4 (jusqu'à 45 feuilles)"),
}
SHEET_GRAMS = 5  # A4 80 g/m² (4.99 g)
WEIGHT_BANDS = (20, 100, 250, 500, 1000, 2000)  # postage bands in grams (« jusqu'à … g »)


def sheets_of(pages: int, duplex: bool) -> int:
    """Sheets one file takes: a file starts on a new sheet, two pages per sheet in duplex."""
    return math.ceil(pages / 2) if duplex else pages


@dataclass(frozen=True)
class EnvelopePlan:
    """How a mail's ``sheets`` are enveloped: ``count`` envelopes of ``kind`` (more than one when
    a large envelope is not enough: each is a separate pli, stamped on its own)."""

    kind: Envelope
    count: int
    sheets: int

    @property
    def sheets_per_envelope(self) -> tuple[int, ...]:
        size = ENVELOPE_SHEETS[self.kind]
        full, rest = divmod(self.sheets, size)
        return (size,) * full + ((rest,) if rest else ())

    @property
    def weights(self) -> tuple[int, ...]:
        """Each envelope's weight in grams."""
        return tuple(n * SHEET_GRAMS + ENVELOPE_GRAMS[self.kind] for n in self.sheets_per_envelope)


class EnvelopeProblem(ValueError):
    """The sheets do not fit this mode's envelopes; ``message`` says what to change."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def envelope_plan(sheets: int, mode: Mode) -> EnvelopePlan:
    """The envelopes for ``sheets`` sheets: a small one up to 5, a large one up to 45; beyond,
    écopli and lettre verte are split into several large envelopes (up to 95 sheets in all),
    while a tracked or registered letter (one tracking number, one form) must fit in one.
    Raises :class:`EnvelopeProblem` (the message is a lazy French string to translate)."""
    if sheets < 1:
        raise EnvelopeProblem(N_("Ajoutez au moins un document à imprimer."))
    if sheets > MAX_SHEETS:
        raise EnvelopeProblem(
            N_(
                "Un courrier compte au plus 95 feuilles : retirez des pages ou répartissez "
                "vos documents sur plusieurs courriers."
            )
        )
    if sheets <= ENVELOPE_SHEETS[Envelope.SMALL]:
        return EnvelopePlan(Envelope.SMALL, 1, sheets)
    large = ENVELOPE_SHEETS[Envelope.LARGE]
    if sheets > large and MODES[mode].tracked:
        raise EnvelopeProblem(
            N_(
                "Une lettre suivie ou recommandée tient dans une seule enveloppe de 45 feuilles : "
                "imprimez en recto verso, retirez des pages ou envoyez plusieurs courriers."
            )
        )
    return EnvelopePlan(Envelope.LARGE, math.ceil(sheets / large), sheets)


def weight_band(grams: int) -> int:
    """The postage band (its upper bound in grams) of an envelope weighing ``grams``."""
    for band in WEIGHT_BANDS:
        if grams <= band:
            return band
    raise EnvelopeProblem(N_("Une enveloppe pèse au plus 2 kg."))


# --- Page geometry (A4, millimetres from the top-left corner) -------------------------------

A4_MM = (210.0, 297.0)
PRINTABLE_MARGIN_MM = 5.0  # the printer prints nothing in the outer 5 mm of a page


@dataclass(frozen=True)
class Box:
    """A rectangle on an A4 page, in millimetres from its top-left corner."""

    left: float
    top: float
    width: float
    height: float

    @property
    def right(self) -> float:
        return self.left + self.width

    @property
    def bottom(self) -> float:
        return self.top + self.height


# The envelope's window (the DL window envelope's 45 × 100 mm window seen on a folded A4 page):
# the printer stamps its QR-code mark at the top of the window; the address block sits under it.
ADDRESS_WINDOW = Box(left=100.0, top=40.0, width=100.0, height=45.0)
QR_MARK = Box(left=100.0, top=40.0, width=100.0, height=12.0)
ADDRESS_BLOCK = Box(left=100.0, top=52.0, width=100.0, height=33.0)

# The typed address: name or company, 1–4 lines of 38 characters, postal code and city.
ADDRESS_LINE_MAX = 38
ADDRESS_LINES_MAX = 4
