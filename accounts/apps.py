from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from .languages import last_language_on_sign_in

        # Django's sign-in signal is the one hook every way in passes through (allauth's
        # sign-in, registration, an accepted invitation, the admin), so it records there.
        user_logged_in.connect(last_language_on_sign_in, dispatch_uid="accounts.last_language")
