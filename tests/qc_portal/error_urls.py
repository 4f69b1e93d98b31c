"""Tiny API views that raise each kind of error, to pin the common error body."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import path
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from qc_portal.exceptions import ConflictError


class ItemSerializer(serializers.Serializer):
    amount = serializers.IntegerField(min_value=1)


class OrderSerializer(serializers.Serializer):
    reference = serializers.CharField(max_length=5)
    items = ItemSerializer(many=True)
    address = serializers.DictField(child=serializers.CharField())


class RaisingApi(APIView):
    permission_classes = [AllowAny]

    def post(self, request, kind: str):
        if kind == "serializer":
            OrderSerializer(data=request.data).is_valid(raise_exception=True)
        if kind == "django-field":
            raise ValidationError({"amount": ["Too large."], "__all__": ["Not today."]})
        if kind == "django-plain":
            raise ValidationError("Not allowed in this state.")
        if kind == "permission":
            raise PermissionDenied("Four eyes: you decided the previous stage.")
        if kind == "permission-bare":
            raise PermissionDenied
        if kind == "missing":
            raise Http404
        if kind == "conflict":
            raise ConflictError()
        return Response({"ok": True})


urlpatterns = [path("api/v1/raise/<str:kind>/", RaisingApi.as_view())]
