"""Demo data for measure 1: a year of service records per branch with daily and weekly peaks
(lunchtime, the Monday rush), a visible improvement after the programme start (shorter waits
and handling, faster answers, more chatbot containment, happier customers), feedback, rosters
that leave some peak hours short, and a few customers waiting right now.

Bulk inserts in batches, one branch at a time, so `--scale bank` (500 branches) creates
millions of records without holding them in memory.
"""

from __future__ import annotations

import io
import math
import os
import time as clock
from datetime import date, datetime, time, timedelta
from typing import NamedTuple

from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils import timezone

from qc_portal.models import Customer, StaffProfile
from qc_portal.roles import Role
from services.models import Channel, Feedback, Outcome, Roster, ServiceRecord, ServiceType

BATCH = 5000
OPEN_HOURS = range(9, 17)  # 09:00–17:00
HOUR_FACTOR = {9: 0.8, 10: 1.1, 11: 1.3, 12: 1.8, 13: 1.5, 14: 1.0, 15: 0.9, 16: 0.7}
WEEKDAY_FACTOR = {0: 1.45, 1: 1.0, 2: 0.95, 3: 1.0, 4: 1.15, 5: 0.6, 6: 0.4}
# Contacts per open hour at a full-size branch, by channel (before peaks).
# At bank scale every branch is full size: ~20,000 records a year each, 10 million for 500
# branches (the [performance] issue's size). QC_DEMO_BANK_FRACTION (env, default 1) scales
# that down for a quicker run; the rows/s it reports projects the full size's time.
VOLUME = {"small": 0.5, "medium": 9.0, "bank": 6.4}
CHANNEL_SHARE = [
    (Channel.COUNTER, 0.5),
    (Channel.PHONE, 0.3),
    (Channel.ONLINE, 0.08),
    (Channel.CHATBOT, 0.12),
]
TYPE_WEIGHTS = [
    (ServiceType.DEPOSIT_WITHDRAWAL, 30, 1.0),
    (ServiceType.TRANSFER, 20, 0.9),
    (ServiceType.ACCOUNT_OPENING, 8, 1.8),
    (ServiceType.CARD, 15, 1.1),
    (ServiceType.LOAN_ENQUIRY, 8, 1.5),
    (ServiceType.WEALTH, 7, 1.6),
    (ServiceType.OTHER, 12, 0.8),
]
TYPES = [t for t, _w, _h in TYPE_WEIGHTS]
TYPE_W = [w for _t, w, _h in TYPE_WEIGHTS]
TYPE_HANDLING = {t: h for t, _w, h in TYPE_WEIGHTS}


def _progress(day: date, start: date) -> float:
    """0 before the programme, rising to 1 four months after its start."""
    if day < start:
        return 0.0
    return min(1.0, (day - start).days / 120)


def seed(context) -> None:
    if ServiceRecord.objects.exists():
        context.notes.append("services: demo records already present, skipped")
        return
    rng = context.rng
    tz = timezone.get_current_timezone()
    now = context.now
    today = timezone.localdate(now)
    first_day = today - timedelta(days=365)
    start = context.programme_start
    volume = VOLUME.get(context.scale, 6.0)
    if context.scale == "bank":
        volume *= float(os.environ.get("QC_DEMO_BANK_FRACTION", "1"))
    agents = {}
    for branch_id, user_id in StaffProfile.objects.filter(
        user__groups__name=Role.SERVICE_AGENT
    ).values_list("branch_id", "user_id"):
        agents.setdefault(branch_id, []).append(user_id)
    customers = {}
    for branch_id, customer_id in Customer.objects.values_list("home_branch_id", "id"):
        customers.setdefault(branch_id, []).append(customer_id)
    total = 0
    inserters = (
        FastInserter(ServiceRecord, RECORD_COLUMNS),
        FastInserter(Feedback, FEEDBACK_COLUMNS),
    )
    # The two demo managers' branches are double size; the rest smaller, so `make demo` stays
    # fast — except at bank scale, where every branch is full size.
    other = 1.0 if context.scale == "bank" else 0.2
    # One bar counting rows (estimated total: size x peak hours x weekdays x days).
    per_size = sum(HOUR_FACTOR.values()) * sum(WEEKDAY_FACTOR.values()) / 7 * 366
    branches = len(context.branches)
    estimate = int(volume * per_size * (min(2, branches) * 2.0 + max(0, branches - 2) * other))
    bar = context.progress(total=estimate, desc="service records")
    started = clock.monotonic()
    for index, branch in enumerate(context.branches):
        size = volume * (2.0 if index < 2 else other) * rng.uniform(0.85, 1.15)
        branch_agents = agents.get(branch.pk) or [None]
        branch_customers = customers.get(branch.pk) or [None]
        with transaction.atomic():
            total += _seed_branch(
                context,
                branch,
                size,
                first_day,
                today,
                now,
                start,
                tz,
                branch_agents,
                branch_customers,
                inserters,
                bar,
            )
            _seed_roster(context, branch, size, today)
    bar.close()
    elapsed = clock.monotonic() - started
    if context.scale == "bank":
        arrival_order()
    for inserter in inserters:
        inserter.finish()
    _seed_live(context, now)
    _seed_demo_customer(context, now)
    context.notes.append(
        f"services: {total:,} service records over 12 months in {len(context.branches)} branches"
        f" ({total / max(elapsed, 1e-9):,.0f} records/s with their feedback and rosters)"
    )


