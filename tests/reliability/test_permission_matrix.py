"""The permission matrix: every URL pattern × every principal (each role of DESIGN.md §1,
anonymous, a customer who does not own the object, a branch manager of another branch).

The data table EXPECTED holds the status of every cell; a URL pattern without a row fails the
suite, so a new endpoint must be classified here. Parameterised URLs point at real objects of the
demo `customer` login at the demo `branch_manager`'s branch (tests/reliability/world.py), so the
other_customer / other_branch_manager columns are object-level (BOLA/IDOR) checks.

Write endpoints (POST) are sent a valid payload, so the permission check is really reached; for
every principal outside WRITERS the database must be unchanged (row counts of every table of the
project, AuditEvent included) — web forms answer a refused write with a redirect and a message,
so "0 rows changed" is the real check there. Every 200 answer to a non-owner (other customer,
other branch's manager) must not contain the owner's identifiers.

Regenerate the observed table (to review a change, never to paste blindly):
    RELIABILITY_MATRIX_DUMP=/tmp/matrix.txt pytest tests/reliability/test_permission_matrix.py
"""

from __future__ import annotations

import copy
import json
import os
from dataclasses import dataclass, field

import pytest
from django.apps import apps
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from qc_portal.roles import Role
from tests.reliability.urlwalk import all_patterns
from tests.reliability.world import ANON, OTHER_BRANCH_MANAGER, OTHER_CUSTOMER, PRINCIPALS

# Column order of EXPECTED (abbreviations):
#   anon cust agent bm rm r1 r2 r3 rmgr int hr ho aud ocust obm
assert PRINCIPALS == [
    ANON,
    *[role.value for role in Role],
    OTHER_CUSTOMER,
    OTHER_BRANCH_MANAGER,
]

READ_ONLY = {Role.HEAD_OFFICE.value, Role.AUDITOR.value}


@dataclass(frozen=True)
class Req:
    method: str = "get"
    data: dict = field(default_factory=dict)
    json: bool = False  # API bodies are JSON


def post(**data):
    return Req("post", data)


def api_post(**data):
    return Req("post", data, json=True)


def get(**query):
    return Req("get", query)


# How each URL is requested (default: GET without parameters). Valid payloads, so that the
# permission check — not input validation — decides.
REQUESTS = {
    "alert-handle": post(status="acknowledged", note="seen"),
    "two-factor-recovery-codes": post(),
    "logout": post(),
    "api-token": api_post(username="nobody", password="wrong"),
    "services-erlang-c": get(arrivals_per_hour=60, aht_seconds=180, target_seconds=20, sla=0.8),
    "services-feedback": api_post(record=0, rating=5),
    "credit-application-decisions": api_post(
        stage="initial_review", decision="approve", reason="Income verified."
    ),
    "credit-application-resubmit": api_post(note="More documents."),
    "ingest": api_post(records=[]),
    "training-enroll": api_post(),
    "training-survey-answers": api_post(answers=[]),
    "assistant-api-chat": api_post(message="How long does a loan take?"),
    "assistant-api-feedback": api_post(turn=1, helpful=True),
    "kpi-result-list": get(period="2026-10"),
    "services:roster-set": post(
        branch="{branch}",
        channel="counter",
        date="2026-12-01",
        hour=9,
        staff_count=3,
        week="2026-W49",
    ),
    "services:console-new": post(service_type="other"),
    "services:console-act": post(counter="1"),
    "services:rate-submit": post(rating=5, comment="good"),
    "transparency:manual-publish": post(
        title_zh="手册",
        title_en="Manual",
        body_zh="正文",
        body_en="Body text.",
        department_code="retail",
        next_review_on="2027-06-01",
    ),
    "transparency:case-act": post(action="note", text="Called the customer."),
    "credit:decide": post(stage="initial_review", decision="approve", reason="Income verified."),
    "credit:resubmit": post(note="More documents."),
    "integration:source-update": post(),
    "integration:source-rotate": post(),
    "integration:source-status": post(status="paused"),
    "integration:records-replay": post(),
    "integration:record-replay": post(),
    "integration:dataset-sharing": post(),
    "training:plan-propose": post(quarter="2027-Q1"),
    "training:plan-publish": post(),
    "training:session-create": post(),
    "training:session-enroll": post(),
    "training:requirement-add": post(),
    "training:question-add": post(),
    "training:requirement-end": post(),
    "training:withdraw": post(),
    "training:feedback": post(rating=5),
    "training:idea-support": post(),
    "training:idea-review": post(status="accepted", note="Good idea."),
    "assistant:ask": post(message="How long does a loan take?"),
    "assistant:end": post(),
    "assistant:feedback": post(helpful="1"),
    "assistant:faq-retire": post(),
    "kpis:plan-step-done": post(note="Done and documented."),
    "kpis:export": get(period="2026-10"),
}

