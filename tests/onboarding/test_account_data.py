"""The account's bookings belong to its data: in its history download, and gone for good when
its personal data is purged."""

from __future__ import annotations

import csv
import io
import zipfile

from flask import g
from obkit import book_url, bookings, paris, post_form, publish

from portal.core.accounts.models import Account
from portal.core.tenants import tenant_directory, tenant_scope
from portal.extensions import db


def test_the_history_download_lists_the_bookings(app, tenant_ids, agent, agent_client, staff):
    from portal.core.accounts.export import build_export

    resilimo = tenant_ids["resilimo"]
    [slot] = publish(app, resilimo, staff, paris(3, 10, 0))
    post_form(agent_client, book_url(slot), {"phone": "0612345678", "topics": "Crédits"})
    with app.test_request_context(), tenant_scope(resilimo):
        g.tenant = tenant_directory().get(resilimo)
        with build_export(db.session.get(Account, agent.id)) as archive:
            data = archive.read()
    with zipfile.ZipFile(io.BytesIO(data)) as zipped:
        rows = list(
            csv.reader(
                io.StringIO(
                    zipped.read("accompagnement/rendez-vous.csv").decode("utf-8-sig"), newline=""
                ),
                delimiter=";",
            )
        )
    assert rows[0][:3] == ["debut", "duree_minutes", "mode"]
    assert rows[1][1:7] == [
        "20",
        "phone",
        "Jean Fournier",
        "jean@agence-fournier.fr",
        "'+33612345678",  # a leading + is neutralised for spreadsheets
        "Crédits",
    ]


def test_a_purge_deletes_the_bookings_and_frees_the_slot(
    app, tenant_ids, agent, agent_client, staff
):
    from portal.core.accounts.closure import purge
    from portal.core.accounts.models import AccountStatus

    resilimo = tenant_ids["resilimo"]
    [slot] = publish(app, resilimo, staff, paris(3, 10, 0))
    post_form(agent_client, book_url(slot), {"phone": "0612345678"})
    with app.test_request_context(), tenant_scope(resilimo):
        account = db.session.get(Account, agent.id)
        account.status = AccountStatus.CLOSING
        purge(account)
        purge(account)  # safe twice
        db.session.commit()
    assert bookings(app, resilimo) == []
