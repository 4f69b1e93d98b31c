"""Credit approval in the browser: relationship manager submits; initial review, second review
and final approval each find it in their queue and decide it; four eyes refuses the same officer
a second stage; the customer's timeline shows each stage."""

import pytest

from tests.e2e.conftest import LANGUAGES, PASSWORD, tr

pytestmark = pytest.mark.postgres

SOUND_APPLICANT = {
    "debt_to_income": "0.25",
    "credit_history_years": "10",
    "collateral_cover": "1.5",
    "existing_exposure_ratio": "0.1",
}


@pytest.fixture(scope="module")
def covering_officer(orm):
    """An initial-review officer who also covers second review (two roles, one person):
    the four-eyes rule must stop them deciding both stages of one application."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from qc_portal.models import Branch, Department, StaffProfile

    users = {}
    with orm():
        branch = Branch.objects.get(code="BJ001")
        for language in LANGUAGES:
            user, _created = get_user_model().objects.get_or_create(
                username=f"e2e_covering_{language.replace('-', '_')}"
            )
            user.set_password(PASSWORD)
            user.save()
            user.groups.set(Group.objects.filter(name__in=["risk_initial", "risk_review"]))
            StaffProfile.objects.get_or_create(
                user=user,
                defaults={
                    "employee_number": f"E2E{len(users):04d}",
                    "full_name": f"覆盖审查员{len(users)}",
                    "branch": branch,
                    "department": Department.objects.get(code="risk"),
                    "position": "初审岗",
                    "hired_on": "2020-01-01",
                },
            )
            _enrol_second_factor(user)
            _hold_current_training(user)
            users[language] = user.username
    return users


def _hold_current_training(user) -> None:
    """The credit training gate: hold the same current completions as the demo officer
    (as the external learning system would report them)."""
    from training.models import Completion

    for held in Completion.objects.filter(user__username="risk_initial"):
        Completion.objects.get_or_create(
            user=user,
            course_id=held.course_id,
            completed_on=held.completed_on,
            defaults={
                "score": held.score,
                "source": Completion.Source.EXTERNAL,
                "external_reference": "e2e",
            },
        )


def _enrol_second_factor(user) -> None:
    """Risk roles sign in with a one-time code: give the officer the demo authenticator."""
    from django.apps import apps

    if not apps.is_installed("django_otp.plugins.otp_totp"):  # no two-factor sign-in
        return
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from qc_portal.demo import DEMO_TOTP_KEY

    TOTPDevice.objects.get_or_create(
        user=user, name="authenticator", defaults={"key": DEMO_TOTP_KEY, "confirmed": True}
    )


@pytest.fixture(scope="module")
def demo_customer_number(orm):
    from qc_portal.models import Customer

    with orm():
        return Customer.objects.get(user__username="customer").customer_number


def _decide(v, application_ref: str, reason: str, *, keyboard: bool = False) -> None:
    page = v.page
    assert "/credit/queue/" in page.url, page.url
    link = page.locator("main table a", has_text=application_ref)
    assert link.count() == 1, f"{application_ref} is not in the queue of this officer"
    v.submit(link)
    assert page.locator("form[action*='/decide/']").count()
    if keyboard:
        _decide_by_keyboard(v, reason)
    else:
        page.locator("#reason").fill(reason)
        v.submit(page.locator("form[action*='/decide/'] button[type=submit]"))


def _decide_by_keyboard(v, reason: str) -> None:
    """Tab to the reason, type it, Tab to "Record decision", Enter: no mouse at all."""
    page = v.page
    for _step in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement && document.activeElement.id") == "reason":
            break
    else:
        raise AssertionError("the reason field cannot be reached with Tab")
    page.keyboard.type(reason)
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.outerHTML")
    assert 'type="submit"' in focused, focused
    with page.expect_navigation():
        page.keyboard.press("Enter")
    v.check()


@pytest.mark.parametrize("language", LANGUAGES)
def test_three_stage_approval_journey(visit, language, covering_officer, demo_customer_number, orm):
    decided = tr(language, "Decision recorded.")

    # The relationship manager submits an application for the demo customer.
    rm = visit(language)
    rm.login("relationship_manager")
    rm.submit(rm.page.locator("main a[href='/credit/applications/new/']"))
    form = rm.page.locator("main form[method=post]")
    rm.page.get_by_label(tr(language, "Customer number")).fill(demo_customer_number)
    rm.page.locator("#product").select_option("consumer_loan")
    rm.page.get_by_label(tr(language, "Amount (CNY)")).fill("120000")
    rm.page.get_by_label(tr(language, "Term (months)")).fill("24")
    rm.page.get_by_label(tr(language, "Purpose")).fill(f"e2e {language}: home renovation")
    rm.page.locator("#documents").fill("ID card\nIncome statement")
    # A sound applicant on the scorecard, so approval needs no policy override.
    for code, value in SOUND_APPLICANT.items():
        field = rm.page.locator(f"#input_{code}")
        if field.count() and field.evaluate("e => e.tagName") == "INPUT":
            field.fill(value)
    rm.submit(form.locator("button[type=submit]"))
    assert "/credit/applications/" in rm.page.url
    heading = rm.page.locator("h1").inner_text()
    reference = heading.split()[-1]
    assert reference.startswith("CA"), heading
    rm.shot("credit-application-submitted")

    # Initial review: the covering officer finds it in the queue and approves.
    officer = visit(language)
    officer.login(covering_officer[language])
    _decide(officer, reference, "Income verified, documents complete.")
    assert decided in officer.page.locator("ul.messages").inner_text()

    # Four eyes: the same officer may not take second review; the page says so and the
    # server refuses the decision too.
    page = officer.page
    refusal = page.locator("[role=alert]")
    assert refusal.count(), "the application page warns the officer before they decide"
    warning = refusal.first.inner_text()
    assert warning.strip()
    officer.page.locator("#reason").fill("Trying to decide a second stage.")
    officer.submit(page.locator("form[action*='/decide/'] button[type=submit]"))
    error = page.locator("ul.messages").inner_text()
    assert decided not in error
    assert error.strip()
    officer.shot("credit-four-eyes-refusal")
    with orm():
        from credit.models import Application

        application = Application.objects.get(reference=reference)
        assert application.stage == "second_review", application.stage
        case_reference = application.case_reference

    # Second review and final approval, each from their own queue (final by keyboard only).
    reviewer = visit(language)
    reviewer.login("risk_review")
    _decide(reviewer, reference, "Debt-to-income ratio within policy.")
    assert decided in reviewer.page.locator("ul.messages").inner_text()

    approver = visit(language)
    approver.login("risk_final")
    approver.shot("credit-queue")
    _decide(approver, reference, "Approved within my authority.", keyboard=True)
    assert decided in approver.page.locator("ul.messages").inner_text()
    with orm():
        application.refresh_from_db()
        assert application.status == "approved", application.status

    # The customer's timeline shows every stage.
    customer = visit(language)
    customer.login("customer")
    customer.goto(f"/transparency/my/{case_reference}/")
    timeline = customer.page.locator("ol.timeline").inner_text()
    for stage in ("Initial review", "Second review", "Final approval"):
        assert tr(language, stage) in timeline, (stage, timeline)
    customer.shot("customer-credit-timeline", full_page=True)
