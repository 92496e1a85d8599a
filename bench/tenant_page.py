"""Load benchmark: the portal's tenant home page against a bare Flask app sending the same bytes.

Starts two gunicorn servers with identical settings on free loopback ports, drives each with the
same keep-alive HTTP client (threads, ``http.client``) for a fixed time after a warm-up, then
prints requests/s and latency percentiles of both and the ratios portal/bare. Bounded in time
(about 40 s with the defaults), talks to 127.0.0.1 only, and stops both servers at the end.

    .venv/bin/python bench/tenant_page.py [--host resilimo.localhost] [--workers 2] [--threads 2]
                              [--clients 4] [--warmup 2] [--duration 6] [--rounds 2] [--save]

Not a test: figures depend on the machine. See bench/README.md.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
LOOPBACK = "127.0.0.1"
TENANT_HOST = "resilimo.localhost"
MAX_TOTAL_SECONDS = 90  # hard stop, whatever the options


# -- servers ------------------------------------------------------------------------------------


@dataclass
class Server:
    name: str
    process: subprocess.Popen
    log: Path
    port: int = 0


def start_server(name: str, module: str, args, env: dict, workdir: Path) -> Server:
    log = workdir / f"{name}.log"
    command = [
        sys.executable, "-m", "gunicorn",
        "--bind", f"{LOOPBACK}:0",
        "--workers", str(args.workers),
        "--worker-class", "gthread",
        "--threads", str(args.threads),
        "--keep-alive", "10",
        "--graceful-timeout", "5",
        "--preload",
        "--pythonpath", f"{BENCH_DIR},{ROOT}",
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
        start_new_session=True,  # our own process group, stopped in stop_server
    )
    return Server(name, process, log)


def _control_socket_off() -> list[str]:
    """Recent gunicorn (27 here) opens a control socket at one default path in ~/.gunicorn:
    turned off so the two servers (and any other gunicorn) do not collide."""
    from gunicorn.config import KNOWN_SETTINGS

    return (
        ["--no-control-socket"]
        if any(s.name == "control_socket_disable" for s in KNOWN_SETTINGS)
        else []
    )


def wait_listening(server: Server, host: str, timeout: float = 45) -> None:
    """Read the port from gunicorn's log, then wait for a 200 on the tenant home page."""
    deadline = time.monotonic() + timeout
    pattern = re.compile(r"Listening at: http://127\.0\.0\.1:(\d+)")
    while not server.port:
        if server.process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{server.name} did not start:\n{_tail(server.log)}")
        match = pattern.search(server.log.read_text() if server.log.exists() else "")
        if match:
            server.port = int(match.group(1))
        else:
            time.sleep(0.1)
    while True:
        try:
            status, _ = fetch(server.port, f"{host}:{server.port}")
            if status == 200:
                return
        except OSError:
            pass
        if server.process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{server.name} does not answer 200 on /:\n{_tail(server.log)}")
        time.sleep(0.2)


def stop_server(server: Server) -> None:
    if server.process.poll() is not None:
        return
    try:
        os.killpg(server.process.pid, signal.SIGTERM)  # the group we started: master + workers
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(server.process.pid, signal.SIGKILL)
        server.process.wait(timeout=5)
    except ProcessLookupError:
        pass


def _tail(path: Path, lines: int = 30) -> str:
    return "\n".join(path.read_text().splitlines()[-lines:]) if path.exists() else "(no log)"


def fetch(port: int, host: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(LOOPBACK, port, timeout=5)
    try:
        conn.request("GET", "/", headers={"Host": host})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


# -- client -------------------------------------------------------------------------------------


@dataclass
class Result:
    server: str
    requests: int = 0
    errors: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list, repr=False)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        """Latency in ms at quantile ``q`` (nearest rank)."""
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))] * 1000

    def summary(self) -> dict:
        data = asdict(self)
        del data["latencies"]
        data.update(
            rps=round(self.rps, 1),
            p50_ms=round(self.percentile(0.50), 2),
            p95_ms=round(self.percentile(0.95), 2),
            p99_ms=round(self.percentile(0.99), 2),
        )
        return data


def load(port: int, host: str, clients: int, seconds: float, body_size: int, result: Result):
    """``clients`` threads, one keep-alive connection each, as fast as possible for ``seconds``."""
    lock = threading.Lock()
    start = threading.Barrier(clients + 1)
    stop_at: list[float] = []

    def worker():
        latencies: list[float] = []
        done = errors = 0
        conn = http.client.HTTPConnection(LOOPBACK, port, timeout=10)
        start.wait()
        deadline = stop_at[0]
        while (now := time.perf_counter()) < deadline:
            try:
                conn.request("GET", "/", headers={"Host": host})
                response = conn.getresponse()
                body = response.read()
                elapsed = time.perf_counter() - now
                if response.status != 200 or len(body) != body_size:
                    errors += 1
                else:
                    done += 1
                    latencies.append(elapsed)
                if response.will_close:
                    conn.close()
                    conn = http.client.HTTPConnection(LOOPBACK, port, timeout=10)
            except (OSError, http.client.HTTPException):
                errors += 1
                conn.close()
                conn = http.client.HTTPConnection(LOOPBACK, port, timeout=10)
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
    start.wait()
    for thread in threads:
        thread.join(timeout=seconds + 15)
    result.seconds += time.perf_counter() - began


