from allauth.account import views as allauth_views
from django.contrib.auth import views as auth_views
from django.urls import include, path, reverse_lazy

from . import views

app_name = "accounts"
urlpatterns = [
    # django-allauth's sign-in: the password, then the second factor of those who have one.
    path("login/", views.sign_in, name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("register/", views.register, name="register"),
    path("register/sent/", views.registration_sent, name="registration_sent"),
    path(
        "register/confirm/<str:token>/",
        views.registration_confirm,
        name="registration_confirm",
    ),
    path(
        "password-reset/",
        auth_views.PasswordResetView.as_view(
            template_name="accounts/password_reset.html",
            email_template_name="accounts/password_reset_email.txt",
            success_url=reverse_lazy("accounts:password_reset_done"),
        ),
        name="password_reset",
    ),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="accounts/password_reset_confirm.html",
            success_url=reverse_lazy("accounts:password_reset_complete"),
        ),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="accounts/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
    path("me/", views.account, name="account"),
    path("organisations/", views.organisation_list, name="organisations"),
    path("organisations/<int:pk>/invite/", views.invitation_create, name="invite"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("api-keys/", views.api_keys, name="api_keys"),
    path("api-keys/<int:pk>/revoke/", views.api_key_revoke, name="api_key_revoke"),
]

# The parts of django-allauth the platform uses, under their own names: sign-in (the same view as
# accounts:login), reauthentication and the second factor's pages (accounts/2fa/). Its sign-up,
# e-mail management and password pages are not mounted: ours stay.
allauth_urlpatterns = [
    path("login/", views.sign_in, name="account_login"),
    path("logout/", auth_views.LogoutView.as_view(), name="account_logout"),
    path("inactive/", allauth_views.account_inactive, name="account_inactive"),
    path("reauthenticate/", allauth_views.reauthenticate, name="account_reauthenticate"),
    path("2fa/totp/activate/", views.totp_activate, name="mfa_activate_totp"),
    path("2fa/webauthn/keys/<int:pk>/remove/", views.webauthn_remove, name="mfa_remove_webauthn"),
    path("2fa/", include("allauth.mfa.urls")),
]
