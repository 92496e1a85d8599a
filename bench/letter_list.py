"""Load benchmark: the filtered list of termination letters (``/resiliation/?souscripteur=…``)
with 1,000,000 letters in PostgreSQL over 1,000 accounts, against a bare Flask route sending the
same bytes behind the same gunicorn settings.

Creates its own PostgreSQL database (dropped at the end), runs the real migrations and tenants
(``load_demo``), creates ``--accounts`` agency accounts of ``resilimo`` and bulk-loads
``--letters`` letters spread over them (one contract each; COPY, not the ORM; a third drafts, a
third scheduled, a third sent), then starts two gunicorn servers on free loopback ports — the
portal on that database, logged in as one agent (a signed session cookie), and a bare Flask app
answering the page the portal sent — drives each with the same keep-alive client threads for a
fixed time after a warm-up and prints requests/s and latency percentiles of both, the ratios
portal/bare, and the plan of the page's main query. Goals: req/s ≥ 0.5 × bare, p95 < 50 ms at 8
clients.

    .venv/bin/python bench/letter_list.py [--letters 1000000] [--accounts 1000] [--clients 8]
                                          [--workers 2] [--threads 4] [--duration 6] [--save]

Settings: ``BENCH_DATABASE_URL`` (default postgresql+psycopg://postgres@127.0.0.1:5432/postgres;
a database ``portal_test_<hex>`` is created next to it). Not a test: figures depend on the
machine. See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path[:0] = [str(ROOT), str(BENCH_DIR)]

from tenant_page import (  # noqa: E402 - bench/ on the path first
    LOOPBACK,
    Result,
    _control_socket_off,
    _tail,
    stop_server,
)

DEFAULT_DATABASE = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
TENANT = "resilimo"
HOST = "resilimo.localhost"
GOAL_RATIO = 0.5
GOAL_P95_MS = 50.0
SECRET = "bench-only-secret"  # noqa: S105 - a throwaway app's signing key
LAST_NAMES = [
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
    "Moreau", "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "David", "Bertrand", "Roux",
    "Vincent", "Fournier", "Morel", "Girard", "André", "Lefèvre", "Mercier", "Dupont", "Lambert",
]  # fmt: skip
FIRST_NAMES = ["Jean", "Marie", "Claire", "Paul", "Louise", "Hugo", "Léa", "Lucas", "Emma"]
INSURERS = ["MAAF Assurances", "AXA France IARD", "MACIF", "Groupama", "Allianz IARD", "MMA"]

WSGI_PORTAL = """
import os
from portal import create_app
app = create_app({
    "PORTAL_MODE": "development",
    "PORTAL_DATA_DIR": os.environ["BENCH_DATA_DIR"],
    "PORTAL_STORAGE_PATH": os.environ["BENCH_DATA_DIR"] + "/files",
    "SQLALCHEMY_DATABASE_URI": os.environ["BENCH_DB_URL"],
    "PORTAL_REDIS_URL": None,
    "PORTAL_TENANTS_DIR": os.environ["BENCH_TENANTS_DIR"],
    "RATELIMIT_STORAGE_URI": "memory://",
    "SECRET_KEY": "@SECRET@",
})
""".replace("@SECRET@", SECRET)

WSGI_BARE = """
import os
from pathlib import Path
from flask import Flask
PAGE = Path(os.environ["BENCH_BARE_BODY"]).read_bytes()
TYPE = os.environ.get("BENCH_BARE_TYPE", "text/html; charset=utf-8")
app = Flask(__name__)
@app.get("/", defaults={"path": ""})
@app.get("/<path:path>")
def page(path):
    return PAGE, 200, {"Content-Type": TYPE}