EVERYONE = set(PRINCIPALS)
SIGNED_IN = EVERYONE - {ANON}
STAFF = SIGNED_IN - {Role.CUSTOMER.value, OTHER_CUSTOMER}

# Expected status of every cell (302 for a web page = the login redirect for anonymous, or a form
# answered with a redirect; the WRITERS check then says whether anything was written).
TABLE = """
#                                  anon cust agnt   bm   rm   r1   r2   r3 rmgr  int   hr   ho  aud ocus  obm
home                                  302  302  302  302  302  302  302  302  302  302  302  302  302  302  302
alerts                                302  403  200  200  200  200  200  200  200  200  200  200  200  403  200
alert-handle                          302  404  404  302  404  404  404  404  404  404  404  403  403  404  404
audit                                 302  403  403  403  403  403  403  403  403  403  403  200  200  403  403
login                                 200  200  200  200  200  200  200  200  200  200  200  200  200  200  200
two-factor-setup                      302  200  200  200  200  302  302  302  302  302  200  200  200  200  200
two-factor-verify                     302  302  302  302  302  200  200  200  200  200  302  302  302  302  302
two-factor-recovery-codes             302  302  302  302  302  302  302  302  302  302  302  302  302  302  302
logout                                302  302  302  302  302  302  302  302  302  302  302  302  302  302  302
password_change                       302  200  200  200  200  200  200  200  200  200  200  200  200  200  200
password_change_done                  302  200  200  200  200  200  200  200  200  200  200  200  200  200  200
password_reset                        200  200  200  200  200  200  200  200  200  200  200  200  200  200  200
password_reset_done                   200  200  200  200  200  200  200  200  200  200  200  200  200  200  200
password_reset_confirm                200  200  200  200  200  200  200  200  200  200  200  200  200  200  200
password_reset_complete               200  200  200  200  200  200  200  200  200  200  200  200  200  200  200
set_language                          302  302  302  302  302  302  302  302  302  302  302  302  302  302  302
healthz                               200  200  200  200  200  200  200  200  200  200  200  200  200  200  200
readyz                                200  200  200  200  200  200  200  200  200  200  200  200  200  200  200
api-token                             400  400  400  400  400  400  400  400  400  400  400  400  400  400  400
api-me                                401  200  200  200  200  200  200  200  200  200  200  200  200  200  200
api-audit-events                      401  403  403  403  403  403  403  403  403  403  403  200  200  403  403
services-erlang-c                     401  403  400  400  400  400  400  400  400  400  400  400  400  403  400
services-live-queue                   401  403  403  200  403  403  403  403  403  403  403  200  200  403  404
services-feedback                     401  400  403  403  403  403  403  403  403  403  403  403  403  400  403
services-my-records                   401  200  403  403  403  403  403  403  403  403  403  403  403  200  403
transparency-api-track                404  404  404  404  404  404  404  404  404  404  404  404  404  404  404
transparency-api-my-cases             401  200  403  403  403  403  403  403  403  403  403  403  403  200  403
transparency-api-my-case              401  200  403  403  403  403  403  403  403  403  403  403  403  404  403
credit-applications                   401  200  200  200  200  200  200  200  200  200  200  200  200  200  200
credit-application                    401  404  404  404  200  200  404  404  200  404  404  200  200  404  404
credit-application-decisions          401  404  404  404  403  201  403  403  403  404  404  403  403  404  404
credit-application-resubmit           401  404  404  404  409  403  404  404  403  404  404  403  403  404  404
ingest-batch                          401  403  403  403  403  403  403  403  403  200  403  403  403  403  403
ingest                                401  401  401  401  401  401  401  401  401  401  401  401  401  401  401
dataset-list                          401  403  200  200  200  200  200  200  200  200  200  200  200  403  200
dataset-records                       401  403  200  200  200  403  403  403  403  403  403  200  200  403  200
training-me                           401  403  200  200  200  200  200  200  200  200  200  200  200  403  200
training-enroll                       401  403  201  201  201  201  201  201  201  201  201  201  201  403  201
training-coverage                     401  403  403  200  403  403  403  403  403  403  200  200  200  403  200
training-survey-answers               401  403  400  400  400  400  400  400  400  400  400  400  400  403  400
assistant-api-chat                    200  200  200  200  200  200  200  200  200  200  200  200  200  200  200
assistant-api-session                 404  200  404  404  404  404  404  404  404  404  404  404  404  404  404
assistant-api-feedback                404  200  404  404  404  404  404  404  404  404  404  404  404  404  404
kpi-list                              403  403  200  200  200  200  200  200  200  200  200  200  200  403  200
kpi-result-list                       403  403  200  200  200  200  200  200  200  200  200  200  200  403  200
api-schema                            200  200  200  200  200  200  200  200  200  200  200  200  200  200  200
api-docs                              200  200  200  200  200  200  200  200  200  200  200  200  200  200  200
services:board                        302  403  403  200  403  403  403  403  403  403  403  200  200  403  200
services:board-live                   302  403  403  200  403  403  403  403  403  403  403  200  200  403  200
services:report                       302  403  403  200  403  403  403  403  403  403  403  200  200  403  200
services:staffing                     302  403  403  200  403  403  403  403  403  403  403  200  200  403  200
services:what-if                      302  403  200  200  200  200  200  200  200  200  200  200  200  403  200
services:roster-set                   302  403  403  302  403  403  403  403  403  403  403  403  403  403  404
services:standards                    302  403  403  200  403  403  403  403  403  403  403  200  200  403  200
services:console                      302  403  200  403  403  403  403  403  403  403  403  403  403  403  403
services:console-new                  302  403  302  403  403  403  403  403  403  403  403  403  403  403  403
services:console-act                  302  403  302  403  403  403  403  403  403  403  403  403  403  403  403
services:rate                         302  200  403  403  403  403  403  403  403  403  403  403  403  200  403
services:rate-submit                  302  404  403  403  403  403  403  403  403  403  403  403  403  404  403
transparency:track                    200  200  200  200  200  200  200  200  200  200  200  200  200  200  200
transparency:manuals                  200  200  200  200  200  200  200  200  200  200  200  200  200  200  200
transparency:manual                   200  200  200  200  200  200  200  200  200  200  200  200  200  200  200
transparency:manual-publish           302  403  403  302  403  403  403  403  302  403  403  302  403  403  302
transparency:my-cases                 302  200  403  403  403  403  403  403  403  403  403  403  403  200  403
transparency:my-case                  302  200  403  403  403  403  403  403  403  403  403  403  403  404  403
transparency:cases                    302  403  200  200  200  200  200  200  200  403  403  200  200  403  200
transparency:case-new                 302  403  200  200  200  403  403  403  403  403  403  403  403  403  200
transparency:case-detail              302  403  200  200  200  200  200  200  200  403  403  200  200  403  404
transparency:case-act                 302  403  302  302  302  302  302  302  302  403  403  403  403  403  404
transparency:inquiry-new              302  403  200  200  200  403  403  403  403  403  403  403  403  403  200
transparency:overdue                  302  403  403  200  403  403  403  403  403  403  403  200  200  403  200
credit:queue                          302  403  403  403  403  200  200  200  200  403  403  200  200  403  403
credit:applications                   302  403  403  403  200  200  200  200  200  403  403  200  200  403  403
credit:submit                         302  403  403  403  200  403  403  403  403  403  403  403  403  403  403
credit:application                    302  404  404  404  200  200  404  404  200  404  404  200  200  404  404
credit:decide                         302  404  404  404  302  302  302  302  302  404  404  302  302  404  404
credit:resubmit                       302  404  404  404  302  302  404  404  302  404  404  302  302  404  404
credit:loans                          302  403  403  403  200  403  403  403  200  403  403  200  200  403  403
credit:loan                           302  404  404  404  200  404  404  404  200  404  404  200  200  404  404
credit:npl                            302  403  403  403  403  403  403  403  200  403  403  200  200  403  403
credit:reviews                        302  403  403  403  403  403  403  403  200  403  403  200  200  403  403
credit:policy                         302  403  403  403  403  403  403  403  200  403  403  200  200  403  403
integration:health                    302  403  403  403  403  403  403  403  403  200  403  200  200  403  403
integration:source-create             302  403  403  403  403  403  403  403  403  200  403  403  403  403  403
integration:source-detail             302  403  403  403  403  403  403  403  403  200  403  200  200  403  403
integration:source-update             302  403  403  403  403  403  403  403  403  302  403  403  403  403  403
integration:source-rotate             302  403  403  403  403  403  403  403  403  200  403  403  403  403  403
integration:source-status             302  403  403  403  403  403  403  403  403  302  403  403  403  403  403
integration:source-evaluation         302  403  403  403  403  403  403  403  403  200  403  200  200  403  403
integration:records                   302  403  403  403  403  403  403  403  403  200  403  200  200  403  403
integration:records-replay            302  403  403  403  403  403  403  403  403  302  403  403  403  403  403
integration:record-replay             302  403  403  403  403  403  403  403  403  302  403  403  403  403  403
integration:datasets                  302  403  403  403  403  403  403  403  403  200  403  200  200  403  403
integration:dataset-create            302  403  403  403  403  403  403  403  403  200  403  403  403  403  403
integration:dataset-sharing           302  403  403  403  403  403  403  403  403  404  403  403  403  403  403
training:plan                         302  403  403  403  403  403  403  403  403  403  200  403  403  403  403
training:plan-propose                 302  403  403  403  403  403  403  403  403  403  302  403  403  403  403
training:plan-publish                 302  403  403  403  403  403  403  403  403  403  302  403  403  403  403
training:session-create               302  403  403  403  403  403  403  403  403  403  404  403  403  403  403
training:session                      302  403  403  403  403  403  403  403  403  403  200  403  403  403  403
training:session-enroll               302  403  302  302  302  302  302  302  302  302  302  302  302  403  302
training:coverage                     302  403  403  200  403  403  403  403  403  403  200  200  200  403  200
training:courses                      302  403  403  403  403  403  403  403  403  403  200  200  200  403  403
training:course                       302  403  200  200  200  200  200  200  200  200  200  200  200  403  200
training:course-report                302  403  403  403  403  403  403  403  403  403  200  200  200  403  403
training:requirement-add              302  403  403  403  403  403  403  403  403  403  302  403  403  403  403
training:question-add                 302  403  403  403  403  403  403  403  403  403  302  403  403  403  403
training:requirement-end              302  403  403  403  403  403  403  403  403  403  302  403  403  403  403
training:my                           302  403  200  200  200  200  200  200  200  200  200  200  200  403  200
training:withdraw                     302  403  302  404  404  404  404  404  404  404  404  404  404  403  404
training:quiz                         302  403  200  404  404  404  404  404  404  404  404  404  404  403  404
training:feedback                     302  403  302  404  404  404  404  404  404  404  404  404  404  403  404
training:surveys                      302  403  403  403  403  403  403  403  403  403  200  403  403  403  403
training:survey                       302  403  200  200  200  200  200  200  200  200  200  200  200  403  200
training:survey-results               302  403  403  403  403  403  403  403  403  403  200  403  403  403  403
training:employees                    302  403  403  403  403  403  403  403  403  403  200  403  403  403  403
training:ideas                        302  403  200  200  200  200  200  200  200  200  200  200  200  403  200
training:idea-support                 302  403  302  302  302  302  302  302  302  302  302  302  302  403  404
training:idea-review                  302  404  403  302  403  403  403  403  403  403  302  403  403  404  404
assistant:chat                        200  200  200  200  200  200  200  200  200  200  200  200  200  200  200
assistant:ask                         302  302  302  302  302  302  302  302  302  302  302  302  302  302  302
assistant:end                         302  302  302  302  302  302  302  302  302  302  302  302  302  302  302
assistant:feedback                    404  200  404  404  404  404  404  404  404  404  404  404  404  404  404
assistant:handovers                   302  403  200  200  403  403  403  403  403  403  403  403  403  403  200
assistant:handover                    302  404  200  200  404  404  404  404  404  404  404  404  404  404  404
assistant:curation                    302  403  200  200  403  403  403  403  403  403  403  403  403  403  200
assistant:faq                         302  403  200  200  403  403  403  403  403  403  403  403  403  403  200
assistant:faq-new                     302  403  200  200  403  403  403  403  403  403  403  403  403  403  200
assistant:faq-edit                    302  403  200  200  403  403  403  403  403  403  403  403  403  403  200
assistant:faq-retire                  302  403  302  302  403  403  403  403  403  403  403  403  403  403  302
kpis:overview                         302  403  403  200  403  403  403  403  200  200  200  200  200  403  200
kpis:branches                         302  403  403  403  403  403  403  403  200  403  403  200  200  403  403
kpis:kpi-detail                       302  403  403  200  403  403  403  403  200  200  200  200  200  403  200
kpis:plan                             302  403  403  200  403  403  403  403  200  200  200  200  200  403  200
kpis:plan-step-done                   302  403  403  403  403  403  403  403  403  302  403  403  403  403  403
kpis:export                           302  403  403  200  403  403  403  403  200  200  200  200  200  403  200
kpis:report                           302  403  403  200  403  403  403  403  200  200  200  200  200  403  200
"""

