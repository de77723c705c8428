"""A dossier's versions: the fields each holds, which is current, and the copy of one into the
next (after findings, at surveillance, for a renewal or a sibling's template)."""

from django.utils import timezone
from django.utils.translation import gettext as _

from footprint.models import InventoryLine

from .errors import GuardFailed
from .models import Application, DossierVersion

DOSSIER_FIELDS = (
    "goal",
    "commissioner",
    "practitioner",
    "unit_kind",
    "unit_description",
    "reference_flow",
    "boundary",
    "stages_included",
    "stages_excluded",
    "cut_off_criteria",
    "allocation_procedure",
    "reference_period_start",
    "reference_period_end",
    "geography",
    "gwp_set",
    "electricity_treatment",
    "stage_results",
    "fossil_emissions",
    "biogenic_emissions",
    "biogenic_removals",
    "land_use_change",
    "aircraft_emissions",
    "data_quality_statement",
    "uncertainty_statement",
    "limitations",
    "declared_total",
)


def current_dossier_version(application: Application) -> DossierVersion:
    version = application.dossier_versions.order_by("-number").first()
    if version is None:
        raise GuardFailed("dossier_complete", _("The application has no dossier."))
    return version


def dossier_version_open_next(application: Application) -> DossierVersion:
    """Copy the last frozen version into a new open one, with the same evidence files."""
    previous = current_dossier_version(application)
    version = DossierVersion.objects.create(application=application, number=previous.number + 1)
    dossier_copy_into(source=previous, target=version)
    return version


def dossier_copy_into(*, source: DossierVersion, target: DossierVersion) -> DossierVersion:
    """Fields, evidence files and inventory of `source` into the open version `target`, so
    corrective actions, surveillance data and renewals edit rather than retype."""
    for name in DOSSIER_FIELDS:
        setattr(target, name, getattr(source, name))
    target.save()
    target.files.set(source.files.all())
    target.inventory_lines.all().delete()
    lines = list(source.inventory_lines.order_by("position"))
    for line in lines:
        line.pk = None
        line.dossier_version = target
        line.created_at = timezone.now()
    InventoryLine.objects.bulk_create(lines)
    return target
