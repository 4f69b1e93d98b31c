"""The mobile app's flow against the running server: token, my cases, a case, feedback,
sign-out, and the revoked token refused."""

import json
import urllib.error
import urllib.request

import pytest

from tests.e2e.conftest import PASSWORD

pytestmark = pytest.mark.postgres


def call(base: str, method: str, path: str, *, token: str | None = None, body=None):
    request = urllib.request.Request(f"{base}{path}", method=method)
    request.add_header("Accept", "application/json")
    request.add_header("Accept-Language", "en")
    if token:
        request.add_header("Authorization", f"Token {token}")
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, data=data, timeout=20) as response:
            raw = response.read()
            return response.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as error:
        raw = error.read()
        return error.code, json.loads(raw) if raw else None


def test_mobile_app_flow(portal):
    status, body = call(
        portal, "POST", "/api/v1/auth/token/", body={"username": "customer", "password": "nope"}
    )
    assert status == 400, body

    status, body = call(
        portal, "POST", "/api/v1/auth/token/", body={"username": "customer", "password": PASSWORD}
    )
    assert status == 201, body
    token = body["token"]
    assert body["expires_at"]

    status, cases = call(portal, "GET", "/api/v1/me/cases/", token=token)
    assert status == 200, cases
    results = cases["results"] if isinstance(cases, dict) else cases
    assert results, "the demo customer has cases"
    reference = results[0]["reference"]

    status, case = call(portal, "GET", f"/api/v1/me/cases/{reference}/", token=token)
    assert status == 200, case
    assert case["reference"] == reference
    assert "steps" in case or "timeline" in case, sorted(case)

    # Someone else's (or a made-up) case is not found.
    status, _body = call(portal, "GET", "/api/v1/me/cases/NOSUCHCASE/", token=token)
    assert status == 404

    # Rate a service not rated yet.
    status, records = call(portal, "GET", "/api/v1/services/me/records/", token=token)
    assert status == 200, records
    rows = records["results"] if isinstance(records, dict) else records
    unrated = [row for row in rows if not row.get("rating") and not row.get("feedback")]
    assert unrated, rows[:3]
    record_id = unrated[0]["id"]
    status, feedback = call(
        portal,
        "POST",
        "/api/v1/services/feedback/",
        token=token,
        body={"service_record": record_id, "rating": 4, "comment": "from the app"},
    )
    assert status == 201, feedback
    status, again = call(
        portal,
        "POST",
        "/api/v1/services/feedback/",
        token=token,
        body={"service_record": record_id, "rating": 1, "comment": "twice"},
    )
    assert status in (400, 409), again
    assert again["code"] and again["message"]

    # Sign out: the token is revoked and no longer opens anything.
    status, _body = call(portal, "DELETE", "/api/v1/auth/token/", token=token)
    assert status == 204
    status, body = call(portal, "GET", "/api/v1/me/cases/", token=token)
    assert status == 401, body