WRITERS = {
    "alert-handle": {"branch_manager"},
    "logout": SIGNED_IN,  # the sign-out security event
    "api-token": EVERYONE,  # the failed sign-in security event
    "credit-application-decisions": {"risk_initial"},
    "training-enroll": STAFF,  # every employee enrols themself, read-only roles too
    "assistant-api-chat": EVERYONE,  # the public chatbot keeps a transcript
    "services:roster-set": {"branch_manager"},
    "services:console-new": {"service_agent"},
    # Head office owns the manuals and process templates (transparency's design), although
    # DESIGN.md §1 lists it as read-only: see READ_ONLY_EXCEPTIONS.
    "transparency:manual-publish": {
        "branch_manager",
        "risk_manager",
        "head_office",
        "other_branch_manager",
    },
    "transparency:case-act": {
        "service_agent",
        "branch_manager",
        "relationship_manager",
        "risk_initial",
        "risk_review",
        "risk_final",
        "risk_manager",
    },
    "credit:decide": {"risk_initial"},
    "integration:source-rotate": {"integration_admin"},
    "integration:records-replay": {"integration_admin"},
    "training:plan-propose": {"hr_trainer"},
    "training:plan-publish": {"hr_trainer"},
    "training:session-enroll": STAFF,
    "training:withdraw": {"service_agent"},
    "assistant:ask": EVERYONE,
    "assistant:faq-retire": {"service_agent", "branch_manager", "other_branch_manager"},
    "kpis:plan-step-done": {"integration_admin"},
}


