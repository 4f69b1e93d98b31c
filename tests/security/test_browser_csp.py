"""In a real browser (Debian's Chromium through Playwright), the portal's pages run under the
Content-Security-Policy without a single violation or script error: inline scripts carry the
request's nonce, nothing uses inline event handlers."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.test import Client

from tests.factories import make_staff

CHROMIUM = os.environ.get("QC_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop in this thread

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium is not installed"),
]
ORIGIN = "http://localhost"  # a potentially trustworthy origin, as HTTPS is in production
REPORT_VIOLATIONS = (
    "document.addEventListener('securitypolicyviolation', e => "
    "console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI))"
)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


def _serve(client: Client):
    """A Playwright route handler answering every request with Django's test client (the
    client is the cookie jar), static files from the finders. No server, no second thread,
    and the test's own transaction: the browser sees exactly what the test set up."""
    from django.contrib.staticfiles import finders
    from django.db import connections

    # Playwright calls handlers in its own greenlet, where Django would open a second
    # connection (and wait on the test transaction's locks): hand it the test's connection.
    connection = connections["default"]

    def handle(route, request):
        connections["default"] = connection
        url = urlsplit(request.url)
        if url.path.startswith("/static/"):
            found = finders.find(url.path.removeprefix("/static/"))
            if found:
                route.fulfill(status=200, path=found)
            else:
                route.fulfill(status=404, body="")
            return
        target = url.path + (f"?{url.query}" if url.query else "")
        if request.method == "POST":
            response = client.generic(
                "POST",
                target,
                request.post_data_buffer or b"",
                content_type=request.headers.get("content-type", ""),
            )
        else:
            response = client.get(target)
        while response.status_code in (301, 302, 303) and response["Location"].startswith("/"):
            # Followed here: Chromium does not route the request after a fulfilled redirect.
            response = client.get(response["Location"])
        body = response.content if not response.streaming else b"".join(response)
        route.fulfill(status=response.status_code, headers=dict(response.items()), body=body)

    return handle


def _page(browser, user=None):
    client = Client()
    if user is not None:
        client.force_login(user)
    context = browser.new_context()
    context.route(f"{ORIGIN}/**", _serve(client))
    page = context.new_page()
    page.add_init_script(REPORT_VIOLATIONS)
    problems: list[str] = []
    page.on("console", lambda m: m.type == "error" and problems.append(m.text))
    page.on("response", lambda r: r.status >= 400 and problems.append(f"{r.status} {r.url}"))
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    return page, problems


def _visit(page, problems, path) -> list[str]:
    problems.clear()
    response = page.goto(ORIGIN + path)
    page.wait_for_load_state("load")
    page.wait_for_timeout(100)  # let deferred scripts and chart set-up run
    assert response is not None and response.status == 200, (path, response and response.status)
    return list(problems)


def _world():
    from integration import actions as integration_actions
    from qc_portal.models import Branch, Department
    from tests.training.factories import CourseFactory

    branch = Branch.objects.create(code="BJ001", name_zh="北京第1支行", name_en="Beijing 1")
    people = {
        role: make_staff(role, branch=branch, username=role, department_code=department)
        for role, department in [
            ("head_office", "head_office"),
            ("branch_manager", "retail"),
            ("risk_final", "risk"),
            ("integration_admin", "it"),
            ("hr_trainer", "hr"),
        ]
    }
    source, _secret = integration_actions.create_source_system(
        code="CORE",
        name="Core banking",
        owning_department=Department.objects.get(code="it"),
        allowed_record_types=[],
        expected_frequency_minutes=60,
        actor=people["integration_admin"],
    )
    course = CourseFactory()
    return people, source, course


def test_pages_run_without_csp_violations(browser):
    from kpis.models import KpiDefinition

    people, source, course = _world()
    kpi = KpiDefinition.objects.order_by("code").first()
    visits = {
        None: ["/accounts/login/", "/track/"],
        "head_office": [
            "/dashboard/",
            "/dashboard/plan/",
            "/dashboard/branches/",
            f"/dashboard/kpi/{kpi.code}/",
        ],
        "branch_manager": ["/services/staffing/", "/services/report/"],
        "risk_final": ["/credit/queue/"],
        "integration_admin": ["/integration/", f"/integration/sources/{source.code}/"],
        "hr_trainer": [f"/training/courses/{course.pk}/report/"],
    }
    found = {}
    for login, paths in visits.items():
        page, problems = _page(browser, people.get(login))
        for path in paths:
            errors = _visit(page, problems, path)
            if errors:
                found[path] = errors
        page.context.close()
    assert found == {}


def test_the_language_switch_works_without_inline_script(browser, db):
    page, problems = _page(browser)
    _visit(page, problems, "/accounts/login/")
    with page.expect_navigation():
        page.select_option("#language-select", "en")
    assert page.evaluate("document.documentElement.lang") == "en"
    with page.expect_navigation():
        page.select_option("#language-select", "zh-hans")
    assert page.evaluate("document.documentElement.lang") == "zh-hans"
    assert problems == []
