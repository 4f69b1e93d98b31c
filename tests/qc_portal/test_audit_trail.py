"""Browsing the audit trail: auditors and head office only, filtered, paginated, read-only."""

from datetime import datetime

import pytest
import time_machine

from qc_portal.audit import record_event
from qc_portal.models import AuditEvent
from qc_portal.periods import bank_tz

pytestmark = pytest.mark.django_db

API = "/api/v1/audit/events/"


@pytest.fixture
def trail(branch, branch_manager, other_branch):
    """Events on three local days; the last at 23:59 on 31 October in Shanghai."""
    events = {}
    with time_machine.travel(datetime(2026, 10, 30, 9, 0, tzinfo=bank_tz()), tick=False):
        events["renamed"] = record_event(
            "branch.renamed", actor=branch_manager, target=branch, before={"n": 1}, after={"n": 2}
        )
    with time_machine.travel(datetime(2026, 10, 31, 23, 59, tzinfo=bank_tz()), tick=False):
        events["applied"] = record_event(
            "credit.stage_decided", actor_label="source:core_banking", target=other_branch
        )
    with time_machine.travel(datetime(2026, 11, 1, 0, 0, tzinfo=bank_tz()), tick=False):
        events["approved"] = record_event("credit.approved", actor=branch_manager, target=branch)
    return events


def keys(events, trail) -> list[str]:
    """The fixture's events among `events`, by name (signing in is audited too: ignored)."""
    names = {event.pk: name for name, event in trail.items()}
    return [names[event.pk] for event in events if event.pk in names]


# --- who may ---


@pytest.mark.parametrize("role", ["auditor", "head_office"])
def test_auditors_and_head_office_browse_the_trail(request, client, trail, role):
    client.force_login(request.getfixturevalue(role))
    response = client.get("/audit/")
    assert response.status_code == 200
    assert keys(response.context["events"], trail) == ["approved", "applied", "renamed"]


@pytest.mark.parametrize(
    "role", ["branch_manager", "service_agent", "risk_manager", "integration_admin", "customer"]
)
def test_other_roles_cannot_browse_the_trail(request, client, api_as, trail, role):
    user = request.getfixturevalue(role)
    client.force_login(user)
    assert client.get("/audit/").status_code == 403
    assert api_as(user).get(API).status_code == 403


def test_user_without_role_cannot_browse_the_trail(client, no_role_user, trail):
    client.force_login(no_role_user)
    assert client.get("/audit/").status_code == 403


def test_anonymous_is_sent_to_sign_in(client, api, trail):
    assert client.get("/audit/")["Location"].startswith("/accounts/login/")
    assert api.get(API).status_code == 401


def test_menu_shows_the_trail_to_auditors_only(client, auditor, branch_manager):
    client.force_login(auditor)
    assert 'href="/audit/"' in client.get("/alerts/").content.decode()
    client.force_login(branch_manager)
    assert 'href="/audit/"' not in client.get("/alerts/").content.decode()


# --- filters ---


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("action=credit.approved", ["approved"]),
        ("action=credit.", ["approved", "applied"]),  # a prefix ending in a dot
        ("action=credit", []),  # otherwise exact
        ("target_type=qc_portal.branch", ["approved", "applied", "renamed"]),
        ("actor=core_banking", ["applied"]),
        ("actor=BRANCH_manager", ["approved", "renamed"]),
        ("since=2026-10-31", ["approved", "applied"]),
        ("until=2026-10-31", ["applied", "renamed"]),  # the whole local day, 23:59 included
        ("since=2026-10-31&until=2026-10-31", ["applied"]),
        ("since=2026-11-02", []),
    ],
)
def test_filters(client, auditor, trail, query, expected):
    client.force_login(auditor)
    assert keys(client.get(f"/audit/?{query}").context["events"], trail) == expected


def test_filter_by_target_shows_one_objects_history(client, auditor, trail, branch):
    client.force_login(auditor)
    response = client.get(f"/audit/?target_type=qc_portal.branch&target_id={branch.pk}")
    assert keys(response.context["events"], trail) == ["approved", "renamed"]


def test_bad_dates_are_explained_not_ignored(client, auditor, trail):
    client.force_login(auditor)
    response = client.get("/audit/?since=2026-11-01&until=2026-10-01")
    assert list(response.context["events"]) == []
    assert "结束日期不能早于开始日期。" in response.content.decode()
    response = client.get("/audit/?since=yesterday")
    assert list(response.context["events"]) == []


def test_page_shows_changes_and_links_to_filters(client, auditor, trail):
    client.force_login(auditor)
    html = client.get("/audit/").content.decode()
    assert "{&quot;n&quot;: 1}" in html  # before, as JSON
    assert 'href="?action=credit.approved"' in html


def test_trail_is_paginated_with_filters_kept(client, auditor):
    for n in range(55):
        record_event("probe.bulk", actor_label=f"job{n}")
    client.force_login(auditor)
    first = client.get("/audit/?action=probe.bulk")
    assert len(first.context["events"]) == 50
    assert 'href="?action=probe.bulk&amp;page=2"' in first.content.decode()
    assert len(client.get("/audit/?action=probe.bulk&page=2").context["events"]) == 5


def test_page_query_count_does_not_grow_with_rows(
    client, auditor, branch_manager, django_assert_max_num_queries
):
    client.force_login(auditor)
    for _n in range(3):
        record_event("probe", actor=branch_manager)
    client.get("/audit/")
    with django_assert_max_num_queries(14):
        client.get("/audit/")
    for _n in range(30):
        record_event("probe", actor=branch_manager)
    with django_assert_max_num_queries(14):
        client.get("/audit/")


def test_page_is_read_only(client, auditor, trail):
    client.force_login(auditor)
    html = client.get("/audit/").content.decode()
    assert 'method="post"' not in html.split("<main", 1)[1]
    before = AuditEvent.objects.count()
    client.post("/audit/", {"action": "x"})
    assert AuditEvent.objects.count() == before


# --- API ---


def test_api_lists_events_with_filters(api_as, auditor, trail, branch_manager):
    response = api_as(auditor).get(API, {"action": "credit.", "until": "2026-10-31"})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    event = body["results"][0]
    assert event["action"] == "credit.stage_decided"
    assert event["actor"] is None
    assert event["actor_label"] == "source:core_banking"
    assert set(event) == {
        "id",
        "created_at",
        "actor",
        "actor_label",
        "action",
        "target_type",
        "target_id",
        "changes",
        "request_id",
        "client_ip",
    }
    renamed = api_as(auditor).get(API, {"action": "branch.renamed"}).json()["results"][0]
    assert renamed["actor"] == "branch_manager"
    assert renamed["changes"] == {"before": {"n": 1}, "after": {"n": 2}}


def test_api_bad_filter_is_400_with_the_common_body(api_as, auditor, trail):
    response = api_as(auditor).get(API, {"since": "2026-11-01", "until": "2026-10-01"})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert "until" in body["errors"]


def test_api_is_read_only(api_as, auditor, trail):
    response = api_as(auditor).post(API, {"action": "forged"}, format="json")
    assert response.status_code == 405
    assert not AuditEvent.objects.filter(action="forged").exists()
