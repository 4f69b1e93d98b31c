"""Celery entry points for training's periodic jobs: thin, they call the actions."""

from celery import shared_task

from qc_portal.periods import QUARTER, Period
from training import actions


@shared_task
def propose_quarter_plan(quarter: str | None = None) -> int:
    """Propose (or top up) the quarter's plan from the mandatory rules."""
    period = Period.parse(quarter) if quarter else Period.current(QUARTER)
    plan = actions.propose_plan(period, actor_label="job:training-plan")
    return plan.pk


@shared_task
def send_training_reminders(quarter: str | None = None) -> dict:
    """Remind staff behind on mandatory courses (once each) and alert their managers."""
    period = Period.parse(quarter) if quarter else Period.current(QUARTER)
    return actions.send_reminders(period)


@shared_task
def close_departed_logins() -> int:
    """Close the logins of employees whose leaving date has passed."""
    return actions.close_departed_logins()
