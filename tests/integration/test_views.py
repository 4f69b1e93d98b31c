"""Pages: who may see them, who may act, and that actions go through (audited)."""

import pytest
from django.urls import reverse

from integration.models import DataSet, InboundRecord, SharingGrant, SourceSystem
from integration.signing import decrypt_secret
from qc_portal.models import AuditEvent, Branch, Department

pytestmark = pytest.mark.django_db


@pytest.fixture
def pages(source_and_secret, push):
    source, secret = source_and_secret
    push(source, secret, [{"idempotency_key": "a", "text": "ok"}])
    push(
        source,
        secret,
        [{"idempotency_key": "v", "branch_code": "NEW01"}],
        record_type="test_branch_visit",
    )
    record = InboundRecord.objects.get(submitted_key="v")
    return (
        [
            reverse("integration:health"),
            reverse("integration:source-detail", args=[source.code]),
            reverse("integration:source-evaluation", args=[source.code]),
            reverse("integration:records") + "?status=rejected",
            reverse("integration:datasets"),
        ],
        source,
        record,
    )


@pytest.mark.parametrize("role", ["integration_admin", "head_office", "auditor"])
def test_viewers_see_every_page(client, pages, role, request):
    urls, _source, _record = pages
    client.force_login(request.getfixturevalue(role))
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url


@pytest.mark.parametrize("role", ["branch_manager", "service_agent", "customer", "no_role_user"])
def test_others_are_forbidden(client, pages, role, request):
    urls, _source, _record = pages
    client.force_login(request.getfixturevalue(role))
    for url in urls:
        assert client.get(url).status_code == 403, url


def test_anonymous_is_sent_to_login(client, pages):
    urls, _source, _record = pages
    response = client.get(urls[0])
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_health_page_shows_every_source(client, make_source, integration_admin):
    make_source("QMS")
    make_source("HRIS", department="hr")
    client.force_login(integration_admin)
    content = client.get(reverse("integration:health")).content.decode()
    assert "QMS" in content and "HRIS" in content


def test_health_page_query_count_does_not_grow_with_sources(
    client, make_source, integration_admin, django_assert_max_num_queries
):
    for code in ("A1", "A2", "A3", "A4"):
        make_source(code)
    client.force_login(integration_admin)
    # SQLite computes latency percentiles per source (2 reads each); PostgreSQL groups them.
    with django_assert_max_num_queries(25):
        client.get(reverse("integration:health"))


def test_admin_registers_a_source_and_sees_its_secret_once(client, integration_admin):
    client.force_login(integration_admin)
    response = client.post(
        reverse("integration:source-create"),
        {
            "code": "CORE",
            "name": "Core banking",
            "owning_department": Department.objects.get(code="it").pk,
            "allowed_record_types": ["test_note"],
            "expected_frequency_minutes": 30,
        },
    )
    assert response.status_code == 200
    source = SourceSystem.objects.get(code="CORE")
    secret = response.context["secret"]
    assert secret in response.content.decode()
    assert decrypt_secret(source.secret_encrypted) == secret
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    assert (
        secret
        not in client.get(reverse("integration:source-detail", args=["CORE"])).content.decode()
    )
    assert AuditEvent.objects.filter(
        action="integration.source_created", actor=integration_admin
    ).exists()


