"""Writes to the factor library, inventories and recomputations.

Library edits are for platform administrators and regulators, and only on drafts: publishing
makes a version immutable. Inventory edits follow the dossier's rule (the enterprise's people,
on the open version). The recomputation is stored when a version is frozen and when the team
asks for it again; the enterprise's declared figures are never touched.
"""

import csv
from dataclasses import dataclass
from decimal import Decimal, localcontext
from pathlib import Path, PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from audits.dashboard import facts as dashboard_facts
from certification.errors import ActorNotPermitted, TransitionNotAllowed, WorkflowError
from certification.models import Application, DossierVersion, GwpSet, Stage
from certification.services import dossier_editable_version
from certification.workflow import Actor, actor_relations

from . import bridge, engine, montecarlo
from .dataset_reader import FactorDataset, parse_factor_dataset
from .importer import ImportErrors, ImportIssue, parse_inventory
from .models import (
    RATING_FIELDS,
    DatasetVersion,
    DatasetVersionStatus,
    DirectGas,
    EmissionFactor,
    EmissionFactorDataset,
    GlobalWarmingPotential,
    InventoryLine,
    Recomputation,
)
from .selectors import (
    factor_current_by_code,
    factors_current_by_code,
    inventory_lines_of,
    user_can_edit_factor_library,
)
from .spreadsheet_reader import DEFAULT_MAX_BYTES
from .units import ENERGY, MASS, VOLUME, UnitError, lookup, parse_factor_unit, parse_ratio_unit

IMPORT_SUFFIXES = {".xlsx", ".csv"}
DEFAULT_MONTE_CARLO_DRAWS = 10_000


class RecomputationImpossible(WorkflowError):
    code = "recomputation_impossible"


# --- the factor library -------------------------------------------------------------------

FACTOR_FIELDS = (
    "code",
    "name",
    "region",
    "data_year",
    "publication_date",
    "publisher",
    "source",
    "licence_note",
    "factor_kind",
    "value",
    "unit",
    "gwp_set",
)


@dataclass(frozen=True)
class LibraryLoadSummary:
    datasets_created: int
    factors_created: int
    datasets_unchanged: int
    gwp_values: int


def _ensure_library_editor(actor: User) -> None:
    if not user_can_edit_factor_library(actor):
        raise ActorNotPermitted(
            _("Only platform administrators and regulators edit the factor library.")
        )


