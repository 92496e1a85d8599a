"""Benchmark: a two-contract termination letter's PDF against WeasyPrint rendering its HTML alone.

Makes a throwaway SQLite portal (the demo tenants), one resilimo agency and one two-contract loi
Hamon letter (a company subscriber with a co-subscriber, a car and a tenant's home), then, in the
same process and in alternated rounds:

* **portal**: ``plugins.resiliation.document.letter_pdf(letter)`` — what the PDF route does: the
  letter read into its document, the template rendered in French, the tenant's fonts and
  colours, WeasyPrint with the portal's local-only URL fetcher;
* **bare**: WeasyPrint alone on the same final HTML (``letter_html(letter)``, rendered once):
  ``HTML(string=html, base_url=…).write_pdf()``.

Prints both timings (median, mean, p95) and the ratio portal/bare (goal ≤ 1.2×).

    .venv/bin/python bench/letter_pdf.py [--runs 30] [--warmup 3] [--save]

Not a test: figures depend on the machine. See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
GOAL = 1.2


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30, help="measured runs of each (default 30)")
    parser.add_argument("--warmup", type=int, default=3, help="unmeasured runs of each first")
    parser.add_argument("--save", action="store_true", help="also write bench/results/*.json")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="portal-bench-letter-"))
    try:
        figures = run(args, tmp / "data")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    report(args, figures)
    return 0


def make_app(data: Path):
    from portal import create_app
    from portal.core.demo import load_demo
    from portal.extensions import db

    app = create_app(
        {
            "PORTAL_MODE": "development",
            "PORTAL_DATA_DIR": str(data),
            "PORTAL_STORAGE_PATH": str(data / "files"),
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{data / 'portal.db'}",
            "PORTAL_REDIS_URL": None,
            "PORTAL_TENANTS_DIR": str(ROOT / "tenants"),
            "RATELIMIT_STORAGE_URI": "memory://",
            "SECRET_KEY": "bench-only-secret",
        }
    )
    with app.app_context():
        load_demo(app)
        db.session.remove()
    return app


def make_two_contract_letter(app) -> tuple[int, int]:
    """The agency and its letter (ids), made through the tests' kits."""
    sys.path.insert(0, str(ROOT / "tests" / "resiliation"))
    from letterkit import make_letter

    from plugins.resiliation.models import MandateKind
    from plugins.resiliation.rules import ContractType, Reason
    from portal.testing.accounts import create_account

    account = create_account(
        app,
        "resilimo",
        email="bench@agence-fournier.test",
        letterhead_lines=["GESTION RESIL", "Tél. 04 76 00 00 00", "www.agence-fournier.test"],
    )
    letter_id = make_letter(
        app,
        account,
        professional=True,
        company_name="Boulangerie Dupont SARL",
        siret="73282932000074",
        co_civility="Mme",
        co_last_name="Durand",
        co_first_name="Marie",
        reason=Reason.HAMON,
        effective_date=date(2021, 7, 23),
        send_date=date(2021, 6, 21),
        mandate_kind=MandateKind.ELECTRONIC,
        added_text="Merci de votre diligence.\nDossier suivi par Léa Martin.",
        contracts=[
            {
                "contract_type": ContractType.AUTO,
                "reference": "12536985",
                "registration": "AA-111-BB",
                "main_due_date": date(2022, 1, 1),
                "new_insurer": "AXA France",
                "new_reference": "N-778",
            },
            {
                "contract_type": ContractType.HOME_TENANT,
                "reference": "HAB-4471",
                "property_address": "2 rue des fleurs, 38000 GRENOBLE",
                "new_insurer": "AXA France",
            },
        ],
    )
    return account.tenant_id, letter_id


def run(args, data: Path) -> dict:
    from flask import g
    from weasyprint import HTML

    from plugins.resiliation.document import letter_html, letter_pdf
    from plugins.resiliation.models import Letter
    from portal.core.pdf.render import PDF_STATIC
    from portal.core.tenants import tenant_scope
    from portal.core.tenants.resolver import tenant_directory
    from portal.extensions import db

    app = make_app(data)
    tenant_id, letter_id = make_two_contract_letter(app)
    # As the route runs: a request of the tenant's host, the tenant resolved, the letter loaded.
    with (
        app.test_request_context("/", base_url="http://resilimo.localhost"),
        tenant_scope(tenant_id),
    ):
        g.tenant = tenant_directory().by_id(tenant_id)
        letter = db.session.get(Letter, letter_id)
        html = letter_html(letter)

        def portal() -> int:
            return len(letter_pdf(letter))

        def bare() -> int:
            return len(HTML(string=html, base_url=PDF_STATIC.as_uri() + "/").write_pdf())

        sizes = {"portal": portal(), "bare": bare()}
        for _ in range(args.warmup):
            portal()
            bare()
        times: dict[str, list[float]] = {"portal": [], "bare": []}
        for index in range(args.runs):
            # Alternated (and the order swapped every run) so drift hits both alike.
            order = (("portal", portal), ("bare", bare))
            for name, render in order if index % 2 == 0 else reversed(order):
                started = time.perf_counter()
                render()
                times[name].append(time.perf_counter() - started)
    return {"times": times, "sizes": sizes, "html_chars": len(html)}


def summary(values: list[float]) -> dict:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "median_ms": statistics.median(values) * 1000,
        "mean_ms": statistics.fmean(values) * 1000,
        "p95_ms": p95 * 1000,
    }


def report(args, figures: dict) -> None:
    portal = summary(figures["times"]["portal"])
    bare = summary(figures["times"]["bare"])
    ratio = portal["median_ms"] / bare["median_ms"]
    mean_ratio = portal["mean_ms"] / bare["mean_ms"]
    print(f"Two-contract letter, {args.runs} runs each (after {args.warmup} warm-up runs)")
    print(f"HTML {figures['html_chars']} chars; PDF portal {figures['sizes']['portal']} bytes, "
          f"bare {figures['sizes']['bare']} bytes")  # fmt: skip
    print(f"{'':8} {'median':>10} {'mean':>10} {'p95':>10}")
    for name, values in (("portal", portal), ("bare", bare)):
        print(
            f"{name:8} {values['median_ms']:8.1f}ms {values['mean_ms']:8.1f}ms "
            f"{values['p95_ms']:8.1f}ms"
        )
    verdict = "within" if ratio <= GOAL else "ABOVE"
    print(f"ratio portal/bare: {ratio:.3f}x median, {mean_ratio:.3f}x mean "
          f"({verdict} the {GOAL}x goal)")  # fmt: skip
    if args.save:
        out = BENCH_DIR / "results" / f"letter_pdf-{datetime.now():%Y%m%d-%H%M%S}.json"
        out.parent.mkdir(exist_ok=True)
        out.write_text(
            json.dumps({"portal": portal, "bare": bare, "ratio": ratio, **figures}, indent=2)
        )
        print(f"saved {out}")


if __name__ == "__main__":
    sys.exit(main())
