"""Conversation references count per tenant: a tenant's first conversation is M-000001, whatever
the other tenants have, so a reference tells nothing about the other tenants."""

from __future__ import annotations

from msgkit import (
    create_account,
    devbox,
    logged_in,
    send_help_request,
    start_help,
)
from sqlalchemy import select, text

from portal import create_app
from portal.core.database import upgrade_database
from portal.core.messaging.models import Conversation
from portal.core.messaging.notifications import reference
from portal.core.tenants import tenant_scope, unscoped
from portal.extensions import db


def numbers(app, tenant_id: int) -> dict[int, int]:
    with app.app_context(), tenant_scope(tenant_id):
        return dict(db.session.execute(select(Conversation.id, Conversation.number)).all())


def test_a_tenants_first_conversation_is_number_one_whatever_the_others_have(app, tenant_ids):
    other_slug, slug = "horizon", "resilimo"
    neighbour = create_account(app, slug=other_slug, email="a@voisin.fr")
    theirs = [start_help(app, neighbour) for _ in range(3)]
    user = create_account(app, slug=slug)

    first = start_help(app, user)
    assert first > max(theirs)  # the global id counts every tenant's conversations…
    assert numbers(app, tenant_ids[slug]) == {first: 1}  # …the number only this tenant's
    second = start_help(app, user)
    assert numbers(app, tenant_ids[slug]) == {first: 1, second: 2}
    assert numbers(app, tenant_ids[other_slug]) == dict(zip(theirs, [1, 2, 3], strict=True))
    start_help(app, neighbour)
    assert sorted(numbers(app, tenant_ids[other_slug]).values()) == [1, 2, 3, 4]
    with app.app_context(), tenant_scope(tenant_ids[slug]):
        assert reference(db.session.get(Conversation, second)) == "M-000002"


def test_the_acknowledgement_email_and_page_quote_the_tenants_number(app, tenant_ids, client_for):
    other_slug, slug = "horizon", "resilimo"
    neighbour = create_account(app, slug=other_slug, email="a@voisin.fr")
    for _ in range(2):
        start_help(app, neighbour)
    devbox(app, tenant_ids[other_slug], "email")
    user = create_account(app, slug=slug)

    response = send_help_request(logged_in(client_for, user))
    assert response.status_code == 302
    [(conversation_id, number)] = numbers(app, tenant_ids[slug]).items()
    assert number == 1 and conversation_id > 1
    [email] = devbox(app, tenant_ids[slug], "email")
    assert "M-000001" in email.body_text
    assert f"M-{conversation_id:06d}" not in email.body_text
    page = logged_in(client_for, user).get(response.headers["Location"]).get_data(as_text=True)
    assert "M-000001" in page


def test_the_migration_numbers_existing_conversations_per_tenant_in_id_order(
    app_config, fresh_database_url
):
    from flask_migrate import downgrade, upgrade

    from portal.core.database import migrations

    app = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": fresh_database_url})

    migrations(app)  # Flask-Migrate, which a web process goes without
    with app.app_context():
        upgrade(revision="core_0016")
        with db.engine.begin() as conn, unscoped():
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT set_config('portal.unscoped', 'on', true)"))
            for slug in ("a", "b"):
                conn.execute(
                    text(
                        "INSERT INTO tenant (slug, name, config, revision, active)"
                        " VALUES (:slug, :slug, '{}', '1', true)"
                    ),
                    {"slug": slug},
                )
            tenant = dict(conn.execute(text("SELECT slug, id FROM tenant")).all())
            for slug in ("a", "b", "a", "a", "b"):
                conversation_id = conn.execute(
                    text(
                        "INSERT INTO messaging_conversation (tenant_id, kind, state, category,"
                        " path_labels, subject, locale, hidden, created_at, last_activity_at)"
                        " VALUES (:tenant, 'help', 'open', 'agent', '[]', 's', 'fr', false,"
                        " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP) RETURNING id"
                    ),
                    {"tenant": tenant[slug]},
                ).scalar_one()
                conn.execute(
                    text(
                        "INSERT INTO messaging_message (tenant_id, conversation_id, author,"
                        " internal, body, created_at)"
                        " VALUES (:tenant, :conversation, 'user', false, 'b', CURRENT_TIMESTAMP)"
                    ),
                    {"tenant": tenant[slug], "conversation": conversation_id},
                )

        upgrade_database()

        with db.engine.begin() as conn, unscoped():
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT set_config('portal.unscoped', 'on', true)"))
            rows = conn.execute(
                text("SELECT tenant_id, number FROM messaging_conversation ORDER BY id")
            ).all()
            assert rows == [
                (tenant["a"], 1),
                (tenant["b"], 1),
                (tenant["a"], 2),
                (tenant["a"], 3),
                (tenant["b"], 2),
            ]
            assert conn.execute(text("SELECT COUNT(*) FROM messaging_message")).scalar() == 5
            sequences = conn.execute(
                text(
                    "SELECT tenant_id, next_value FROM billing_number_sequence"
                    " WHERE series = 'MSG' ORDER BY tenant_id"
                )
            ).all()
            assert sequences == [(tenant["a"], 4), (tenant["b"], 3)]

        downgrade(revision="core_0016")
        with db.engine.begin() as conn, unscoped():
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT set_config('portal.unscoped', 'on', true)"))
            assert conn.execute(text("SELECT COUNT(*) FROM messaging_message")).scalar() == 5
            assert conn.execute(text("SELECT COUNT(*) FROM billing_number_sequence")).scalar() == 0
        db.session.remove()
        db.engine.dispose()
