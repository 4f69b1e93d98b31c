from qc_portal.alerts import unread_count
from qc_portal.nav import nav_for
from qc_portal.roles import Role, roles_of


def portal(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "unread_alerts": 0, "user_roles": []}
    roles = roles_of(user)
    return {
        "nav_items": nav_for(user),
        "unread_alerts": unread_count(user),
        "user_roles": [Role(role).label for role in sorted(roles)],
    }
