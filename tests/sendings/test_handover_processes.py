"""1,000 due sendings handed over by two real ``portal worker`` processes on PostgreSQL and
Redis, one of them SIGKILLed mid-run: each reaches the sandbox LRE operator exactly once.

Slow (one to three minutes on 2 CPUs: worker start-up, the hand-overs and the sandbox
operator's own work — sealed proofs, emails, callbacks — on the same workers, a lease to lapse);
PostgreSQL + Redis only. The hand-overs lost with the killed worker are recovered at the job
level (a lapsed lease is retried; the retry asks the operator first), on the hand-overs' queue.
The performance figures are the benchmark's (``bench/sendings_handover.py``), not asserted here.
"""

from __future__ import annotations

import time

import pytest
import redis
from handoverkit import (
    RECOVERY,
    Workers,
    clone_due,
    consuming,
    delete_namespace,
    dispatch_due,
    job_errors,
    make_due,
    namespace_for,
    namespace_of,
    sweep_once,
    tally,
    validated_template,
    wait,
)

from portal import create_app
from portal.core.clock import now
from portal.core.jobs import shutdown
from portal.extensions import db

pytestmark = [pytest.mark.postgres_only, pytest.mark.redis_only]

SENDINGS = 1000
DEPOSITS = (
    "SELECT d.delivery_id FROM lre_sandbox_deposit d "
    "JOIN sending s ON s.delivery_id = d.delivery_id"
)


@pytest.fixture
def handover_app(request, backend):
    """An app of its own Redis namespace, recovering fast from a dead worker (the sweep runs
    here, as ``portal scheduler`` would). Skipped before the session's app is built when the run
    is not on PostgreSQL + Redis."""
    if backend["database"] != "postgresql" or not backend["redis"]:
        pytest.skip("two worker processes need PostgreSQL and Redis")
    request.getfixturevalue("app")  # the schema and the demo tenants
    app_config = request.getfixturevalue("app_config")
    config = {
        **app_config,
        **RECOVERY,
        "PORTAL_REDIS_NAMESPACE": namespace_for("portal-test-handover"),
        "RATELIMIT_STORAGE_URI": "memory://",
    }
    handover_app = create_app(config)
    yield handover_app, config
    shutdown(handover_app)
    with handover_app.app_context():
        db.session.remove()
        db.engine.dispose()
    delete_namespace(backend["redis"], config["PORTAL_REDIS_NAMESPACE"])


def test_a_worker_killed_mid_run_leaves_every_sending_handed_over_once(
    handover_app, make_account, tenant_ids, tmp_path
):
    app, config = handover_app
    account = make_account("resilimo")
    template_id = validated_template(app, tenant_ids["resilimo"], account)
    with app.app_context():
        clone_due(db.engine, template_id, SENDINGS - 1, now())
        make_due(db.engine, template_id, now())

    def counted():
        with app.app_context():
            try:
                return tally(db.engine, SENDINGS, DEPOSITS)
            finally:
                db.session.remove()

    def stalled():
        with app.app_context():
            try:
                return job_errors(db.engine)
            finally:
                db.session.remove()

    # The sandbox operator's own processing (sealed proofs, emails) an hour later: what is
    # proven here is the portal's hand-over, not the operator's work.
    workers = Workers.for_app(app, config, PORTAL_LRE_SANDBOX_DELAY_SECONDS=3600)
    broker = redis.Redis.from_url(config["PORTAL_REDIS_URL"])
    try:
        doomed = workers.start(threads=4, log=tmp_path / "doomed.log")
        workers.start(threads=4, log=tmp_path / "survivor.log")
        wait(lambda: consuming(broker, namespace_of(app), 2), "both workers to consume")
        dispatch_due(app)  # the scheduler's claim: 1,000 hand-over jobs on Redis
        try:
            wait(lambda: counted().deposits >= SENDINGS // 2, "the run to be half way", timeout=180)
        except TimeoutError:
            pytest.fail(f"not half way after 180 s: {counted()}, {stalled()}")
        Workers.kill(doomed)  # mid-run: hand-overs in flight, messages prefetched
        assert counted().deposits < SENDINGS

        def finished() -> bool:
            sweep_once(app)  # as `portal scheduler` does every tick
            time.sleep(0.2)
            return counted().complete

        try:  # ~30 s on an idle machine; generous for a loaded one
            wait(finished, "every sending to be handed over", timeout=180, step=0)
        except TimeoutError:
            pytest.fail(f"not all handed over after 180 s: {counted()}, {stalled()}")
    finally:
        workers.stop()

    final = counted()
    assert final.handed_over == SENDINGS and final.missing == 0
    assert final.deposits == final.delivered_ids == SENDINGS  # each delivery id deposited once
    assert final.duplicates == 0
    # One "handed over" line on each sending's timeline.
    assert final.handed_over_events == SENDINGS and final.told_twice == 0
