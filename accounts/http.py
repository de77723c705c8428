"""The request types of views that only a signed-in caller reaches.

Django and DRF type `request.user` as `User | AnonymousUser`, since they cannot know that a view
sits behind a sign-in check. A page behind `login_required` annotates its request as
`AuthenticatedHttpRequest`, and an API view behind the default `IsPerson` permission as
`AuthenticatedRequest`: their `user` is a `User`, which is what the selectors and services take
as the actor. The webhook APIs, which a marketplace API key also reaches, annotate theirs as
`KeyOrPersonRequest`. A view that anonymous callers reach too keeps `HttpRequest` or `Request`
and narrows with `isinstance(request.user, User)` before it needs a person.

These are annotations only: the request objects are Django's and DRF's own.
"""

from django.http import HttpRequest
from rest_framework.request import Request

from .apikeys import ApiKeyUser
from .models import User


class AuthenticatedHttpRequest(HttpRequest):
    user: User


class AuthenticatedRequest(Request):
    user: User


class KeyOrPersonRequest(Request):
    # DRF's request.user is whatever the authenticator returned; the stubs assume a user model.
    user: User | ApiKeyUser  # type: ignore[assignment]  # stubs: Request.user fixed to the user model
