"""Fault injection with real ``portal worker`` processes on a Redis of the test's own: a worker
SIGKILLed after the SMTP relay accepted its email, and a Redis restarted while retries wait.

Each test takes a few seconds (worker start-up, a one-second lease); Redis runs only.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from email import message_from_bytes, policy
from pathlib import Path

import pytest
import redis
from aiosmtpd.controller import Controller
from jobkit import count, email_then_linger, flaky, record
from webkit import SmtpRecorder

from portal import create_app
from portal.core.clock import now as utcnow
from portal.core.jobs import Job, enqueue, get_runtime, shutdown, sweep
from portal.core.tenants import tenant_scope
from portal.extensions import db

pytestmark = pytest.mark.redis_only

FAULT_JOBS = [record, flaky, email_then_linger]
LEASE_SECONDS = 1.0
PORTAL = Path(sys.executable).with_name("portal")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class OwnRedis:
    """A redis-server on a free port, without persistence: a restart loses every key."""

    def __init__(self, directory: Path):
        self.port = _free_port()
        self.directory = directory
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
            + ["--appendonly", "no", "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url)
        _wait(lambda: _answers(client), "redis-server to start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


def _answers(client: redis.Redis) -> bool:
    try:
        return client.ping()
    except redis.ConnectionError:
        return False


def _wait(condition: Callable[[], bool], what: str, timeout: float = 60.0) -> float:
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise TimeoutError(f"waited {timeout} s for {what}")
        time.sleep(0.05)
    return time.monotonic() - started


@pytest.fixture
def own_redis(backend, tmp_path):
    if not backend["redis"]:
        pytest.skip("fault injection runs real workers on Redis")
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    server = OwnRedis(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def relay():
    handler = SmtpRecorder()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield handler, controller.port
    controller.stop()


@pytest.fixture
def faults(jobs_app, app_config, own_redis, relay, tmp_path):
    """The test's side (enqueue, sweep) and a way to start ``portal worker`` processes."""
    _, relay_port = relay
    settings = {
        "PORTAL_REDIS_URL": own_redis.url,
        "PORTAL_REDIS_NAMESPACE": f"portal-test-{uuid.uuid4().hex[:8]}",
        "PORTAL_JOBS_LEASE_SECONDS": LEASE_SECONDS,
        "PORTAL_JOBS_MIN_BACKOFF_MS": 1000,
        "PORTAL_JOBS_MAX_BACKOFF_MS": 2000,
        "PORTAL_JOBS_WORKER_TIMEOUT_MS": 50,
        "PORTAL_MAIL": "smtp",
        "PORTAL_SMTP_HOST": "127.0.0.1",
        "PORTAL_SMTP_PORT": relay_port,
    }
    app = create_app(
        {
            **app_config,
            **settings,
            "PORTAL_EXTRA_JOBS": FAULT_JOBS,
            # The limiter is one object for every app: keep it off the Redis stopped at the end.
            "RATELIMIT_STORAGE_URI": "memory://",
        }
    )
    namespace = get_runtime(app).settings.redis_namespace  # the test app's, suffixed
    environment = {
        **os.environ,
        **{key: str(value) for key, value in settings.items()},
        "PORTAL_MODE": "development",
        "PORTAL_REDIS_NAMESPACE": namespace,
        "PORTAL_DATABASE_URL": app_config["SQLALCHEMY_DATABASE_URI"],
        "PORTAL_TENANTS_DIR": app_config["PORTAL_TENANTS_DIR"],
        "PORTAL_DATA_DIR": str(tmp_path / "worker"),
        "PORTAL_EXTRA_JOBS": ",".join(f"jobkit:{fn.__name__}" for fn in FAULT_JOBS),
        "PYTHONPATH": str(Path(__file__).parent),
    }
    workers: list[subprocess.Popen] = []

    def start_worker(threads: int = 2, queues=(), **extra_environment) -> subprocess.Popen:
        worker = subprocess.Popen(
            [str(PORTAL), "worker", "--threads", str(threads)]
            + [arg for queue in queues for arg in ("--queue", queue)],
            env={**environment, **extra_environment},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        workers.append(worker)
        return worker

    yield app, start_worker, redis.Redis.from_url(own_redis.url), namespace
    for worker in workers:
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(10)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
    shutdown(app)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _enqueue(app, tenant_id: int, fn, *args) -> int:
    with app.app_context(), tenant_scope(tenant_id):
        row = enqueue(fn, *args)
        db.session.commit()  # sent to Redis after commit
        job_id = row.id
        db.session.remove()
    return job_id


def _row(app, job_id: int) -> Job:
    with app.app_context():
        row = db.session.get(Job, job_id)
        db.session.expunge_all()
        db.session.remove()
        return row


def _swept_until(app, done: Callable[[], bool], what: str) -> float:
    """Run the scheduler's sweep every 0.2 s until ``done``; returns how long it took."""

    def tick() -> bool:
        with app.app_context():
            try:
                sweep(get_runtime(app), utcnow())
            except redis.RedisError:
                db.session.rollback()  # Redis is still coming back: next tick
            finally:
                db.session.remove()
        time.sleep(0.15)
        return done()

    return _wait(tick, what, timeout=30)


def test_a_worker_killed_after_the_relay_accepted_its_email_never_sends_it_twice(
    faults, relay, tenant_ids
):
    app, start_worker, broker, namespace = faults
    received, _ = relay
    doomed = start_worker(threads=1, JOBKIT_LINGER_SECONDS="60")
    job_id = _enqueue(app, tenant_ids["resilimo"], email_then_linger, "mailed", "a@agence.test")
    _wait(lambda: _row(app, job_id).handovers == 1, "the email to be handed to the relay")
    start_worker(JOBKIT_LINGER_SECONDS="60")  # lingers only where it sends
    # Every broker that talks to Redis leaves a heartbeat: this test's, the doomed worker's and
    # the new one's once it consumes.
    heartbeats = f"{namespace}:__heartbeats__"
    _wait(lambda: broker.zcard(heartbeats) >= 3, "the second worker to consume")

    # The relay accepted the email; the job has not committed: SIGKILL its worker now.
    doomed.send_signal(signal.SIGKILL)
    doomed.wait()
    assert _row(app, job_id).completed_at is None
    took = _swept_until(app, lambda: _row(app, job_id).completed_at is not None, "the retry")
    assert took < LEASE_SECONDS + 5  # bounded by the lease, not by dramatiq's heartbeat

    row = _row(app, job_id)
    assert row.attempts == 2 and row.handovers == 1  # the attempt lost with its worker counts
    (envelope,) = received.envelopes  # one email, whatever the attempts
    message = message_from_bytes(envelope.content, policy=policy.default)
    assert message["Message-ID"] == f"<job-{job_id}-0@resilimo.test>"
    with app.app_context():
        assert count("mailed") == 1


def test_a_worker_given_queues_consumes_only_those(faults, tenant_ids):
    """`portal worker --queue mail` (dedicated workers) leaves the default queue's jobs to the
    workers of every queue; an unknown queue is refused at start."""
    app, start_worker, broker, namespace = faults
    assert start_worker(queues=("no-such-queue",)).wait(60) != 0

    start_worker(queues=("mail",))
    _wait(lambda: broker.zcard(f"{namespace}:__heartbeats__") >= 1, "the mail worker to consume")
    job_id = _enqueue(app, tenant_ids["resilimo"], record, "default-queue")
    time.sleep(2)
    assert _row(app, job_id).started_at is None  # not its queue
    start_worker()
    _wait(lambda: _row(app, job_id).completed_at is not None, "a worker of every queue")


def test_retries_waiting_while_redis_restarts_are_not_lost(faults, own_redis, tenant_ids):
    app, start_worker, _, _ = faults
    start_worker()
    ids = [_enqueue(app, tenant_ids["msr"], flaky, f"restart-{n}", 1) for n in range(5)]
    # Every first attempt fails and waits one to two seconds for its retry…
    _wait(lambda: all(_row(app, job_id).attempts == 1 for job_id in ids), "first attempts")

    own_redis.stop()  # …while Redis restarts empty
    own_redis.start()

    def all_done() -> bool:
        return all(_row(app, job_id).completed_at is not None for job_id in ids)

    _swept_until(app, all_done, "every retry")
    assert [_row(app, job_id).attempts for job_id in ids] == [2] * 5
    with app.app_context():
        assert [count(f"restart-{n}") for n in range(5)] == [1] * 5
