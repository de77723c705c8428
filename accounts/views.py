from allauth.account.internal.flows.login import record_authentication
from allauth.account.views import LoginView
from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.views import ActivateTOTPView
from allauth.mfa.webauthn.views import RemoveWebAuthnView
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from config.forms import refusals_shown
from config.throttles import RegistrationThrottle

from . import services
from .forms import (
    EnterpriseRegistrationForm,
    InvitationAcceptForm,
    InvitationForm,
    LanguagePreferenceForm,
    RegistrationResendForm,
)
from .http import AuthenticatedHttpRequest
from .models import Organisation
from .roles import ADMIN_ROLES
from .selectors import user_organisations, user_roles


class PortalLoginView(LoginView):
    """allauth's sign-in (password, then the second factor) in the portal's page."""

    template_name = "accounts/login.html"

    def form_invalid(self, form) -> HttpResponse:
        # The right password of a registration not confirmed yet: say what is missing.
        if services.registration_pending_signs_in(
            username=form.data.get("login", ""), password=form.data.get("password", "")
        ):
            messages.warning(
                self.request,
                _("Your registration is not confirmed yet: open the link we e-mailed you."),
            )
            return redirect("accounts:registration_sent")
        return super().form_invalid(form)


sign_in = PortalLoginView.as_view()


class TotpActivateView(ActivateTOTPView):
    """allauth's enrolment of an authenticator app. The code that activates the first one is a
    second factor given: the session records it, so that the person goes on without typing
    another. A further one proves only that its new owner holds it, not the account's existing
    second factor: it counts when it is used, after sign-in or at reauthentication."""

    def form_valid(self, form) -> HttpResponse:
        first_enrolment = not Authenticator.objects.filter(user_id=self.request.user.pk).exists()
        response = super().form_valid(form)
        if first_enrolment:
            authenticator = Authenticator.objects.get(
                user_id=self.request.user.pk, type=Authenticator.Type.TOTP
            )
            record_authentication(
                self.request,
                self.request.user,
                "mfa",
                id=authenticator.pk,
                type=authenticator.type,
            )
        return response


totp_activate = TotpActivateView.as_view()


class WebAuthnRemoveView(RemoveWebAuthnView):
    """allauth's removal of a passkey, which does not ask the adapter: the last second factor
    of someone who must have one stays (MfaAdapter.can_delete_authenticator), as the
    authenticator app's deactivation does."""

    def form_valid(self, form) -> HttpResponse:
        adapter = get_mfa_adapter()
        if not adapter.can_delete_authenticator(self.get_object()):
            messages.error(self.request, adapter.error_messages["cannot_delete_authenticator"])
            return redirect("mfa_list_webauthn")
        return super().form_valid(form)


webauthn_remove = WebAuthnRemoveView.as_view()


@require_http_methods(["GET", "POST"])
@sensitive_post_parameters("password")
@never_cache
def register(request: HttpRequest) -> HttpResponse:
    form = EnterpriseRegistrationForm(request.POST or None)
    if request.method == "POST" and not RegistrationThrottle().allow_request(request, None):
        typed = {name: value for name, value in request.POST.items() if "password" not in name}
        context = {"form": EnterpriseRegistrationForm(initial=typed), "throttled": True}
        return render(request, "accounts/register.html", context, status=429)
    if request.method == "POST" and form.is_valid():
        user = None
        with refusals_shown(form):
            user = services.enterprise_register(
                **form.cleaned_data, language=translation.get_language()
            )
        if user is not None:
            return redirect("accounts:registration_sent")
    return render(request, "accounts/register.html", {"form": form})


@require_http_methods(["GET", "POST"])
@never_cache
def registration_sent(request: HttpRequest) -> HttpResponse:
    """The registration waits for its link; the person may ask for it again."""
    form = RegistrationResendForm(request.POST or None)
    context = {"form": form, "hours": settings.REGISTRATION_HOURS}
    if request.method == "POST":
        if not RegistrationThrottle().allow_request(request, None):
            context["throttled"] = True
            return render(request, "accounts/registration_sent.html", context, status=429)
        if form.is_valid():
            services.registration_link_resend(email=form.cleaned_data["email"])
            messages.info(
                request,
                _("If this address has a registration waiting, the link is on its way again."),
            )
            return redirect("accounts:registration_sent")
    return render(request, "accounts/registration_sent.html", context)


@require_http_methods(["GET", "POST"])
@never_cache
def registration_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """Opening the link shows what it confirms; the button confirms. (Mail scanners open links:
    a GET changes nothing.)"""
    pending = services.registration_pending_get(token)
    if pending is None:
        return render(request, "accounts/registration_confirm.html", {"invalid": True}, status=404)
    if request.method == "POST":
        try:
            services.registration_confirm(token=token)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Your registration is confirmed: log in."))
            return redirect("accounts:login")
    context = {"pending": pending, "organisations": user_organisations(pending)}
    return render(request, "accounts/registration_confirm.html", context)


