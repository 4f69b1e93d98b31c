"""Shared data-set reads by grant and sensitivity; the KPI formulas; sync-health alerts."""

from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from integration import actions, queries
from integration.metrics import data_sharing_rate, processing_time
from integration.models import DataSet, InboundRecord, SharingGrant
from integration.monitoring import check_sync_health
from qc_portal.models import Alert, Department
from qc_portal.periods import Period, bank_tz
from tests.factories import make_staff

pytestmark = pytest.mark.django_db


def department(code):
    return Department.objects.get(code=code)


@pytest.fixture
def data_set(source_and_secret, push, integration_admin):
    source, secret = source_and_secret
    push(source, secret, [{"idempotency_key": f"n-{n}", "text": f"t{n}"} for n in range(3)])
    return actions.create_data_set(
        code="notes",
        name_zh="记录",
        name_en="Notes",
        domain="service",
        owning_system=source,
        owning_department=department("customer_service"),
        record_types=["test_note"],
        sensitivity="internal",
        refresh_frequency="realtime",
        actor=integration_admin,
    )


class TestDataSetAccess:
    url = "/api/v1/datasets/notes/records/"

    def test_granted_department_reads_the_records(
        self, data_set, api_as, risk_manager, integration_admin
    ):
        actions.set_sharing(
            data_set, department("risk"), required=True, granted=True, actor=integration_admin
        )
        response = api_as(risk_manager).get(self.url)
        assert response.status_code == 200
        body = response.json()
        assert body["count"] == 3
        first = body["results"][0]
        assert first["data"] == {"text": "t0"}
        assert first["idempotency_key"] == "n-0"

    def test_required_but_not_granted_is_forbidden(
        self, data_set, api_as, risk_manager, integration_admin
    ):
        actions.set_sharing(data_set, department("risk"), required=True, actor=integration_admin)
        response = api_as(risk_manager).get(self.url)
        assert response.status_code == 403
        assert set(response.json()) == {"code", "message", "errors"}

    def test_withdrawn_grant_is_forbidden(self, data_set, api_as, risk_manager, integration_admin):
        actions.set_sharing(data_set, department("risk"), granted=True, actor=integration_admin)
        actions.set_sharing(data_set, department("risk"), granted=False, actor=integration_admin)
        assert api_as(risk_manager).get(self.url).status_code == 403

    def test_owning_department_reads_without_a_grant(self, data_set, api_as, service_agent):
        assert api_as(service_agent).get(self.url).status_code == 200

    def test_customer_and_anonymous_cannot_read(self, data_set, api_as, api, customer):
        assert api_as(customer).get(self.url).status_code == 403
        assert api.get(self.url).status_code in (401, 403)

    def test_confidential_needs_a_bank_wide_role_too(
        self, data_set, api_as, integration_admin, risk_manager, branch
    ):
        data_set.sensitivity = DataSet.Sensitivity.CONFIDENTIAL
        data_set.save()
        actions.set_sharing(data_set, department("retail"), granted=True, actor=integration_admin)
        actions.set_sharing(data_set, department("risk"), granted=True, actor=integration_admin)
        retail_manager = make_staff("branch_manager", branch=branch, department_code="retail")
        assert api_as(retail_manager).get(self.url).status_code == 403
        assert api_as(risk_manager).get(self.url).status_code == 200

    def test_public_is_open_to_all_staff(self, data_set, api_as, branch_manager):
        data_set.sensitivity = DataSet.Sensitivity.PUBLIC
        data_set.save()
        assert api_as(branch_manager).get(self.url).status_code == 200

    def test_since_filters_and_bad_since_is_400(self, data_set, api_as, service_agent):
        client = api_as(service_agent)
        tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
        assert client.get(self.url, {"since": tomorrow}).json()["count"] == 0
        assert client.get(self.url, {"since": "2000-01-01"}).json()["count"] == 3
        assert client.get(self.url, {"since": "2000-01-01T00:00:00+08:00"}).json()["count"] == 3
        response = client.get(self.url, {"since": "last tuesday"})
        assert response.status_code == 400
        assert "since" in response.json()["errors"]

    def test_unknown_data_set_is_404(self, data_set, api_as, service_agent):
        assert api_as(service_agent).get("/api/v1/datasets/nope/records/").status_code == 404

    def test_only_applied_records_of_the_owning_system_are_shared(
        self, data_set, api_as, service_agent, make_source, push
    ):
        other, other_secret = make_source("OTHER")
        push(other, other_secret, [{"idempotency_key": "x", "text": "other"}])
        # A rejected record of the owning system is not shared either.
        InboundRecord.objects.create(
            source=data_set.owning_system,
            record_type="test_note",
            idempotency_key="bad",
            submitted_key="bad",
            content_hash="0",
            payload={},
            status="rejected",
            reason="invalid",
        )
        assert api_as(service_agent).get(self.url).json()["count"] == 3

    def test_last_updated_comes_from_the_ingest_log(self, data_set):
        _departments, rows, _rate = queries.sharing_matrix()
        last = InboundRecord.objects.filter(status="applied").latest("applied_at").applied_at
        assert rows[0].last_updated == last


