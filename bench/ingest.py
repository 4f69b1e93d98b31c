"""Ingest: service records through the signed ingest API in batches of 1,000, applied in the
request (QC_INGEST_SYNC_LIMIT raised for the run), vs. the limit without HTTP and bookkeeping:
the same records validated by the same serializer and `bulk_create`d. The API is called
in-process through Django's test client (full middleware, signature, throttle, DRF; no socket)."""

from __future__ import annotations

import json
import os
import time
import uuid
from datetime import timedelta

from django.db import transaction
from django.test import Client
from django.test.utils import override_settings
from django.utils import timezone

from bench import BenchResult, benchmark, require_postgresql

BATCH = 1000
BATCHES = int(os.environ.get("BENCH_INGEST_BATCHES", "3"))
SOURCE = "QMS"


class _Rollback(Exception):
    pass


def _records(prefix: str, branch_codes: list[str], count: int) -> list[dict]:
    now = timezone.now().replace(microsecond=0)
    rows = []
    for n in range(count):
        arrived = now - timedelta(days=2, minutes=n % 600)
        rows.append(
            {
                "idempotency_key": f"{prefix}-{n}",
                "external_id": f"{prefix}-{n}",
                "branch": branch_codes[n % len(branch_codes)],
                "channel": "counter",
                "service_type": "transfer",
                "arrived_at": arrived.isoformat(),
                "called_at": (arrived + timedelta(seconds=300)).isoformat(),
                "finished_at": (arrived + timedelta(seconds=600)).isoformat(),
                "outcome": "served",
                "ticket_number": f"{n % 400:03d}",
            }
        )
    return rows


def _post(client: Client, secret: str, records: list[dict]) -> dict:
    from integration.signing import sign

    body = json.dumps({"records": records}).encode()
    timestamp = str(int(time.time()))
    response = client.post(
        "/api/v1/ingest/service_record/",
        data=body,
        content_type="application/json",
        HTTP_X_SOURCE_SYSTEM=SOURCE,
        HTTP_X_TIMESTAMP=timestamp,
        HTTP_X_SIGNATURE=sign(secret, timestamp, body),
    )
    assert response.status_code == 200, (response.status_code, response.content[:500])
    return response.json()["counts"]


@benchmark("ingest_records")
def ingest_records() -> BenchResult:
    from integration.demo import DEMO_SECRET
    from qc_portal.models import Branch
    from services.models import ServiceRecord
    from services.serializers import ServiceRecordInboundSerializer

    require_postgresql()
    codes = list(Branch.objects.order_by("code").values_list("code", flat=True)[:50])
    branch_ids = dict(Branch.objects.filter(code__in=codes).values_list("code", "id"))
    prefix = f"bench-{uuid.uuid4().hex[:8]}"
    records = _records(prefix, codes, BATCH * BATCHES)
    client = Client()
    accepted = 0
    with override_settings(QC_INGEST_SYNC_LIMIT=BATCH):
        _post(client, DEMO_SECRET, _records(prefix + "w", codes, 50))  # warm-up
        started = time.perf_counter()
        for offset in range(0, len(records), BATCH):
            accepted += _post(client, DEMO_SECRET, records[offset : offset + BATCH])["accepted"]
        api_seconds = time.perf_counter() - started

    baseline_records = _records(prefix + "b", codes, BATCH * BATCHES)
    try:
        with transaction.atomic():
            started = time.perf_counter()
            for offset in range(0, len(baseline_records), BATCH):
                rows = []
                for raw in baseline_records[offset : offset + BATCH]:
                    data = {k: v for k, v in raw.items() if k != "idempotency_key"}
                    serializer = ServiceRecordInboundSerializer(data=data)
                    serializer.is_valid(raise_exception=True)
                    valid = serializer.validated_data
                    record = ServiceRecord(
                        branch_id=branch_ids[valid["branch"]],
                        channel=valid["channel"],
                        service_type=valid["service_type"],
                        arrived_at=valid["arrived_at"],
                        called_at=valid["called_at"],
                        finished_at=valid["finished_at"],
                        outcome=valid["outcome"],
                        ticket_number=valid["ticket_number"],
                        source_code=SOURCE,
                        external_id=valid["external_id"],
                    )
                    record.refresh_durations()
                    rows.append(record)
                ServiceRecord.objects.bulk_create(rows)
            baseline_seconds = time.perf_counter() - started
            raise _Rollback
    except _Rollback:
        pass
    total = len(records)
    return BenchResult(
        "ingest_records",
        accepted / api_seconds,
        total / baseline_seconds,
        "records/s",
        ">= 0.5x serializer + bulk_create",
        extra={
            "records": total,
            "accepted": accepted,
            "batch": BATCH,
            "api_s": round(api_seconds, 2),
            "baseline_s": round(baseline_seconds, 2),
        },
    )
