"""Webhook API for marketplaces: endpoints (list, create, read, change, delete, test send) and
the delivery log (list, read with attempts, redeliver).

Callers are marketplace administrators (session or token) or a marketplace's API key with the
scope api:webhooks:manage. Another marketplace's objects answer 404, as missing ones do.
"""

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.apikeys import ApiKeyUser
from accounts.http import KeyOrPersonRequest
from accounts.roles import ApiScope
from certification.errors import ActorNotPermitted
from config.api import ID_MAX, Pagination, query_integer
from config.schema import workflow_step

from . import selectors, services
from .models import DeliveryStatus, EventType, WebhookAttempt, WebhookDelivery, WebhookEndpoint


# Named enum components: left to drf-spectacular, a `status` enum would collide with the other
# APIs' status enums.
@extend_schema_field(
    {"type": "string", "enum": list(EventType.values)}, component_name="WebhookEventType"
)
class EventTypeField(serializers.ChoiceField):
    def __init__(self, **kwargs) -> None:
        super().__init__(choices=EventType.choices, **kwargs)


@extend_schema_field(
    {"type": "string", "enum": list(DeliveryStatus.values)}, component_name="WebhookDeliveryStatus"
)
class DeliveryStatusField(serializers.ChoiceField):
    def __init__(self, **kwargs) -> None:
        super().__init__(choices=DeliveryStatus.choices, **kwargs)


class WebhookEndpointOutput(serializers.ModelSerializer):
    event_types = serializers.ListField(child=EventTypeField())
    gtins = serializers.ListField(child=serializers.CharField())

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "marketplace",
            "url",
            "description",
            "event_types",
            "gtins",
            "is_active",
            "created_at",
        ]


class WebhookEndpointCreatedOutput(WebhookEndpointOutput):
    """Documents the creation answer: the endpoint and its secret."""

    secret = serializers.CharField(
        help_text="whsec_… signing secret: returned by this response only."
    )

    class Meta(WebhookEndpointOutput.Meta):
        fields = [*WebhookEndpointOutput.Meta.fields, "secret"]


class WebhookDeliveryOutput(serializers.ModelSerializer):
    label = serializers.SlugRelatedField(  # type: ignore[assignment,var-annotated]  # stubs: DRF takes declared fields off the class, not Field.label
        slug_field="serial", read_only=True, allow_null=True
    )
    status = DeliveryStatusField()
    pushed = serializers.SerializerMethodField()

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "endpoint",
            "event_id",
            "event_type",
            "label",
            "pushed",
            "status",
            "attempts",
            "next_attempt_at",
            "last_status_code",
            "last_error",
            "created_at",
            "delivered_at",
        ]

    def get_pushed(self, delivery: WebhookDelivery) -> bool:
        return delivery.push_id is not None


class WebhookAttemptOutput(serializers.ModelSerializer):
    class Meta:
        model = WebhookAttempt
        fields = ["attempted_at", "status_code", "response_excerpt", "duration_ms", "error"]


class WebhookDeliveryDetailOutput(WebhookDeliveryOutput):
    payload = serializers.JSONField(help_text="The CloudEvent sent as the body.")
    attempt_log = WebhookAttemptOutput(many=True, read_only=True)

    class Meta(WebhookDeliveryOutput.Meta):
        fields = [*WebhookDeliveryOutput.Meta.fields, "payload", "attempt_log"]


