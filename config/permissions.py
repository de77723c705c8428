"""Who may call the people's API."""

from rest_framework.permissions import BasePermission


class IsPerson(BasePermission):
    """A signed-in person. A marketplace API key reaches only the label and webhook APIs, which
    say so themselves; anywhere else it is refused outright (403) rather than shown nothing."""

    message = "An API key reaches the label and webhook APIs only."

    def has_permission(self, request, view) -> bool:
        if getattr(request.user, "api_key", None) is not None:
            return False
        return bool(request.user and request.user.is_authenticated)
