"""Products, applications, dossiers, evidence, the event record and certificates."""

import uuid
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts.models import Scheme
from config.fields import DecimalDigits, PublicCharField, decimal_field
from config.uploads import UploadRecord
from footprint.models import GwpSet, Stage

from .identifiers import validate_gtin


class ProductCategory(models.Model):
    code = models.CharField(_("code"), max_length=32, unique=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    name_zh = models.CharField(_("Chinese name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100)
    level = models.CharField(_("level"), max_length=32)
    source = models.CharField(_("source"), max_length=300, blank=True)
    # Off by default: the national pilot asks one application per model, while EPD process
    # certification and many PCRs let one representative study cover a family of variants.
    allows_families = models.BooleanField(
        _("product rule allows families"),
        default=False,
        help_text=_(
            "Whether one application may cover a family of models: one representative "
            "footprint study, and each variant's value computed from its declared difference."
        ),
    )

    class Meta:
        ordering = ["code"]
        verbose_name_plural = _("product categories")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def name(self) -> str:
        return self.name_zh if (get_language() or "").startswith("zh") else self.name_en


class Product(models.Model):
    enterprise = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="products"
    )
    name = PublicCharField(_("product name"), max_length=200)
    model = PublicCharField(_("model / specification"), max_length=200)
    trademark = PublicCharField(_("trademark"), max_length=100, blank=True)
    manufacturer = PublicCharField(_("manufacturer"), max_length=200)
    plant_address = PublicCharField(_("plant address"), max_length=300)
    gtin = models.CharField(  # noqa: DJ001 - NULL (no GTIN) stays out of the unique constraint
        _("GTIN"), max_length=14, blank=True, null=True, validators=[validate_gtin], db_index=True
    )
    category = models.ForeignKey(
        ProductCategory,
        on_delete=models.PROTECT,
        related_name="products",
        verbose_name=_("category"),
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "model"]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "gtin"],
                condition=Q(gtin__isnull=False),
                name="unique_gtin_per_enterprise",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.model}"


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected at acceptance")
    PLANNED = "planned", _("Planned")
    IN_EVALUATION = "in_evaluation", _("In evaluation")
    AWAITING_ENTERPRISE = "awaiting_enterprise", _("Awaiting the enterprise")
    TECHNICAL_REVIEW = "technical_review", _("Technical review")
    PEER_REVIEW = "peer_review", _("Peer review")
    DECISION = "decision", _("Awaiting decision")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")
    WITHDRAWN = "withdrawn", _("Withdrawn")


TERMINAL_STATUSES = {Status.REJECTED, Status.APPROVED, Status.REFUSED, Status.WITHDRAWN}


