"""Celery entry points: thin, take ids, call actions."""

from celery import shared_task

from transparency import actions


@shared_task(bind=True, name="transparency.deliver_notification", max_retries=5)
def deliver_notification(self, outbox_id: int) -> bool:
    """Deliver one outbox row; on a transport failure retry with back-off. Should every retry
    fail (or the worker vanish), the row is still pending and the sweeper picks it up."""
    sent = actions.deliver_outbox(outbox_id)
    if not sent and not self.request.is_eager:
        raise self.retry(countdown=60 * 2**self.request.retries)
    return sent


@shared_task(name="transparency.sweep_outbox")
def sweep_outbox() -> int:
    return actions.sweep_outbox()


@shared_task(name="transparency.flag_overdue_manuals")
def flag_overdue_manuals() -> int:
    return actions.flag_overdue_manuals()