"""


def parse_args(argv=None, *, letters=1_000_000, accounts=1000):
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--letters", type=int, default=letters, help="letters in the database")
    parser.add_argument("--accounts", type=int, default=accounts, help="accounts they belong to")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (both servers)")
    parser.add_argument("--threads", type=int, default=4, help="gthread threads per worker")
    parser.add_argument("--clients", type=int, default=8, help="client threads (connections)")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds of warm-up per server")
    parser.add_argument("--duration", type=float, default=6.0, help="seconds measured per round")
    parser.add_argument("--rounds", type=int, default=2, help="alternated rounds per server")
    parser.add_argument(
        "--path", default="/resiliation/?souscripteur=martin&page=2", help="the page measured"
    )
    parser.add_argument("--seed", type=int, default=16, help="data generator seed")
    parser.add_argument("--save", action="store_true", help="also write bench/results/*.json")
    return parser.parse_args(argv)


# -- data ---------------------------------------------------------------------------------------


class Dataset:
    """The throwaway database, its app (in this process) and the measured agent."""

    def __init__(self, args):
        from portal.testing.database import create_postgres_database

        self.args = args
        self.tmp = Path(tempfile.mkdtemp(prefix="portal-bench-"))
        self.url = create_postgres_database(os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE))
        self.config = {
            "PORTAL_MODE": "development",
            "SECRET_KEY": SECRET,
            "PORTAL_DATA_DIR": str(self.tmp / "data"),
            "PORTAL_STORAGE_PATH": str(self.tmp / "data" / "files"),
            "SQLALCHEMY_DATABASE_URI": self.url,
            "PORTAL_REDIS_URL": None,
            "PORTAL_TENANTS_DIR": str(ROOT / "tenants"),
            "RATELIMIT_STORAGE_URI": "memory://",
        }

    def close(self) -> None:
        from portal.testing.database import drop_postgres_database

        drop_postgres_database(self.url)
        shutil.rmtree(self.tmp, ignore_errors=True)

    def build(self) -> float:
        """Schema, tenants, accounts and letters; the seconds it took."""
        from sqlalchemy import select, text

        from portal import create_app
        from portal.core.demo import load_demo
        from portal.core.tenants import Tenant
        from portal.extensions import db
        from portal.testing.accounts import create_account

        began = time.monotonic()
        self.app = create_app(self.config)
        with self.app.app_context():
            load_demo(self.app)
            self.tenant_id = db.session.scalar(select(Tenant.id).where(Tenant.slug == TENANT))
            db.session.remove()
        self.accounts = [
            create_account(self.app, TENANT, f"agence{n:04d}@bench.example")
            for n in range(self.args.accounts)
        ]
        self.agent = self.accounts[0]
        self.insurer_id = self._insurer()
        self._copy_letters()
        # As autovacuum leaves a table in service: statistics and the visibility map (which
        # index-only scans, such as the tabs' counts, rely on).
        with self.app.app_context(), db.engine.connect() as conn:
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            for table in ("resiliation_letter", "resiliation_contract", "sending"):
                conn.execute(text(f"VACUUM ANALYZE {table}"))
        return time.monotonic() - began

    def _insurer(self) -> int:
        from portal.core.directory.kinds import EntryKind
        from portal.core.directory.models import DirectoryEntry
        from portal.core.directory.search import search_key
        from portal.core.tenants import tenant_scope
        from portal.extensions import db

        with self.app.app_context(), tenant_scope(self.tenant_id):
            entry = DirectoryEntry(
                kind=EntryKind.INSURER,
                name="Assureur du banc d'essai",
                search_key=search_key("Assureur du banc d'essai"),
                street="Chaban de Chauray",
                postal_code="79036",
                city="NIORT CEDEX 9",
                lre_email="resiliation@maaf.example",
            )
            db.session.add(entry)
            db.session.commit()
            return entry.id

    def _copy_letters(self) -> None:
        """``--letters`` letters (ids 1…N), one contract each; a third drafts, a third
        scheduled, a third sent (each validated one with its sending)."""
        from portal.extensions import db

        rng = random.Random(self.args.seed)
        letters, accounts = self.args.letters, self.accounts
        start = datetime(2025, 1, 1, tzinfo=UTC)
        letter_columns = (
            "id, tenant_id, account_id, managed_by_id, reference, state, civility, last_name, "
            "first_name, professional, company_name, siret, street, complement, postal_code, "
            "city, email, client_reference, co_civility, co_last_name, co_first_name, "
            "insurer_id, recipient_name, recipient_street, recipient_complement, "
            "recipient_postal_code, recipient_city, recipient_email, recipient_identified, "
            "reason, custom_reason, added_text, former_manager_email, mandate_kind, sender, "
            "send_type, as_early_as_possible, send_date, validated_at, sending_id, resend_count, "
            "review, reviewed_by, created_at, updated_at"
        )
        sending_columns = (
            "id, tenant_id, reference, delivery_id, account_id, profile_id, owner, subject_type, "
            "subject_id, title, channel, state, sender, recipient, options, price_lines, "
            "price_cents, charged, created_at, validated_at, due_at, handed_over_at"
        )
        with self.app.app_context():
            raw = db.engine.raw_connection()
            try:
                cursor = raw.cursor()
                with cursor.copy(f"COPY sending ({sending_columns}) FROM STDIN") as copy:
                    for n in range(1, letters + 1):
                        kind = n % 3
                        if kind == 0:
                            continue
                        account = accounts[n % len(accounts)]
                        moment = start + timedelta(minutes=n)
                        copy.write_row(
                            (
                                n, self.tenant_id, f"ENV-{n:010d}", f"bench-{n}", account.id,
                                account.holder_profile_id, "resiliation", "Letter", n,
                                "Résiliation", "lre",
                                "scheduled" if kind == 1 else "delivered",
                                "{}", "{}", "{}", "[]", 378, True, moment, moment,
                                moment + timedelta(days=3), None if kind == 1 else moment,
                            )
                        )  # fmt: skip
                with cursor.copy(f"COPY resiliation_letter ({letter_columns}) FROM STDIN") as copy:
                    for n in range(1, letters + 1):
                        account = accounts[n % len(accounts)]
                        kind = n % 3
                        moment = start + timedelta(minutes=n)
                        last = rng.choice(LAST_NAMES)
                        copy.write_row(
                            (
                                n, self.tenant_id, account.id, account.holder_profile_id,
                                f"RES-B{n:09d}", ("draft", "validated", "sent")[kind], "M", last,
                                rng.choice(FIRST_NAMES), False, "", "", f"{n % 90} rue des Lilas",
                                "", "38000", "GRENOBLE", f"client{n}@example.org", "", "", "", "",
                                self.insurer_id, rng.choice(INSURERS), "Chaban de Chauray", "",
                                "79036", "NIORT", "resiliation@maaf.example", True,
                                "echeance_principale", "", "", "", "none", "agency", "lrar", False,
                                (moment + timedelta(days=3)).date(),
                                None if kind == 0 else moment, None if kind == 0 else n, 0, "", "",
                                moment, moment,
                            )
                        )  # fmt: skip
                with cursor.copy(
                    "COPY resiliation_contract (id, tenant_id, letter_id, position, contract_type, "
                    "other_type, reference, property_address, registration, new_insurer, "
                    "new_reference) FROM STDIN"
                ) as copy:
                    for n in range(1, letters + 1):
                        copy.write_row(
                            (n, self.tenant_id, n, 0, "auto", "", f"AB-{n:08d}", "", "", "", "")
                        )
                for table in ("sending", "resiliation_letter", "resiliation_contract"):
                    cursor.execute(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
                raw.commit()
            finally:
                raw.close()

    def session_cookie(self) -> str:
        """The agent's session cookie (``name=value``), logged in with its holder profile."""
        from portal.testing.web import sign_in

        client = self.app.test_client()
        client.host = HOST
        sign_in(client, self.agent, self.agent.holder_profile_id)
        name = self.app.config["SESSION_COOKIE_NAME"]
        cookie = client.get_cookie(name, domain=HOST) or client.get_cookie(name)
        return f"{name}={cookie.value}"

    def plan(self, sql_filter: str = "martin") -> list[str]:
        """EXPLAIN ANALYZE of the list's page query (the portal's own SQL)."""
        from sqlalchemy import func, text

        from plugins.resiliation import lists
        from portal.core.pagination import PER_PAGE
        from portal.core.tenants import tenant_scope
        from portal.extensions import db

        with self.app.app_context(), tenant_scope(self.tenant_id):
            query = (
                lists.letters_query(self.agent.id, lists.ALL, lists.Filters(subscriber=sql_filter))
                .add_columns(func.count().over())
                .limit(PER_PAGE)
                .offset(PER_PAGE)
            )
            compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
            rows = db.session.execute(text(f"EXPLAIN ANALYZE {compiled}")).scalars().all()
            db.session.rollback()
            return [row.strip() for row in rows]


