"""« Exporter vers Excel »: the filtered list of letters as an .xlsx workbook.

Written by ``xlsxwriter`` in ``constant_memory`` mode (each row goes to disk as soon as it is
written), its letters read in chunks of :data:`CHUNK` by id (keyset: each chunk one query for the
letters, their contracts and their sendings), every object let go once its row is written: the
memory stays flat whatever the number of letters. The file is then streamed to the browser from
a temporary file, deleted once sent. Text is never a formula (``strings_to_formulas`` off: a
subscriber named « =1+1 » stays that text); dates are Excel dates.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

from plugins.resiliation import lists
from plugins.resiliation.i18n import _
from plugins.resiliation.models import Letter
from plugins.resiliation.rules import REASON_LABELS
from portal.core.exports import new_workbook
from portal.core.tenants import current_tenant
from portal.extensions import db

CHUNK = 500

COLUMNS = (
    # (header, width)
    ("N°", 16),
    ("Souscripteur", 28),
    ("Adresse du souscripteur", 36),
    ("E-mail du souscripteur", 28),
    ("Référence client", 16),
    ("Date de prise d'effet", 14),
    ("Contrats", 44),
    ("Motif", 28),
    ("Destinataire", 28),
    ("Date d'envoi prévue", 14),
    ("Envoyée le", 17),
    ("Lettre", 22),
    ("Suivi", 30),
    ("Géré par", 20),
    ("Créée le", 17),
)


def _headers() -> list[str]:
    return [
        _("N°"),
        _("Souscripteur"),
        _("Adresse du souscripteur"),
        _("E-mail du souscripteur"),
        _("Référence client"),
        _("Date de prise d'effet"),
        _("Contrats"),
        _("Motif"),
        _("Destinataire"),
        _("Date d'envoi prévue"),
        _("Envoyée le"),
        _("Lettre"),
        _("Suivi"),
        _("Géré par"),
        _("Créée le"),
    ]


def _local(moment: datetime | None, zone: ZoneInfo) -> datetime | None:
    """A stored UTC moment as the tenant's wall-clock time, naive (Excel has no time zones)."""
    if moment is None:
        return None
    from portal.core.clock import aware

    return aware(moment).astimezone(zone).replace(tzinfo=None)


def chunks(account_id: int, tab: str, filters: lists.Filters) -> Iterator[list[lists.Row]]:
    """The rows of one list, newest first, :data:`CHUNK` at a time (keyset on the id); the
    objects of a chunk leave the session once the next one is asked for."""
    query = lists.letters_query(account_id, tab, filters).options(*lists.LOAD_OPTIONS)
    last_id = None
    while True:
        page = query if last_id is None else query.where(Letter.id < last_id)
        letters = list(db.session.scalars(page.limit(CHUNK)))
        if not letters:
            return
        yield lists.rows_for(letters)
        last_id = letters[-1].id
        for letter in letters:
            sending = letter.sending
            if sending is not None and sending in db.session:
                db.session.expunge(sending)
            if letter in db.session:
                db.session.expunge(letter)  # its contracts go with it (cascade)
        if len(letters) < CHUNK:
            return


def write_workbook(account_id: int, tab: str, filters: lists.Filters) -> str:
    """Write the list to a temporary .xlsx file; its path (the caller streams then deletes it)."""
    zone = ZoneInfo(current_tenant().config.timezone)
    workbook, path = new_workbook("resiliations")
    try:
        sheet = workbook.add_worksheet(_("Résiliations")[:31])
        bold = workbook.add_format({"bold": True, "bg_color": "#E5E7EB", "border": 1})
        day = workbook.add_format({"num_format": "dd/mm/yyyy"})
        moment = workbook.add_format({"num_format": "dd/mm/yyyy hh:mm"})
        wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
        for column, (_header, width) in enumerate(COLUMNS):
            sheet.set_column(column, column, width)
        sheet.freeze_panes(1, 0)
        sheet.write_row(0, 0, _headers(), bold)
        line = 0
        for rows in chunks(account_id, tab, filters):
            for row in rows:
                line += 1
                _write_row(sheet, line, row, zone, day=day, moment=moment, wrap=wrap)
        if line:
            sheet.autofilter(0, 0, line, len(COLUMNS) - 1)
    finally:
        workbook.close()
    return path


def _write_row(sheet, line: int, row: lists.Row, zone, *, day, moment, wrap) -> None:
    letter = row.letter
    address = " ".join(
        part
        for part in (
            letter.street,
            letter.complement,
            f"{letter.postal_code} {letter.city}".strip(),
        )
        if part
    )
    subscriber = letter.subscriber_name
    if letter.has_co_subscriber:
        subscriber = f"{subscriber} / {letter.co_last_name} {letter.co_first_name}".strip()
    texts = {
        0: letter.reference,
        1: subscriber,
        2: address,
        3: letter.email,
        4: letter.client_reference,
        6: "\n".join(row.contracts),
        7: str(REASON_LABELS.get(letter.reason, letter.reason or "")),
        8: letter.recipient_name,
        11: lists.letter_kind(letter),
        12: lists.tracking(letter, row.manager).label,
        13: row.manager,
    }
    for column, text in texts.items():
        # write_string: never a formula, a number or a link, whatever the text looks like.
        sheet.write_string(line, column, text or "", wrap if column == 6 else None)
    if letter.effective_date is not None:
        sheet.write_datetime(
            line, 5, datetime.combine(letter.effective_date, datetime.min.time()), day
        )
    elif letter.as_early_as_possible:
        sheet.write_string(line, 5, _("Dès que possible"))
    if letter.send_date is not None:
        sheet.write_datetime(line, 9, datetime.combine(letter.send_date, datetime.min.time()), day)
    left = lists.sent_on(letter)
    if left is not None:
        sheet.write_datetime(line, 10, _local(left, zone), moment)
    created = _local(letter.created_at, zone)
    if created is not None:
        sheet.write_datetime(line, 14, created, moment)
