"""Dashboard pages: scoping of every panel and export, constant query counts, status rendering."""

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.utils import translation
from openpyxl import load_workbook

from kpis.engine import compute_kpi
from kpis.registry import BANK, Measurement
from tests.factories import BranchFactory
from tests.kpis.factories import target

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 15, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _compute(fake_data, branches, months=("2026-09", "2026-10")):
    for month in months:
        data = {BANK: Measurement(170, 200, 200)}
        for index, branch in enumerate(branches):
            data[branch.pk] = Measurement(80 + index % 15, 100, 100)
        fake_data[month] = data
        compute_kpi("test.csat", month)
        compute_kpi("test.wait", month)
    fake_data["2026-Q3"] = {BANK: Measurement(1, 100, 100)}
    compute_kpi("test.npl", "2026-Q3")


@pytest.fixture
def results(definitions, fake_data, branch, other_branch):
    target("test.csat", "gte", "0.85")
    target("test.npl", "lt", "0.02")
    _compute(fake_data, [branch, other_branch])


def test_branch_manager_lands_on_own_branch_with_bank_beside(
    results, branch_manager, branch, other_branch
):
    response = client_for(branch_manager).get("/dashboard/", {"period": "2026-10"})
    assert response.status_code == 200
    html = response.content.decode()
    assert branch.name_zh in html
    assert other_branch.name_zh not in html and other_branch.code not in html
    card = next(
        c for b in response.context["blocks"] for c in b.cards if c.definition.code == "test.csat"
    )
    assert card.result.branch_id == branch.pk and card.bank_result.branch_id is None
    assert card.previous.period_key == "2026-09"


def test_home_sends_branch_manager_and_head_office_to_the_dashboard(
    branch_manager, head_office, auditor
):
    for user in (branch_manager, head_office, auditor):
        assert client_for(user).get("/").url == "/dashboard/"


def test_branch_manager_cannot_open_another_branch(results, branch_manager, other_branch):
    client = client_for(branch_manager)
    for url in (
        "/dashboard/",
        "/dashboard/kpi/test.csat/",
        "/dashboard/report/",
        "/dashboard/export.csv",
    ):
        response = client.get(url, {"period": "2026-10", "scope": f"branch:{other_branch.code}"})
        assert response.status_code == 403, url


def test_head_office_sees_bank_and_any_branch(results, head_office, other_branch):
    client = client_for(head_office)
    bank = client.get("/dashboard/", {"period": "2026-10"})
    assert bank.context["scope"].is_bank
    other = client.get("/dashboard/", {"period": "2026-10", "scope": f"branch:{other_branch.code}"})
    assert other.status_code == 200 and other.context["scope"].branch == other_branch


def test_quarter_kpis_show_the_quarter_of_the_month(results, head_office):
    response = client_for(head_office).get("/dashboard/", {"period": "2026-09"})
    card = next(
        c for b in response.context["blocks"] for c in b.cards if c.definition.code == "test.npl"
    )
    assert str(card.period) == "2026-Q3" and card.result.status == "met"


@pytest.mark.parametrize(
    "status, text",
    [
        ("met", "status-met"),
        ("missed", "status-missed"),
        ("insufficient_data", "status-insufficient_data"),
        ("no_target", "status-no_target"),
    ],
)
def test_every_status_renders_with_text_and_class(
    definitions, fake_data, head_office, status, text
):
    from kpis.models import Status

    if status != "no_target":
        target("test.csat", "gte", "0.85")
    numerator, observations = {
        "met": (90, 100),
        "missed": (50, 100),
        "insufficient_data": (9, 10),
        "no_target": (90, 100),
    }[status]
    fake_data["2026-10"] = {BANK: Measurement(numerator, observations, observations)}
    compute_kpi("test.csat", "2026-10")
    html = client_for(head_office).get("/dashboard/", {"period": "2026-10"}).content.decode()
    assert text in html
    with translation.override("zh-hans"):
        assert str(Status(status).label) in html


def test_provisional_figures_poll_and_are_marked(definitions, fake_data, head_office):
    fake_data["2026-11"] = {BANK: Measurement(90, 100, 100)}
    compute_kpi("test.csat", "2026-11")
    client = client_for(head_office)
    page = client.get("/dashboard/", {"period": "2026-11"}).content.decode()
    assert 'hx-trigger="every 60s"' in page and "provisional" in page
    partial = client.get("/dashboard/", {"period": "2026-11"}, HTTP_HX_REQUEST="true")
    assert partial.templates[0].name == "kpis/_cards.html"


def test_empty_period_has_a_clear_empty_state(definitions, head_office):
    html = client_for(head_office).get("/dashboard/", {"period": "2025-01"}).content.decode()
    assert 'class="empty card"' in html


def test_bad_period_is_a_400_page(definitions, head_office):
    response = client_for(head_office).get("/dashboard/", {"period": "2026-13"})
    assert response.status_code == 400