# -- main ---------------------------------------------------------------------------------------


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--host",
        default=TENANT_HOST,
        help="Host header naming the tenant (the dev suffix by "
        "default; a production host such as portail.resilimo.test saves one query)",
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (both servers)")
    parser.add_argument("--threads", type=int, default=2, help="gthread threads per worker")
    parser.add_argument("--clients", type=int, default=4, help="client threads (connections)")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds of warm-up per server")
    parser.add_argument("--duration", type=float, default=6.0, help="seconds measured per round")
    parser.add_argument("--rounds", type=int, default=2, help="alternated rounds per server")
    parser.add_argument("--save", action="store_true", help="also write bench/results/*.json")
    args = parser.parse_args(argv)
    planned = 2 * (args.warmup + args.rounds * args.duration)
    if planned > MAX_TOTAL_SECONDS - 20:
        parser.error(f"{planned:.0f} s of load planned; keep it under {MAX_TOTAL_SECONDS - 20} s")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    began = time.monotonic()
    servers: list[Server] = []
    with tempfile.TemporaryDirectory(prefix="portal-bench-") as tmp:
        workdir = Path(tmp)
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
            "BENCH_DATA_DIR": str(workdir / "data"),
            "BENCH_BARE_HTML": str(workdir / "page.html"),
        }
        try:
            portal = start_server("portal", "wsgi_portal", args, env, workdir)
            servers.append(portal)
            wait_listening(portal, args.host)
            host = f"{args.host}:{portal.port}"
            status, page = fetch(portal.port, host)
            if status != 200 or b'class="site-header"' not in page:
                raise RuntimeError(f"{host}: not a tenant home page ({status})")
            (workdir / "page.html").write_bytes(page)

            bare = start_server("bare", "wsgi_bare", args, env, workdir)
            servers.append(bare)
            wait_listening(bare, args.host)
            status, bare_page = fetch(bare.port, host)
            if status != 200 or bare_page != page:
                raise RuntimeError("the bare server does not send the same page")

            results = {"portal": Result("portal"), "bare": Result("bare")}
            ports = {"portal": portal.port, "bare": bare.port}
            for name in ("portal", "bare"):
                load(ports[name], host, args.clients, args.warmup, len(page), Result("warm-up"))
            for _ in range(args.rounds):
                for name in ("portal", "bare"):
                    if time.monotonic() - began > MAX_TOTAL_SECONDS:
                        raise RuntimeError("time budget exceeded")
                    load(ports[name], host, args.clients, args.duration, len(page), results[name])
        finally:
            for server in reversed(servers):
                stop_server(server)

    report(args, results, len(page), host, time.monotonic() - began)
    return 0 if all(r.requests and not r.errors for r in results.values()) else 1


def report(args, results: dict[str, Result], size: int, host: str, total: float) -> None:
    portal, bare = results["portal"], results["bare"]
    print(f"GET http://{host}/ ({size:,} bytes) on the portal vs the same bytes from bare Flask")
    print(
        f"gunicorn {args.workers} workers × gthread {args.threads} threads (both); client "
        f"{args.clients} keep-alive threads; warm-up {args.warmup:g} s, "
        f"{args.rounds} × {args.duration:g} s measured per server; {os.cpu_count()} CPUs"
    )
    print(f"{'server':8} {'requests':>9} {'req/s':>9} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}"
          f" {'errors':>7}")  # fmt: skip
    for r in (portal, bare):
        print(
            f"{r.server:8} {r.requests:9d} {r.rps:9.1f} {r.percentile(0.5):8.2f}"
            f" {r.percentile(0.95):8.2f} {r.percentile(0.99):8.2f} {r.errors:7d}"
        )
    rps_ratio = portal.rps / bare.rps if bare.rps else float("nan")
    p95_ratio = portal.percentile(0.95) / bare.percentile(0.95)
    print(f"ratio portal/bare: req/s {rps_ratio:.2f}, p95 latency {p95_ratio:.2f}×")
    print(f"total time {total:.1f} s")
    if args.save:
        out = BENCH_DIR / "results" / f"tenant_page-{datetime.now():%Y%m%d-%H%M%S}.json"
        out.parent.mkdir(exist_ok=True)
        out.write_text(
            json.dumps(
                {
                    "settings": vars(args),
                    "page_bytes": size,
                    "cpus": os.cpu_count(),
                    "portal": portal.summary(),
                    "bare": bare.summary(),
                    "ratio_rps": round(rps_ratio, 3),
                    "ratio_p95": round(p95_ratio, 3),
                },
                indent=2,
            )
        )
        print(f"saved {out.relative_to(ROOT)}")


if __name__ == "__main__":
    sys.exit(main())