def _reference_rows(path: Path) -> dict[str, list[dict]]:
    """Rows of emission_factors.csv by dataset, with "same" sources spelled out."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    by_dataset: dict[str, list[dict]] = {}
    source = ""
    for row in rows:
        # The file writes "same" (or "same (Hebei)") for the previous row's source.
        note = row["source_note"].strip()
        if note.startswith("same"):
            note = f"{source}{note[len('same') :]}"
        else:
            source = note
        by_dataset.setdefault(row["dataset"].strip(), []).append({**row, "source_note": note})
    return by_dataset


def _factor_codes(dataset: str, rows: list[dict]) -> list[str]:
    """`dataset:year:kind`, with `:region` added where that alone would repeat."""
    bases = [
        f"{dataset}:{(row['data_year'] or row['published'])[:4]}:{row['factor_kind']}"
        for row in rows
    ]
    return [
        f"{base}:{row['region']}" if bases.count(base) > 1 else base
        for base, row in zip(bases, rows, strict=True)
    ]


def _factor_from_reference(
    version: DatasetVersion, code: str, row: dict, licence_note: str
) -> EmissionFactor:
    unit = row["unit"].strip()
    kind = row["factor_kind"].strip()
    return EmissionFactor(
        version=version,
        code=code,
        name=f"{row['scope'].strip()}: {kind.replace('_', ' ')}",
        region=row["region"].strip(),
        data_year=int(row["data_year"]) if row["data_year"].strip() else None,
        publication_date=row["published"].strip(),
        publisher=row["publisher"].strip(),
        source=row["source_note"],
        licence_note=licence_note,
        factor_kind=kind,
        value=Decimal(row["value"].strip()),
        unit=unit,
        gas=parse_factor_unit(unit).gas,
    )


@transaction.atomic
def factor_library_load(
    *, factors_csv: Path, gwp_csv: Path, actor: User | None = None
) -> LibraryLoadSummary:
    """Load the reference tables: each dataset once, as its published version 1.

    A dataset already in the database is left alone, so running this again (every `make run`)
    never reverts what editors published since.
    """
    if actor is not None:
        _ensure_library_editor(actor)
    created = factors = unchanged = 0
    for code, rows in _reference_rows(factors_csv).items():
        first = rows[0]
        # Stored notes are data, kept in one language, not interface text to translate.
        dataset, _is_new = EmissionFactorDataset.objects.get_or_create(
            code=code,
            defaults={
                "name": first["scope"].strip(),
                "publisher": first["publisher"].strip(),
                "licence_note": f"Published reference data ({first['publisher'].strip()}); "
                "cite the source when reusing a factor.",
            },
        )
        if dataset.versions.exists():
            unchanged += 1
            continue
        version = DatasetVersion.objects.create(
            dataset=dataset,
            number=1,
            created_by=actor,
            change_note=f"Loaded from {factors_csv.name} of the shipped reference data.",
        )
        new_factors = [
            _factor_from_reference(version, factor_code, row, dataset.licence_note)
            for factor_code, row in zip(_factor_codes(code, rows), rows, strict=True)
        ]
        EmissionFactor.objects.bulk_create(new_factors)
        _publish(version, actor)
        created += 1
        factors += len(new_factors)
    return LibraryLoadSummary(
        datasets_created=created,
        factors_created=factors,
        datasets_unchanged=unchanged,
        gwp_values=_gwp_load(gwp_csv),
    )


def _gwp_load(path: Path) -> int:
    sets = engine.load_gwp_sets(path)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        notes = {
            row["gas"].strip(): (row.get("note") or "").strip() for row in csv.DictReader(handle)
        }
    count = 0
    for gwp_set, values in sets.items():
        for gas, value in values.items():
            GlobalWarmingPotential.objects.update_or_create(
                gwp_set=gwp_set,
                gas=gas,
                defaults={"value": value, "note": notes.get(gas, "")[:300]},
            )
            count += 1
    return count


@dataclass(frozen=True)
class DatasetLoadOutcome:
    """What loading one dataset file did: a new version (``created``), or nothing because the
    version numbered ``number`` was loaded from the same factors already."""

    dataset: str
    number: int
    factors: int
    created: bool
    published: bool


def _default_licence_note(publisher: str) -> str:
    # Stored notes are data, kept in one language, not interface text to translate.
    return f"Published reference data ({publisher}); cite the source when reusing a factor."


# Column of a dataset file that reports a problem with each model field.
DATASET_COLUMN_OF_FIELD = {"code": "dataset", "name": "dataset_name"}
FACTOR_COLUMN_OF_FIELD = {"publication_date": "published"}


def _dataset_factors(parsed: FactorDataset) -> list[EmissionFactor]:
    """Unsaved factors of a parsed file; the database's field limits checked row by row."""
    factors: list[EmissionFactor] = []
    issues: list[ImportIssue] = []
    dataset = EmissionFactorDataset(code=parsed.code, name=parsed.name)
    try:
        dataset.clean_fields(exclude=["publisher", "created_at"])
    except ValidationError as error:
        first_row = parsed.factors[0].row
        issues.extend(
            ImportIssue(first_row, DATASET_COLUMN_OF_FIELD[field], " ".join(texts))
            for field, texts in error.message_dict.items()
        )
    for row in parsed.factors:
        factor = EmissionFactor(
            code=row.code,
            name=row.name,
            region=row.region,
            data_year=row.data_year,
            publication_date=row.published,
            publisher=row.publisher,
            source=row.source,
            licence_note=row.licence_note,
            factor_kind=row.factor_kind,
            value=row.value,
            unit=row.unit,
            gas=row.gas,
            gwp_set=row.gwp_set,
        )
        try:
            factor.clean_fields(exclude=["version"])
        except ValidationError as error:
            issues.extend(
                ImportIssue(row.row, FACTOR_COLUMN_OF_FIELD.get(field, field), " ".join(texts))
                for field, texts in error.message_dict.items()
            )
        factors.append(factor)
    if issues:
        raise ImportErrors(issues)
    return factors


