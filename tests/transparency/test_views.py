import pytest
from django.urls import reverse

from transparency import actions
from transparency.models import ProgressInquiry, TrackingView

from .factories import publish_manual

INTERNAL = "INTERNAL: check the other debts of the guarantor"


@pytest.fixture
def case_with_notes(open_case, relationship_manager):
    case, code = open_case
    actions.add_note(case, actor=relationship_manager, text=INTERNAL, customer_visible=False)
    actions.add_note(case, actor=relationship_manager, text="Please bring your payslips")
    return case, code


def test_track_page_is_public_and_shows_progress(client, case_with_notes):
    case, code = case_with_notes
    assert client.get("/track/").status_code == 200
    response = client.post("/track/", {"reference": case.reference.lower(), "access_code": code})
    assert response.status_code == 200
    html = response.content.decode()
    assert case.reference in html and "Please bring your payslips" in html
    assert INTERNAL not in html
    assert TrackingView.objects.filter(case=case, channel="web").count() == 1


def test_track_page_answers_wrong_reference_and_wrong_code_alike(client, case_with_notes):
    case, code = case_with_notes
    wrong_code = client.post("/track/", {"reference": case.reference, "access_code": "AAAA2222"})
    wrong_ref = client.post("/track/", {"reference": "ZZZZZZZZZZ", "access_code": code})
    assert wrong_code.status_code == wrong_ref.status_code == 404
    strip = lambda r: r.content.decode().replace(case.reference, "").replace("ZZZZZZZZZZ", "")  # noqa: E731
    import re

    token = re.compile(r'(csrfmiddlewaretoken" value="|X-CSRFToken": ")[^"]+')
    assert token.sub("", strip(wrong_code)) == token.sub("", strip(wrong_ref))
    assert not TrackingView.objects.exists()


def test_track_page_is_throttled(client, case_with_notes, settings):
    from transparency.views import TrackPageThrottle

    case, code = case_with_notes
    TrackPageThrottle.THROTTLE_RATES = {"track": "2/min"}
    try:
        for _ in range(2):
            client.post("/track/", {"reference": case.reference, "access_code": "X"})
        response = client.post("/track/", {"reference": case.reference, "access_code": code})
        assert response.status_code == 429 and int(response["Retry-After"]) > 0
    finally:
        from rest_framework.settings import api_settings

        TrackPageThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES


def test_track_page_shows_manual_section_of_current_step(client, case_with_notes):
    case, code = case_with_notes
    publish_manual()
    html = client.post(
        "/track/", {"reference": case.reference, "access_code": code}
    ).content.decode()
    assert "Bring your ID card and proof of income." in html
    assert "A risk officer checks" not in html  # only the current step's section


def test_my_applications_for_the_customer_only(
    client, customer, other_customer, service_agent, case_with_notes
):
    case, _code = case_with_notes
    assert client.get(reverse("transparency:my-cases")).status_code == 302  # login first
    client.force_login(customer)
    response = client.get(reverse("transparency:my-cases"))
    assert response.status_code == 200 and case.reference in response.content.decode()
    detail = client.get(reverse("transparency:my-case", args=[case.reference]))
    assert detail.status_code == 200 and INTERNAL not in detail.content.decode()
    assert TrackingView.objects.filter(case=case, channel="web").exists()
    client.force_login(other_customer)
    assert case.reference not in client.get(reverse("transparency:my-cases")).content.decode()
    assert client.get(reverse("transparency:my-case", args=[case.reference])).status_code == 404
    client.force_login(service_agent)
    assert client.get(reverse("transparency:my-cases")).status_code == 403


def test_customer_home_is_my_applications(client, customer):
    client.force_login(customer)
    assert client.get("/")["Location"] == reverse("transparency:my-cases")


