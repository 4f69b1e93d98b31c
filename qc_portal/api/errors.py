"""One error body for every 4xx of the API:

    {"code": "invalid", "message": "a human sentence", "errors": {"field": ["reason", ...]}}

`code` is stable and machine-readable, `message` is in the request's language, `errors` holds
per-field reasons (nested fields are dotted: `items.0.amount`; errors not tied to one field
are under `non_field_errors`). Actions raise Django's ValidationError / PermissionDenied and
our ConflictError; DRF raises its own; both end up here.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from qc_portal.exceptions import ConflictError

NON_FIELD = api_settings.NON_FIELD_ERRORS_KEY


def error_body(code: str, message: str, errors: dict | None = None) -> dict:
    return {"code": code, "message": str(message), "errors": errors or {}}


def flatten_errors(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF error detail (dicts and lists, nested to any depth) as {"dotted.field": [reasons]}."""
    flat: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for field, value in detail.items():
            key = str(field) if not prefix or field == NON_FIELD else f"{prefix}.{field}"
            for name, reasons in flatten_errors(value, key).items():
                flat.setdefault(name, []).extend(reasons)
    elif isinstance(detail, list):
        for index, item in enumerate(detail):
            if isinstance(item, dict | list):
                # One entry per item of a list field (many=True): index it, skip valid items.
                flat.update(flatten_errors(item, f"{prefix}.{index}" if prefix else str(index)))
            else:
                flat.setdefault(prefix or NON_FIELD, []).append(str(item))
    else:
        flat.setdefault(prefix or NON_FIELD, []).append(str(detail))
    return flat


def _django_validation_errors(error: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return {
            (NON_FIELD if field == "__all__" else field): list(messages)
            for field, messages in error.message_dict.items()
        }
    return {NON_FIELD: list(error.messages)}


def _first_message(errors: dict[str, list[str]]) -> str:
    """The sentence shown to a person: the first reason, naming its field if it has one."""
    for field, reasons in errors.items():
        if reasons:
            return reasons[0] if field == NON_FIELD else f"{field}: {reasons[0]}"
    return _("Invalid input.")


def _invalid(errors: dict[str, list[str]]) -> Response:
    return Response(
        error_body("invalid", _first_message(errors), errors), status=status.HTTP_400_BAD_REQUEST
    )


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        set_rollback()
        return _invalid(_django_validation_errors(exc))
    if isinstance(exc, ConflictError):
        set_rollback()
        return Response(error_body(exc.code, exc.message), status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()

    if isinstance(exc, exceptions.PermissionDenied):
        from qc_portal.security import security_event

        request = context.get("request")
        security_event("permission_denied", request=request, reason=str(exc.detail))

    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a 500: Django logs it with the request id and shows no traceback
    if isinstance(exc, exceptions.ValidationError):
        invalid = _invalid(flatten_errors(exc.detail))
        response.data = invalid.data
        return response
    if isinstance(exc.detail, dict | list):
        errors = flatten_errors(exc.detail)
        response.data = error_body(exc.default_code, _first_message(errors), errors)
    else:
        code = getattr(exc.detail, "code", None) or exc.default_code
        response.data = error_body(str(code), str(exc.detail))
    return response
