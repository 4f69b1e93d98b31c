"""Customer service at the counter, on the phone, online and by the chatbot.

Counter flow: a customer takes a ticket → an agent calls it to a counter → the agent finishes
it (served or transferred) or marks a no-show; a no-show may be called again, and then the
wait counts to the *last* call (DOMAIN.md "Branch queue times"). A customer may also leave
before being called (abandoned).
Phone flow: a call is offered → answered by an agent → ended, or abandoned before an answer.
Complete records (from the queue / call-centre systems through the ingest API, or from the
assistant) arrive at once through `record_service`, which refuses impossible times with a
reason per field. Customers rate a service once (`rate_service`). Standards (targets per
channel × service type) are versioned by effective date.

Every function here is one transaction, checks who acts, and writes an audit row.
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qc_portal.alerts import raise_alert
from qc_portal.audit import record_event, snapshot
from qc_portal.models import Branch, Customer
from qc_portal.roles import Role
from qc_portal.scoping import customer_of
from services import permissions
from services.models import (
    Channel,
    Feedback,
    Outcome,
    Roster,
    ServiceRecord,
    ServiceStandard,
    ServiceType,
)

RECORD_FIELDS = [
    "branch_id",
    "channel",
    "service_type",
    "customer_id",
    "agent_id",
    "arrived_at",
    "called_at",
    "finished_at",
    "outcome",
    "call_count",
    "source_code",
    "external_id",
]
# Clock skew allowed between the portal and a sending system before a time is "in the future".
FUTURE_GRACE = timedelta(seconds=120)


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def _require_agent(actor, branch: Branch) -> None:
    if not permissions.can_serve_at(actor, branch):
        raise PermissionDenied(_("Only a service agent of this branch may do this."))


def _locked(record: ServiceRecord) -> ServiceRecord:
    return ServiceRecord.objects.select_for_update().get(pk=record.pk)


def _save(record: ServiceRecord, action: str, *, actor, before: dict | None, actor_label: str = ""):
    record.refresh_durations()
    record.save()
    record_event(
        action,
        actor=actor,
        actor_label=actor_label,
        target=record,
        before=before,
        after=snapshot(record, RECORD_FIELDS),
    )
    return record


def _check_type(service_type: str) -> None:
    if service_type not in ServiceType.values:
        raise ValidationError({"service_type": _("Unknown service type.")})


# --- counter ---------------------------------------------------------------------------


@transaction.atomic
def take_ticket(
    branch: Branch,
    *,
    service_type: str,
    actor,
    customer: Customer | None = None,
    now: datetime | None = None,
) -> ServiceRecord:
    """Issue the next queue ticket of the day at `branch` (agents issue it for walk-ins)."""
    _require_agent(actor, branch)
    _check_type(service_type)
    moment = _now(now)
    day_start = timezone.localtime(moment).replace(hour=0, minute=0, second=0, microsecond=0)
    issued_today = ServiceRecord.objects.filter(
        branch=branch,
        channel=Channel.COUNTER,
        arrived_at__gte=day_start,
        arrived_at__lt=moment + timedelta(seconds=1),
    ).count()
    record = ServiceRecord(
        branch=branch,
        channel=Channel.COUNTER,
        service_type=service_type,
        customer=customer,
        arrived_at=moment,
        ticket_number=f"{issued_today + 1:03d}",
    )
    return _save(record, "services.ticket_taken", actor=actor, before=None)


@transaction.atomic
def call_ticket(
    record: ServiceRecord, *, actor, counter_number: str = "", now: datetime | None = None
) -> ServiceRecord:
    """Call a waiting ticket (or a no-show again) to a counter."""
    record = _locked(record)
    _require_agent(actor, record.branch)
    if record.channel != Channel.COUNTER:
        raise ValidationError({"channel": _("Only counter tickets are called.")})
    if record.outcome not in ("", Outcome.NO_SHOW) or (record.called_at and not record.outcome):
        raise ValidationError({"status": _("This ticket is not waiting to be called.")})
    before = snapshot(record, RECORD_FIELDS)
    record.called_at = _now(now)
    record.call_count += 1
    record.finished_at, record.outcome = None, ""
    record.agent = actor
    record.counter_number = counter_number[:10]
    return _save(record, "services.ticket_called", actor=actor, before=before)


@transaction.atomic
def finish_ticket(
    record: ServiceRecord, *, actor, outcome: str = Outcome.SERVED, now: datetime | None = None
) -> ServiceRecord:
    record = _locked(record)
    _require_agent(actor, record.branch)
    if outcome not in (Outcome.SERVED, Outcome.TRANSFERRED):
        raise ValidationError({"outcome": _("A ticket is finished as served or transferred.")})
    if record.channel != Channel.COUNTER or record.called_at is None or record.outcome:
        raise ValidationError({"status": _("Only a called, open ticket can be finished.")})
    before = snapshot(record, RECORD_FIELDS)
    record.finished_at, record.outcome = _now(now), outcome
    return _save(record, "services.ticket_finished", actor=actor, before=before)


@transaction.atomic
def mark_no_show(record: ServiceRecord, *, actor, now: datetime | None = None) -> ServiceRecord:
    record = _locked(record)
    _require_agent(actor, record.branch)
    if record.channel != Channel.COUNTER or record.called_at is None or record.outcome:
        raise ValidationError({"status": _("Only a called, open ticket can be a no-show.")})
    before = snapshot(record, RECORD_FIELDS)
    record.finished_at, record.outcome = _now(now), Outcome.NO_SHOW
    return _save(record, "services.ticket_no_show", actor=actor, before=before)


@transaction.atomic
def abandon_ticket(record: ServiceRecord, *, actor, now: datetime | None = None) -> ServiceRecord:
    """The customer left before being called."""
    record = _locked(record)
    _require_agent(actor, record.branch)
    if record.channel != Channel.COUNTER or record.called_at is not None or record.outcome:
        raise ValidationError({"status": _("Only a waiting ticket can be abandoned.")})
    before = snapshot(record, RECORD_FIELDS)
    record.finished_at, record.outcome = _now(now), Outcome.ABANDONED
    return _save(record, "services.ticket_abandoned", actor=actor, before=before)


# --- phone -----------------------------------------------------------------------------


@transaction.atomic
def offer_call(
    branch: Branch,
    *,
    service_type: str = ServiceType.OTHER,
    actor,
    customer: Customer | None = None,
    now: datetime | None = None,
) -> ServiceRecord:
    _require_agent(actor, branch)
    _check_type(service_type)
    record = ServiceRecord(
        branch=branch,
        channel=Channel.PHONE,
        service_type=service_type,
        customer=customer,
        arrived_at=_now(now),
    )
    return _save(record, "services.call_offered", actor=actor, before=None)


@transaction.atomic
def answer_call(record: ServiceRecord, *, actor, now: datetime | None = None) -> ServiceRecord:
    record = _locked(record)
    _require_agent(actor, record.branch)
    if record.channel != Channel.PHONE or record.called_at is not None or record.outcome:
        raise ValidationError({"status": _("Only a ringing call can be answered.")})
    before = snapshot(record, RECORD_FIELDS)
    record.called_at, record.agent, record.call_count = _now(now), actor, 1
    return _save(record, "services.call_answered", actor=actor, before=before)


@transaction.atomic
def end_call(
    record: ServiceRecord, *, actor, outcome: str = Outcome.SERVED, now: datetime | None = None
) -> ServiceRecord:
    record = _locked(record)
    _require_agent(actor, record.branch)
    if outcome not in (Outcome.SERVED, Outcome.TRANSFERRED):
        raise ValidationError({"outcome": _("A call ends as served or transferred.")})
    if record.channel != Channel.PHONE or record.called_at is None or record.outcome:
        raise ValidationError({"status": _("Only an answered, open call can be ended.")})
    before = snapshot(record, RECORD_FIELDS)
    record.finished_at, record.outcome = _now(now), outcome
    return _save(record, "services.call_ended", actor=actor, before=before)


@transaction.atomic
def abandon_call(record: ServiceRecord, *, actor, now: datetime | None = None) -> ServiceRecord:
    record = _locked(record)
    _require_agent(actor, record.branch)
    if record.channel != Channel.PHONE or record.called_at is not None or record.outcome:
        raise ValidationError({"status": _("Only an unanswered call can be abandoned.")})
    before = snapshot(record, RECORD_FIELDS)
    record.finished_at, record.outcome = _now(now), Outcome.ABANDONED
    return _save(record, "services.call_abandoned", actor=actor, before=before)


# --- online chat (handed over by the assistant or opened by a customer) ---------------


@transaction.atomic
def respond_online(record: ServiceRecord, *, actor, now: datetime | None = None) -> ServiceRecord:
    """An agent sends the first reply to a waiting online contact (its response time)."""
    record = _locked(record)
    _require_agent(actor, record.branch)
    if record.channel != Channel.ONLINE or record.called_at is not None or record.outcome:
        raise ValidationError({"status": _("Only a waiting online contact can get a first reply.")})
    before = snapshot(record, RECORD_FIELDS)
    record.called_at, record.agent, record.call_count = _now(now), actor, 1
    return _save(record, "services.online_responded", actor=actor, before=before)


@transaction.atomic
def close_online(
    record: ServiceRecord, *, actor, outcome: str = Outcome.SERVED, now: datetime | None = None
) -> ServiceRecord:
    """Close an online contact: served or transferred after a reply, abandoned before one."""
    record = _locked(record)
    _require_agent(actor, record.branch)
    if record.channel != Channel.ONLINE or record.outcome:
        raise ValidationError({"status": _("Only an open online contact can be closed.")})
    replied = record.called_at is not None
    if (outcome in (Outcome.SERVED, Outcome.TRANSFERRED)) != replied or outcome not in (
        Outcome.SERVED,
        Outcome.TRANSFERRED,
        Outcome.ABANDONED,
    ):
        raise ValidationError(
            {
                "outcome": _(
                    "After a reply a contact is served or transferred; without one, abandoned."
                )
            }
        )
    before = snapshot(record, RECORD_FIELDS)
    record.finished_at, record.outcome = _now(now), outcome
    return _save(record, "services.online_closed", actor=actor, before=before)


# --- complete records (inbound systems, the assistant) --------------------------------


def validate_times(
    *,
    channel: str,
    outcome: str,
    arrived_at: datetime,
    called_at: datetime | None,
    finished_at: datetime | None,
    now: datetime,
) -> None:
    """Refuse impossible times, each with the field and the reason."""
    errors: dict[str, list] = {}
    limit = now + FUTURE_GRACE
    for name, value in (
        ("arrived_at", arrived_at),
        ("called_at", called_at),
        ("finished_at", finished_at),
    ):
        if value is not None and timezone.is_naive(value):
            errors.setdefault(name, []).append(_("Give the time with its time zone."))
        elif value is not None and value > limit:
            errors.setdefault(name, []).append(_("This time is in the future."))
    if errors:
        raise ValidationError(errors)
    if called_at is not None and called_at < arrived_at:
        errors.setdefault("called_at", []).append(
            _("Called / answered before the customer arrived (negative wait).")
        )
    if finished_at is not None and finished_at < arrived_at:
        errors.setdefault("finished_at", []).append(_("Ended before the contact started."))
    elif finished_at is not None and called_at is not None and finished_at < called_at:
        errors.setdefault("finished_at", []).append(
            _("Ended before it was called / answered (negative handling time).")
        )
    if outcome and finished_at is None:
        errors.setdefault("finished_at", []).append(_("A closed contact needs its end time."))
    if finished_at is not None and not outcome:
        errors.setdefault("outcome", []).append(_("A contact with an end time needs its outcome."))
    if (
        outcome in (Outcome.SERVED, Outcome.TRANSFERRED, Outcome.NO_SHOW)
        and called_at is None
        and channel != Channel.CHATBOT
    ):
        errors.setdefault("called_at", []).append(
            _("A served, transferred or no-show contact was called / answered.")
        )
    if outcome == Outcome.ABANDONED and called_at is not None:
        errors.setdefault("called_at", []).append(
            _("An abandoned contact was never called / answered.")
        )
    if outcome == Outcome.NO_SHOW and channel != Channel.COUNTER:
        errors.setdefault("outcome", []).append(_("Only counter tickets can be a no-show."))
    if outcome == Outcome.RESOLVED_BY_ASSISTANT and channel != Channel.CHATBOT:
        errors.setdefault("outcome", []).append(
            _("Only chatbot sessions are resolved by the assistant.")
        )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def record_service(
    *,
    branch: Branch,
    channel: str,
    service_type: str = ServiceType.OTHER,
    arrived_at: datetime,
    called_at: datetime | None = None,
    finished_at: datetime | None = None,
    outcome: str = "",
    customer: Customer | None = None,
    agent=None,
    ticket_number: str = "",
    source_code: str = "",
    external_id: str = "",
    actor=None,
    actor_label: str = "",
    now: datetime | None = None,
) -> ServiceRecord:
    """Store one complete contact. `actor` is an agent of the branch, or None with an
    `actor_label` naming the trusted system (`source:<code>`, `assistant`)."""
    if actor is not None:
        _require_agent(actor, branch)
    elif not actor_label:
        raise PermissionDenied(_("A service record needs an agent or a named source system."))
    if channel not in Channel.values:
        raise ValidationError({"channel": _("Unknown channel.")})
    _check_type(service_type)
    if outcome and outcome not in Outcome.values:
        raise ValidationError({"outcome": _("Unknown outcome.")})
    validate_times(
        channel=channel,
        outcome=outcome,
        arrived_at=arrived_at,
        called_at=called_at,
        finished_at=finished_at,
        now=_now(now),
    )
    if (
        source_code
        and external_id
        and ServiceRecord.objects.filter(source_code=source_code, external_id=external_id).exists()
    ):
        raise ValidationError(
            {"external_id": _("This source system already sent a record with this id.")}
        )
    record = ServiceRecord(
        branch=branch,
        channel=channel,
        service_type=service_type,
        customer=customer,
        agent=agent or actor,
        arrived_at=arrived_at,
        called_at=called_at,
        finished_at=finished_at,
        outcome=outcome,
        call_count=1 if called_at else 0,
        ticket_number=ticket_number[:20],
        source_code=source_code,
        external_id=external_id,
    )
    return _save(
        record, "services.record_stored", actor=actor, actor_label=actor_label, before=None
    )


# --- feedback --------------------------------------------------------------------------


@transaction.atomic
def rate_service(
    record: ServiceRecord,
    *,
    rating: int,
    comment: str = "",
    actor=None,
    actor_label: str = "",
    via: str = Feedback.Via.WEB,
    now: datetime | None = None,
) -> Feedback:
    """A customer rates a service they received, once. Systems (actor None) send ratings
    collected elsewhere, named by `actor_label`."""
    if actor is not None:
        customer = customer_of(actor)
        if customer is None or record.customer_id != customer.pk:
            raise PermissionDenied(_("You can only rate a service you received."))
    elif not actor_label:
        raise PermissionDenied(_("A rating needs a customer or a named source system."))
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise ValidationError({"rating": _("The rating is a whole number from 1 to 5.")})
    if record.outcome == "":
        raise ValidationError({"service_record": _("This service has not finished yet.")})
    if Feedback.objects.filter(service_record=record).exists():
        raise ValidationError({"service_record": _("This service has already been rated.")})
    feedback = Feedback.objects.create(
        service_record=record,
        rating=rating,
        comment=comment.strip()[:2000],
        via=via,
        rated_at=_now(now),
    )
    record_event(
        "services.service_rated",
        actor=actor,
        actor_label=actor_label,
        target=feedback,
        after={"service_record": record.pk, "rating": rating},
    )
    return feedback


# --- standards and rosters ------------------------------------------------------------


@transaction.atomic
def set_service_standard(
    *,
    channel: str,
    service_type: str,
    response_target_seconds: int | None,
    handling_target_seconds: int | None,
    effective_from: date,
    actor,
) -> ServiceStandard:
    """Start a new version of a standard; the version in force before it ends that day."""
    if not permissions.can_edit_standards(actor):
        raise PermissionDenied(_("Only the customer-service department may change standards."))
    if channel not in Channel.values:
        raise ValidationError({"channel": _("Unknown channel.")})
    _check_type(service_type)
    for name, value in (
        ("response_target_seconds", response_target_seconds),
        ("handling_target_seconds", handling_target_seconds),
    ):
        if value is not None and value <= 0:
            raise ValidationError({name: _("A target is a positive number of seconds.")})
    versions = ServiceStandard.objects.select_for_update().filter(
        channel=channel, service_type=service_type
    )
    if versions.filter(effective_from__gte=effective_from).exists():
        raise ValidationError(
            {"effective_from": _("A version starting on or after this date exists.")}
        )
    previous = versions.filter(effective_to__isnull=True).first()
    before = None
    if previous is not None:
        before = snapshot(
            previous, ["response_target_seconds", "handling_target_seconds", "effective_from"]
        )
        previous.effective_to = effective_from
        previous.save(update_fields=["effective_to"])
    standard = ServiceStandard.objects.create(
        channel=channel,
        service_type=service_type,
        response_target_seconds=response_target_seconds,
        handling_target_seconds=handling_target_seconds,
        effective_from=effective_from,
        created_by=actor,
    )
    record_event(
        "services.standard_set",
        actor=actor,
        target=standard,
        before=before,
        after=snapshot(
            standard,
            [
                "channel",
                "service_type",
                "response_target_seconds",
                "handling_target_seconds",
                "effective_from",
            ],
        ),
    )
    return standard


@transaction.atomic
def set_roster(
    branch: Branch, *, channel: str, day: date, hour: int, staff_count: int, actor
) -> Roster:
    if not permissions.can_manage_branch_service(
        actor, branch
    ) or not permissions.can_edit_standards(actor):
        raise PermissionDenied(_("Only the branch manager may change the roster."))
    if channel not in Channel.values:
        raise ValidationError({"channel": _("Unknown channel.")})
    if not 0 <= hour <= 23:
        raise ValidationError({"hour": _("The hour is 0 to 23.")})
    if staff_count < 0:
        raise ValidationError({"staff_count": _("Staff on duty cannot be negative.")})
    roster, _created = Roster.objects.update_or_create(
        branch=branch, channel=channel, date=day, hour=hour, defaults={"staff_count": staff_count}
    )
    record_event(
        "services.roster_set",
        actor=actor,
        target=roster,
        after={"staff_count": staff_count, "date": day, "hour": hour},
    )
    return roster


# --- live-queue alerts -----------------------------------------------------------------


def flag_queue_breaches(*, now: datetime | None = None) -> list:
    """Alert the branch manager of every branch whose counter queue is too long or whose
    longest current wait is too long, with the extra staff the hour needs by Erlang C.
    One alert per branch and clock hour of the breach (the alert key), however often the
    job runs."""
    from services import queries

    moment = _now(now)
    local = timezone.localtime(moment)
    raised = []
    for state in queries.queue_states(now=moment):
        if not state.breached:
            continue
        window = local.strftime("%Y-%m-%dT%H")
        alert, created = raise_alert(
            kind="services.queue_breach",
            key=f"services.queue_breach:{state.branch.code}:{window}",
            title=_("Queue too long at %(branch)s"),
            message=_(
                "%(waiting)s customers waiting, longest wait %(wait_minutes)s min "
                "(thresholds %(max_queue)s customers / %(max_wait_minutes)s min). "
                "Erlang C: %(needed)s counters needed this hour, %(on_duty)s on duty: "
                "add %(extra)s staff."
            ),
            params={
                "branch": f"{state.branch.name_zh} / {state.branch.name_en}",
                "waiting": state.waiting,
                "wait_minutes": math.ceil(state.longest_wait_seconds / 60),
                "max_queue": state.max_queue_length,
                "max_wait_minutes": math.ceil(state.max_wait_seconds / 60),
                "needed": state.agents_needed,
                "on_duty": state.on_duty,
                "extra": state.extra_staff,
            },
            severity="critical" if state.waiting >= 2 * state.max_queue_length else "warning",
            roles=[Role.BRANCH_MANAGER],
            branch=state.branch,
            link=f"/services/board/?branch={state.branch.code}",
            evidence={
                "waiting": state.waiting,
                "longest_wait_seconds": state.longest_wait_seconds,
                "agents_needed": state.agents_needed,
                "on_duty": state.on_duty,
                "extra_staff": state.extra_staff,
                "at": moment.isoformat(),
            },
        )
        if created:
            raised.append(alert)
    return raised