# -- servers ------------------------------------------------------------------------------------


def start(name: str, module: str, args, env: dict, workdir: Path, worker_class="gthread"):
    import subprocess

    from tenant_page import Server

    log = workdir / f"{name}.log"
    command = [
        sys.executable, "-m", "gunicorn",
        "--bind", f"{LOOPBACK}:0",
        "--workers", str(args.workers),
        "--worker-class", worker_class,
        "--threads", str(args.threads),
        "--keep-alive", "10",
        "--graceful-timeout", "5",
        "--timeout", "120",
        "--pythonpath", f"{workdir},{BENCH_DIR},{ROOT}",
        "--log-level", "info",
        "--error-logfile", str(log),
        *_control_socket_off(),
        f"{module}:app",
    ]  # fmt: skip
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    return Server(name, process, log)


def get(port: int, path: str, cookie: str = "", timeout: float = 60) -> tuple[int, bytes]:
    import http.client

    conn = http.client.HTTPConnection(LOOPBACK, port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Host": f"{HOST}:{port}", "Cookie": cookie})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def wait_port(server, timeout: float = 60) -> None:
    import re

    deadline = time.monotonic() + timeout
    pattern = re.compile(r"Listening at: http://127\.0\.0\.1:(\d+)")
    while not server.port:
        if server.process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{server.name} did not start:\n{_tail(server.log)}")
        found = pattern.search(server.log.read_text() if server.log.exists() else "")
        if found:
            server.port = int(found.group(1))
        else:
            time.sleep(0.1)
    while True:
        try:
            status, _ = get(server.port, "/", timeout=5)
            if status < 500:
                return
        except OSError:
            pass
        if server.process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{server.name} does not answer:\n{_tail(server.log)}")
        time.sleep(0.2)


def load(port: int, path: str, cookie: str, clients: int, seconds: float, marker: bytes, result):
    """``clients`` keep-alive threads asking ``path`` as fast as they can for ``seconds``; an
    answer counts when it is a 200 holding ``marker``."""
    import http.client
    import threading

    lock = threading.Lock()
    barrier = threading.Barrier(clients + 1)
    stop_at: list[float] = []

    def worker():
        latencies, done, errors = [], 0, 0
        conn = http.client.HTTPConnection(LOOPBACK, port, timeout=30)
        headers = {"Host": f"{HOST}:{port}", "Cookie": cookie}
        barrier.wait()
        while (began := time.perf_counter()) < stop_at[0]:
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                body = response.read()
                elapsed = time.perf_counter() - began
                if response.status == 200 and marker in body:
                    done += 1
                    latencies.append(elapsed)
                else:
                    errors += 1
                if response.will_close:
                    conn.close()
                    conn = http.client.HTTPConnection(LOOPBACK, port, timeout=30)
            except (OSError, http.client.HTTPException):
                errors += 1
                conn.close()
                conn = http.client.HTTPConnection(LOOPBACK, port, timeout=30)
        conn.close()
        with lock:
            result.requests += done
            result.errors += errors
            result.latencies.extend(latencies)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    stop_at.append(began + seconds)
    barrier.wait()
    for thread in threads:
        thread.join(timeout=seconds + 30)
    result.seconds += time.perf_counter() - began


def server_env(data: Dataset, workdir: Path) -> dict:
    (workdir / "wsgi_letters.py").write_text(WSGI_PORTAL)
    (workdir / "wsgi_letters_bare.py").write_text(WSGI_BARE)
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        "BENCH_DATA_DIR": str(data.tmp / "data"),
        "BENCH_DB_URL": data.url,
        "BENCH_TENANTS_DIR": str(ROOT / "tenants"),
        "BENCH_BARE_BODY": str(workdir / "page.body"),
    }


