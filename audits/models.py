"""The evaluation team, reviews of a dossier (evaluation record, findings, peer review), the
blacklist and the dashboard counts every app records into."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.uploads import UploadRecord


class ConflictDeclaration(models.TextChoices):
    PENDING = "pending", _("Not yet declared")
    NO_CONFLICT = "no_conflict", _("No conflict of interest")
    CONFLICT = "conflict", _("Conflict of interest declared")


class TeamMember(models.Model):
    """A member of the evaluation team. Every member declares on conflict of interest."""

    application = models.ForeignKey(
        "certification.Application", on_delete=models.CASCADE, related_name="team"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="team_memberships"
    )
    is_lead = models.BooleanField(_("team lead"), default=False)
    declaration = models.CharField(
        max_length=16, choices=ConflictDeclaration.choices, default=ConflictDeclaration.PENDING
    )
    declaration_note = models.TextField(blank=True)
    declared_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "certification_teammember"
        ordering = ["-is_lead", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["application", "user"], name="unique_team_member"),
        ]

    def __str__(self) -> str:
        return f"{self.user} on {self.application}"


class BlacklistEntry(models.Model):
    """A credit-punishment entry against a body, an enterprise or a person.

    Exactly one of organisation and person is set. Entries are never deleted: an entry ends by
    its `effective_to` date.
    """

    organisation = models.ForeignKey(
        "accounts.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="blacklist_entries",
        verbose_name=_("organisation"),
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="blacklist_entries",
        verbose_name=_("person"),
    )
    reason = models.TextField(_("reason"))
    source_document = models.CharField(_("source document"), max_length=300)
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective to"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    legal_basis = models.TextField(_("legal basis"), blank=True)
    # Delisting ends the entry and keeps it: the record of who listed and delisted stays.
    delisted_at = models.DateTimeField(_("delisted at"), null=True, blank=True)
    delisted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    delisting_reason = models.TextField(_("reason for delisting"), blank=True)
    # When the listing's effects beyond the gates ran (a body's open files frozen, its labels
    # flagged): once it is in force, at its creation or on the sweep of the day it starts.
    effects_applied_at = models.DateTimeField(null=True, blank=True)

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
    assurance_level = models.CharField(
        _("level of assurance"), max_length=16, choices=AssuranceLevel.choices, blank=True
    )
    materiality_threshold = models.DecimalField(
        _("materiality threshold (fraction)"),
        max_digits=5,
        decimal_places=4,
        null=True,
        blank=True,
    )
    opinion = models.CharField(_("opinion"), max_length=16, choices=Opinion.choices, blank=True)
    # A renewal's shortened procedure: what it skipped, and why, stays on the record.
    onsite_skipped_reason = models.TextField(
        _("on-site inspection skipped (renewal): reason"), blank=True
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Evaluation of {self.application}"

    @property
    def onsite_skipped(self) -> bool:
        """Only a renewal may skip the on-site inspection, and only with a recorded reason."""
        return bool(self.onsite_skipped_reason.strip()) and self.application.renews_id is not None

    def missing_items(self) -> list[str]:
        missing = [item for item in DocumentReviewItem.values if not self.checklist.get(item)]
        fields = [
            "onsite_date",
            "onsite_people",
            "onsite_observations",
            "verification_notes",
            "assurance_level",
            "materiality_threshold",
            "opinion",
        ]
        if self.onsite_skipped:
            fields = fields[3:]
        for field in fields:
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
    status = models.CharField(
        _("status"), max_length=16, choices=FindingStatus.choices, default=FindingStatus.OPEN
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    raised_at = models.DateTimeField(default=timezone.now)
    response = models.TextField(_("response"), blank=True)
    corrective_action = models.TextField(_("corrective action"), blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    responded_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    # Findings of a surveillance carry a deadline; unanswered past it, the certificate is
    # suspended by the supervision sweep.
    surveillance = models.ForeignKey(
        "oversight.Surveillance",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="findings",
    )
    due_on = models.DateField(_("answer due"), null=True, blank=True)

    class Meta:
        ordering = ["application", "number"]
        indexes = [
            models.Index(
                fields=["due_on"],
                name="finding_open_due",
                condition=Q(status="open", surveillance__isnull=False),
            ),
        ]
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
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="peer_reviews"
    )
    body = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="peer_reviews"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    assigned_at = models.DateTimeField(default=timezone.now)
    declaration = models.CharField(
        max_length=16, choices=ConflictDeclaration.choices, default=ConflictDeclaration.PENDING
    )
    declared_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(
        max_length=16, choices=PeerReviewOutcome.choices, default=PeerReviewOutcome.PENDING
    )
    comments = models.TextField(_("comments"), blank=True)
    is_current = models.BooleanField(default=True)

    class Meta:
        ordering = ["-assigned_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["application"], condition=Q(is_current=True), name="one_current_peer_review"
            ),
        ]

    def __str__(self) -> str:
        return f"Peer review of {self.application} by {self.reviewer}"


# --- after the certificate: surveillance, holder requests, notices ---------------------------


# --- blacklist: documents, documents -------------------------------


def blacklist_document_path(instance: "BlacklistDocument", filename: str) -> str:
    return f"blacklist/{instance.entry_id}/{instance.sha256}"


class BlacklistDocument(UploadRecord):
    """A document the listing rests on (decision, notice), checked by content at upload."""

    entry = models.ForeignKey(BlacklistEntry, on_delete=models.PROTECT, related_name="documents")
    file = models.FileField(upload_to=blacklist_document_path)

    class Meta:
        ordering = ["entry", "pk"]


class DashboardCount(models.Model):
    """The regulator's dashboard, counted once when the data changes: how many applications,
    steps left, decisions, findings, recomputations and label events fall in each (month,
    body, figure, key, days) cell. Written by `audits.dashboard.facts` from the services that
    change the data, in their transaction; read by GROUP BY over a few thousand rows at most.

    `month` is the first day of the local month the application was created in (the label
    event happened in, for `figure="label"`); `days` is the whole days elapsed, for the lead
    times (0 for the other figures)."""

    month = models.DateField()
    body = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    figure = models.CharField(max_length=16)
    key = models.CharField(max_length=32)
    days = models.IntegerField(default=0)
    total = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "body", "figure", "key", "days"], name="dashboard_count_cell"
            ),
        ]
        indexes = [models.Index(fields=["figure", "month"], name="dashboard_count_figure")]

    def __str__(self) -> str:
        return f"{self.month} {self.body_id} {self.figure} {self.key} {self.days}: {self.total}"


class ApplicationFacts(models.Model):
    """What one application contributes to `DashboardCount` now: the cells as
    [figure, key, days, count], with the month and body they were counted under. The next
    change of the application subtracts them and adds its new contribution."""

    application = models.OneToOneField(
        "certification.Application", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    month = models.DateField()
    body = models.ForeignKey("accounts.Organisation", on_delete=models.CASCADE, related_name="+")
    cells = models.JSONField(default=list)

    def __str__(self) -> str:
        return f"{self.application_id}: {len(self.cells)} cells"


# The audit chain and the transparency log live in their own modules; Django finds their models
# through here.

from .chain.models import AuditEntry, AuditHead  # noqa: E402, F401
from .transparency.models import LogEntry, LogHead, LogNode  # noqa: E402, F401
