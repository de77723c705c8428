"""The PACT footprint index: one row per exchanged label, written when the PACT endpoints are
first read after the label is issued (the reads call `footprints_index` first)."""

from collections import defaultdict

from footprint.bridge import gwp_values
from footprint.models import InventoryLine
from labels.models import Label

from . import identifiers, quality
from .models import Footprint
from .units import declared_unit

INDEX_BATCH = 200


def footprints_index() -> int:
    """Index every label that has no footprint row yet; the PACT reads call this first, so a
    label is served from its first request on. Costs one query when nothing is new.

    A product family's variant labels are not exchanged (yet): their figures are the
    representative's scaled, which the PACT representation does not compute, and their
    certificate's product is the representative's, whose chain they must not enter."""
    count = 0
    while True:
        labels = list(
            Label.objects.filter(pact_footprint__isnull=True, variant__isnull=True)
            .select_related("certificate__dossier_version")
            .order_by("pk")[:INDEX_BATCH]
        )
        if not labels:
            return count
        Footprint.objects.bulk_create(_index_rows(labels), ignore_conflicts=True)
        count += len(labels)
        if len(labels) < INDEX_BATCH:
            return count


def _index_rows(labels: list[Label]) -> list[Footprint]:
    versions = {label.certificate.dossier_version for label in labels}
    lines_by_version: dict[int, list[InventoryLine]] = defaultdict(list)
    for line in (
        InventoryLine.objects.filter(dossier_version__in=[version.pk for version in versions])
        .select_related("factor__version__dataset")
        .order_by("dossier_version_id", "position")
    ):
        lines_by_version[line.dossier_version_id].append(line)
    gwp_by_set = {
        gwp_set: gwp_values(gwp_set)
        for gwp_set in {version.gwp_set for version in versions if version.gwp_set}
    }
    rows = []
    for label in labels:
        version = label.certificate.dossier_version
        unit = declared_unit(version.unit_description, version.reference_flow)
        place = identifiers.geography(version.geography)
        lines = lines_by_version[version.pk]
        rows.append(
            Footprint(
                label=label,
                pf_id=identifiers.footprint_id(label.serial),
                declared_unit=unit.unit,
                declared_unit_amount=unit.amount,
                product_mass=unit.mass,
                v2_declared_unit=unit.v2_unit or "",
                v2_unitary_amount=unit.v2_amount,
                geography_country=place.country,
                geography_subdivision=place.subdivision,
                geography_region=place.region,
                data_quality=quality.data_quality(lines, gwp_by_set.get(version.gwp_set, {})),
                secondary_sources=quality.secondary_sources(lines),
            )
        )
    return rows
