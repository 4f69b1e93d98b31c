"""Demo data for measure 4: the bank's four source systems (one fixed demo secret), a data
inventory whose sharing matrix ends near but under 90 %, and months of ingest history in which
processing time improves after the programme start. Also writes a JSONL file of service records
to push with the client."""

from __future__ import annotations

import json
import math
from datetime import datetime, time, timedelta
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from integration.models import DataSet, InboundRecord, SharingGrant, SourceSystem
from integration.signing import content_hash, encrypt_secret
from qc_portal.models import Department
from qc_portal.periods import bank_tz

DEMO_SECRET = "qc-demo-ingest-secret-2026"

# code, name, owning department, record types, expected frequency (minutes)
SOURCES = [
    (
        "QMS",
        "排队叫号系统 Queue management",
        "customer_service",
        ["service_record", "service_feedback"],
        60,
    ),
    (
        "CALLCENTRE",
        "呼叫中心平台 Call centre",
        "customer_service",
        ["service_record", "service_feedback", "progress_inquiry"],
        60,
    ),
    ("CORE", "核心业务系统 Core banking", "it", ["loan_status", "case_step"], 24 * 60),
    ("HRIS", "人力资源系统 HR system", "hr", ["employee", "training_completion"], 24 * 60),
]

# code, zh, en, domain, system, owning department, types, sensitivity, refresh,
# required departments, of which granted
DATA_SETS = [
    (
        "service-records",
        "网点服务记录",
        "Branch service records",
        "service",
        "QMS",
        "customer_service",
        ["service_record"],
        "internal",
        "realtime",
        ["retail", "head_office", "it"],
        ["retail", "head_office", "it"],
    ),
    (
        "service-feedback",
        "客户评价",
        "Customer feedback",
        "service",
        "QMS",
        "customer_service",
        ["service_feedback"],
        "internal",
        "daily",
        ["retail", "head_office", "hr"],
        ["retail", "head_office", "hr"],
    ),
    (
        "call-records",
        "呼叫中心记录",
        "Call-centre contacts",
        "service",
        "CALLCENTRE",
        "customer_service",
        ["service_record"],
        "internal",
        "realtime",
        ["retail", "head_office"],
        ["retail", "head_office"],
    ),
    (
        "progress-inquiries",
        "进度查询",
        "Progress inquiries",
        "transparency",
        "CALLCENTRE",
        "customer_service",
        ["progress_inquiry"],
        "internal",
        "daily",
        ["retail", "risk"],
        ["retail", "risk"],
    ),
    (
        "loan-book",
        "贷款余额与逾期",
        "Loan balances and arrears",
        "credit",
        "CORE",
        "risk",
        ["loan_status"],
        "confidential",
        "daily",
        ["head_office", "retail"],
        ["head_office"],
    ),
    (
        "case-steps",
        "业务办理进度",
        "Case steps",
        "transparency",
        "CORE",
        "retail",
        ["case_step"],
        "internal",
        "realtime",
        ["customer_service", "risk", "head_office"],
        ["customer_service", "risk", "head_office"],
    ),
    (
        "employees",
        "员工信息",
        "Employees",
        "people",
        "HRIS",
        "hr",
        ["employee"],
        "confidential",
        "daily",
        ["head_office", "it", "risk"],
        ["head_office", "it"],
    ),
    (
        "training-completions",
        "培训完成记录",
        "Training completions",
        "people",
        "HRIS",
        "hr",
        ["training_completion"],
        "internal",
        "weekly",
        ["customer_service", "risk", "retail", "head_office"],
        ["customer_service", "risk", "head_office"],
    ),
]

RECORDS_PER_DAY = {"small": 3, "medium": 25, "bank": 300}
HISTORY_MONTHS = 6  # before the programme start
BASELINE_MEDIAN_SECONDS = 45.0


def _median_for(day, programme_start) -> float:
    """Processing-time median of a day: flat baseline, then faster month by month after the
    programme start, levelling off at 45 % of the baseline."""
    if day < programme_start:
        return BASELINE_MEDIAN_SECONDS
    months = (day.year - programme_start.year) * 12 + day.month - programme_start.month
    return BASELINE_MEDIAN_SECONDS * max(0.45, 1 - 0.12 * (months + 1))


def seed(context) -> None:
    if SourceSystem.objects.filter(code="QMS").exists():
        _note(context)
        return
    departments = {d.code: d for d in Department.objects.all()}
    encrypted = encrypt_secret(DEMO_SECRET)
    sources = {}
    for code, name, department, types, minutes in SOURCES:
        sources[code] = SourceSystem.objects.create(
            code=code,
            name=name,
            owning_department=departments[department],
            allowed_record_types=types,
            expected_frequency_minutes=minutes,
            secret_encrypted=encrypted,
            created_at=_at(context.programme_start, months_before=HISTORY_MONTHS),
        )
    _seed_inventory(context, sources, departments)
    _seed_history(context, sources)
    _write_sample_file(context)
    _note(context)


def _at(programme_start, *, months_before: int = 0, days: int = 0) -> datetime:
    year, month = programme_start.year, programme_start.month - months_before
    while month < 1:
        year, month = year - 1, month + 12
    start = datetime(year, month, 1, tzinfo=bank_tz())
    return start + timedelta(days=days)


