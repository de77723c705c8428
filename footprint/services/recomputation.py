"""The platform's recomputation of a dossier version from its inventory, stored beside the
enterprise's declared figures, which it never touches."""

from decimal import Decimal, localcontext
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from config.domain_errors import WorkflowError

from .. import bridge, engine, montecarlo
from ..models import Recomputation
from ..selectors import inventory_lines_of
from ..units import UnitError

if TYPE_CHECKING:
    from footprint.dossiers import DossierVersionRecord

DEFAULT_MONTE_CARLO_DRAWS = 10_000


class RecomputationImpossible(WorkflowError):
    code = "recomputation_impossible"


def materiality_threshold() -> Decimal:
    return Decimal(str(getattr(settings, "MATERIALITY_THRESHOLD", engine.DEFAULT_MATERIALITY)))


def _quantity(value: Decimal | float | None, places: int = 12) -> Decimal | None:
    if value is None:
        return None
    number = Decimal(value)
    if not number.is_finite():
        return None
    with localcontext() as context:
        context.prec = 80
        return number.quantize(Decimal(1).scaleb(-places))


def recomputation_run(
    *, dossier_version: "DossierVersionRecord", actor: User | None = None
) -> Recomputation | None:
    """Recompute a version from its inventory and store the result beside its declared figures.

    Nothing is stored for a version without inventory lines. The Monte Carlo simulation is
    seeded with the version's id, so the same version always gives the same interval. The
    caller updates what it keeps of the result (the dashboard's counts) in its transaction.
    """
    version = dossier_version
    lines = list(inventory_lines_of(version))
    if not lines:
        return None
    if not version.gwp_set:
        raise RecomputationImpossible(
            _("The dossier names no GWP set, so the inventory cannot be recomputed.")
        )
    materiality = materiality_threshold()
    core_lines = [bridge.core_line(line) for line in lines]
    gwp = bridge.gwp_values(version.gwp_set)
    draws = int(getattr(settings, "FOOTPRINT_MONTE_CARLO_DRAWS", DEFAULT_MONTE_CARLO_DRAWS))
    try:
        result = engine.recompute(
            core_lines,
            gwp,
            declared_total=version.declared_total,
            declared_by_stage=bridge.declared_by_stage(version),
            materiality=materiality,
        )
        uncertainty = montecarlo.simulate(core_lines, gwp, draws=draws, seed=version.pk)
    except (engine.FootprintError, UnitError) as error:
        raise RecomputationImpossible(
            _(
                "The inventory cannot be recomputed: %(reason)s. The GWP table may need loading "
                "(manage.py load_factors)."
            )
            % {"reason": bridge.localised(error)}
        ) from error
    values = {
        "computed_at": timezone.now(),
        "computed_by": actor,
        "gwp_set": version.gwp_set,
        "total": _quantity(result.total),
        "by_stage": {stage: bridge.decimal_text(value) for stage, value in result.by_stage.items()},
        "fossil": _quantity(result.fossil),
        "biogenic": _quantity(result.biogenic),
        "primary_data_share": _quantity(result.primary_data_share),
        "declared_total": version.declared_total,
        "declared_by_stage": {
            stage: bridge.decimal_text(value)
            for stage, value in bridge.declared_by_stage(version).items()
        },
        "deviation": _quantity(result.deviation),
        "stage_deviations": {
            stage: bridge.decimal_text(value) for stage, value in result.stage_deviations.items()
        },
        "material": result.material,
        "material_stages": list(result.material_stages),
        "materiality": materiality,
        "uncertainty_mean": _quantity(uncertainty.mean, 9),
        "uncertainty_median": _quantity(uncertainty.median, 9),
        "uncertainty_p2_5": _quantity(uncertainty.p2_5, 9),
        "uncertainty_p97_5": _quantity(uncertainty.p97_5, 9),
        "uncertainty_draws": uncertainty.draws,
        "uncertainty_seed": uncertainty.seed,
        "lines_count": len(lines),
    }
    too_large = _too_large_to_record(values)
    if too_large:
        raise RecomputationImpossible(
            _(
                "The inventory gives figures too large to record (%(figures)s): check the "
                "amounts, units and uncertainties of its lines."
            )
            % {"figures": ", ".join(too_large)}
        )
    recomputation, _created = Recomputation.objects.update_or_create(
        dossier_version_id=version.pk, defaults=values
    )
    return recomputation


def _too_large_to_record(values: dict) -> list[str]:
    """The figures whose integer part has more digits than their column holds (an amount in
    the wrong unit, an absurd uncertainty): refused with a message, not a database error."""
    names = []
    for name, value in values.items():
        field = Recomputation._meta.get_field(name)
        if isinstance(value, Decimal) and isinstance(field, models.DecimalField):
            digits = (field.max_digits or 0) - (field.decimal_places or 0)
            if abs(value) >= Decimal(10) ** digits:
                names.append(str(field.verbose_name))
    return names


def recomputation_store_at_freeze(*, version: "DossierVersionRecord", actor: User) -> None:
    """Called by the status writer as a version is frozen (submit, resubmit), in its
    transaction: the stored result is the one of the version as submitted. A version without
    inventory lines gets none, and its submission goes ahead."""
    recomputation_run(dossier_version=version, actor=actor)
