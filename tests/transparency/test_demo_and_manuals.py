import random
from datetime import date

import pytest
from django.utils import timezone

from qc_portal.demo import DemoContext, seed_organisation
from qc_portal.models import Alert
from transparency import actions, demo, queries
from transparency.models import Case, Manual

from .factories import publish_manual


@pytest.mark.django_db
def test_demo_seeds_every_state_and_a_trackable_case_for_the_customer_login():
    context = DemoContext(seed=1, scale="small", rng=random.Random(1), now=timezone.now())
    seed_organisation(context)
    demo.seed(context)
    statuses = set(Case.objects.values_list("status", flat=True))
    assert statuses == {"open", "completed", "rejected", "cancelled"}
    case = Case.objects.get(reference=demo.DEMO_REFERENCE)
    assert case.customer.user == context.logins["customer"] and case.is_open
    assert actions.access_code_matches(case, demo.DEMO_ACCESS_CODE)
    assert any(demo.DEMO_REFERENCE in note for note in context.notes)
    counts = Case.objects.count(), Manual.objects.count()
    demo.seed(context)  # idempotent
    assert (Case.objects.count(), Manual.objects.count()) == counts
    assert queries.current_manuals().count() == 6


@pytest.mark.django_db
def test_overdue_manual_is_flagged_once_to_its_department(branch_manager):
    publish_manual(next_review_on=date(2026, 6, 1))
    assert actions.flag_overdue_manuals(today=date(2026, 6, 1)) == 0  # due today: not yet overdue
    assert actions.flag_overdue_manuals(today=date(2026, 6, 2)) == 1
    assert actions.flag_overdue_manuals(today=date(2026, 6, 3)) == 0  # raised once
    alert = Alert.objects.get(kind="transparency.manual_review")
    assert alert.department.code == "retail"
    assert alert.notifications.filter(user=branch_manager).exists()


@pytest.mark.django_db
def test_a_new_version_resets_the_review():
    publish_manual(next_review_on=date(2026, 6, 1))
    publish_manual(published_on=date(2026, 5, 20), next_review_on=date(2027, 5, 20))
    assert actions.flag_overdue_manuals(today=date(2026, 7, 1)) == 0


@pytest.mark.django_db
def test_manual_review_must_follow_publication(service_agent):
    from django.core.exceptions import PermissionDenied, ValidationError

    with pytest.raises(ValidationError):
        publish_manual(published_on=date(2026, 5, 1), next_review_on=date(2026, 5, 1))
    with pytest.raises(PermissionDenied):
        actions.publish_manual(
            "mortgage",
            title_zh="x",
            title_en="x",
            body_zh="x",
            body_en="x",
            department_code="retail",
            next_review_on=date(2030, 1, 1),
            actor=service_agent,
        )


def test_markdown_section_stops_at_the_next_heading_of_the_same_level():
    text = "# T\n\n## A {#a}\none\n### sub\ntwo\n## B {#b}\nthree\n"
    assert queries.markdown_section(text, "a") == "## A {#a}\none\n### sub\ntwo"
    assert queries.markdown_section(text, "b") == "## B {#b}\nthree"
    assert queries.markdown_section(text, "zzz") == ""
    assert 'id="a"' in queries.render_markdown(text)
    assert "<script" not in queries.render_markdown("<script>x</script>[a](javascript:alert(1))")
    assert "javascript:" not in queries.render_markdown("[a](javascript:alert(1))")