@transaction.atomic
def factor_dataset_load(
    *, content: bytes, file_name: str, publish: bool = True, actor: User | None = None
) -> DatasetLoadOutcome:
    """Load a dataset file (``dataset_reader``'s format) as the next version of its dataset.

    A file with any problem raises ``ImportErrors`` and writes nothing. A file whose factors a
    version of the dataset was loaded from already changes nothing, so loading again is
    harmless and never replaces what editors published since. Otherwise the factors become a
    new version, published unless ``publish`` is false (then a draft for the editors to check
    and publish in the portal); an open draft of the dataset stops the load.
    """
    if actor is not None:
        _ensure_library_editor(actor)
    parsed = parse_factor_dataset(content, gwp_sets=GwpSet.values)
    factors = _dataset_factors(parsed)
    digest = parsed.digest()
    licence_note = next(
        (factor.licence_note for factor in factors if factor.licence_note),
        _default_licence_note(parsed.publisher),
    )
    # The dataset row is the lock every load and every new draft of this dataset takes.
    dataset, _created = EmissionFactorDataset.objects.select_for_update(no_key=True).get_or_create(
        code=parsed.code,
        defaults={
            "name": parsed.name,
            "publisher": parsed.publisher,
            "licence_note": licence_note,
        },
    )
    loaded = dataset.versions.filter(source_digest=digest).order_by("number").first()
    if loaded is not None:
        return DatasetLoadOutcome(
            dataset=dataset.code,
            number=loaded.number,
            factors=len(factors),
            created=False,
            published=loaded.is_published,
        )
    draft = dataset.versions.filter(status=DatasetVersionStatus.DRAFT).first()
    if draft is not None:
        raise TransitionNotAllowed(
            _("Version %(number)s of %(dataset)s is a draft: publish or discard it first.")
            % {"number": draft.number, "dataset": dataset.code}
        )
    number = (dataset.versions.aggregate(Max("number"))["number__max"] or 0) + 1
    version = DatasetVersion.objects.create(
        dataset=dataset,
        number=number,
        created_by=actor,
        change_note=f"Loaded from {file_name}.",
        source_digest=digest,
    )
    for factor in factors:
        factor.version = version
    EmissionFactor.objects.bulk_create(factors)
    if publish:
        _publish(version, actor)
    return DatasetLoadOutcome(
        dataset=dataset.code,
        number=number,
        factors=len(factors),
        created=True,
        published=publish,
    )


def _locked_draft(version: DatasetVersion) -> DatasetVersion:
    # Every draft edit locks the version row first, so an edit cannot land after (or while)
    # the same version is published.
    version = (
        DatasetVersion.objects.select_for_update(no_key=True)
        .select_related("dataset")
        .get(pk=version.pk)
    )
    if version.status != DatasetVersionStatus.DRAFT:
        raise TransitionNotAllowed(
            _("A published factor version cannot change; create a new draft instead.")
        )
    return version


@transaction.atomic
def dataset_version_create_draft(
    *, actor: User, dataset: EmissionFactorDataset, change_note: str = ""
) -> DatasetVersion:
    """A new draft version holding a copy of the latest published factors."""
    _ensure_library_editor(actor)
    dataset = EmissionFactorDataset.objects.select_for_update(no_key=True).get(pk=dataset.pk)
    existing = dataset.versions.filter(status=DatasetVersionStatus.DRAFT).first()
    if existing is not None:
        raise TransitionNotAllowed(
            _("Version %(number)s of %(dataset)s is a draft already.")
            % {"number": existing.number, "dataset": dataset.code}
        )
    latest = (
        dataset.versions.filter(status=DatasetVersionStatus.PUBLISHED).order_by("-number").first()
    )
    number = (dataset.versions.aggregate(Max("number"))["number__max"] or 0) + 1
    draft = DatasetVersion.objects.create(
        dataset=dataset, number=number, created_by=actor, change_note=change_note
    )
    if latest is not None:
        EmissionFactor.objects.bulk_create(
            [
                EmissionFactor(
                    version=draft,
                    gas=factor.gas,
                    **{name: getattr(factor, name) for name in FACTOR_FIELDS},
                )
                for factor in latest.factors.all()
            ]
        )
    return draft


