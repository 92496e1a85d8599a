"""Pages of the development mailbox: the current tenant's messages only (automatic scope)."""

from __future__ import annotations

import base64
import re
from email import message_from_bytes, policy
from email.message import EmailMessage

from flask import Response, abort, render_template, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import defer

from portal.core.devbox.models import DevboxMessage
from portal.core.web.pipeline import Access, Load, handler
from portal.extensions import db

PER_PAGE = 20
SHOWN_HEADERS = {
    "From": _l("De"),
    "Reply-To": _l("Répondre à"),
    "To": _l("À"),
    "Cc": _l("Copie"),
    "Bcc": _l("Copie cachée"),
    "Subject": _l("Objet"),
    "Date": _l("Date"),
    "Message-ID": _l("Identifiant du message"),
}
_CID = re.compile(r"cid:([^\"'\s)>]+)")


@handler(Access.ANONYMOUS)
def mailbox():
    page = request.args.get("page", 1, type=int)
    if page < 1:
        abort(404)
    # One row more than a page tells whether a next page exists, without a COUNT query.
    rows = db.session.scalars(
        select(DevboxMessage)
        .options(defer(DevboxMessage.raw))
        .order_by(DevboxMessage.id.desc())
        .offset((page - 1) * PER_PAGE)
        .limit(PER_PAGE + 1)
    ).all()
    if page > 1 and not rows:
        abort(404)
    return render_template(
        "devbox/mailbox.html",
        messages=rows[:PER_PAGE],
        page=page,
        has_next=len(rows) > PER_PAGE,
    )


@handler(Access.ANONYMOUS, load={"message_id": Load(DevboxMessage, name="row")})
def message(row: DevboxMessage):
    if row.kind == "sms":
        return render_template("devbox/message.html", message=row, email=None)
    email = message_from_bytes(row.raw, policy=policy.default)
    html_part = email.get_body(("html",))
    text_part = email.get_body(("plain",))
    return render_template(
        "devbox/message.html",
        message=row,
        email=email,
        headers=[
            (label, value)
            for name, label in SHOWN_HEADERS.items()
            for value in email.get_all(name, [])
        ],
        html=_inline_cids(email, html_part.get_content()) if html_part is not None else None,
        text=text_part.get_content() if text_part is not None else None,
        attachments=[
            (part.get_filename() or "", part.get_content_type(), len(part.get_content()))
            for part in email.iter_attachments()
        ],
    )


@handler(Access.ANONYMOUS, load={"message_id": Load(DevboxMessage, name="row")})
def raw(row: DevboxMessage):
    if row.kind != "email":
        abort(404)
    return Response(
        row.raw,
        mimetype="message/rfc822",
        headers={"Content-Disposition": f"attachment; filename=message-{row.id}.eml"},
    )


def _inline_cids(email: EmailMessage, html: str) -> str:
    """Replace ``cid:`` references by data URIs: the sandboxed frame has no way to fetch them."""
    parts = {}
    for part in email.walk():
        cid = part.get("Content-ID")
        if cid and not part.is_multipart():
            data = base64.b64encode(part.get_payload(decode=True)).decode()
            parts[cid.strip("<>")] = f"data:{part.get_content_type()};base64,{data}"
    return _CID.sub(lambda m: parts.get(m.group(1), m.group(0)), html)
