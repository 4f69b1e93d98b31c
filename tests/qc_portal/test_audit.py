"""The audit trail: one small API to append, and no way to rewrite what was appended."""

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction

from qc_portal.audit import record_event, snapshot
from qc_portal.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_record_event_stores_actor_target_and_changes(branch_manager, branch):
    event = record_event(
        "branch.renamed",
        actor=branch_manager,
        target=branch,
        before={"name_en": "Old"},
        after={"name_en": "New", "opened": branch.pk},
    )
    event.refresh_from_db()
    assert event.actor == branch_manager
    assert event.actor_label == "branch_manager"
    assert event.target_type == "qc_portal.branch"
    assert event.target_id == str(branch.pk)
    assert event.changes == {
        "before": {"name_en": "Old"},
        "after": {"name_en": "New", "opened": branch.pk},
    }
    assert event.created_at is not None


def test_record_event_names_a_system_actor(branch):
    event = record_event("ingest.applied", actor_label="source:core_banking", target=branch)
    assert event.actor is None
    assert event.actor_label == "source:core_banking"


def test_record_event_without_actor_is_the_system(db):
    assert record_event("job.ran").actor_label == "system"


def test_record_event_with_anonymous_actor_says_so(db):
    from django.contrib.auth.models import AnonymousUser

    event = record_event("track.viewed", actor=AnonymousUser())
    assert event.actor is None
    assert event.actor_label == "anonymous"


def test_record_event_makes_dates_and_decimals_json(db):
    from datetime import date
    from decimal import Decimal

    event = record_event("x", after={"on": date(2026, 10, 31), "amount": Decimal("1.50")})
    event.refresh_from_db()
    assert event.changes["after"] == {"on": "2026-10-31", "amount": "1.50"}


def test_snapshot_reads_named_fields(branch):
    assert snapshot(branch, ["code", "city"]) == {"code": "BJ001", "city": branch.city}


def test_record_event_keeps_request_id_and_client_ip(rf, admin_user):
    """A request's id and address reach the audit row written while serving it."""
    from django.http import HttpResponse

    from qc_portal.middleware import RequestIdMiddleware

    def view(request):
        record_event("probe", actor=request.user)
        return HttpResponse()

    request = rf.get("/", HTTP_X_REQUEST_ID="req-123", REMOTE_ADDR="10.1.2.3")
    request.user = admin_user
    response = RequestIdMiddleware(view)(request)
    assert response["X-Request-ID"] == "req-123"
    event = AuditEvent.objects.get(action="probe")
    assert (event.request_id, event.client_ip) == ("req-123", "10.1.2.3")


def test_event_outside_a_request_has_no_request_id(db):
    event = record_event("job.ran")
    assert (event.request_id, event.client_ip) == ("", None)


def test_unsafe_request_id_is_replaced(rf):
    from django.http import HttpResponse

    from qc_portal.middleware import RequestIdMiddleware

    request = rf.get("/", HTTP_X_REQUEST_ID="abc\u00e9<script>")
    response = RequestIdMiddleware(lambda r: HttpResponse())(request)
    assert response["X-Request-ID"] != "abc\u00e9<script>"
    assert len(response["X-Request-ID"]) == 32


# --- append-only through the ORM ---


@pytest.fixture
def event(db):
    return record_event("probe.created", actor_label="test", after={"v": 1})


def test_saving_an_existing_event_is_refused(event):
    event.action = "rewritten"
    with pytest.raises(ValidationError):
        event.save()
    assert AuditEvent.objects.get(pk=event.pk).action == "probe.created"


def test_deleting_an_event_is_refused(event):
    with pytest.raises(ValidationError):
        event.delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.parametrize(
    "rewrite",
    [
        lambda qs: qs.update(action="rewritten"),
        lambda qs: qs.delete(),
        lambda qs: AuditEvent.objects.bulk_update(
            [AuditEvent(pk=qs.get().pk, action="rewritten")], ["action"]
        ),
        lambda qs: AuditEvent._base_manager.filter(pk__in=qs).update(action="rewritten"),
        lambda qs: qs.update_or_create(pk=qs.get().pk, defaults={"action": "rewritten"}),
    ],
    ids=["update", "delete", "bulk_update", "base_manager", "update_or_create"],
)
def test_queryset_rewrites_are_refused(event, rewrite):
    with pytest.raises(ValidationError), transaction.atomic():
        rewrite(AuditEvent.objects.filter(pk=event.pk))
    assert AuditEvent.objects.get(pk=event.pk).action == "probe.created"


