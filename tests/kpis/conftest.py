"""Test-only KPIs: the registry is swapped for one holding only these, so the engine is tested
without the measure apps (whose real KPIs arrive with their own issues)."""

from __future__ import annotations

import pytest

from kpis import registry
from kpis.registry import BANK, Measurement

# period key -> {branch id | None: Measurement}; tests fill it.
FAKE_DATA: dict[str, dict] = {}


def _fake(period):
    return dict(FAKE_DATA.get(str(period), {}))


def _broken(period):
    raise RuntimeError("the source table is gone")


def _alerts_per_branch(period):
    """A real grouped query: alerts raised in the period, per branch and for the bank."""
    from django.db.models import Count

    from qc_portal.models import Alert

    rows = (
        Alert.objects.filter(created_at__gte=period.start, created_at__lt=period.end)
        .values("branch")
        .annotate(n=Count("id"))
    )
    result = {row["branch"]: Measurement(row["n"], 1, row["n"]) for row in rows if row["branch"]}
    result[BANK] = Measurement(sum(row["n"] for row in rows), 1, sum(row["n"] for row in rows))
    return result


TEST_KPIS = [
    dict(
        code="test.bank_only",
        measure=4,
        period_kind="month",
        unit="percent",
        direction="higher",
        compute=_fake,
        scopes=("bank",),
    ),
    dict(
        code="test.csat",
        measure=1,
        period_kind="month",
        unit="percent",
        direction="higher",
        compute=_fake,
    ),
    dict(
        code="test.wait",
        measure=1,
        period_kind="month",
        unit="seconds",
        direction="lower",
        compute=_fake,
    ),
    dict(
        code="test.broken",
        measure=2,
        period_kind="month",
        unit="percent",
        direction="higher",
        compute=_broken,
    ),
    dict(
        code="test.npl",
        measure=3,
        period_kind="quarter",
        unit="percent",
        direction="lower",
        compute=_fake,
    ),
    dict(
        code="test.alerts",
        measure=5,
        period_kind="month",
        unit="count",
        direction="lower",
        compute=_alerts_per_branch,
    ),
]


@pytest.fixture(autouse=True)
def test_registry(monkeypatch):
    monkeypatch.setattr(registry, "_REGISTRY", {})
    for spec in TEST_KPIS:
        spec = dict(spec)
        compute = spec.pop("compute")
        registry.kpi(
            title_zh=spec["code"] + " 中文",
            title_en=spec["code"] + " en",
            definition_zh="测试定义",
            definition_en="test definition",
            **spec,
        )(compute)
    FAKE_DATA.clear()
    yield registry._REGISTRY
    FAKE_DATA.clear()


@pytest.fixture
def fake_data():
    return FAKE_DATA


@pytest.fixture
def definitions(db, test_registry):
    from kpis.engine import sync_definitions

    return sync_definitions()
