"""GET /api/v1/kpis/ and /api/v1/kpis/results/: content, scoping, bad input."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from kpis.engine import compute_kpi
from kpis.registry import BANK, Measurement
from tests.kpis.factories import target

pytestmark = pytest.mark.django_db
RESULTS = "/api/v1/kpis/results/"


@pytest.fixture
def computed(definitions, fake_data, branch, other_branch):
    target("test.csat", "gte", "0.85")
    fake_data["2026-10"] = {
        BANK: Measurement(170, 200, 200),
        branch.pk: Measurement(90, 100, 100),
        other_branch.pk: Measurement(80, 100, 100),
    }
    with time_machine.travel(datetime(2026, 11, 15, tzinfo=ZoneInfo("Asia/Shanghai"))):
        compute_kpi("test.csat", "2026-10")


def _scopes(response):
    return sorted((row["kpi"], row["scope"]) for row in response.json()["results"])


def test_definitions_list_with_current_targets(api_as, head_office, definitions):
    target("test.csat", "gte", "0.85")
    response = api_as(head_office).get("/api/v1/kpis/")
    assert response.status_code == 200
    rows = {row["code"]: row for row in response.json()}
    assert rows["test.csat"]["targets"][0]["text"] == "≥ 85 %"
    assert rows["test.wait"]["targets"] == []
    assert "services.csat" not in rows  # seeded but not registered


def test_head_office_sees_every_scope(api_as, head_office, computed, branch, other_branch):
    response = api_as(head_office).get(RESULTS, {"period": "2026-10", "measure": "1"})
    assert response.status_code == 200
    assert _scopes(response) == [
        ("test.csat", "bank"),
        ("test.csat", f"branch:{branch.code}"),
        ("test.csat", f"branch:{other_branch.code}"),
    ]
    bank = response.json()["results"][0]
    assert bank["value"] == 0.85 and bank["target"] == "≥ 85 %" and bank["status"] == "met"
    assert bank["numerator"] == 170 and bank["denominator"] == 200 and bank["provisional"] is False


def test_branch_manager_sees_own_branch_and_bank_only(api_as, branch_manager, computed, branch):
    response = api_as(branch_manager).get(RESULTS, {"period": "2026-10", "measure": "1"})
    assert _scopes(response) == [("test.csat", "bank"), ("test.csat", f"branch:{branch.code}")]


def test_branch_manager_asking_for_another_branch_is_forbidden(
    api_as, branch_manager, computed, other_branch
):
    client = api_as(branch_manager)
    other = client.get(RESULTS, {"period": "2026-10", "scope": f"branch:{other_branch.code}"})
    unknown = client.get(RESULTS, {"period": "2026-10", "scope": "branch:NOPE"})
    assert other.status_code == unknown.status_code == 403
    assert other.json()["code"] == unknown.json()["code"]


def test_scope_and_status_filters(api_as, head_office, computed, other_branch):
    client = api_as(head_office)
    bank = client.get(RESULTS, {"period": "2026-10", "scope": "bank"})
    assert {row["scope"] for row in bank.json()["results"]} == {"bank"}
    missed = client.get(RESULTS, {"period": "2026-10", "status": "missed"})
    assert _scopes(missed) == [("test.csat", f"branch:{other_branch.code}")]


@pytest.mark.parametrize(
    "params, field",
    [
        ({}, "period"),
        ({"period": "2026-13"}, "period"),
        ({"period": "October"}, "period"),
        ({"period": "2026-10", "scope": "region:north"}, "scope"),
        ({"period": "2026-10", "scope": "branch:"}, "scope"),
        ({"period": "2026-10", "scope": "branch:NOPE"}, "scope"),
        ({"period": "2026-10", "measure": "6"}, "measure"),
        ({"period": "2026-10", "status": "great"}, "status"),
    ],
)
def test_bad_input_is_a_400_that_names_the_field(api_as, head_office, definitions, params, field):
    response = api_as(head_office).get(RESULTS, params)
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_customers_and_anonymous_users_are_refused(api, api_as, customer, computed):
    assert api_as(customer).get(RESULTS, {"period": "2026-10"}).status_code == 403
    assert api_as(customer).get("/api/v1/kpis/").status_code == 403
    assert api.get(RESULTS, {"period": "2026-10"}).status_code in (401, 403)


def test_empty_period_is_an_empty_list(api_as, head_office, definitions):
    response = api_as(head_office).get(RESULTS, {"period": "2025-01"})
    assert response.status_code == 200 and response.json()["results"] == []
