"""Between the database and the pure core: model rows in, engine dataclasses out, and back.

Everything here reads; the writes are in the services package.
"""

from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from django.utils.translation import gettext

from . import engine, exporter, units
from .messages import Message
from .models import EmissionFactor, GlobalWarmingPotential, InventoryLine, Stage
from .selectors import factor_list_current, inventory_lines_of

if TYPE_CHECKING:
    from footprint.dossiers import DossierVersionRecord, EvidenceFileRecord

# What an enterprise-specific factor is called in messages about its unit.
CUSTOM_FACTOR_CODE = engine.SUPPLIER_FACTOR_CODE
# Column of the import file that reports a problem with each model field.
COLUMN_OF_FIELD = {
    "factor": "factor_code",
    "custom_factor_value": "factor_value",
    "custom_factor_unit": "factor_unit",
    "custom_factor_source": "factor_source",
    "custom_factor_evidence": "factor_evidence",
    "direct_gas": "gas",
    "net_calorific_value_unit": "ncv_unit",
}


def localised(error: Exception) -> str:
    """A problem of the core (a ``UnitError``, a ``FootprintError``) in the reader's language."""
    problem = getattr(error, "message", None)
    return problem.render(gettext) if isinstance(problem, Message) else str(error)


def core_factor(factor: EmissionFactor) -> engine.Factor:
    return engine.Factor(
        code=factor.code, value=Decimal(factor.value), unit=factor.unit, gas=factor.gas
    )


def line_factor(line: InventoryLine, *, with_evidence: bool = False) -> engine.Factor:
    """The line's factor, whichever of the three ways it is given.

    ``with_evidence`` adds the name of a supplier factor's evidence file, which exports need
    and computations do not (it costs a query unless the lines were read with it).
    """
    if line.factor is not None:
        return core_factor(line.factor)
    if line.direct_gas:
        return engine.direct_gas_factor(line.direct_gas)
    evidence = line.custom_factor_evidence if with_evidence else None
    assert line.custom_factor_value is not None  # a line has a factor, a gas or its own value
    return engine.Factor(
        code=CUSTOM_FACTOR_CODE,
        value=Decimal(line.custom_factor_value),
        unit=line.custom_factor_unit,
        kind=engine.SUPPLIER,
        source=line.custom_factor_source,
        evidence=evidence.original_name if evidence is not None else "",
    )


def core_line(line: InventoryLine, *, with_evidence: bool = False) -> engine.InventoryLine:
    factor = line_factor(line, with_evidence=with_evidence)
    return engine.InventoryLine(
        stage=line.stage,
        name=line.name,
        amount=Decimal(line.amount),
        unit=line.unit,
        factor=factor,
        net_calorific_value=line.net_calorific_value,
        net_calorific_value_unit=line.net_calorific_value_unit or None,
        is_primary=line.is_primary,
        is_biogenic=line.is_biogenic,
        technological=line.dq_technological,
        temporal=line.dq_temporal,
        geographical=line.dq_geographical,
        completeness=line.dq_completeness,
        reliability=line.dq_reliability,
        uncertainty_gsd=line.uncertainty_gsd,
        uncertainty_relative_std=line.uncertainty_relative_std,
        justification=line.justification,
    )


def model_line(
    core: engine.InventoryLine,
    factor: EmissionFactor | None = None,
    evidence: "EvidenceFileRecord | None" = None,
) -> InventoryLine:
    """An unsaved row for an imported line: its library ``factor``, or the supplier factor with
    its ``evidence`` file, or the gas it gives by mass."""
    supplier = core.factor.kind == engine.SUPPLIER
    return InventoryLine(
        stage=core.stage,
        name=core.name,
        amount=core.amount,
        unit=core.unit,
        factor=factor,
        custom_factor_value=core.factor.value if supplier else None,
        custom_factor_unit=core.factor.unit if supplier else "",
        custom_factor_source=core.factor.source if supplier else "",
        custom_factor_evidence_id=evidence.pk if supplier and evidence is not None else None,
        direct_gas=(core.factor.gas or "") if core.factor.kind == engine.DIRECT else "",
        justification=core.justification,
        net_calorific_value=core.net_calorific_value,
        net_calorific_value_unit=core.net_calorific_value_unit or "",
        is_primary=core.is_primary,
        is_biogenic=core.is_biogenic,
        dq_technological=core.technological,
        dq_temporal=core.temporal,
        dq_geographical=core.geographical,
        dq_completeness=core.completeness,
        dq_reliability=core.reliability,
        uncertainty_gsd=core.uncertainty_gsd,
        uncertainty_relative_std=core.uncertainty_relative_std,
    )


def gwp_values(gwp_set: str) -> dict[str, Decimal]:
    """The GWP100 set by name. CO2 is 1 by definition, whether or not the table is loaded."""
    values = {"CO2": Decimal(1)}
    values.update(
        GlobalWarmingPotential.objects.filter(gwp_set=gwp_set).values_list("gas", "value")
    )
    return values


def declared_by_stage(version: "DossierVersionRecord") -> dict[str, Decimal]:
    declared = {}
    for stage, text in (version.stage_results or {}).items():
        try:
            declared[stage] = Decimal(str(text))
        except InvalidOperation:
            continue  # the dossier form and API refuse such text; an old row is skipped
    return declared


def decimal_text(value: Decimal) -> str:
    """Plain decimal notation without trailing zeros: 12.09975, not 1.209975E+1."""
    if not value.is_finite():
        return str(value)
    text = format(value.normalize(), "f")
    return text


def preview(
    version: "DossierVersionRecord", lines: Iterable[InventoryLine], materiality: Decimal
) -> engine.Result:
    """The recomputation of a version as it stands, without storing anything."""
    return engine.recompute(
        [core_line(line) for line in lines],
        gwp_values(version.gwp_set or ""),
        declared_total=version.declared_total,
        declared_by_stage=declared_by_stage(version),
        materiality=materiality,
    )


def export_bytes(version: "DossierVersionRecord", file_format: str) -> bytes:
    lines = [core_line(line, with_evidence=True) for line in inventory_lines_of(version)]
    return exporter.export_xlsx(lines) if file_format == "xlsx" else exporter.export_csv(lines)


def template_bytes() -> bytes:
    """The blank template, its column notes in the reader's language."""
    codes = sorted(factor_list_current().values_list("code", flat=True))
    return exporter.build_template_xlsx(
        list(Stage.values), list(units.UNITS), codes, direct_gases(), translate=gettext
    )


def direct_gases() -> list[str]:
    """The gases a line may give by mass: those of the GWP table, CO2 always."""
    loaded = set(GlobalWarmingPotential.objects.values_list("gas", flat=True))
    return [gas for gas in units.DIRECT_GASES if gas == "CO2" or gas in loaded]


def stage_label(stage: str) -> str:
    try:
        return str(Stage(stage).label)
    except ValueError:
        return stage


def ordered_stages(*mappings: Mapping[str, object]) -> list[str]:
    """Standard stages in life-cycle order, then any other stage named in the mappings."""
    present = {stage for mapping in mappings for stage in mapping}
    standard = [stage for stage in Stage.values if stage in present]
    return standard + sorted(present - set(standard))
