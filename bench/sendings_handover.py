"""Hand-over benchmark: 10,000 sendings due at once, handed to the sandbox LRE operator by two
``portal worker`` processes on PostgreSQL + Redis, against the same hand-over loop with no portal
around it (the sandbox operator's ``hand_over`` called directly, in one process).

Creates its own PostgreSQL database (dropped at the end) and its own Redis namespace (deleted),
runs the real migrations and tenants, makes one sending through the real API and clones it into
``--sendings`` due sendings, then measures from the claim of the due sendings to the last one
handed over. Prints throughput, wall time and the duplicate count (each delivery id deposited
once at the operator, one "handed over" line per sending), and the ratio to the baseline.

    .venv/bin/python bench/sendings_handover.py [--sendings 10000] [--workers 2] [--threads 4]
                                    [--baseline 1000] [--timeout 300] [--save]

Settings: ``BENCH_DATABASE_URL`` (default postgresql+psycopg://postgres@127.0.0.1:5432/postgres:
the server and credentials; a database ``portal_test_<hex>`` is created next to it) and
``BENCH_REDIS_URL`` (default redis://127.0.0.1:6379/0). Not a test: figures depend on the
machine. See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
KIT = ROOT / "tests" / "sendings"  # the harness shared with the crash-safety test
sys.path[:0] = [str(ROOT), str(KIT)]

DEFAULT_DATABASE = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"
# Deposits at the operator of the measured sendings only (the baseline's have no sending row).
DEPOSITS = (
    "SELECT d.delivery_id FROM lre_sandbox_deposit d "
    "JOIN sending s ON s.delivery_id = d.delivery_id"
)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sendings", type=int, default=10_000, help="sendings due at once")
    parser.add_argument("--workers", type=int, default=2, help="`portal worker` processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker")
    parser.add_argument(
        "--baseline", type=int, default=1000, help="hand-overs of the bare loop (one process)"
    )
    parser.add_argument("--timeout", type=float, default=300.0, help="give up after (seconds)")
    parser.add_argument("--save", action="store_true", help="also write bench/results/*.json")
    parser.add_argument("--keep-logs", action="store_true", help="print the workers' log folder")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    database = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE)
    redis_url = os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS)

    from handoverkit import RECOVERY, delete_namespace, namespace_for

    from portal.testing.database import create_postgres_database, drop_postgres_database

    url = create_postgres_database(database)
    namespace = namespace_for("portal-bench")
    tmp = tempfile.mkdtemp(prefix="portal-bench-")
    data = Path(tmp) / "data"
    config = {
        "PORTAL_MODE": "development",
        "SECRET_KEY": "bench-only-secret",
        "PORTAL_DATA_DIR": str(data),
        "PORTAL_STORAGE_PATH": str(data / "files"),
        "SQLALCHEMY_DATABASE_URI": url,
        "PORTAL_REDIS_URL": redis_url,
        "PORTAL_REDIS_NAMESPACE": namespace,
        "PORTAL_TENANTS_DIR": str(ROOT / "tenants"),
        "RATELIMIT_STORAGE_URI": "memory://",
        **RECOVERY,
        # No worker is killed here: a queued message is never sent twice while it waits.
        "PORTAL_JOBS_REDISPATCH_SECONDS": 6 * 3600.0,
        # The sandbox operator's own processing (sealed proofs, notices, emails) an hour later,
        # in the baseline and the measured run alike: a real operator does it on its own
        # machines, and what is measured is the portal's hand-over.
        "PORTAL_LRE_SANDBOX_DELAY_SECONDS": 3600,
    }
    try:
        figures = run(args, config, Path(tmp))
    finally:
        drop_postgres_database(url)
        delete_namespace(redis_url, namespace)
        if not args.keep_logs:
            import shutil

            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print(f"logs kept in {tmp}")
    report(args, figures)
    return 0 if figures["duplicates"] == 0 and figures["complete"] else 1


def run(args, config: dict, workdir: Path) -> dict:
    import redis
    from handoverkit import (
        Workers,
        baseline_loop,
        clone_due,
        consuming,
        dispatch_due,
        make_due,
        namespace_of,
        sweep_once,
        tally,
        validated_template,
        wait,
    )

    from portal import create_app
    from portal.core.clock import now
    from portal.core.demo import load_demo
    from portal.core.jobs import shutdown
    from portal.core.tenants import Tenant
    from portal.extensions import db
    from portal.testing.accounts import create_account

    app = create_app(config)
    with app.app_context():
        load_demo(app)
        tenant_id = db.session.scalar(db.select(Tenant.id).where(Tenant.slug == "resilimo"))
        db.session.remove()
    account = create_account(app, "resilimo", email=f"bench-{uuid.uuid4().hex[:6]}@agence.test")

    # The baseline first: the bare loop, on deposits with no sending row.
    template_id = validated_template(app, tenant_id, account)
    base_seconds = baseline_loop(app, tenant_id, template_id, args.baseline)

    with app.app_context():
        made = time.monotonic()
        clone_due(db.engine, template_id, args.sendings - 1, now())
        make_due(db.engine, template_id, now())
        made = time.monotonic() - made
        db.session.remove()

    workers = Workers.for_app(
        app, config, PORTAL_LRE_SANDBOX_DELAY_SECONDS=config["PORTAL_LRE_SANDBOX_DELAY_SECONDS"]
    )
    broker = redis.Redis.from_url(config["PORTAL_REDIS_URL"])
    try:
        for n in range(args.workers):
            # Dedicated hand-over workers, as production runs them (`portal worker --queue
            # sendings`): the states reached and the emails they queue wait for the others.
            workers.start(
                threads=args.threads, log=workdir / f"worker-{n}.log", queues=("sendings",)
            )
        wait(
            lambda: consuming(broker, namespace_of(app), args.workers),
            "the workers to consume",
        )
        started = time.monotonic()
        dispatch_due(app)

        def finished() -> bool:
            sweep_once(app)  # as `portal scheduler` would, every tick
            time.sleep(0.25)
            with app.app_context():
                done = tally(db.engine, args.sendings, DEPOSITS).complete
                db.session.remove()
            return done

        try:
            wait(finished, "every sending handed over", timeout=args.timeout, step=0)
            complete = True
        except TimeoutError:
            complete = False
        wall = time.monotonic() - started
    finally:
        workers.stop()
        shutdown(app)
    with app.app_context():
        final = tally(db.engine, args.sendings, DEPOSITS)
        db.session.remove()
        db.engine.dispose()
    duplicates = final.duplicates + final.told_twice
    return {
        "sendings": args.sendings,
        "workers": args.workers,
        "threads": args.threads,
        "cpus": os.cpu_count(),
        "setup_seconds": round(made, 2),
        "wall_seconds": round(wall, 2),
        "throughput": round(final.delivered_ids / wall, 1) if wall else 0.0,
        "handed_over": final.handed_over,
        "deposits": final.deposits,
        "missing": final.missing,
        "duplicates": duplicates,
        "complete": complete and final.complete,
        "baseline_count": args.baseline,
        "baseline_seconds": round(base_seconds, 2),
        "baseline_throughput": round(args.baseline / base_seconds, 1) if base_seconds else 0.0,
    }


def report(args, f: dict) -> None:
    print(
        f"{f['sendings']:,} LRE sendings due at once, handed to the sandbox operator by "
        f"{f['workers']} `portal worker` × {f['threads']} threads (PostgreSQL + Redis), "
        f"{f['cpus']} CPUs"
    )
    print(f"{'run':10} {'sendings':>9} {'seconds':>9} {'sendings/s':>11} {'duplicates':>11}")
    print(
        f"{'portal':10} {f['deposits']:9,} {f['wall_seconds']:9.2f} {f['throughput']:11.1f}"
        f" {f['duplicates']:11d}"
    )
    print(
        f"{'bare loop':10} {f['baseline_count']:9,} {f['baseline_seconds']:9.2f}"
        f" {f['baseline_throughput']:11.1f} {'-':>11}"
    )
    ratio = f["throughput"] / f["baseline_throughput"] if f["baseline_throughput"] else float("nan")
    print(f"ratio portal/bare loop: throughput {ratio:.2f}×")
    verdict = (
        "met" if f["complete"] and f["wall_seconds"] < 60 and f["duplicates"] == 0 else "NOT met"
    )
    print(
        f"goal (all {f['sendings']:,} in under 60 s, 0 duplicates): {verdict}; "
        f"handed over {f['handed_over']:,}, missing {f['missing']:,}; "
        f"set-up (cloning) {f['setup_seconds']:.1f} s"
    )
    if args.save:
        out = BENCH_DIR / "results" / f"sendings_handover-{datetime.now():%Y%m%d-%H%M%S}.json"
        out.parent.mkdir(exist_ok=True)
        out.write_text(json.dumps({"settings": vars(args), **f, "ratio": ratio}, indent=2))
        print(f"saved {out.relative_to(ROOT)}")


if __name__ == "__main__":
    sys.exit(main())