def _seed_inventory(context, sources, departments) -> None:
    admin = context.logins.get("integration_admin")
    required_since = _at(context.programme_start, months_before=HISTORY_MONTHS)
    grants = []
    granted_index = 0
    for (
        code,
        zh,
        en,
        domain,
        system,
        owner,
        types,
        sensitivity,
        refresh,
        required,
        granted,
    ) in DATA_SETS:
        data_set = DataSet.objects.create(
            code=code,
            name_zh=zh,
            name_en=en,
            domain=domain,
            owning_system=sources[system],
            owning_department=departments[owner],
            record_types=types,
            sensitivity=sensitivity,
            refresh_frequency=refresh,
            created_at=required_since,
        )
        for department in required:
            granted_at = None
            if department in granted:
                # Half the grants existed before the programme; the rest came one by one after.
                offset = granted_index - 9
                granted_at = (
                    required_since + timedelta(days=7 * granted_index)
                    if offset < 0
                    else _at(context.programme_start, days=20 * offset + 5)
                )
                granted_at = min(granted_at, context.now - timedelta(days=1))
                granted_index += 1
            grants.append(
                SharingGrant(
                    data_set=data_set,
                    department=departments[department],
                    required=True,
                    required_since=required_since,
                    granted_at=granted_at,
                    granted_by=admin if granted_at else None,
                )
            )
    SharingGrant.objects.bulk_create(grants)


def _seed_history(context, sources) -> None:
    rng = context.rng
    per_day = RECORDS_PER_DAY.get(context.scale, RECORDS_PER_DAY["medium"])
    first_day = _at(context.programme_start, months_before=HISTORY_MONTHS).date()
    today = timezone.localdate(context.now)
    days = (today - first_day).days + 1
    branches = [branch.code for branch in context.branches] or ["BJ001"]
    batch: list[InboundRecord] = []
    total = days * len(sources)
    for index in context.progress(range(total), total=total, desc="ingest history"):
        source = list(sources.values())[index % len(sources)]
        day = first_day + timedelta(days=index // len(sources))
        median = _median_for(day, context.programme_start)
        reject_share = 0.025 if day < context.programme_start else 0.01
        for n in range(per_day):
            record_type = source.allowed_record_types[n % len(source.allowed_record_types)]
            moment = datetime.combine(day, time(8), tzinfo=bank_tz()) + timedelta(
                seconds=rng.randrange(0, 12 * 3600)
            )
            if moment >= context.now:
                moment = context.now - timedelta(minutes=rng.randrange(1, 30))
            key = f"demo-{source.code}-{day:%Y%m%d}-{n:05d}"
            payload = {"idempotency_key": key, "branch": rng.choice(branches), "seq": n}
            rejected = rng.random() < reject_share
            # Log-normal spread around the day's median (sigma 0.5).
            seconds = round(median * math.exp(rng.gauss(0, 0.5)), 2)
            batch.append(
                InboundRecord(
                    source=source,
                    record_type=record_type,
                    idempotency_key=key,
                    submitted_key=key,
                    content_hash=content_hash(payload),
                    payload=payload,
                    status=InboundRecord.Status.REJECTED
                    if rejected
                    else InboundRecord.Status.APPLIED,
                    reason=InboundRecord.Reason.INVALID if rejected else "",
                    errors={"branch": ["Unknown branch code."]} if rejected else {},
                    received_at=moment,
                    applied_at=None if rejected else moment + timedelta(seconds=seconds),
                    processing_seconds=None if rejected else seconds,
                    attempts=1,
                )
            )
        if len(batch) >= 5000:
            InboundRecord.objects.bulk_create(batch, batch_size=5000)
            batch = []
    InboundRecord.objects.bulk_create(batch, batch_size=5000)


def _write_sample_file(context) -> None:
    """A JSONL file of today's counter tickets at the first branch, to push with the client."""
    if not context.branches:
        return
    path = Path(settings.BASE_DIR) / "var" / "demo" / "service_records.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    opening = datetime.combine(timezone.localdate(context.now), time(9), tzinfo=bank_tz())
    lines = []
    for n in range(20):
        arrived = opening + timedelta(minutes=7 * n)
        called = arrived + timedelta(seconds=60 + 37 * n)
        record = {
            "idempotency_key": f"qms-{arrived:%Y%m%d}-{n:04d}",
            "external_id": f"QMS-{arrived:%Y%m%d}-{n:04d}",
            "branch": context.branches[0].code,
            "channel": "counter",
            "service_type": "deposit_withdrawal",
            "arrived_at": arrived.isoformat(),
            "called_at": called.isoformat(),
            "finished_at": (called + timedelta(seconds=180 + 11 * n)).isoformat(),
            "outcome": "served",
            "ticket_number": f"A{n + 1:03d}",
        }
        lines.append(json.dumps(record, ensure_ascii=False))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _note(context) -> None:
    context.notes.append(
        "Ingest: source systems QMS, CALLCENTRE, CORE, HRIS share the demo secret "
        f"{DEMO_SECRET!r}. Push sample service records with:\n"
        f"  QC_INGEST_SECRET={DEMO_SECRET} .venv/bin/python -m integration.client push "
        "--url http://127.0.0.1:8000 --source QMS --secret-env QC_INGEST_SECRET "
        "--type service_record var/demo/service_records.jsonl"
    )
