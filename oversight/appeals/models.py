"""Appeals of an enterprise against a refusal, a suspension or a withdrawal of its label.

Each appeal names the one recorded decision it contests (the refusal's ApplicationEvent or the
suspension's or withdrawal's LabelEvent); a decision can be appealed once.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AppealKind(models.TextChoices):
    REFUSAL = "refusal", _("Refusal of certification")
    SUSPENSION = "suspension", _("Suspension of the label")
    WITHDRAWAL = "withdrawal", _("Withdrawal of the label")


class AppealStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    UNDER_REVIEW = "under_review", _("Under review")
    UPHELD = "upheld", _("Decision upheld")
    OVERTURNED = "overturned", _("Decision overturned")


class Appeal(models.Model):
    reference = models.CharField(_("reference"), max_length=32, unique=True)
    kind = models.CharField(_("decision appealed"), max_length=16, choices=AppealKind.choices)
    enterprise = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="appeals_made"
    )
    body = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="appeals_received"
    )
    application = models.ForeignKey(
        "certification.Application", on_delete=models.PROTECT, related_name="appeals"
    )
    label = models.ForeignKey(
        "labels.Label", null=True, blank=True, on_delete=models.PROTECT, related_name="appeals"
    )
    application_event = models.OneToOneField(
        "certification.ApplicationEvent",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appeal",
    )
    label_event = models.OneToOneField(
        "labels.LabelEvent", null=True, blank=True, on_delete=models.PROTECT, related_name="appeal"
    )
    decision_actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decision_at = models.DateTimeField(_("date of the decision appealed"))
    reasons = models.TextField(_("reasons for the appeal"))
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="appeals_filed"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=AppealStatus.choices, default=AppealStatus.SUBMITTED
    )
    decider = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appeals_decided",
    )
    decision_reason = models.TextField(_("reasons for the decision"), blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    # Set when the overturn's effect (reopen, restore, reinstate) has been applied: the services
    # that apply it accept the step only for an overturned appeal whose effect is still due.
    effect_applied_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "audits_appeal"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind="refusal")
                    & Q(application_event__isnull=False)
                    & Q(label_event__isnull=True)
                )
                | (
                    Q(kind__in=["suspension", "withdrawal"])
                    & Q(label_event__isnull=False)
                    & Q(label__isnull=False)
                    & Q(application_event__isnull=True)
                ),
                name="appeal_names_its_decision",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_decided(self) -> bool:
        return self.status in (AppealStatus.UPHELD, AppealStatus.OVERTURNED)


class AppealAttachment(models.Model):
    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="appeals/%Y/")
    name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "audits_appealattachment"

    def __str__(self) -> str:
        return self.name


EVENT_LABELS = {
    "submit": _("filed"),
    "start_review": _("taken up for review"),
    "uphold": _("decision upheld"),
    "overturn": _("decision overturned"),
    "effect_applied": _("overturn applied"),
}


class AppealEvent(models.Model):
    """Append-only: every step of an appeal."""

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=64)
    from_status = models.CharField(max_length=16, choices=AppealStatus.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=AppealStatus.choices)
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "audits_appealevent"
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.appeal} {self.action}"

    def action_label(self) -> str:
        return str(EVENT_LABELS.get(self.action, self.action))