def test_case_list_is_scoped_to_the_branch(
    client, service_agent, other_service_agent, head_office, customer, case_with_notes
):
    case, _code = case_with_notes
    client.force_login(service_agent)
    assert case.reference in client.get(reverse("transparency:cases")).content.decode()
    assert (
        case.reference
        in client.get(
            reverse("transparency:cases"), {"overdue": "0", "q": case.reference}
        ).content.decode()
    )
    client.force_login(other_service_agent)
    assert case.reference not in client.get(reverse("transparency:cases")).content.decode()
    assert client.get(reverse("transparency:case-detail", args=[case.reference])).status_code == 404
    client.force_login(head_office)
    assert (
        case.reference
        in client.get(reverse("transparency:cases"), {"status": "all"}).content.decode()
    )
    client.force_login(customer)
    assert client.get(reverse("transparency:cases")).status_code == 403


def test_overdue_cases_come_first(client, service_agent, customer, branch, relationship_manager):
    from datetime import datetime

    import time_machine

    from transparency.calendar import SHANGHAI

    with time_machine.travel(datetime(2026, 3, 2, 9, tzinfo=SHANGHAI), tick=False):
        late, _ = actions.open_case(
            customer.customer,
            business_type="consumer_loan",
            branch=branch,
            actor=relationship_manager,
        )
    fresh, _ = actions.open_case(
        customer.customer, business_type="mortgage", branch=branch, actor=relationship_manager
    )
    client.force_login(service_agent)
    html = client.get(reverse("transparency:cases")).content.decode()
    assert html.index(late.reference) < html.index(fresh.reference)
    only = client.get(reverse("transparency:cases"), {"overdue": "1"}).content.decode()
    assert late.reference in only and fresh.reference not in only


def test_staff_detail_shows_internal_notes_and_acts(
    client, service_agent, auditor, case_with_notes
):
    case, _code = case_with_notes
    client.force_login(service_agent)
    url = reverse("transparency:case-detail", args=[case.reference])
    assert INTERNAL in client.get(url).content.decode()
    act = reverse("transparency:case-act", args=[case.reference])
    assert client.post(act, {"action": "advance", "text": "Documents complete"}).status_code == 302
    case.refresh_from_db()
    assert case.current_step.step.code == "initial_review"
    client.post(act, {"action": "reject", "text": ""})  # a reason is required
    case.refresh_from_db()
    assert case.status == "open"
    assert client.post(act, {"action": "bogus"}).status_code == 400
    assert client.get(act).status_code == 405
    client.force_login(auditor)  # reads, never writes
    assert client.get(url).status_code == 200
    assert client.post(act, {"action": "complete"}).status_code == 403


