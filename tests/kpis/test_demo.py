"""kpis.demo: results for the last 12 months and 4 quarters, plan progress, safe to run twice."""

import random
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from kpis import demo
from kpis.models import KpiResult, PlanStep
from kpis.registry import BANK, Measurement
from qc_portal.demo import DemoContext, seed_organisation
from qc_portal.models import Alert

pytestmark = pytest.mark.django_db


def test_demo_computes_periods_and_seeds_plan_progress(fake_data, settings):
    settings.QC_PROGRAMME_START = datetime(2026, 4, 1).date()
    now = datetime(2026, 11, 20, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    context = DemoContext(seed=1, scale="small", rng=random.Random(1), now=now)
    seed_organisation(context)
    fake_data["2026-10"] = {BANK: Measurement(90, 100, 100)}
    demo.seed(context)
    months = set(
        KpiResult.objects.filter(kpi__code="test.csat").values_list("period_key", flat=True)
    )
    quarters = set(
        KpiResult.objects.filter(kpi__code="test.npl").values_list("period_key", flat=True)
    )
    assert len(months) == 12 and min(months) == "2025-12" and max(months) == "2026-11"
    assert quarters == {"2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"}
    late = PlanStep.objects.get(initiative__number=4, order=3)
    assert late.done_at is None
    assert PlanStep.objects.filter(done_at__isnull=False).count() == 14
    assert Alert.objects.filter(key=f"plan-step-overdue:{late.pk}").exists()
    count = KpiResult.objects.count()
    demo.seed(context)  # twice: same rows
    assert KpiResult.objects.count() == count