class Application(models.Model):
    """One product model at one plant, under a scheme and product rule, to one body."""

    reference = models.CharField(_("reference"), max_length=32, unique=True, editable=False)
    enterprise = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=_("enterprise"),
    )
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="applications", verbose_name=_("product")
    )
    plant_address = PublicCharField(_("plant address"), max_length=300)
    scheme = models.CharField(_("scheme"), max_length=32, choices=Scheme.choices)
    product_rule_name = PublicCharField(_("product rule"), max_length=200)
    product_rule_version = models.CharField(_("product rule version"), max_length=32)
    certification_body = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="assigned_applications",
        verbose_name=_("certification body"),
    )
    status = models.CharField(
        _("status"), max_length=32, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # A renewal continues this certificate; its procedure may skip the on-site inspection.
    renews = models.ForeignKey(
        "Certificate",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="renewal_applications",
        verbose_name=_("renews certificate"),
    )
    # A sibling's certified dossier this application started from: copied, shown as such to
    # the reviewers, and verified again through the whole procedure.
    copied_from = models.ForeignKey(
        "Certificate",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="template_copies",
        verbose_name=_("dossier copied from"),
    )

    class Meta:
        ordering = ["-updated_at", "-pk"]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL_STATUSES


# A variant's declared value is the representative's verified value times its factor, kept to
# the six decimal places of every footprint figure.
VARIANT_QUANTUM = Decimal("0.000001")


class ApplicationVariant(models.Model):
    """Another model of the application's product family, under a product rule that allows
    families. Its declared value is not studied on its own: it is the representative's
    verified footprint scaled by `scaling_factor` (for instance the ratio of rated capacity or
    of mass), which the justification explains and the reviewers check."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="variants")
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="variant_of", verbose_name=_("product")
    )
    scaling_factor = models.DecimalField(
        _("scaling factor"),
        max_digits=12,
        decimal_places=6,
        validators=[MinValueValidator(VARIANT_QUANTUM)],
        help_text=_("The variant's footprint divided by the representative's."),
    )
    justification = models.TextField(_("justification of the difference"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["application", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "product"], name="unique_variant_per_application"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product} ({self.application})"

    def scaled(self, value: Decimal | str | float) -> Decimal:
        """value × scaling_factor, rounded half-even to six decimal places."""
        return (Decimal(str(value)) * self.scaling_factor).quantize(VARIANT_QUANTUM)


class ApplicationBatch(models.Model):
    """Draft applications an enterprise started together from one spreadsheet
    (certification/bulk.py). Its token is unique: confirming the same preview twice (a second
    press of the button) finds it taken and creates nothing more."""

    token = models.CharField(max_length=64, unique=True)
    enterprise = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    applications = models.ManyToManyField(Application, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = _("application batches")

    def __str__(self) -> str:
        return f"{self.file_name or self.token} ({self.created_at:%Y-%m-%d %H:%M})"


class UnitKind(models.TextChoices):
    FUNCTIONAL = "functional", _("Functional unit (full footprint)")
    DECLARED = "declared", _("Declared unit (partial footprint)")


class Boundary(models.TextChoices):
    CRADLE_TO_GRAVE = "cradle_to_grave", _("Cradle to grave")
    CRADLE_TO_GATE = "cradle_to_gate", _("Cradle to gate")


class ElectricityTreatment(models.TextChoices):
    GRID_AVERAGE = "grid_average", _("Grid average")
    SUPPLIER_SPECIFIC = "supplier_specific", _("Supplier-specific")
    RESIDUAL_MIX = "residual_mix", _("Residual mix")
    GREEN_CERTIFICATES = "green_certificates", _("Green power certificates")


# kgCO2e per declared unit.
FOOTPRINT_DIGITS = DecimalDigits(max_digits=18, decimal_places=6)


class DossierVersion(models.Model):
    """The GB/T 24067 study as structured fields. Submitting freezes a version; answering
    findings creates the next one, so reviewers can see what changed."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="dossier_versions"
    )
    number = models.PositiveIntegerField()
    frozen_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    goal = models.TextField(_("goal of the study"), blank=True)
    commissioner = models.CharField(_("commissioner"), max_length=200, blank=True)
    practitioner = models.CharField(_("practitioner"), max_length=200, blank=True)
    unit_kind = models.CharField(
        _("unit kind"), max_length=16, choices=UnitKind.choices, blank=True
    )
    unit_description = models.CharField(
        _("functional or declared unit"), max_length=200, blank=True
    )
    reference_flow = models.CharField(_("reference flow"), max_length=200, blank=True)
    boundary = models.CharField(
        _("system boundary"), max_length=32, choices=Boundary.choices, blank=True
    )
    stages_included = models.JSONField(_("stages included"), default=list, blank=True)
    stages_excluded = models.JSONField(
        _("stages excluded, with reasons"),
        default=list,
        blank=True,
        help_text=_("A list of {stage, reason}."),
    )
    cut_off_criteria = models.TextField(_("cut-off criteria"), blank=True)
    allocation_procedure = models.TextField(_("allocation procedure"), blank=True)
    reference_period_start = models.DateField(_("reference period start"), null=True, blank=True)
    reference_period_end = models.DateField(_("reference period end"), null=True, blank=True)
    geography = models.CharField(_("geography"), max_length=100, blank=True)
    gwp_set = models.CharField(_("GWP set"), max_length=8, choices=GwpSet.choices, blank=True)
    electricity_treatment = models.CharField(
        _("electricity treatment"),
        max_length=32,
        choices=ElectricityTreatment.choices,
        blank=True,
    )
    stage_results = models.JSONField(
        _("results per life-cycle stage (kgCO2e per unit)"), default=dict, blank=True
    )
    fossil_emissions = decimal_field(
        _("fossil GHG emissions"), FOOTPRINT_DIGITS, null=True, blank=True
    )
    biogenic_emissions = decimal_field(
        _("biogenic emissions"), FOOTPRINT_DIGITS, null=True, blank=True
    )
    biogenic_removals = decimal_field(
        _("biogenic removals"), FOOTPRINT_DIGITS, null=True, blank=True
    )
    land_use_change = decimal_field(
        _("direct land-use change"), FOOTPRINT_DIGITS, null=True, blank=True
    )
    aircraft_emissions = decimal_field(
        _("aircraft emissions"), FOOTPRINT_DIGITS, null=True, blank=True
    )
    data_quality_statement = models.TextField(_("data quality statement"), blank=True)
    uncertainty_statement = models.TextField(_("uncertainty statement"), blank=True)
    limitations = models.TextField(_("limitations"), blank=True)
    declared_total = decimal_field(
        _("declared footprint (kgCO2e per unit)"), FOOTPRINT_DIGITS, null=True, blank=True
    )
    files: "models.ManyToManyField[EvidenceFile, Any]" = models.ManyToManyField(
        "EvidenceFile", blank=True, related_name="dossier_versions"
    )

    class Meta:
        ordering = ["application", "number"]
        constraints = [
            models.UniqueConstraint(fields=["application", "number"], name="unique_version"),
        ]

    def __str__(self) -> str:
        return f"{self.application} v{self.number}"

    def clean(self) -> None:
        """The rules between fields, for every writer (the portal's form says the same per
        field, the API through this)."""
        errors: dict[str, list] = {}
        included = set(self.stages_included or [])
        known = {stage.value for stage in Stage}
        if self.declared_total is not None and self.declared_total < 0:
            errors["declared_total"] = [_("A footprint cannot be negative.")]
        start, end = self.reference_period_start, self.reference_period_end
        if start and end and end < start:
            errors["reference_period_end"] = [_("The period ends before it starts.")]
        for item in self.stages_excluded or []:
            stage = item.get("stage") if isinstance(item, dict) else None
            if stage not in known:
                errors.setdefault("stages_excluded", []).append(
                    _("Unknown stage %(stage)s.") % {"stage": stage}
                )
            elif stage in included:
                errors.setdefault("stages_excluded", []).append(
                    _("An included stage needs no reason for exclusion.")
                )
        for stage, figure in (self.stage_results or {}).items():
            if stage not in included:
                errors.setdefault("stage_results", []).append(
                    _("Include the stage %(stage)s to report a result for it.") % {"stage": stage}
                )
            elif not _within_footprint_digits(figure):
                errors.setdefault("stage_results", []).append(
                    _("%(stage)s: a number of at most 12 digits before the point and 6 after.")
                    % {"stage": stage}
                )
        if errors:
            raise ValidationError(errors)

    @property
    def is_frozen(self) -> bool:
        return self.frozen_at is not None


