"""Seeding: the services demo generator (Python rows streamed with COPY, as `seed_demo --scale
bank` runs it) vs. a plain PostgreSQL COPY of exactly the rows it produced, into the same
tables with the same indexes, in the same run. Both are rolled back: the bank stays as it is.
BENCH_SEED_BRANCHES (default 5) full-size branch-years are generated (~20,000 records each)."""

from __future__ import annotations

import io
import os
import random
import time
from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone

from bench import BenchResult, benchmark, require_postgresql


class _Rollback(Exception):
    pass


class _Bar:
    def update(self, n):
        pass


def _copy_out(cursor, table: str, columns: list[str], first_id: int) -> io.StringIO:
    buffer = io.StringIO()
    names = ", ".join(columns)
    cursor.copy_expert(
        f"COPY (SELECT {names} FROM {table} WHERE id >= {int(first_id)} ORDER BY id) TO STDOUT",
        buffer,
    )
    buffer.seek(0)
    return buffer


@benchmark("seeding_services")
def seeding_services() -> BenchResult:
    from qc_portal.demo import DemoContext
    from qc_portal.models import Branch, Customer, StaffProfile
    from qc_portal.roles import Role
    from services import demo
    from services.models import Feedback, ServiceRecord

    require_postgresql()
    count = int(os.environ.get("BENCH_SEED_BRANCHES", "5"))
    branches = list(Branch.objects.order_by("-id")[:count])
    context = DemoContext(seed=7, scale="bank", rng=random.Random(7), now=timezone.now())
    tz = timezone.get_current_timezone()
    today = timezone.localdate(context.now)
    volume = demo.VOLUME["bank"]
    agents = list(
        StaffProfile.objects.filter(
            branch__in=branches, user__groups__name=Role.SERVICE_AGENT
        ).values_list("user_id", flat=True)
    ) or [None]
    customers = list(
        Customer.objects.filter(home_branch__in=branches).values_list("id", flat=True)[:2000]
    ) or [None]
    tables = [
        (ServiceRecord._meta.db_table, demo.RECORD_COLUMNS),
        (Feedback._meta.db_table, demo.FEEDBACK_COLUMNS),
    ]
    dumps = []
    generated = 0
    seconds = 0.0
    try:
        with transaction.atomic():
            inserters = (
                demo.FastInserter(ServiceRecord, demo.RECORD_COLUMNS),
                demo.FastInserter(Feedback, demo.FEEDBACK_COLUMNS),
            )
            firsts = [inserter.next_id for inserter in inserters]
            started = time.perf_counter()
            for branch in branches:
                generated += demo._seed_branch(
                    context,
                    branch,
                    volume,
                    today - timedelta(days=365),
                    today,
                    context.now,
                    context.programme_start,
                    tz,
                    agents,
                    customers,
                    inserters,
                    _Bar(),
                )
            seconds = time.perf_counter() - started
            with connection.cursor() as cursor:
                raw = cursor.cursor
                for (table, columns), first in zip(tables, firsts, strict=True):
                    dumps.append(_copy_out(raw, table, columns, first))
            raise _Rollback
    except _Rollback:
        pass
    feedback_rows = dumps[1].getvalue().count("\n")
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                raw = cursor.cursor
                started = time.perf_counter()
                for (table, columns), dump in zip(tables, dumps, strict=True):
                    raw.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", dump)
                copy_seconds = time.perf_counter() - started
            raise _Rollback
    except _Rollback:
        pass
    rows = generated + feedback_rows
    return BenchResult(
        "seeding_services",
        rows / seconds,
        rows / copy_seconds,
        "rows/s",
        ">= 0.25x COPY of the same rows",
        extra={
            "records": generated,
            "feedback": feedback_rows,
            "branches": len(branches),
            "seed_s": round(seconds, 2),
            "copy_s": round(copy_seconds, 2),
        },
    )
