"""Tracking API under load: `GET /api/v1/track/{reference}/` (with its X-Access-Code header)
vs. a minimal DRF view reading one row by key (bench/urls.py), both served by one gunicorn
started here as `bin/stack` starts it (2 workers, DEBUG off), loaded by wrk with 16
connections, in the same run. The `track` throttle is raised via THROTTLE_TRACK for the run."""

from __future__ import annotations

import json
import os
import subprocess
import time
import urllib.request
from pathlib import Path

from cryptography.fernet import Fernet
from django.test.utils import override_settings

from bench import BenchResult, benchmark, require_postgresql

ROOT = Path(__file__).resolve().parent.parent
PORT = int(os.environ.get("BENCH_PORT", "8071"))
SECRET = "bench-secret-key-for-the-tracking-benchmark-0123456789-abcdefghij"
DURATION = os.environ.get("BENCH_WRK_DURATION", "15s")
CONNECTIONS = os.environ.get("BENCH_WRK_CONNECTIONS", "16")


def _prepare_case() -> tuple[str, str]:
    """The demo tracking case, its access code hashed with the bench server's key."""
    from transparency import actions
    from transparency.demo import DEMO_ACCESS_CODE, DEMO_REFERENCE
    from transparency.models import Case

    with override_settings(SECRET_KEY=SECRET):
        digest = actions.hash_access_code(DEMO_REFERENCE, DEMO_ACCESS_CODE)
    updated = Case.objects.filter(reference=DEMO_REFERENCE).update(access_code_hash=digest)
    if not updated:
        raise SystemExit("bench: no demo tracking case; run seed_demo --only transparency first")
    return DEMO_REFERENCE, DEMO_ACCESS_CODE


def _start_server(log: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DEBUG": "false",
        "SECRET_KEY": SECRET,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "THROTTLE_TRACK": os.environ.get("THROTTLE_TRACK", "100000000/min"),
        "LOG_LEVEL": "WARNING",
        "QC_FIELD_ENCRYPTION_KEY": os.environ.get("QC_FIELD_ENCRYPTION_KEY")
        or Fernet.generate_key().decode(),
    }
    workers = os.environ.get("WEB_CONCURRENCY", "2")
    process = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "qc_portal.wsgi:application",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            workers,
            "--access-logfile",
            str(log),
            "--forwarded-allow-ips=127.0.0.1",
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("a"),
        stderr=subprocess.STDOUT,
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{PORT}/healthz", timeout=1)
            return process
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise SystemExit(f"bench: gunicorn did not answer on {PORT}; see {log}")


def _wrk(url: str, code: str) -> dict:
    out = subprocess.run(
        [
            "wrk",
            "-t",
            "2",
            "-c",
            CONNECTIONS,
            "-d",
            DURATION,
            "--latency",
            "-s",
            str(ROOT / "bench/track.lua"),
            url,
        ],
        env={**os.environ, "BENCH_ACCESS_CODE": code},
        capture_output=True,
        text=True,
        check=True,
    )
    line = next(x for x in out.stdout.splitlines() if x.startswith("JSON "))
    stats = json.loads(line[5:])
    stats["rps"] = stats["requests"] / (stats["duration_us"] / 1e6)
    return stats


def _rss_kb(pid: int) -> int:
    """Peak RSS (VmHWM) of the gunicorn workers (children of the master)."""
    peak = 0
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        status = Path(f"/proc/{child}/status").read_text()
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                peak = max(peak, int(line.split()[1]))
    return peak


_RUN: dict = {}


def _run() -> dict:
    if _RUN:
        return _RUN
    require_postgresql()
    reference, code = _prepare_case()
    log = ROOT / "var" / "bench-gunicorn.log"
    log.parent.mkdir(exist_ok=True)
    server = _start_server(log)
    try:
        base = f"http://127.0.0.1:{PORT}"
        check = urllib.request.Request(
            f"{base}/api/v1/track/{reference}/", headers={"X-Access-Code": code}
        )
        assert urllib.request.urlopen(check).status == 200
        _RUN["track"] = _wrk(f"{base}/api/v1/track/{reference}/", code)
        _RUN["baseline"] = _wrk(f"{base}/bench/one-row/{reference}/", code)
        _RUN["worker_peak_rss_mb"] = round(_rss_kb(server.pid) / 1024, 1)
    finally:
        server.terminate()
        server.wait(timeout=30)
    return _RUN


@benchmark("tracking_throughput")
def tracking_throughput() -> BenchResult:
    run = _run()
    return BenchResult(
        "tracking_throughput",
        run["track"]["rps"],
        run["baseline"]["rps"],
        "req/s",
        ">= 0.6x the one-row view",
        extra={
            "track": run["track"],
            "baseline": run["baseline"],
            "worker_peak_rss_mb": run["worker_peak_rss_mb"],
            "connections": CONNECTIONS,
        },
    )


@benchmark("tracking_p99")
def tracking_p99() -> BenchResult:
    run = _run()
    return BenchResult(
        "tracking_p99",
        run["track"]["p99_us"] / 1000,
        run["baseline"]["p99_us"] / 1000,
        "ms",
        "<= 2x the one-row view's p99",
        extra={
            "p50_ms": run["track"]["p50_us"] / 1000,
            "baseline_p50_ms": run["baseline"]["p50_us"] / 1000,
        },
    )
