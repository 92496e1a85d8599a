from sqlalchemy import select

from acme_notes.models import AcmeNote
from portal.core.jobs import job
from portal.extensions import db


@job
def stamp_note(tenant_id, text):
    """A tenant job: runs in the tenant's scope, once even if delivered twice."""
    db.session.add(AcmeNote(text=text))


@job(global_job=True)
def count_notes(tenant_id):
    """A global periodic job: the scheduler runs it once per hour."""
    return db.session.scalar(select(db.func.count()).select_from(AcmeNote))
