"""The hand-over proof's harness, shared by ``test_handover_processes.py`` and
``bench/sendings_handover.py``: due sendings made in bulk, real ``portal worker`` processes on
Redis (one of them SIGKILLed), the scheduler's sweep run from here, and the counts that say
whether each sending reached the operator once.

Counting reads the tables, never the processes' memory: the sandbox operator's deposits per
``delivery_id`` (what the operator received), the sendings' states and their "handed over" events
(what the portal believes).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from sqlalchemy import text

PORTAL = Path(sys.executable).with_name("portal")
HERE = Path(__file__).resolve().parent


def wait(condition: Callable[[], bool], what: str, timeout: float = 60.0, step=0.05) -> float:
    """Poll ``condition`` until true; returns the seconds it took, ``TimeoutError`` after
    ``timeout``."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise TimeoutError(f"waited {timeout} s for {what}")
        time.sleep(step)
    return time.monotonic() - started


# -- worker processes ---------------------------------------------------------------------------

# Fast recovery settings: a killed worker's attempt is given up one lease later; a message it
# had prefetched but never started is sent again after REDISPATCH_SECONDS (the sweep's rule),
# or earlier by dramatiq's own Redis heartbeat.
RECOVERY = {
    "PORTAL_JOBS_LEASE_SECONDS": 2.0,
    "PORTAL_JOBS_MIN_BACKOFF_MS": 100,
    "PORTAL_JOBS_MAX_BACKOFF_MS": 500,
    "PORTAL_JOBS_WORKER_TIMEOUT_MS": 50,
    "PORTAL_JOBS_HEARTBEAT_TIMEOUT_MS": 3000,
    "PORTAL_JOBS_REDISPATCH_SECONDS": 15.0,
    "PORTAL_JOBS_SWEEP_GRACE_SECONDS": 5.0,
}


