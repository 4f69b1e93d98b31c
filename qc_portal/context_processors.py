from django.conf import settings

from qc_portal.alerts import unread_count
from qc_portal.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET
from qc_portal.middleware import requires_two_factor
from qc_portal.nav import nav_for
from qc_portal.roles import STAFF_ROLES, Role, roles_of
from qc_portal.scoping import customer_of, staff_profile


def _mark_current(items: list[dict], path: str) -> list[dict]:
    """Flag the entry for the page being shown: the longest menu URL the path starts with,
    so /services/board/live/ highlights "Service board", not a shorter sibling."""
    matches = [item["url"] for item in items if path.startswith(item["url"]) and item["url"] != "/"]
    current = max(matches, key=len, default=None)
    return [{**item, "current": item["url"] == current} for item in items]


def _awaiting_second_factor(user) -> bool:
    if not settings.QC_REQUIRE_2FA or not requires_two_factor(user):
        return False
    is_verified = getattr(user, "is_verified", None)
    return not (is_verified and is_verified())


def portal(request) -> dict:
    user = getattr(request, "user", None)
    # The embedded demo shows its logins on the sign-in page; production never does.
    context = {
        "demo_mode": settings.DEBUG,
        "demo_password": DEMO_PASSWORD if settings.DEBUG else "",
        "demo_totp_secret": DEMO_TOTP_SECRET if settings.DEBUG else "",
    }
    if user is None or not user.is_authenticated:
        return {
            **context,
            "nav_items": [],
            "unread_alerts": 0,
            "user_roles": [],
            "show_alerts": False,
            "display_name": "",
        }
    if _awaiting_second_factor(user):
        # Signed in with the password only: no menu or alerts until the code is given.
        return {
            **context,
            "nav_items": [],
            "unread_alerts": 0,
            "user_roles": [],
            "show_alerts": False,
            "display_name": user.get_username(),
        }
    roles = roles_of(user)
    profile = staff_profile(user)
    customer = customer_of(user) if profile is None else None
    return {
        **context,
        "nav_items": _mark_current(nav_for(user), request.path),
        # Only staff receive alerts; a customer's page has no bell.
        "show_alerts": bool(roles & STAFF_ROLES),
        "unread_alerts": unread_count(user) if roles & STAFF_ROLES else 0,
        "user_roles": [Role(role).label for role in sorted(roles)],
        "display_name": (
            (profile.full_name if profile else "")
            or (customer.name if customer else "")
            or user.get_full_name()
            or user.get_username()
        ),
    }
