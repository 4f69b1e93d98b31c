import pytest

from services.models import Feedback, Outcome
from tests.services.factories import make_record

pytestmark = pytest.mark.django_db
URL = "/api/v1/services/staffing/erlang-c/"
EXAMPLE = {"arrivals_per_hour": 200, "aht_seconds": 180, "target_seconds": 20, "target_level": 0.8}


def test_erlang_endpoint_matches_the_published_example(api_as, branch_manager):
    response = api_as(branch_manager).get(URL, EXAMPLE)
    assert response.status_code == 200
    body = response.json()
    assert body["agents"] == 14
    assert body["service_level"] == pytest.approx(0.8884, abs=5e-5)
    assert body["asa_seconds"] == pytest.approx(7.84, abs=5e-3)
    assert body["occupancy"] == pytest.approx(0.714, abs=5e-4)
    assert body["traffic_erlangs"] == pytest.approx(10)
    assert body["probability_of_waiting"] == pytest.approx(0.1741, abs=5e-5)


def test_erlang_endpoint_applies_shrinkage_as_a_separate_step(api_as, service_agent):
    body = api_as(service_agent).get(URL, {**EXAMPLE, "shrinkage": 0.3}).json()
    assert (body["agents"], body["rostered"]) == (14, 20)


@pytest.mark.parametrize(
    "field,value",
    [
        ("aht_seconds", 0),
        ("aht_seconds", -10),
        ("target_seconds", 0),
        ("target_seconds", -1),
        ("target_level", 0),
        ("target_level", 1),
        ("target_level", 1.2),
        ("arrivals_per_hour", -3),
        ("aht_seconds", "abc"),
    ],
)
def test_erlang_endpoint_names_the_bad_field(api_as, branch_manager, field, value):
    response = api_as(branch_manager).get(URL, {**EXAMPLE, field: value})
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_erlang_endpoint_requires_a_missing_field(api_as, branch_manager):
    response = api_as(branch_manager).get(URL, {"arrivals_per_hour": 10})
    assert response.status_code == 400
    assert {"aht_seconds", "target_seconds", "target_level"} <= set(response.json()["errors"])


def test_erlang_endpoint_is_for_staff(api, api_as, customer):
    assert api.get(URL, EXAMPLE).status_code in (401, 403)
    assert api_as(customer).get(URL, EXAMPLE).status_code == 403


def test_customer_rates_own_service_by_api(api_as, customer, branch):
    record = make_record(branch, customer=customer.customer, wait=30, handling=120)
    response = api_as(customer).post(
        "/api/v1/services/feedback/", {"service_record": record.pk, "rating": 5, "comment": "快"}
    )
    assert response.status_code == 201
    assert Feedback.objects.get(service_record=record).via == "mobile"
    again = api_as(customer).post(
        "/api/v1/services/feedback/", {"service_record": record.pk, "rating": 4}
    )
    assert again.status_code == 400 and "service_record" in again.json()["errors"]


def test_rating_someone_elses_service_is_not_found(api_as, customer, other_customer, branch):
    record = make_record(branch, customer=other_customer.customer, wait=30, handling=120)
    response = api_as(customer).post(
        "/api/v1/services/feedback/", {"service_record": record.pk, "rating": 5}
    )
    assert response.status_code == 404


def test_rating_out_of_range_and_staff_are_refused(api_as, customer, service_agent, branch):
    record = make_record(branch, customer=customer.customer, wait=30, handling=120)
    response = api_as(customer).post(
        "/api/v1/services/feedback/", {"service_record": record.pk, "rating": 6}
    )
    assert response.status_code == 400 and "rating" in response.json()["errors"]
    staff = api_as(service_agent).post(
        "/api/v1/services/feedback/", {"service_record": record.pk, "rating": 5}
    )
    assert staff.status_code == 403


def test_open_service_cannot_be_rated(api_as, customer, branch):
    record = make_record(branch, customer=customer.customer, outcome="")
    response = api_as(customer).post(
        "/api/v1/services/feedback/", {"service_record": record.pk, "rating": 5}
    )
    assert response.status_code == 404


def test_my_services_lists_only_own(api_as, customer, other_customer, branch):
    mine = make_record(
        branch, customer=customer.customer, wait=30, handling=120, outcome=Outcome.SERVED
    )
    make_record(branch, customer=other_customer.customer, wait=30, handling=120)
    body = api_as(customer).get("/api/v1/services/me/records/").json()
    assert [row["id"] for row in body["results"]] == [mine.pk]


def test_live_queue_api_is_scoped_to_the_managers_branch(
    api_as, branch_manager, other_branch_manager, head_office, service_agent, branch
):
    from datetime import timedelta

    from django.utils import timezone

    make_record(
        branch, arrived=timezone.now() - timedelta(minutes=4), outcome="", ticket_number="009"
    )
    url = f"/api/v1/services/branches/{branch.code}/queue/"
    body = api_as(branch_manager).get(url).json()
    assert body["waiting_count"] == 1 and body["waiting"][0]["ticket_number"] == "009"
    assert body["breached"] is False and body["extra_staff_needed"] is None
    assert {row["channel"] for row in body["channels"]} == {"counter", "phone", "online", "chatbot"}
    assert api_as(head_office).get(url).status_code == 200
    assert api_as(other_branch_manager).get(url).status_code == 404
    assert api_as(service_agent).get(url).status_code == 403
    assert api_as(branch_manager).get("/api/v1/services/branches/NOPE/queue/").status_code == 404
