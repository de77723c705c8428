"""The language a person reads the portal in, recorded when they sign in and when they switch
it, so that their notifications follow it until they choose one on their account page."""

from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.views.i18n import set_language

from .models import User
from .services import user_last_language_record


def last_language_on_sign_in(sender, request: HttpRequest | None, user: User, **kwargs) -> None:
    language = getattr(request, "LANGUAGE_CODE", None) or translation.get_language()
    user_last_language_record(user=user, language=language)


def language_switch(request: HttpRequest) -> HttpResponse:
    """Django's language switch, which also records the choice on a signed-in person's
    account (the switch itself only sets a cookie, which e-mails cannot read)."""
    response = set_language(request)
    if request.user.is_authenticated and translation.check_for_language(
        language := request.POST.get("language", "")
    ):
        user_last_language_record(user=request.user, language=language)
    return response
