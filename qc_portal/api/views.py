from django.conf import settings
from django.contrib.auth import authenticate
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django_otp import match_token
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from qc_portal.actions import issue_api_token, revoke_api_tokens
from qc_portal.api.authentication import ExpiringTokenAuthentication
from qc_portal.api.errors import error_body
from qc_portal.auth_views import needs_second_step
from qc_portal.models import ApiToken, AuditEvent
from qc_portal.permissions import CanBrowseAuditTrail
from qc_portal.queries import AuditEventFilter, list_audit_events
from qc_portal.roles import Role, roles_of
from qc_portal.scoping import customer_of, staff_profile
from qc_portal.security import security_event


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, style={"input_type": "password"})
    otp = serializers.CharField(
        max_length=32,
        required=False,
        allow_blank=True,
        help_text="One-time code (authenticator app or recovery code): required for accounts "
        "with two-factor authentication (risk roles, integration admins, administrators).",
    )


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()
    expires_at = serializers.DateTimeField()


class TokenObtainApi(APIView):
    """Exchange a username and password for an expiring token (mobile app)."""

    authentication_classes = [ExpiringTokenAuthentication]
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"

    @extend_schema(request=TokenRequestSerializer, responses={201: TokenSerializer})
    def post(self, request):
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        credentials = dict(data.validated_data)
        otp = credentials.pop("otp", "").strip().replace(" ", "")
        user = authenticate(request, **credentials)
        if getattr(request, "axes_locked_out", False):
            minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
            return Response(
                error_body(
                    "locked_out",
                    _("Too many failed sign-ins. Try again in %(minutes)d minutes.")
                    % {"minutes": minutes},
                ),
                status=status.HTTP_429_TOO_MANY_REQUESTS,
                headers={"Retry-After": str(minutes * 60)},
            )
        if user is None:
            raise serializers.ValidationError(
                {"non_field_errors": [_("Wrong username or password.")]}
            )
        if needs_second_step(user):
            device = match_token(user, otp) if otp else None
            if device is None:
                security_event("two_factor_failed", request=request, user=user, stage="api_token")
                raise serializers.ValidationError(
                    {"otp": [_("A valid one-time code is required for this account.")]}
                )
            security_event("two_factor_verified", request=request, user=user, method="api_token")
        token, key = issue_api_token(user)
        return Response(
            TokenSerializer({"token": key, "expires_at": token.expires_at}).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=None, responses={204: None})
    def delete(self, request):
        """Revoke the token this request was made with."""
        if not request.user.is_authenticated or not isinstance(request.auth, ApiToken):
            return Response(status=status.HTTP_401_UNAUTHORIZED)
        revoke_api_tokens([request.auth], actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def get_authenticators(self):
        # Signing in must work even when the app still sends its old, expired token. (No
        # request at all while drf-spectacular builds the schema.)
        if getattr(self.request, "method", None) == "POST":
            return []
        return super().get_authenticators()

    def get_permissions(self):
        if getattr(self.request, "method", None) == "DELETE":
            return [IsAuthenticated()]
        return super().get_permissions()


class RoleSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()


class CurrentUserSerializer(serializers.Serializer):
    username = serializers.CharField()
    full_name = serializers.CharField()
    roles = RoleSerializer(many=True)
    branch = serializers.CharField(allow_null=True, help_text="Branch code of a staff member")
    customer_number = serializers.CharField(allow_null=True)
    language = serializers.CharField(help_text="zh-hans or en")


class CurrentUserRetrieveApi(APIView):
    """Who the token or session belongs to: name, roles, branch, customer number."""

    @extend_schema(responses={200: CurrentUserSerializer})
    def get(self, request):
        user = request.user
        profile, customer = staff_profile(user), customer_of(user)
        full_name = (
            (profile.full_name if profile else None)
            or (customer.name if customer else None)
            or user.get_full_name()
            or user.get_username()
        )
        data = {
            "username": user.get_username(),
            "full_name": full_name,
            "roles": [{"code": role, "label": Role(role).label} for role in sorted(roles_of(user))],
            "branch": profile.branch.code if profile else None,
            "customer_number": customer.customer_number if customer else None,
            "language": customer.preferred_language if customer else translation.get_language(),
        }
        return Response(CurrentUserSerializer(data).data)


class AuditEventSerializer(serializers.ModelSerializer):
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "created_at",
            "actor",
            "actor_label",
            "action",
            "target_type",
            "target_id",
            "changes",
            "request_id",
            "client_ip",
        ]
        read_only_fields = fields


class AuditEventListApi(ListAPIView):
    """The audit trail, newest first, for auditors and head office. Filters: `action`
    (exact, or a prefix ending in a dot), `target_type`, `target_id`, `actor`, `since` and
    `until` (dates in the bank's time zone, both included)."""

    permission_classes = [IsAuthenticated, CanBrowseAuditTrail]
    serializer_class = AuditEventSerializer
    filterset_class = AuditEventFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular building the schema
            return AuditEvent.objects.none()
        return list_audit_events(self.request.user)
