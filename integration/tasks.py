"""Celery entry points: thin, they take ids and call the action."""

from celery import shared_task

from integration import actions


@shared_task(name="integration.process_batch", acks_late=True)
def process_batch(batch_id: int) -> int:
    return actions.process_batch(batch_id)


@shared_task(name="integration.requeue_pending")
def requeue_pending() -> int:
    return actions.requeue_pending()


@shared_task(name="integration.check_sync_health")
def check_sync_health() -> int:
    from integration import monitoring

    return monitoring.check_sync_health()
