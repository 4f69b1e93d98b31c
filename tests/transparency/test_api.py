import pytest
from django.urls import reverse

from transparency import actions
from transparency.models import TrackingView

INTERNAL = "INTERNAL: customer has overdue card debt elsewhere"


def track(api, reference, code, **extra):
    return api.get(f"/api/v1/track/{reference}/", HTTP_X_ACCESS_CODE=code, **extra)


@pytest.fixture
def noted_case(open_case, relationship_manager):
    case, code = open_case
    actions.add_note(case, actor=relationship_manager, text=INTERNAL, customer_visible=False)
    actions.add_note(case, actor=relationship_manager, text="Please bring your ID card")
    return case, code


def test_track_with_reference_and_code_shows_progress(api, noted_case):
    case, code = noted_case
    response = track(api, case.reference, code)
    assert response.status_code == 200
    body = response.json()
    assert body["reference"] == case.reference
    assert body["current_step"]["code"] == "submitted"
    assert body["next_step"]["code"] == "initial_review"
    assert body["expected_completion_at"]
    assert [s["state"] for s in body["steps"]] == [
        "current",
        "pending",
        "pending",
        "pending",
        "pending",
    ]
    assert any(e["text"] == "Please bring your ID card" for e in body["timeline"])
    assert TrackingView.objects.filter(case=case, channel="app").count() == 1


def test_wrong_reference_and_wrong_code_give_identical_404(api, noted_case):
    case, code = noted_case
    wrong_code = track(api, case.reference, "AAAA2222")
    wrong_ref = track(api, "ZZZZZZZZZZ", code)
    no_code = api.get(f"/api/v1/track/{case.reference}/")
    assert wrong_code.status_code == wrong_ref.status_code == no_code.status_code == 404
    assert wrong_code.content == wrong_ref.content == no_code.content
    assert wrong_code["Content-Type"] == wrong_ref["Content-Type"]
    assert not TrackingView.objects.exists()


def test_tracking_is_throttled_per_client_with_retry_after(api, noted_case, settings):
    case, code = noted_case
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "track": "3/min",
        },
    }
    from rest_framework.throttling import ScopedRateThrottle

    ScopedRateThrottle.THROTTLE_RATES = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    try:
        answers = [track(api, case.reference, "WRONG222").status_code for _ in range(3)]
        assert answers == [404, 404, 404]
        blocked = track(api, case.reference, code)
        assert blocked.status_code == 429 and int(blocked["Retry-After"]) > 0
        # Another client is not affected.
        other = track(api, case.reference, code, REMOTE_ADDR="10.9.9.9")
        assert other.status_code == 200
    finally:
        from rest_framework.settings import api_settings

        ScopedRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES


def test_no_internal_note_in_any_customer_response(api, api_as, customer, noted_case):
    case, code = noted_case
    responses = [
        track(api, case.reference, code),
        api_as(customer).get("/api/v1/me/cases/"),
        api_as(customer).get(f"/api/v1/me/cases/{case.reference}/"),
    ]
    for response in responses:
        assert response.status_code == 200
        assert INTERNAL not in response.content.decode()
        assert "relationship_manager" not in response.content.decode()  # no staff account
        assert case.customer.phone not in response.content.decode()


def test_my_cases_lists_only_own(
    api_as, customer, other_customer, noted_case, branch, relationship_manager, other_branch
):
    case, _code = noted_case
    body = api_as(customer).get("/api/v1/me/cases/").json()
    assert [c["reference"] for c in body["results"]] == [case.reference]
    assert api_as(other_customer).get("/api/v1/me/cases/").json()["results"] == []
    assert api_as(other_customer).get(f"/api/v1/me/cases/{case.reference}/").status_code == 404


def test_my_case_detail_records_an_app_view(api_as, customer, noted_case):
    case, _code = noted_case
    response = api_as(customer).get(f"/api/v1/me/cases/{case.reference}/")
    assert response.status_code == 200 and response.json()["title"] == "Car loan"
    assert TrackingView.objects.filter(case=case, channel="app", customer=case.customer).exists()
    assert api_as(customer).get("/api/v1/me/cases/NOSUCHREF2/").status_code == 404


def test_my_cases_needs_a_customer_login(api, api_as, service_agent, branch_manager, noted_case):
    case, _code = noted_case
    assert api.get("/api/v1/me/cases/").status_code in (401, 403)
    assert api_as(service_agent).get("/api/v1/me/cases/").status_code == 403
    assert api_as(branch_manager).get(f"/api/v1/me/cases/{case.reference}/").status_code == 403


def test_api_urls_are_the_public_ones():
    assert reverse("transparency-api-track", args=["ABC"]) == "/api/v1/track/ABC/"
    assert reverse("transparency-api-my-cases") == "/api/v1/me/cases/"


@pytest.mark.django_db
def test_schema_documents_the_tracking_endpoints():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    track = schema["paths"]["/api/v1/track/{reference}/"]["get"]
    assert any(p["name"] == "X-Access-Code" and p["in"] == "header" for p in track["parameters"])
    assert {"200", "404", "429"} <= set(track["responses"])
    assert "/api/v1/me/cases/{reference}/" in schema["paths"]
