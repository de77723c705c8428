"""Portal pages: marketplace administrators manage their endpoints and read the delivery log;
a label's holder pushes it to marketplaces. Every object comes through a selector (404 for
another marketplace's endpoint, as for a missing one)."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.forms import Form
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.models import Organisation, User
from certification.errors import WorkflowError

from . import selectors, services
from .forms import LabelPushForm, WebhookEndpointForm
from .models import DeliveryStatus


def _marketplaces_or_404(user: User) -> list[Organisation]:
    marketplaces = selectors.marketplaces_administered(user)
    if not marketplaces:
        raise Http404
    return marketplaces


def _add_errors(form: Form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, messages_ in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages_)
    else:
        form.add_error(None, error.messages)


def _error_text(error: Exception) -> str:
    if isinstance(error, WorkflowError):
        return str(error.message)
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error)


@login_required
def endpoint_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    _marketplaces_or_404(request.user)
    endpoints = selectors.endpoint_list_for_actor(request.user)
    return render(request, "webhooks/endpoint_list.html", {"endpoints": endpoints})


@login_required
def endpoint_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    marketplaces = _marketplaces_or_404(request.user)
    form = WebhookEndpointForm(request.POST or None, marketplaces=marketplaces)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            endpoint, secret = services.webhook_endpoint_create(
                actor=request.user,
                marketplace=data["marketplace"],
                url=data["url"],
                event_types=data["event_types"],
                gtins=data["gtins"],
                description=data["description"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            # The secret is shown on this response only: never stored in the clear, never put
            # in a session or a redirect, not cached.
            response = render(
                request, "webhooks/endpoint_created.html", {"endpoint": endpoint, "secret": secret}
            )
            response["Cache-Control"] = "no-store"
            return response
    return render(request, "webhooks/endpoint_form.html", {"form": form, "endpoint": None})


@login_required
def endpoint_detail(request: AuthenticatedHttpRequest, endpoint_id: int) -> HttpResponse:
    endpoint = selectors.endpoint_get_for_actor(request.user, endpoint_id)
    deliveries = endpoint.deliveries.select_related("label")
    status = request.GET.get("status", "")
    if status in DeliveryStatus.values:
        deliveries = deliveries.filter(status=status)
    page = Paginator(deliveries, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "webhooks/endpoint_detail.html",
        {
            "endpoint": endpoint,
            "page": page,
            "status": status,
            "statuses": DeliveryStatus.choices,
        },
    )


@login_required
def endpoint_edit(request: AuthenticatedHttpRequest, endpoint_id: int) -> HttpResponse:
    endpoint = selectors.endpoint_get_for_actor(request.user, endpoint_id)
    initial = {
        "url": endpoint.url,
        "description": endpoint.description,
        "event_types": endpoint.event_types,
        "gtins": "\n".join(endpoint.gtins),
        "is_active": endpoint.is_active,
    }
    form = WebhookEndpointForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.webhook_endpoint_update(
                actor=request.user,
                endpoint_id=endpoint.pk,
                url=data["url"],
                event_types=data["event_types"],
                gtins=data["gtins"],
                description=data["description"],
                is_active=data["is_active"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("The endpoint is saved."))
            return redirect("webhooks:endpoint_detail", endpoint_id=endpoint.pk)
    return render(request, "webhooks/endpoint_form.html", {"form": form, "endpoint": endpoint})


@login_required
@require_POST
def endpoint_delete(request: AuthenticatedHttpRequest, endpoint_id: int) -> HttpResponse:
    endpoint = selectors.endpoint_get_for_actor(request.user, endpoint_id)
    services.webhook_endpoint_delete(actor=request.user, endpoint_id=endpoint.pk)
    messages.success(request, _("The endpoint and its delivery log are deleted."))
    return redirect("webhooks:endpoint_list")


@login_required
@require_POST
def endpoint_test(request: AuthenticatedHttpRequest, endpoint_id: int) -> HttpResponse:
    endpoint = selectors.endpoint_get_for_actor(request.user, endpoint_id)
    try:
        delivery = services.webhook_endpoint_test_send(actor=request.user, endpoint_id=endpoint.pk)
    except WorkflowError as error:
        messages.error(request, _error_text(error))
        return redirect("webhooks:endpoint_detail", endpoint_id=endpoint.pk)
    messages.success(request, _("A test event is on its way; its delivery is below."))
    return redirect("webhooks:delivery_detail", delivery_id=delivery.pk)


@login_required
def delivery_detail(request: AuthenticatedHttpRequest, delivery_id: int) -> HttpResponse:
    delivery = selectors.delivery_get_for_actor(request.user, delivery_id)
    return render(
        request,
        "webhooks/delivery_detail.html",
        {
            "delivery": delivery,
            "attempts": delivery.attempt_log.all(),
            "payload": json.dumps(delivery.payload, ensure_ascii=False, indent=2),
        },
    )


@login_required
@require_POST
def delivery_redeliver(request: AuthenticatedHttpRequest, delivery_id: int) -> HttpResponse:
    delivery = selectors.delivery_get_for_actor(request.user, delivery_id)
    try:
        services.webhook_delivery_redeliver(actor=request.user, delivery_id=delivery.pk)
    except WorkflowError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("The delivery is sent again."))
    return redirect("webhooks:delivery_detail", delivery_id=delivery.pk)


@login_required
def label_push(request: AuthenticatedHttpRequest, serial: str) -> HttpResponse:
    label = selectors.label_get_for_push(request.user, serial)
    pushes = list(selectors.label_pushes(label).prefetch_related("deliveries"))
    pushed_ids = {push.marketplace_id for push in pushes}
    choices = [m for m in selectors.push_marketplaces() if m.pk not in pushed_ids]
    form = LabelPushForm(request.POST or None, marketplaces=choices)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.label_push(
                actor=request.user,
                label_id=label.pk,
                marketplace_ids=[m.pk for m in form.cleaned_data["marketplaces"]],
            )
        except (WorkflowError, ValidationError) as error:
            messages.error(request, _error_text(error))
        else:
            messages.success(
                request,
                ngettext(
                    "%(count)d marketplace notified.",
                    "%(count)d marketplaces notified.",
                    len(created),
                )
                % {"count": len(created)},
            )
            return redirect("webhooks:label_push", serial=label.serial)
    return render(
        request,
        "webhooks/push.html",
        {
            "label": label,
            "form": form,
            "pushes": pushes,
            "choices": choices,
            "pushable": selectors.label_pushable(label),
        },
    )
