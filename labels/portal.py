"""Portal pages for the people who manage labels: the issuing body changes a label's status
and manages its keys; the holder downloads artwork in print sizes."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.roles import Role
from accounts.second_factor import require_recent_second_factor
from accounts.selectors import user_has_role, user_organisations
from certification.errors import WorkflowError
from config.exports import Column, export_links, export_response, local_time
from config.forms import LengthErrorsNamed

from . import answers, keys, selectors, services
from .facts import label_facts
from .models import Label, LabelStatus, SigningKey
from .rendering.artwork import PRINT_SIZES_MM, label_png, label_svg

ACTION_LABELS = {
    "suspend": gettext_lazy("Suspend"),
    "restore": gettext_lazy("Restore"),
    "revoke": gettext_lazy("Revoke"),
    "cancel": gettext_lazy("Cancel (holder request or product discontinued)"),
}


# Changes that cannot be undone from the portal: the form asks to confirm the consequence.
CONFIRMATIONS = {
    "revoke": gettext_lazy(
        "I understand that revoking is final: the label's public page, its status list and the "
        "API show it as revoked at once, and only an appeal can reinstate it."
    ),
    "cancel": gettext_lazy(
        "I understand that cancelling is final: the label's public page, its status list and "
        "the API show it as cancelled at once, and it cannot be restored."
    ),
}
KEY_REVOKE_CONFIRMATION = gettext_lazy(
    "I understand that revoking this key cannot be undone: every label it signed stops "
    "verifying at once and shows that its key was revoked; a new key signs from now on."
)
CONFIRMATION_MISSING = gettext_lazy(
    "Nothing was done: this change cannot be undone. Tick the box that says what it does to "
    "confirm it."
)


class StatusChangeForm(LengthErrorsNamed, forms.Form):
    action = forms.ChoiceField(choices=list(ACTION_LABELS.items()))
    reason = forms.CharField(
        label=gettext_lazy("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )
    confirm = forms.BooleanField(required=False)

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        if data.get("action") in CONFIRMATIONS and not data.get("confirm"):
            raise forms.ValidationError(CONFIRMATION_MISSING, code="confirmation_required")
        return data


@login_required
def label_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    labels = selectors.label_list_for_actor(request.user)
    page = Paginator(labels, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "labels/manage_list.html",
        {"page": page, "exports": export_links("labels_portal:export", {})},
    )


def _shown_status(label: Label) -> str:
    return str(label.verdict().label)


LABEL_COLUMNS: tuple[Column[Label], ...] = (
    Column(gettext_lazy("Serial"), lambda label: label.serial),
    Column(gettext_lazy("Version"), lambda label: label.certificate_version),
    Column(gettext_lazy("Certificate number"), lambda label: label.certificate.number),
    Column(gettext_lazy("Product"), lambda label: label.product.name),
    Column(gettext_lazy("Model"), lambda label: label.product.model),
    Column(gettext_lazy("GTIN"), lambda label: label.gtin),
    Column(gettext_lazy("Holder"), lambda label: label.certificate.enterprise.name),
    Column(
        gettext_lazy("Certification body"), lambda label: label.certificate.certification_body.name
    ),
    Column(gettext_lazy("Status"), _shown_status),
    Column(gettext_lazy("Issued"), lambda label: local_time(label.issued_at)),
    Column(gettext_lazy("Valid until"), lambda label: local_time(label.valid_until)),
)


@login_required
def label_export(
    request: AuthenticatedHttpRequest, kind: str
) -> HttpResponse | StreamingHttpResponse:
    """Every label of the list, as the list shows them: the status the world is told."""
    labels = selectors.label_list_for_actor(request.user).select_related("variant__product")
    return export_response(kind, labels, LABEL_COLUMNS, "labels")


@login_required
def label_manage(request: AuthenticatedHttpRequest, serial: str) -> HttpResponse:
    label = selectors.label_get_for_actor(request.user, serial)
    manages = selectors.user_manages_label(request.user, label)
    actions = services.label_actions_for(request.user, label, manages)
    return render(
        request,
        "labels/manage.html",
        {
            "label": label,
            "actions": [(a, ACTION_LABELS[a], CONFIRMATIONS.get(a, "")) for a in actions],
            "form": StatusChangeForm(),
            "events": label.events.select_related("actor"),
            "sizes": PRINT_SIZES_MM,
            "can_download": manages or selectors.user_holds_label(request.user, label),
        },
    )


@login_required
@require_POST
@require_recent_second_factor(
    back=lambda request, serial: reverse("labels_portal:manage", args=[serial])
)
def label_status_change(request: AuthenticatedHttpRequest, serial: str) -> HttpResponse:
    label = selectors.label_get_for_actor(request.user, serial)
    form = StatusChangeForm(request.POST)
    if not form.is_valid():
        errors = form.non_field_errors() or [_("Choose an action and give the reason.")]
        for error in errors:
            messages.error(request, str(error))
        return redirect("labels_portal:manage", serial=serial)
    try:
        services.label_change_status(
            actor=request.user,
            label_id=label.pk,
            action=form.cleaned_data["action"],
            reason=form.cleaned_data["reason"],
            reason_code=services.reason_code_of(
                request.user, selectors.user_manages_label(request.user, label)
            ),
        )
    except WorkflowError as error:
        messages.error(request, error.message)
    except ValidationError as error:
        messages.error(request, getattr(error, "message", None) or " ".join(error.messages))
    else:
        messages.success(
            request,
            _("The label is now: %(status)s.")
            % {"status": LabelStatus(selectors.label_get_public(serial).status).label},
        )
    return redirect("labels_portal:manage", serial=serial)


@login_required
def artwork(request: AuthenticatedHttpRequest, serial: str, size: int, fmt: str) -> HttpResponse:
    label = selectors.label_get_for_actor(request.user, serial)
    if size not in PRINT_SIZES_MM or fmt not in ("svg", "png"):
        raise Http404
    facts = label_facts(label)
    if fmt == "svg":
        response = HttpResponse(label_svg(facts, size_mm=size), content_type="image/svg+xml")
    else:
        response = HttpResponse(label_png(facts, size_mm=size), content_type="image/png")
    response["Content-Disposition"] = f'attachment; filename="{serial}-{size}mm.{fmt}"'
    return response


@login_required
def key_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    bodies = [
        o
        for o in user_organisations(request.user)
        if o.is_certification_body and user_has_role(request.user, Role.BODY_ADMIN, o)
    ]
    if not bodies:
        raise Http404
    rows = [
        (
            body,
            keys.body_did(body),
            [(key, keys.verification_method(key)) for key in body.signing_keys.all()],
        )
        for body in bodies
    ]
    return render(
        request, "labels/keys.html", {"rows": rows, "confirmation": KEY_REVOKE_CONFIRMATION}
    )


@login_required
@require_POST
@require_recent_second_factor(back=lambda request, body_id: reverse("labels_portal:keys"))
def key_rotate(request: AuthenticatedHttpRequest, body_id: int) -> HttpResponse:
    body = next(
        (
            o
            for o in user_organisations(request.user)
            if o.pk == body_id and user_has_role(request.user, Role.BODY_ADMIN, o)
        ),
        None,
    )
    if body is None:
        raise Http404
    keys.signing_key_rotate(body)
    answers.signing_keys_changed(body.pk)
    messages.success(
        request, _("A new signing key is active; the old one still verifies what it signed.")
    )
    return redirect("labels_portal:keys")


@login_required
@require_POST
@require_recent_second_factor(back=lambda request, key_id: reverse("labels_portal:keys"))
def key_revoke(request: AuthenticatedHttpRequest, key_id: int) -> HttpResponse:
    key = SigningKey.objects.select_related("body").filter(pk=key_id).first()
    if key is None or not user_has_role(request.user, Role.BODY_ADMIN, key.body):
        raise Http404
    if not request.POST.get("confirm"):
        messages.error(request, CONFIRMATION_MISSING)
        return redirect("labels_portal:keys")
    try:
        services.signing_key_revoke(
            actor=request.user, key_id=key.pk, reason=request.POST.get("reason", "")
        )
    except (WorkflowError, ValidationError) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    else:
        messages.success(request, _("The key is revoked; labels it signed now show so."))
    return redirect("labels_portal:keys")