def _admin_organisation(request: AuthenticatedHttpRequest, pk: int) -> Organisation:
    for organisation in user_organisations(request.user):
        if organisation.pk == pk and user_roles(request.user, organisation) & ADMIN_ROLES:
            return organisation
    raise Http404


@login_required
@require_http_methods(["GET", "POST"])
def account(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The person's own settings: the language of their notifications and e-mails."""
    form = LanguagePreferenceForm(request.POST or None, initial={"language": request.user.language})
    if request.method == "POST" and form.is_valid():
        services.user_language_set(actor=request.user, language=form.cleaned_data["language"])
        messages.success(request, _("Your notifications will be written in the language chosen."))
        return redirect("accounts:account")
    return render(request, "accounts/account.html", {"form": form})


@login_required
def organisation_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    organisations = [
        (
            o,
            bool(user_roles(request.user, o) & ADMIN_ROLES),
            o.memberships.select_related("user").order_by("user__username"),
        )
        for o in user_organisations(request.user)
    ]
    return render(request, "accounts/organisations.html", {"organisations": organisations})


@login_required
@require_http_methods(["GET", "POST"])
def invitation_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    organisation = _admin_organisation(request, pk)
    form = InvitationForm(request.POST or None, organisation=organisation)
    if request.method == "POST" and form.is_valid():
        with refusals_shown(form):
            services.invitation_create(
                actor=request.user, organisation=organisation, **form.cleaned_data
            )
        if not form.errors:
            messages.success(
                request, _("Invitation sent to %(email)s.") % {"email": form.cleaned_data["email"]}
            )
            return redirect("accounts:organisations")
    return render(request, "accounts/invite.html", {"form": form, "organisation": organisation})


@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """A new person makes their account here and is signed in to it. A person who already has
    an account with the invited address accepts signed in to it: the link alone signs nobody
    in to an existing account, nor past their second factor."""
    invitation = services.invitation_get_open(token)
    if invitation is None:
        raise Http404
    context: dict = {"invitation": invitation}
    account = services.invitation_account(invitation)
    if account is not None:
        context["account_exists"] = True
        context["signed_in_as_it"] = request.user == account
        if request.method == "POST" and context["signed_in_as_it"]:
            try:
                services.invitation_accept_as(token=token, user=account)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(
                    request,
                    _("You joined %(organisation)s.") % {"organisation": invitation.organisation},
                )
                return redirect("certification:queue")
        return render(request, "accounts/invitation_accept.html", context)
    form = InvitationAcceptForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = None
        with refusals_shown(form):
            user = services.invitation_accept(token=token, **form.cleaned_data)
        if user is not None:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect("certification:queue")
    context["form"] = form
    return render(request, "accounts/invitation_accept.html", context)


def _marketplaces(request: AuthenticatedHttpRequest) -> list[Organisation]:
    from .roles import OrganisationKind, Role

    return [
        o
        for o in user_organisations(request.user, OrganisationKind.MARKETPLACE)
        if Role.MARKETPLACE_ADMIN in user_roles(request.user, o)
    ]


@login_required
@require_http_methods(["GET", "POST"])
def api_keys(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A marketplace administrator's keys: create (shown once), list with last use, revoke."""
    from .apikeys import api_key_create
    from .forms import ApiKeyForm
    from .models import ApiKey

    marketplaces = _marketplaces(request)
    if not marketplaces:
        raise Http404
    form = ApiKeyForm(request.POST or None, marketplaces=marketplaces)
    new_key = None
    if request.method == "POST" and form.is_valid():
        with refusals_shown(form):
            _api_key, new_key = api_key_create(actor=request.user, **form.cleaned_data)
        if not form.errors:
            form = ApiKeyForm(marketplaces=marketplaces)
    keys = ApiKey.objects.filter(organisation__in=marketplaces).select_related("organisation")
    return render(
        request, "accounts/api_keys.html", {"form": form, "keys": keys, "new_key": new_key}
    )


@login_required
@require_http_methods(["POST"])
def api_key_revoke(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    from .apikeys import api_key_revoke as revoke
    from .models import ApiKey

    api_key = ApiKey.objects.filter(pk=pk, organisation__in=_marketplaces(request)).first()
    if api_key is None:
        raise Http404
    revoke(actor=request.user, api_key=api_key)
    messages.success(request, _("The key %(prefix)s… is revoked.") % {"prefix": api_key.prefix})
    return redirect("accounts:api_keys")
