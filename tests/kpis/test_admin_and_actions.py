"""Target edits are audited; the admin pages load; baselines by hand need a reason."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from kpis import actions
from kpis.engine import targets_in_force
from kpis.models import KpiDefinition, KpiTarget
from qc_portal.models import AuditEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_setting_targets_adds_a_version_and_is_audited(definitions, head_office):
    kpi = KpiDefinition.objects.get(code="test.wait")
    actions.set_targets(
        kpi,
        conditions=[{"kind": "absolute", "comparator": "lte", "value": 300}],
        effective_from=date(2026, 1, 1),
        actor=head_office,
    )
    actions.set_targets(
        kpi,
        conditions=[
            {"kind": "absolute", "comparator": "lte", "value": 30},
            {"kind": "relative", "comparator": "lte", "factor": "0.8"},
        ],
        effective_from=date(2026, 7, 1),
        actor=head_office,
    )
    assert [t.describe() for t in targets_in_force(kpi, date(2026, 6, 30))[None]] == ["≤ 300 s"]
    assert [t.describe() for t in targets_in_force(kpi, date(2026, 7, 1))[None]] == [
        "≤ 30 s",
        "≤ 0.8 × baseline",
    ]
    events = AuditEvent.objects.filter(action="kpi.targets_set", target_id=str(kpi.pk))
    assert events.count() == 2 and events.first().actor == head_office


def test_only_head_office_sets_targets_and_input_is_checked(
    definitions, branch_manager, head_office
):
    kpi = KpiDefinition.objects.get(code="test.wait")
    with pytest.raises(PermissionDenied):
        actions.set_targets(
            kpi,
            conditions=[{"kind": "absolute", "comparator": "lte", "value": 1}],
            effective_from=date(2026, 1, 1),
            actor=branch_manager,
        )
    for conditions in (
        [],
        [{"kind": "absolute", "comparator": "lte", "value": None}],
        [{"kind": "absolute", "comparator": "~", "value": 1}],
        [{"kind": "relative", "comparator": "lte", "factor": 0}],
    ):
        with pytest.raises(ValidationError):
            actions.set_targets(
                kpi, conditions=conditions, effective_from=date(2026, 1, 1), actor=head_office
            )
    assert not KpiTarget.objects.filter(kpi=kpi).exists()


def test_manual_baseline_needs_a_reason(definitions, head_office):
    kpi = KpiDefinition.objects.get(code="test.wait")
    with pytest.raises(ValidationError):
        actions.enter_baseline(kpi, value=100, reason=" ", actor=head_office)
    baseline = actions.enter_baseline(kpi, value=100, reason="2025 audit report", actor=head_office)
    assert baseline.source == "manual"
    assert AuditEvent.objects.filter(action="kpi.baseline_entered").exists()


def test_admin_pages_load_and_target_edits_are_audited(definitions):
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    for model in ("kpidefinition", "kpitarget", "kpibaseline", "kpiresult", "jobrun", "initiative"):
        assert client.get(f"/admin/kpis/{model}/").status_code == 200, model
    assert client.get("/admin/kpis/kpiresult/add/").status_code == 403
    kpi = KpiDefinition.objects.get(code="test.csat")
    response = client.post(
        "/admin/kpis/kpitarget/add/",
        {
            "kpi": kpi.pk,
            "kind": "absolute",
            "comparator": "gte",
            "value": "0.9",
            "factor": "1",
            "divisor": "1",
            "effective_from": "2026-12-01",
            "note": "board decision",
        },
    )
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="kpi.target_saved", actor=admin).exists()


def test_admin_baseline_needs_a_reason_and_is_saved_as_manual(definitions):
    from kpis.models import KpiBaseline

    admin = UserFactory(username="root2", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    kpi = KpiDefinition.objects.get(code="test.wait")
    refused = client.post(
        "/admin/kpis/kpibaseline/add/", {"kpi": kpi.pk, "value": "120", "reason": ""}
    )
    assert refused.status_code == 200 and not KpiBaseline.objects.exists()
    saved = client.post(
        "/admin/kpis/kpibaseline/add/", {"kpi": kpi.pk, "value": "120", "reason": "2025 report"}
    )
    assert saved.status_code == 302
    assert KpiBaseline.objects.get(kpi=kpi).source == "manual"
