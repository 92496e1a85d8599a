"""``portal.testing``: the pytest plugin of the portal's test suites and of plugins' suites.

Installing portal registers it (``pytest11`` entry point); ``-p portal.testing`` or
``pytest_plugins = ["portal.testing"]`` also work. One suite, two backends:

* default: a SQLite file and in-process jobs;
* ``PORTAL_TEST_DATABASE_URL`` (PostgreSQL) and ``PORTAL_TEST_REDIS_URL``: a throwaway PostgreSQL
  database for the run and a real Redis broker.

The schema is built by the real migrations, the tenants by the real ``tenants sync`` from
``PORTAL_TENANTS_DIR`` (default: the portal's demo tenants; or override ``portal_tenants_dir``).
The app loads the plugins named by the session fixture ``portal_plugins`` (default: the ones
shipped with portal; a plugin's suite overrides it to add its own). Rows a test writes are
deleted after it and rate limits start afresh.

Fixtures: ``app``, ``app_config``, ``backend``, ``client_for``, ``tenant_ids``, ``in_tenant``,
``make_account``, ``make_profile``, ``sign_in``, ``logged_in``, ``csrf_token``, ``post_form``,
``make_staff``, ``staff_client``, ``backoffice``, ``fresh_database_url``. The helpers behind them
are importable from ``portal.testing.accounts`` and ``portal.testing.web``.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from portal.testing import accounts, web
from portal.testing.database import (
    create_postgres_database,
    delete_test_rows,
    drop_postgres_database,
)

# -- the harness --------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def backend() -> dict:
    """Which backends this run uses: ``{"database": "sqlite"|"postgresql", "redis": url|None}``."""
    return {
        "database": "postgresql" if os.environ.get("PORTAL_TEST_DATABASE_URL") else "sqlite",
        "redis": os.environ.get("PORTAL_TEST_REDIS_URL") or None,
    }


def _database(directory: Path) -> Iterator[str]:
    base = os.environ.get("PORTAL_TEST_DATABASE_URL")
    if not base:
        yield f"sqlite:///{directory / 'portal.db'}"
        return
    url = create_postgres_database(base)
    yield url
    drop_postgres_database(url)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> Iterator[str]:
    """The run's database (SQLite file, or a throwaway PostgreSQL database)."""
    yield from _database(tmp_path_factory.mktemp("db"))


@pytest.fixture
def fresh_database_url(tmp_path) -> Iterator[str]:
    """An empty database of the run's backend, for tests that build a schema of their own."""
    yield from _database(tmp_path)


@pytest.fixture(scope="session")
def portal_plugins() -> list[str]:
    """The plugins the test app loads: those shipped with portal. A plugin's suite overrides it
    to add its own: ``return [*shipped_plugins(), "acme_notes"]``."""
    return shipped_plugins()


def shipped_plugins() -> list[str]:
    """Names of the plugins distributed with portal itself (not the installed third-party ones)."""
    return sorted(
        ep.name
        for ep in entry_points(group="portal.plugins")
        if ep.dist is not None and ep.dist.name == "portal"
    )


@pytest.fixture(scope="session")
def portal_tenants_dir() -> str:
    """The tenant folders the test app syncs: ``PORTAL_TENANTS_DIR``, else the demo tenants."""
    from portal.config import PROJECT_ROOT

    return os.environ.get("PORTAL_TENANTS_DIR") or str(PROJECT_ROOT / "tenants")


@pytest.fixture(scope="session")
def app_config(tmp_path_factory, database_url, backend, portal_plugins, portal_tenants_dir):
    """The config every test app starts from; tests may copy it and override keys."""
    data_dir = tmp_path_factory.mktemp("data")
    return {
        "TESTING": True,
        "PORTAL_MODE": "development",
        "SECRET_KEY": "test-secret",
        "PORTAL_DATA_DIR": str(data_dir),
        "PORTAL_STORAGE_PATH": str(data_dir / "files"),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "PORTAL_REDIS_URL": backend["redis"],
        # Each run has its own Redis keys: parallel runs and leftovers never meet.
        "PORTAL_REDIS_NAMESPACE": f"portal-test-{uuid.uuid4().hex[:8]}",
        "PORTAL_TENANTS_DIR": portal_tenants_dir,
        "PORTAL_PLUGINS": list(portal_plugins),
        "WTF_CSRF_ENABLED": True,
    }


