"""Reads of the integration app: sync health, evaluation reports, the data inventory and the
sharing matrix. Every figure is computed in the database."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import connection
from django.db.models import Aggregate, Count, FloatField, Max, Min, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import TruncDate
from django.utils import timezone

from integration.models import DataSet, InboundBatch, InboundRecord, SharingGrant, SourceSystem
from qc_portal.models import Department
from qc_portal.periods import Period

HEALTH_WINDOW_DAYS = 30


class PercentileCont(Aggregate):
    """PostgreSQL's ordered-set aggregate percentile_cont(f) WITHIN GROUP (ORDER BY x)."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, fraction: float, **extra):
        if not 0 <= fraction <= 1:
            raise ValueError("fraction must be within 0..1")
        super().__init__(expression, fraction=float(fraction), **extra)


def percentile(queryset: QuerySet, field_name: str, fraction: float) -> tuple[float | None, int]:
    """The continuous percentile of `field_name` over `queryset` and how many values it saw,
    computed in the database: percentile_cont on PostgreSQL; elsewhere (SQLite) a count and
    an ordered LIMIT/OFFSET read of the one or two middle values, interpolated as
    percentile_cont does."""
    values = queryset.filter(**{f"{field_name}__isnull": False}).order_by()
    if connection.vendor == "postgresql":
        result = values.aggregate(value=PercentileCont(field_name, fraction), n=Count(field_name))
        return result["value"], result["n"]
    count = values.count()
    if count == 0:
        return None, 0
    position = fraction * (count - 1)
    lower, upper = math.floor(position), math.ceil(position)
    found = list(values.order_by(field_name).values_list(field_name, flat=True)[lower : upper + 1])
    if len(found) == 1 or upper == lower:
        return float(found[0]), count
    return float(found[0]) + (float(found[1]) - float(found[0])) * (position - lower), count


# --- Sync health ---------------------------------------------------------------------------------


@dataclass
class SourceHealth:
    source: SourceSystem
    received: int = 0
    applied: int = 0
    rejected: int = 0
    pending: int = 0
    last_received_at: datetime | None = None
    oldest_pending_at: datetime | None = None
    median_seconds: float | None = None
    p95_seconds: float | None = None
    now: datetime = field(default_factory=timezone.now)

    @property
    def reject_rate(self) -> float | None:
        decided = self.applied + self.rejected
        return self.rejected / decided if decided else None

    @property
    def reject_percent(self) -> float | None:
        rate = self.reject_rate
        return None if rate is None else rate * 100

    @property
    def silence(self) -> timedelta | None:
        """How long since the system last sent anything."""
        return self.now - self.last_received_at if self.last_received_at else None

    @property
    def pending_lag(self) -> timedelta | None:
        """How long the oldest pending record has waited."""
        return self.now - self.oldest_pending_at if self.oldest_pending_at else None

    @property
    def is_silent(self) -> bool:
        if not self.source.is_active:
            return False
        # A source that never sent anything is silent once its first interval has passed.
        since = self.last_received_at or self.source.created_at
        return self.now - since > self.source.expected_frequency


def sync_health(
    sources: QuerySet | None = None, *, days: int = HEALTH_WINDOW_DAYS, now: datetime | None = None
) -> list[SourceHealth]:
    """Health of each source over the last `days`: one grouped query for the counts; the
    latency percentiles grouped by source on PostgreSQL, per source elsewhere."""
    now = now or timezone.now()
    since = now - timedelta(days=days)
    sources = list(
        (sources if sources is not None else SourceSystem.objects.all()).select_related(
            "owning_department"
        )
    )
    records = InboundRecord.objects.filter(source__in=sources)
    recent = records.filter(received_at__gte=since)
    counts = {
        row["source"]: row
        for row in recent.order_by()
        .values("source")
        .annotate(
            received=Count("id"),
            applied=Count("id", filter=Q(status=InboundRecord.Status.APPLIED)),
            rejected=Count("id", filter=Q(status=InboundRecord.Status.REJECTED)),
        )
    }
    # The last record per source through the (source, received_at) index, one subquery each;
    # pending rows through the status index: neither scans the whole log.
    last_received = dict(
        SourceSystem.objects.filter(pk__in=[source.pk for source in sources])
        .annotate(
            last=Subquery(
                InboundRecord.objects.filter(source=OuterRef("pk"))
                .order_by("-received_at")
                .values("received_at")[:1]
            )
        )
        .values_list("pk", "last")
    )
    pending = {
        row["source"]: row
        for row in records.filter(status=InboundRecord.Status.PENDING)
        .order_by()
        .values("source")
        .annotate(count=Count("id"), oldest=Min("received_at"))
    }
    applied = recent.filter(status=InboundRecord.Status.APPLIED)
    latency: dict[int, tuple] = {}
    if connection.vendor == "postgresql":
        for row in (
            applied.order_by()
            .values("source")
            .annotate(
                p50=PercentileCont("processing_seconds", 0.5),
                p95=PercentileCont("processing_seconds", 0.95),
            )
        ):
            latency[row["source"]] = (row["p50"], row["p95"])
    else:
        for source in sources:
            of_source = applied.filter(source=source)
            latency[source.pk] = (
                percentile(of_source, "processing_seconds", 0.5)[0],
                percentile(of_source, "processing_seconds", 0.95)[0],
            )
    health = []
    for source in sources:
        count = counts.get(source.pk, {})
        waiting = pending.get(source.pk, {})
        p50, p95 = latency.get(source.pk, (None, None))
        health.append(
            SourceHealth(
                source=source,
                received=count.get("received", 0),
                applied=count.get("applied", 0),
                rejected=count.get("rejected", 0),
                pending=waiting.get("count", 0),
                last_received_at=last_received.get(source.pk),
                oldest_pending_at=waiting.get("oldest"),
                median_seconds=p50,
                p95_seconds=p95,
                now=now,
            )
        )
    return health


