from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from qc_portal.models import AuditEvent
from services.models import Feedback, Outcome, Roster, ServiceRecord
from tests.services.factories import make_record

pytestmark = pytest.mark.django_db
MANAGER_PAGES = [
    "/services/board/",
    "/services/board/live/",
    "/services/report/",
    "/services/staffing/",
]


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("url", MANAGER_PAGES)
def test_manager_pages_show_own_branch(branch_manager, branch, url):
    make_record(
        branch, arrived=timezone.now() - timedelta(minutes=5), outcome="", ticket_number="007"
    )
    response = client_for(branch_manager).get(url)
    assert response.status_code == 200
    assert branch.name_zh in response.content.decode() or url.endswith("live/")


@pytest.mark.parametrize("url", MANAGER_PAGES)
def test_manager_cannot_open_another_branch(branch_manager, other_branch, url):
    assert client_for(branch_manager).get(url, {"branch": other_branch.code}).status_code == 404


@pytest.mark.parametrize("url", MANAGER_PAGES)
def test_head_office_chooses_any_branch(head_office, other_branch, url):
    assert client_for(head_office).get(url, {"branch": other_branch.code}).status_code == 200


@pytest.mark.parametrize("url", MANAGER_PAGES + ["/services/console/", "/services/standards/"])
def test_customer_and_roleless_users_are_forbidden(customer, no_role_user, url):
    assert client_for(customer).get(url).status_code == 403
    assert client_for(no_role_user).get(url).status_code == 403


