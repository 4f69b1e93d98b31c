"""Every page in each role's main navigation, and the first record it links to, loads without
a JavaScript error (CSP violations included) or a failed request."""

import pytest

pytestmark = pytest.mark.postgres

# Roles whose pages the journeys do not walk through (head office sees every dashboard page).
ROLES = ["head_office", "integration_admin", "hr_trainer", "service_agent", "risk_manager"]


@pytest.mark.parametrize("role", ROLES)
def test_navigation_pages_are_clean(visit, role):
    v = visit("zh-hans")
    v.login(role)
    page = v.page
    links = page.eval_on_selector_all(
        "nav.mainnav a", "els => els.map(e => e.getAttribute('href'))"
    )
    assert links, f"{role} has a main navigation"
    for href in links:
        response = v.goto(href)
        assert response.status == 200, (href, response.status)
        records = [
            href
            for href in page.eval_on_selector_all(
                "main table a[href^='/']", "els => els.map(e => e.getAttribute('href'))"
            )
            if "export" not in href and not href.endswith((".csv", ".xlsx", ".pdf"))
        ]
        if records:
            target = records[0]
            response = v.goto(target)
            assert response.status == 200, (target, response.status)
