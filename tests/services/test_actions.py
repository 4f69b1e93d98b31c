from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from qc_portal.models import AuditEvent
from services import actions
from services.models import Channel, Outcome, ServiceStandard
from tests.services.factories import at, make_record

pytestmark = pytest.mark.django_db
T0 = at(2026, 10, 15, 9, 0)


def test_counter_flow_stores_wait_and_handling(service_agent, branch):
    ticket = actions.take_ticket(branch, service_type="transfer", actor=service_agent, now=T0)
    assert ticket.ticket_number == "001" and ticket.outcome == ""
    ticket = actions.call_ticket(
        ticket, actor=service_agent, counter_number="3", now=T0 + timedelta(seconds=420)
    )
    ticket = actions.finish_ticket(ticket, actor=service_agent, now=T0 + timedelta(seconds=720))
    assert (ticket.wait_seconds, ticket.handling_seconds, ticket.outcome) == (
        420,
        300,
        Outcome.SERVED,
    )
    assert (
        AuditEvent.objects.filter(
            target_id=str(ticket.pk), action__startswith="services.ticket"
        ).count()
        == 3
    )


def test_no_show_called_again_counts_wait_to_last_call(service_agent, branch):
    ticket = actions.take_ticket(branch, service_type="card", actor=service_agent, now=T0)
    ticket = actions.call_ticket(ticket, actor=service_agent, now=T0 + timedelta(seconds=100))
    ticket = actions.mark_no_show(ticket, actor=service_agent, now=T0 + timedelta(seconds=160))
    assert ticket.outcome == Outcome.NO_SHOW
    ticket = actions.call_ticket(ticket, actor=service_agent, now=T0 + timedelta(seconds=600))
    ticket = actions.finish_ticket(ticket, actor=service_agent, now=T0 + timedelta(seconds=800))
    assert ticket.call_count == 2
    assert ticket.wait_seconds == 600
    assert ticket.handling_seconds == 200


def test_served_ticket_cannot_be_called_or_finished_again(service_agent, branch):
    ticket = actions.take_ticket(branch, service_type="card", actor=service_agent, now=T0)
    ticket = actions.call_ticket(ticket, actor=service_agent, now=T0)
    with pytest.raises(ValidationError):
        actions.call_ticket(ticket, actor=service_agent, now=T0)
    actions.finish_ticket(ticket, actor=service_agent, now=T0)
    with pytest.raises(ValidationError):
        actions.finish_ticket(ticket, actor=service_agent, now=T0)


def test_agent_of_another_branch_cannot_call_a_ticket(service_agent, other_service_agent, branch):
    ticket = actions.take_ticket(branch, service_type="card", actor=service_agent, now=T0)
    with pytest.raises(PermissionDenied):
        actions.call_ticket(ticket, actor=other_service_agent, now=T0)


def test_branch_manager_is_not_an_agent(branch_manager, branch):
    with pytest.raises(PermissionDenied):
        actions.take_ticket(branch, service_type="card", actor=branch_manager)


def test_phone_flow_and_abandon(service_agent, branch):
    call = actions.offer_call(branch, actor=service_agent, now=T0)
    call = actions.answer_call(call, actor=service_agent, now=T0 + timedelta(seconds=30))
    call = actions.end_call(call, actor=service_agent, now=T0 + timedelta(seconds=200))
    assert (call.wait_seconds, call.handling_seconds) == (30, 170)
    lost = actions.offer_call(branch, actor=service_agent, now=T0)
    lost = actions.abandon_call(lost, actor=service_agent, now=T0 + timedelta(seconds=50))
    assert lost.outcome == Outcome.ABANDONED and lost.wait_seconds is None
    with pytest.raises(ValidationError):
        actions.answer_call(lost, actor=service_agent)


def test_record_service_refuses_impossible_times_with_a_reason_per_field(branch):
    now = at(2026, 10, 15, 12, 0)
    with pytest.raises(ValidationError) as error:
        actions.record_service(
            branch=branch,
            channel=Channel.COUNTER,
            arrived_at=now - timedelta(minutes=10),
            called_at=now - timedelta(minutes=20),
            finished_at=now - timedelta(minutes=30),
            outcome=Outcome.SERVED,
            actor_label="source:queue",
            now=now,
        )
    assert set(error.value.message_dict) == {"called_at", "finished_at"}
    with pytest.raises(ValidationError) as error:
        actions.record_service(
            branch=branch,
            channel=Channel.PHONE,
            arrived_at=now + timedelta(hours=1),
            actor_label="source:cc",
            now=now,
        )
    assert list(error.value.message_dict) == ["arrived_at"]
    with pytest.raises(ValidationError) as error:
        actions.record_service(
            branch=branch,
            channel=Channel.PHONE,
            arrived_at=now - timedelta(minutes=5),
            called_at=now - timedelta(minutes=4),
            finished_at=now - timedelta(minutes=4, seconds=30),
            outcome=Outcome.SERVED,
            actor_label="source:cc",
            now=now,
        )
    assert list(error.value.message_dict) == ["finished_at"]