def _parse_table(text: str) -> dict[str, list[int]]:
    rows = {}
    for line in text.strip().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        name, *cells = line.split()
        assert len(cells) == len(PRINCIPALS), f"{name}: {len(cells)} cells"
        rows[name] = [int(c) for c in cells]
    return rows


EXPECTED = _parse_table(TABLE)

# --- the machinery ------------------------------------------------------------------------

_TABLES = None


def _fingerprint() -> tuple:
    """Row counts of every table of the project and of the users, in one query."""
    global _TABLES
    if _TABLES is None:
        models = [
            m
            for m in apps.get_models()
            if m._meta.app_label
            in {
                "qc_portal",
                "services",
                "transparency",
                "credit",
                "integration",
                "training",
                "assistant",
                "kpis",
                "auth",
            }
            and not m._meta.proxy
            and m._meta.managed
        ]
        _TABLES = sorted({m._meta.db_table for m in models})
    quote = connection.ops.quote_name
    sql = "SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {quote(t)})" for t in _TABLES)
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return tuple(cursor.fetchone())


def _changed(before, after) -> list[str]:
    return [f"{t}: {a}->{b}" for t, a, b in zip(_TABLES, before, after, strict=True) if a != b]


@pytest.fixture(scope="module")
def clients(world):
    result = {}
    for principal in PRINCIPALS:
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        user = world.users[principal]
        if user is not None:
            client.force_login(user)
        result[principal] = client
    return result


