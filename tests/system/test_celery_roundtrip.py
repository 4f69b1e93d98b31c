import pytest

from qc_portal.celery import ping

pytestmark = [pytest.mark.system, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_a_task_travels_through_redis_to_a_live_worker_and_back(real_broker):
    result = ping.delay("round-trip")
    assert result.get(timeout=30) == "round-trip"
    assert result.successful()


def test_the_worker_is_a_separate_process_not_eager_execution(real_broker):
    result = ping.apply_async(args=["x"])
    # An eager task has no broker-assigned state transitions; a real one is tracked by id.
    assert real_broker.conf.task_always_eager is False
    assert result.get(timeout=30) == "x"