def test_record_service_stores_a_complete_record_once_per_external_id(branch):
    now = at(2026, 10, 15, 12, 0)
    kwargs = dict(
        branch=branch,
        channel=Channel.PHONE,
        arrived_at=now - timedelta(minutes=5),
        called_at=now - timedelta(minutes=4),
        finished_at=now - timedelta(minutes=1),
        outcome=Outcome.SERVED,
        source_code="cc",
        external_id="call-1",
        actor_label="source:cc",
        now=now,
    )
    record = actions.record_service(**kwargs)
    assert (record.wait_seconds, record.handling_seconds) == (60, 180)
    with pytest.raises(ValidationError) as error:
        actions.record_service(**kwargs)
    assert "external_id" in error.value.message_dict


def test_record_service_needs_an_actor_or_a_source(branch, other_service_agent):
    with pytest.raises(PermissionDenied):
        actions.record_service(branch=branch, channel=Channel.CHATBOT, arrived_at=timezone.now())
    with pytest.raises(PermissionDenied):
        actions.record_service(
            branch=branch,
            channel=Channel.CHATBOT,
            arrived_at=timezone.now(),
            actor=other_service_agent,
        )


def test_customer_rates_own_service_once(customer, other_customer, branch):
    record = make_record(branch, customer=customer.customer, wait=60, handling=100)
    with pytest.raises(PermissionDenied):
        actions.rate_service(record, rating=5, actor=other_customer)
    with pytest.raises(ValidationError):
        actions.rate_service(record, rating=6, actor=customer)
    feedback = actions.rate_service(record, rating=4, comment=" good ", actor=customer)
    assert feedback.rating == 4 and feedback.comment == "good"
    with pytest.raises(ValidationError):
        actions.rate_service(record, rating=5, actor=customer)


def test_standards_are_seeded_and_versioned(branch_manager, service_agent):
    assert (
        ServiceStandard.objects.get(
            channel="counter", service_type="card", effective_to=None
        ).handling_target_seconds
        == 300
    )
    assert (
        ServiceStandard.objects.get(
            channel="phone", service_type="card", effective_to=None
        ).response_target_seconds
        == 30
    )
    with pytest.raises(PermissionDenied):
        actions.set_service_standard(
            channel="counter",
            service_type="card",
            response_target_seconds=600,
            handling_target_seconds=300,
            effective_from=date(2026, 11, 1),
            actor=service_agent,
        )
    new = actions.set_service_standard(
        channel="counter",
        service_type="card",
        response_target_seconds=600,
        handling_target_seconds=240,
        effective_from=date(2026, 11, 1),
        actor=branch_manager,
    )
    old = ServiceStandard.objects.get(
        channel="counter", service_type="card", effective_from=date(2020, 1, 1)
    )
    assert old.effective_to == date(2026, 11, 1) and new.effective_to is None
    assert AuditEvent.objects.filter(action="services.standard_set").exists()
    with pytest.raises(ValidationError):
        actions.set_service_standard(
            channel="counter",
            service_type="card",
            response_target_seconds=0,
            handling_target_seconds=240,
            effective_from=date(2026, 12, 1),
            actor=branch_manager,
        )


def test_record_service_with_end_but_no_outcome_is_refused(branch):
    now = at(2026, 10, 15, 12, 0)
    with pytest.raises(ValidationError) as error:
        actions.record_service(
            branch=branch,
            channel=Channel.ONLINE,
            arrived_at=now - timedelta(minutes=5),
            called_at=now - timedelta(minutes=4),
            finished_at=now - timedelta(minutes=1),
            actor_label="source:chat",
            now=now,
        )
    assert list(error.value.message_dict) == ["outcome"]


def test_online_contact_first_reply_and_close(service_agent, other_service_agent, branch):
    waiting = actions.record_service(
        branch=branch, channel=Channel.ONLINE, arrived_at=T0, actor_label="assistant", now=T0
    )
    with pytest.raises(PermissionDenied):
        actions.respond_online(waiting, actor=other_service_agent, now=T0)
    with pytest.raises(ValidationError):
        actions.close_online(waiting, actor=service_agent, outcome=Outcome.SERVED, now=T0)
    replied = actions.respond_online(waiting, actor=service_agent, now=T0 + timedelta(seconds=45))
    closed = actions.close_online(replied, actor=service_agent, now=T0 + timedelta(seconds=345))
    assert (closed.wait_seconds, closed.handling_seconds, closed.outcome) == (
        45,
        300,
        Outcome.SERVED,
    )
    with pytest.raises(ValidationError):
        actions.respond_online(closed, actor=service_agent, now=T0)
    left = actions.record_service(
        branch=branch, channel=Channel.ONLINE, arrived_at=T0, actor_label="assistant", now=T0
    )
    assert (
        actions.close_online(left, actor=service_agent, outcome=Outcome.ABANDONED, now=T0).outcome
        == Outcome.ABANDONED
    )