def _grant(data_set, code, *, required_at, granted_at, admin):
    return SharingGrant.objects.create(
        data_set=data_set,
        department=department(code),
        required=True,
        required_since=required_at,
        granted_at=granted_at,
        granted_by=admin if granted_at else None,
    )


class TestSharingRateKpi:
    def test_required_and_granted_over_required_at_month_end(self, data_set, integration_admin):
        october = Period.parse("2026-10")
        early = october.start - timedelta(days=40)
        _grant(data_set, "risk", required_at=early, granted_at=early, admin=integration_admin)
        _grant(data_set, "hr", required_at=early, granted_at=None, admin=integration_admin)
        # Granted exactly at the end of October counts for November, not October (half-open).
        _grant(data_set, "it", required_at=early, granted_at=october.end, admin=integration_admin)
        # Required only from November: not in October's denominator.
        _grant(
            data_set, "retail", required_at=october.end, granted_at=None, admin=integration_admin
        )
        # Granted but not required: neither numerator nor denominator.
        SharingGrant.objects.create(
            data_set=data_set,
            department=department("head_office"),
            granted_at=early,
            granted_by=integration_admin,
        )
        result = data_sharing_rate(october)[None]
        assert (result.numerator, result.denominator) == (1, 3)
        november = data_sharing_rate(october.next())[None]
        assert (november.numerator, november.denominator) == (2, 4)

    def test_no_required_pair_gives_no_value(self):
        result = data_sharing_rate(Period.parse("2026-10"))[None]
        assert result.denominator == 0
        assert result.computed_value() is None


def _applied(source, seconds, applied_at, n):
    return InboundRecord(
        source=source,
        record_type="test_note",
        idempotency_key=f"m-{n}",
        submitted_key=f"m-{n}",
        content_hash="h",
        payload={},
        status="applied",
        received_at=applied_at - timedelta(seconds=seconds),
        applied_at=applied_at,
        processing_seconds=seconds,
    )


class TestProcessingTimeKpi:
    def test_median_of_records_applied_in_the_month(self, source_and_secret):
        source, _secret = source_and_secret
        october = Period.parse("2026-10")
        inside = october.start + timedelta(days=3)
        records = [_applied(source, s, inside, n) for n, s in enumerate([5, 1, 9, 3])]
        # Applied at the very end of the month: November's.
        records.append(_applied(source, 1000, october.end, 90))
        records.append(_applied(source, 1000, october.start - timedelta(seconds=1), 91))
        InboundRecord.objects.bulk_create(records)
        result = processing_time(october)[None]
        assert result.value == pytest.approx(4.0)  # (3 + 5) / 2
        assert result.observations == 4
        odd = processing_time(october.next())[None]
        assert odd.value == pytest.approx(1000.0)

    def test_median_is_computed_in_the_database(
        self, source_and_secret, django_assert_max_num_queries
    ):
        source, _secret = source_and_secret
        october = Period.parse("2026-10")
        InboundRecord.objects.bulk_create(
            [
                _applied(source, s, october.start + timedelta(hours=1), n)
                for n, s in enumerate(range(101))
            ]
        )
        with django_assert_max_num_queries(2) as captured:
            result = processing_time(october)[None]
        assert result.value == pytest.approx(50.0)
        if connection.vendor == "postgresql":
            assert "percentile_cont" in captured.captured_queries[0]["sql"]
        else:
            assert any("OFFSET" in query["sql"] for query in captured.captured_queries)

    def test_empty_month_has_no_value(self):
        result = processing_time(Period.parse("2026-10"))[None]
        assert result.observations == 0
        assert result.computed_value() is None

    def test_percentile_interpolates_like_percentile_cont(self, source_and_secret):
        source, _secret = source_and_secret
        at = datetime(2026, 10, 5, tzinfo=bank_tz())
        InboundRecord.objects.bulk_create(
            [_applied(source, s, at, n) for n, s in enumerate([10, 20, 30, 40])]
        )
        value, count = queries.percentile(InboundRecord.objects.all(), "processing_seconds", 0.95)
        assert count == 4
        assert value == pytest.approx(38.5)  # 30 + 0.85 * 10


