from django.contrib.auth import authenticate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from qc_portal.api.authentication import ExpiringTokenAuthentication, issue_token
from qc_portal.audit import record_event
from qc_portal.models import ApiToken


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, style={"input_type": "password"})


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
        user = authenticate(request, **data.validated_data)
        if user is None:
            record_event("auth.token_refused", actor_label=data.validated_data["username"][:80])
            raise serializers.ValidationError(
                {"non_field_errors": [_("Wrong username or password.")]}
            )
        token, key = issue_token(user)
        record_event("auth.token_issued", actor=user, target=token)
        return Response(
            TokenSerializer({"token": key, "expires_at": token.expires_at}).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=None, responses={204: None})
    def delete(self, request):
        """Revoke the token this request was made with."""
        if not request.user.is_authenticated or not isinstance(request.auth, ApiToken):
            return Response(status=status.HTTP_401_UNAUTHORIZED)
        ApiToken.objects.filter(pk=request.auth.pk).update(revoked_at=timezone.now())
        record_event("auth.token_revoked", actor=request.user, target=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def get_permissions(self):
        if self.request.method == "DELETE":
            return [IsAuthenticated()]
        return super().get_permissions()
