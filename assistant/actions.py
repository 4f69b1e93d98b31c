"""The smart customer-service assistant: knowledge upkeep and conversations.

Knowledge: customer-service staff keep the FAQ. Every edit is a new version of an entry (the
old text stays readable), audited, and after commit the retrieval index is rebuilt by a Celery
task. Manuals come from transparency and are picked up by the same task on its schedule.

Conversations: a customer (signed in, or an anonymous web visitor owning the session through
the browser) asks; the assistant answers from the knowledge or from the customer's own cases,
or hands over to a person when asked or when it is not confident. Each finished conversation
becomes ONE chatbot service record (services): `resolved_by_assistant` when it ended without a
person, `transferred` when handed over — that is `services.bot_containment`. A hand-over also
opens an online-channel service record waiting for an agent, who sees the whole transcript.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assistant import engine, permissions
from assistant.models import BusinessType, ChatSession, ChatTurn, FaqEntry, FaqVersion
from qc_portal.audit import record_event
from qc_portal.models import Branch
from qc_portal.scoping import customer_of, staff_profile

ACTOR_LABEL = "assistant"
SOURCE_CODE = "assistant"
MAX_MESSAGE = 1000
KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{1,79}$")
# Our business types → the service types of services.ServiceType.
SERVICE_TYPES = {
    "account_opening": "account_opening",
    "cards": "card",
    "card_application": "card",
    "transfers": "transfer",
    "deposits": "deposit_withdrawal",
    "loans": "loan_enquiry",
    "mortgage": "loan_enquiry",
    "consumer_loan": "loan_enquiry",
    "business_loan": "loan_enquiry",
    "progress": "loan_enquiry",
    "wealth": "wealth",
    "wealth_product": "wealth",
}


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def enqueue_index_rebuild() -> None:
    from assistant import tasks

    transaction.on_commit(lambda: tasks.rebuild_index.delay())


# --- knowledge -------------------------------------------------------------------------


def _clean_lines(text: str | list) -> str:
    lines = text if isinstance(text, list) else (text or "").splitlines()
    seen, kept = set(), []
    for line in lines:
        line = " ".join(str(line).split())[:300]
        if line and line not in seen:
            seen.add(line)
            kept.append(line)
    return "\n".join(kept)


@transaction.atomic
def save_faq_entry(
    key: str,
    *,
    business_type: str,
    questions_zh: str | list,
    questions_en: str | list,
    answer_zh: str,
    answer_en: str,
    change_note: str = "",
    actor,
    actor_label: str = "",
    now: datetime | None = None,
    rebuild: bool = True,
) -> FaqVersion:
    """Create an FAQ entry or add a new version of it (an unchanged text adds nothing)."""
    if actor is not None and not permissions.can_curate(actor):
        raise PermissionDenied(_("Only customer-service staff may edit the FAQ."))
    if actor is None and not actor_label:
        raise PermissionDenied(_("An FAQ change needs a member of staff or a named system."))
    errors: dict[str, list] = {}
    key = (key or "").strip().lower()
    if not KEY_PATTERN.match(key):
        errors["key"] = [_("Use 2–80 lowercase letters, digits, hyphens or underscores.")]
    if business_type not in BusinessType.values:
        errors["business_type"] = [_("Unknown business type.")]
    questions_zh, questions_en = _clean_lines(questions_zh), _clean_lines(questions_en)
    answer_zh, answer_en = (answer_zh or "").strip(), (answer_en or "").strip()
    if not questions_zh and not questions_en:
        errors["questions_zh"] = [_("Give at least one question, in Chinese or English.")]
    if not answer_zh:
        errors["answer_zh"] = [_("Give the answer in Chinese.")]
    if not answer_en:
        errors["answer_en"] = [_("Give the answer in English.")]
    for name, value in (("answer_zh", answer_zh), ("answer_en", answer_en)):
        if len(value) > 4000:
            errors[name] = [_("Keep the answer under 4,000 characters.")]
    if errors:
        raise ValidationError(errors)
    moment = _now(now)
    entry, created = FaqEntry.objects.select_for_update().get_or_create(
        key=key, defaults={"business_type": business_type, "created_at": moment}
    )
    current = entry.current
    if (
        current is not None
        and entry.is_active
        and entry.business_type == business_type
        and (current.questions_zh, current.questions_en, current.answer_zh, current.answer_en)
        == (questions_zh, questions_en, answer_zh, answer_en)
    ):
        return current
    version = FaqVersion.objects.create(
        entry=entry,
        version=(current.version + 1) if current else 1,
        questions_zh=questions_zh,
        questions_en=questions_en,
        answer_zh=answer_zh,
        answer_en=answer_en,
        change_note=change_note.strip()[:200],
        created_by=actor,
        created_at=moment,
    )
    before = (
        None
        if created
        else {
            "version": current.version if current else None,
            "business_type": entry.business_type,
            "is_active": entry.is_active,
        }
    )
    entry.current, entry.business_type, entry.is_active, entry.updated_at = (
        version,
        business_type,
        True,
        moment,
    )
    entry.save(update_fields=["current", "business_type", "is_active", "updated_at"])
    record_event(
        "assistant.faq_saved",
        actor=actor,
        actor_label=actor_label,
        target=entry,
        before=before,
        after={"key": key, "version": version.version, "business_type": business_type},
    )
    if rebuild:
        enqueue_index_rebuild()
    return version


@transaction.atomic
def retire_faq_entry(entry: FaqEntry, *, actor, now: datetime | None = None) -> FaqEntry:
    """Stop answering with an entry (its versions stay for the record)."""
    if not permissions.can_curate(actor):
        raise PermissionDenied(_("Only customer-service staff may edit the FAQ."))
    entry = FaqEntry.objects.select_for_update().get(pk=entry.pk)
    if not entry.is_active:
        return entry
    entry.is_active, entry.updated_at = False, _now(now)
    entry.save(update_fields=["is_active", "updated_at"])
    record_event(
        "assistant.faq_retired",
        actor=actor,
        target=entry,
        before={"is_active": True},
        after={"is_active": False},
    )
    enqueue_index_rebuild()
    return entry


@transaction.atomic
def import_faq(items: list[dict], *, actor=None, actor_label: str = "import") -> int:
    """Load FAQ entries (the starter file); returns how many versions were added. One index
    rebuild for the whole import."""
    added = 0
    for item in items:
        entry = FaqEntry.objects.filter(key=item["key"]).select_related("current").first()
        before = entry.current_id if entry else None
        version = save_faq_entry(
            item["key"],
            business_type=item["business_type"],
            questions_zh=item["questions_zh"],
            questions_en=item["questions_en"],
            answer_zh=item["answer_zh"],
            answer_en=item["answer_en"],
            change_note=item.get("change_note", ""),
            actor=actor,
            actor_label=actor_label,
            rebuild=False,
        )
        added += version.pk != before
    if added:
        enqueue_index_rebuild()
    return added


# --- conversations ---------------------------------------------------------------------


def _default_branch(user) -> Branch:
    customer = customer_of(user) if user is not None and user.is_authenticated else None
    if customer is not None and customer.home_branch_id:
        return customer.home_branch
    profile = staff_profile(user) if user is not None and user.is_authenticated else None
    if profile is not None:
        return profile.branch
    code = getattr(settings, "QC_ASSISTANT_DEFAULT_BRANCH", "")
    branch = Branch.objects.filter(code=code).first() if code else None
    branch = branch or Branch.objects.filter(is_active=True).order_by("code").first()
    if branch is None:
        raise ValidationError(
            {"session": _("The assistant is not available: no branch is set up.")}
        )
    return branch


def owns_session(session: ChatSession, *, user, browser_key: str = "") -> bool:
    if user is not None and user.is_authenticated:
        return session.user_id == user.pk
    return bool(browser_key) and session.user_id is None and session.browser_key == browser_key


def start_session(
    *,
    user,
    browser_key: str = "",
    channel: str = ChatSession.Channel.WEB,
    language: str = "zh-hans",
    now: datetime | None = None,
) -> ChatSession:
    authenticated = user is not None and user.is_authenticated
    if not authenticated and not browser_key:
        raise PermissionDenied(_("Start the conversation from the website or sign in."))
    moment = _now(now)
    return ChatSession.objects.create(
        user=user if authenticated else None,
        customer=customer_of(user) if authenticated else None,
        browser_key="" if authenticated else browser_key[:64],
        branch=_default_branch(user),
        channel=channel if channel in ChatSession.Channel.values else ChatSession.Channel.WEB,
        language=language if language in engine.LANGUAGES else "zh-hans",
        started_at=moment,
        last_activity_at=moment,
    )


def _fold(question: str) -> str:
    return " ".join(question.lower().split())[:300]


@transaction.atomic
def ask(
    session: ChatSession | None,
    *,
    message: str,
    user,
    browser_key: str = "",
    language: str = "",
    channel: str = ChatSession.Channel.WEB,
    now: datetime | None = None,
) -> ChatTurn:
    """Answer one message in `session` (a new session when None) and record the turn; hand
    over to a person when asked or not confident."""
    message = (message or "").strip()
    if not message:
        raise ValidationError({"message": _("Type a question.")})
    if len(message) > MAX_MESSAGE:
        raise ValidationError({"message": _("Keep the question under 1,000 characters.")})
    if language and language not in engine.LANGUAGES:
        raise ValidationError({"language": _("Use zh-hans or en.")})
    moment = _now(now)
    if session is None:
        session = start_session(
            user=user,
            browser_key=browser_key,
            channel=channel,
            language=engine.detect_language(message, language),
            now=moment,
        )
    else:
        session = ChatSession.objects.select_for_update().get(pk=session.pk)
        if not owns_session(session, user=user, browser_key=browser_key):
            raise PermissionDenied(_("This is not your conversation."))
        if not session.is_open:
            raise ValidationError({"session": _("This conversation has ended. Start a new one.")})
    reply = engine.respond(message, user=user, language=language or "")
    position = session.turns.count() + 1
    turn = ChatTurn.objects.create(
        session=session,
        position=position,
        question=message,
        normalised_question=_fold(message),
        language=reply.language,
        answer=reply.answer,
        intent=reply.intent,
        sources=reply.sources,
        top_key=reply.top_key,
        confidence=reply.confidence,
        answered=reply.answered,
        latency_ms=round(reply.latency_ms, 2),
        created_at=moment,
    )
    session.last_activity_at, session.language = moment, reply.language
    session.save(update_fields=["last_activity_at", "language"])
    if reply.cases:
        from transparency import actions as case_actions

        for case in reply.cases:
            case_actions.record_tracking_view(
                case, channel="app" if session.channel == ChatSession.Channel.APP else "web"
            )
    if reply.handover:
        turn.session = hand_over(session, reason=reply.intent, now=moment)
    return turn


def _service_type(session: ChatSession) -> str:
    keys = list(session.turns.exclude(top_key="").values_list("top_key", flat=True)[:5])
    intents = set(session.turns.values_list("intent", flat=True))
    for key in keys:
        if key.startswith("faq:"):
            business = (
                FaqEntry.objects.filter(key=key[4:]).values_list("business_type", flat=True).first()
            )
        else:
            business = key.split(":")[1] if ":" in key else ""
        if business in SERVICE_TYPES:
            return SERVICE_TYPES[business]
    if ChatTurn.Intent.PROGRESS in intents:
        return SERVICE_TYPES["progress"]
    return "other"


def _record_chatbot(session: ChatSession, *, outcome: str, now: datetime) -> int:
    from services import actions as services

    record = services.record_service(
        branch=session.branch,
        channel="chatbot",
        service_type=_service_type(session),
        arrived_at=session.started_at,
        called_at=session.started_at,
        finished_at=now,
        outcome=outcome,
        customer=session.customer,
        actor=None,
        actor_label=ACTOR_LABEL,
        source_code=SOURCE_CODE,
        external_id=f"chat-{session.public_id}",
        now=now,
    )
    return record.pk


@transaction.atomic
def hand_over(
    session: ChatSession,
    *,
    reason: str = ChatTurn.Intent.HANDOVER_ASKED,
    now: datetime | None = None,
) -> ChatSession:
    """The chatbot session ends as transferred; an online contact waits for an agent."""
    from services import actions as services

    session = ChatSession.objects.select_for_update().get(pk=session.pk)
    if not session.is_open:
        raise ValidationError({"session": _("This conversation has already ended.")})
    moment = _now(now)
    session.chatbot_record_id = _record_chatbot(session, outcome="transferred", now=moment)
    waiting = services.record_service(
        branch=session.branch,
        channel="online",
        service_type=_service_type(session),
        arrived_at=moment,
        customer=session.customer,
        actor=None,
        actor_label=ACTOR_LABEL,
        source_code=SOURCE_CODE,
        external_id=f"handover-{session.public_id}",
        now=moment,
    )
    session.handover_record_id = waiting.pk
    session.status, session.handed_over_at, session.handover_reason = (
        ChatSession.Status.HANDED_OVER,
        moment,
        reason,
    )
    session.save(
        update_fields=[
            "chatbot_record_id",
            "handover_record_id",
            "status",
            "handed_over_at",
            "handover_reason",
        ]
    )
    record_event(
        "assistant.handed_over",
        actor_label=ACTOR_LABEL,
        target=session,
        after={"reason": reason, "branch": session.branch_id, "service_record": waiting.pk},
    )
    return session


@transaction.atomic
def close_session(
    session: ChatSession,
    *,
    user=None,
    browser_key: str = "",
    actor_label: str = "",
    now: datetime | None = None,
) -> ChatSession:
    """The conversation ended without a person: one chatbot record, resolved by the assistant.
    The customer ends it, or the idle sweep does (`actor_label`)."""
    session = ChatSession.objects.select_for_update().get(pk=session.pk)
    if not actor_label and not owns_session(session, user=user, browser_key=browser_key):
        raise PermissionDenied(_("This is not your conversation."))
    if not session.is_open:
        return session
    moment = _now(now)
    if session.turns.exists():
        session.chatbot_record_id = _record_chatbot(
            session, outcome="resolved_by_assistant", now=moment
        )
    session.status, session.closed_at = ChatSession.Status.CLOSED, moment
    session.save(update_fields=["chatbot_record_id", "status", "closed_at"])
    return session


def close_idle_sessions(*, now: datetime | None = None, limit: int = 1000) -> int:
    """End conversations nobody has written in for QC_ASSISTANT_IDLE_MINUTES (default 30)."""
    moment = _now(now)
    idle = timedelta(minutes=int(getattr(settings, "QC_ASSISTANT_IDLE_MINUTES", 30)))
    ids = list(
        ChatSession.objects.filter(
            status=ChatSession.Status.OPEN, last_activity_at__lt=moment - idle
        )
        .order_by("last_activity_at")
        .values_list("pk", flat=True)[:limit]
    )
    for session in ChatSession.objects.filter(pk__in=ids):
        close_session(session, actor_label=ACTOR_LABEL, now=moment)
    return len(ids)


@transaction.atomic
def give_feedback(turn: ChatTurn, *, helpful: bool, user, browser_key: str = "") -> ChatTurn:
    if not owns_session(turn.session, user=user, browser_key=browser_key):
        raise PermissionDenied(_("This is not your conversation."))
    if not isinstance(helpful, bool):
        raise ValidationError({"helpful": _("Say true or false.")})
    turn.feedback = ChatTurn.Feedback.UP if helpful else ChatTurn.Feedback.DOWN
    turn.save(update_fields=["feedback"])
    return turn


@transaction.atomic
def take_over(session: ChatSession, *, actor, now: datetime | None = None) -> ChatSession:
    """An agent of the session's branch picks up a handed-over conversation."""
    session = ChatSession.objects.select_for_update().get(pk=session.pk)
    if not permissions.can_handle_handover(actor, session):
        raise PermissionDenied(_("Only an agent of this branch may take over this conversation."))
    if session.status != ChatSession.Status.HANDED_OVER:
        raise ValidationError({"session": _("This conversation is not waiting for an agent.")})
    if session.taken_by_id and session.taken_by_id != actor.pk:
        raise ValidationError({"session": _("Another agent has already taken this conversation.")})
    session.taken_by, session.taken_at = actor, _now(now)
    session.save(update_fields=["taken_by", "taken_at"])
    # Taking the conversation over is the agent's first reply on the online contact: it
    # feeds services.response_time.online.
    _handover_record_call(session, actor, "respond_online", now=session.taken_at)
    record_event(
        "assistant.handover_taken", actor=actor, target=session, after={"taken_by": actor.pk}
    )
    return session


