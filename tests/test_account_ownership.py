"""AccountOwned: an object is reachable only by its account, and records who manages it."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.accounts.ownership import AccountOwned, get_owned_or_404
from portal.core.tenants import unscoped
from portal.extensions import db


class _Scratch(db.Model):
    __abstract__ = True
    metadata = MetaData()


for _name in ("tenant", "account", "account_profile"):
    Table(_name, _Scratch.metadata, Column("id", Integer, primary_key=True))


class ScratchLetter(AccountOwned, _Scratch):
    __tablename__ = "scratch_letter"
    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(String(50))


@pytest.fixture
def letters(app, make_account, make_profile):
    mine = make_account("resilimo", "moi@example.fr")
    lea = make_profile(mine, "Léa")
    theirs = make_account("resilimo", "eux@example.fr")
    with app.app_context():
        _Scratch.metadata.create_all(db.engine, tables=[ScratchLetter.__table__])
        yield {"mine": (mine.id, mine.session_version, lea), "theirs": theirs.id}
        db.session.rollback()
        with unscoped():
            db.session.query(ScratchLetter).delete()
            db.session.commit()
        _Scratch.metadata.drop_all(db.engine, tables=[ScratchLetter.__table__])


def _login(ctx_session, ids):
    from flask import g

    from portal.core.accounts.session import open_session_record

    account_id, version, profile_id = ids
    ctx_session["_user_id"] = f"{account_id}:{version}"
    max_hours = g.tenant.config.accounts.session_max_hours
    ctx_session["session_key"] = open_session_record(account_id, max_hours)
    ctx_session["profile_id"] = profile_id
    ctx_session["last_seen"] = time.time()

    g.pop("_login_user", None)  # Flask-Login cached the anonymous user before we logged in


def test_objects_are_stamped_and_only_their_account_reaches_them(app, letters):
    from flask import session
    from werkzeug.exceptions import NotFound

    with app.test_request_context(base_url="http://resilimo.localhost"):
        app.preprocess_request()
        _login(session, letters["mine"])
        letter = ScratchLetter(subject="résiliation")
        letter.assign_to_current_profile()
        db.session.add(letter)
        db.session.commit()
        assert letter.account_id == letters["mine"][0]
        assert letter.managed_by_id == letters["mine"][2]  # "géré par Léa"
        assert get_owned_or_404(ScratchLetter, letter.id) is letter
        db.session.add(ScratchLetter(subject="autre", account_id=letters["theirs"]))
        db.session.commit()
        other_id = (
            db.session.query(ScratchLetter.id).filter(ScratchLetter.subject == "autre").scalar()
        )
        with pytest.raises(NotFound):
            get_owned_or_404(ScratchLetter, other_id)
