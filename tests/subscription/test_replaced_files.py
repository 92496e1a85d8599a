"""A supporting document replaced before the membership is created: the new file is kept, the
old one deleted from the storage once the change is committed (never before)."""

from __future__ import annotations

import io

from spacekit import PDF, make_contract
from subkit import issue

from plugins.subscription import supporting
from plugins.subscription.models import SupportingDocument
from portal.core.jobs import drain
from portal.core.storage import storage
from portal.core.tenants import tenant_scope
from portal.extensions import db


def _upload(app, agent, document_id: int, name: str, *, commit: bool = True) -> str:
    with app.app_context(), tenant_scope(agent.tenant_id):
        document = db.session.get(SupportingDocument, document_id)
        supporting.upload(document, io.BytesIO(PDF), name, by="client")
        key = document.storage_key
        if commit:
            db.session.commit()
        else:
            db.session.rollback()
        return key


def _stored(app, key: str) -> bool:
    with app.app_context():
        return storage().exists(key)


def test_the_replaced_file_is_deleted_after_the_commit(app, agent, at):
    at(2026, 12, 7)
    _contract, (identity, *_) = make_contract(app, agent, issue(app, agent))
    first = _upload(app, agent, identity, "cni-recto.pdf")
    second = _upload(app, agent, identity, "cni-recto-verso.pdf")
    drain(app)
    assert _stored(app, second) and not _stored(app, first)


def test_a_replacement_rolled_back_deletes_nothing(app, agent, at):
    at(2026, 12, 7)
    _contract, (identity, *_) = make_contract(app, agent, issue(app, agent))
    first = _upload(app, agent, identity, "cni.pdf")
    _upload(app, agent, identity, "autre.pdf", commit=False)
    drain(app)
    assert _stored(app, first)
    with app.app_context(), tenant_scope(agent.tenant_id):
        assert db.session.get(SupportingDocument, identity).storage_key == first
