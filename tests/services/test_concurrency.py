import threading
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from services import actions
from tests.factories import make_staff
from tests.services.factories import make_record


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_agents_calling_the_same_ticket_get_one_call(branch):
    first = make_staff(
        "service_agent", branch=branch, username="agent_a", department_code="customer_service"
    )
    second = make_staff(
        "service_agent", branch=branch, username="agent_b", department_code="customer_service"
    )
    ticket = make_record(branch, arrived=timezone.now() - timedelta(minutes=5), outcome="")
    barrier = threading.Barrier(2)
    outcomes = []

    def call(agent):
        try:
            barrier.wait()
            actions.call_ticket(ticket, actor=agent)
            outcomes.append("called")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=call, args=(agent,)) for agent in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ticket.refresh_from_db()
    assert sorted(outcomes) == ["called", "refused"]
    assert ticket.call_count == 1
