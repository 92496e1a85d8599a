"""Fixtures of the jobs tests: one app with the test jobs, its tables, per-tenant clients."""

from __future__ import annotations

import uuid
from functools import partial

import pytest
import redis
from jobkit import EXTRA_JOBS, Event, KitBase, Note, add_routes
from sqlalchemy import delete

from portal import create_app
from portal.core.jobs import drain, get_runtime, shutdown
from portal.core.tenants import unscoped
from portal.extensions import db
from portal.testing.web import tenant_client


@pytest.fixture(scope="session")
def jobs_app(app, app_config, backend):
    """An app with the test jobs; ``app`` first, so the schema and demo tenants exist."""
    namespace = f"portal-test-{uuid.uuid4().hex[:8]}"
    jobs_app = create_app(
        {
            **app_config,
            "PORTAL_REDIS_NAMESPACE": namespace,
            "PORTAL_EXTRA_JOBS": EXTRA_JOBS,
            "PORTAL_JOBS_MIN_BACKOFF_MS": 10,
            "PORTAL_JOBS_MAX_BACKOFF_MS": 40,
            "PORTAL_JOBS_WORKER_TIMEOUT_MS": 20,
            "PORTAL_JOBS_EMBEDDED_THREADS": 4,
        }
    )
    add_routes(jobs_app)
    with jobs_app.app_context():
        KitBase.metadata.create_all(db.engine)
    yield jobs_app
    shutdown(jobs_app)
    with jobs_app.app_context():
        KitBase.metadata.drop_all(db.engine)
        db.session.remove()
        db.engine.dispose()
    if backend["redis"]:
        client = redis.Redis.from_url(backend["redis"])
        keys = list(client.scan_iter(f"{namespace}*"))
        if keys:
            client.delete(*keys)


@pytest.fixture(autouse=True)
def _settle_jobs(request):
    """After each test: let its jobs finish, then delete the test tables' rows.

    (The shared ``_clean_rows`` fixture empties ``job`` and ``periodic_run`` afterwards.)
    """
    yield
    if "jobs_app" not in request.fixturenames:
        return
    jobs_app = request.getfixturevalue("jobs_app")
    drain(jobs_app)
    with jobs_app.app_context(), unscoped():
        db.session.execute(delete(Event))
        db.session.execute(delete(Note))
        db.session.commit()
        db.session.remove()


@pytest.fixture
def runtime(jobs_app):
    return get_runtime(jobs_app)


@pytest.fixture
def client_on(jobs_app):
    """``client_on("resilimo")`` → a test client of the jobs app on resilimo.localhost."""
    return partial(tenant_client, jobs_app)


@pytest.fixture
def sent(runtime, monkeypatch):
    """Every message handed to the broker from now on, as ``(actor name, args, delay)``."""
    messages = []
    original = runtime.broker.enqueue

    def recording(message, *, delay=None):
        messages.append((message.actor_name, message.args, delay))
        return original(message, delay=delay)

    monkeypatch.setattr(runtime.broker, "enqueue", recording)
    return messages
