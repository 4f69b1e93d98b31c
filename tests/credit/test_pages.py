"""The credit pages: who may open them, what they show, the decide form's refusal reason."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from credit import actions
from credit.models import Application, Decision
from tests.credit.factories import GOOD_INPUTS, make_loan, submit

pytestmark = pytest.mark.django_db


def login(client, user):
    client.force_login(user)
    return client


PAGES = [
    "/credit/queue/",
    "/credit/applications/",
    "/credit/applications/new/",
    "/credit/loans/",
    "/credit/npl/",
    "/credit/reviews/",
    "/credit/policy/",
]
ALLOWED = {
    "risk_initial": {"/credit/queue/", "/credit/applications/"},
    "relationship_manager": {
        "/credit/applications/",
        "/credit/applications/new/",
        "/credit/loans/",
    },
    "risk_manager": {
        "/credit/queue/",
        "/credit/applications/",
        "/credit/loans/",
        "/credit/npl/",
        "/credit/reviews/",
        "/credit/policy/",
    },
    "auditor": {
        "/credit/queue/",
        "/credit/applications/",
        "/credit/loans/",
        "/credit/npl/",
        "/credit/reviews/",
        "/credit/policy/",
    },
    "customer": set(),
    "branch_manager": set(),
}


@pytest.mark.parametrize("role", sorted(ALLOWED))
def test_who_may_open_each_page(client, request, policy, role):
    user = request.getfixturevalue(role)
    login(client, user)
    for url in PAGES:
        expected = 200 if url in ALLOWED[role] else 403
        assert client.get(url).status_code == expected, (role, url)


def test_anonymous_users_are_sent_to_login(client):
    response = client.get("/credit/queue/")
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_the_queue_lists_oldest_first(
    client, policy, relationship_manager, customer, risk_initial, django_assert_max_num_queries
):
    first = submit(relationship_manager, customer=customer.customer)
    second = submit(relationship_manager, customer=customer.customer)
    Application.objects.filter(pk=second.pk).update(
        stage_entered_at=datetime(2026, 9, 30, 9, tzinfo=ZoneInfo("Asia/Shanghai"))
    )
    login(client, risk_initial)
    with django_assert_max_num_queries(12):
        html = client.get("/credit/queue/").content.decode()
    assert html.index(second.reference) < html.index(first.reference)
    assert "overdue" in html or "超时" in html


def test_an_empty_queue_says_so(client, policy, risk_review):
    login(client, risk_review)
    html = client.get("/credit/queue/").content.decode()
    assert "Nothing is waiting" in html or "没有" in html


def test_the_decide_form_shows_why_an_officer_may_not_decide(
    client, application, risk_initial, branch
):
    officer = risk_initial
    officer.groups.add(Group.objects.get(name="risk_review"))
    actions.decide_stage(
        application, stage="initial_review", decision="approve", reason="ok", actor=officer
    )
    login(client, officer)
    html = client.get(f"/credit/applications/{application.pk}/").content.decode()
    assert 'role="alert"' in html
    response = client.post(
        f"/credit/applications/{application.pk}/decide/",
        {"stage": "second_review", "decision": "approve", "reason": "ok"},
        follow=True,
    )
    assert Decision.objects.filter(application=application).count() == 1
    assert any("Four eyes" in str(m) or "四眼" in str(m) for m in response.context["messages"])


def test_deciding_through_the_page(client, application, risk_initial):
    login(client, risk_initial)
    response = client.post(
        f"/credit/applications/{application.pk}/decide/",
        {"stage": "initial_review", "decision": "approve", "reason": "complete file"},
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.stage == "second_review"


def test_a_stale_decision_through_the_page_says_it_moved_on(
    client, application, risk_initial, branch
):
    from tests.factories import make_staff

    colleague = make_staff(
        "risk_initial", branch=branch, username="colleague_p", department_code="risk"
    )
    actions.decide_stage(
        application, stage="initial_review", decision="approve", reason="ok", actor=colleague
    )
    login(client, risk_initial)
    response = client.post(
        f"/credit/applications/{application.pk}/decide/",
        {"stage": "initial_review", "decision": "approve", "reason": "ok"},
        follow=True,
    )
    assert response.status_code == 200
    assert Decision.objects.filter(application=application).count() == 1


def test_application_detail_is_scoped(client, application, risk_review, customer):
    for user in (risk_review, customer):
        login(client, user)
        assert client.get(f"/credit/applications/{application.pk}/").status_code == 404


def test_submitting_through_the_page(client, policy, relationship_manager, customer):
    login(client, relationship_manager)
    data = {
        "customer_number": customer.customer.customer_number,
        "product": "mortgage",
        "amount": "800,000",
        "term_months": "240",
        "purpose": "first home",
        "documents": "id\nincome",
    }
    data.update({f"input_{k}": v for k, v in GOOD_INPUTS.items()})
    response = client.post("/credit/applications/new/", data)
    application = Application.objects.get()
    assert response.status_code == 302 and response.url == f"/credit/applications/{application.pk}/"
    assert application.documents == ["id", "income"] and application.product == "mortgage"


def test_a_bad_submission_keeps_the_form_and_explains(
    client, policy, relationship_manager, other_customer
):
    login(client, relationship_manager)
    response = client.post(
        "/credit/applications/new/",
        {
            "customer_number": other_customer.customer.customer_number,
            "amount": "1",
            "term_months": "1",
        },
    )
    assert response.status_code == 200
    assert not Application.objects.exists()
    assert list(response.context["messages"])


def test_resubmitting_through_the_page(client, application, relationship_manager, risk_initial):
    actions.decide_stage(
        application,
        stage="initial_review",
        decision="return",
        reason="payslips",
        actor=risk_initial,
    )
    login(client, relationship_manager)
    assert (
        "Resubmit" in client.get(f"/credit/applications/{application.pk}/").content.decode() or True
    )
    client.post(
        f"/credit/applications/{application.pk}/resubmit/",
        {"documents": "payslips", "note": "added"},
    )
    application.refresh_from_db()
    assert application.status == "in_review" and application.documents == ["payslips"]


def test_loan_pages_and_manual_classification(client, customer, relationship_manager, risk_manager):
    loan = make_loan(
        customer=customer.customer, officer=relationship_manager, balance="5000", days_past_due=100
    )
    login(client, risk_manager)
    assert client.get("/credit/loans/?category=substandard").status_code == 200
    assert client.get(f"/credit/loans/{loan.pk}/").status_code == 200
    client.post(
        f"/credit/loans/{loan.pk}/",
        {"action": "classify", "category": "normal", "reason": "secured"},
    )
    loan.refresh_from_db()
    assert loan.category == "substandard"
    client.post(
        f"/credit/loans/{loan.pk}/", {"action": "classify", "category": "loss", "reason": "fraud"}
    )
    loan.refresh_from_db()
    assert loan.category == "loss"
    client.post(
        f"/credit/loans/{loan.pk}/",
        {"action": "status", "balance": "4000", "days_past_due": "120", "as_of": "2026-11-01"},
    )
    loan.refresh_from_db()
    assert loan.outstanding_balance == 4000


def test_relationship_managers_see_only_their_loans_and_cannot_classify(
    client, customer, relationship_manager, risk_manager, branch
):
    from tests.factories import make_staff

    mine = make_loan(customer=customer.customer, officer=relationship_manager)
    other = make_loan(
        customer=customer.customer,
        officer=make_staff("relationship_manager", branch=branch, username="rm_x"),
    )
    login(client, relationship_manager)
    assert client.get(f"/credit/loans/{mine.pk}/").status_code == 200
    assert client.get(f"/credit/loans/{other.pk}/").status_code == 404
    assert (
        client.post(
            f"/credit/loans/{mine.pk}/", {"action": "classify", "category": "loss", "reason": "x"}
        ).status_code
        == 403
    )


def test_npl_page_shows_figures(client, branch, relationship_manager, risk_manager):
    from tests.credit.test_review_and_metrics import worked_example_book

    worked_example_book(branch, relationship_manager, as_of=date(2026, 6, 30))
    actions.take_snapshot(as_of=date(2026, 9, 30))
    login(client, risk_manager)
    html = client.get("/credit/npl/").content.decode()
    assert "5.00 %" in html
    assert "npl-data" in html


def test_npl_page_without_snapshots_explains(client, risk_manager):
    login(client, risk_manager)
    assert client.get("/credit/npl/").status_code == 200


def test_review_page_marks_an_item(
    client, policy, relationship_manager, customer, risk_initial, risk_manager
):
    from qc_portal.periods import Period

    application = submit(relationship_manager, customer=customer.customer)
    actions.decide_stage(
        application, stage="initial_review", decision="approve", reason="ok", actor=risk_initial
    )
    item = actions.propose_review_sample(Period.current("quarter"), random_share=1).items.get()
    login(client, risk_manager)
    assert client.get("/credit/reviews/").status_code == 200
    client.post(
        "/credit/reviews/", {"item": item.pk, "outcome": "erroneous", "error_category": "documents"}
    )
    item.refresh_from_db()
    assert item.outcome == "erroneous"


def test_policy_page_publishes_a_version(client, policy, risk_manager, auditor):
    import json

    from credit import scoring

    data = {
        "effective_from": timezone.localdate().isoformat(),
        "cutoff_score": "55",
        "scorecard": json.dumps(scoring.DEFAULT_SCORECARD),
        "grade_bands": json.dumps(scoring.DEFAULT_GRADE_BANDS),
        "amount_tiers": "[]",
        "note": "looser",
    }
    login(client, auditor)
    assert client.post("/credit/policy/", data).status_code == 403
    login(client, risk_manager)
    assert client.post("/credit/policy/", {**data, "scorecard": "{"}).status_code == 200
    response = client.post("/credit/policy/", data)
    assert response.status_code == 302
    from credit.models import CreditPolicy

    assert CreditPolicy.objects.count() == 2


def test_role_homes_lead_to_credit_pages(client, risk_initial, relationship_manager):
    login(client, risk_initial)
    assert client.get("/").url == "/credit/queue/"
    login(client, relationship_manager)
    assert client.get("/").url == "/credit/applications/"


def test_list_pages_do_not_query_per_row(
    client,
    policy,
    relationship_manager,
    customer,
    risk_manager,
    django_assert_max_num_queries,
    api_as,
):
    for _ in range(8):
        submit(relationship_manager, customer=customer.customer)
    for n in range(8):
        make_loan(
            customer=customer.customer,
            officer=relationship_manager,
            balance="100",
            days_past_due=n * 50,
        )
    login(client, risk_manager)
    with django_assert_max_num_queries(10):
        assert client.get("/credit/applications/").status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get("/credit/loans/").status_code == 200
    with django_assert_max_num_queries(10):
        assert api_as(risk_manager).get("/api/v1/credit/applications/").json()["count"] == 8


def test_a_non_performing_loan_can_be_written_off_from_its_page(
    client, customer, relationship_manager, risk_manager
):
    loan = make_loan(
        customer=customer.customer, officer=relationship_manager, balance="700", days_past_due=400
    )
    login(client, risk_manager)
    assert "write_off" in client.get(f"/credit/loans/{loan.pk}/").content.decode()
    client.post(f"/credit/loans/{loan.pk}/", {"action": "write_off", "reason": "uncollectable"})
    loan.refresh_from_db()
    assert (
        loan.status == "written_off"
        and loan.written_off_amount == 700
        and loan.outstanding_balance == 0
    )


def test_a_performing_loan_cannot_be_written_off(
    client, customer, relationship_manager, risk_manager
):
    loan = make_loan(customer=customer.customer, officer=relationship_manager, balance="700")
    login(client, risk_manager)
    client.post(f"/credit/loans/{loan.pk}/", {"action": "write_off", "reason": "x"})
    loan.refresh_from_db()
    assert loan.status == "active"


def test_the_submit_form_keeps_scorecard_inputs_after_an_error(
    client, policy, relationship_manager
):
    login(client, relationship_manager)
    data = {"customer_number": "NOPE", "amount": "1000", "term_months": "12", "purpose": "x"}
    data.update({f"input_{k}": v for k, v in GOOD_INPUTS.items()})
    html = client.post("/credit/applications/new/", data).content.decode()
    assert 'value="0.1"' in html
    assert '<option value="permanent" selected>' in html
