"""After the certificate: surveillance and the holder's requests, the regulator's label orders
on a listing, random sampling and re-inspection; complaints and appeals in their own modules.
The tables keep the names they had in audits."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audits.models import ConflictDeclaration
from certification.models import SurveillanceOutcome


class SurveillanceKind(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled surveillance")
    SPECIAL = "special", _("Special surveillance")
    CHANGE = "change", _("Evaluation of a change")


class SurveillanceStatus(models.TextChoices):
    DUE = "due", _("Due")
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    DECISION = "decision", _("Awaiting decision")
    CLOSED = "closed", _("Closed")


class SurveillanceMode(models.TextChoices):
    ON_SITE = "on_site", _("On site")
    REMOTE = "remote", _("Remote")


class Surveillance(models.Model):
    """One surveillance of a certificate: scheduled at issuance, or special (a complaint, a
    change that needs evaluation). `suspend_after` is the due date plus the grace recorded on
    the certificate: unclosed after it, the sweep suspends the certificate."""

    certificate = models.ForeignKey(
        "certification.Certificate", on_delete=models.PROTECT, related_name="surveillances"
    )
    number = models.PositiveIntegerField()
    kind = models.CharField(
        _("kind"),
        max_length=16,
        choices=SurveillanceKind.choices,
        default=SurveillanceKind.SCHEDULED,
    )
    due_on = models.DateField(_("due on"))
    suspend_after = models.DateField(_("suspended if not closed by"))
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=SurveillanceStatus.choices,
        default=SurveillanceStatus.DUE,
    )
    reason = models.TextField(_("reason"), blank=True)
    planned_date = models.DateField(_("planned date"), null=True, blank=True)
    mode = models.CharField(_("mode"), max_length=16, choices=SurveillanceMode.choices, blank=True)
    dossier_version = models.ForeignKey(
        "certification.DossierVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recomputed_total = models.DecimalField(null=True, blank=True, max_digits=18, decimal_places=6)
    deviation = models.DecimalField(null=True, blank=True, max_digits=18, decimal_places=6)
    material = models.BooleanField(null=True, blank=True)
    report = models.TextField(_("surveillance report"), blank=True)
    # A confirmed nonconformity must be decided within the certificate's decision days.
    decide_by = models.DateField(null=True, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=SurveillanceOutcome.choices, blank=True
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "audits_surveillance"
        ordering = ["certificate", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["certificate", "number"], name="unique_surveillance_number"
            ),
        ]
        indexes = [
            models.Index(
                fields=["suspend_after"],
                name="surveillance_open_deadline",
                condition=~Q(status="closed"),
            ),
            models.Index(
                fields=["decide_by"], name="surveillance_decide_by", condition=Q(status="decision")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.certificate} S{self.number}"

    @property
    def is_open(self) -> bool:
        return self.status != SurveillanceStatus.CLOSED

    @property
    def deviation_percent(self) -> str:
        return "" if self.deviation is None else f"{self.deviation * 100:+.2f} %"


class SurveillanceTeamMember(models.Model):
    surveillance = models.ForeignKey(Surveillance, on_delete=models.CASCADE, related_name="team")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="surveillance_memberships"
    )
    is_lead = models.BooleanField(_("team lead"), default=False)
    declaration = models.CharField(
        max_length=16, choices=ConflictDeclaration.choices, default=ConflictDeclaration.PENDING
    )
    declared_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "audits_surveillanceteammember"
        ordering = ["-is_lead", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["surveillance", "user"], name="unique_surveillance_member"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} on {self.surveillance}"


class SurveillanceEvent(models.Model):
    """Append-only record of every step of a surveillance."""

    surveillance = models.ForeignKey(Surveillance, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=32)
    from_status = models.CharField(max_length=16, choices=SurveillanceStatus.choices)
    to_status = models.CharField(max_length=16, choices=SurveillanceStatus.choices)
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "audits_surveillanceevent"
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.surveillance} {self.action}"


class RequestKind(models.TextChoices):
    VOLUNTARY_SUSPENSION = "voluntary_suspension", _("Voluntary suspension")
    CANCELLATION = "cancellation", _("Cancellation")
    CHANGE = "change", _("Change")


class ChangeKind(models.TextChoices):
    NAME_OR_ADDRESS = "name_or_address", _("Name or address")
    PLANT = "plant", _("Production plant")
    PRODUCT = "product", _("Product modification")
    FACTOR_LIBRARY = "factor_library", _("New emission factor library version")


class RequestStatus(models.TextChoices):
    OPEN = "open", _("Awaiting the body")
    DONE = "done", _("Done")
    EDITORIAL = "editorial", _("Editorial: label re-issued")
    EVALUATION = "evaluation", _("Needs a partial evaluation")


class CertificateRequest(models.Model):
    """What the holder asks of its certificate: a voluntary suspension (with an end date),
    a cancellation, or a change the body must classify."""

    certificate = models.ForeignKey(
        "certification.Certificate", on_delete=models.PROTECT, related_name="requests"
    )
    kind = models.CharField(_("request"), max_length=24, choices=RequestKind.choices)
    change_kind = models.CharField(
        _("change"), max_length=24, choices=ChangeKind.choices, blank=True
    )
    description = models.TextField(_("description"))
    suspend_until = models.DateField(_("suspended until"), null=True, blank=True)
    status = models.CharField(
        max_length=16, choices=RequestStatus.choices, default=RequestStatus.OPEN
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_comment = models.TextField(blank=True)
    surveillance = models.ForeignKey(
        Surveillance, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        db_table = "audits_certificaterequest"
        ordering = ["-requested_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.certificate} {self.kind}"


class SupervisionNotice(models.Model):
    """A notice ahead of a deadline (surveillance, withdrawal, expiry), recorded once per
    deadline and lead time so a second sweep never repeats it."""

    certificate = models.ForeignKey(
        "certification.Certificate", on_delete=models.CASCADE, related_name="notices"
    )
    kind = models.CharField(max_length=24)
    deadline = models.DateField()
    days_before = models.PositiveSmallIntegerField()
    sent_on = models.DateField()

    class Meta:
        db_table = "audits_supervisionnotice"
        constraints = [
            models.UniqueConstraint(
                fields=["certificate", "kind", "deadline", "days_before"],
                name="one_notice_per_deadline",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.certificate} {self.kind} {self.deadline} -{self.days_before}"


# --- blacklist: labels under review, bulk orders --------------------------------------------


class LabelOrderKind(models.TextChoices):
    SUSPENSION = "suspension", _("Suspension of every label")
    SPECIAL_SURVEILLANCE = "special_surveillance", _("Special surveillance of every label")


class BlacklistLabelOrder(models.Model):
    """The regulator's bulk decision on the labels a listed body issued."""

    entry = models.ForeignKey(
        "audits.BlacklistEntry", on_delete=models.PROTECT, related_name="orders"
    )
    kind = models.CharField(_("order"), max_length=32, choices=LabelOrderKind.choices)
    reason = models.TextField(_("reason"))
    label_count = models.PositiveIntegerField(default=0)
    ordered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    ordered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "audits_blacklistlabelorder"
        ordering = ["-ordered_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.entry_id})"


class BlacklistLabelReview(models.Model):
    """A label issued by a body at the time it was listed, flagged for the regulator's review."""

    entry = models.ForeignKey(
        "audits.BlacklistEntry", on_delete=models.PROTECT, related_name="label_reviews"
    )
    label = models.ForeignKey(
        "labels.Label", on_delete=models.PROTECT, related_name="blacklist_reviews"
    )
    flagged_at = models.DateTimeField(default=timezone.now)
    # The regulator's orders on this label: at most one of each kind (suspension, then a
    # special surveillance, say).
    orders = models.ManyToManyField(BlacklistLabelOrder, blank=True, related_name="reviews")

    class Meta:
        db_table = "audits_blacklistlabelreview"
        ordering = ["entry", "label"]
        constraints = [
            models.UniqueConstraint(fields=["entry", "label"], name="one_review_per_listing"),
        ]

    def __str__(self) -> str:
        return f"{self.label_id} under review ({self.entry_id})"


# --- random sampling (双随机、一公开) ------------------------------------------------------


class SamplingStratum(models.TextChoices):
    NONE = "", _("None")
    BODY = "body", _("Certification body")
    CATEGORY = "category", _("Product category")


class SamplingDraw(models.Model):
    """One published draw: the seed and the population hash let anyone replay it."""

    seed = models.CharField(_("seed"), max_length=200)
    size = models.PositiveIntegerField(_("size"))
    stratify_by = models.CharField(
        _("stratified by"), max_length=16, blank=True, choices=SamplingStratum.choices
    )
    population_hash = models.CharField(_("population SHA-256"), max_length=64)
    population_size = models.PositiveIntegerField(_("population size"))
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    drawn_at = models.DateTimeField(_("drawn at"), default=timezone.now)

    class Meta:
        db_table = "audits_samplingdraw"
        ordering = ["-drawn_at", "-pk"]

    def __str__(self) -> str:
        return f"Draw {self.seed} ({self.drawn_at:%Y-%m-%d})"


class ReinspectionStatus(models.TextChoices):
    ASSIGNED = "assigned", _("Assigned")
    COMPLETED = "completed", _("Completed")


class ReinspectionOutcome(models.TextChoices):
    PENDING = "", _("Pending")
    CONFORMING = "conforming", _("Conforming")
    NONCONFORMING = "nonconforming", _("Nonconforming")


class ReinspectionAction(models.TextChoices):
    NONE = "", _("None")
    SUSPEND = "suspend", _("Suspend the certificate")
    WITHDRAW = "withdraw", _("Withdraw the certificate")


class SamplingItem(models.Model):
    """A drawn certificate and its re-inspection task, assigned to the drawn inspector."""

    draw = models.ForeignKey(SamplingDraw, on_delete=models.PROTECT, related_name="items")
    position = models.PositiveIntegerField()
    certificate = models.ForeignKey(
        "certification.Certificate", on_delete=models.PROTECT, related_name="sampling_items"
    )
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="sampling_items"
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ReinspectionStatus.choices,
        default=ReinspectionStatus.ASSIGNED,
    )
    findings = models.TextField(_("findings"), blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=16, blank=True, choices=ReinspectionOutcome.choices
    )
    action = models.CharField(
        _("action"), max_length=16, blank=True, choices=ReinspectionAction.choices
    )
    outcome_date = models.DateField(_("outcome date"), null=True, blank=True)
    recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "audits_samplingitem"
        ordering = ["draw", "position"]
        constraints = [
            models.UniqueConstraint(fields=["draw", "certificate"], name="one_item_per_draw"),
            models.UniqueConstraint(fields=["draw", "position"], name="unique_item_position"),
        ]

    def __str__(self) -> str:
        return f"{self.certificate} → {self.inspector}"


# Complaints and appeals live in their own modules; Django finds their models through here.
from .appeals.models import Appeal, AppealAttachment, AppealEvent  # noqa: E402, F401
from .complaints.models import Complaint, ComplaintEvent  # noqa: E402, F401
