from django.http import HttpRequest

from .selectors import user_organisations, user_roles


def portal(request: HttpRequest) -> dict:
    # A request refused before the authentication middleware (a Host not allowed) has no user.
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "portal_organisations": user_organisations(user),
        "portal_roles": user_roles(user),
        "portal_unread": user.notifications.filter(read_at__isnull=True).count(),
    }
