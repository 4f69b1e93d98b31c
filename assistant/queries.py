"""Reads: a user's own conversations, hand-overs of a branch, the curation list, the FAQ."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Max, Min, Q, QuerySet

from assistant import permissions, retrieval
from assistant.models import ChatSession, ChatTurn, FaqEntry
from qc_portal.scoping import scope_to_branches

# Answered, but close enough to the threshold that a person should look at it.
REVIEW_MARGIN = 0.1


def own_sessions(user, *, browser_key: str = "") -> QuerySet[ChatSession]:
    """A customer's (or a browser's) own conversations: never anyone else's."""
    if user is not None and user.is_authenticated:
        return ChatSession.objects.filter(user=user)
    if browser_key:
        return ChatSession.objects.filter(user__isnull=True, browser_key=browser_key)
    return ChatSession.objects.none()


def handed_over_sessions(user) -> QuerySet[ChatSession]:
    """Conversations handed over at the agent's branches and not yet dealt with, waiting
    ones (not taken over) first, oldest first."""
    if not permissions.can_see_handovers(user):
        return ChatSession.objects.none()
    return (
        scope_to_branches(
            ChatSession.objects.filter(
                status=ChatSession.Status.HANDED_OVER, closed_at__isnull=True
            ),
            user,
        )
        .select_related("branch", "customer", "taken_by")
        .annotate(turn_count=Count("turns"))
        .order_by("taken_at", "handed_over_at")
    )


def transcript(session: ChatSession) -> QuerySet[ChatTurn]:
    return session.turns.order_by("position")


@dataclass(frozen=True)
class OpenQuestion:
    question: str
    language: str
    asked: int
    handed_over: int
    thumbs_down: int
    best_confidence: float
    last_asked_at: datetime
    top_key: str


def curation_questions(*, limit: int = 100) -> list[OpenQuestion]:
    """Questions the assistant could not answer, answered with low confidence, or answered
    unhelpfully (thumbs down), not yet curated: most frequent first. One grouped query."""
    review_below = retrieval.min_confidence() + REVIEW_MARGIN
    rows = (
        ChatTurn.objects.filter(curated_at__isnull=True)
        .filter(
            Q(intent=ChatTurn.Intent.LOW_CONFIDENCE)
            | Q(
                intent__in=[ChatTurn.Intent.FAQ, ChatTurn.Intent.MANUAL],
                confidence__lt=review_below,
            )
            | Q(feedback=ChatTurn.Feedback.DOWN)
        )
        .values("normalised_question")
        .annotate(
            asked=Count("id"),
            handed_over=Count("id", filter=Q(intent=ChatTurn.Intent.LOW_CONFIDENCE)),
            thumbs_down=Count("id", filter=Q(feedback=ChatTurn.Feedback.DOWN)),
            best=Max("confidence"),
            last=Max("created_at"),
            question=Min("question"),
            language=Min("language"),
            top_key=Max("top_key"),
        )
        .order_by("-asked", "-last")[:limit]
    )
    return [
        OpenQuestion(
            r["question"],
            r["language"],
            r["asked"],
            r["handed_over"],
            r["thumbs_down"],
            r["best"] or 0.0,
            r["last"],
            r["top_key"] or "",
        )
        for r in rows
    ]


def faq_entries(*, business_type: str = "", search: str = "") -> QuerySet[FaqEntry]:
    entries = FaqEntry.objects.select_related("current").order_by("business_type", "key")
    if business_type:
        entries = entries.filter(business_type=business_type)
    if search:
        entries = entries.filter(
            Q(key__icontains=search)
            | Q(current__questions_zh__icontains=search)
            | Q(current__questions_en__icontains=search)
        )
    return entries


def containment(*, start: datetime, end: datetime, branch_ids=None) -> dict:
    """Closed conversations in [start, end) and how many ended without a person (the
    assistant's own view of services.bot_containment)."""
    sessions = ChatSession.objects.filter(started_at__gte=start, started_at__lt=end).exclude(
        status=ChatSession.Status.OPEN
    )
    if branch_ids is not None:
        sessions = sessions.filter(branch_id__in=branch_ids)
    row = sessions.aggregate(
        total=Count("id"), contained=Count("id", filter=Q(status=ChatSession.Status.CLOSED))
    )
    row["rate"] = row["contained"] / row["total"] if row["total"] else None
    return row
