"""Chat API for the mobile app and the web widget (DESIGN.md §6 style: thin views).

Signed-in users own their sessions; anonymous clients may ask about the FAQ and own their
session through the browser session cookie, and never get case data.
"""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from assistant import actions, engine, queries
from assistant.models import ChatSession, ChatTurn


def browser_key(request, *, create: bool = False) -> str:
    """The anonymous visitor's key: their Django session (never for signed-in users)."""
    if request.user.is_authenticated:
        return ""
    session = getattr(request, "session", None)
    if session is None:
        return ""
    if session.session_key is None and create:
        session.save()
    return session.session_key or ""


def own_session(request, public_id) -> ChatSession:
    """The caller's session with this id; anyone else's is indistinguishable from none."""
    session = (
        queries.own_sessions(request.user, browser_key=browser_key(request))
        .filter(public_id=public_id)
        .first()
    )
    if session is None:
        raise Http404
    return session


class ChatInputSerializer(serializers.Serializer):
    session = serializers.UUIDField(required=False, allow_null=True)
    message = serializers.CharField(max_length=actions.MAX_MESSAGE, trim_whitespace=True)
    language = serializers.ChoiceField(choices=engine.LANGUAGES, required=False, allow_blank=True)


class SourceSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    url = serializers.CharField(allow_blank=True)


class ChatOutputSerializer(serializers.Serializer):
    session = serializers.UUIDField()
    turn = serializers.IntegerField(
        help_text="Position of this turn in the session (for feedback)."
    )
    answer = serializers.CharField()
    sources = SourceSerializer(many=True)
    confidence = serializers.FloatField()
    intent = serializers.CharField()
    handed_over = serializers.BooleanField()


def chat_payload(turn: ChatTurn) -> dict:
    return {
        "session": turn.session.public_id,
        "turn": turn.position,
        "answer": turn.answer,
        "sources": turn.sources,
        "confidence": round(turn.confidence, 4),
        "intent": turn.intent,
        "handed_over": turn.session.status == ChatSession.Status.HANDED_OVER,
    }


class ChatAskApi(APIView):
    """Ask the assistant. Without `session` a new conversation starts. Below the confidence
    threshold, or when the customer asks for a person, the answer says so and
    `handed_over` is true: an agent of the customer's branch continues with the transcript."""

    permission_classes = [AllowAny]

    @extend_schema(
        request=ChatInputSerializer,
        responses={
            200: ChatOutputSerializer,
            400: OpenApiResponse(
                description="Empty or too long message, unknown language, or the conversation has ended."
            ),
            404: OpenApiResponse(description="No such conversation of yours."),
        },
    )
    def post(self, request):
        data = ChatInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        session = own_session(request, values["session"]) if values.get("session") else None
        turn = actions.ask(
            session,
            message=values["message"],
            user=request.user,
            browser_key=browser_key(request, create=True),
            language=values.get("language") or "",
            channel=ChatSession.Channel.APP
            if request.auth is not None
            else ChatSession.Channel.WEB,
        )
        return Response(ChatOutputSerializer(chat_payload(turn)).data)


class FeedbackInputSerializer(serializers.Serializer):
    turn = serializers.IntegerField(min_value=1)
    helpful = serializers.BooleanField()


class FeedbackOutputSerializer(serializers.Serializer):
    session = serializers.UUIDField()
    turn = serializers.IntegerField()
    feedback = serializers.IntegerField(help_text="1 helpful, -1 not helpful")


class ChatFeedbackApi(APIView):
    """Thumbs up or down on one answer of your conversation."""

    permission_classes = [AllowAny]

    @extend_schema(
        request=FeedbackInputSerializer,
        responses={
            200: FeedbackOutputSerializer,
            400: OpenApiResponse(description="Bad input."),
            404: OpenApiResponse(description="No such conversation or turn of yours."),
        },
    )
    def post(self, request, session):
        chat = own_session(request, session)
        data = FeedbackInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        turn = chat.turns.filter(position=data.validated_data["turn"]).first()
        if turn is None:
            raise Http404
        turn = actions.give_feedback(
            turn,
            helpful=data.validated_data["helpful"],
            user=request.user,
            browser_key=browser_key(request),
        )
        return Response(
            FeedbackOutputSerializer(
                {"session": chat.public_id, "turn": turn.position, "feedback": turn.feedback}
            ).data
        )


class TurnSerializer(serializers.Serializer):
    turn = serializers.IntegerField(source="position")
    question = serializers.CharField()
    answer = serializers.CharField()
    sources = SourceSerializer(many=True)
    confidence = serializers.FloatField()
    intent = serializers.CharField()
    feedback = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()


class SessionSerializer(serializers.Serializer):
    session = serializers.UUIDField(source="public_id")
    status = serializers.CharField()
    started_at = serializers.DateTimeField()
    turns = TurnSerializer(many=True)


class ChatSessionDetailApi(APIView):
    """One of your conversations with its transcript."""

    permission_classes = [AllowAny]

    @extend_schema(
        responses={
            200: SessionSerializer,
            404: OpenApiResponse(description="No such conversation of yours."),
        }
    )
    def get(self, request, session):
        chat = own_session(request, session)
        payload = {
            "public_id": chat.public_id,
            "status": chat.status,
            "started_at": chat.started_at,
            "turns": list(queries.transcript(chat)),
        }
        return Response(SessionSerializer(payload).data)
