"""The demo seed: deterministic, idempotent, and it leaves the demo journey ready."""

import random

import pytest
from django.utils import timezone

from credit import demo
from credit.models import Application, ClassificationSnapshot, Decision, Loan, ReviewItem
from qc_portal.demo import DemoContext, seed_organisation

pytestmark = pytest.mark.django_db


def test_the_demo_seeds_a_book_and_the_journey_once():
    context = DemoContext(seed=7, scale="small", rng=random.Random(7), now=timezone.now())
    seed_organisation(context)
    demo.seed(context)
    waiting = Application.objects.get(
        customer__user=context.logins["customer"],
        relationship_manager=context.logins["relationship_manager"],
        stage="initial_review",
        status="in_review",
        decisions__isnull=True,
    )
    assert waiting.case_reference
    assert Decision.objects.filter(decision="return").exists()
    assert Decision.objects.filter(is_override=True).exists()
    assert Loan.objects.filter(category__in=["substandard", "doubtful", "loss"]).exists()
    assert ClassificationSnapshot.objects.exists()
    assert ReviewItem.objects.exclude(outcome="pending").exists()
    # Nobody decided two stages of one application, and no submitter decided.
    assert not Decision.objects.filter(decider=context.logins["relationship_manager"]).exists()
    counts = (Application.objects.count(), Decision.objects.count(), Loan.objects.count())
    demo.seed(context)
    assert (Application.objects.count(), Decision.objects.count(), Loan.objects.count()) == counts
