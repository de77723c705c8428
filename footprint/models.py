"""The emission factor library, inventory lines and the platform's recomputation.

The tables keep the ``certification_*`` names they had when these models were the certification
app's (footprint migration 0001 took them over without moving a row).

A factor library is a set of datasets, each published in numbered versions. A published version
never changes: services refuse it, ``save()`` and ``delete()`` refuse it, and a database trigger
refuses an UPDATE behind both (certification migration 0003). Inventory lines point at factors
of published versions, so a newer version leaves every submitted dossier's result as it was.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.domain_errors import WorkflowError
from config.fields import DecimalDigits, decimal_field

__all__ = [
    "DatasetVersion",
    "DatasetVersionStatus",
    "DirectGas",
    "EmissionFactor",
    "EmissionFactorDataset",
    "GlobalWarmingPotential",
    "GwpSet",
    "InventoryLine",
    "PublishedVersionImmutable",
    "Recomputation",
    "Stage",
]

# Wide enough for a factor in kgCO2/TJ (56,100) and one in tCO2e/g alike; SQLite keeps 15
# significant digits of whatever is stored, PostgreSQL keeps all of them.
QUANTITY_DIGITS = DecimalDigits(max_digits=30, decimal_places=12)
SHARE_DIGITS = DecimalDigits(max_digits=13, decimal_places=12)
RATING_FIELDS = (
    "dq_technological",
    "dq_temporal",
    "dq_geographical",
    "dq_completeness",
    "dq_reliability",
)


class Stage(models.TextChoices):
    RAW_MATERIAL = "raw_material", _("Raw material acquisition")
    PRODUCTION = "production", _("Production")
    DISTRIBUTION = "distribution", _("Distribution")
    USE = "use", _("Use")
    END_OF_LIFE = "end_of_life", _("End of life")


class GwpSet(models.TextChoices):
    AR5 = "AR5", _("IPCC AR5 GWP100")
    AR6 = "AR6", _("IPCC AR6 GWP100")


class PublishedVersionImmutable(WorkflowError):
    """A published factor version, or one of its factors, was about to change."""

    code = "published_version_immutable"


class EmissionFactorDataset(models.Model):
    """A family of factors from one publisher, such as the MEE/NBS grid factors."""

    code = models.CharField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    publisher = models.CharField(_("publisher"), max_length=200)
    licence_note = models.TextField(_("licence note"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "certification_emissionfactordataset"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class DatasetVersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class DatasetVersion(models.Model):
    dataset = models.ForeignKey(
        EmissionFactorDataset, on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=DatasetVersionStatus.choices,
        default=DatasetVersionStatus.DRAFT,
    )
    change_note = models.TextField(_("what changed"), blank=True)
    source_digest = models.CharField(
        _("digest of the loaded file"),
        max_length=64,
        blank=True,
        help_text=_(
            "SHA-256 of the factors of the dataset file this version was loaded from; a file "
            "loaded again unchanged makes no new version."
        ),
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        db_table = "certification_datasetversion"
        ordering = ["dataset", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["dataset", "number"], name="unique_dataset_version_number"
            ),
            # One draft at a time, so two editors cannot publish diverging copies.
            models.UniqueConstraint(
                fields=["dataset"],
                condition=Q(status=DatasetVersionStatus.DRAFT),
                name="one_draft_per_dataset",
            ),
            models.CheckConstraint(
                condition=Q(status=DatasetVersionStatus.DRAFT) | Q(published_at__isnull=False),
                name="published_version_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dataset.code} v{self.number}"

    def save(self, *args, **kwargs) -> None:
        if getattr(self, "_status_in_database", None) == DatasetVersionStatus.PUBLISHED:
            raise PublishedVersionImmutable(_("A published factor version cannot change."))
        super().save(*args, **kwargs)
        self._status_in_database: str | None = self.status

    def delete(self, *args, **kwargs):
        if getattr(self, "_status_in_database", self.status) == DatasetVersionStatus.PUBLISHED:
            raise PublishedVersionImmutable(_("A published factor version cannot be deleted."))
        return super().delete(*args, **kwargs)

    @classmethod
    def from_db(cls, db, field_names, values):  # type: ignore[override]  # stubs: Django 6's fetch_mode, not in 5.2
        instance = super().from_db(db, field_names, values)
        # What the database holds, so save() can tell a published row from one being published.
        instance._status_in_database = instance.__dict__.get("status")
        return instance

    @property
    def is_published(self) -> bool:
        return self.status == DatasetVersionStatus.PUBLISHED


class EmissionFactor(models.Model):
    """One factor with its provenance, as the publisher gave it."""

    version = models.ForeignKey(DatasetVersion, on_delete=models.PROTECT, related_name="factors")
    code = models.CharField(
        _("code"),
        max_length=120,
        help_text=_("Dataset, data year and kind, such as CN-ELEC-CO2:2022:national_average."),
    )
    name = models.CharField(_("name"), max_length=300)
    region = models.CharField(_("region"), max_length=64, blank=True)
    data_year = models.PositiveSmallIntegerField(_("data year"), null=True, blank=True)
    publication_date = models.CharField(
        _("publication date"),
        max_length=10,
        blank=True,
        help_text=_("As published: YYYY, YYYY-MM or YYYY-MM-DD."),
    )
    publisher = models.CharField(_("publisher"), max_length=200)
    source = models.CharField(_("source"), max_length=500)
    licence_note = models.TextField(_("licence note"), blank=True)
    factor_kind = models.CharField(_("kind"), max_length=64)
    value = decimal_field(_("value"), QUANTITY_DIGITS)
    unit = models.CharField(_("unit"), max_length=32, help_text=_("Such as kgCO2e/kWh."))
    gas = models.CharField(_("gas"), max_length=8)
    gwp_set = models.CharField(
        _("GWP set of a CO2e factor"),
        max_length=8,
        blank=True,
        help_text=_("The set the publisher used to reach CO2e, when it says."),
    )

    class Meta:
        db_table = "certification_emissionfactor"
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="unique_factor_code"),
        ]
        indexes = [models.Index(fields=["code"], name="emission_factor_code_idx")]

    def __str__(self) -> str:
        return self.code

    def save(self, *args, **kwargs) -> None:
        if DatasetVersion.objects.filter(
            pk=self.version_id, status=DatasetVersionStatus.PUBLISHED
        ).exists():
            raise PublishedVersionImmutable(_("A factor of a published version cannot change."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if DatasetVersion.objects.filter(
            pk=self.version_id, status=DatasetVersionStatus.PUBLISHED
        ).exists():
            raise PublishedVersionImmutable(_("A factor of a published version cannot change."))
        return super().delete(*args, **kwargs)


class GlobalWarmingPotential(models.Model):
    """GWP100 of one gas in one IPCC set, loaded from the reference table."""

    gwp_set = models.CharField(_("GWP set"), max_length=8)
    gas = models.CharField(_("gas"), max_length=8)
    value = models.DecimalField(_("GWP100"), max_digits=12, decimal_places=4)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        db_table = "certification_globalwarmingpotential"
        ordering = ["gwp_set", "gas"]
        constraints = [
            models.UniqueConstraint(fields=["gwp_set", "gas"], name="unique_gwp_per_set"),
        ]

    def __str__(self) -> str:
        return f"{self.gwp_set} {self.gas} {self.value}"


class DirectGas(models.TextChoices):
    """Gases a line may give by mass, without a factor (the gases of the GWP table)."""

    CO2 = "CO2", "CO2"
    CH4 = "CH4", "CH4"
    N2O = "N2O", "N2O"


class InventoryLine(models.Model):
    """One activity of a dossier version's inventory: amount × factor, with its data quality.

    The factor is one of three, never two: a factor of the library (``factor``); the
    enterprise's or its supplier's own (``custom_factor_*``), which needs a justification and
    evidence and may name its source; or none, when the line is a mass of a greenhouse gas
    emitted (``direct_gas``), which the dossier's GWP set turns into CO2e.
    """

    dossier_version = models.ForeignKey(
        "certification.DossierVersion", on_delete=models.CASCADE, related_name="inventory_lines"
    )
    position = models.PositiveIntegerField(_("position"))
    stage = models.CharField(_("life-cycle stage"), max_length=32, choices=Stage.choices)
    name = models.CharField(_("process or flow"), max_length=300)
    amount = decimal_field(_("amount"), QUANTITY_DIGITS)
    unit = models.CharField(_("unit"), max_length=32)
    factor = models.ForeignKey(
        EmissionFactor,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inventory_lines",
        verbose_name=_("emission factor"),
    )
    custom_factor_value = decimal_field(
        _("enterprise-specific factor"), QUANTITY_DIGITS, null=True, blank=True
    )
    custom_factor_unit = models.CharField(
        _("unit of the enterprise-specific factor"), max_length=32, blank=True
    )
    custom_factor_evidence = models.ForeignKey(
        # RESTRICT: the file stays while a line relies on it, yet goes with its application.
        "certification.EvidenceFile",
        null=True,
        blank=True,
        on_delete=models.RESTRICT,
        related_name="+",
        verbose_name=_("evidence for the enterprise-specific factor"),
    )
    custom_factor_source = models.CharField(
        _("source of the enterprise-specific factor"),
        max_length=500,
        blank=True,
        help_text=_("Such as the supplier's EPD or report, its number and year."),
    )
    direct_gas = models.CharField(
        _("gas emitted"),
        max_length=8,
        blank=True,
        choices=DirectGas.choices,
        help_text=_(
            "For a line that is a mass of CO2, CH4 or N2O emitted: no factor, the dossier's "
            "GWP set converts it."
        ),
    )
    justification = models.TextField(
        _("justification"),
        blank=True,
        help_text=_(
            "Source of the data and why this factor applies; required for an "
            "enterprise-specific factor."
        ),
    )
    net_calorific_value = decimal_field(
        _("net calorific value"), QUANTITY_DIGITS, null=True, blank=True
    )
    net_calorific_value_unit = models.CharField(
        _("net calorific value unit"), max_length=32, blank=True
    )
    is_primary = models.BooleanField(_("primary data"), default=False)
    is_biogenic = models.BooleanField(_("biogenic"), default=False)
    dq_technological = models.PositiveSmallIntegerField(_("technological"), null=True, blank=True)
    dq_temporal = models.PositiveSmallIntegerField(_("temporal"), null=True, blank=True)
    dq_geographical = models.PositiveSmallIntegerField(_("geographical"), null=True, blank=True)
    dq_completeness = models.PositiveSmallIntegerField(_("completeness"), null=True, blank=True)
    dq_reliability = models.PositiveSmallIntegerField(_("reliability"), null=True, blank=True)
    uncertainty_gsd = models.DecimalField(
        _("geometric standard deviation"), null=True, blank=True, max_digits=12, decimal_places=6
    )
    uncertainty_relative_std = models.DecimalField(
        _("relative standard deviation"), null=True, blank=True, max_digits=12, decimal_places=6
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "certification_inventoryline"
        ordering = ["dossier_version", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["dossier_version", "position"], name="unique_inventory_position"
            ),
            models.CheckConstraint(
                condition=(
                    Q(
                        factor__isnull=False,
                        custom_factor_value__isnull=True,
                        custom_factor_unit="",
                        custom_factor_source="",
                        direct_gas="",
                    )
                    | (
                        Q(factor__isnull=True, custom_factor_value__isnull=False, direct_gas="")
                        & ~Q(custom_factor_unit="")
                        & ~Q(justification="")
                    )
                    | Q(
                        factor__isnull=True,
                        custom_factor_value__isnull=True,
                        custom_factor_unit="",
                        custom_factor_source="",
                        direct_gas__in=DirectGas.values,
                    )
                ),
                name="inventory_one_factor_custom_justified_or_gas",
            ),
            models.CheckConstraint(
                condition=Q(net_calorific_value__isnull=True, net_calorific_value_unit="")
                | (Q(net_calorific_value__gt=0) & ~Q(net_calorific_value_unit="")),
                name="inventory_calorific_value_with_unit",
            ),
            models.CheckConstraint(
                condition=Q(uncertainty_gsd__isnull=True) | Q(uncertainty_gsd__gte=1),
                name="inventory_gsd_at_least_one",
            ),
            models.CheckConstraint(
                condition=Q(uncertainty_relative_std__isnull=True)
                | Q(uncertainty_relative_std__gte=0),
                name="inventory_relative_std_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(uncertainty_gsd__isnull=True)
                | Q(uncertainty_relative_std__isnull=True),
                name="inventory_one_uncertainty",
            ),
            *(
                models.CheckConstraint(
                    condition=Q(**{f"{name}__isnull": True}) | Q(**{f"{name}__in": (1, 2, 3)}),
                    name=f"inventory_{name}_1_to_3",
                )
                for name in RATING_FIELDS
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dossier_version_id}#{self.position} {self.name}"

    @property
    def is_custom_factor(self) -> bool:
        return self.factor_id is None and not self.direct_gas

    @property
    def is_direct_gas(self) -> bool:
        return bool(self.direct_gas)


class Recomputation(models.Model):
    """The platform's recomputation of a dossier version, stored beside the declared figures.

    Figures are kgCO2e per declared or functional unit. ``by_stage`` and ``stage_deviations``
    hold decimal strings so nothing is rounded through floats; ``declared_*`` are snapshots of
    what the enterprise declared when this was computed.
    """

    dossier_version = models.OneToOneField(
        "certification.DossierVersion", on_delete=models.CASCADE, related_name="recomputation"
    )
    computed_at = models.DateTimeField(default=timezone.now)
    computed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    gwp_set = models.CharField(_("GWP set"), max_length=8, choices=GwpSet.choices)
    total = decimal_field(_("recomputed total"), QUANTITY_DIGITS)
    by_stage = models.JSONField(_("recomputed per stage"), default=dict)
    fossil = decimal_field(_("fossil"), QUANTITY_DIGITS)
    biogenic = decimal_field(_("biogenic"), QUANTITY_DIGITS)
    primary_data_share = decimal_field(_("primary data share"), SHARE_DIGITS, null=True, blank=True)
    declared_total = decimal_field(_("declared total"), QUANTITY_DIGITS, null=True, blank=True)
    declared_by_stage = models.JSONField(_("declared per stage"), default=dict)
    deviation = decimal_field(
        _("deviation"),
        QUANTITY_DIGITS,
        null=True,
        blank=True,
        help_text=_(
            "|declared − recomputed| / |declared|; empty when nothing was declared "
            "or the declared figure is zero."
        ),
    )
    stage_deviations = models.JSONField(_("deviation per stage"), default=dict)
    material = models.BooleanField(_("material deviation"), default=False)
    material_stages = models.JSONField(_("stages with a material deviation"), default=list)
    materiality = decimal_field(_("materiality threshold"), SHARE_DIGITS)
    uncertainty_mean = decimal_field(_("mean"), QUANTITY_DIGITS, null=True, blank=True)
    uncertainty_median = decimal_field(_("median"), QUANTITY_DIGITS, null=True, blank=True)
    uncertainty_p2_5 = decimal_field(_("2.5th percentile"), QUANTITY_DIGITS, null=True, blank=True)
    uncertainty_p97_5 = decimal_field(
        _("97.5th percentile"), QUANTITY_DIGITS, null=True, blank=True
    )
    uncertainty_draws = models.PositiveIntegerField(_("draws"), null=True, blank=True)
    uncertainty_seed = models.BigIntegerField(_("seed"), null=True, blank=True)
    lines_count = models.PositiveIntegerField(_("inventory lines"))

    class Meta:
        db_table = "certification_recomputation"
        ordering = ["-computed_at"]

    def __str__(self) -> str:
        return f"{self.dossier_version} recomputed {self.total}"