def test_users_with_events_cannot_be_deleted_away():
    """Deleting a user would orphan or erase their history: the foreign key protects it."""
    from django.db import models

    assert AuditEvent._meta.get_field("actor").remote_field.on_delete is models.PROTECT


def test_admin_shows_events_read_only(admin_client, event):
    assert admin_client.get(f"/admin/qc_portal/auditevent/{event.pk}/change/").status_code == 200
    assert admin_client.get("/admin/qc_portal/auditevent/add/").status_code == 403
    response = admin_client.post(f"/admin/qc_portal/auditevent/{event.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()


# --- append-only in the database itself (PostgreSQL trigger) ---


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE qc_portal_auditevent SET action = 'rewritten' WHERE id = %s",
        "DELETE FROM qc_portal_auditevent WHERE id = %s",
    ],
    ids=["update", "delete"],
)
def test_raw_sql_cannot_rewrite_history_on_postgresql(statement):
    event = record_event("probe.created", actor_label="test")
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [event.pk])
    with connection.cursor() as cursor:
        cursor.execute("SELECT action FROM qc_portal_auditevent WHERE id = %s", [event.pk])
        assert cursor.fetchone() == ("probe.created",)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_raw_sql_can_still_append_on_postgresql():
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO qc_portal_auditevent (created_at, actor_label, action, target_type,"
            " target_id, changes, request_id) VALUES (now(), 'sql', 'probe.sql', '', '', '{}', '')"
        )
    assert AuditEvent.objects.filter(action="probe.sql").exists()


# --- the client address ---


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "203.0.113.9", "10.0.0.1"),  # no proxy configured: the header is not believed
        (1, "203.0.113.9", "203.0.113.9"),
        (1, "6.6.6.6, 203.0.113.9", "203.0.113.9"),  # the client's own claim is ignored
        (2, "6.6.6.6, 203.0.113.9, 10.0.0.2", "203.0.113.9"),
        (1, "not-an-ip", "10.0.0.1"),
        (1, "", "10.0.0.1"),
    ],
)
def test_client_ip_follows_the_trusted_proxy_count(rf, settings, proxies, forwarded, expected):
    from qc_portal.middleware import client_ip

    settings.NUM_PROXIES = proxies
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


def test_forged_forwarded_for_does_not_escape_the_throttle(api, customer):
    """By default no proxy is trusted, so a made-up X-Forwarded-For is one more request
    from the same address."""
    from unittest import mock

    from rest_framework.throttling import ScopedRateThrottle

    with mock.patch.object(ScopedRateThrottle, "THROTTLE_RATES", {"token": "2/min"}):
        statuses = [
            api.post(
                "/api/v1/auth/token/",
                {"username": "customer", "password": "wrong"},
                format="json",
                HTTP_X_FORWARDED_FOR=f"198.51.100.{n}",
            ).status_code
            for n in range(3)
        ]
    assert statuses == [400, 400, 429]


# --- sign-in trail ---


def test_sign_in_sign_out_and_failures_are_recorded(client, branch_manager):
    from tests.factories import PASSWORD

    client.post("/accounts/login/", {"username": "branch_manager", "password": "wrong"})
    client.post("/accounts/login/", {"username": "branch_manager", "password": PASSWORD})
    client.post("/accounts/logout/")
    events = list(
        AuditEvent.objects.filter(action__startswith="auth.")
        .order_by("id")
        .values_list("action", "actor_label")
    )
    assert events == [
        ("auth.sign_in_failed", "branch_manager"),
        ("auth.signed_in", "branch_manager"),
        ("auth.signed_out", "branch_manager"),
    ]
    signed_in = AuditEvent.objects.get(action="auth.signed_in")
    assert signed_in.client_ip == "127.0.0.1"
    assert signed_in.request_id
