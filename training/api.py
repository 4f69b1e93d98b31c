"""Training REST API (thin: parse → action / query → serialize)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from qc_portal.periods import QUARTER, Period
from training import actions, permissions, queries
from training.models import Survey


class DueCourseSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    code = serializers.CharField()
    title = serializers.CharField()
    category = serializers.CharField()
    frequency = serializers.CharField()
    held = serializers.BooleanField()


class MyEnrollmentSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    session = serializers.IntegerField(source="session_id")
    course = serializers.CharField(source="session.course.code")
    starts_at = serializers.DateTimeField(source="session.starts_at")
    status = serializers.CharField()
    attended = serializers.BooleanField(allow_null=True)
    post_score = serializers.IntegerField(allow_null=True)
    passed = serializers.BooleanField(allow_null=True)


class MyTrainingSerializer(serializers.Serializer):
    quarter = serializers.CharField()
    due = DueCourseSerializer(many=True)
    enrollments = MyEnrollmentSerializer(many=True)


class MyTrainingApi(APIView):
    """The signed-in employee's mandatory courses this quarter and their enrolments."""

    @extend_schema(responses={200: MyTrainingSerializer})
    def get(self, request):
        if not permissions.is_staff_member(request.user):
            raise PermissionDenied
        quarter = Period.current(QUARTER)
        data = {
            "quarter": str(quarter),
            "due": queries.due_courses(request.user),
            "enrollments": list(queries.my_enrollments(request.user)[:100]),
        }
        return Response(MyTrainingSerializer(data).data)


class EnrollmentResultSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    status = serializers.CharField()


class SessionEnrollApi(APIView):
    """Enrol the signed-in employee in a session; a full session puts them on the waiting list."""

    @extend_schema(request=None, responses={201: EnrollmentResultSerializer})
    def post(self, request, pk: int):
        if not permissions.is_staff_member(request.user):
            raise PermissionDenied
        session = get_object_or_404(queries.visible_sessions(request.user), pk=pk)
        enrollment = actions.enroll(session, user=request.user, actor=request.user)
        return Response(EnrollmentResultSerializer(enrollment).data, status=status.HTTP_201_CREATED)


class CoverageRowSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="key")
    name = serializers.CharField(source="label")
    active = serializers.IntegerField()
    covered = serializers.IntegerField()
    ratio = serializers.FloatField(allow_null=True)


class CoverageSerializer(serializers.Serializer):
    quarter = serializers.CharField()
    active = serializers.IntegerField()
    covered = serializers.IntegerField()
    branches = CoverageRowSerializer(many=True)


class CoverageApi(APIView):
    """Training coverage per branch for a quarter, over the branches the caller may see."""

    @extend_schema(
        parameters=[
            OpenApiParameter("quarter", str, description="YYYY-Qn; default the current quarter")
        ],
        responses={200: CoverageSerializer},
    )
    def get(self, request):
        if not permissions.can_view_coverage(request.user):
            raise PermissionDenied
        text = request.query_params.get("quarter")
        period = Period.parse(text) if text else Period.current(QUARTER)
        if period.kind != QUARTER:
            raise ValidationError({"quarter": "YYYY-Qn"})
        rows = queries.coverage_by(period, user=request.user)
        data = {
            "quarter": str(period),
            "active": sum(r.active for r in rows),
            "covered": sum(r.covered for r in rows),
            "branches": rows,
        }
        return Response(CoverageSerializer(data).data)


class SurveyAnswersSerializer(serializers.Serializer):
    scores = serializers.DictField(child=serializers.IntegerField(min_value=1, max_value=5))


class SurveyAnswerApi(APIView):
    """Answer a satisfaction survey, once per employee (anonymous; 400 when answered before)."""

    @extend_schema(request=SurveyAnswersSerializer, responses={201: None})
    def post(self, request, pk: int):
        if not permissions.is_staff_member(request.user):
            raise PermissionDenied
        survey = get_object_or_404(Survey, pk=pk)
        data = SurveyAnswersSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            scores = {int(key): value for key, value in data.validated_data["scores"].items()}
        except ValueError:
            raise ValidationError({"scores": "keys are question ids"}) from None
        actions.submit_survey(survey, scores=scores, actor=request.user)
        return Response(status=status.HTTP_201_CREATED)
