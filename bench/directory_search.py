"""Directory search benchmark: the agents' insurer search (``portal.core.directory.search.search``)
over 10,000 entries of one tenant on PostgreSQL, against the bare SQL query of the same search
run on a raw connection in the same run.

Creates its own PostgreSQL database (dropped at the end), runs the real migrations and tenants
(``load_demo``: the demo directory is there too), adds ``--entries`` generated entries to the
``resilimo`` tenant (insurers and banks with French-sounding names, 5 % inactive) and
``--noise`` to another tenant, then, for realistic typed texts (2- to 5-letter prefixes, words,
substrings, accents and punctuation, nothing found), times ``--rounds`` rounds of every text:
the portal's call (session, tenant scope, ORM objects) and the bare statement (psycopg cursor,
same SQL, same parameters, tuples). Prints p50/p95/max of both and the ratio of the p95s;
the goal is a portal p95 under 10 ms.

    .venv/bin/python bench/directory_search.py [--entries 10000] [--noise 2000] [--rounds 60]
                                               [--save]

Settings: ``BENCH_DATABASE_URL`` (default postgresql+psycopg://postgres@127.0.0.1:5432/postgres:
the server and credentials; a database ``portal_test_<hex>`` is created next to it). With a
role that is not a superuser, row-level security applies to both sides (the bare side sets the
same ``portal.tenant_id``). Not a test: figures depend on the machine. See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path[:0] = [str(ROOT)]

DEFAULT_DATABASE = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
GOAL_MS = 10.0
EXPLAINED = ("ma", "mut", "axa", "zzqx")  # plans printed: 2 letters, common, rare, none
# What agents type: prefixes of 2 to 5 letters, whole words, pieces inside words, accents and
# punctuation, and a text found nowhere.
TYPED = [
    "ma", "mac", "maif", "ax", "axa", "all", "gro", "grou", "mut", "mutu", "mutuel", "assu",
    "cred", "crédit", "iard", "prev", "prévoyance", "sociale", "thél", "m.a.i.f", "generali",
    "harmonie", "ouest", "nord", "lyon", "zzqx",
]  # fmt: skip
FIRST = [
    "Mutuelle", "Assurances", "Caisse", "Crédit", "Groupe", "Prévoyance", "Société", "Union",
    "Compagnie", "Banque", "Cabinet", "Fédération", "Alliance", "Entraide", "Garantie",
]  # fmt: skip
MIDDLE = [
    "Générale", "Mutualiste", "Régionale", "Nationale", "Agricole", "Artisanale", "Familiale",
    "Sociale", "Populaire", "Solidaire", "Centrale", "Maritime", "Rurale", "Médicale",
]  # fmt: skip
PLACE = [
    "de l'Ouest", "du Nord", "de Lyon", "d'Aquitaine", "de Bretagne", "du Centre", "de Provence",
    "d'Alsace", "de Normandie", "du Limousin", "de Savoie", "des Landes", "du Berry", "d'Anjou",
    "de Picardie", "de Touraine", "du Poitou", "de Gascogne",
]  # fmt: skip
CITIES = [
    ("75009", "PARIS"), ("69003", "LYON"), ("13001", "MARSEILLE"), ("31000", "TOULOUSE"),
    ("33000", "BORDEAUX"), ("59000", "LILLE"), ("44000", "NANTES"), ("79000", "NIORT"),
]  # fmt: skip

BARE = (
    "SELECT id, kind, name, search_key, compact_key, street, complement, postal_code, city, "
    "lre_email, recipient_identified, active, created_at, updated_at, tenant_id "
    "FROM directory_entry "
    "WHERE tenant_id = %(tenant)s AND kind = %(kind)s AND active "
    "AND compact_key LIKE %(contains)s "
    "ORDER BY CASE WHEN compact_key LIKE %(starts)s THEN 0 "
    "WHEN search_key LIKE %(word)s THEN 1 ELSE 2 END, search_key, id "
    "LIMIT %(limit)s"
)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=10_000, help="entries of the tenant")
    parser.add_argument("--noise", type=int, default=2_000, help="entries of another tenant")
    parser.add_argument("--rounds", type=int, default=60, help="rounds of every typed text")
    parser.add_argument("--seed", type=int, default=15, help="names generator seed")
    parser.add_argument("--save", action="store_true", help="also write bench/results/*.json")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    database = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE)

    from portal.testing.database import create_postgres_database, drop_postgres_database

    url = create_postgres_database(database)
    tmp = tempfile.mkdtemp(prefix="portal-bench-")
    config = {
        "PORTAL_MODE": "development",
        "SECRET_KEY": "bench-only-secret",
        "PORTAL_DATA_DIR": str(Path(tmp) / "data"),
        "PORTAL_STORAGE_PATH": str(Path(tmp) / "data" / "files"),
        "SQLALCHEMY_DATABASE_URI": url,
        "PORTAL_REDIS_URL": None,
        "PORTAL_TENANTS_DIR": str(ROOT / "tenants"),
        "RATELIMIT_STORAGE_URI": "memory://",
    }
    try:
        figures = run(args, config)
    finally:
        drop_postgres_database(url)
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)
    report(args, figures)
    return 0 if figures["portal"]["p95"] < GOAL_MS else 1


def names(count: int, rng: random.Random, taken: set[str]) -> list[str]:
    """``count`` distinct French-sounding names (by folded key), a number added when needed."""
    from portal.core.directory.search import compact_key

    found = []
    while len(found) < count:
        name = f"{rng.choice(FIRST)} {rng.choice(MIDDLE)} {rng.choice(PLACE)}"
        if compact_key(name) in taken:
            name = f"{name} {rng.randrange(2, 999)}"
        if compact_key(name) in taken:
            continue
        taken.add(compact_key(name))
        found.append(name)
    return found


def populate(app, tenant_id: int, count: int, rng: random.Random) -> None:
    from sqlalchemy import select

    from portal.core.directory.kinds import EntryKind
    from portal.core.directory.models import DirectoryEntry
    from portal.core.tenants import tenant_scope
    from portal.extensions import db

    with app.app_context(), tenant_scope(tenant_id):
        taken = set(db.session.scalars(select(DirectoryEntry.compact_key)))
        for start in range(0, count, 2000):
            batch = []
            for name in names(min(2000, count - start), rng, taken):
                postal_code, city = rng.choice(CITIES)
                kind = EntryKind.BANK if name.startswith(("Banque", "Crédit")) else None
                batch.append(
                    DirectoryEntry(
                        name=name,
                        kind=kind or EntryKind.INSURER,
                        street=f"{rng.randrange(1, 200)} rue des Assureurs",
                        postal_code=postal_code,
                        city=city,
                        lre_email=f"lre{start + len(batch)}@annuaire.example",
                        recipient_identified=rng.random() < 0.3,
                        active=rng.random() >= 0.05,
                    )
                )
            db.session.add_all(batch)
            db.session.commit()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def summary(values: list[float]) -> dict:
    return {
        "p50": round(statistics.median(values), 3),
        "p95": round(percentile(values, 0.95), 3),
        "max": round(max(values), 3),
        "count": len(values),
    }


def run(args, config: dict) -> dict:
    from sqlalchemy import func, select, text

    from portal import create_app
    from portal.core.demo import load_demo
    from portal.core.directory.kinds import EntryKind
    from portal.core.directory.models import DirectoryEntry
    from portal.core.directory.search import compact_key, search, search_key
    from portal.core.tenants import Tenant, tenant_scope
    from portal.extensions import db

    app = create_app(config)
    with app.app_context():
        load_demo(app)
        ids = dict(db.session.execute(select(Tenant.slug, Tenant.id)).all())
        db.session.remove()
    rng = random.Random(args.seed)
    made = time.monotonic()
    populate(app, ids["resilimo"], args.entries, rng)
    populate(app, ids["horizon"], args.noise, rng)
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(text("ANALYZE directory_entry"))
        with tenant_scope(ids["resilimo"]):
            total = db.session.scalar(select(func.count()).select_from(DirectoryEntry))
        db.session.remove()
    setup = time.monotonic() - made

    portal_ms: list[float] = []
    bare_ms: list[float] = []
    per_text: dict[str, list[float]] = {typed: [] for typed in TYPED}
    found_counts: dict[str, int] = {}
    with app.app_context(), tenant_scope(ids["resilimo"]):
        raw = db.engine.raw_connection()
        cursor = raw.cursor()
        cursor.execute("SELECT set_config('portal.tenant_id', %s, false)", (str(ids["resilimo"]),))
        raw.commit()
        for typed in TYPED:  # warm-up, and what each text finds
            found_counts[typed] = len(search(typed))
            db.session.rollback()
        for _round in range(args.rounds):
            for typed in TYPED:
                started = time.perf_counter()
                search(typed)
                db.session.rollback()  # a request ends its transaction
                portal_ms.append((time.perf_counter() - started) * 1000)
                per_text[typed].append(portal_ms[-1])

                key, compact = search_key(typed), compact_key(typed)
                started = time.perf_counter()
                cursor.execute(
                    BARE,
                    {
                        "tenant": ids["resilimo"],
                        "kind": EntryKind.INSURER.value,
                        "contains": f"%{compact}%",
                        "starts": f"{compact}%",
                        "word": f"% {key}%",
                        "limit": 10,
                    },
                )
                cursor.fetchall()
                raw.rollback()
                bare_ms.append((time.perf_counter() - started) * 1000)
        plans = {}
        for typed in EXPLAINED:
            key, compact = search_key(typed), compact_key(typed)
            cursor.execute(
                "EXPLAIN ANALYZE " + BARE,
                {
                    "tenant": ids["resilimo"],
                    "kind": "insurer",
                    "contains": f"%{compact}%",
                    "starts": f"{compact}%",
                    "word": f"% {key}%",
                    "limit": 10,
                },
            )
            lines = [row[0].strip() for row in cursor.fetchall()]
            plans[typed] = [line for line in lines if "Scan" in line or "Execution" in line]
            raw.rollback()
        raw.close()
    return {
        "entries": total,
        "noise": args.noise,
        "texts": len(TYPED),
        "rounds": args.rounds,
        "found": found_counts,
        "setup_seconds": round(setup, 1),
        "portal": summary(portal_ms),
        "bare": summary(bare_ms),
        "plans": plans,
        "slowest": sorted(
            ((typed, round(percentile(times, 0.95), 3)) for typed, times in per_text.items()),
            key=lambda item: -item[1],
        )[:5],
        "cpus": os.cpu_count(),
    }


def report(args, f: dict) -> None:
    print(
        f"directory search: {f['entries']:,} entries in the tenant (+{f['noise']:,} in another), "
        f"{f['texts']} typed texts × {f['rounds']} rounds, PostgreSQL, {f['cpus']} CPUs "
        f"(set-up {f['setup_seconds']} s)"
    )
    print(f"{'run':8} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'calls':>7}")
    for name in ("portal", "bare"):
        s = f[name]
        print(f"{name:8} {s['p50']:8.3f} {s['p95']:8.3f} {s['max']:8.3f} {s['count']:7d}")
    ratio = f["portal"]["p95"] / f["bare"]["p95"] if f["bare"]["p95"] else float("nan")
    print(f"ratio portal/bare query: p95 {ratio:.2f}×")
    verdict = "met" if f["portal"]["p95"] < GOAL_MS else "NOT met"
    print(f"goal (portal p95 under {GOAL_MS:.0f} ms): {verdict}")
    print("results per text: " + ", ".join(f"{k!r} {v}" for k, v in f["found"].items()))
    print("slowest texts (portal p95 ms): " + ", ".join(f"{t!r} {ms}" for t, ms in f["slowest"]))
    for typed, lines in f["plans"].items():
        print(f"plan of {typed!r}: " + " / ".join(lines))
    if args.save:
        out = BENCH_DIR / "results" / f"directory_search-{datetime.now():%Y%m%d-%H%M%S}.json"
        out.parent.mkdir(exist_ok=True)
        out.write_text(json.dumps({"settings": vars(args), **f, "ratio": ratio}, indent=2))
        print(f"saved {out.relative_to(ROOT)}")


if __name__ == "__main__":
    sys.exit(main())
