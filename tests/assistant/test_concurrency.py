import threading

import pytest
from django.db import connection

from assistant import actions, knowledge
from assistant.models import ChatTurn


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_messages_at_once_in_one_session_get_distinct_positions(customer):
    actions.import_faq(knowledge.load_faq_file()[:10], actor_label="test")
    session = actions.ask(None, message="怎么开户", user=customer).session
    errors = []

    def send(message):
        try:
            actions.ask(session, message=message, user=customer)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=send, args=(m,))
        for m in ("信用卡怎么激活", "银行卡丢了怎么办", "转账限额")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    positions = list(
        ChatTurn.objects.filter(session=session)
        .order_by("position")
        .values_list("position", flat=True)
    )
    assert positions == [1, 2, 3, 4]
