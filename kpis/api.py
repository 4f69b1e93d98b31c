"""KPI API (thin): definitions with their targets, and results of a period."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from kpis import queries
from kpis.models import KpiResult
from kpis.permissions import can_read_kpis
from kpis.serializers import DefinitionSerializer, ResultSerializer


class CanReadKpis(BasePermission):
    def has_permission(self, request, view) -> bool:
        if not can_read_kpis(request.user):
            raise PermissionDenied
        return True


class KpiListApi(APIView):
    permission_classes = [CanReadKpis]

    @extend_schema(
        responses=DefinitionSerializer(many=True), summary="KPI definitions with current targets"
    )
    def get(self, request):
        rows = []
        for definition, targets in queries.list_definitions():
            for target in targets:
                target.kpi = definition  # avoid a query per target for the unit
            rows.append(
                {
                    **{
                        f: getattr(definition, f)
                        for f in DefinitionSerializer().fields
                        if f != "targets"
                    },
                    "targets": targets,
                }
            )
        return Response(DefinitionSerializer(rows, many=True).data)


class KpiResultListApi(generics.ListAPIView):
    """Results of one period: every scope the caller may see (a branch manager: their branch
    and the bank), narrowed by scope, measure and status. Another branch's scope is a 403."""

    permission_classes = [CanReadKpis]
    serializer_class = ResultSerializer

    @extend_schema(
        summary="KPI results of a period",
        parameters=[
            OpenApiParameter("period", str, required=True, description="2026-10 or 2026-Q4"),
            OpenApiParameter(
                "scope", str, description="bank or branch:<code>; empty: every scope you may see"
            ),
            OpenApiParameter("measure", int, enum=[1, 2, 3, 4, 5]),
            OpenApiParameter(
                "status", str, enum=["met", "missed", "insufficient_data", "no_target"]
            ),
        ],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return KpiResult.objects.none()
        params = self.request.query_params
        return queries.list_results(
            self.request.user,
            period=queries.parse_period(params.get("period")),
            scope=queries.parse_scope(params.get("scope"), self.request.user),
            measure=queries.parse_measure(params.get("measure")),
            status=queries.parse_status(params.get("status")),
        )
