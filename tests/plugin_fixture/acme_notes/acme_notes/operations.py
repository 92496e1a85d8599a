"""What the plugin does with notes; views, jobs and hooks call these."""

from sqlalchemy import select

from acme_notes.models import AcmeNote
from portal.core.accounts.ownership import owned_by_current_account
from portal.core.accounts.session import current_account
from portal.extensions import db


def tenant_notes() -> list[AcmeNote]:
    """The notes of the whole tenant (no account's)."""
    query = select(AcmeNote).where(AcmeNote.account_id.is_(None)).order_by(AcmeNote.id)
    return list(db.session.scalars(query))


def my_notes() -> list[AcmeNote]:
    return list(db.session.scalars(owned_by_current_account(AcmeNote).order_by(AcmeNote.id)))


def notes_of(account) -> list[AcmeNote]:
    """An account's notes (its export), none without an account."""
    if account is None:
        return []
    query = select(AcmeNote).where(AcmeNote.account_id == account.id).order_by(AcmeNote.id)
    return list(db.session.scalars(query))


def add_note(text: str) -> AcmeNote:
    note = AcmeNote(text=text, account_id=current_account().id)
    db.session.add(note)
    return note


def welcome(tenant) -> None:
    """Seed the tenant's welcome note once."""
    if db.session.scalar(select(AcmeNote).limit(1)) is None:
        db.session.add(AcmeNote(text=f"Bienvenue chez {tenant.name}"))
