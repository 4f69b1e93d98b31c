from celery import shared_task

from services import actions


@shared_task(name="services.flag_queue_breaches")
def flag_queue_breaches() -> int:
    """Look at every branch's live queue and alert managers of breaches (once per breach)."""
    return len(actions.flag_queue_breaches())
