"""Loading the factor library: the shipped reference tables and additional dataset files.

Each load publishes what it creates, so the factors can be used at once; a file loaded again
unchanged makes no new version.
"""

import csv
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from accounts.models import User
from config.domain_errors import TransitionNotAllowed

from .. import engine
from ..dataset_reader import FactorDataset, parse_factor_dataset
from ..importer import ImportErrors, ImportIssue
from ..models import (
    DatasetVersion,
    DatasetVersionStatus,
    EmissionFactor,
    EmissionFactorDataset,
    GlobalWarmingPotential,
    GwpSet,
)
from ..units import parse_factor_unit
from .library import dataset_version_mark_published, ensure_library_editor


@dataclass(frozen=True)
class LibraryLoadSummary:
    datasets_created: int
    factors_created: int
    datasets_unchanged: int
    gwp_values: int


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
        ensure_library_editor(actor)
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
        dataset_version_mark_published(version, actor)
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
        ensure_library_editor(actor)
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
        dataset_version_mark_published(version, actor)
    return DatasetLoadOutcome(
        dataset=dataset.code,
        number=number,
        factors=len(factors),
        created=True,
        published=publish,
    )