def test_agent_records_inquiry_and_sees_customer_view(
    client, service_agent, other_service_agent, risk_initial, case_with_notes
):
    case, _code = case_with_notes
    url = reverse("transparency:inquiry-new")
    client.force_login(service_agent)
    assert client.get(url).status_code == 200
    response = client.post(url, {"reference": case.reference, "channel": "phone"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Please bring your payslips" in html and INTERNAL not in html
    inquiry = ProgressInquiry.objects.get()
    assert inquiry.case == case and inquiry.agent == service_agent and inquiry.channel == "phone"
    assert client.post(url, {"reference": case.reference, "channel": "pigeon"}).status_code == 400
    client.force_login(other_service_agent)
    assert client.post(url, {"reference": case.reference, "channel": "phone"}).status_code == 404
    client.force_login(risk_initial)
    assert client.get(url).status_code == 403
    assert ProgressInquiry.objects.count() == 1


def test_overdue_board_for_managers(client, branch_manager, service_agent, case_with_notes):
    client.force_login(branch_manager)
    response = client.get(reverse("transparency:overdue"))
    assert response.status_code == 200
    assert client.get(reverse("transparency:overdue"), {"department": "risk"}).status_code == 200
    client.force_login(service_agent)
    assert client.get(reverse("transparency:overdue")).status_code == 403


@pytest.mark.django_db
def test_manuals_are_public_sanitised_and_versioned(client):
    first = publish_manual()
    second = publish_manual(
        body=first.body_en.replace("proof of income", "proof of income and address")
    )
    assert second.version == 2
    assert "个人消费贷款办理手册" in client.get(reverse("transparency:manuals")).content.decode()
    html = client.get(reverse("transparency:manual", args=["consumer_loan"])).content.decode()
    assert "proof of income and address" in html
    assert 'id="initial_review"' in html and "<script>alert" not in html
    old = client.get(
        reverse("transparency:manual", args=["consumer_loan"]), {"version": "1"}
    ).content.decode()
    assert "proof of income and address" not in old
    assert client.get(reverse("transparency:manual", args=["mortgage"])).status_code == 404


def test_case_list_query_count_does_not_grow_with_cases(
    client, service_agent, customer, branch, relationship_manager, django_assert_max_num_queries
):
    for _ in range(5):
        actions.open_case(
            customer.customer, business_type="mortgage", branch=branch, actor=relationship_manager
        )
    client.force_login(service_agent)
    client.get(reverse("transparency:cases"))  # warm the session and caches
    with django_assert_max_num_queries(12):
        response = client.get(reverse("transparency:cases"))
    assert response.content.decode().count("/transparency/cases/") >= 5


def test_my_cases_api_query_count_does_not_grow(
    api_as, customer, branch, relationship_manager, django_assert_max_num_queries
):
    for _ in range(5):
        actions.open_case(
            customer.customer, business_type="mortgage", branch=branch, actor=relationship_manager
        )
    client = api_as(customer)
    with django_assert_max_num_queries(8):
        response = client.get("/api/v1/me/cases/")
    assert response.json()["count"] == 5


def test_agent_opens_a_case_and_sees_the_access_code_once(
    client, service_agent, customer, other_customer, head_office
):
    url = reverse("transparency:case-new")
    client.force_login(service_agent)
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "customer_number": customer.customer.customer_number,
            "business_type": "account_opening",
            "title": "Salary account",
        },
    )
    assert response.status_code == 200
    from transparency.models import Case

    case = Case.objects.get()
    html = response.content.decode()
    code = html.split('<strong class="reference">')[2].split("<")[0]
    assert actions.access_code_matches(case, code)
    assert case.branch == service_agent.staff_profile.branch and case.opened_by == service_agent
    # Another branch's customer, an unknown business type: refused.
    assert (
        client.post(
            url,
            {
                "customer_number": other_customer.customer.customer_number,
                "business_type": "mortgage",
            },
        ).status_code
        == 400
    )
    assert (
        client.post(
            url, {"customer_number": customer.customer.customer_number, "business_type": "yacht"}
        ).status_code
        == 400
    )
    assert Case.objects.count() == 1
    client.force_login(head_office)  # reads every branch, opens nothing
    assert client.get(url).status_code == 403


def test_my_applications_list_counts_as_a_look_at_progress(client, customer, case_with_notes):
    client.force_login(customer)
    client.get(reverse("transparency:my-cases"))
    assert TrackingView.objects.filter(channel="web").count() == 1


def test_staff_see_the_notifications_sent(client, service_agent, case_with_notes):
    case, _code = case_with_notes
    client.force_login(service_agent)
    html = client.get(reverse("transparency:case-detail", args=[case.reference])).content.decode()
    assert "SMS" in html or "短信" in html


def test_branch_manager_publishes_a_manual_version(db, client, branch_manager, service_agent):
    publish_manual()
    url = reverse("transparency:manual-publish", args=["consumer_loan"])
    client.force_login(service_agent)
    assert client.get(url).status_code == 403
    client.force_login(branch_manager)
    page = client.get(url)
    assert page.status_code == 200 and "Bring your ID card" in page.content.decode()
    data = {
        "title_zh": "消费贷手册",
        "title_en": "Consumer loan manual",
        "body_zh": "## 受理 {#submitted}\n带身份证",
        "body_en": "## Received {#submitted}\nBring your ID",
        "department_code": "retail",
        "next_review_on": "2099-01-01",
    }
    assert client.post(url, {**data, "next_review_on": ""}).status_code == 400
    assert client.post(url, {**data, "body_en": " "}).status_code == 400
    response = client.post(url, data)
    assert response.status_code == 302
    from transparency.models import Manual

    assert Manual.objects.filter(business_type="consumer_loan").latest("version").version == 2
    assert client.get(reverse("transparency:manual-publish", args=["yacht"])).status_code == 404
