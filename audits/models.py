"""Reviews of a dossier (evaluation record, findings, peer review) and the blacklist."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from certification.models import ConflictDeclaration


class BlacklistEntry(models.Model):
    """A credit-punishment entry against a body, an enterprise or a person.

    Exactly one of organisation and person is set. Entries are never deleted: an entry ends by
    its `effective_to` date.
    """

    organisation = models.ForeignKey(
        "accounts.Organisation", null=True, blank=True, on_delete=models.PROTECT,
        related_name="blacklist_entries", verbose_name=_("organisation"),
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="blacklist_entries", verbose_name=_("person"),
    )
    reason = models.TextField(_("reason"))
    source_document = models.CharField(_("source document"), max_length=300)
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective to"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-effective_from", "-pk"]
        verbose_name_plural = _("blacklist entries")
        constraints = [
            models.CheckConstraint(
                condition=(Q(organisation__isnull=False) & Q(person__isnull=True))
                | (Q(organisation__isnull=True) & Q(person__isnull=False)),
                name="blacklist_one_subject",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} ({self.source_document})"

    @property
    def subject(self) -> object:
        return self.organisation or self.person


class AssuranceLevel(models.TextChoices):
    LIMITED = "limited", _("Limited")
    REASONABLE = "reasonable", _("Reasonable")


class Opinion(models.TextChoices):
    UNMODIFIED = "unmodified", _("Unmodified")
    MODIFIED = "modified", _("Modified")
    ADVERSE = "adverse", _("Adverse")
    DISCLAIMER = "disclaimer", _("Disclaimer")


class DocumentReviewItem(models.TextChoices):
    UNIT = "unit", _("Functional or declared unit and reference flow are defined")
    BOUNDARY = "boundary", _("System boundary and excluded stages are justified")
    CUT_OFF = "cut_off", _("Cut-off criteria and allocation follow the product rule")
    DATA = "data", _("Data sources, factors and reference period are documented")
    QUALITY = "quality", _("Data quality and uncertainty are assessed")
    RESULTS = "results", _("Results per stage add up to the declared total")


class Evaluation(models.Model):
    """The evaluation team's record: document review, on-site inspection, verification."""

    application = models.OneToOneField(
        "certification.Application", on_delete=models.CASCADE, related_name="evaluation"
    )
    checklist = models.JSONField(_("document review checklist"), default=dict, blank=True)
    onsite_date = models.DateField(_("on-site inspection date"), null=True, blank=True)
    onsite_people = models.TextField(_("people met on site"), blank=True)
    onsite_observations = models.TextField(_("on-site observations"), blank=True)
    verification_notes = models.TextField(_("verification notes"), blank=True)
    assurance_level = models.CharField(_("level of assurance"), max_length=16,
                                       choices=AssuranceLevel.choices, blank=True)
    materiality_threshold = models.DecimalField(
        _("materiality threshold (fraction)"), max_digits=5, decimal_places=4,
        null=True, blank=True,
    )
    opinion = models.CharField(_("opinion"), max_length=16, choices=Opinion.choices, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT,
                                   related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Evaluation of {self.application}"

    def missing_items(self) -> list[str]:
        missing = [item for item in DocumentReviewItem.values if not self.checklist.get(item)]
        for field in ("onsite_date", "onsite_people", "onsite_observations",
                      "verification_notes", "assurance_level", "materiality_threshold",
                      "opinion"):
            if getattr(self, field) in (None, ""):
                missing.append(field)
        return missing


class Severity(models.TextChoices):
    MAJOR = "major", _("Major nonconformity")
    MINOR = "minor", _("Minor nonconformity")
    OBSERVATION = "observation", _("Observation")


class FindingStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", _("Closed")


class Finding(models.Model):
    application = models.ForeignKey(
        "certification.Application", on_delete=models.CASCADE, related_name="findings"
    )
    dossier_version = models.ForeignKey(
        "certification.DossierVersion", on_delete=models.PROTECT, related_name="findings"
    )
    number = models.PositiveIntegerField()
    severity = models.CharField(_("severity"), max_length=16, choices=Severity.choices)
    clause = models.CharField(_("clause"), max_length=100, blank=True)
    description = models.TextField(_("description"))
    status = models.CharField(_("status"), max_length=16, choices=FindingStatus.choices,
                              default=FindingStatus.OPEN)
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="+")
    raised_at = models.DateTimeField(default=timezone.now)
    response = models.TextField(_("response"), blank=True)
    corrective_action = models.TextField(_("corrective action"), blank=True)
    responded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    responded_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["application", "number"]
        constraints = [
            models.UniqueConstraint(fields=["application", "number"], name="unique_finding"),
        ]

    def __str__(self) -> str:
        return f"{self.application} F{self.number}"


class PeerReviewOutcome(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT_BACK = "sent_back", _("Sent back to evaluation")
    ENDORSED = "endorsed", _("Endorsed")


class PeerReview(models.Model):
    """A reviewer from a second, independent body reviews the file before the decision."""

    application = models.ForeignKey(
        "certification.Application", on_delete=models.CASCADE, related_name="peer_reviews"
    )
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 related_name="peer_reviews")
    body = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT,
                             related_name="peer_reviews")
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    assigned_at = models.DateTimeField(default=timezone.now)
    declaration = models.CharField(max_length=16, choices=ConflictDeclaration.choices,
                                   default=ConflictDeclaration.PENDING)
    declared_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=16, choices=PeerReviewOutcome.choices,
                               default=PeerReviewOutcome.PENDING)
    comments = models.TextField(_("comments"), blank=True)
    is_current = models.BooleanField(default=True)

    class Meta:
        ordering = ["-assigned_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["application"], condition=Q(is_current=True),
                                    name="one_current_peer_review"),
        ]

    def __str__(self) -> str:
        return f"Peer review of {self.application} by {self.reviewer}"


# Complaints and appeals live in their own modules; Django finds their models through here.
from .appeals.models import Appeal, AppealAttachment, AppealEvent  # noqa: E402, F401
from .complaints.models import Complaint, ComplaintEvent  # noqa: E402, F401
