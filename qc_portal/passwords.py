from django.contrib.auth.password_validation import MinimumLengthValidator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


class RoleMinimumLengthValidator(MinimumLengthValidator):
    """Minimum length by who the password protects: staff (any staff role, or access to the
    admin site) need `staff_min_length`, customers `min_length`. A user not yet saved (no
    roles) is held to the staff length when flagged is_staff."""

    def __init__(self, min_length: int = 8, staff_min_length: int = 12):
        super().__init__(min_length=min_length)
        self.staff_min_length = staff_min_length

    def _required(self, user) -> int:
        if user is None:
            return self.staff_min_length  # no one named: the stricter rule
        if getattr(user, "is_staff", False) or getattr(user, "is_superuser", False):
            return self.staff_min_length
        if getattr(user, "pk", None):
            from qc_portal.roles import STAFF_ROLES, roles_of

            if roles_of(user) & STAFF_ROLES:
                return self.staff_min_length
        return self.min_length

    def validate(self, password, user=None):
        required = self._required(user)
        if len(password) < required:
            from django.core.exceptions import ValidationError

            raise ValidationError(
                ngettext(
                    "This password is too short. It must contain at least %(min_length)d character.",
                    "This password is too short. It must contain at least %(min_length)d characters.",
                    required,
                ),
                code="password_too_short",
                params={"min_length": required},
            )

    def get_help_text(self):
        return _(
            "Staff passwords must contain at least %(staff)d characters, customers' at least "
            "%(customer)d."
        ) % {"staff": self.staff_min_length, "customer": self.min_length}