def volume_by_day(
    source: SourceSystem, *, days: int = HEALTH_WINDOW_DAYS, now: datetime | None = None
) -> list[dict]:
    """Records received per day (local calendar days), by outcome, oldest first."""
    now = now or timezone.now()
    since = now - timedelta(days=days)
    rows = (
        InboundRecord.objects.filter(source=source, received_at__gte=since)
        .annotate(day=TruncDate("received_at", tzinfo=timezone.get_current_timezone()))
        .order_by()
        .values("day")
        .annotate(
            received=Count("id"),
            applied=Count("id", filter=Q(status=InboundRecord.Status.APPLIED)),
            rejected=Count("id", filter=Q(status=InboundRecord.Status.REJECTED)),
            pending=Count("id", filter=Q(status=InboundRecord.Status.PENDING)),
        )
        .order_by("day")
    )
    return list(rows)


def reject_rate_between(source: SourceSystem, start: datetime, end: datetime) -> tuple[int, int]:
    """(rejected, decided) among records received in [start, end)."""
    row = InboundRecord.objects.filter(
        source=source, received_at__gte=start, received_at__lt=end
    ).aggregate(
        rejected=Count("id", filter=Q(status=InboundRecord.Status.REJECTED)),
        decided=Count(
            "id",
            filter=Q(status__in=[InboundRecord.Status.REJECTED, InboundRecord.Status.APPLIED]),
        ),
    )
    return row["rejected"], row["decided"]


def accounting(queryset: QuerySet | None = None) -> dict[str, int]:
    """received = applied + rejected + pending: the invariant the pages show and tests check."""
    queryset = queryset if queryset is not None else InboundRecord.objects.all()
    return queryset.aggregate(
        received=Count("id"),
        applied=Count("id", filter=Q(status=InboundRecord.Status.APPLIED)),
        rejected=Count("id", filter=Q(status=InboundRecord.Status.REJECTED)),
        pending=Count("id", filter=Q(status=InboundRecord.Status.PENDING)),
    )


# --- Monthly evaluation report ---------------------------------------------------------------------


@dataclass
class MonthEvaluation:
    period: Period
    received: int
    applied: int
    rejected: int
    days_with_data: int
    days_in_period: int
    median_seconds: float | None
    p95_seconds: float | None

    @property
    def availability(self) -> float | None:
        return self.days_with_data / self.days_in_period if self.days_in_period else None

    @property
    def reject_rate(self) -> float | None:
        decided = self.applied + self.rejected
        return self.rejected / decided if decided else None

    @property
    def reject_percent(self) -> float | None:
        rate = self.reject_rate
        return None if rate is None else rate * 100

    @property
    def availability_percent(self) -> float | None:
        value = self.availability
        return None if value is None else value * 100


def evaluation_report(
    source: SourceSystem, period: Period, *, months: int = 6, now: datetime | None = None
) -> list[MonthEvaluation]:
    """The seed's "evaluate the systems periodically": for `period` and the months before it,
    availability (days with data / days elapsed), volume, rejects and latency."""
    now = now or timezone.now()
    periods = [period.shift(-offset) for offset in range(months - 1, -1, -1)]
    start, end = periods[0].start, periods[-1].end
    records = InboundRecord.objects.filter(
        source=source, received_at__gte=start, received_at__lt=end
    )
    zone = timezone.get_current_timezone()
    by_day = (
        records.annotate(day=TruncDate("received_at", tzinfo=zone))
        .order_by()
        .values("day")
        .annotate(
            received=Count("id"),
            applied=Count("id", filter=Q(status=InboundRecord.Status.APPLIED)),
            rejected=Count("id", filter=Q(status=InboundRecord.Status.REJECTED)),
        )
    )
    totals: dict[date, dict] = defaultdict(
        lambda: {"received": 0, "applied": 0, "rejected": 0, "days": 0}
    )
    for row in by_day:
        month = row["day"].replace(day=1)
        bucket = totals[month]
        bucket["received"] += row["received"]
        bucket["applied"] += row["applied"]
        bucket["rejected"] += row["rejected"]
        bucket["days"] += 1
    report = []
    for month in periods:
        bucket = totals[month.start_date]
        elapsed_end = min(month.end, max(now, month.start))
        days = math.ceil((elapsed_end - month.start).total_seconds() / 86400)
        applied = InboundRecord.objects.filter(
            source=source,
            status=InboundRecord.Status.APPLIED,
            received_at__gte=month.start,
            received_at__lt=month.end,
        )
        report.append(
            MonthEvaluation(
                period=month,
                received=bucket["received"],
                applied=bucket["applied"],
                rejected=bucket["rejected"],
                days_with_data=bucket["days"],
                days_in_period=days,
                median_seconds=percentile(applied, "processing_seconds", 0.5)[0],
                p95_seconds=percentile(applied, "processing_seconds", 0.95)[0],
            )
        )
    return report


