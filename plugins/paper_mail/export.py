"""« Exporter vers Excel »: the filtered list of mails as an .xlsx workbook.

Written by ``xlsxwriter`` in ``constant_memory`` mode (each row goes to disk once written), the
mails read in chunks of :data:`CHUNK` by id (keyset), each chunk let go once written: the memory
stays flat whatever the number of mails. The file is streamed from a temporary file, deleted
once sent. Text is never a formula (``strings_to_formulas`` off: a recipient named « =1+1 »
stays that text); dates are Excel dates.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

from plugins.paper_mail import lists
from plugins.paper_mail.i18n import _
from plugins.paper_mail.models import PaperMail
from portal.core.accounts.ownership import account_profiles
from portal.core.clock import aware
from portal.core.exports import new_workbook
from portal.core.tenants import current_tenant
from portal.extensions import db

CHUNK = 500
WIDTHS = (18, 28, 36, 24, 20, 22, 24, 22, 17)


def _headers() -> list[str]:
    return [
        _("N°"),
        _("Expéditeur"),
        _("Destinataire"),
        _("Mode d'envoi"),
        _("Créé par"),
        _("État"),
        _("Suivi postal"),
        _("N° de suivi"),
        _("Créé le"),
    ]


def chunks(account_id: int, filters: lists.Filters) -> Iterator[list[lists.Row]]:
    """The rows of the filtered list, newest first, :data:`CHUNK` at a time (keyset on the id);
    a chunk's objects leave the session once the next one is asked for."""
    query = lists.mails_query(account_id, filters)
    name = lists.account_name(account_id)
    names = {profile.id: profile.name for profile in account_profiles(account_id)}
    last_id = None
    while True:
        page = query if last_id is None else query.where(PaperMail.id < last_id)
        mails = list(db.session.scalars(page.limit(CHUNK)).unique())
        if not mails:
            return
        yield lists.rows_for(mails, name, names)
        last_id = mails[-1].id
        for mail in mails:
            if mail.sending is not None and mail.sending in db.session:
                db.session.expunge(mail.sending)
            if mail in db.session:
                db.session.expunge(mail)
        if len(mails) < CHUNK:
            return


def write_workbook(account_id: int, filters: lists.Filters) -> str:
    """Write the list to a temporary .xlsx file; its path (the caller streams then deletes it)."""
    zone = ZoneInfo(current_tenant().config.timezone)
    workbook, path = new_workbook("courriers")
    try:
        sheet = workbook.add_worksheet(_("Courriers papier")[:31])
        bold = workbook.add_format({"bold": True, "bg_color": "#E5E7EB", "border": 1})
        moment = workbook.add_format({"num_format": "dd/mm/yyyy hh:mm"})
        for column, width in enumerate(WIDTHS):
            sheet.set_column(column, column, width)
        sheet.freeze_panes(1, 0)
        sheet.write_row(0, 0, _headers(), bold)
        line = 0
        for rows in chunks(account_id, filters):
            for row in rows:
                line += 1
                texts = (
                    row.mail.reference,
                    row.sender,
                    row.recipient,
                    row.mode,
                    row.creator,
                    row.status.label,
                    row.status.postal,
                    row.status.tracking_number,
                )
                for column, text in enumerate(texts):
                    # write_string: never a formula, a number or a link, whatever it looks like.
                    sheet.write_string(line, column, text or "")
                created = aware(row.mail.created_at)
                if created is not None:
                    local = created.astimezone(zone).replace(tzinfo=None)
                    sheet.write_datetime(line, len(texts), local, moment)
        if line:
            sheet.autofilter(0, 0, line, len(WIDTHS) - 1)
    finally:
        workbook.close()
    return path


def filename(day: datetime) -> str:
    return f"courriers-papier-{day:%Y-%m-%d}.xlsx"
