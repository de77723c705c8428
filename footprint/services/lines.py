"""Writes to an inventory: its lines, checked field group by field group, and a copy of the
previous version's lines.

These work on a dossier version the caller has found open to its actor and holds the lock of
(`certification.inventory.services`), so the engine knows nothing of applications.
"""

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from config.domain_errors import TransitionNotAllowed

from .. import bridge
from ..models import RATING_FIELDS, DirectGas, InventoryLine, Stage
from ..selectors import factor_current_by_code
from ..units import ENERGY, MASS, VOLUME, UnitError, lookup, parse_factor_unit, parse_ratio_unit

if TYPE_CHECKING:
    from footprint.dossiers import DossierVersionRecord

LINE_FIELDS = (
    "stage",
    "name",
    "amount",
    "unit",
    "factor_code",
    "custom_factor_value",
    "custom_factor_unit",
    "custom_factor_source",
    "custom_factor_evidence",
    "direct_gas",
    "justification",
    "net_calorific_value",
    "net_calorific_value_unit",
    "is_primary",
    "is_biogenic",
    *RATING_FIELDS,
    "uncertainty_gsd",
    "uncertainty_relative_std",
)
TEXT_FIELDS = (
    "name",
    "unit",
    "custom_factor_unit",
    "custom_factor_source",
    "direct_gas",
    "justification",
    "net_calorific_value_unit",
)


def _refuse_unknown_fields(data: dict) -> None:
    unknown = set(data) - set(LINE_FIELDS)
    if unknown:
        raise ValidationError({name: _("Unknown inventory field.") for name in sorted(unknown)})


def _set_fields(line: InventoryLine, data: dict) -> None:
    for name, value in data.items():
        if name == "factor_code":
            continue
        if name in TEXT_FIELDS:
            value = (value or "").strip()
        setattr(line, name, value)


def _resolve_factor(line: InventoryLine, code: str | None, errors: dict) -> None:
    code = (code or "").strip()
    if not code:
        line.factor = None
        return
    if line.factor is not None and line.factor.code == code:
        # A changed code takes the latest published factor; an unchanged one keeps the
        # version the line was entered with, so editing a name never moves a figure.
        return
    factor = factor_current_by_code(code)
    if factor is None:
        errors["factor_code"] = _("No published emission factor has the code “%(code)s”.") % {
            "code": code
        }
    line.factor = factor


def _check_stage(line: InventoryLine, errors: dict) -> None:
    if line.stage not in Stage.values:
        errors["stage"] = _("Choose a life-cycle stage.")


def _normalise_unit(line: InventoryLine, errors: dict) -> None:
    try:
        line.unit = lookup(line.unit).symbol
    except UnitError as error:
        errors["unit"] = bridge.localised(error)


def _unit_fit_error(line: InventoryLine, factor_label: str, factor_unit: str) -> tuple[str, str]:
    """(field, message) when the amount's unit cannot be brought to the factor's, else ("", "").

    The same rule as the importer's: the dimensions agree, or a mass or volume of fuel meets a
    factor per energy through its net calorific value.
    """
    line_unit = lookup(line.unit)
    per_unit = parse_factor_unit(factor_unit).per_unit
    if line_unit.dimension == per_unit.dimension:
        return "", ""
    convertible = per_unit.dimension == ENERGY and line_unit.dimension in (MASS, VOLUME)
    if not convertible or line.net_calorific_value is None:
        message = _(
            "%(unit)s (%(dimension)s) does not fit factor %(factor)s, which is per "
            "%(per_unit)s (%(per_dimension)s)."
        ) % {
            "unit": line_unit.symbol,
            "dimension": line_unit.dimension,
            "factor": factor_label,
            "per_unit": per_unit.symbol,
            "per_dimension": per_unit.dimension,
        }
        if convertible:
            message += " " + _("Give a net calorific value to convert it.")
        return "unit", message
    calorific = parse_ratio_unit(line.net_calorific_value_unit)
    if calorific.numerator.dimension != ENERGY or (
        calorific.denominator.dimension != line_unit.dimension
    ):
        return "net_calorific_value_unit", _(
            "Give energy per %(dimension)s, as in GJ/t or MJ/m3."
        ) % {"dimension": line_unit.dimension}
    return "", ""