def _factor_apply(factor: EmissionFactor, data: dict) -> None:
    unknown = set(data) - set(FACTOR_FIELDS)
    if unknown:
        raise ValidationError({name: _("Unknown factor field.") for name in sorted(unknown)})
    for name, value in data.items():
        setattr(factor, name, "" if value is None and name not in ("data_year", "value") else value)
    errors: dict[str, str] = {}
    prefix = f"{factor.version.dataset.code}:"
    if not str(factor.code).startswith(prefix):
        errors["code"] = _("A code of this dataset starts with “%(prefix)s”.") % {"prefix": prefix}
    try:
        factor.gas = parse_factor_unit(str(factor.unit)).gas
    except UnitError as error:
        errors["unit"] = bridge.localised(error)
    if factor.gwp_set and factor.gwp_set not in GwpSet.values:
        errors["gwp_set"] = _("Use one of %(sets)s.") % {"sets": ", ".join(GwpSet.values)}
    if errors:
        raise ValidationError(errors)
    factor.full_clean()


def factor_create(*, actor: User, version: DatasetVersion, data: dict) -> EmissionFactor:
    _ensure_library_editor(actor)
    with transaction.atomic():
        version = _locked_draft(version)
        factor = EmissionFactor(version=version)
        _factor_apply(factor, data)
        factor.save()
    return factor


def factor_update(*, actor: User, factor: EmissionFactor, data: dict) -> EmissionFactor:
    _ensure_library_editor(actor)
    with transaction.atomic():
        version = _locked_draft(factor.version)
        factor = EmissionFactor.objects.get(pk=factor.pk)
        factor.version = version
        _factor_apply(factor, data)
        factor.save()
    return factor


@transaction.atomic
def factor_delete(*, actor: User, factor: EmissionFactor) -> None:
    _ensure_library_editor(actor)
    _locked_draft(factor.version)
    EmissionFactor.objects.get(pk=factor.pk).delete()


def _publish(version: DatasetVersion, actor: User | None) -> DatasetVersion:
    version.status = DatasetVersionStatus.PUBLISHED
    version.published_at = timezone.now()
    version.published_by = actor
    version.save(update_fields=["status", "published_at", "published_by"])
    return version


@transaction.atomic
def dataset_version_publish(*, actor: User, version: DatasetVersion) -> DatasetVersion:
    """Publish a draft. From here on it is immutable; new inventory lines take its factors."""
    _ensure_library_editor(actor)
    version = _locked_draft(version)
    if not version.factors.exists():
        raise ValidationError(_("A version without factors cannot be published."))
    return _publish(version, actor)


@transaction.atomic
def dataset_version_discard(*, actor: User, version: DatasetVersion) -> None:
    _ensure_library_editor(actor)
    version = _locked_draft(version)
    version.factors.all().delete()
    version.delete()


# --- inventory lines ----------------------------------------------------------------------

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


def _check_custom_factor(line: InventoryLine, version: DossierVersion, errors: dict) -> None:
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


def _check_factor_choice(line: InventoryLine, version: DossierVersion, errors: dict) -> None:
    """One of the three ways to a factor, complete: a library factor, an enterprise-specific
    factor with its justification and evidence, or a gas whose mass the amount is."""
    custom = line.custom_factor_value is not None or bool(line.custom_factor_unit)
    if line.direct_gas and (line.factor is not None or custom):
        errors["direct_gas"] = _(
            "A line that gives a gas by mass has no factor: leave the factor fields empty."
        )
    elif line.factor is not None and custom:
        errors["factor_code"] = _(
            "Choose a library factor or give an enterprise-specific one, not both."
        )
    elif line.factor is None and not custom and not line.direct_gas:
        if "factor_code" not in errors:
            errors["factor_code"] = _(
                "Choose a factor from the library, give an enterprise-specific one, or name "
                "the gas whose mass the amount is."
            )
    elif custom:
        _check_custom_factor(line, version, errors)
    elif line.direct_gas:
        _check_direct_gas(line, errors)
    if not custom:
        if line.custom_factor_evidence is not None:
            errors["custom_factor_evidence"] = _(
                "Evidence goes with an enterprise-specific factor."
            )
        if line.custom_factor_source:
            errors["custom_factor_source"] = _("A source goes with an enterprise-specific factor.")


