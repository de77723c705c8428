"""Read an additional emission factor dataset from a file, every row with its source.

The shipped ``emission_factors.csv`` holds the MEE/NBS electricity and IPCC combustion factors.
More published factors (national averages for materials, say) come as one file per dataset in
the format below, loaded by ``manage.py load_factors``; see
``certification/reference/factor_datasets/README.md``. Like the inventory importer, this
collects every problem as (row, column, message) and returns nothing if there is one.

Columns (a header row, any order; ``.csv`` in UTF-8 or ``.xlsx``):

==============  ========  =================================================================
column          required  meaning
==============  ========  =================================================================
dataset         yes       the dataset's code, the same on every row: one file, one dataset
dataset_name    yes       the dataset's name, the same on every row
code            yes       the factor's code, ``<dataset>:<year>:<kind>``, unique in the file
name            yes       what the factor is for
region          yes       CN, a region such as CN-EAST, or GLOBAL
data_year       no        the year the data describe
published       yes       publication date as published: YYYY, YYYY-MM or YYYY-MM-DD
publisher       yes       who published it
source          yes       the publication: title, number, table; written out on every row
licence_note    no        terms of reuse
factor_kind     yes       a short key such as national_average
value           yes       the factor as published
unit            yes       ``<g|kg|t><gas>/<unit>``, such as kgCO2e/t or kgCO2e/(t*km)
gwp_set         no        the GWP set a CO2e factor was computed with, when the source says
==============  ========  =================================================================
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from footprint.messages import gettext_noop, message
from footprint.spreadsheet_reader import (
    Cell,
    ImportErrors,
    ImportIssue,
    file_error,
    read_cells,
)
from footprint.units import UnitError, parse_factor_unit

DATASET_COLUMNS: tuple[str, ...] = (
    "dataset",
    "dataset_name",
    "code",
    "name",
    "region",
    "data_year",
    "published",
    "publisher",
    "source",
    "licence_note",
    "factor_kind",
    "value",
    "unit",
    "gwp_set",
)
REQUIRED_DATASET_COLUMNS: tuple[str, ...] = (
    "dataset",
    "dataset_name",
    "code",
    "name",
    "region",
    "published",
    "publisher",
    "source",
    "factor_kind",
    "value",
    "unit",
)
DEFAULT_GWP_SETS: tuple[str, ...] = ("AR4", "AR5", "AR6")
_PUBLISHED = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
# "same" (as the shipped electricity table writes for "the row above's source") is refused:
# every row of an additional dataset names its source.
_SAME = re.compile(r"^(same|ditto|idem|同上)\b", re.IGNORECASE)


@dataclass(frozen=True)
class DatasetFactor:
    row: int
    code: str
    name: str
    region: str
    data_year: int | None
    published: str
    publisher: str
    source: str
    licence_note: str
    factor_kind: str
    value: Decimal
    unit: str
    gas: str
    gwp_set: str


@dataclass(frozen=True)
class FactorDataset:
    code: str
    name: str
    factors: tuple[DatasetFactor, ...]

    @property
    def publisher(self) -> str:
        """The dataset's publisher: the first row's."""
        return self.factors[0].publisher

    def digest(self) -> str:
        """SHA-256 of what the file says, independent of row order, spacing and file kind: the
        same content loaded twice is recognised as such."""
        rows = sorted(
            (
                {**asdict(factor), "row": None, "value": str(factor.value)}
                for factor in self.factors
            ),
            key=lambda row: row["code"],
        )
        canonical = json.dumps(
            {"code": self.code, "name": self.name, "factors": rows},
            ensure_ascii=False,
            sort_keys=True,
        )
        return hashlib.sha256(canonical.encode()).hexdigest()


def _is_publication_date(text: str) -> bool:
    """YYYY, YYYY-MM or YYYY-MM-DD, naming a day that exists."""
    if not _PUBLISHED.match(text):
        return False
    year, month, day = (int(part) for part in [*text.split("-"), "1", "1"][:3])
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def _text(cells: dict[str, Cell], column: str) -> str:
    value = cells.get(column)
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a year typed into a workbook
    return "" if value is None else str(value).strip()


def _header(values: tuple[Cell, ...]) -> dict[str, int]:
    issues: list[ImportIssue] = []
    positions: dict[str, int] = {}
    for position, value in enumerate(values):
        name = str(value).strip().lower().replace(" ", "_") if value is not None else ""
        if not name:
            continue
        if name not in DATASET_COLUMNS:
            issues.append(
                ImportIssue.of(
                    1,
                    name,
                    message(
                        gettext_noop("unknown column; expected: %(columns)s"),
                        columns=", ".join(DATASET_COLUMNS),
                    ),
                )
            )
        elif name in positions:
            issues.append(ImportIssue.of(1, name, message(gettext_noop("column appears twice"))))
        else:
            positions[name] = position
    for name in REQUIRED_DATASET_COLUMNS:
        if name not in positions:
            issues.append(
                ImportIssue.of(1, name, message(gettext_noop("required column is missing")))
            )
    if issues:
        raise ImportErrors(issues)
    return positions


class _Rows:
    """Checks rows against each other: one dataset, one name, codes once each."""

    def __init__(self, gwp_sets: Sequence[str]) -> None:
        self.gwp_sets = tuple(gwp_sets)
        self.dataset = ""
        self.name = ""
        self.codes: set[str] = set()
        self.issues: list[ImportIssue] = []

    def problem(self, row: int, column: str, template: str, **params: object) -> None:
        self.issues.append(ImportIssue.of(row, column, message(template, **params)))

    def parse(self, row: int, cells: dict[str, Cell]) -> DatasetFactor | None:
        before = len(self.issues)
        text = {column: _text(cells, column) for column in DATASET_COLUMNS}
        for column in REQUIRED_DATASET_COLUMNS:
            if not text[column]:
                self.problem(row, column, gettext_noop("a value is required"))
        self._check_dataset(row, text)
        self._check_code(row, text["code"])
        data_year = self._year(row, text["data_year"])
        self._check_published(row, text["published"])
        if _SAME.match(text["source"]):
            self.problem(
                row,
                "source",
                gettext_noop("write the source out on every row, not %(text)r"),
                text=text["source"],
            )
        value = self._value(row, text["value"])
        gas = self._gas(row, text["unit"], text["gwp_set"])
        if len(self.issues) > before or value is None or gas is None:
            return None
        return DatasetFactor(
            row=row,
            code=text["code"],
            name=text["name"],
            region=text["region"],
            data_year=data_year,
            published=text["published"],
            publisher=text["publisher"],
            source=text["source"],
            licence_note=text["licence_note"],
            factor_kind=text["factor_kind"],
            value=value,
            unit=text["unit"],
            gas=gas,
            gwp_set=text["gwp_set"].upper(),
        )

    def _check_dataset(self, row: int, text: dict[str, str]) -> None:
        if not self.dataset:
            self.dataset, self.name = text["dataset"], text["dataset_name"]
            return
        if text["dataset"] and text["dataset"] != self.dataset:
            self.problem(
                row,
                "dataset",
                gettext_noop("one file holds one dataset; the first row names %(dataset)r"),
                dataset=self.dataset,
            )
        if text["dataset_name"] and text["dataset_name"] != self.name:
            self.problem(
                row,
                "dataset_name",
                gettext_noop("the dataset's name differs from the first row's, %(name)r"),
                name=self.name,
            )

    def _check_code(self, row: int, code: str) -> None:
        if not code:
            return
        if self.dataset and not code.startswith(f"{self.dataset}:"):
            self.problem(
                row,
                "code",
                gettext_noop("a code of this dataset starts with %(prefix)r"),
                prefix=f"{self.dataset}:",
            )
        if code in self.codes:
            self.problem(row, "code", gettext_noop("code %(code)r appears twice"), code=code)
        self.codes.add(code)

    def _year(self, row: int, text: str) -> int | None:
        if not text:
            return None
        if not (text.isascii() and text.isdigit()) or not 1900 <= int(text) <= 2100:
            self.problem(
                row, "data_year", gettext_noop("%(text)r is not a year such as 2023"), text=text
            )
            return None
        return int(text)

    def _check_published(self, row: int, text: str) -> None:
        if text and not _is_publication_date(text):
            self.problem(
                row,
                "published",
                gettext_noop("%(text)r is not a date as YYYY, YYYY-MM or YYYY-MM-DD"),
                text=text,
            )

    def _value(self, row: int, text: str) -> Decimal | None:
        if not text:
            return None
        try:
            value = Decimal(text)
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite():
            self.problem(row, "value", gettext_noop("%(value)r is not a number"), value=text)
            return None
        return value

    def _gas(self, row: int, unit: str, gwp_set: str) -> str | None:
        if not unit:
            return None
        try:
            gas = parse_factor_unit(unit).gas
        except UnitError as error:
            self.issues.append(ImportIssue.of(row, "unit", error.message))
            return None
        if gwp_set and gwp_set.upper() not in self.gwp_sets:
            self.problem(
                row,
                "gwp_set",
                gettext_noop("%(text)r is not one of %(sets)s"),
                text=gwp_set,
                sets=", ".join(self.gwp_sets),
            )
        elif gwp_set and gas != "CO2e":
            self.problem(row, "gwp_set", gettext_noop("a GWP set goes with a factor in CO2e only"))
        return gas


def parse_factor_dataset(
    content: bytes, *, gwp_sets: Sequence[str] = DEFAULT_GWP_SETS
) -> FactorDataset:
    """The dataset a file holds, or ``ImportErrors`` listing every problem."""
    positions: dict[str, int] | None = None
    rows = _Rows(gwp_sets)
    factors: list[DatasetFactor] = []
    for number, values in read_cells(content):
        if all(value is None or (isinstance(value, str) and not value.strip()) for value in values):
            continue
        if positions is None:
            positions = _header(values)
            continue
        cells = {name: values[at] for name, at in positions.items() if at < len(values)}
        factor = rows.parse(number, cells)
        if factor is not None:
            factors.append(factor)
    if positions is None:
        raise file_error(gettext_noop("the file has no header row and no data"))
    if rows.issues:
        raise ImportErrors(rows.issues)
    if not factors:
        raise file_error(gettext_noop("the file has a header row but no data rows"))
    return FactorDataset(code=rows.dataset, name=rows.name, factors=tuple(factors))
