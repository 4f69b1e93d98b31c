"""Push records to QC Portal's ingest API — what a bank system's team runs, and what the tests
and benchmarks use. Standard library only, so it runs anywhere Python does:

    QC_SECRET=... python -m integration.client push --url http://127.0.0.1:8000 \\
        --source QMS --secret-env QC_SECRET --type service_record records.jsonl

Each line of the file is one JSON record carrying its own `idempotency_key`. Records are sent
in batches, each request signed (hex HMAC-SHA256 of `timestamp + "." + body`) with a fresh
timestamp. Network errors, 5xx, 429 and 409 (a key still being processed) are retried with
exponential backoff; because every record has a key, a retry can never apply a record twice.
A queued batch (202) is polled until done when `--wait` is given. The outcome counts are
printed at the end; the exit status is 0 when every record was accepted or a duplicate, 2 when
some were rejected, 1 when a batch could not be delivered.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from integration.signing import sign

RETRY_STATUSES = {409, 429, 500, 502, 503, 504}
OUTCOMES = ("accepted", "duplicate", "rejected", "conflict", "pending")


@dataclass
class PushReport:
    counts: Counter = field(default_factory=Counter)
    batches: int = 0
    failed_batches: list[dict] = field(default_factory=list)
    rejected: list[dict] = field(default_factory=list)
    retries: int = 0

    @property
    def exit_code(self) -> int:
        if self.failed_batches:
            return 1
        if self.counts["rejected"] or self.counts["pending"] or self.counts["conflict"]:
            return 2
        return 0

    def summary(self) -> str:
        parts = [f"{name}={self.counts[name]}" for name in OUTCOMES]
        parts += [
            f"batches={self.batches}",
            f"failed_batches={len(self.failed_batches)}",
            f"retries={self.retries}",
        ]
        return " ".join(parts)


class Sender:
    """Signs and sends requests, retrying what is worth retrying."""

    def __init__(
        self,
        url: str,
        source: str,
        secret: str,
        *,
        retries: int = 5,
        backoff: float = 0.5,
        timeout: float = 60,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
    ):
        self.url = url.rstrip("/")
        self.source, self.secret = source, secret
        self.retries, self.backoff, self.timeout = retries, backoff, timeout
        self.sleep, self.clock = sleep, clock
        self.retried = 0

    def _headers(self, body: bytes) -> dict:
        timestamp = str(int(self.clock()))
        return {
            "Content-Type": "application/json",
            "X-Source-System": self.source,
            "X-Timestamp": timestamp,
            "X-Signature": sign(self.secret, timestamp, body),
        }

    def request(self, method: str, path_or_url: str, body: bytes = b"") -> tuple[int, dict]:
        url = path_or_url if path_or_url.startswith("http") else self.url + path_or_url
        attempt = 0
        while True:
            request = urllib.request.Request(
                url,
                data=body if method == "POST" else None,
                method=method,
                headers=self._headers(body),
            )
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    return response.status, _json(response.read())
            except urllib.error.HTTPError as error:
                status, payload = error.code, _json(error.read())
                if status not in RETRY_STATUSES or attempt >= self.retries:
                    return status, payload
            except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
                if attempt >= self.retries:
                    return 0, {"code": "unreachable", "message": str(error)}
            attempt += 1
            self.retried += 1
            # Exponential backoff with jitter, so many senders do not retry in step.
            self.sleep(self.backoff * (2 ** (attempt - 1)) * (1 + random.random() / 2))


def _json(raw: bytes) -> dict:
    try:
        value = json.loads(raw.decode("utf-8") or "{}")
    except ValueError:
        return {"code": "invalid_response", "message": raw[:200].decode("utf-8", "replace")}
    return value if isinstance(value, dict) else {"value": value}


def batches(records: list, size: int) -> Iterable[list]:
    for start in range(0, len(records), size):
        yield records[start : start + size]


def read_jsonl(path: str) -> list[dict]:
    records = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except ValueError as error:
                raise SystemExit(f"{path}:{number}: not valid JSON ({error})") from None
    return records


def _wait_for(sender: Sender, status_url: str, *, polls: int = 60, interval: float = 1.0) -> dict:
    body: dict = {}
    for _poll in range(polls):
        _status, body = sender.request("GET", status_url)
        if body.get("status") == "completed":
            return body
        sender.sleep(interval)
    return body


def push(
    *,
    url: str,
    source: str,
    secret: str,
    record_type: str,
    records: list,
    batch_size: int = 500,
    wait: bool = False,
    sender: Sender | None = None,
) -> PushReport:
    sender = sender or Sender(url, source, secret)
    report = PushReport()
    path = f"/api/v1/ingest/{record_type}/"
    for batch in batches(records, batch_size):
        body = json.dumps({"records": batch}, ensure_ascii=False).encode("utf-8")
        status, payload = sender.request("POST", path, body)
        report.batches += 1
        if status not in (200, 202, 409):
            report.failed_batches.append(
                {"status": status, **payload, "first_key": _first_key(batch)}
            )
            continue
        results = payload.get("results", [])
        if status == 202 and wait:
            final = _wait_for(sender, payload["status_url"])
            by_key = {row["idempotency_key"]: row for row in final.get("records", [])}
            for result in results:
                row = by_key.get(result["idempotency_key"])
                if result["outcome"] == "pending" and row is not None:
                    result["outcome"] = {"applied": "accepted", "rejected": "rejected"}.get(
                        row["status"], "pending"
                    )
                    result["errors"] = row.get("errors") or {}
        for result in results:
            report.counts[result["outcome"]] += 1
            if result["outcome"] == "rejected":
                report.rejected.append(result)
    report.retries = sender.retried
    return report


def _first_key(batch: list):
    first = batch[0] if batch else None
    return first.get("idempotency_key") if isinstance(first, dict) else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m integration.client", description=__doc__.split("\n\n")[0]
    )
    commands = parser.add_subparsers(dest="command", required=True)
    push_parser = commands.add_parser("push", help="sign and send a JSONL file of records")
    push_parser.add_argument(
        "file", help="JSON Lines: one record per line, each with an idempotency_key"
    )
    push_parser.add_argument(
        "--url", default=os.environ.get("QC_PORTAL_URL", "http://127.0.0.1:8000")
    )
    push_parser.add_argument("--source", required=True, help="the source system's code")
    push_parser.add_argument(
        "--secret-env",
        default="QC_INGEST_SECRET",
        help="environment variable holding the secret (never pass it on the command line)",
    )
    push_parser.add_argument(
        "--type", required=True, dest="record_type", help="record type, e.g. service_record"
    )
    push_parser.add_argument("--batch-size", type=int, default=500)
    push_parser.add_argument("--retries", type=int, default=5)
    push_parser.add_argument(
        "--wait", action="store_true", help="poll queued batches until they are done"
    )
    args = parser.parse_args(argv)

    secret = os.environ.get(args.secret_env, "")
    if not secret:
        parser.error(f"set the secret in the environment variable {args.secret_env}")
    if args.batch_size < 1:
        parser.error("--batch-size must be at least 1")
    records = read_jsonl(args.file)
    sender = Sender(args.url, args.source, secret, retries=args.retries)
    report = push(
        url=args.url,
        source=args.source,
        secret=secret,
        record_type=args.record_type,
        records=records,
        batch_size=args.batch_size,
        wait=args.wait,
        sender=sender,
    )
    for failed in report.failed_batches:
        print(
            f"batch refused: HTTP {failed['status']} {failed.get('code', '')}: {failed.get('message', '')}",
            file=sys.stderr,
        )
    for rejected in report.rejected[:20]:
        print(
            f"rejected {rejected.get('idempotency_key')}: {json.dumps(rejected.get('errors', {}), ensure_ascii=False)}",
            file=sys.stderr,
        )
    if len(report.rejected) > 20:
        print(f"... and {len(report.rejected) - 20} more rejected", file=sys.stderr)
    print(report.summary())
    return report.exit_code


if __name__ == "__main__":
    sys.exit(main())
