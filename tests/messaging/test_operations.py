"""Messaging in the account's life cycle: its export holds the conversations and their files
(never the operators' internal notes, never another account's), its purge deletes them."""

from __future__ import annotations

import csv
import io
import zipfile

from msgkit import (
    BODY,
    PDF_BYTES,
    conversations,
    create_account,
    create_staff,
    logged_in,
    reference_of,
    start_help,
)

from portal.core.accounts.closure import purge
from portal.core.accounts.models import Account
from portal.core.storage import storage
from portal.core.tenants import tenant_scope
from portal.extensions import db


def read_csv(archive: zipfile.ZipFile, name: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(archive.read(name).decode("utf-8-sig")), delimiter=";"))


def add_note(app, tenant_id: int, conversation_id: int, text: str) -> None:
    from portal.core.backoffice.models import StaffUser
    from portal.core.messaging import answers
    from portal.core.messaging.models import Conversation

    staff_id = create_staff(app).id
    with app.app_context(), tenant_scope(tenant_id):
        staff = db.session.get(StaffUser, staff_id)
        answers.add_note(db.session.get(Conversation, conversation_id), staff, text)
        db.session.commit()


def test_the_export_holds_the_conversations_and_their_files(app, tenant_ids, client_for, agent):
    mine = start_help(app, agent, uploads=[("kbis agence.pdf", PDF_BYTES)])
    add_note(app, agent.tenant_id, mine, "Note interne à ne pas exporter")
    neighbour = create_account(app, email="voisin@agence-voisine.fr")
    theirs = start_help(app, neighbour, body="La question de mon voisin, privée.")

    ref = reference_of(app, mine)
    response = logged_in(client_for, agent).get("/compte/export.zip")
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    rows = read_csv(archive, "messagerie/conversations.csv")
    assert rows[0][:4] == ["reference", "type", "etat", "objet"]
    assert [row[:4] for row in rows[1:]] == [[ref, "help", "open", "Autre question"]]
    messages = read_csv(archive, "messagerie/messages.csv")
    assert [(row[0], row[2], row[3]) for row in messages[1:]] == [(ref, "user", BODY)]
    [header, attachment] = read_csv(archive, "messagerie/pieces-jointes.csv")
    assert attachment[1:4] == [ref, "", "kbis agence.pdf"]
    assert archive.read(attachment[5]) == PDF_BYTES
    everything = b"".join(archive.read(name) for name in archive.namelist())
    assert b"Note interne" not in everything
    assert b"mon voisin" not in everything and reference_of(app, theirs).encode() not in everything


def test_the_purge_deletes_the_conversations_and_their_files(app, tenant_ids, agent):
    mine = start_help(app, agent, uploads=[("kbis.pdf", PDF_BYTES)])
    add_note(app, agent.tenant_id, mine, "Note interne")
    neighbour = create_account(app, email="voisin@agence-voisine.fr")
    start_help(app, neighbour, uploads=[("statuts.pdf", PDF_BYTES)])
    [conversation] = conversations(app, agent.tenant_id, agent.id)
    [(_id, _name, _type, key)] = conversation["attachments"]
    [kept] = conversations(app, neighbour.tenant_id, neighbour.id)
    kept_key = kept["attachments"][0][3]

    from portal.core.messaging.models import Attachment, Message

    with app.app_context(), tenant_scope(agent.tenant_id):
        assert purge(db.session.get(Account, agent.id)) is True
        db.session.commit()
        assert storage().exists(kept_key) and not storage().exists(key)
        # The neighbour's message and file are all that is left.
        assert db.session.query(Message).count() == 1
        assert db.session.query(Attachment).count() == 1
    assert conversations(app, agent.tenant_id, agent.id) == []
    assert conversations(app, neighbour.tenant_id, neighbour.id) == [kept]


def test_the_purge_hook_is_harmless_twice(app, tenant_ids, agent):
    from portal.core.messaging import hooks
    from portal.core.tenants import tenant_directory

    start_help(app, agent, uploads=[("kbis.pdf", PDF_BYTES)])
    with app.app_context(), tenant_scope(agent.tenant_id):
        tenant = tenant_directory().get(agent.tenant_id)
        account = db.session.get(Account, agent.id)
        hooks.on_account_purged(tenant, account)
        hooks.on_account_purged(tenant, account)
        db.session.commit()
    assert conversations(app, agent.tenant_id, agent.id) == []
