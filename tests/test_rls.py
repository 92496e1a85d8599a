"""The tenant wall's second layer on PostgreSQL: row-level security on every tenant-owned table.

Raw SQL that forgets the tenant filter, run as a role that does not own the tables (the way an
application's login role should be), still sees and writes only the scope's tenant.
"""

from __future__ import annotations

import uuid
from contextlib import contextmanager

import pytest
from sqlalchemy import text
from sqlalchemy.exc import ProgrammingError

from portal.core.database import TENANT_POLICY
from portal.core.tenants import tenant_scope, unscoped
from portal.core.tenants.scoping import TENANT_TABLES
from portal.extensions import db

pytestmark = pytest.mark.postgres_only

RESILIMO_EMAIL = "agent@resilimo-rls.fr"
MSR_EMAIL = "agent@msr-rls.fr"
EMAILS = text("SELECT email FROM account WHERE email IN (:a, :b) ORDER BY email").bindparams(
    a=RESILIMO_EMAIL, b=MSR_EMAIL
)


@pytest.fixture(autouse=True)
def _postgresql_only(backend):
    if backend["database"] != "postgresql":
        pytest.skip("row-level security is PostgreSQL's")


@pytest.fixture
def outsider(app):
    """A role that owns no table: granted the rows' verbs, nothing else."""
    name = f"portal_outsider_{uuid.uuid4().hex[:8]}"
    with app.app_context(), db.engine.begin() as conn:
        conn.execute(text(f'CREATE ROLE "{name}" NOLOGIN NOSUPERUSER NOBYPASSRLS'))
        conn.execute(text(f'GRANT "{name}" TO CURRENT_USER'))  # to SET ROLE without superuser
        conn.execute(text(f'GRANT USAGE ON SCHEMA public TO "{name}"'))
        conn.execute(
            text(f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "{name}"')
        )
    yield name
    with app.app_context(), db.engine.begin() as conn:
        conn.execute(text(f'DROP OWNED BY "{name}"'))
        conn.execute(text(f'DROP ROLE "{name}"'))


@pytest.fixture
def as_outsider(app, outsider):
    """``with as_outsider() as conn:`` → one transaction run as the outsider role."""

    @contextmanager
    def transaction():
        with app.app_context(), db.engine.connect() as conn, conn.begin():
            conn.execute(text(f'SET LOCAL ROLE "{outsider}"'))
            yield conn

    return transaction


@pytest.fixture
def two_agents(make_account):
    make_account("resilimo", email=RESILIMO_EMAIL)
    make_account("msr", email=MSR_EMAIL)


def test_every_tenant_owned_table_is_behind_forced_row_security(app):
    names = sorted(table.name for table in TENANT_TABLES if table.metadata is db.metadata)
    with app.app_context(), db.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,"
                " EXISTS (SELECT 1 FROM pg_policies p WHERE p.tablename = c.relname"
                "         AND p.policyname = :policy)"
                " FROM pg_class c WHERE c.relname = ANY(:names) AND c.relkind = 'r'"
            ),
            {"names": names, "policy": TENANT_POLICY},
        ).all()
    assert {"account", "credit_ledger_entry", "messaging_message"} <= {name for name, *_ in rows}
    assert [name for name, *flags in rows if not all(flags)] == []


def test_raw_sql_forgetting_the_tenant_sees_only_the_scope(as_outsider, tenant_ids, two_agents):
    with as_outsider() as conn:
        with tenant_scope(tenant_ids["resilimo"]):
            assert conn.execute(EMAILS).scalars().all() == [RESILIMO_EMAIL]
        # The same transaction follows the scope when it changes.
        with tenant_scope(tenant_ids["msr"]):
            assert conn.execute(EMAILS).scalars().all() == [MSR_EMAIL]
        assert conn.execute(EMAILS).scalars().all() == []  # no tenant: nothing
        with unscoped():
            assert conn.execute(EMAILS).scalars().all() == [MSR_EMAIL, RESILIMO_EMAIL]


def test_raw_sql_cannot_change_or_move_another_tenants_rows(as_outsider, tenant_ids, two_agents):
    change = text("UPDATE account SET first_name = 'Pirate' WHERE email = :email")
    with as_outsider() as conn, tenant_scope(tenant_ids["msr"]):
        assert conn.execute(change, {"email": RESILIMO_EMAIL}).rowcount == 0
        assert conn.execute(change, {"email": MSR_EMAIL}).rowcount == 1
    with (
        as_outsider() as conn,
        tenant_scope(tenant_ids["msr"]),
        pytest.raises(ProgrammingError, match="row-level security"),
    ):
        conn.execute(
            text("UPDATE account SET tenant_id = :other WHERE email = :email"),
            {"other": tenant_ids["resilimo"], "email": MSR_EMAIL},
        )


def test_each_transaction_and_savepoint_gets_the_scope_anew(as_outsider, tenant_ids, two_agents):
    # One pooled connection serves one tenant, then another (a web thread, a worker's jobs).
    for slug, email in (("resilimo", RESILIMO_EMAIL), ("msr", MSR_EMAIL)):
        with as_outsider() as conn, tenant_scope(tenant_ids[slug]):
            assert conn.execute(EMAILS).scalars().all() == [email]
    with as_outsider() as conn, tenant_scope(tenant_ids["msr"]):
        savepoint = conn.begin_nested()
        with tenant_scope(tenant_ids["resilimo"]):
            assert conn.execute(EMAILS).scalars().all() == [RESILIMO_EMAIL]
        savepoint.rollback()  # takes the setting made inside it along
        assert conn.execute(EMAILS).scalars().all() == [MSR_EMAIL]
