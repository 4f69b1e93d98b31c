"""The ingest API (DESIGN.md §6) and shared data-set reads. Thin: check, call, serialize."""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from integration import actions, queries
from integration.models import DataSet, InboundBatch, InboundRecord, SharingGrant
from integration.permissions import can_manage_integration, can_read_data_set
from qc_portal.api.errors import error_body
from qc_portal.periods import bank_tz
from qc_portal.security import security_event

logger = logging.getLogger(__name__)

SIGNATURE_HEADERS = [
    OpenApiParameter(
        "X-Source-System",
        str,
        OpenApiParameter.HEADER,
        required=True,
        description="Code of the registered source system.",
    ),
    OpenApiParameter(
        "X-Timestamp",
        str,
        OpenApiParameter.HEADER,
        required=True,
        description="Unix time in seconds; refused when more than 300 s from now.",
    ),
    OpenApiParameter(
        "X-Signature",
        str,
        OpenApiParameter.HEADER,
        required=True,
        description='Hex HMAC-SHA256 of timestamp + "." + raw body with the system\'s secret.',
    ),
]


class IngestThrottle(ScopedRateThrottle):
    """Rate per source system (falls back to the client address)."""

    def get_cache_key(self, request, view):
        source = request.META.get("HTTP_X_SOURCE_SYSTEM", "")[:40]
        ident = f"source:{source}" if source else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


def _refused(refusal: actions.IngestRefused, request=None) -> Response:
    # Logged, not stored: a refused request writes nothing (and cannot fill the database).
    source_code = (request.META.get("HTTP_X_SOURCE_SYSTEM", "") if request is not None else "")[:40]
    if refusal.status == 401:
        # Not signed by a registered system (bad or missing signature, stale time, unknown
        # system): one event in the security log, for the bank's monitoring.
        security_event(
            "ingest_signature_rejected", request=request, reason=refusal.code, source=source_code
        )
    else:
        logger.warning("ingest refused: %s (source %r)", refusal.code, source_code)
    response = Response(error_body(refusal.code, str(refusal.message)), status=refusal.status)
    if refusal.status == 401:
        response["WWW-Authenticate"] = 'HMAC-SHA256 realm="ingest"'
    return response


def _signed_source(request, body: bytes):
    meta = request.META
    return actions.authenticate_request(
        source_code=meta.get("HTTP_X_SOURCE_SYSTEM"),
        timestamp=meta.get("HTTP_X_TIMESTAMP"),
        signature=meta.get("HTTP_X_SIGNATURE"),
        body=body,
    )


RECORD_RESULT_FIELDS = {
    "index": serializers.IntegerField(),
    "idempotency_key": serializers.CharField(allow_null=True),
    "outcome": serializers.ChoiceField(
        ["accepted", "duplicate", "rejected", "conflict", "pending"]
    ),
    "record": serializers.IntegerField(allow_null=True),
    "reason": serializers.CharField(required=False),
    "errors": serializers.DictField(required=False),
    "first_outcome": serializers.CharField(required=False),
}
IngestResponseSerializer = inline_serializer(
    "IngestResponse",
    {
        "batch": serializers.IntegerField(),
        "status_url": serializers.CharField(),
        "counts": serializers.DictField(child=serializers.IntegerField()),
        "results": inline_serializer("IngestRecordResult", RECORD_RESULT_FIELDS, many=True),
    },
)
IngestRequestSerializer = inline_serializer(
    "IngestRequest",
    {"records": serializers.ListField(child=serializers.DictField())},
)


class IngestCreateApi(APIView):
    """Receive a batch of records of one type from a source system (signed, idempotent).

    200: applied in the request, one outcome per record. 202: stored and queued; poll
    `status_url`. 409: every record of the batch is still being processed under its key."""

    authentication_classes: list = []  # the signature is the authentication
    permission_classes = [AllowAny]
    throttle_classes = [IngestThrottle]
    throttle_scope = "ingest"

    @extend_schema(
        parameters=SIGNATURE_HEADERS,
        request=IngestRequestSerializer,
        responses={
            200: IngestResponseSerializer,
            202: IngestResponseSerializer,
            409: IngestResponseSerializer,
        },
    )
    def post(self, request, record_type: str):
        try:
            body = request._request.body
        except RequestDataTooBig:
            return Response(
                error_body(
                    "body_too_large", _("The request body is too large; send smaller batches.")
                ),
                status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
            )
        try:
            source = _signed_source(request, body)
            actions.check_record_type(source, record_type)
            records = actions.parse_body(body)
        except actions.IngestRefused as refusal:
            return _refused(refusal, request)
        result = actions.receive_batch(source, record_type=record_type, records=records)
        counts = result.counts()
        if result.queued:
            code = status.HTTP_202_ACCEPTED
        elif counts["conflict"] == len(result.outcomes):
            code = status.HTTP_409_CONFLICT
        else:
            code = status.HTTP_200_OK
        return Response(
            {
                "batch": result.batch.pk,
                "status_url": request.build_absolute_uri(
                    f"/api/v1/ingest/batches/{result.batch.pk}/"
                ),
                "counts": counts,
                "results": [outcome.as_dict() for outcome in result.outcomes],
            },
            status=code,
        )