# --- Batches and records ------------------------------------------------------------------------------


def batch_status(batch: InboundBatch) -> dict:
    counts = accounting(batch.records.all())
    records = list(
        batch.records.order_by("id").values(
            "id", "submitted_key", "status", "reason", "errors", "applied_at"
        )
    )
    return {
        "batch": batch.pk,
        "source": batch.source.code,
        "record_type": batch.record_type,
        "mode": batch.mode,
        "received_at": batch.received_at,
        "status": "pending" if counts["pending"] else "completed",
        "counts": {
            **counts,
            "duplicate": batch.duplicate_count,
            "conflict": batch.conflict_count,
        },
        "records": [
            {
                "record": row["id"],
                "idempotency_key": row["submitted_key"],
                "status": row["status"],
                "reason": row["reason"],
                "errors": row["errors"],
                "applied_at": row["applied_at"],
            }
            for row in records
        ],
    }


def list_records(
    *, source: SourceSystem | None = None, status: str = "", record_type: str = ""
) -> QuerySet:
    records = InboundRecord.objects.select_related("source")
    if source is not None:
        records = records.filter(source=source)
    if status in InboundRecord.Status.values:
        records = records.filter(status=status)
    if record_type:
        records = records.filter(record_type=record_type)
    return records.order_by("-received_at", "-id")


# --- Data inventory and sharing matrix -----------------------------------------------------------------


def last_updated_by_data_set(data_sets: list[DataSet]) -> dict[int, datetime | None]:
    """When each data set last received an applied record, from the ingest log (one query)."""
    sources = {data_set.owning_system_id for data_set in data_sets}
    latest = {
        (row["source"], row["record_type"]): row["last"]
        for row in InboundRecord.objects.filter(
            source__in=sources, status=InboundRecord.Status.APPLIED
        )
        .order_by()
        .values("source", "record_type")
        .annotate(last=Max("applied_at"))
    }
    result = {}
    for data_set in data_sets:
        moments = [
            latest[(data_set.owning_system_id, name)]
            for name in data_set.record_types
            if latest.get((data_set.owning_system_id, name))
        ]
        result[data_set.pk] = max(moments) if moments else None
    return result


@dataclass
class MatrixCell:
    department: Department
    is_owner: bool
    grant: SharingGrant | None

    @property
    def required(self) -> bool:
        return bool(self.grant and self.grant.required)

    @property
    def granted(self) -> bool:
        return bool(self.grant and self.grant.granted)


@dataclass
class MatrixRow:
    data_set: DataSet
    last_updated: datetime | None
    cells: list[MatrixCell]


def sharing_matrix() -> tuple[list[Department], list[MatrixRow], dict]:
    departments = list(Department.objects.order_by("code"))
    data_sets = list(
        DataSet.objects.select_related("owning_system", "owning_department").order_by(
            "domain", "code"
        )
    )
    grants = {
        (grant.data_set_id, grant.department_id): grant
        for grant in SharingGrant.objects.select_related("granted_by")
    }
    updated = last_updated_by_data_set(data_sets)
    rows = [
        MatrixRow(
            data_set=data_set,
            last_updated=updated.get(data_set.pk),
            cells=[
                MatrixCell(
                    department=department,
                    is_owner=department.pk == data_set.owning_department_id,
                    grant=grants.get((data_set.pk, department.pk)),
                )
                for department in departments
            ],
        )
        for data_set in data_sets
    ]
    return departments, rows, sharing_rate()


def sharing_rate(at: datetime | None = None) -> dict:
    """Required (data set, department) pairs granted on the platform / pairs required, as the
    matrix stood at `at` (now by default). DESIGN.md §4 integration.data_sharing_rate."""
    at = at or timezone.now()
    required = Q(required=True) & (Q(required_since__isnull=True) | Q(required_since__lt=at))
    row = SharingGrant.objects.filter(required).aggregate(
        required=Count("id"), granted=Count("id", filter=Q(granted_at__lt=at))
    )
    row["rate"] = row["granted"] / row["required"] if row["required"] else None
    row["percent"] = None if row["rate"] is None else row["rate"] * 100
    return row


def data_set_records(data_set: DataSet, *, since: datetime | None = None) -> QuerySet:
    """The applied records making up a shared data set, oldest first (stable for paging)."""
    records = InboundRecord.objects.filter(
        source_id=data_set.owning_system_id,
        record_type__in=data_set.record_types,
        status=InboundRecord.Status.APPLIED,
    )
    if since is not None:
        records = records.filter(applied_at__gte=since)
    return records.order_by("applied_at", "id")