def arrival_order() -> None:
    """Rewrite the records table in arrival order (PostgreSQL only). The demo writes branch by
    branch; a live system appends contacts as they arrive, so its table is in time order — the
    layout the KPI queries (and BRIN indexes) meet in production and the benchmarks must see."""
    if connection.vendor != "postgresql":
        return
    table = connection.ops.quote_name(ServiceRecord._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE INDEX demo_arrival_order ON {table} (arrived_at)")
        cursor.execute(f"CLUSTER {table} USING demo_arrival_order")
        cursor.execute("DROP INDEX demo_arrival_order")
        cursor.execute(f"ANALYZE {table}")


RECORD_COLUMNS = [
    "id",
    "branch_id",
    "channel",
    "service_type",
    "customer_id",
    "agent_id",
    "ticket_number",
    "counter_number",
    "arrived_at",
    "called_at",
    "finished_at",
    "call_count",
    "outcome",
    "wait_seconds",
    "handling_seconds",
    "source_code",
    "external_id",
]
FEEDBACK_COLUMNS = ["id", "service_record_id", "rating", "comment", "via", "rated_at"]


class FastInserter:
    """Plain multi-row INSERTs with ids assigned here: a few times faster than bulk_create
    (no model instances, no per-field preparation), on SQLite and PostgreSQL alike. Only for
    seeding, when nothing else writes these tables; sequences are reset afterwards."""

    def __init__(self, model, columns):
        self.model, self.columns = model, columns
        self.next_id = (model.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
        self.adapt = connection.ops.adapt_datetimefield_value
        self.table = connection.ops.quote_name(model._meta.db_table)
        self.names = ", ".join(connection.ops.quote_name(c) for c in columns)
        self.sql = f"INSERT INTO {self.table} ({self.names}) VALUES "
        self.placeholders = "(" + ", ".join(["%s"] * len(columns)) + ")"

    def take_id(self) -> int:
        self.next_id += 1
        return self.next_id - 1

    def insert(self, rows: list[tuple]) -> None:
        if not rows:
            return
        with connection.cursor() as cursor:
            raw = getattr(cursor, "cursor", None)
            if connection.vendor == "postgresql" and hasattr(raw, "copy_expert"):
                # COPY is PostgreSQL's bulk path: one stream, no per-row statement.
                buffer = io.StringIO()
                for row in rows:
                    buffer.write("\t".join("\\N" if value is None else str(value) for value in row))
                    buffer.write("\n")
                buffer.seek(0)
                raw.copy_expert(f"COPY {self.table} ({self.names}) FROM STDIN", buffer)
                return
            step = max(1, 900 // len(self.columns)) if connection.vendor == "sqlite" else 2000
            for offset in range(0, len(rows), step):
                chunk = rows[offset : offset + step]
                cursor.execute(
                    self.sql + ", ".join([self.placeholders] * len(chunk)),
                    [value for row in chunk for value in row],
                )

    def finish(self) -> None:
        statements = connection.ops.sequence_reset_sql(no_style(), [self.model])
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)


def _seed_branch(
    context, branch, size, first_day, today, now, start, tz, agent_ids, customer_ids, inserters, bar
) -> int:
    rng = context.rng
    record_inserter, feedback_inserter = inserters
    adapt = record_inserter.adapt
    records: list[tuple] = []
    feedback: list[tuple] = []
    created = 0
    day = first_day
    while day <= today:
        progress = _progress(day, start)
        weekday = WEEKDAY_FACTOR[day.weekday()]
        for hour in OPEN_HOURS:
            opening = datetime.combine(day, time(hour), tzinfo=tz)
            if opening + timedelta(hours=1) > now:
                break
            peak = HOUR_FACTOR[hour] * weekday
            expected = size * peak
            count = max(0, int(rng.gauss(expected, math.sqrt(expected))))
            for _n in range(count):
                channel = _pick_channel(rng, progress)
                record = _record(
                    rng, branch, channel, opening, peak, progress, agent_ids, customer_ids
                )
                record_id = record_inserter.take_id()
                records.append(
                    (
                        record_id,
                        branch.pk,
                        record.channel,
                        record.service_type,
                        record.customer_id,
                        record.agent_id,
                        record.ticket_number,
                        "",
                        adapt(record.arrived_at),
                        adapt(record.called_at),
                        adapt(record.finished_at),
                        record.call_count,
                        record.outcome,
                        record.wait_seconds,
                        record.handling_seconds,
                        "",
                        "",
                    )
                )
                if (
                    record.outcome in (Outcome.SERVED, Outcome.RESOLVED_BY_ASSISTANT)
                    and rng.random() < 0.22
                ):
                    rated = min(now, record.finished_at + timedelta(minutes=rng.randrange(2, 2880)))
                    feedback.append(
                        (
                            feedback_inserter.take_id(),
                            record_id,
                            _rating(rng, progress, record),
                            "",
                            "mobile" if rng.random() < 0.6 else "web",
                            adapt(rated),
                        )
                    )
        if len(records) >= BATCH:
            record_inserter.insert(records)
            feedback_inserter.insert(feedback)
            bar.update(len(records))
            created += len(records)
            records, feedback = [], []
        day += timedelta(days=1)
    record_inserter.insert(records)
    feedback_inserter.insert(feedback)
    bar.update(len(records))
    return created + len(records)


def _pick_channel(rng, progress: float) -> str:
    # The assistant takes over some simple enquiries once the programme runs.
    roll = rng.random()
    chatbot = 0.12 + 0.08 * progress
    if roll < chatbot:
        return Channel.CHATBOT
    roll = (roll - chatbot) / (1 - chatbot)
    return Channel.COUNTER if roll < 0.56 else Channel.PHONE if roll < 0.9 else Channel.ONLINE


class Row(NamedTuple):
    channel: str
    service_type: str
    customer_id: int | None
    agent_id: int | None
    ticket_number: str
    arrived_at: datetime
    called_at: datetime | None
    finished_at: datetime
    call_count: int
    outcome: str
    wait_seconds: int | None
    handling_seconds: int | None


def _record(rng, branch, channel, opening, peak, progress, agent_ids, customer_ids) -> Row:
    service_type = rng.choices(TYPES, TYPE_W)[0]
    arrived = opening + timedelta(seconds=rng.randrange(3600))
    customer_id = rng.choice(customer_ids) if rng.random() < 0.35 else None
    agent_id = rng.choice(agent_ids)
    called = finished = None
    ticket = ""
    if channel == Channel.COUNTER:
        ticket = f"{rng.randrange(1, 400):03d}"
        mean_wait = (560 - 190 * progress) * (0.55 + 0.45 * peak)
        mean_handling = (335 - 70 * progress) * TYPE_HANDLING[service_type]
        roll = rng.random()
        if roll < 0.05 - 0.025 * progress:
            outcome, wait = Outcome.ABANDONED, None
        elif roll < 0.07 - 0.025 * progress:
            outcome, wait = Outcome.NO_SHOW, rng.expovariate(1 / mean_wait)
        else:
            outcome = Outcome.TRANSFERRED if rng.random() < 0.03 else Outcome.SERVED
            wait = rng.expovariate(1 / mean_wait)
        handling = (
            max(40.0, rng.gauss(mean_handling, mean_handling * 0.35))
            if outcome != Outcome.NO_SHOW
            else 0
        )
    elif channel == Channel.PHONE:
        mean_wait = (46 - 22 * progress) * (0.6 + 0.4 * peak)
        mean_handling = (210 - 35 * progress) * TYPE_HANDLING[service_type] ** 0.5
        if rng.random() < 0.09 - 0.045 * progress:
            outcome, wait = Outcome.ABANDONED, None
        else:
            outcome = Outcome.TRANSFERRED if rng.random() < 0.05 else Outcome.SERVED
            wait = rng.expovariate(1 / mean_wait)
        handling = max(20.0, rng.gauss(mean_handling, mean_handling * 0.4))
    elif channel == Channel.ONLINE:
        outcome, wait = Outcome.SERVED, rng.expovariate(1 / (95 - 45 * progress))
        handling = max(30.0, rng.gauss(360, 120))
    else:
        agent_id = None
        contained = rng.random() < 0.55 + 0.17 * progress
        outcome = Outcome.RESOLVED_BY_ASSISTANT if contained else Outcome.TRANSFERRED
        wait, handling = 1.0, max(15.0, rng.gauss(110, 40))
    if wait is not None:
        called = arrived + timedelta(seconds=int(wait))
        finished = called + timedelta(seconds=int(handling))
    else:
        finished = arrived + timedelta(seconds=int(rng.expovariate(1 / 240)))
    wait_seconds = int((called - arrived).total_seconds()) if called else None
    handling_seconds = int((finished - called).total_seconds()) if called else None
    return Row(
        channel,
        service_type,
        customer_id,
        agent_id if called else None,
        ticket,
        arrived,
        called,
        finished,
        1 if called else 0,
        outcome,
        wait_seconds,
        handling_seconds,
    )


def _rating(rng, progress: float, record: Row) -> int:
    satisfied = 0.78 + 0.11 * progress
    if record.wait_seconds and record.wait_seconds > 900:
        satisfied -= 0.2
    if rng.random() < satisfied:
        return 5 if rng.random() < 0.55 + 0.05 * progress else 4
    return rng.choices([3, 2, 1], [6, 2, 1])[0]


def _seed_roster(context, branch, size, today) -> None:
    """Flat rosters planned around the average hour: the lunchtime and Monday peaks come out short."""
    rng = context.rng
    first = today - timedelta(days=today.weekday()) - timedelta(weeks=8)
    rows = []
    counter_staff = max(1, round(size * 0.5 * 400 / 3600 * 1.9))
    phone_staff = max(1, round(size * 0.3 * 200 / 3600 * 2.2))
    for offset in range(7 * 10):
        day = first + timedelta(days=offset)
        if day.weekday() == 6:
            continue
        for hour in OPEN_HOURS:
            lunch_cover = (
                -1 if hour == 12 and rng.random() < 0.5 else 0
            )  # staff at lunch themselves
            rows.append(
                Roster(
                    branch_id=branch.pk,
                    channel=Channel.COUNTER,
                    date=day,
                    hour=hour,
                    staff_count=max(1, counter_staff + lunch_cover),
                )
            )
            rows.append(
                Roster(
                    branch_id=branch.pk,
                    channel=Channel.PHONE,
                    date=day,
                    hour=hour,
                    staff_count=phone_staff,
                )
            )
    Roster.objects.bulk_create(rows, batch_size=BATCH, ignore_conflicts=True)


def _seed_live(context, now) -> None:
    """Customers waiting right now at the first branches, so the board has something to show
    (the first one long enough to breach its threshold)."""
    rng = context.rng
    rows = []
    for position, branch in enumerate(context.branches[:3]):
        waiting = 18 if position == 0 else 5
        for n in range(waiting):
            arrived = now - timedelta(seconds=60 + n * rng.randrange(40, 90))
            rows.append(
                ServiceRecord(
                    branch_id=branch.pk,
                    channel=Channel.COUNTER,
                    service_type=rng.choice(TYPES),
                    arrived_at=arrived,
                    ticket_number=f"A{900 + n:03d}",
                )
            )
        rows.append(
            ServiceRecord(
                branch_id=branch.pk, channel=Channel.PHONE, arrived_at=now - timedelta(seconds=25)
            )
        )
    ServiceRecord.objects.bulk_create(rows)


def _seed_demo_customer(context, now) -> None:
    """The demo customer login gets recent services, some not yet rated."""
    user = context.logins.get(Role.CUSTOMER)
    customer = Customer.objects.filter(user=user).first() if user else None
    if customer is None:
        return
    agent = context.logins.get(Role.SERVICE_AGENT)
    rows = []
    for days, channel, service_type in (
        (1, Channel.COUNTER, ServiceType.CARD),
        (6, Channel.PHONE, ServiceType.LOAN_ENQUIRY),
        (20, Channel.COUNTER, ServiceType.TRANSFER),
    ):
        arrived = now - timedelta(days=days, hours=2)
        record = ServiceRecord(
            branch_id=customer.home_branch_id,
            channel=channel,
            service_type=service_type,
            customer=customer,
            agent=agent,
            arrived_at=arrived,
            called_at=arrived + timedelta(minutes=6),
            finished_at=arrived + timedelta(minutes=11),
            call_count=1,
            outcome=Outcome.SERVED,
        )
        record.refresh_durations()
        rows.append(record)
    ServiceRecord.objects.bulk_create(rows)
    Feedback.objects.create(
        service_record=rows[-1],
        rating=5,
        comment="办理很快",
        rated_at=rows[-1].finished_at + timedelta(hours=1),
    )
