"""Services REST API (thin: parse → action / query → serialize)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from qc_portal.roles import Role, has_role
from qc_portal.scoping import visible_branches
from services import actions, erlang, permissions, queries
from services.models import Feedback, ServiceRecord
from services.serializers import (
    ErlangQuerySerializer,
    ErlangResultSerializer,
    FeedbackCreateSerializer,
    FeedbackSerializer,
    LiveQueueSerializer,
    MyServiceSerializer,
)


class ErlangCCalculateApi(APIView):
    """Agents needed for a traffic and service target by Erlang C (no abandonment)."""

    @extend_schema(
        parameters=[
            OpenApiParameter("arrivals_per_hour", float, required=True),
            OpenApiParameter(
                "aht_seconds", float, required=True, description="average handling time"
            ),
            OpenApiParameter(
                "target_seconds", float, required=True, description="answer / wait target"
            ),
            OpenApiParameter(
                "target_level", float, required=True, description="share in (0, 1), e.g. 0.8"
            ),
            OpenApiParameter("max_occupancy", float, required=False),
            OpenApiParameter("shrinkage", float, required=False),
        ],
        responses={200: ErlangResultSerializer},
    )
    def get(self, request):
        if not permissions.can_use_staffing_calculator(request.user):
            raise PermissionDenied
        query = ErlangQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        result = erlang.agents_needed(
            data["arrivals_per_hour"],
            data["aht_seconds"],
            data["target_seconds"],
            data["target_level"],
            max_occupancy=data.get("max_occupancy"),
        ).as_dict()
        if data.get("shrinkage") is not None:
            result["rostered"] = erlang.rostered_for(result["agents"], data["shrinkage"])
        return Response(ErlangResultSerializer(result).data)


class LiveQueueRetrieveApi(APIView):
    """A branch's queue right now (the service board's figures), for its manager."""

    @extend_schema(responses={200: LiveQueueSerializer})
    def get(self, request, code: str):
        if not permissions.can_view_service_pages(request.user):
            raise PermissionDenied
        branch = get_object_or_404(visible_branches(request.user), code=code)
        if not permissions.can_manage_branch_service(request.user, branch):
            raise PermissionDenied
        live = queries.live_queue(branch)
        state = live["state"]
        live.update(
            branch=branch,
            breached=bool(state and state.breached),
            extra_staff_needed=state.extra_staff if state and state.breached else None,
        )
        return Response(LiveQueueSerializer(live).data)


class FeedbackCreateApi(APIView):
    """A customer rates a service they received (mobile app, web)."""

    @extend_schema(request=FeedbackCreateSerializer, responses={201: FeedbackSerializer})
    def post(self, request):
        if not has_role(request.user, Role.CUSTOMER):
            raise PermissionDenied
        data = FeedbackCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        record = get_object_or_404(
            queries.customer_records(request.user), pk=data.validated_data["service_record"]
        )
        feedback = actions.rate_service(
            record,
            rating=data.validated_data["rating"],
            comment=data.validated_data["comment"],
            actor=request.user,
            via=Feedback.Via.MOBILE,
        )
        return Response(FeedbackSerializer(feedback).data, status=status.HTTP_201_CREATED)


class MyServiceListApi(ListAPIView):
    """The logged-in customer's finished services, with their rating if given."""

    serializer_class = MyServiceSerializer
    queryset = ServiceRecord.objects.none()  # for the schema; the real one is per user

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ServiceRecord.objects.none()
        if not has_role(self.request.user, Role.CUSTOMER):
            raise PermissionDenied
        return queries.customer_records(self.request.user).order_by("-arrived_at", "-id")