def _check_custom_factor(
    line: InventoryLine, version: "DossierVersionRecord", errors: dict
) -> None:
    if line.custom_factor_value is None:
        errors["custom_factor_value"] = _("Give the value of the factor.")
    if not line.custom_factor_unit:
        errors["custom_factor_unit"] = _("Give the unit of the factor, such as kgCO2e/kg.")
    else:
        try:
            parse_factor_unit(line.custom_factor_unit)
        except UnitError as error:
            errors["custom_factor_unit"] = bridge.localised(error)
    if not line.justification:
        errors["justification"] = _("Justify an enterprise-specific factor.")
    evidence = line.custom_factor_evidence
    if evidence is None:
        errors["custom_factor_evidence"] = _(
            "Attach the evidence for an enterprise-specific factor."
        )
    elif not version.files.filter(pk=evidence.pk).exists():
        errors["custom_factor_evidence"] = _("Choose one of this dossier version's evidence files.")


def _check_direct_gas(line: InventoryLine, errors: dict) -> None:
    if line.direct_gas not in DirectGas.values:
        errors["direct_gas"] = _("Choose CO2, CH4 or N2O.")
    elif line.direct_gas not in bridge.direct_gases():
        errors["direct_gas"] = _(
            "The GWP table has no value for %(gas)s (manage.py load_factors loads it)."
        ) % {"gas": line.direct_gas}
    if "unit" not in errors and lookup(line.unit).dimension != MASS:
        errors["unit"] = _(
            "A line that gives a gas is the mass emitted: use g, kg or t, not %(unit)s."
        ) % {"unit": line.unit}
    if line.net_calorific_value is not None or line.net_calorific_value_unit:
        errors["net_calorific_value"] = _("A line that gives a gas takes no net calorific value.")


def _has_custom_factor(line: InventoryLine) -> bool:
    return line.custom_factor_value is not None or bool(line.custom_factor_unit)


def _factor_choice_error(line: InventoryLine, custom: bool) -> tuple[str, str] | None:
    """(field, message) when the line takes more than one way to a factor, or none."""
    if line.direct_gas and (line.factor is not None or custom):
        return "direct_gas", _(
            "A line that gives a gas by mass has no factor: leave the factor fields empty."
        )
    if line.factor is not None and custom:
        return "factor_code", _(
            "Choose a library factor or give an enterprise-specific one, not both."
        )
    if line.factor is None and not custom and not line.direct_gas:
        return "factor_code", _(
            "Choose a factor from the library, give an enterprise-specific one, or name "
            "the gas whose mass the amount is."
        )
    return None


def _check_no_custom_extras(line: InventoryLine, errors: dict) -> None:
    if line.custom_factor_evidence is not None:
        errors["custom_factor_evidence"] = _("Evidence goes with an enterprise-specific factor.")
    if line.custom_factor_source:
        errors["custom_factor_source"] = _("A source goes with an enterprise-specific factor.")


def _check_factor_choice(
    line: InventoryLine, version: "DossierVersionRecord", errors: dict
) -> None:
    """One of the three ways to a factor, complete: a library factor, an enterprise-specific
    factor with its justification and evidence, or a gas whose mass the amount is."""
    custom = _has_custom_factor(line)
    choice_error = _factor_choice_error(line, custom)
    if choice_error is not None:
        # A factor code that named nothing already says what is wrong with the factor.
        errors.setdefault(*choice_error)
    elif custom:
        _check_custom_factor(line, version, errors)
    elif line.direct_gas:
        _check_direct_gas(line, errors)
    if not custom:
        _check_no_custom_extras(line, errors)


def _check_calorific_value(line: InventoryLine, errors: dict) -> None:
    if (line.net_calorific_value is None) != (not line.net_calorific_value_unit):
        field = (
            "net_calorific_value_unit"
            if line.net_calorific_value is not None
            else "net_calorific_value"
        )
        errors[field] = _("A net calorific value and its unit go together.")
        return
    if line.net_calorific_value is None:
        return
    if line.net_calorific_value <= 0:
        errors["net_calorific_value"] = _("A net calorific value is above zero.")
    try:
        parse_ratio_unit(line.net_calorific_value_unit)
    except UnitError as error:
        errors["net_calorific_value_unit"] = bridge.localised(error)


