"""Memory benchmark: « Exporter vers Excel » of 100,000 termination letters — the peak resident
memory of the web process that writes and streams the workbook, and the time it takes.

Builds the same throwaway PostgreSQL database as ``letter_list.py`` (the letters all belong to
one agent here), starts the portal under gunicorn with one worker, logs the agent in (a signed
session cookie), asks the list page once (the worker's memory at rest), then
``/resiliation/courriers/export.xlsx`` and reads the worker's peak resident memory (``VmHWM`` of
``/proc/<pid>/status``) and the bytes received; checks the workbook's rows. Goal: under 100 MB
for the export — the worker's peak minus its memory at rest (the portal alone, one page served,
weighs more than that already: both are printed).

    .venv/bin/python bench/letter_export.py [--letters 100000] [--save]

Settings: ``BENCH_DATABASE_URL`` as ``letter_list.py``. Linux only (``/proc``). Not a test.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import sys
import tempfile
import time
import zipfile
from datetime import datetime
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path[:0] = [str(ROOT), str(BENCH_DIR)]

from letter_list import (  # noqa: E402 - bench/ on the path first
    HOST,
    LOOPBACK,
    Dataset,
    get,
    parse_args,
    server_env,
    start,
    stop_server,
    wait_port,
)

GOAL_MB = 100.0
PATH = "/resiliation/courriers/export.xlsx"


def kib(pid: int, field: str) -> int:
    """A memory figure of ``/proc/<pid>/status`` (``VmRSS``, ``VmHWM``), in KiB."""
    text = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(rf"^{field}:\s+(\d+) kB", text, re.M).group(1))


def worker_pid(master: int, timeout: float = 30) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        if children:
            return int(children[0])
        time.sleep(0.1)
    raise RuntimeError("no gunicorn worker")


def download(port: int, cookie: str, target: Path) -> tuple[int, int, float]:
    """GET the export into ``target``: (status, bytes, seconds)."""
    began = time.perf_counter()
    conn = http.client.HTTPConnection(LOOPBACK, port, timeout=600)
    try:
        conn.request("GET", PATH, headers={"Host": f"{HOST}:{port}", "Cookie": cookie})
        response = conn.getresponse()
        size = 0
        with target.open("wb") as out:
            while block := response.read(64 * 1024):
                out.write(block)
                size += len(block)
        return response.status, size, time.perf_counter() - began
    finally:
        conn.close()


def rows_in(path: Path) -> int:
    with zipfile.ZipFile(path) as book, book.open("xl/worksheets/sheet1.xml") as sheet:
        count = 0
        tail = b""
        while block := sheet.read(1 << 20):
            count += (tail + block).count(b"<row ")
            tail = block[-4:]
        return count


def main(argv=None) -> int:
    args = parse_args(argv, letters=100_000, accounts=1)
    args.workers, args.threads = 1, 1
    data = Dataset(args)
    server = None
    try:
        setup = data.build()
        cookie = data.session_cookie()
        env = server_env(data, data.tmp)
        server = start("portal", "wsgi_letters", args, env, data.tmp, worker_class="sync")
        wait_port(server)
        pid = worker_pid(server.process.pid)
        status, _page = get(server.port, "/resiliation/", cookie)
        if status != 200:
            raise RuntimeError(f"the list page answers {status}")
        at_rest = kib(pid, "VmRSS")
        with tempfile.TemporaryDirectory(prefix="portal-bench-export-") as tmp:
            target = Path(tmp) / "export.xlsx"
            status, size, seconds = download(server.port, cookie, target)
            peak = kib(pid, "VmHWM")
            rows = rows_in(target) - 1 if status == 200 else 0
    finally:
        if server is not None:
            stop_server(server)
        data.close()
    figures = {
        "letters": args.letters,
        "setup_seconds": round(setup, 1),
        "status": status,
        "rows": rows,
        "bytes": size,
        "seconds": round(seconds, 2),
        "rss_at_rest_mb": round(at_rest / 1024, 1),
        "peak_rss_mb": round(peak / 1024, 1),
        "export_added_mb": round((peak - at_rest) / 1024, 1),
        "cpus": os.cpu_count(),
    }
    print(
        f"GET {PATH}: {rows:,} letters exported ({size / 1e6:.1f} MB) in {seconds:.1f} s "
        f"(database of {args.letters:,} letters loaded in {setup:.0f} s)"
    )
    grown = (peak - at_rest) / 1024
    print(
        f"web worker (gunicorn, 1 sync worker): RSS at rest {at_rest / 1024:.1f} MB (the portal "
        f"itself, list page served), peak RSS {peak / 1024:.1f} MB: the export added "
        f"{grown:.1f} MB (goal < {GOAL_MB:g} MB for the export)"
    )
    if args.save:
        out = BENCH_DIR / "results" / f"letter_export-{datetime.now():%Y%m%d-%H%M%S}.json"
        out.parent.mkdir(exist_ok=True)
        out.write_text(json.dumps(figures, indent=2))
        print(f"saved {out.relative_to(ROOT)}")
    return 0 if status == 200 and rows == args.letters and grown < GOAL_MB else 1


if __name__ == "__main__":
    sys.exit(main())