def _line_apply(line: InventoryLine, data: dict, version: DossierVersion) -> None:
    """Set the fields from `data` and check them all, raising one ValidationError by field."""
    unknown = set(data) - set(LINE_FIELDS)
    if unknown:
        raise ValidationError({name: _("Unknown inventory field.") for name in sorted(unknown)})
    errors: dict[str, str] = {}
    for name, value in data.items():
        if name == "factor_code":
            continue
        if name in TEXT_FIELDS:
            value = (value or "").strip()
        setattr(line, name, value)

    if "factor_code" in data:
        code = (data["factor_code"] or "").strip()
        if not code:
            line.factor = None
        elif line.factor is None or line.factor.code != code:
            # A changed code takes the latest published factor; an unchanged one keeps the
            # version the line was entered with, so editing a name never moves a figure.
            factor = factor_current_by_code(code)
            if factor is None:
                errors["factor_code"] = _(
                    "No published emission factor has the code “%(code)s”."
                ) % {"code": code}
            line.factor = factor

    if line.stage not in Stage.values:
        errors["stage"] = _("Choose a life-cycle stage.")
    try:
        line.unit = lookup(line.unit).symbol
    except UnitError as error:
        errors["unit"] = bridge.localised(error)
    _check_factor_choice(line, version, errors)

    if (line.net_calorific_value is None) != (not line.net_calorific_value_unit):
        field = (
            "net_calorific_value_unit"
            if line.net_calorific_value is not None
            else "net_calorific_value"
        )
        errors[field] = _("A net calorific value and its unit go together.")
    elif line.net_calorific_value is not None:
        if line.net_calorific_value <= 0:
            errors["net_calorific_value"] = _("A net calorific value is above zero.")
        try:
            parse_ratio_unit(line.net_calorific_value_unit)
        except UnitError as error:
            errors["net_calorific_value_unit"] = bridge.localised(error)
    if line.uncertainty_gsd is not None and line.uncertainty_gsd < 1:
        errors["uncertainty_gsd"] = _("A geometric standard deviation is at least 1.")
    if line.uncertainty_relative_std is not None and line.uncertainty_relative_std < 0:
        errors["uncertainty_relative_std"] = _("A relative standard deviation is not negative.")
    if line.uncertainty_gsd is not None and line.uncertainty_relative_std is not None:
        errors["uncertainty_relative_std"] = _(
            "Give a geometric standard deviation or a relative one, not both."
        )
    for name in RATING_FIELDS:
        if getattr(line, name) not in (None, 1, 2, 3):
            errors[name] = _("Rate data quality 1 (good), 2 (fair) or 3 (poor).")

    if not errors and not line.direct_gas:
        factor_unit = line.factor.unit if line.factor is not None else line.custom_factor_unit
        label = line.factor.code if line.factor is not None else bridge.CUSTOM_FACTOR_CODE
        field, message = _unit_fit_error(line, label, factor_unit)
        if field:
            errors[field] = message
    if errors:
        raise ValidationError(errors)
    line.full_clean(
        exclude=["dossier_version", "factor", "custom_factor_evidence"],
        validate_unique=False,
        validate_constraints=False,
    )


def _locked_editable_version(
    actor: User, application: Application
) -> tuple[Application, DossierVersion]:
    # The application row is the lock every dossier write takes, so a line cannot be added to
    # a version while it is being frozen by a submission.
    application = Application.objects.select_for_update(no_key=True).get(pk=application.pk)
    return application, dossier_editable_version(actor=actor, application=application)


def _touch(application: Application) -> None:
    application.updated_at = timezone.now()
    application.save(update_fields=["updated_at"])


def inventory_line_create(*, actor: User, application: Application, data: dict) -> InventoryLine:
    with transaction.atomic():
        application, version = _locked_editable_version(actor, application)
        last = version.inventory_lines.aggregate(Max("position"))["position__max"] or 0
        line = InventoryLine(dossier_version=version, position=last + 1)
        _line_apply(line, dict(data), version)
        line.save()
        _touch(application)
    return line


