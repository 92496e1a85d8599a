"""The operators' page: the notes of the tenant they picked."""

from flask import render_template
from sqlalchemy import select

from acme_notes.models import AcmeNote
from portal.core.web.pipeline import Access, handler
from portal.extensions import db


@handler(Access.STAFF)
def notes(tenant):
    found = db.session.scalars(select(AcmeNote).order_by(AcmeNote.id)).all()
    return render_template("acme_notes/backoffice.html", tenant=tenant, notes=found)
