"""Mobile-app API (DESIGN.md §6): public tracking by reference + access code, and a
logged-in customer's own cases."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from qc_portal.api.errors import error_body
from transparency import actions, queries
from transparency.models import Channel
from transparency.permissions import IsCustomer
from transparency.serializers import (
    CaseProgressSerializer,
    CaseSummarySerializer,
    progress_payload,
    summary_payload,
)


def not_found_body() -> dict:
    """One body for a wrong reference and a wrong code alike."""
    return error_body("not_found", _("No case matches this reference and access code."))


class TrackApi(APIView):
    """Public progress of one case. A wrong reference and a wrong access code answer the
    same 404; lookups are throttled per client (scope `track`)."""

    authentication_classes: list = []  # anonymous by design: throttled per client address
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "track"

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "X-Access-Code", OpenApiTypes.STR, OpenApiParameter.HEADER, required=True
            )
        ],
        responses={
            200: CaseProgressSerializer,
            404: OpenApiResponse(description="No case with this reference and access code."),
            429: OpenApiResponse(description="Too many lookups; see Retry-After."),
        },
    )
    def get(self, request, reference: str):
        case = queries.find_case_by_reference(reference)
        if not actions.access_code_matches(case, request.headers.get("X-Access-Code", "")):
            return Response(not_found_body(), status=404)
        actions.record_tracking_view(case, channel=Channel.APP)
        return Response(CaseProgressSerializer(progress_payload(queries.progress_of(case))).data)


class MyCaseListApi(ListAPIView):
    """The logged-in customer's own cases, newest first."""

    permission_classes = [IsCustomer]
    serializer_class = CaseSummarySerializer

    def get_queryset(self):
        return queries.customer_cases(self.request.user)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        actions.record_tracking_views([c for c in page if c.is_open], channel=Channel.APP)
        return self.get_paginated_response(
            CaseSummarySerializer([summary_payload(case) for case in page], many=True).data
        )


class MyCaseDetailApi(APIView):
    """One of the logged-in customer's cases with its timeline; someone else's is a 404."""

    permission_classes = [IsCustomer]

    @extend_schema(responses={200: CaseProgressSerializer})
    def get(self, request, reference: str):
        case = queries.customer_cases(request.user).filter(reference=reference.upper()).first()
        if case is None:
            raise Http404
        actions.record_tracking_view(case, channel=Channel.APP)
        return Response(CaseProgressSerializer(progress_payload(queries.progress_of(case))).data)
