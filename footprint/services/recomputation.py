"""The platform's recomputation of a dossier version from its inventory, stored beside the
enterprise's declared figures, which it never touches."""

from decimal import Decimal, localcontext
from typing import TYPE_CHECKING

from django.conf import settings
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
    recomputation, _created = Recomputation.objects.update_or_create(
        dossier_version_id=version.pk, defaults=values
    )
    return recomputation


def recomputation_store_at_freeze(*, version: "DossierVersionRecord", actor: User) -> None:
    """Called by the status writer as a version is frozen (submit, resubmit), in its
    transaction: the stored result is the one of the version as submitted. A version without
    inventory lines gets none, and its submission goes ahead."""
    recomputation_run(dossier_version=version, actor=actor)
