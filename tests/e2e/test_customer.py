"""Customer on a phone: tracks an application, signs in, sees it, rates a service, asks."""

import pytest

from tests.e2e.conftest import LANGUAGES, PHONE, tr

pytestmark = pytest.mark.postgres

# Printed by transparency's demo seed (`make demo`): the tracking example.
DEMO_REFERENCE = "TRACKDEM26"
DEMO_ACCESS_CODE = "TRACK2026"


@pytest.mark.parametrize("language", LANGUAGES)
def test_customer_journey(visit, language):
    v = visit(language, PHONE, is_mobile=True, has_touch=True)
    page = v.page

    # Track without signing in: reference + access code.
    v.goto("/track/")
    assert page.locator("html").get_attribute("lang") == language
    page.get_by_label(tr(language, "Reference")).fill(DEMO_REFERENCE)
    page.get_by_label(tr(language, "Access code")).fill(DEMO_ACCESS_CODE)
    v.submit(page.locator("main form button[type=submit]"))
    main = page.locator("main")
    assert DEMO_REFERENCE in main.inner_text()
    assert tr(language, "Current step") in main.inner_text()
    assert page.locator("ol.steps li").count() >= 2
    assert page.locator("ol.timeline li").count() >= 1
    # Nothing is wider than the phone: no sideways scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    v.shot("track-phone")

    # A wrong code is refused without saying which half was wrong.
    v.goto("/track/")
    page.get_by_label(tr(language, "Reference")).fill(DEMO_REFERENCE)
    page.get_by_label(tr(language, "Access code")).fill("WRONG0000")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    v.check(expect_status={404})
    refusal = page.locator("main [role=alert]").inner_text()
    assert refusal == tr(
        language, "No application matches this reference and access code. Please check both."
    )
    assert tr(language, "Current step") not in page.locator("main").inner_text()

    # Signed in: "My applications" with the current step and the expected date.
    v.login("customer")
    assert "/transparency/my/" in page.url
    assert tr(language, "My applications") in page.locator("h1").inner_text()
    assert tr(language, "Expected completion") in main.inner_text()
    v.shot("my-applications-phone")
    v.submit(page.locator(f"main a[href='/transparency/my/{DEMO_REFERENCE}/']").last)
    assert tr(language, "Timeline") in main.inner_text()
    assert page.locator("ol.steps li.done, ol.steps li.current").count() >= 1
    assert tr(language, "Expected completion") in main.inner_text()
    v.shot("my-application-timeline-phone", full_page=True)

    # Rate a service: the first one not rated yet.
    v.goto("/services/rate/")
    form = page.locator("main form[action*='/services/rate/']").first
    action = form.get_attribute("action")
    form.locator("input[name=rating][value='5']").check()
    form.locator("input[name=comment]").fill(f"e2e {language}: quick and friendly")
    v.submit(form.locator("button[type=submit]"))
    assert not page.locator(f"form[action='{action}']").count()
    assert f"e2e {language}: quick and friendly" in main.inner_text()

    # Ask the assistant (htmx swaps the answer in; no full page load).
    v.goto("/assistant/")
    question = "怎么开户" if language == "zh-hans" else "How do I open an account?"
    page.get_by_label(tr(language, "Your question")).fill(question)
    before = page.locator(".assistant-turn").count()
    with page.expect_response(lambda r: r.url.endswith("/assistant/ask/")) as answered:
        page.locator("form.assistant-form button[type=submit]").click()
    assert answered.value.status == 200
    page.locator(".assistant-turn").nth(before).wait_for()
    turn = page.locator(".assistant-turn").nth(before)
    assert question in turn.locator(".assistant-q").inner_text()
    assert len(turn.locator(".assistant-a").inner_text()) > 20
    v.check()
    v.shot("assistant-phone")