def _line_of_open_version(line: InventoryLine, version: DossierVersion) -> InventoryLine:
    locked = InventoryLine.objects.select_for_update(no_key=True).filter(pk=line.pk).first()
    if locked is None:
        raise TransitionNotAllowed(_("This inventory line no longer exists."))
    if locked.dossier_version_id != version.pk:
        raise TransitionNotAllowed(_("This line belongs to a frozen dossier version."))
    return locked


def inventory_line_update(
    *, actor: User, application: Application, line: InventoryLine, data: dict
) -> InventoryLine:
    with transaction.atomic():
        application, version = _locked_editable_version(actor, application)
        line = _line_of_open_version(line, version)
        _line_apply(line, dict(data), version)
        line.save()
        _touch(application)
    return line


def inventory_line_delete(*, actor: User, application: Application, line: InventoryLine) -> None:
    with transaction.atomic():
        application, version = _locked_editable_version(actor, application)
        _line_of_open_version(line, version).delete()
        _touch(application)


def inventory_copy_from_previous(*, actor: User, application: Application) -> int:
    """Fill the open version's empty inventory with the previous version's lines.

    A version opened for corrective actions starts without lines; the enterprise starts from
    what it submitted before instead of entering it again. Factors stay the ones those lines
    used, and the evidence files were carried over with the version.
    """
    with transaction.atomic():
        application, version = _locked_editable_version(actor, application)
        if version.inventory_lines.exists():
            raise TransitionNotAllowed(_("The inventory of this version is not empty."))
        previous = (
            application.dossier_versions.filter(number__lt=version.number)
            .order_by("-number")
            .first()
        )
        source = list(previous.inventory_lines.order_by("position")) if previous else []
        if not source:
            raise TransitionNotAllowed(_("No earlier version has inventory lines."))
        for line in source:
            line.pk = None
            line.dossier_version = version
            line.created_at = timezone.now()
        InventoryLine.objects.bulk_create(source)
        _touch(application)
    return len(source)