def _secrets(world) -> list[str]:
    """Identifiers of the owner's objects that a non-owner must never see."""
    from credit.models import Application
    from transparency.models import Case

    customer = world.users[Role.CUSTOMER].customer
    values = [customer.customer_number, customer.name]
    values += list(Case.objects.filter(customer=customer).values_list("reference", flat=True))
    values += list(
        Application.objects.filter(customer=customer).values_list("reference", flat=True)
    )
    return [v for v in values if v]


def _request(client, name, world):
    spec = REQUESTS.get(name, Req())
    url = reverse(name, kwargs=world.kwargs.get(name, {}))
    data = {
        k: (v.format(branch=world.branch.code) if isinstance(v, str) else v)
        for k, v in spec.data.items()
    }
    cookies = copy.deepcopy(client.cookies)  # logout/login rotate the session cookie
    if spec.method == "get":
        response = client.get(url, data)
    elif spec.json:
        response = client.post(url, json.dumps(data), content_type="application/json")
    else:
        response = client.post(url, data)
    client.cookies = cookies
    return response


def _observe(name, world, clients, secrets):
    spec = REQUESTS.get(name, Req())
    statuses, problems = [], []
    for principal in PRINCIPALS:
        cache.clear()  # throttles
        savepoint = transaction.savepoint()
        before = _fingerprint() if spec.method == "post" else None
        response = _request(clients[principal], name, world)
        if before is not None and principal not in WRITERS.get(name, set()):
            changed = _changed(before, _fingerprint())
            if changed:
                problems.append(f"{principal} changed rows: {changed}")
        if principal in (OTHER_CUSTOMER, OTHER_BRANCH_MANAGER) and response.status_code == 200:
            body = b"".join(response) if response.streaming else response.content
            text = body.decode("utf-8", "replace")
            leaked = [s for s in secrets if s in text]
            if leaked:
                problems.append(f"{principal} sees the owner's {leaked}")
        transaction.savepoint_rollback(savepoint)
        statuses.append(response.status_code)
    return statuses, problems