def _within_footprint_digits(figure: object) -> bool:
    """A finite decimal the dossier's other figures could hold (``FOOTPRINT_DIGITS``)."""
    try:
        value = Decimal(str(figure))
        places = FOOTPRINT_DIGITS["decimal_places"]
        limit = Decimal(10) ** (FOOTPRINT_DIGITS["max_digits"] - places)
        return (
            value.is_finite()
            and abs(value) < limit
            and value == value.quantize(Decimal(1).scaleb(-places))
        )
    except ArithmeticError:
        return False


class EvidenceKind(models.TextChoices):
    BUSINESS_LICENCE = "business_licence", _("Business licence")
    PROCESS_FLOW = "process_flow", _("Process flow chart")
    BILL_OF_MATERIALS = "bill_of_materials", _("Bill of raw and auxiliary materials")
    DATA_INVENTORY = "data_inventory", _("Footprint data inventory")
    STUDY_REPORT = "study_report", _("Footprint study report")
    REDUCTION_PLAN = "reduction_plan", _("Reduction plan")
    EVIDENCE = "evidence", _("Evidence (energy bills, meter readings)")
    OTHER = "other", _("Other")


REQUIRED_EVIDENCE = (
    EvidenceKind.BUSINESS_LICENCE,
    EvidenceKind.PROCESS_FLOW,
    EvidenceKind.BILL_OF_MATERIALS,
    EvidenceKind.DATA_INVENTORY,
    EvidenceKind.STUDY_REPORT,
    EvidenceKind.REDUCTION_PLAN,
)


def evidence_upload_path(instance: "EvidenceFile", filename: str) -> str:
    # The stored name never reuses the uploaded name: it is shown, not trusted.
    return f"evidence/{instance.application_id}/{uuid.uuid4().hex}"


class EvidenceFile(UploadRecord):
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="evidence_files"
    )
    kind = models.CharField(_("kind"), max_length=32, choices=EvidenceKind.choices)
    file = models.FileField(upload_to=evidence_upload_path)

    class Meta:
        ordering = ["kind", "uploaded_at"]


