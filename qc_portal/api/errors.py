"""One error body for every 4xx of the API:

{"code": "invalid", "message": "human sentence", "errors": {"field": ["reason", ...]}}
"""

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from qc_portal.exceptions import ConflictError

logger = logging.getLogger("qc_portal.api")


def _django_validation_errors(error: DjangoValidationError) -> dict:
    if hasattr(error, "error_dict"):
        return {field: [str(m) for m in messages] for field, messages in error.message_dict.items()}
    return {"non_field_errors": [str(m) for m in error.messages]}


def _flatten(detail) -> dict:
    if isinstance(detail, dict):
        return {
            str(field): [str(item) for item in (value if isinstance(value, list) else [value])]
            if not isinstance(value, dict)
            else [str(value)]
            for field, value in detail.items()
        }
    if isinstance(detail, list):
        return {"non_field_errors": [str(item) for item in detail]}
    return {}


def error_body(code: str, message: str, errors: dict | None = None) -> dict:
    return {"code": code, "message": message, "errors": errors or {}}


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        errors = _django_validation_errors(exc)
        first = next(iter(errors.values()))[0] if errors else _("Invalid input.")
        return Response(error_body("invalid", first, errors), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, ConflictError):
        return Response(error_body(exc.code, str(exc.message)), status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a 500: Django logs it with the request id and shows no traceback
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
        first_field, first = next(iter(errors.items()), ("", [_("Invalid input.")]))
        message = (
            f"{first_field}: {first[0]}"
            if first_field not in ("", "non_field_errors")
            else first[0]
        )
        response.data = error_body("invalid", message, errors)
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
        response.data = error_body(str(code), str(detail))
    return response