def test_people_without_dashboard_role_are_refused(results, service_agent, customer):
    assert client_for(service_agent).get("/dashboard/").status_code == 403
    assert client_for(customer).get("/dashboard/").status_code == 403
    assert Client().get("/dashboard/").status_code == 302


def test_branch_comparison_is_for_head_office(
    results, head_office, branch_manager, branch, other_branch
):
    assert client_for(branch_manager).get("/dashboard/branches/").status_code == 403
    response = client_for(head_office).get(
        "/dashboard/branches/", {"period": "2026-10", "sort": "test.csat"}
    )
    assert response.status_code == 200
    assert [row.branch for row in response.context["rows"]] == [
        other_branch,
        branch,
    ]  # 81 % before 80 %
    ascending = client_for(head_office).get(
        "/dashboard/branches/", {"period": "2026-10", "sort": "-test.csat"}
    )
    assert [row.branch for row in ascending.context["rows"]] == [branch, other_branch]


def test_drill_down_shows_trend_numbers_and_only_visible_ranking(
    results, branch_manager, head_office, branch, other_branch
):
    mine = client_for(branch_manager).get("/dashboard/kpi/test.csat/", {"period": "2026-10"})
    assert mine.status_code == 200
    assert [r.branch for r in mine.context["ranking"]] == [branch]
    assert mine.context["current"].numerator == 80 and mine.context["current"].denominator == 100
    assert other_branch.code not in mine.content.decode()
    everyone = client_for(head_office).get("/dashboard/kpi/test.csat/", {"period": "2026-10"})
    assert [r.branch for r in everyone.context["ranking"]] == [other_branch, branch]
    assert everyone.context["chart"]["values"][-1] == 85.0  # percent shown as percent
    assert everyone.context["chart"]["targets"][-1] == 85.0
    assert "≥ 85 %" in everyone.content.decode()
    assert client_for(head_office).get("/dashboard/kpi/nope/").status_code == 404


def _api(user, params):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(user)
    return client.get("/api/v1/kpis/results/", params).json()["results"]


@pytest.mark.parametrize("user_fixture", ["head_office", "branch_manager"])
def test_csv_and_xlsx_match_the_api(results, request, user_fixture):
    user = request.getfixturevalue(user_fixture)
    params = {"period": "2026-10"}
    api_rows = _api(user, params)
    client = client_for(user)
    text = client.get("/dashboard/export.csv", params).content.decode("utf-8-sig")
    csv_rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["kpi"], r["scope"], r["status"]) for r in csv_rows] == [
        (r["kpi"], r["scope"], r["status"]) for r in api_rows
    ]
    assert [float(r["value"]) if r["value"] else None for r in csv_rows] == [
        r["value"] for r in api_rows
    ]
    workbook = load_workbook(io.BytesIO(client.get("/dashboard/export.xlsx", params).content))
    sheet = list(workbook.active.values)
    header, body = list(sheet[0]), sheet[1:]
    assert [
        (row[header.index("kpi")], row[header.index("scope")], row[header.index("value")])
        for row in body
    ] == [(r["kpi"], r["scope"], r["value"]) for r in api_rows]


def test_export_bad_input(results, head_office):
    client = client_for(head_office)
    assert client.get("/dashboard/export.csv", {"period": "bad"}).status_code == 400
    assert client.get("/dashboard/export.pdf", {"period": "2026-10"}).status_code == 404


def test_report_has_one_page_per_measure(results, head_office):
    response = client_for(head_office).get("/dashboard/report/", {"period": "2026-10"})
    assert response.status_code == 200
    assert response.content.decode().count('class="report-page"') == 5


def _queries(django_assert_max_num_queries, client, url, params):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params).status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    "url",
    [
        "/dashboard/",
        "/dashboard/branches/",
        "/dashboard/kpi/test.csat/",
        "/dashboard/report/",
        "/dashboard/plan/",
    ],
)
def test_query_count_does_not_grow_with_data(
    definitions, fake_data, head_office, branch, url, django_assert_num_queries
):
    target("test.csat", "gte", "0.85")
    client = client_for(head_office)
    _compute(fake_data, [branch], months=("2026-09", "2026-10"))
    small = _queries(None, client, url, {"period": "2026-10"})
    # Session, user, roles, the page's own reads (definitions, results, branches, plan), bell count.
    assert small <= 12, f"{url} runs {small} queries"
    more = [BranchFactory() for _n in range(10)]
    _compute(fake_data, [branch, *more], months=[f"2026-{m:02d}" for m in range(1, 11)])
    with django_assert_num_queries(small):
        client.get(url, {"period": "2026-10"})


def test_branch_manager_may_switch_to_the_bank_figures(results, branch_manager, other_branch):
    response = client_for(branch_manager).get("/dashboard/", {"period": "2026-10", "scope": "bank"})
    assert response.status_code == 200 and response.context["scope"].is_bank
    scopes = {branch.code for branch in response.context["branches"]}
    assert other_branch.code not in scopes