@dataclass
class Workers:
    """``portal worker`` processes sharing one database, storage and Redis namespace."""

    environment: dict[str, str]
    processes: list[subprocess.Popen] = field(default_factory=list)

    @classmethod
    def for_app(cls, app, config: dict, **extra: object) -> Workers:
        """Workers configured like ``app``, built from ``config`` (database, storage, tenants,
        Redis and the app's namespace — a test app suffixes it —, the recovery settings)."""
        from portal.core.jobs import get_runtime

        settings = {
            **{key: value for key, value in RECOVERY.items()},
            **{key: config[key] for key in RECOVERY if key in config},
            **extra,
        }
        environment = {
            **os.environ,
            **{key: str(value) for key, value in settings.items()},
            "PORTAL_MODE": config.get("PORTAL_MODE", "development"),
            "PORTAL_DATABASE_URL": config["SQLALCHEMY_DATABASE_URI"],
            "PORTAL_REDIS_URL": config["PORTAL_REDIS_URL"],
            "PORTAL_REDIS_NAMESPACE": get_runtime(app).settings.redis_namespace,
            "PORTAL_TENANTS_DIR": config["PORTAL_TENANTS_DIR"],
            "PORTAL_DATA_DIR": config["PORTAL_DATA_DIR"],
            "PORTAL_STORAGE_PATH": config["PORTAL_STORAGE_PATH"],
            "PYTHONPATH": os.pathsep.join(
                filter(None, [str(HERE), os.environ.get("PYTHONPATH", "")])
            ),
        }
        if config.get("SECRET_KEY"):
            environment["PORTAL_SECRET_KEY"] = str(config["SECRET_KEY"])
        return cls(environment)

    def start(
        self, threads: int = 4, log: Path | None = None, queues: tuple[str, ...] = ()
    ) -> subprocess.Popen:
        output = open(log, "ab") if log is not None else subprocess.DEVNULL  # noqa: SIM115
        process = subprocess.Popen(
            [str(PORTAL), "worker", "--threads", str(threads)]
            + [arg for queue in queues for arg in ("--queue", queue)],
            env=self.environment,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        if log is not None:
            output.close()
        self.processes.append(process)
        return process

    @staticmethod
    def kill(process: subprocess.Popen) -> None:
        """SIGKILL: no clean-up, no requeue, its leases left to lapse."""
        process.send_signal(signal.SIGKILL)
        process.wait()

    def stop(self, timeout: float = 10.0) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def consuming(broker, namespace: str, at_least: int) -> bool:
    """Whether ``at_least`` brokers talk to Redis (each leaves a heartbeat once it consumes)."""
    return broker.zcard(f"{namespace}:__heartbeats__") >= at_least


def sweep_once(app) -> int:
    """One scheduler tick's sweep, as ``portal scheduler`` does it."""
    import redis

    from portal.core.clock import now
    from portal.core.jobs import get_runtime, sweep
    from portal.extensions import db

    with app.app_context():
        try:
            return sweep(get_runtime(app), now())
        except redis.RedisError:
            db.session.rollback()
            return 0
        finally:
            db.session.remove()


def namespace_for(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def delete_namespace(redis_url: str, namespace: str) -> None:
    import redis

    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(f"{namespace}*"))
    if keys:
        client.delete(*keys)


# -- counting -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tally:
    """Where ``expected`` sendings stand."""

    expected: int
    handed_over: int  # sendings the portal holds as handed over (or further)
    handed_over_events: int  # "handed over" lines on their timelines
    told_twice: int  # sendings with more than one "handed over" line
    deposits: int  # deposits at the operator
    delivered_ids: int  # distinct delivery ids among them
    duplicates: int  # deposits beyond the first per delivery id
    missing: int  # sendings with no deposit

    @property
    def complete(self) -> bool:
        return self.handed_over == self.expected and self.delivered_ids == self.expected


# Not (or no longer) at the operator: not counted as handed over.
NOT_HANDED_OVER = ("draft", "validated", "scheduled", "due", "failed", "cancelled")


# The portal's own "handed over" line (the operator's events about the deposit, called back or
# polled, carry their event_id and may say "handed over" too).
HANDOVER_LINE = "state = 'handed_over' AND event_id IS NULL"


def tally(engine, expected: int, deposits_sql: str) -> Tally:
    """Count from the tables. ``deposits_sql`` selects one row per deposit with its
    ``delivery_id`` (the sandbox operator's table)."""
    with engine.connect() as conn:
        see_every_tenant(conn)
        handed = conn.scalar(
            text("SELECT count(*) FROM sending WHERE state NOT IN :states").bindparams(
                _expanding("states", NOT_HANDED_OVER)
            )
        )
        events = conn.scalar(text(f"SELECT count(*) FROM sending_event WHERE {HANDOVER_LINE}"))
        told_twice = conn.scalar(
            text(
                "SELECT count(*) FROM (SELECT sending_id FROM sending_event"
                f" WHERE {HANDOVER_LINE} GROUP BY sending_id HAVING count(*) > 1) AS t"
            )
        )
        rows = conn.execute(
            text(
                f"SELECT d.delivery_id, count(*) FROM ({deposits_sql}) AS d GROUP BY d.delivery_id"
            )
        ).all()
        missing = conn.scalar(
            text(
                f"SELECT count(*) FROM sending s WHERE NOT EXISTS "
                f"(SELECT 1 FROM ({deposits_sql}) AS d WHERE d.delivery_id = s.delivery_id)"
            )
        )
    total = sum(n for _, n in rows)
    return Tally(
        expected=expected,
        handed_over=handed,
        handed_over_events=events,
        told_twice=told_twice,
        deposits=total,
        delivered_ids=len(rows),
        duplicates=total - len(rows),
        missing=missing,
    )


def _expanding(name: str, values):
    from sqlalchemy import bindparam

    return bindparam(name, value=list(values), expanding=True)


def elapsed(started: float) -> timedelta:
    return timedelta(seconds=time.monotonic() - started)


def see_every_tenant(conn) -> None:
    """A raw connection sees every tenant's rows for its transaction: the tests' PostgreSQL role
    is no superuser, so row-level security applies to it as to the portal."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT set_config('portal.unscoped', 'on', true)"))


# -- due sendings in bulk -----------------------------------------------------------------------


def clone_due(engine, template_id: int, count: int, due_at) -> list[int]:
    """``count`` copies of sending ``template_id`` (validated through the real API), each with
    its own reference and delivery id, SCHEDULED and due at ``due_at``; their documents point to
    the template's stored files. Cloning keeps the set-up of thousands of sendings to a second or
    two: what is measured is their hand-over, not their making."""
    from sqlalchemy import MetaData, Table, insert, select

    metadata = MetaData()
    sending = Table("sending", metadata, autoload_with=engine)
    document = Table("sending_document", metadata, autoload_with=engine)
    with engine.begin() as conn:
        see_every_tenant(conn)
        template = conn.execute(select(sending).where(sending.c.id == template_id)).mappings().one()
        pages = (
            conn.execute(select(document).where(document.c.sending_id == template_id))
            .mappings()
            .all()
        )
        base = {key: value for key, value in template.items() if key != "id"}
        rows = []
        for _ in range(count):
            token = uuid.uuid4().hex
            rows.append(
                {
                    **base,
                    "reference": f"ENV-{token[:10].upper()}",
                    "delivery_id": token,
                    "state": "scheduled",
                    "due_at": due_at,
                }
            )
        ids = []
        for start in range(0, len(rows), 1000):
            result = conn.execute(
                insert(sending).returning(sending.c.id, sort_by_parameter_order=True),
                rows[start : start + 1000],
            )
            ids.extend(result.scalars().all())
        copies = [
            {**{k: v for k, v in page.items() if k != "id"}, "sending_id": sending_id}
            for sending_id in ids
            for page in pages
        ]
        for start in range(0, len(copies), 2000):
            conn.execute(insert(document), copies[start : start + 2000])
    return ids


def make_due(engine, sending_id: int, due_at) -> None:
    """Sending ``sending_id`` SCHEDULED and due at ``due_at``. On a raw connection that sees every
    tenant: under row-level security an unscoped UPDATE silently changes nothing (the crash test
    once lost its template sending so, as the tests' role, and waited for it in vain)."""
    with engine.begin() as conn:
        see_every_tenant(conn)
        changed = conn.execute(
            text("UPDATE sending SET state = 'scheduled', due_at = :at WHERE id = :id"),
            {"at": due_at, "id": sending_id},
        ).rowcount
    assert changed == 1, f"sending {sending_id} not made due"


# -- the portal's side: one sending through the real API, the scheduler's claim ----------------


def blank_pdf() -> bytes:
    """A one-page A4 PDF (the letter's content does not matter to the hand-over)."""
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def validated_template(app, tenant_id: int, account) -> int:
    """One free LRE sending of ``account`` (an ``AccountRef``), created and validated through the
    real API and left VALIDATED-then-SCHEDULED far in the future (nothing claims it until the
    caller makes it due); its recipient acts on the sandbox page (no scenario), so the operator
    only deposits and notifies."""
    from datetime import timedelta

    from portal.core.accounts.models import Account, Profile
    from portal.core.clock import now
    from portal.core.sendings.operations import NewDocument, create_sending, validate_sending
    from portal.core.sendings.operators.base import Party
    from portal.core.tenants import tenant_scope
    from portal.extensions import db

    with app.app_context(), tenant_scope(tenant_id):
        owner = db.session.get(Account, account.id)
        profile = db.session.get(Profile, account.holder_profile_id)
        sending = create_sending(
            account=owner,
            profile=profile,
            owner="bench",
            channel="lre",
            title="Résiliation du contrat n° 0001",
            documents=[NewDocument("lettre.pdf", blank_pdf())],
            sender=Party(name="Jean Fournier", email=account.email),
            recipient=Party(name="Assureur Exemple", email="resiliation@assureur.test"),
        )
        validate_sending(sending, due_at=now() + timedelta(days=30))
        db.session.commit()
        sending_id = sending.id
        db.session.remove()
    return sending_id


def dispatch_due(app) -> int:
    """The scheduler's periodic ``dispatch_due`` run back to back until nothing due is left (it
    claims ``DISPATCH_BATCH`` sendings a run, once a minute in production): each run claims
    a batch and enqueues one hand-over job per sending, sent to Redis on commit. Returns the
    number of runs."""
    from sqlalchemy import func, select

    from portal.core.clock import now
    from portal.core.sendings import jobs
    from portal.core.sendings.models import Sending
    from portal.core.tenants import unscoped
    from portal.extensions import db

    waiting = (
        select(func.count())
        .select_from(Sending)
        .where(Sending.state == "scheduled", Sending.due_at <= now())
    )
    runs = 0
    with app.app_context():
        try:
            while True:
                with unscoped():
                    jobs.dispatch_due(None)
                db.session.commit()
                runs += 1
                with unscoped():
                    if not db.session.scalar(waiting):
                        return runs
        finally:
            db.session.remove()


def baseline_loop(app, tenant_id: int, template_id: int, count: int) -> float:
    """The bare hand-over loop: the sandbox operator's ``hand_over`` called ``count`` times in
    one process, one transaction each, new delivery ids, the template's documents read once; no
    claim, no job, no worker, no sending loaded. Returns the seconds it took. The operator's own
    processing it enqueues is thrown away afterwards (rows and Redis keys), so the measured run
    starts clean."""
    from sqlalchemy import text

    from portal.core.sendings.models import Sending
    from portal.core.sendings.operations.sendings import outgoing_documents
    from portal.core.sendings.operators import operator_for
    from portal.core.sendings.operators.base import Channel, Handover
    from portal.core.tenants import tenant_scope
    from portal.extensions import db

    with app.app_context(), tenant_scope(tenant_id):
        template = db.session.get(Sending, template_id)
        sender, recipient = template.sender_party(), template.recipient_party()
        options = dict(template.options or {})
        documents = outgoing_documents(template)  # read once: the loop is the operator's only
        operator = operator_for(Channel.LRE)
        started = time.monotonic()
        for _ in range(count):
            operator.hand_over(
                Handover(
                    delivery_id=f"BASE-{uuid.uuid4().hex}",
                    channel=Channel.LRE,
                    sender=sender,
                    recipient=recipient,
                    documents=documents,
                    options=options,
                )
            )
            db.session.commit()
        seconds = time.monotonic() - started
        db.session.execute(text("DELETE FROM job"))
        db.session.commit()
        db.session.remove()
    delete_namespace(app.config["PORTAL_REDIS_URL"], app.config["PORTAL_REDIS_NAMESPACE"])
    return seconds


def namespace_of(app) -> str:
    """The Redis namespace ``app``'s broker really uses (a test app suffixes the configured one)."""
    from portal.core.jobs import get_runtime

    return get_runtime(app).settings.redis_namespace


def job_errors(engine, limit: int = 5) -> list[tuple]:
    """The jobs' last errors, most frequent first: what a stalled run says about itself."""
    with engine.connect() as conn:
        see_every_tenant(conn)
        return conn.execute(
            text(
                "SELECT actor_name, substr(last_error, 1, 300), count(*) FROM job"
                " WHERE last_error IS NOT NULL GROUP BY 1, 2 ORDER BY 3 DESC LIMIT :limit"
            ),
            {"limit": limit},
        ).all()
