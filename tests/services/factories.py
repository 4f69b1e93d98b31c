from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from services.models import Channel, Feedback, Outcome, ServiceRecord

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(*args) -> datetime:
    """An aware Shanghai datetime: at(2026, 10, 1, 9, 0)."""
    return datetime(*args, tzinfo=SHANGHAI)


def make_record(
    branch,
    *,
    channel=Channel.COUNTER,
    arrived=None,
    wait=None,
    handling=None,
    outcome=Outcome.SERVED,
    service_type="other",
    agent=None,
    customer=None,
    **extra,
) -> ServiceRecord:
    arrived = arrived or at(2026, 10, 15, 10, 0)
    called = arrived + timedelta(seconds=wait) if wait is not None else None
    finished = None
    if outcome:
        finished = (called or arrived) + timedelta(seconds=handling or 0)
    record = ServiceRecord(
        branch=branch,
        channel=channel,
        service_type=service_type,
        arrived_at=arrived,
        called_at=called,
        finished_at=finished,
        outcome=outcome,
        agent=agent,
        customer=customer,
        call_count=1 if called else 0,
        **extra,
    )
    record.refresh_durations()
    record.save()
    return record


def make_feedback(record, rating: int, rated=None) -> Feedback:
    return Feedback.objects.create(
        service_record=record,
        rating=rating,
        rated_at=rated or record.finished_at or record.arrived_at,
    )
