"""Domain errors besides Django's ValidationError (400) and PermissionDenied (403)."""

from django.utils.translation import gettext_lazy as _


class ConflictError(Exception):
    """The object moved on while the caller was deciding (HTTP 409)."""

    default_message = _(
        "Someone else has already acted on this record. Please refresh and try again."
    )

    def __init__(self, message=None, *, code: str = "conflict"):
        self.message = message or self.default_message
        self.code = code
        super().__init__(str(self.message))
