"""Domain errors besides Django's ValidationError (400) and PermissionDenied (403)."""

from django.utils.translation import gettext_lazy as _


class ConflictError(Exception):
    """The object moved on while the caller was deciding (HTTP 409)."""

    default_message = _("该记录已被他人处理，请刷新后重试。")

    def __init__(self, message=None, *, code: str = "conflict"):
        self.message = message or self.default_message
        self.code = code
        super().__init__(str(self.message))