class _WebhookApi(APIView):
    # Marketplace keys with the webhook scope are welcome here, unlike on the people's API.
    permission_classes = [IsAuthenticated]

    def initial(self, request: Request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        if isinstance(request.user, ApiKeyUser) and not request.user.has_scope(
            ApiScope.WEBHOOKS_MANAGE
        ):
            raise PermissionDenied(_("This API key does not have the scope api:webhooks:manage."))


def _paginated(request: Request, view: Any, queryset, serializer_class) -> Response:
    """A page of the list. The view names its `pagination_class`, which is what the schema
    documents, so the envelope documented is the envelope served."""
    paginator = view.pagination_class()
    page = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(serializer_class(page, many=True).data)


class WebhookEndpointListApi(_WebhookApi):
    pagination_class = Pagination

    class WebhookEndpointCreateInput(serializers.Serializer):
        marketplace = serializers.IntegerField(
            required=False, help_text="Needed only by a person administering several."
        )
        url = serializers.CharField(max_length=500)
        description = serializers.CharField(
            max_length=200, required=False, allow_blank=True, default=""
        )
        event_types = serializers.ListField(
            child=EventTypeField(), required=False, default=list(EventType.values)
        )
        gtins = serializers.ListField(
            child=serializers.CharField(max_length=20),
            required=False,
            default=list,
            help_text="Empty: every product.",
        )

    @extend_schema(responses=WebhookEndpointOutput(many=True))
    def get(self, request: KeyOrPersonRequest) -> Response:
        return _paginated(
            request, self, selectors.endpoint_list_for_actor(request.user), WebhookEndpointOutput
        )

    @extend_schema(
        request=WebhookEndpointCreateInput, responses={201: WebhookEndpointCreatedOutput}
    )
    def post(self, request: KeyOrPersonRequest) -> Response:
        marketplaces = {m.pk: m for m in selectors.marketplaces_administered(request.user)}
        if not marketplaces:
            raise ActorNotPermitted(_("Only marketplace administrators register webhooks."))
        data = self.WebhookEndpointCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        marketplace_id = values.pop("marketplace", None) or min(marketplaces)
        if marketplace_id not in marketplaces:
            raise serializers.ValidationError(
                {"marketplace": [_("Not a marketplace you administer.")]}
            )
        endpoint, secret = services.webhook_endpoint_create(
            actor=request.user, marketplace=marketplaces[marketplace_id], **values
        )
        return Response(
            {**WebhookEndpointOutput(endpoint).data, "secret": secret},
            status=status.HTTP_201_CREATED,
        )


class WebhookEndpointDetailApi(_WebhookApi):
    class WebhookEndpointUpdateInput(serializers.Serializer):
        url = serializers.CharField(max_length=500, required=False)
        description = serializers.CharField(max_length=200, required=False, allow_blank=True)
        event_types = serializers.ListField(child=EventTypeField(), required=False)
        gtins = serializers.ListField(child=serializers.CharField(max_length=20), required=False)
        is_active = serializers.BooleanField(required=False)

    @extend_schema(responses=WebhookEndpointOutput)
    def get(self, request: KeyOrPersonRequest, endpoint_id: int) -> Response:
        endpoint = selectors.endpoint_get_for_actor(request.user, endpoint_id)
        return Response(WebhookEndpointOutput(endpoint).data)

    @extend_schema(request=WebhookEndpointUpdateInput, responses=WebhookEndpointOutput)
    def patch(self, request: KeyOrPersonRequest, endpoint_id: int) -> Response:
        endpoint = selectors.endpoint_get_for_actor(request.user, endpoint_id)
        data = self.WebhookEndpointUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        current = {
            "url": endpoint.url,
            "description": endpoint.description,
            "event_types": endpoint.event_types,
            "gtins": endpoint.gtins,
            "is_active": endpoint.is_active,
        }
        endpoint = services.webhook_endpoint_update(
            actor=request.user, endpoint_id=endpoint.pk, **{**current, **data.validated_data}
        )
        return Response(WebhookEndpointOutput(endpoint).data)

    @extend_schema(responses={204: None})
    def delete(self, request: KeyOrPersonRequest, endpoint_id: int) -> Response:
        endpoint = selectors.endpoint_get_for_actor(request.user, endpoint_id)
        services.webhook_endpoint_delete(actor=request.user, endpoint_id=endpoint.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookEndpointTestApi(_WebhookApi):
    @workflow_step
    @extend_schema(request=None, responses={202: WebhookDeliveryOutput})
    def post(self, request: KeyOrPersonRequest, endpoint_id: int) -> Response:
        endpoint = selectors.endpoint_get_for_actor(request.user, endpoint_id)
        delivery = services.webhook_endpoint_test_send(actor=request.user, endpoint_id=endpoint.pk)
        delivery.refresh_from_db()
        return Response(WebhookDeliveryOutput(delivery).data, status=status.HTTP_202_ACCEPTED)


class WebhookDeliveryListApi(_WebhookApi):
    pagination_class = Pagination

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "endpoint",
                {"type": "integer", "minimum": 1, "maximum": ID_MAX},
                description="Only this endpoint.",
            ),
            OpenApiParameter(
                "status",
                OpenApiTypes.STR,
                enum=[*DeliveryStatus.values, ""],
                description="Only deliveries in this status; empty: any.",
            ),
            OpenApiParameter("label", OpenApiTypes.STR, description="Only this label serial."),
        ],
        responses=WebhookDeliveryOutput(many=True),
    )
    def get(self, request: KeyOrPersonRequest) -> Response:
        deliveries = selectors.delivery_list_for_actor(request.user)
        endpoint = query_integer(request, "endpoint", message=_("An endpoint id."))
        if endpoint is not None:
            deliveries = deliveries.filter(endpoint_id=endpoint)
        wanted_status = request.query_params.get("status", "")
        if wanted_status:
            if wanted_status not in DeliveryStatus.values:
                raise serializers.ValidationError({"status": [_("Unknown status.")]})
            deliveries = deliveries.filter(status=wanted_status)
        if request.query_params.get("label"):
            deliveries = deliveries.filter(label__serial=request.query_params["label"])
        return _paginated(request, self, deliveries, WebhookDeliveryOutput)


class WebhookDeliveryDetailApi(_WebhookApi):
    @extend_schema(responses=WebhookDeliveryDetailOutput)
    def get(self, request: KeyOrPersonRequest, delivery_id: int) -> Response:
        delivery = selectors.delivery_get_for_actor(request.user, delivery_id)
        return Response(WebhookDeliveryDetailOutput(delivery).data)


class WebhookDeliveryRedeliverApi(_WebhookApi):
    @workflow_step
    @extend_schema(request=None, responses={202: WebhookDeliveryOutput})
    def post(self, request: KeyOrPersonRequest, delivery_id: int) -> Response:
        delivery = selectors.delivery_get_for_actor(request.user, delivery_id)
        services.webhook_delivery_redeliver(actor=request.user, delivery_id=delivery.pk)
        delivery.refresh_from_db()
        return Response(WebhookDeliveryOutput(delivery).data, status=status.HTTP_202_ACCEPTED)
