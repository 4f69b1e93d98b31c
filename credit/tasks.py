"""Credit's scheduled jobs: thin entry points that call the actions."""

from __future__ import annotations

from datetime import date

from celery import shared_task

from credit import actions
from qc_portal.periods import Period


@shared_task(name="credit.escalate_overdue_applications")
def escalate_overdue_applications() -> int:
    """Escalate applications past their stage's turnaround standard (once each)."""
    return actions.escalate_overdue_applications()


@shared_task(name="credit.recompute_classifications")
def recompute_classifications(as_of: str | None = None) -> int:
    return actions.recompute_classifications(as_of=date.fromisoformat(as_of) if as_of else None)


@shared_task(name="credit.run_early_warnings")
def run_early_warnings(as_of: str | None = None) -> dict:
    return actions.run_early_warnings(as_of=date.fromisoformat(as_of) if as_of else None)


@shared_task(name="credit.propose_review_sample")
def propose_review_sample(quarter: str | None = None) -> int:
    """Propose the sample of the quarter just ended (or the one named, e.g. "2026-Q3")."""
    period = Period.parse(quarter) if quarter else Period.current("quarter").previous()
    return actions.propose_review_sample(period).items.count()
