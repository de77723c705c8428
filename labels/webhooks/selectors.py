"""Access-checked reads. A marketplace administrator, or a marketplace's API key with the scope
api:webhooks:manage, sees the endpoints and deliveries of that marketplace; anything else,
missing or forbidden, is a 404."""

from django.db.models import QuerySet
from django.http import Http404

from accounts.apikeys import ApiKeyUser
from accounts.models import Organisation, User
from accounts.roles import ApiScope, OrganisationKind, Role
from accounts.selectors import memberships_for
from labels.models import Label

from .models import EventType, LabelPush, WebhookDelivery, WebhookEndpoint

# Who calls: a person signed in to the portal, or a marketplace's API key.
Caller = User | ApiKeyUser


def marketplaces_administered(user: Caller) -> list[Organisation]:
    if isinstance(user, ApiKeyUser):
        # A key acts for its own organisation only, and only with the webhooks scope.
        organisation = user.organisation
        allowed = organisation.kind == OrganisationKind.MARKETPLACE and user.has_scope(
            ApiScope.WEBHOOKS_MANAGE
        )
        return [organisation] if allowed else []
    return [
        m.organisation
        for m in memberships_for(user)
        if m.role == Role.MARKETPLACE_ADMIN and m.organisation.kind == OrganisationKind.MARKETPLACE
    ]


def _marketplace_ids(user: Caller) -> set[int]:
    return {organisation.pk for organisation in marketplaces_administered(user)}


def endpoint_list_for_actor(user: Caller) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.select_related("marketplace").filter(
        marketplace_id__in=_marketplace_ids(user)
    )


def endpoint_get_for_actor(user: Caller, endpoint_id: int) -> WebhookEndpoint:
    endpoint = endpoint_list_for_actor(user).filter(pk=endpoint_id).first()
    if endpoint is None:
        raise Http404
    return endpoint


def delivery_list_for_actor(user: Caller) -> QuerySet[WebhookDelivery]:
    return WebhookDelivery.objects.select_related("endpoint", "label").filter(
        endpoint__marketplace_id__in=_marketplace_ids(user)
    )


def delivery_get_for_actor(user: Caller, delivery_id: int) -> WebhookDelivery:
    delivery = delivery_list_for_actor(user).filter(pk=delivery_id).first()
    if delivery is None:
        raise Http404
    return delivery


# --- pushes -------------------------------------------------------------------------------


def user_may_push(user: User, label: Label) -> bool:
    """The holder's administrators tell marketplaces about their certified labels."""
    enterprise_id = label.certificate.enterprise_id
    return any(
        m.organisation_id == enterprise_id and m.role == Role.ENTERPRISE_ADMIN
        for m in memberships_for(user)
    )


def label_get_for_push(user: User, serial: str) -> Label:
    label = (
        Label.objects.select_related("certificate__enterprise", "certificate__product")
        .filter(serial=serial)
        .first()
    )
    if label is None or not user_may_push(user, label):
        raise Http404
    return label


def push_marketplaces() -> list[Organisation]:
    """Marketplaces that can receive a push: one active endpoint taking 'issued' events."""
    ids = {
        endpoint.marketplace_id
        for endpoint in WebhookEndpoint.objects.filter(is_active=True)
        if endpoint.subscribes_to(EventType.ISSUED)
    }
    return list(Organisation.objects.filter(kind=OrganisationKind.MARKETPLACE, pk__in=ids))


def label_pushes(label: Label) -> QuerySet[LabelPush]:
    return LabelPush.objects.filter(label=label).select_related("marketplace", "requested_by")


def label_pushable(label: Label) -> bool:
    return label.verdict().valid
