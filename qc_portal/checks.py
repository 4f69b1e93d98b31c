"""Deploy checks (`manage.py check --deploy`): a production database must not hold a login
that opens with the public demo password, nor a second factor enrolled with the public demo
secret. `manage.py check --deploy --database default --fail-level ERROR` runs before every
start of the production stack; an Error stops it."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.db import DatabaseError

DEMO_USERNAMES_EXTRA = ("admin", "customer", "branch_manager_2")


def demo_usernames() -> list[str]:
    from qc_portal.roles import Role

    return sorted({role.value for role in Role} | set(DEMO_USERNAMES_EXTRA))


@register(Tags.security, Tags.database, deploy=True)
def check_no_demo_credentials(app_configs=None, databases=None, **kwargs):
    """Reads the users, so it runs only when asked for a database, as Django's own database
    checks do: `manage.py check --deploy --database default` (the production start-up)."""
    if not databases:
        return []
    from django.contrib.auth import get_user_model
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from qc_portal.demo import DEMO_PASSWORD, DEMO_TOTP_KEY

    errors = []
    try:
        # Every demo-named active login (one hash check each), plus every active staff or
        # admin login: the demo password is the first anyone would try.
        User = get_user_model()
        candidates = User.objects.filter(is_active=True).filter(
            username__in=demo_usernames()
        ) | User.objects.filter(is_active=True, is_staff=True)
        usable = [
            user.get_username()
            for user in candidates.distinct().order_by("username")[:500]
            if user.has_usable_password() and user.check_password(DEMO_PASSWORD)
        ]
        demo_devices = list(
            TOTPDevice.objects.filter(key=DEMO_TOTP_KEY, user__is_active=True)
            .values_list("user__username", flat=True)
            .order_by("user__username")
        )
    except DatabaseError as error:  # no database yet (image build): nothing to check
        if settings.DEBUG:
            return []
        return [
            Warning(
                f"Could not check the users for the demo password: {error.__class__.__name__}.",
                hint="Run `manage.py check --deploy` again once the database is migrated.",
                id="qc_portal.W002",
            )
        ]
    if usable:
        errors.append(
            Error(
                "These active logins open with the public demo password: " + ", ".join(usable),
                hint="Set real passwords (manage.py changepassword) or deactivate them.",
                id="qc_portal.E001",
            )
        )
    if demo_devices:
        errors.append(
            Error(
                "These logins have a second factor enrolled with the public demo TOTP secret: "
                + ", ".join(demo_devices),
                hint="Delete those TOTP devices in the admin; the users enrol again.",
                id="qc_portal.E003",
            )
        )
    return errors