def _check_uncertainty(line: InventoryLine, errors: dict) -> None:
    if line.uncertainty_gsd is not None and line.uncertainty_gsd < 1:
        errors["uncertainty_gsd"] = _("A geometric standard deviation is at least 1.")
    if line.uncertainty_relative_std is not None and line.uncertainty_relative_std < 0:
        errors["uncertainty_relative_std"] = _("A relative standard deviation is not negative.")
    if line.uncertainty_gsd is not None and line.uncertainty_relative_std is not None:
        errors["uncertainty_relative_std"] = _(
            "Give a geometric standard deviation or a relative one, not both."
        )


def _check_ratings(line: InventoryLine, errors: dict) -> None:
    for name in RATING_FIELDS:
        if getattr(line, name) not in (None, 1, 2, 3):
            errors[name] = _("Rate data quality 1 (good), 2 (fair) or 3 (poor).")


def _check_unit_fit(line: InventoryLine, errors: dict) -> None:
    """Only for a line whose fields are otherwise right: the amount's unit meets its factor's."""
    if line.direct_gas:
        return
    factor_unit = line.factor.unit if line.factor is not None else line.custom_factor_unit
    label = line.factor.code if line.factor is not None else bridge.CUSTOM_FACTOR_CODE
    field, message = _unit_fit_error(line, label, factor_unit)
    if field:
        errors[field] = message


def inventory_line_apply(line: InventoryLine, data: dict, version: "DossierVersionRecord") -> None:
    """Set the fields from `data` and check them all, raising one ValidationError by field."""
    _refuse_unknown_fields(data)
    errors: dict[str, str] = {}
    _set_fields(line, data)
    if "factor_code" in data:
        _resolve_factor(line, data["factor_code"], errors)
    _check_stage(line, errors)
    _normalise_unit(line, errors)
    _check_factor_choice(line, version, errors)
    _check_calorific_value(line, errors)
    _check_uncertainty(line, errors)
    _check_ratings(line, errors)
    if not errors:
        _check_unit_fit(line, errors)
    if errors:
        raise ValidationError(errors)
    line.full_clean(
        exclude=["dossier_version", "factor", "custom_factor_evidence"],
        validate_unique=False,
        validate_constraints=False,
    )


# --- writes to an open version, under the caller's lock -----------------------------------


def inventory_line_add(*, version: "DossierVersionRecord", data: dict) -> InventoryLine:
    last = version.inventory_lines.aggregate(Max("position"))["position__max"] or 0
    line = InventoryLine(dossier_version_id=version.pk, position=last + 1)
    inventory_line_apply(line, dict(data), version)
    line.save()
    return line


def _line_of_open_version(line: InventoryLine, version: "DossierVersionRecord") -> InventoryLine:
    locked = InventoryLine.objects.select_for_update(no_key=True).filter(pk=line.pk).first()
    if locked is None:
        raise TransitionNotAllowed(_("This inventory line no longer exists."))
    if locked.dossier_version_id != version.pk:
        raise TransitionNotAllowed(_("This line belongs to a frozen dossier version."))
    return locked


def inventory_line_change(
    *, version: "DossierVersionRecord", line: InventoryLine, data: dict
) -> InventoryLine:
    line = _line_of_open_version(line, version)
    inventory_line_apply(line, dict(data), version)
    line.save()
    return line


def inventory_line_remove(*, version: "DossierVersionRecord", line: InventoryLine) -> None:
    _line_of_open_version(line, version).delete()


def inventory_lines_copy(
    *, version: "DossierVersionRecord", previous: "DossierVersionRecord | None"
) -> int:
    """Fill `version`'s empty inventory with the lines of `previous`.

    Factors stay the ones those lines used, and the evidence files were carried over with the
    version.
    """
    if version.inventory_lines.exists():
        raise TransitionNotAllowed(_("The inventory of this version is not empty."))
    source = list(previous.inventory_lines.order_by("position")) if previous else []
    if not source:
        raise TransitionNotAllowed(_("No earlier version has inventory lines."))
    for line in source:
        line.pk = None
        line.dossier_version = version
        line.created_at = timezone.now()
    InventoryLine.objects.bulk_create(source)
    return len(source)
