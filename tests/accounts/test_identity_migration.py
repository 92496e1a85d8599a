"""core_0018 (SIREN, country, foreign postal codes) keeps every row that hangs off an account."""

from __future__ import annotations

from sqlalchemy import text

from portal import create_app
from portal.core.database import upgrade_database
from portal.core.tenants import unscoped
from portal.extensions import db


def _unscoped(conn):
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT set_config('portal.unscoped', 'on', true)"))


def test_the_migration_keeps_profiles_messages_and_their_authors(app_config, fresh_database_url):
    from flask_migrate import downgrade, upgrade

    from portal.core.database import migrations

    app = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": fresh_database_url})

    migrations(app)  # Flask-Migrate, which a web process goes without
    with app.app_context():
        upgrade(revision="core_0017")
        with db.engine.begin() as conn, unscoped():
            _unscoped(conn)
            tenant = conn.execute(
                text(
                    "INSERT INTO tenant (slug, name, config, revision, active)"
                    " VALUES ('a', 'a', '{}', '1', true) RETURNING id"
                )
            ).scalar_one()
            account = conn.execute(
                text(
                    "INSERT INTO account (tenant_id, email, status, first_name, last_name,"
                    " commercial_name, address, postal_code, city, phone, letterhead_lines,"
                    " session_version, created_at) VALUES (:t, 'a@example.org', 'active', 'A',"
                    " 'B', 'C', '1 rue', '75001', 'Paris', '0102030405', '[]', 1,"
                    " CURRENT_TIMESTAMP) RETURNING id"
                ),
                {"t": tenant},
            ).scalar_one()
            profile = conn.execute(
                text(
                    "INSERT INTO account_profile (tenant_id, account_id, name, email, active,"
                    " is_holder, created_at) VALUES (:t, :a, 'A B', 'a@example.org', true, true,"
                    " CURRENT_TIMESTAMP) RETURNING id"
                ),
                {"t": tenant, "a": account},
            ).scalar_one()
            conversation = conn.execute(
                text(
                    "INSERT INTO messaging_conversation (tenant_id, number, kind, state,"
                    " account_id, profile_id, category, path_labels, subject, locale, hidden,"
                    " created_at, last_activity_at) VALUES (:t, 1, 'help', 'open', :a, :p,"
                    " 'agent', '[]', 's', 'fr', false, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                    " RETURNING id"
                ),
                {"t": tenant, "a": account, "p": profile},
            ).scalar_one()
            conn.execute(
                text(
                    "INSERT INTO messaging_message (tenant_id, conversation_id, author,"
                    " profile_id, internal, body, created_at)"
                    " VALUES (:t, :c, 'user', :p, false, 'b', CURRENT_TIMESTAMP)"
                ),
                {"t": tenant, "c": conversation, "p": profile},
            )

        upgrade_database()

        def state(conn):
            return (
                conn.execute(text("SELECT COUNT(*) FROM account_profile")).scalar(),
                conn.execute(text("SELECT profile_id FROM messaging_conversation")).all(),
                conn.execute(text("SELECT profile_id FROM messaging_message")).all(),
            )

        with db.engine.begin() as conn, unscoped():
            _unscoped(conn)
            assert state(conn) == (1, [(profile,)], [(profile,)])
            assert conn.execute(text("SELECT country, siren FROM account")).one() == ("FR", None)
            conn.execute(text("UPDATE account SET postal_code = 'SW1A 1AA', country = 'GB'"))

        downgrade(revision="core_0017")
        with db.engine.begin() as conn, unscoped():
            _unscoped(conn)
            assert state(conn) == (1, [(profile,)], [(profile,)])
        db.session.remove()
        db.engine.dispose()