def test_registering_with_an_unknown_type_or_a_taken_code_shows_errors(
    client, integration_admin, make_source
):
    make_source("QMS")
    client.force_login(integration_admin)
    response = client.post(
        reverse("integration:source-create"),
        {
            "code": "QMS",
            "name": "x",
            "owning_department": Department.objects.get(code="it").pk,
            "allowed_record_types": ["no_such_type"],
            "expected_frequency_minutes": 0,
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors
    assert SourceSystem.objects.count() == 1


def test_head_office_cannot_register_rotate_or_suspend(client, head_office, source_and_secret):
    source, _secret = source_and_secret
    client.force_login(head_office)
    assert client.get(reverse("integration:source-create")).status_code == 403
    assert client.post(reverse("integration:source-rotate", args=[source.code])).status_code == 403
    assert (
        client.post(
            reverse("integration:source-status", args=[source.code]), {"status": "suspended"}
        ).status_code
        == 403
    )
    source.refresh_from_db()
    assert source.status == "active"


def test_admin_rotates_and_suspends(client, integration_admin, source_and_secret):
    source, old = source_and_secret
    client.force_login(integration_admin)
    response = client.post(reverse("integration:source-rotate", args=[source.code]))
    assert response.status_code == 200
    new = response.context["secret"]
    source.refresh_from_db()
    assert decrypt_secret(source.secret_encrypted) == new
    assert decrypt_secret(source.previous_secret_encrypted) == old
    client.post(reverse("integration:source-status", args=[source.code]), {"status": "suspended"})
    source.refresh_from_db()
    assert source.status == "suspended"
    assert AuditEvent.objects.filter(action="integration.source_status_changed").exists()


def test_admin_updates_a_source(client, integration_admin, source_and_secret):
    source, _secret = source_and_secret
    client.force_login(integration_admin)
    client.post(
        reverse("integration:source-update", args=[source.code]),
        {
            "name": "Queue system",
            "owning_department": Department.objects.get(code="it").pk,
            "allowed_record_types": ["test_note"],
            "expected_frequency_minutes": 15,
        },
    )
    source.refresh_from_db()
    assert (source.name, source.allowed_record_types, source.expected_frequency_minutes) == (
        "Queue system",
        ["test_note"],
        15,
    )


def test_replay_button_applies_a_fixed_reject(client, integration_admin, pages):
    _urls, _source, record = pages
    Branch.objects.create(code="NEW01", name_zh="新", name_en="New")
    client.force_login(integration_admin)
    response = client.post(
        reverse("integration:record-replay", args=[record.pk]), {"next": "https://evil.example/"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("integration:records")
    record.refresh_from_db()
    assert record.status == "applied"


def test_replay_is_forbidden_to_readers(client, auditor, pages):
    _urls, _source, record = pages
    client.force_login(auditor)
    assert client.post(reverse("integration:record-replay", args=[record.pk])).status_code == 403
    assert client.post(reverse("integration:records-replay")).status_code == 403


def test_bulk_replay_of_a_source(client, integration_admin, pages):
    _urls, source, record = pages
    Branch.objects.create(code="NEW01", name_zh="新", name_en="New")
    client.force_login(integration_admin)
    client.post(reverse("integration:records-replay"), {"source": source.code})
    record.refresh_from_db()
    assert record.status == "applied"


def test_admin_adds_a_data_set_and_grants_access(client, integration_admin, source_and_secret):
    source, _secret = source_and_secret
    client.force_login(integration_admin)
    response = client.post(
        reverse("integration:dataset-create"),
        {
            "code": "queue-tickets",
            "name_zh": "排队记录",
            "name_en": "Queue tickets",
            "domain": "service",
            "owning_system": source.pk,
            "owning_department": Department.objects.get(code="customer_service").pk,
            "record_types": ["test_note"],
            "sensitivity": "internal",
            "refresh_frequency": "realtime",
        },
    )
    assert response.status_code == 302
    data_set = DataSet.objects.get(code="queue-tickets")
    url = reverse("integration:dataset-sharing", args=[data_set.code])
    client.post(url, {"department": "risk", "required": "1"})
    client.post(url, {"department": "risk", "granted": "1"})
    grant = SharingGrant.objects.get(data_set=data_set, department__code="risk")
    assert grant.required and grant.granted and grant.granted_by == integration_admin
    page = client.get(reverse("integration:datasets"))
    assert page.context["rate"]["rate"] == 1.0
    # The owner's own cell cannot be granted.
    client.post(url, {"department": "customer_service", "granted": "1"})
    assert not SharingGrant.objects.filter(department__code="customer_service").exists()


def test_empty_pages_say_so(client, integration_admin):
    client.force_login(integration_admin)
    english = {"HTTP_ACCEPT_LANGUAGE": "en"}
    assert (
        "No source system is registered yet."
        in client.get(reverse("integration:health"), **english).content.decode()
    )
    assert (
        "The data inventory is empty."
        in client.get(reverse("integration:datasets"), **english).content.decode()
    )
    assert (
        "尚未登记任何源系统"
        in client.get(
            reverse("integration:health"), HTTP_ACCEPT_LANGUAGE="zh-hans"
        ).content.decode()
    )


def test_integration_admin_home_is_the_health_page(client, integration_admin):
    client.force_login(integration_admin)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == reverse("integration:health")


def test_evaluation_with_a_bad_month_says_so_and_shows_last_month(
    client, integration_admin, source_and_secret
):
    source, _secret = source_and_secret
    client.force_login(integration_admin)
    url = reverse("integration:source-evaluation", args=[source.code])
    response = client.get(url, {"month": "2026-Q4"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "Choose a month." in response.content.decode()
    response = client.get(url, {"month": "garbage"})
    assert response.status_code == 200
    assert len(response.context["report"]) == 6


def test_unknown_source_page_is_404(client, integration_admin):
    client.force_login(integration_admin)
    assert client.get(reverse("integration:source-detail", args=["NOPE"])).status_code == 404


def test_record_list_and_matrix_queries_do_not_grow_with_rows(
    client, integration_admin, source_and_secret, push, django_assert_max_num_queries
):
    from integration import actions

    source, secret = source_and_secret
    push(
        source,
        secret,
        [{"idempotency_key": f"k{n}", "text": "x" * (41 if n % 2 else 3)} for n in range(30)],
    )
    for n in range(5):
        data_set = actions.create_data_set(
            code=f"set-{n}",
            name_zh="集",
            name_en="Set",
            domain="d",
            owning_system=source,
            owning_department=Department.objects.get(code="customer_service"),
            record_types=["test_note"],
            sensitivity="internal",
            refresh_frequency="daily",
            actor=integration_admin,
        )
        actions.set_sharing(
            data_set,
            Department.objects.get(code="risk"),
            required=True,
            granted=True,
            actor=integration_admin,
        )
    client.force_login(integration_admin)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("integration:records")).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(reverse("integration:datasets")).status_code == 200
