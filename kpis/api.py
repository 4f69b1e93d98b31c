"""KPI API (thin): definitions with their targets, and results of a period."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from kpis import queries
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


class KpiResultListApi(APIView):
    permission_classes = [CanReadKpis]

    @extend_schema(
        summary="KPI results of a period",
        parameters=[
            OpenApiParameter("period", str, required=True, description="2026-10 or 2026-Q4"),
            OpenApiParameter(
                "scope", str, description="bank or branch:<code>; empty: every scope you may see"
            ),
            OpenApiParameter("measure", int, description="1 to 5"),
            OpenApiParameter(
                "status", str, description="met, missed, insufficient_data, no_target"
            ),
        ],
        responses=ResultSerializer(many=True),
    )
    def get(self, request):
        params = request.query_params
        period = queries.parse_period(params.get("period"))
        scope = queries.parse_scope(params.get("scope"), request.user)
        results = queries.list_results(
            request.user,
            period=period,
            scope=scope,
            measure=queries.parse_measure(params.get("measure")),
            status=queries.parse_status(params.get("status")),
        )
        paginator = api_settings.DEFAULT_PAGINATION_CLASS()
        page = paginator.paginate_queryset(results, request, view=self)
        return paginator.get_paginated_response(ResultSerializer(page, many=True).data)