class IngestBatchDetailApi(APIView):
    """A batch's outcome: for the source system that sent it (signed GET, empty body) or an
    integration administrator."""

    permission_classes = [AllowAny]
    throttle_classes = [IngestThrottle]
    throttle_scope = "ingest"

    def get_authenticators(self):
        # A signed request carries no session or token; anything else is a person logging in.
        if self.request is not None and "HTTP_X_SOURCE_SYSTEM" in self.request.META:
            return []
        return super().get_authenticators()

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request, batch_id: int):
        batches = InboundBatch.objects.select_related("source")
        if "HTTP_X_SOURCE_SYSTEM" in request.META:
            try:
                source = _signed_source(request, b"")
            except actions.IngestRefused as refusal:
                return _refused(refusal, request)
            batch = get_object_or_404(batches, pk=batch_id, source=source)
        elif not request.user.is_authenticated:
            return Response(
                error_body("not_authenticated", _("Sign the request or log in.")),
                status=status.HTTP_401_UNAUTHORIZED,
                headers={"WWW-Authenticate": 'HMAC-SHA256 realm="ingest"'},
            )
        elif not can_manage_integration(request.user):
            raise PermissionDenied
        else:
            batch = get_object_or_404(batches, pk=batch_id)
        return Response(queries.batch_status(batch))


class DataSetRecordSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    record_type = serializers.CharField()
    idempotency_key = serializers.CharField()
    applied_at = serializers.DateTimeField()
    data = serializers.SerializerMethodField()

    def get_data(self, record) -> dict:
        return {key: value for key, value in record.payload.items() if key != "idempotency_key"}


class DataSetRecordListApi(ListAPIView):
    """The records of a shared data set, oldest first, for departments granted access.
    `since` (ISO date or date-time) returns records applied at or after it."""

    permission_classes = [IsAuthenticated]
    serializer_class = DataSetRecordSerializer

    @extend_schema(parameters=[OpenApiParameter("since", str, description="ISO date or date-time")])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return InboundRecord.objects.none()
        data_set = DataSet.objects.filter(code=self.kwargs["code"]).first()
        if data_set is None:
            raise Http404
        if not can_read_data_set(self.request.user, data_set):
            raise PermissionDenied(_("Your department has not been granted this data set."))
        since_text = self.request.query_params.get("since", "").strip()
        since = None
        if since_text:
            since = parse_datetime(since_text)
            if since is None and (day := parse_date(since_text)) is not None:
                from datetime import datetime, time

                since = datetime.combine(day, time.min, tzinfo=bank_tz())
            if since is None:
                raise serializers.ValidationError(
                    {"since": [_("Write an ISO date (2026-10-01) or date-time.")]}
                )
            if since.tzinfo is None:
                since = since.replace(tzinfo=bank_tz())
        return queries.data_set_records(data_set, since=since)


class DataSetSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    domain = serializers.CharField()
    owning_system = serializers.CharField(source="owning_system.code")
    owning_department = serializers.CharField(source="owning_department.code")
    sensitivity = serializers.CharField()
    refresh_frequency = serializers.CharField()
    record_types = serializers.ListField(child=serializers.CharField())
    last_updated = serializers.DateTimeField(allow_null=True)
    readable = serializers.BooleanField(help_text="whether the caller may read its records")


class DataSetListApi(APIView):
    """The data inventory: every data set, when it was last updated, and whether the caller's
    department may read it."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: DataSetSerializer(many=True)})
    def get(self, request):
        from integration.permissions import can_see_inventory

        if not can_see_inventory(request.user):
            raise PermissionDenied
        data_sets = list(
            DataSet.objects.select_related("owning_system", "owning_department").order_by("code")
        )
        updated = queries.last_updated_by_data_set(data_sets)
        granted: dict[int, set[int]] = {}
        for data_set_id, department_id in SharingGrant.objects.filter(
            granted_at__isnull=False
        ).values_list("data_set_id", "department_id"):
            granted.setdefault(data_set_id, set()).add(department_id)
        for data_set in data_sets:
            data_set.last_updated = updated.get(data_set.pk)
            data_set.readable = can_read_data_set(
                request.user, data_set, granted_department_ids=granted.get(data_set.pk, set())
            )
        return Response(DataSetSerializer(data_sets, many=True).data)
