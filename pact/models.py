"""PACT partner clients, their access tokens, the footprint index and the exchanged events."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PartnerClient(models.Model):
    """A data recipient's system: it authenticates with client credentials and reads the
    certified footprints of the enterprises that agreed to share them with it.

    The secret is stored as a SHA-256 hash (it is a 256-bit random value, so a slow hash adds
    nothing). `outbound_*` is where and how we answer its footprint requests: its own Action
    Events endpoint and the bearer token its host issued to us.
    """

    name = models.CharField(_("name"), max_length=200)
    organisation = models.ForeignKey(
        "accounts.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="pact_clients",
        verbose_name=_("partner organisation"),
    )
    client_id = models.CharField(_("client id"), max_length=64, unique=True)
    secret_hash = models.CharField(max_length=64)
    is_active = models.BooleanField(_("active"), default=True)
    data_owners = models.ManyToManyField(
        "accounts.Organisation",
        blank=True,
        related_name="pact_recipients",
        verbose_name=_("enterprises sharing their footprints with this client"),
    )
    outbound_events_url = models.URLField(
        _("partner's events endpoint"),
        max_length=500,
        blank=True,
        help_text=_(
            "Full URL of the partner's Action Events endpoint, such as "
            "https://partner.example/3/events; answers to its requests go there."
        ),
    )
    outbound_bearer_token = models.CharField(
        _("bearer token for the partner's endpoint"), max_length=2000, blank=True
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.client_id})"


class AccessToken(models.Model):
    """An access token from POST /auth/token; only its SHA-256 hash is kept."""

    token_hash = models.CharField(max_length=64, unique=True)
    client = models.ForeignKey(
        PartnerClient, on_delete=models.CASCADE, related_name="access_tokens"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"token of {self.client} until {self.expires_at:%Y-%m-%d %H:%M}"


class Footprint(models.Model):
    """What a label's ProductFootprint needs that never changes after issuance, derived once.

    A label's certified dossier version is frozen, so its footprint id (uuid5 of the label
    serial), its declared unit, geography and data quality are fixed; rows are added for new
    labels as the PACT endpoints are read (`index.footprints_index`). Status, validity and
    predecessors are read live from the labels.
    """

    label = models.OneToOneField(
        "labels.Label", on_delete=models.CASCADE, related_name="pact_footprint"
    )
    pf_id = models.UUIDField(unique=True)
    # v3 declaredUnitOfMeasurement and declaredUnitAmount: the label's unit as stated.
    declared_unit = models.CharField(max_length=32)
    declared_unit_amount = models.DecimalField(max_digits=30, decimal_places=12)
    # Mass in kg of `declared_unit_amount` units, when the dossier states one.
    product_mass = models.DecimalField(max_digits=30, decimal_places=12, null=True, blank=True)
    # v2 declaredUnit and unitaryProductAmount; empty when 2.x has no unit for it (a piece
    # without a known mass), and then the footprint is served under /3 only.
    v2_declared_unit = models.CharField(max_length=32, blank=True)
    v2_unitary_amount = models.DecimalField(max_digits=30, decimal_places=12, null=True, blank=True)
    # Exactly one is set, as the CarbonFootprint scope requires.
    geography_country = models.CharField(max_length=2, blank=True)
    geography_subdivision = models.CharField(max_length=6, blank=True)
    geography_region = models.CharField(max_length=40, blank=True)
    # v2 DataQualityIndicators from the inventory's ratings, or null.
    data_quality = models.JSONField(null=True, blank=True)
    # [{name, version}] of the factor library versions the inventory used.
    secondary_sources = models.JSONField(default=list, blank=True)
    indexed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["label_id"]

    def __str__(self) -> str:
        return str(self.pf_id)


class EventKind(models.TextChoices):
    PUBLISHED = "published", _("Footprint published")
    REQUEST_CREATED = "request_created", _("Footprint request created")
    REQUEST_FULFILLED = "request_fulfilled", _("Footprint request fulfilled")
    REQUEST_REJECTED = "request_rejected", _("Footprint request rejected")


class InboundEvent(models.Model):
    """A CloudEvent a partner POSTed to {base}/2/events or /3/events. CloudEvents identify an
    event by source and id, so a repeated POST is recorded (and answered) once."""

    client = models.ForeignKey(
        PartnerClient, on_delete=models.PROTECT, related_name="inbound_events"
    )
    spec = models.PositiveSmallIntegerField(_("PACT major version"))
    kind = models.CharField(max_length=32, choices=EventKind.choices)
    event_id = models.CharField(max_length=300)
    source = models.CharField(max_length=500)
    body = models.JSONField()
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-received_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "source", "event_id"], name="pact_unique_inbound_event"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.event_id} from {self.client}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DELIVERED = "delivered", _("Delivered")
    ABANDONED = "abandoned", _("Abandoned")


class OutboundEvent(models.Model):
    """The outbox row of the answer to a footprint request, written with the request in one
    transaction. The answer (RequestFulfilled or RequestRejected) is composed at the first
    attempt and kept, so every retry sends the same event with the same id."""

    request = models.OneToOneField(InboundEvent, on_delete=models.PROTECT, related_name="answer")
    target_url = models.URLField(max_length=500)
    source = models.CharField(_("our events endpoint"), max_length=500)
    kind = models.CharField(max_length=32, choices=EventKind.choices, blank=True)
    body = models.JSONField(null=True, blank=True)
    status = models.CharField(
        max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING, db_index=True
    )
    attempts = models.PositiveIntegerField(default=0)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"answer to {self.request.event_id}: {self.status}"
