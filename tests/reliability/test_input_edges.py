"""Input edges as properties: hostile values in every registered inbound record type, empty and
oversized batches, and the period / KPI-result parsers. The answer is always a clear refusal
(a 4xx, or a `rejected` outcome with its reason) and nothing written — never a crash.
"""

from __future__ import annotations

import json
import time

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from integration import actions, registry
from integration.signing import sign
from qc_portal.models import AuditEvent, Department
from qc_portal.periods import Period
from tests.factories import BranchFactory

pytestmark = pytest.mark.django_db

FAST = settings(
    max_examples=40, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck)
)

HOSTILE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([10**30, -1, 0, 2**31, 2**63, -(2**63) - 1]),
    st.floats(allow_nan=False, allow_infinity=False),  # JSON has no NaN (see below)
    # Records arrive through parse_body, which refuses NUL (see the API test below).
    st.text(max_size=30, alphabet=st.characters(blacklist_characters="\x00")),
    st.sampled_from(
        [
            "",
            " ",
            "名字🙂\u202e",
            "x" * 5000,
            "1970-01-01T00:00:00+00:00",
            "0001-01-01T00:00:00Z",
            "9999-12-31T23:59:59+08:00",
            "2100-01-01T00:00:00+08:00",
            "-2026-10-15T09:00:00+08:00",
            "2026-02-30",
            "NaN",
            "1e308",
            "-0.01",
        ]
    ),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


@pytest.fixture
def source(db, integration_admin):
    BranchFactory(code="BJ001")
    registry.discover()
    source, secret = actions.create_source_system(
        code="EDGE",
        name="Edge cases",
        owning_department=Department.objects.get(code="it"),
        allowed_record_types=sorted(registry.types()),
        expected_frequency_minutes=60,
        actor=integration_admin,
    )
    source.test_secret = secret
    return source


def _business_rows() -> int:
    """Audit events of business changes (the ingest's own batch bookkeeping excluded): every
    applied record writes one."""
    return AuditEvent.objects.exclude(action__startswith="integration.").count()


@pytest.mark.parametrize("record_type", sorted(registry.types() or ["service_record"]))
def test_hostile_records_are_rejected_with_a_reason_and_write_nothing(source, record_type):
    registry.discover()
    fields = list(registry.get(record_type).serializer().fields)
    counter = []

    @FAST
    @given(
        values=st.fixed_dictionaries({}, optional={name: HOSTILE for name in fields}),
        key=st.text(min_size=1, max_size=20, alphabet=st.characters(blacklist_characters="\x00")),
    )
    def check(values, key):
        before = _business_rows()
        counter.append(1)  # a fresh key per example: replays are not duplicates
        result = actions.receive_batch(
            source,
            record_type=record_type,
            records=[{"idempotency_key": f"{key}-{len(counter)}", **values}],
        )
        (outcome,) = result.outcomes
        assert outcome.outcome in {"accepted", "duplicate", "rejected", "conflict", "pending"}
        if outcome.outcome == "rejected":
            assert outcome.reason or outcome.errors
            assert _business_rows() == before, "a rejected record wrote a business change"

    check()


@pytest.mark.parametrize(
    "change",
    [
        {"arrived_at": "2100-01-01T09:00:00+08:00", "called_at": None, "finished_at": None},
        {"finished_at": "2026-10-15T08:00:00+08:00"},  # finished before arriving
        {"called_at": "2026-10-15T08:59:59+08:00"},  # called before arriving
        {"branch": "NOPE"},
        {"channel": "telepathy"},
    ],
)
def test_impossible_service_times_are_rejected(source, change):
    record = {
        "idempotency_key": "edge-1",
        "external_id": "EDGE-1",
        "branch": "BJ001",
        "channel": "counter",
        "service_type": "card",
        "arrived_at": "2026-10-15T09:00:00+08:00",
        "called_at": "2026-10-15T09:05:00+08:00",
        "finished_at": "2026-10-15T09:10:00+08:00",
        "outcome": "served",
        **change,
    }
    record = {k: v for k, v in record.items() if v is not None}
    before = _business_rows()
    (outcome,) = actions.receive_batch(
        source, record_type="service_record", records=[record]
    ).outcomes
    assert outcome.outcome == "rejected", outcome
    assert _business_rows() == before


def _post(api, source, body: bytes, record_type="service_record"):
    timestamp = int(time.time())
    return api.generic(
        "POST",
        f"/api/v1/ingest/{record_type}/",
        body,
        content_type="application/json",
        HTTP_X_SOURCE_SYSTEM=source.code,
        HTTP_X_TIMESTAMP=str(timestamp),
        HTTP_X_SIGNATURE=sign(source.test_secret, timestamp, body),
    )


