import pytest
from django.urls import reverse

from transparency import queries

STAFF_PAGES = ["transparency:cases", "transparency:inquiry-new", "transparency:overdue"]


@pytest.mark.parametrize("name", STAFF_PAGES + ["transparency:my-cases"])
def test_anonymous_is_sent_to_login(client, db, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("name", STAFF_PAGES + ["transparency:my-cases"])
def test_user_without_role_is_refused(client, no_role_user, name):
    client.force_login(no_role_user)
    assert client.get(reverse(name)).status_code == 403


@pytest.mark.parametrize("name", STAFF_PAGES)
def test_customer_cannot_open_staff_pages(client, customer, name):
    client.force_login(customer)
    assert client.get(reverse(name)).status_code == 403


def test_case_pages_of_a_case_need_staff_in_scope(
    client, customer, other_branch_manager, no_role_user, open_case
):
    case, _code = open_case
    for user, status in [(customer, 403), (no_role_user, 403), (other_branch_manager, 404)]:
        client.force_login(user)
        assert (
            client.get(reverse("transparency:case-detail", args=[case.reference])).status_code
            == status
        )
        assert (
            client.post(
                reverse("transparency:case-act", args=[case.reference]),
                {"action": "note", "text": "x"},
            ).status_code
            == status
        )


@pytest.mark.parametrize("name", ["transparency:track", "transparency:manuals"])
def test_public_pages_need_no_login(client, db, name):
    assert client.get(reverse(name)).status_code == 200


def test_visible_cases_for_each_kind_of_user(
    open_case,
    customer,
    other_customer,
    service_agent,
    other_service_agent,
    head_office,
    auditor,
    risk_initial,
    no_role_user,
    hr_trainer,
):
    case, _code = open_case
    sees = {
        "customer": customer,
        "service_agent": service_agent,
        "head_office": head_office,
        "auditor": auditor,
        "risk_initial": risk_initial,
    }
    blind = {
        "other_customer": other_customer,
        "other_service_agent": other_service_agent,
        "no_role": no_role_user,
        "hr_trainer": hr_trainer,
    }
    for name, user in sees.items():
        assert list(queries.visible_cases_for(user)) == [case], name
    for name, user in blind.items():
        assert list(queries.visible_cases_for(user)) == [], name
    assert queries.customer_cases(service_agent).count() == 0