def test_anonymous_is_sent_to_login():
    response = Client().get("/services/board/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_service_agent_cannot_open_manager_pages(service_agent):
    assert client_for(service_agent).get("/services/board/").status_code == 403


def test_board_live_shows_waiting_ticket(branch_manager, branch):
    make_record(
        branch, arrived=timezone.now() - timedelta(minutes=5), outcome="", ticket_number="042"
    )
    body = client_for(branch_manager).get("/services/board/live/").content.decode()
    assert "042" in body


def test_report_with_bad_period_falls_back(branch_manager):
    response = client_for(branch_manager).get("/services/report/", {"period": "2026-13"})
    assert response.status_code == 200


def test_report_shows_month_figures(branch_manager, branch, service_agent):
    record = make_record(branch, wait=120, handling=300, agent=service_agent)
    Feedback.objects.create(service_record=record, rating=5, rated_at=record.finished_at)
    body = (
        client_for(branch_manager).get("/services/report/", {"period": "2026-10"}).content.decode()
    )
    assert "5:00" in body and "2:00" in body and "100.0 %" in body


def test_staffing_page_shows_gap(branch_manager, branch):
    monday = timezone.localdate() - timedelta(days=timezone.localdate().weekday())
    for week in range(1, 3):
        day = timezone.make_aware(
            timezone.datetime.combine(monday - timedelta(weeks=week), timezone.datetime.min.time())
        ) + timedelta(hours=10)
        for n in range(40):
            make_record(branch, arrived=day + timedelta(seconds=n * 60), wait=60, handling=300)
    Roster.objects.create(branch=branch, channel="counter", date=monday, hour=10, staff_count=1)
    response = client_for(branch_manager).get(
        "/services/staffing/", {"weeks": 2, "week": monday.isoformat()}
    )
    assert response.status_code == 200
    plan = response.context["plan"]
    ten = next(h for h in plan.hours if h.day == monday and h.hour == 10)
    assert ten.forecast == 40 and ten.rostered == 1 and ten.gap > 0


def test_what_if_page_and_bad_input(branch_manager, customer):
    page = client_for(branch_manager).get(
        "/services/staffing/what-if/",
        {"arrivals_per_hour": 200, "aht_seconds": 180, "target_seconds": 20, "target_level": 0.8},
    )
    assert page.context["result"]["best"].agents == 14
    assert "abandon" in page.content.decode() or "放弃" in page.content.decode()
    bad = client_for(branch_manager).get(
        "/services/staffing/what-if/",
        {"arrivals_per_hour": 200, "aht_seconds": 0, "target_seconds": 20, "target_level": 1},
    )
    assert set(bad.context["errors"]) == {"aht_seconds", "target_level"}
    assert client_for(customer).get("/services/staffing/what-if/").status_code == 403


def test_console_counter_flow(service_agent, branch):
    client = client_for(service_agent)
    assert client.get("/services/console/").status_code == 200
    client.post("/services/console/new/ticket/", {"service_type": "card"})
    ticket = ServiceRecord.objects.get(branch=branch)
    client.post(f"/services/console/{ticket.pk}/call/", {"counter": "2"})
    client.post(f"/services/console/{ticket.pk}/finish/", {"outcome": "served"})
    ticket.refresh_from_db()
    assert ticket.outcome == Outcome.SERVED and ticket.counter_number == "2"
    assert AuditEvent.objects.filter(
        action="services.ticket_finished", actor=service_agent
    ).exists()


def test_console_cannot_touch_another_branch(service_agent, other_branch):
    record = make_record(other_branch, arrived=timezone.now(), outcome="")
    response = client_for(service_agent).post(f"/services/console/{record.pk}/call/")
    assert response.status_code == 404


def test_console_reports_illegal_step(service_agent, branch):
    record = make_record(
        branch, arrived=timezone.now() - timedelta(minutes=3), wait=60, handling=60
    )
    response = client_for(service_agent).post(f"/services/console/{record.pk}/finish/", follow=True)
    assert response.status_code == 200
    assert list(response.context["messages"])


def test_customer_rates_on_the_web(customer, other_customer, branch):
    mine = make_record(branch, customer=customer.customer, wait=30, handling=100)
    theirs = make_record(branch, customer=other_customer.customer, wait=30, handling=100)
    client = client_for(customer)
    assert client.get("/services/rate/").status_code == 200
    client.post(f"/services/rate/{mine.pk}/", {"rating": "4", "comment": "ok"})
    assert Feedback.objects.get(service_record=mine).rating == 4
    assert client.post(f"/services/rate/{theirs.pk}/", {"rating": "5"}).status_code == 404
    response = client.post(f"/services/rate/{mine.pk}/", {"rating": "5"}, follow=True)
    assert Feedback.objects.get(service_record=mine).rating == 4
    assert list(response.context["messages"])


def test_staff_cannot_use_the_rating_page(service_agent):
    assert client_for(service_agent).get("/services/rate/").status_code == 403


def test_standards_page_edit_rights(branch_manager, service_agent, auditor):
    assert (
        client_for(branch_manager)
        .post(
            "/services/standards/",
            {
                "channel": "online",
                "service_type": "other",
                "response": "60",
                "effective_from": "2030-01-01",
            },
        )
        .status_code
        == 302
    )
    assert client_for(auditor).get("/services/standards/").status_code == 200
    assert (
        client_for(auditor)
        .post(
            "/services/standards/",
            {
                "channel": "online",
                "service_type": "other",
                "response": "30",
                "effective_from": "2031-01-01",
            },
        )
        .status_code
        == 403
    )
    assert client_for(service_agent).get("/services/standards/").status_code == 403


def test_console_call_next_takes_the_oldest_ticket(service_agent, branch):
    older = make_record(
        branch, arrived=timezone.now() - timedelta(minutes=9), outcome="", ticket_number="001"
    )
    make_record(
        branch, arrived=timezone.now() - timedelta(minutes=2), outcome="", ticket_number="002"
    )
    client_for(service_agent).post("/services/console/new/next/", {"counter": "5"})
    older.refresh_from_db()
    assert (
        older.called_at is not None and older.counter_number == "5" and older.agent == service_agent
    )
    assert client_for(service_agent).post("/services/console/new/bogus/").status_code == 404


def test_branch_manager_sets_roster_for_own_branch_only(
    branch_manager, branch, other_branch, head_office
):
    client = client_for(branch_manager)
    data = {
        "branch": branch.code,
        "channel": "counter",
        "date": "2026-12-07",
        "hour": "12",
        "staff_count": "3",
        "week": "2026-12-07",
    }
    assert client.post("/services/staffing/roster/", data).status_code == 302
    assert Roster.objects.get(branch=branch, hour=12).staff_count == 3
    assert AuditEvent.objects.filter(action="services.roster_set").exists()
    assert (
        client.post("/services/staffing/roster/", {**data, "branch": other_branch.code}).status_code
        == 404
    )
    assert client_for(head_office).post("/services/staffing/roster/", data).status_code == 403
    bad = client.post("/services/staffing/roster/", {**data, "hour": "25"}, follow=True)
    assert (
        list(bad.context["messages"])
        and Roster.objects.get(branch=branch, hour=12).staff_count == 3
    )


def test_my_services_api_is_for_customers(api_as, service_agent):
    assert api_as(service_agent).get("/api/v1/services/me/records/").status_code == 403


def test_console_ticket_for_a_known_customer_can_be_rated_later(
    service_agent, customer, other_customer, branch
):
    client = client_for(service_agent)
    client.post(
        "/services/console/new/ticket/",
        {"service_type": "card", "customer_number": customer.customer.customer_number},
    )
    assert ServiceRecord.objects.get(branch=branch).customer == customer.customer
    response = client.post(
        "/services/console/new/ticket/",
        {"service_type": "card", "customer_number": other_customer.customer.customer_number},
        follow=True,
    )
    assert (
        ServiceRecord.objects.filter(branch=branch).count() == 1
    )  # another branch's customer is not found
    assert list(response.context["messages"])


def test_report_and_board_query_counts_do_not_grow_with_data(
    branch_manager, branch, service_agent, other_service_agent, django_assert_max_num_queries
):
    for agent in (service_agent, other_service_agent):
        for n in range(5):
            record = make_record(
                branch,
                wait=60 + n,
                handling=200 + n,
                agent=agent,
                service_type=["card", "transfer"][n % 2],
            )
            Feedback.objects.create(service_record=record, rating=5, rated_at=record.finished_at)
    client = client_for(branch_manager)
    with django_assert_max_num_queries(16):
        client.get("/services/report/", {"period": "2026-10"})
    with django_assert_max_num_queries(24):
        client.get("/services/board/live/")