@pytest.mark.parametrize(
    "body,status",
    [
        (b'{"records": []}', 400),
        (b'{"records": {}}', 400),
        (b"[]", 400),
        (b"not json", 400),
        (b"\xff\xfe", 400),
        (b'{"records": [1, "x", null]}', 200),  # per-record rejections
    ],
)
def test_malformed_and_empty_batches_are_refused(api, source, body, status):
    from integration.models import InboundRecord

    before = (InboundRecord.objects.count(), _business_rows())
    response = _post(api, source, body)
    assert response.status_code == status, response.content
    if status >= 400:
        assert set(response.json()) >= {"code", "message", "errors"}
        assert (InboundRecord.objects.count(), _business_rows()) == before
        return
    outcomes = {r["outcome"] for r in response.json()["results"]}
    assert outcomes == {"rejected"}
    assert _business_rows() == before[1]


@pytest.mark.parametrize(
    "record",
    [
        b'{"idempotency_key": "nul-1", "comment": "a\\u0000b"}',
        b'{"idempotency_key": "nul\\u0000", "rating": 5}',
        b'{"idempotency_key": "nul-2", "a\\u0000": 1}',
    ],
)
def test_nul_characters_are_refused_before_anything_is_stored(api, source, record):
    """PostgreSQL cannot store U+0000 in text or JSON (it was a 500 there)."""
    from integration.models import InboundRecord

    response = _post(api, source, b'{"records": [' + record + b"]}", record_type="service_feedback")
    assert response.status_code == 400, response.status_code
    assert InboundRecord.objects.count() == 0


@pytest.mark.parametrize("constant", [b"NaN", b"Infinity", b"-Infinity"])
def test_non_finite_numbers_are_refused_as_invalid_json(api, source, constant):
    """Python's json module reads NaN/Infinity, which JSON does not have and the JSON columns
    cannot store: the body is refused (400), not a server error."""
    from integration.models import InboundRecord

    body = b'{"records": [{"idempotency_key": "nan-1", "rating": ' + constant + b"}]}"
    response = _post(api, source, body, record_type="service_feedback")
    assert response.status_code == 400, response.status_code
    assert response.json()["code"] == "invalid_json"
    assert InboundRecord.objects.count() == 0


def test_oversized_batch_is_refused_whole(api, source, settings):
    from integration.models import InboundRecord

    settings.QC_INGEST_MAX_BATCH = 50
    records = [{"idempotency_key": f"k{n}", "external_id": f"E{n}"} for n in range(51)]
    response = _post(api, source, json.dumps({"records": records}).encode())
    assert response.status_code == 413
    assert set(response.json()) >= {"code", "message", "errors"}
    assert InboundRecord.objects.count() == 0


# --- periods -------------------------------------------------------------------------------


@FAST
@given(st.text(max_size=12))
def test_period_parse_accepts_or_refuses_clearly(text):
    try:
        period = Period.parse(text)
    except ValidationError:
        return
    assert Period.parse(str(period)) == period
    assert period.start < period.end


@FAST
@given(
    year=st.integers(min_value=1, max_value=9999),
    month=st.integers(min_value=-3, max_value=15),
    quarter=st.integers(min_value=-1, max_value=6),
)
def test_period_parse_round_trips_and_bounds(year, month, quarter):
    for text, valid in (
        (f"{year:04d}-{month:02d}" if month >= 0 else f"{year:04d}-{month}", 1 <= month <= 12),
        (f"{year:04d}-Q{quarter}", 1 <= quarter <= 4),
    ):
        try:
            period = Period.parse(text)
        except ValidationError:
            # Out of range, or outside the years the calendar supports.
            assert not valid or not 1900 <= year <= 2200
            continue
        assert valid
        assert str(period) == text


@FAST
@given(
    params=st.fixed_dictionaries(
        {},
        optional={
            "period": st.one_of(
                st.text(max_size=10), st.sampled_from(["2026-10", "2026-Q4", "9999-12", "0000-01"])
            ),
            "scope": st.one_of(
                st.text(max_size=12),
                st.sampled_from(["bank", "branch:BJ001", "branch:", "branch:🙂"]),
            ),
            "measure": st.one_of(
                st.text(max_size=4), st.sampled_from(["1", "5", "6", "-1", "99999999999999999999"])
            ),
            "status": st.one_of(st.text(max_size=8), st.sampled_from(["met", "missed"])),
            "page": st.sampled_from(["0", "-1", "1", "999999", "x"]),
        },
    )
)
def test_kpi_results_query_parameters_never_crash(params, head_office_client):
    from django.core.cache import cache

    cache.clear()
    response = head_office_client.get("/api/v1/kpis/results/", params)
    assert response.status_code in (200, 400, 404), (params, response.status_code)
    if response.status_code != 200:
        assert set(response.json()) >= {"code", "message", "errors"}


@pytest.fixture
def head_office_client(head_office, api_as):
    return api_as(head_office)