# --- import -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportOutcome:
    """What an import did: every line imported, or nothing and every problem found."""

    imported: int
    errors: tuple[ImportIssue, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors


def import_max_bytes() -> int:
    return getattr(settings, "INVENTORY_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES)


def _refused(message: str) -> ImportOutcome:
    return ImportOutcome(imported=0, errors=(ImportIssue(None, None, message),))


def inventory_import(
    *, actor: User, application: Application, content: bytes, filename: str
) -> ImportOutcome:
    """Replace the open version's inventory with the file's lines, or change nothing.

    The file is read and every row checked before anything is written; then the old lines are
    deleted and the new ones created in one transaction, so an import is whole or absent.
    """
    # Permission first: someone who may not edit learns nothing about their file.
    version = dossier_editable_version(actor=actor, application=application)
    if PurePath(filename or "").suffix.lower() not in IMPORT_SUFFIXES:
        return _refused(_("Upload an .xlsx workbook or a .csv file."))
    factors = factors_current_by_code()
    core_factors = {code: bridge.core_factor(factor) for code, factor in factors.items()}
    files = list(version.files.all())
    # Names the core finds twice it refuses as ambiguous, so this mapping is only read for
    # names that are unique.
    evidence = {file.original_name: file for file in files}
    try:
        rows = parse_inventory(
            content,
            core_factors.get,
            evidence_names=[file.original_name for file in files],
            gases=bridge.direct_gases(),
            max_bytes=import_max_bytes(),
        )
    except ImportErrors as error:
        return ImportOutcome(imported=0, errors=_translated(error.errors))

    lines: list[InventoryLine] = []
    issues: list[ImportIssue] = []
    for row in rows:
        factor = row.line.factor
        line = bridge.model_line(
            row.line,
            factor=factors[factor.code] if factor.kind == engine.LIBRARY else None,
            evidence=evidence.get(factor.evidence) if factor.kind == engine.SUPPLIER else None,
        )
        try:
            # Field limits (digits, decimal places, lengths) the core does not know about; the
            # factor and the evidence file were found above, so no query checks them again.
            line.clean_fields(
                exclude=["dossier_version", "position", "factor", "custom_factor_evidence"]
            )
        except ValidationError as error:
            issues.extend(
                ImportIssue(row.row, bridge.COLUMN_OF_FIELD.get(field, field), " ".join(texts))
                for field, texts in error.message_dict.items()
            )
        lines.append(line)
    if issues:
        return ImportOutcome(imported=0, errors=tuple(issues))

    with transaction.atomic():
        application, version = _locked_editable_version(actor, application)
        named = {line.custom_factor_evidence_id for line in lines} - {None}
        if named - set(version.files.values_list("pk", flat=True)):
            # A file the rows name was removed after they were checked and before this lock.
            return _refused(_("An evidence file the rows name was removed meanwhile."))
        version.inventory_lines.all().delete()
        for position, line in enumerate(lines, start=1):
            line.dossier_version = version
            line.position = position
        InventoryLine.objects.bulk_create(lines, batch_size=1000)
        _touch(application)
    return ImportOutcome(imported=len(lines))


def _translated(issues: tuple[ImportIssue, ...]) -> tuple[ImportIssue, ...]:
    return tuple(issue.translated(_) for issue in issues)


def inventory_import_upload(
    *, actor: User, application: Application, upload: UploadedFile
) -> ImportOutcome:
    """`inventory_import` for an uploaded file, refusing an oversized one before reading it."""
    dossier_editable_version(actor=actor, application=application)
    limit = import_max_bytes()
    if upload.size is not None and upload.size > limit:
        return _refused(
            _("The file is %(size)s; the limit is %(limit)s.")
            % {"size": filesizeformat(upload.size), "limit": filesizeformat(limit)}
        )
    upload.seek(0)
    # One byte past the limit is enough for the core to refuse a file whose size was misstated.
    content = upload.read(limit + 1)
    return inventory_import(
        actor=actor, application=application, content=content, filename=upload.name or ""
    )


# --- recomputation ------------------------------------------------------------------------


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
    *, dossier_version: DossierVersion, actor: User | None = None
) -> Recomputation | None:
    """Recompute a version from its inventory and store the result beside its declared figures.

    Nothing is stored for a version without inventory lines. The Monte Carlo simulation is
    seeded with the version's id, so the same version always gives the same interval.
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
    with transaction.atomic():
        recomputation, _created = Recomputation.objects.update_or_create(
            dossier_version=version, defaults=values
        )
        dashboard_facts.application_facts_update(version.application_id)
    return recomputation


def recomputation_store_at_freeze(*, version: DossierVersion, actor: User) -> None:
    """Called by the status writer as a version is frozen (submit, resubmit), in its
    transaction: the stored result is the one of the version as submitted. A version without
    inventory lines gets none, and its submission goes ahead."""
    recomputation_run(dossier_version=version, actor=actor)


def recomputation_refresh(*, actor: User, application: Application) -> Recomputation:
    """The team's "recompute now" on the latest submitted version."""
    if Actor.TEAM not in actor_relations(actor, application):
        raise ActorNotPermitted(_("Only the evaluation team recomputes the footprint."))
    with transaction.atomic():
        version = (
            DossierVersion.objects.select_for_update(no_key=True)
            .filter(application=application, frozen_at__isnull=False)
            .order_by("-number")
            .first()
        )
        if version is None:
            raise TransitionNotAllowed(_("No dossier version has been submitted yet."))
        recomputation = recomputation_run(dossier_version=version, actor=actor)
        if recomputation is None:
            raise TransitionNotAllowed(_("The submitted dossier version has no inventory lines."))
    return recomputation


__all__ = [
    "DatasetLoadOutcome",
    "ImportOutcome",
    "LibraryLoadSummary",
    "RecomputationImpossible",
    "dataset_version_create_draft",
    "dataset_version_discard",
    "dataset_version_publish",
    "factor_create",
    "factor_dataset_load",
    "factor_delete",
    "factor_library_load",
    "factor_update",
    "inventory_copy_from_previous",
    "inventory_import",
    "inventory_import_upload",
    "inventory_line_create",
    "inventory_line_delete",
    "inventory_line_update",
    "recomputation_refresh",
    "recomputation_run",
    "recomputation_store_at_freeze",
]
