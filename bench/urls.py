"""The product's URLs plus the tracking benchmark's baseline: a minimal DRF view reading one
row by key (no authentication, no throttle), served by the same gunicorn in the same run."""

from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from qc_portal.urls import urlpatterns as product_urlpatterns
from transparency.models import Case


class OneRowApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []

    def get(self, request, reference: str):
        row = (
            Case.objects.filter(reference=reference)
            .values("reference", "status", "opened_at")
            .first()
        )
        return Response(row or {}, status=200 if row else 404)


urlpatterns = [
    path("bench/one-row/<str:reference>/", OneRowApi.as_view()),
    *product_urlpatterns,
]