# -- main ---------------------------------------------------------------------------------------


def main(argv=None) -> int:
    args = parse_args(argv)
    data = Dataset(args)
    servers = []
    try:
        setup = data.build()
        cookie = data.session_cookie()
        plan = data.plan()
        workdir = data.tmp
        env = server_env(data, workdir)
        portal = start("portal", "wsgi_letters", args, env, workdir)
        servers.append(portal)
        wait_port(portal)
        status, page = get(portal.port, args.path, cookie)
        marker = b'data-letter="'
        if status != 200 or page.count(marker) != 10:
            raise RuntimeError(f"{args.path}: not a page of 10 letters ({status})")
        (workdir / "page.body").write_bytes(page)
        bare = start("bare", "wsgi_letters_bare", args, env, workdir)
        servers.append(bare)
        wait_port(bare)
        results = {"portal": Result("portal"), "bare": Result("bare")}
        ports = {"portal": portal.port, "bare": bare.port}
        for name in ("portal", "bare"):
            load(ports[name], args.path, cookie, args.clients, args.warmup, marker, Result("w"))
        for _ in range(args.rounds):
            for name in ("portal", "bare"):
                load(
                    ports[name], args.path, cookie, args.clients, args.duration, marker,
                    results[name],
                )  # fmt: skip
    finally:
        for server in reversed(servers):
            stop_server(server)
        data.close()
    return report(args, results, len(page), setup, plan)