@pytest.fixture(scope="session")
def app(app_config):
    """The session's app: real migrations (``upgrade heads``) and real tenants sync."""
    from portal import create_app
    from portal.core.demo import load_demo

    app = create_app(app_config)
    with app.app_context():
        load_demo(app)
    return app


@pytest.fixture(autouse=True)
def _clean_rows(request):
    """Delete what a test wrote (tenants and the schema stay)."""
    yield
    if "app" in request.fixturenames:
        delete_test_rows(request.getfixturevalue("app"))


@pytest.fixture(autouse=True)
def _fresh_rate_limits(request):
    """Every test starts with no attempt counted by the per-address limiter (it outlives a
    test): failed logins, emails sent, contact messages."""
    if "app" in request.fixturenames:
        from portal.core.ratelimit import limiter

        request.getfixturevalue("app")
        limiter.reset()
    yield


# -- tenants and clients ------------------------------------------------------------------------


@pytest.fixture
def client_for(app):
    """``client_for("resilimo")`` → a test client on resilimo.localhost (or on a host given)."""
    return partial(web.tenant_client, app)


@pytest.fixture
def tenant_ids(app) -> dict[str, int]:
    """Tenant ids by slug."""
    from sqlalchemy import select

    from portal.core.tenants import Tenant
    from portal.extensions import db

    with app.app_context():
        return dict(db.session.execute(select(Tenant.slug, Tenant.id)).all())


@pytest.fixture
def in_tenant(app, tenant_ids):
    """``with in_tenant("resilimo"):`` → an app context scoped to that tenant's rows."""
    from portal.core.tenants import tenant_scope

    @contextmanager
    def scope(slug: str):
        with app.app_context(), tenant_scope(tenant_ids[slug]):
            yield

    return scope


@pytest.fixture
def csrf_token():
    """``csrf_token(html)`` → the value of the first ``csrf_token`` field of a page."""
    return web.csrf_token


@pytest.fixture
def post_form():
    """``post_form(client, page_url, data, action=None)``: open the form page, then post
    ``data`` with its CSRF token (to ``action`` if given)."""
    return web.post_form


# -- accounts -----------------------------------------------------------------------------------


@pytest.fixture
def make_account(app):
    """``make_account(slug="resilimo", email=…, password=…, **account_columns)`` → an
    ``AccountRef`` of an active account with its holder profile "Jean Fournier"."""
    return partial(accounts.create_account, app)


@pytest.fixture
def make_profile(app):
    """``make_profile(account, name="Léa Martin", **profile_columns)`` → a collaborator
    profile's id."""
    return partial(accounts.create_profile, app)


@pytest.fixture
def sign_in():
    """``sign_in(client, account, profile_id=None, reauth=False)``: a logged-in session without
    the login page; ``profile_id`` already chosen, ``reauth``: password typed again just now."""
    return web.sign_in


@pytest.fixture
def logged_in(client_for):
    """``logged_in(account, profile_id=None, reauth=False)`` → a client on the account's tenant,
    logged in with that profile chosen (the holder's by default)."""
    return partial(web.logged_in, client_for)


# -- back office --------------------------------------------------------------------------------


@pytest.fixture
def make_staff(app):
    """``make_staff(role=StaffRole.SUPPORT, enrolled=True, email=None, **columns)`` → the
    detached ``StaffUser``, password ``portal.testing.accounts.STAFF_PASSWORD``."""
    return partial(accounts.create_staff, app)


@pytest.fixture
def backoffice(app, client_for):
    """``backoffice()`` → a fresh anonymous client on the back-office host."""
    return lambda: client_for(app.config["PORTAL_BACKOFFICE_HOST"])


@pytest.fixture
def staff_client(make_staff, backoffice):
    """``staff_client(role=StaffRole.SUPPORT)`` → (back-office client past both login steps,
    staff)."""

    def make(role=None, **fields):
        staff = make_staff(role, **fields)
        return web.sign_in_staff(backoffice(), staff), staff

    return make
