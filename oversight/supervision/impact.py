"""The factor impact report: when a new emission factor library version is published, which
certificates in force would see their footprint move past the materiality threshold if their
certified inventory were recomputed with it.

Only certificates whose certified inventory uses a factor code the new version defines are
recomputed; every other line keeps the factor it was certified with.
"""

from collections import defaultdict
from dataclasses import dataclass, replace
from decimal import Decimal

from django.db.models import QuerySet

from certification.models import Certificate, CertificateStatus
from footprint import bridge, engine
from footprint.models import DatasetVersion, EmissionFactor, InventoryLine
from footprint.services import materiality_threshold


@dataclass(frozen=True)
class Impact:
    certificate: Certificate
    certified: Decimal
    recomputed: Decimal
    deviation: Decimal
    material: bool
    changed_factors: tuple[str, ...]

    @property
    def deviation_percent(self) -> str:
        return f"{self.deviation * 100:+.2f} %"


def factor_impact(
    *, version: DatasetVersion, certificates: QuerySet[Certificate] | None = None
) -> list[Impact]:
    """Every certificate in force (of `certificates`, default all) that the version touches,
    with its recomputed footprint; `material` marks those past the threshold."""
    new = {
        factor.code: factor
        for factor in EmissionFactor.objects.filter(version=version).select_related("version")
    }
    scope = (
        (certificates if certificates is not None else Certificate.objects.all())
        .filter(
            status__in=[CertificateStatus.VALID, CertificateStatus.SUSPENDED],
            dossier_version__inventory_lines__factor__code__in=list(new),
        )
        .distinct()
        .select_related("dossier_version", "product", "enterprise", "certification_body")
    )
    certificates_by_version = {c.dossier_version_id: c for c in scope}
    lines: dict[int, list[InventoryLine]] = defaultdict(list)
    for line in (
        InventoryLine.objects.filter(dossier_version_id__in=list(certificates_by_version))
        .select_related("factor")
        .order_by("position")
    ):
        lines[line.dossier_version_id].append(line)
    threshold = materiality_threshold()
    impacts = []
    for version_id, certificate in certificates_by_version.items():
        impact = _impact(certificate, lines[version_id], new, threshold)
        if impact is not None:
            impacts.append(impact)
    return sorted(impacts, key=lambda i: (not i.material, -abs(i.deviation), i.certificate.number))


def _impact(
    certificate: Certificate,
    lines: list[InventoryLine],
    new: dict[str, EmissionFactor],
    threshold: Decimal,
) -> Impact | None:
    changed = []
    core_lines = []
    for line in lines:
        core = bridge.core_line(line)
        replacement = new.get(line.factor.code) if line.factor is not None else None
        if replacement is not None and replacement.pk != line.factor_id:
            changed.append(replacement.code)
            core = replace(core, factor=bridge.core_factor(replacement))
        core_lines.append(core)
    if not changed:
        return None
    gwp_set = certificate.dossier_version.gwp_set or "AR6"
    try:
        result = engine.recompute(core_lines, bridge.gwp_values(gwp_set))
    except (engine.FootprintError, engine.UnitError, ValueError):
        return None  # units the new factor does not fit: the body sees it on surveillance
    certified = Decimal(certificate.declared_total)
    deviation = (result.total - certified) / certified if certified else Decimal(0)
    return Impact(
        certificate=certificate,
        certified=certified,
        recomputed=result.total.quantize(Decimal("0.000001")),
        deviation=deviation.quantize(Decimal("0.000001")),
        material=abs(deviation) > threshold,
        changed_factors=tuple(sorted(set(changed))),
    )