def report(args, results, size: int, setup: float, plan: list[str]) -> int:
    portal, bare = results["portal"], results["bare"]
    print(
        f"GET {args.path} ({size:,} bytes): {args.letters:,} letters over {args.accounts:,} "
        f"accounts in PostgreSQL (loaded in {setup:.0f} s), the agent has "
        f"{args.letters // args.accounts:,}"
    )
    print(
        f"gunicorn {args.workers} workers × gthread {args.threads} threads (both); "
        f"{args.clients} keep-alive clients; {args.rounds} × {args.duration:g} s per server; "
        f"{os.cpu_count()} CPUs"
    )
    print(f"{'server':8} {'requests':>9} {'req/s':>9} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}"
          f" {'errors':>7}")  # fmt: skip
    for r in (portal, bare):
        print(
            f"{r.server:8} {r.requests:9d} {r.rps:9.1f} {r.percentile(0.5):8.2f}"
            f" {r.percentile(0.95):8.2f} {r.percentile(0.99):8.2f} {r.errors:7d}"
        )
    ratio = portal.rps / bare.rps if bare.rps else float("nan")
    p95 = portal.percentile(0.95)
    print(
        f"ratio portal/bare: req/s {ratio:.2f} (goal ≥ {GOAL_RATIO}), p95 latency "
        f"{p95 / bare.percentile(0.95):.2f}×; portal p95 {p95:.1f} ms (goal < {GOAL_P95_MS:g})"
    )
    print("plan of the page's query:")
    for line in plan:
        print("   ", line)
    if args.save:
        out = BENCH_DIR / "results" / f"letter_list-{datetime.now():%Y%m%d-%H%M%S}.json"
        out.parent.mkdir(exist_ok=True)
        out.write_text(
            json.dumps(
                {
                    "settings": vars(args),
                    "page_bytes": size,
                    "cpus": os.cpu_count(),
                    "portal": portal.summary(),
                    "bare": bare.summary(),
                    "ratio_rps": round(ratio, 3),
                    "plan": plan,
                },
                indent=2,
            )
        )
        print(f"saved {out.relative_to(ROOT)}")
    ok = portal.requests and not portal.errors and ratio >= GOAL_RATIO and p95 < GOAL_P95_MS
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
