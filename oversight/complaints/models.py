"""Complaints about a label ("report a problem with this label") and their event record.

A complaint is routed to the label's issuing body and visible to the regulator. The private
follow-up link carries a secret token of which only the SHA-256 is stored.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.fields import PublicTextField


class ComplaintCategory(models.TextChoices):
    FALSE_VALUE = "false_value", _("The footprint value is false")
    LABEL_MISUSE = "label_misuse", _("The label is misused (wrong product, altered artwork)")
    EXPIRED_LABEL_SHOWN = "expired_label_shown", _("An expired or withdrawn label is still shown")
    OTHER = "other", _("Other")


class ComplaintStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    INVESTIGATING = "investigating", _("Under investigation")
    DECIDED = "decided", _("Decided")
    CLOSED = "closed", _("Closed")


class ComplaintOutcome(models.TextChoices):
    UNFOUNDED = "unfounded", _("Unfounded")
    FOUNDED = "founded", _("Founded")


class ComplaintAction(models.TextChoices):
    """What a founded complaint leads to; one or more."""

    SUSPEND_LABEL = "suspend_label", _("Suspend the label")
    REVOKE_LABEL = "revoke_label", _("Withdraw (revoke) the label")
    FINDING_AGAINST_BODY = "finding_against_body", _("Record a finding against the body")
    SPECIAL_SURVEILLANCE = "special_surveillance", _("Order a special surveillance")


class Complaint(models.Model):
    reference = models.CharField(_("reference"), max_length=32, unique=True)
    token_hash = models.CharField(max_length=64, unique=True)
    label = models.ForeignKey(
        "labels.Label", on_delete=models.PROTECT, related_name="complaints", verbose_name=_("label")
    )
    certificate = models.ForeignKey(
        "certification.Certificate", on_delete=models.PROTECT, related_name="complaints"
    )
    body = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="complaints_received",
        verbose_name=_("certification body"),
    )
    category = models.CharField(_("category"), max_length=32, choices=ComplaintCategory.choices)
    description = PublicTextField(_("description"))
    contact = models.CharField(_("contact (e-mail or phone)"), max_length=200, blank=True)
    language = models.CharField(max_length=16, default="zh-hans")
    attachment = models.FileField(_("attachment"), upload_to="complaints/%Y/", blank=True)
    attachment_content_type = models.CharField(max_length=100, blank=True)
    attachment_sha256 = models.CharField(max_length=64, blank=True)
    complainant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints_made",
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints_handled",
        verbose_name=_("handler"),
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ComplaintStatus.choices,
        default=ComplaintStatus.RECEIVED,
    )
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=ComplaintOutcome.choices, blank=True
    )
    actions = models.JSONField(_("actions"), default=list, blank=True)
    decision_reason = PublicTextField(_("reasons for the decision"), blank=True)
    finding_against_body = models.TextField(_("finding against the body"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    acknowledge_due = models.DateField(_("acknowledge by"))
    decision_due = models.DateField(_("decide by"))
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    outcome_email_claimed_at = models.DateTimeField(null=True, blank=True)
    outcome_emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "audits_complaint"
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["body", "status"]),
            models.Index(fields=["status", "acknowledge_due"]),
            models.Index(fields=["status", "decision_due"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status__in=["decided", "closed"]) | ~models.Q(outcome=""),
                name="complaint_decided_has_outcome",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_decided(self) -> bool:
        return self.status in (ComplaintStatus.DECIDED, ComplaintStatus.CLOSED)

    def action_labels(self) -> list[str]:
        return [str(ComplaintAction(action).label) for action in self.actions]


EVENT_LABELS = {
    "submit": _("received"),
    "assign": _("handler assigned"),
    "acknowledge": _("acknowledged"),
    "investigate": _("investigation started"),
    "decide": _("decided"),
    "close": _("closed"),
    "special_surveillance_requested": _("special surveillance requested"),
}


class ComplaintEvent(models.Model):
    """Append-only: every step of a complaint, who took it and why."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=64)
    from_status = models.CharField(max_length=16, choices=ComplaintStatus.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=ComplaintStatus.choices)
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "audits_complaintevent"
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.complaint} {self.action}"

    def action_label(self) -> str:
        return str(EVENT_LABELS.get(self.action, self.action))