def _names():
    return [name for _route, name in all_patterns() if not name.startswith("admin")]


@pytest.mark.parametrize("name", _names())
def test_cell(name, world, clients, db):
    expected = EXPECTED.get(name)
    statuses, problems = _observe(name, world, clients, _secrets(world))
    dump = os.environ.get("RELIABILITY_MATRIX_DUMP")
    if dump:
        with open(dump, "a") as out:
            out.write(f"{name:38s} " + " ".join(f"{s:>4}" for s in statuses) + "\n")
            for problem in problems:
                out.write(f"#   {problem}\n")
    assert expected is not None, f"{name} has no row in the permission matrix: classify it"
    wrong = [
        (p, f"{p}: expected {e}, got {s}")
        for p, e, s in zip(PRINCIPALS, expected, statuses, strict=True)
        if e != s
    ]
    problems = [(text.split(" ", 1)[0], text) for text in problems]
    # Every cell must hold: a wrong cell is a bug to fix, never a known exception to carry.
    assert [text for _p, text in wrong + problems] == []


def test_every_url_pattern_is_classified():
    names = set(_names())
    assert sorted(names - set(EXPECTED)) == []
    assert sorted(set(EXPECTED) - names) == [], "rows for URLs that no longer exist"
    assert sorted(set(REQUESTS) - names) == []


def test_read_only_roles_write_only_for_themselves():
    """Head office and auditors read everything and change nothing — except their own
    self-service (signing out, enrolling in training, the chatbot)."""
    self_service = {
        "logout",
        "api-token",
        "training-enroll",
        "training:session-enroll",
        "assistant-api-chat",
        "assistant:ask",
    }
    writes = {
        name
        for name, who in WRITERS.items()
        if who & READ_ONLY and name not in self_service and name not in READ_ONLY_EXCEPTIONS
    }
    assert writes == set()


# Writes by a read-only role that the owning app does on purpose (reported to the coordinator:
# DESIGN.md §1 says head office reads everything and changes nothing).
READ_ONLY_EXCEPTIONS = {
    "transparency:manual-publish": "head office publishes the bank's manuals (and owns the "
    "process templates: transparency.actions.publish_template_version)",
}


def test_matrix_size():
    """endpoints x principals covered (the README figure)."""
    assert len(EXPECTED) >= 135
    assert len(PRINCIPALS) == 15


@pytest.mark.parametrize(
    "name", ["admin:index", "admin:qc_portal_auditevent_changelist", "admin:auth_user_changelist"]
)
def test_admin_is_for_staff_accounts_only(name, world, clients, db):
    """The Django admin (its ~290 URL patterns share one gate, AdminSite.has_permission):
    no role of the portal is an admin account, so every principal is sent to the admin login."""
    url = reverse(name)
    for principal in PRINCIPALS:
        response = clients[principal].get(url)
        assert response.status_code == 302, principal
        assert reverse("admin:login") in response["Location"], principal
    assert not any(user.is_staff for user in world.users.values() if user is not None), (
        "a portal role holder is an admin account"
    )
