"""The language people are written to in: their choice on the account page, else the language
they last used the portal in (recorded at sign-in and at each switch), else the platform's."""

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts import services
from accounts.models import User
from accounts.roles import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "Carbon-label-2026!"


def person(**fields) -> User:
    user = UserFactory(**{"language": "", "last_language": "", **fields})
    user.set_password(PASSWORD)
    user.save()
    return user


# --- which language ------------------------------------------------------------------------


def test_the_choice_wins_then_the_language_last_used_then_the_platforms(settings) -> None:
    assert User(language="en", last_language="zh-hans").notification_language == "en"
    assert User(language="", last_language="en").notification_language == "en"
    assert User(language="", last_language="").notification_language == settings.LANGUAGE_CODE


def test_signing_in_records_the_language_of_the_sign_in_page() -> None:
    user = person()
    client = Client(HTTP_ACCEPT_LANGUAGE="en")

    response = client.post(
        reverse("accounts:login"), {"login": user.username, "password": PASSWORD}
    )

    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.language, user.last_language, user.notification_language) == ("", "en", "en")


def test_switching_the_language_moves_the_default_with_it() -> None:
    user = person(last_language="en")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)

    response = client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})

    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.last_language, user.notification_language) == ("zh-hans", "zh-hans")


def test_a_choice_is_not_moved_by_the_language_used() -> None:
    user = person(language="en", last_language="en")
    client = Client()
    client.force_login(user)

    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})

    user.refresh_from_db()
    assert (user.language, user.last_language, user.notification_language) == (
        "en",
        "zh-hans",
        "en",
    )


def test_an_unknown_language_switch_records_nothing() -> None:
    user = person(last_language="en")
    client = Client()
    client.force_login(user)

    client.post(reverse("set_language"), {"language": "fr", "next": "/"})

    user.refresh_from_db()
    assert user.last_language == "en"


# --- the account page ----------------------------------------------------------------------


def account_client(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def test_the_account_page_shows_and_saves_the_choice() -> None:
    user = person()
    client = account_client(user)
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})

    page = client.get(reverse("accounts:account"))
    assert page.status_code == 200
    now = re.search(r'data-testid="notification-language">([^<]*)', page.content.decode())
    assert now is not None
    assert "简体中文" in now.group(1)  # what they are written in until a choice is made
    assert page.context["form"]["language"].value() == ""

    response = client.post(reverse("accounts:account"), {"language": "en"})

    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.language, user.notification_language) == ("en", "en")

    client.post(reverse("accounts:account"), {"language": ""})
    user.refresh_from_db()
    assert (user.language, user.notification_language) == ("", "zh-hans")


def test_the_account_page_refuses_a_language_not_offered() -> None:
    user = person(language="en")
    client = account_client(user)

    response = client.post(reverse("accounts:account"), {"language": "fr"})

    assert response.status_code == 200
    assert response.context["form"].has_error("language")
    user.refresh_from_db()
    assert user.language == "en"


def test_the_account_page_asks_to_sign_in() -> None:
    response = Client().get(reverse("accounts:account"))

    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_the_language_service_refuses_a_language_not_offered() -> None:
    user = person(language="en")

    with pytest.raises(services.ValidationError):
        services.user_language_set(actor=user, language="fr")

    user.refresh_from_db()
    assert user.language == "en"


# --- the invitation ------------------------------------------------------------------------


def invite(world, email: str, language: str, django_capture_on_commit_callbacks) -> str:
    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_create(
            actor=world.enterprise_admin,
            organisation=world.enterprise,
            email=email,
            role=Role.ENTERPRISE_MEMBER,
            language=language,
        )
    [message] = mail.outbox
    return f"{message.subject}\n{message.body}"


def test_a_new_persons_invitation_is_in_the_language_the_inviter_chose(
    world, django_capture_on_commit_callbacks
) -> None:
    text = invite(world, "new@example.cn", "zh-hans", django_capture_on_commit_callbacks)

    assert text.startswith("碳标签平台邀请\n")
    assert "邀请您以" in text


def test_an_existing_persons_invitation_is_in_their_own_language(
    world, django_capture_on_commit_callbacks
) -> None:
    known = person(language="en")

    text = invite(world, known.email, "zh-hans", django_capture_on_commit_callbacks)

    assert text.startswith("Invitation to the carbon label platform\n")
    assert "invites you to" in text


def test_the_invitation_form_offers_the_languages_and_sends_in_the_one_chosen(
    world, django_capture_on_commit_callbacks
) -> None:
    client = account_client(world.enterprise_admin)
    url = reverse("accounts:invite", args=[world.enterprise.pk])
    assert client.get(url).context["form"]["language"].value() == "en"

    refused = client.post(
        url, {"email": "new@example.cn", "role": Role.ENTERPRISE_MEMBER, "language": "fr"}
    )
    assert refused.context["form"].has_error("language")
    assert not world.enterprise.invitations.exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url, {"email": "new@example.cn", "role": Role.ENTERPRISE_MEMBER, "language": "zh-hans"}
        )

    assert response.status_code == 302
    [message] = mail.outbox
    assert message.subject == "碳标签平台邀请"
