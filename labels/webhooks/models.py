"""Marketplace webhook endpoints, the deliveries owed to them (the outbox) and every attempt.

Loaded into the labels app by `labels.models` (app label "labels", migrations in
labels/migrations)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

__all__ = [
    "DeliveryStatus",
    "EventType",
    "LabelPush",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
]


class EventType(models.TextChoices):
    """The label events a marketplace may subscribe to; the values are LabelEvent actions."""

    ISSUED = "issued", _("Issued")
    SUSPENDED = "suspended", _("Suspended")
    RESTORED = "restored", _("Restored")
    REVOKED = "revoked", _("Revoked")
    EXPIRED = "expired", _("Expired")
    CANCELLED = "cancelled", _("Cancelled")
    # The key that signed the label was revoked as compromised: the label is no longer valid,
    # whatever its status (a LabelEvent of each label the key signed).
    KEY_REVOKED = "key_revoked", _("Signing key revoked")


TEST_EVENT = "test"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed, will retry")
    ABANDONED = "abandoned", _("Abandoned")


class WebhookEndpoint(models.Model):
    """Where a marketplace receives label events. The signing secret is stored encrypted with
    the platform master key: the sender needs it in the clear to sign, so it cannot be hashed."""

    marketplace = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.CASCADE,
        related_name="webhook_endpoints",
        verbose_name=_("marketplace"),
    )
    url = models.URLField(_("URL"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True)
    secret_encrypted = models.BinaryField()
    event_types = models.JSONField(_("event types"), default=list)
    gtins = models.JSONField(
        _("GTINs"), default=list, blank=True, help_text=_("Empty: every product.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["marketplace", "created_at", "pk"]

    def __str__(self) -> str:
        return self.url

    def subscribes_to(self, event_type: str) -> bool:
        return event_type in self.event_types

    def covers_gtin(self, gtin: str) -> bool:
        """An empty filter covers every product, a label without GTIN included."""
        return not self.gtins or (bool(gtin) and gtin in self.gtins)


class LabelPush(models.Model):
    """The holder told a marketplace about a certified label (as certifiers push verified product
    ids to marketplaces): the marketplace's endpoints get the label's events whatever their GTIN
    filter says."""

    label = models.ForeignKey("labels.Label", on_delete=models.PROTECT, related_name="pushes")
    marketplace = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="label_pushes",
        verbose_name=_("marketplace"),
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["label", "marketplace"], name="unique_label_push"),
        ]

    def __str__(self) -> str:
        return f"{self.label} → {self.marketplace}"


class WebhookDelivery(models.Model):
    """One event owed to one endpoint: the outbox row, written in the transaction of the change
    it reports. `next_attempt_at` is when it is due; while `sending` it is the end of the
    sender's lease, after which a crashed sender's claim is free again."""

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    label = models.ForeignKey(
        "labels.Label",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="webhook_deliveries",
    )
    push = models.ForeignKey(
        LabelPush, null=True, blank=True, on_delete=models.PROTECT, related_name="deliveries"
    )
    event_id = models.UUIDField(_("event id"))
    event_type = models.CharField(_("event type"), max_length=32)
    payload = models.JSONField()
    status = models.CharField(
        _("status"), max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    last_status_code = models.PositiveSmallIntegerField(
        _("last response code"), null=True, blank=True
    )
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    redelivered_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # Idempotent writers: an event reaches an endpoint once (a push of an event the
            # endpoint already had, a retried task), however often it is written.
            models.UniqueConstraint(
                fields=["endpoint", "event_id"], name="unique_webhook_event_per_endpoint"
            ),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due")]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id} → {self.endpoint}"

    @property
    def window_started_at(self):
        """Retries run for a window from creation, or from the latest manual redelivery."""
        return self.redelivered_at or self.created_at


class WebhookAttempt(models.Model):
    """One POST of a delivery and what came back."""

    delivery = models.ForeignKey(
        WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log"
    )
    attempted_at = models.DateTimeField(_("attempted"), default=timezone.now)
    status_code = models.PositiveSmallIntegerField(_("response code"), null=True, blank=True)
    response_excerpt = models.CharField(_("response"), max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["attempted_at", "pk"]

    def __str__(self) -> str:
        return f"{self.delivery_id} @ {self.attempted_at:%Y-%m-%d %H:%M:%S}"

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
