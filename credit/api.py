"""Credit REST API (DESIGN.md §6): submit, read and decide applications. Thin: parse, call an
action or a query, serialize. Protected fields (stage, status, decider, limits, score) are
outputs only: no input serializer carries them, so a client can never set them."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from credit import actions, permissions, queries
from credit.models import DECISION_STAGES, Application, Decision, Product, Stage
from qc_portal.scoping import visible_customers


class ApplicationCreateInput(serializers.Serializer):
    customer = serializers.IntegerField(help_text="Customer id (a customer of your branch).")
    product = serializers.ChoiceField(choices=Product.choices)
    amount = serializers.DecimalField(max_digits=16, decimal_places=2, min_value=Decimal("0.01"))
    term_months = serializers.IntegerField(min_value=1, max_value=480)
    purpose = serializers.CharField(max_length=300)
    scorecard_inputs = serializers.DictField()
    documents = serializers.ListField(
        child=serializers.CharField(max_length=200), required=False, default=list
    )


class DecisionInput(serializers.Serializer):
    stage = serializers.ChoiceField(choices=[(s, Stage(s).label) for s in DECISION_STAGES])
    decision = serializers.ChoiceField(choices=Decision.Outcome.choices)
    reason = serializers.CharField(max_length=4000)
    override_reason = serializers.CharField(
        max_length=4000, required=False, allow_blank=True, default=""
    )


class ResubmitInput(serializers.Serializer):
    note = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
    documents = serializers.ListField(child=serializers.CharField(max_length=200), required=False)
    scorecard_inputs = serializers.DictField(required=False)


class DecisionOutput(serializers.ModelSerializer):
    decider = serializers.CharField(source="decider.username")

    class Meta:
        model = Decision
        fields = [
            "id",
            "stage",
            "decision",
            "reason",
            "override_reason",
            "is_override",
            "score",
            "grade",
            "cutoff_score",
            "policy_version",
            "amount",
            "decider",
            "decided_at",
        ]


class ApplicationOutput(serializers.ModelSerializer):
    customer_number = serializers.CharField(source="customer.customer_number")
    customer_name = serializers.CharField(source="customer.name")
    branch = serializers.CharField(source="branch.code")
    relationship_manager = serializers.CharField(source="relationship_manager.username")
    policy_version = serializers.IntegerField(source="policy.version")
    decisions = DecisionOutput(many=True, read_only=True)

    class Meta:
        model = Application
        fields = [
            "id",
            "reference",
            "customer_number",
            "customer_name",
            "branch",
            "relationship_manager",
            "product",
            "amount",
            "term_months",
            "purpose",
            "scorecard_inputs",
            "documents",
            "score",
            "grade",
            "cutoff_score",
            "policy_version",
            "stage",
            "status",
            "submitted_at",
            "stage_entered_at",
            "case_reference",
            "version",
            "decisions",
        ]


def _application_body(application: Application) -> dict:
    application = (
        Application.objects.select_related("customer", "branch", "relationship_manager", "policy")
        .prefetch_related("decisions__decider")
        .get(pk=application.pk)
    )
    return ApplicationOutput(application).data


class ApplicationListCreateApi(ListAPIView):
    """Applications the caller may see (newest first); relationship managers submit here."""

    serializer_class = ApplicationOutput

    def get_queryset(self):
        return queries.visible_applications(self.request.user).prefetch_related(
            "decisions__decider"
        )

    @extend_schema(
        request=ApplicationCreateInput,
        responses={
            201: ApplicationOutput,
            403: OpenApiResponse(description="not a relationship manager"),
        },
    )
    def post(self, request):
        if not permissions.can_submit_application(request.user):
            raise PermissionDenied(_("Only relationship managers may submit credit applications."))
        data = ApplicationCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        customer = visible_customers(request.user).filter(pk=values.pop("customer")).first()
        if customer is None:
            raise serializers.ValidationError({"customer": [_("No such customer at your branch.")]})
        application = actions.submit_application(customer, actor=request.user, **values)
        return Response(_application_body(application), status=status.HTTP_201_CREATED)


class ApplicationDetailApi(APIView):
    """One application, if the caller may see it (otherwise 404, whatever the reason)."""

    @extend_schema(responses={200: ApplicationOutput})
    def get(self, request, pk: int):
        application = get_object_or_404(queries.visible_applications(request.user), pk=pk)
        return Response(_application_body(application))


def _decidable(user, pk: int) -> Application:
    scope = Q(pk__in=queries.visible_applications(user).values("pk")) | Q(
        pk__in=queries.decidable_applications(user).values("pk")
    )
    return get_object_or_404(Application.objects.filter(scope), pk=pk)


class ApplicationDecisionCreateApi(APIView):
    """Decide the stage the application is at: 403 with the reason for a role, four-eyes,
    authority or training breach; 409 when the stage has moved on; 400 for bad input (such
    as an approval below the cut-off without an override reason)."""

    @extend_schema(
        request=DecisionInput,
        responses={
            201: ApplicationOutput,
            400: OpenApiResponse(description="invalid input"),
            403: OpenApiResponse(description="four-eyes, authority, role or training breach"),
            409: OpenApiResponse(description="the stage has moved on"),
        },
    )
    def post(self, request, pk: int):
        application = _decidable(request.user, pk)
        data = DecisionInput(data=request.data)
        data.is_valid(raise_exception=True)
        actions.decide_stage(application, actor=request.user, **data.validated_data)
        return Response(_application_body(application), status=status.HTTP_201_CREATED)


class ApplicationResubmitApi(APIView):
    """The relationship manager resubmits a returned application into the same stage."""

    @extend_schema(request=ResubmitInput, responses={200: ApplicationOutput})
    def post(self, request, pk: int):
        application = get_object_or_404(queries.visible_applications(request.user), pk=pk)
        data = ResubmitInput(data=request.data)
        data.is_valid(raise_exception=True)
        application = actions.resubmit_application(
            application, actor=request.user, **data.validated_data
        )
        return Response(_application_body(application))