class ApplicationEvent(models.Model):
    """Append-only record of every transition: who, when, from, to, comment."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=64)
    from_status = models.CharField(max_length=32, choices=Status.choices)
    to_status = models.CharField(max_length=32, choices=Status.choices)
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.application} {self.action}"


class CertificateStatus(models.TextChoices):
    PENDING_LABEL = "pending_label", _("Approved, label pending")
    VALID = "valid", _("Valid")
    SUSPENDED = "suspended", _("Suspended")
    REVOKED = "revoked", _("Revoked")
    CANCELLED = "cancelled", _("Cancelled")
    EXPIRED = "expired", _("Expired")


class SurveillanceOutcome(models.TextChoices):
    """How a surveillance ended (oversight's `Surveillance.outcome`), and so the last outcome a
    certificate shows (`Certificate.last_surveillance_outcome`)."""

    CONTINUED = "continued", _("Certificate continued")
    SUSPENDED = "suspended", _("Certificate suspended")
    WITHDRAWN = "withdrawn", _("Certificate withdrawn")
    CANCELLED = "cancelled", _("Not held (certificate ended)")
    RENEWED = "renewed", _("Not held (replaced by the renewal)")


class Certificate(models.Model):
    application = models.OneToOneField(
        Application, on_delete=models.PROTECT, related_name="certificate"
    )
    number = models.CharField(_("certificate number"), max_length=64, unique=True)
    sequence = models.PositiveIntegerField()
    certification_body = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="certificates_issued"
    )
    enterprise = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="certificates_held"
    )
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="certificates")
    dossier_version = models.ForeignKey(DossierVersion, on_delete=models.PROTECT, related_name="+")
    scheme = models.CharField(_("scheme"), max_length=32, choices=Scheme.choices)
    declared_total = decimal_field(_("footprint (kgCO2e per unit)"), FOOTPRINT_DIGITS)
    issued_on = models.DateField(_("issue date"))
    valid_until = models.DateField(_("valid until"))
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=CertificateStatus.choices,
        default=CertificateStatus.PENDING_LABEL,
    )
    created_at = models.DateTimeField(default=timezone.now)
    renews = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="renewed_by",
        verbose_name=_("renews"),
    )

    # The rules in force when the certificate was issued (settings of that day).
    surveillance_interval_months = models.PositiveSmallIntegerField(default=12)
    surveillance_grace_days = models.PositiveSmallIntegerField(default=30)
    suspension_decision_days = models.PositiveSmallIntegerField(default=5)
    suspension_max_days = models.PositiveSmallIntegerField(default=180)
    renewal_window_days = models.PositiveSmallIntegerField(default=90)

    # What the public sees of supervision, written by the services that change it.
    next_surveillance_due = models.DateField(_("next surveillance due"), null=True, blank=True)
    last_surveillance_on = models.DateField(_("last surveillance"), null=True, blank=True)
    last_surveillance_outcome = models.CharField(
        _("last surveillance outcome"), max_length=16, blank=True
    )
    status_history = models.JSONField(_("public status history"), default=list, blank=True)

    # A suspension's clock: withdrawn when it is not lifted by `suspension_ends_on`.
    suspended_on = models.DateField(_("suspended on"), null=True, blank=True)
    suspension_reason_code = models.CharField(max_length=40, blank=True)
    suspension_ends_on = models.DateField(_("suspension ends on"), null=True, blank=True)
    voluntary_until = models.DateField(_("voluntary suspension until"), null=True, blank=True)

    class Meta:
        ordering = ["-issued_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["certification_body", "sequence"], name="unique_certificate_sequence"
            ),
        ]
        # The supervision sweep reads only the certificates that are due: each of its queries
        # is a range over one of these partial indexes, so its cost follows the due rows.
        indexes = [
            models.Index(
                fields=["valid_until"],
                name="certificate_active_until",
                condition=Q(status__in=["valid", "suspended"]),
            ),
            models.Index(
                fields=["suspension_ends_on"],
                name="certificate_suspension_ends",
                condition=Q(status="suspended"),
            ),
            models.Index(
                fields=["voluntary_until"],
                name="certificate_voluntary_until",
                condition=Q(status="suspended"),
            ),
        ]

    def __str__(self) -> str:
        return self.number


class Notification(models.Model):
    """An inbox item, which is also the outbox row for its e-mail: written in the same
    transaction as the transition, e-mailed by a task after commit."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    application = models.ForeignKey(
        Application, null=True, on_delete=models.CASCADE, related_name="notifications"
    )
    event = models.ForeignKey(
        ApplicationEvent, null=True, on_delete=models.CASCADE, related_name="notifications"
    )
    subject = models.CharField(max_length=200)
    body = models.TextField()
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    email_claimed_at = models.DateTimeField(null=True, blank=True)
    email_sent_at = models.DateTimeField(null=True, blank=True)
    # Supervision notices are gathered into one digest per recipient and day.
    digest_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["recipient", "read_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "digest_on"],
                condition=Q(digest_on__isnull=False),
                name="one_digest_per_recipient_and_day",
            ),
        ]

    def __str__(self) -> str:
        return self.subject