def _handover_record_call(session: ChatSession, actor, action: str, *, now: datetime) -> None:
    """Move the online contact opened at hand-over on with the agent (services' own action)."""
    from services import actions as services
    from services import queries as service_queries

    if session.handover_record_id is None:
        return
    record = service_queries.visible_records(actor).filter(pk=session.handover_record_id).first()
    if record is None or record.outcome:
        return  # already closed by the agent on the services console
    if action == "respond_online" and record.called_at is not None:
        return
    getattr(services, action)(record, actor=actor, now=now)


@transaction.atomic
def finish_handover(session: ChatSession, *, actor, now: datetime | None = None) -> ChatSession:
    """The agent who took the conversation over has dealt with it: it leaves the queue."""
    session = ChatSession.objects.select_for_update().get(pk=session.pk)
    if not permissions.can_handle_handover(actor, session):
        raise PermissionDenied(_("Only an agent of this branch may take over this conversation."))
    if session.status != ChatSession.Status.HANDED_OVER or session.closed_at is not None:
        raise ValidationError({"session": _("This conversation is not waiting for an agent.")})
    if session.taken_by_id != actor.pk:
        raise ValidationError({"session": _("Take the conversation over first.")})
    session.closed_at = _now(now)
    session.save(update_fields=["closed_at"])
    _handover_record_call(session, actor, "close_online", now=session.closed_at)
    record_event(
        "assistant.handover_finished",
        actor=actor,
        target=session,
        after={"closed_at": session.closed_at.isoformat()},
    )
    return session


@transaction.atomic
def mark_curated(question: str, *, actor, now: datetime | None = None) -> int:
    """Curation dealt with a question (made an FAQ entry of it, or judged it not worth one)."""
    if not permissions.can_curate(actor):
        raise PermissionDenied(_("Only customer-service staff may curate questions."))
    folded = _fold(question or "")
    if not folded:
        raise ValidationError({"question": _("Which question?")})
    count = ChatTurn.objects.filter(normalised_question=folded, curated_at__isnull=True).update(
        curated_at=_now(now)
    )
    record_event(
        "assistant.question_curated", actor=actor, after={"question": folded, "turns": count}
    )
    return count
