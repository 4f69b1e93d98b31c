"""Shared fixtures: named people at two branches (see STYLE.md: owner, colleague, outsider).

Tests marked `postgres` or `system` need the real stack. Where it is not configured (a quick
local `make test` on SQLite) they are deselected and the run says so; with CI=true a missing
service is a failure, never a skip.
"""

import os

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from tests.factories import BranchFactory, make_customer_user, make_staff


def _on_postgres() -> bool:
    return settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


def pytest_collection_modifyitems(config, items):
    _restore_reference_data_after_flushes(items)
    missing = []
    if not _on_postgres():
        missing.append("postgres")
    if not settings.CELERY_BROKER_URL:
        missing.append("system")
    if not missing:
        return
    if os.environ.get("CI") == "true":
        raise pytest.UsageError(
            f"CI=true but the real stack is not configured ({', '.join(missing)}): "
            "set DATABASE_URL to PostgreSQL and CELERY_BROKER_URL to Redis."
        )
    keep, drop = [], []
    for item in items:
        needs = {m.name for m in item.iter_markers()} & {"postgres", "system"}
        (
            drop if needs & set(missing) or ("system" in needs and "postgres" in missing) else keep
        ).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def _restore_reference_data_after_flushes(items) -> None:
    """A transactional test ends by flushing every table, including what the data migrations
    put there (roles, departments, process templates, default targets...). Serialized rollback
    reloads that content at the start of each transactional test, so no test depends on
    whether a transactional one ran before it."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker is None or not marker.kwargs.get("transaction"):
            continue
        if marker.kwargs.get("serialized_rollback"):
            continue
        item.add_marker(
            pytest.mark.django_db(**{**marker.kwargs, "serialized_rollback": True}), append=False
        )


def pytest_report_header(config):
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    broker = "redis" if settings.CELERY_BROKER_URL else "eager (no broker)"
    return f"qc-portal: database={engine}, celery={broker}"


REFERENCE_SNAPSHOT: dict[str, str] = {}


@pytest.fixture(scope="session", autouse=True)
def _reference_snapshot(request):
    """Keep a copy of what the data migrations wrote (roles, departments, templates, default
    targets...) taken before any test runs, for suites that must restore it outside a test's
    own serialized rollback (tests/e2e seeds once per session after transactional tests)."""
    if not any(item.get_closest_marker("django_db") for item in request.session.items):
        yield
        return
    request.getfixturevalue("django_db_setup")
    from django.db import connection

    with request.getfixturevalue("django_db_blocker").unblock():
        REFERENCE_SNAPSHOT["default"] = (
            getattr(connection, "_test_serialized_contents", None)
            or connection.creation.serialize_db_to_string()
        )
    yield


@pytest.fixture(autouse=True)
def _clear_cache():
    """Throttle counters and cached indexes live in the cache: no test inherits another's."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def branch(db):
    return BranchFactory(code="BJ001", name_zh="北京第1支行", name_en="Beijing Sub-branch 1")


@pytest.fixture
def other_branch(db):
    return BranchFactory(code="SH001", name_zh="上海第1支行", name_en="Shanghai Sub-branch 1")


def _role_fixture(role: str, *, at: str = "branch", department_code: str = "retail", **profile):
    @pytest.fixture
    def fixture(request, db):
        where = request.getfixturevalue(at)
        return make_staff(
            role,
            branch=where,
            username=request.fixturename,
            department_code=department_code,
            **profile,
        )

    return fixture


branch_manager = _role_fixture("branch_manager")
other_branch_manager = _role_fixture("branch_manager", at="other_branch")
service_agent = _role_fixture("service_agent", department_code="customer_service")
other_service_agent = _role_fixture(
    "service_agent", at="other_branch", department_code="customer_service"
)
relationship_manager = _role_fixture("relationship_manager")
risk_initial = _role_fixture("risk_initial", department_code="risk")
risk_review = _role_fixture("risk_review", department_code="risk")
risk_final = _role_fixture("risk_final", department_code="risk", credit_authority_limit=1_000_000)
risk_manager = _role_fixture("risk_manager", department_code="risk")
integration_admin = _role_fixture("integration_admin", department_code="it")
hr_trainer = _role_fixture("hr_trainer", department_code="hr")
head_office = _role_fixture("head_office", department_code="head_office")
auditor = _role_fixture("auditor", department_code="head_office")


@pytest.fixture
def customer(branch):
    user, _record = make_customer_user(branch=branch, username="customer")
    return user


@pytest.fixture
def other_customer(other_branch):
    user, _record = make_customer_user(branch=other_branch, username="other_customer")
    return user


@pytest.fixture
def no_role_user(db):
    from tests.factories import UserFactory

    return UserFactory(username="nobody")


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def api_as():
    """api_as(user) -> an APIClient logged in as that user."""

    def login(user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    return login