class TestSyncHealthAlerts:
    def test_silent_source_alerts_once_per_silence(
        self, source_and_secret, push, integration_admin
    ):
        source, secret = source_and_secret
        push(source, secret, [{"idempotency_key": "a", "text": "x"}])
        now = timezone.now()
        assert check_sync_health(now + timedelta(minutes=59)) == 0
        assert check_sync_health(now + timedelta(minutes=61)) == 1
        assert check_sync_health(now + timedelta(minutes=120)) == 0
        alert = Alert.objects.get(kind="integration.source_silent")
        assert alert.notifications.filter(user=integration_admin).exists()

    def test_a_new_source_is_silent_only_after_its_first_interval(self, source_and_secret):
        source, _secret = source_and_secret
        assert check_sync_health(source.created_at + timedelta(minutes=60)) == 0
        assert check_sync_health(source.created_at + timedelta(minutes=61)) == 1

    def test_suspended_source_is_not_silent(self, source_and_secret, integration_admin):
        source, _secret = source_and_secret
        actions.set_source_status(source, status="suspended", actor=integration_admin)
        assert check_sync_health(timezone.now() + timedelta(days=2)) == 0

    def test_reject_rate_jump_alerts_once_a_day(self, source_and_secret, push):
        source, secret = source_and_secret
        good = [{"idempotency_key": f"g{n}", "text": "ok"} for n in range(15)]
        bad = [{"idempotency_key": f"b{n}", "text": "x" * 41} for n in range(10)]
        push(source, secret, good + bad)
        assert check_sync_health() == 1
        assert check_sync_health() == 0
        assert Alert.objects.get(kind="integration.reject_rate_jump").severity == "critical"

    def test_few_records_do_not_alert(self, source_and_secret, push):
        source, secret = source_and_secret
        push(source, secret, [{"idempotency_key": f"b{n}", "text": "x" * 41} for n in range(5)])
        assert check_sync_health() == 0


def test_evaluation_report_counts_days_volume_and_latency(source_and_secret):
    source, _secret = source_and_secret
    october = Period.parse("2026-10")
    records = [
        _applied(source, 10, october.start + timedelta(days=day, hours=2), day)
        for day in (0, 0, 1, 5)
    ]
    records[1].idempotency_key = records[1].submitted_key = "m-x"
    InboundRecord.objects.bulk_create(records)
    report = queries.evaluation_report(
        source, october, months=2, now=october.end + timedelta(days=3)
    )
    assert [str(month.period) for month in report] == ["2026-09", "2026-10"]
    current = report[-1]
    assert (current.received, current.applied, current.days_with_data, current.days_in_period) == (
        4,
        4,
        3,
        31,
    )
    assert current.median_seconds == pytest.approx(10)
    assert report[0].received == 0


def test_scheduled_tasks_run_their_actions(source_and_secret, push, settings):
    from unittest import mock

    from integration import tasks
    from integration.schedule import BEAT_SCHEDULE

    assert {entry["task"] for entry in BEAT_SCHEDULE.values()} == {
        "integration.requeue_pending",
        "integration.check_sync_health",
    }
    assert tasks.check_sync_health.apply().result == 0
    settings.QC_INGEST_SYNC_LIMIT = 1
    source, secret = source_and_secret
    with mock.patch("integration.tasks.process_batch.delay"):
        batch_id = push(source, secret, [{"idempotency_key": k, "text": "x"} for k in "ab"]).json()[
            "batch"
        ]
    assert tasks.process_batch.apply((batch_id,)).result == 2
    assert tasks.requeue_pending.apply().result == 0


class TestInventoryApi:
    def test_lists_data_sets_with_what_the_caller_may_read(
        self, data_set, api_as, risk_manager, integration_admin, django_assert_max_num_queries
    ):
        actions.set_sharing(data_set, department("risk"), granted=True, actor=integration_admin)
        client = api_as(risk_manager)
        with django_assert_max_num_queries(8):
            response = client.get("/api/v1/datasets/")
        assert response.status_code == 200
        (row,) = response.json()
        assert row["code"] == "notes"
        assert row["readable"] is True
        assert row["last_updated"] is not None

    def test_not_granted_is_listed_as_not_readable(self, data_set, api_as, hr_trainer):
        (row,) = api_as(hr_trainer).get("/api/v1/datasets/").json()
        assert row["readable"] is False

    def test_anonymous_is_refused(self, data_set, api):
        assert api.get("/api/v1/datasets/").status_code in (401, 403)


def test_admin_action_replays_selected_rejects(source_and_secret, push, integration_admin, rf):
    from django.contrib import admin as django_admin
    from django.contrib.messages.storage.fallback import FallbackStorage

    from integration.admin import InboundRecordAdmin, replay_selected
    from qc_portal.models import Branch

    source, secret = source_and_secret
    push(
        source,
        secret,
        [{"idempotency_key": "v", "branch_code": "NEW01"}],
        record_type="test_branch_visit",
    )
    Branch.objects.create(code="NEW01", name_zh="新", name_en="New")
    request = rf.post("/admin/")
    request.user = integration_admin
    request.session = {}
    request._messages = FallbackStorage(request)
    model_admin = InboundRecordAdmin(InboundRecord, django_admin.site)
    replay_selected(model_admin, request, InboundRecord.objects.all())
    assert InboundRecord.objects.get().status == "applied"
