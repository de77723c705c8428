"""Read an inventory from an uploaded .xlsx or .csv, all or nothing.

The file itself is checked by ``spreadsheet_reader`` (kind by content, size, zip bomb); this
module checks what the rows say. Every problem is collected as (row, column, message), with rows
numbered as a spreadsheet shows them (the header is row 1). If any problem is found, nothing is
returned: a half-imported inventory would be recomputed as if it were whole.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from certification.footprint.engine import STANDARD_STAGES, Factor, InventoryLine
from certification.footprint.spreadsheet_reader import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_COMPRESSION_RATIO,
    DEFAULT_MAX_UNCOMPRESSED_BYTES,
    NOT_A_SPREADSHEET,
    Cell,
    ImportErrors,
    ImportIssue,
    file_error,
    read_cells,
)
from certification.footprint.units import (
    ENERGY,
    MASS,
    VOLUME,
    UnitError,
    lookup,
    parse_factor_unit,
    parse_ratio_unit,
)

__all__ = [
    "COLUMNS",
    "NOT_A_SPREADSHEET",
    "ImportErrors",
    "ImportIssue",
    "ImportedRow",
    "parse_inventory",
]

DEFAULT_MAX_ROWS = 50_000

COLUMNS: tuple[str, ...] = (
    "stage",
    "name",
    "amount",
    "unit",
    "factor_code",
    "net_calorific_value",
    "ncv_unit",
    "primary",
    "biogenic",
    "dq_technological",
    "dq_temporal",
    "dq_geographical",
    "dq_completeness",
    "dq_reliability",
    "uncertainty_gsd",
    "uncertainty_relative_std",
    "justification",
)
REQUIRED_COLUMNS: tuple[str, ...] = ("stage", "name", "amount", "unit", "factor_code")
RATING_COLUMNS: dict[str, str] = {
    "dq_technological": "technological",
    "dq_temporal": "temporal",
    "dq_geographical": "geographical",
    "dq_completeness": "completeness",
    "dq_reliability": "reliability",
}
TRUE_WORDS = frozenset({"yes", "y", "true", "1"})
FALSE_WORDS = frozenset({"no", "n", "false", "0", ""})

FactorLookup = Callable[[str], Factor | None]


@dataclass(frozen=True, slots=True)
class ImportedRow:
    row: int
    line: InventoryLine


def _header(values: tuple[Cell, ...]) -> dict[str, int]:
    """Column name → position; raise for missing, unknown or repeated columns."""
    issues: list[ImportIssue] = []
    positions: dict[str, int] = {}
    for position, value in enumerate(values):
        name = str(value).strip().lower().replace(" ", "_") if value is not None else ""
        if not name:
            continue
        if name not in COLUMNS:
            issues.append(ImportIssue(1, name, f"unknown column; expected: {', '.join(COLUMNS)}"))
        elif name in positions:
            issues.append(ImportIssue(1, name, "column appears twice"))
        else:
            positions[name] = position
    for name in REQUIRED_COLUMNS:
        if name not in positions:
            issues.append(ImportIssue(1, name, "required column is missing"))
    if issues:
        raise ImportErrors(issues)
    return positions


class _RowParser:
    """Turns one row's cells into typed values, noting each problem against its column."""

    def __init__(self, number: int, cells: dict[str, Cell], issues: list[ImportIssue]) -> None:
        self.number = number
        self.cells = cells
        self.issues = issues

    def problem(self, column: str | None, message: str) -> None:
        self.issues.append(ImportIssue(self.number, column, message))

    def text(self, column: str, *, required: bool = False) -> str:
        value = self.cells.get(column)
        text = "" if value is None else str(value).strip()
        if required and not text:
            self.problem(column, "a value is required")
        return text

    def decimal(self, column: str, *, required: bool = False) -> Decimal | None:
        value = self.cells.get(column)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.problem(column, "a number is required")
            return None
        if isinstance(value, bool):
            self.problem(column, f"{value!r} is not a number")
            return None
        text = repr(value) if isinstance(value, float) else str(value).strip()
        try:
            number = Decimal(text)
        except InvalidOperation:
            hint = " (use a dot for decimals and no thousands separator)" if "," in text else ""
            self.problem(column, f"{text!r} is not a number{hint}")
            return None
        if not number.is_finite():
            self.problem(column, f"{text!r} is not a finite number")
            return None
        return number

    def boolean(self, column: str) -> bool:
        value = self.cells.get(column)
        if isinstance(value, bool | int | float) and value in (0, 1):
            return bool(value)  # a boolean or numeric cell of a workbook
        word = "" if value is None else str(value).strip().lower()
        if word in TRUE_WORDS:
            return True
        if word not in FALSE_WORDS:
            self.problem(column, f"{value!r} is not yes/no, true/false or 1/0")
        return False

    def rating(self, column: str) -> int | None:
        number = self.decimal(column)
        if number is None:
            return None
        if number not in (1, 2, 3):
            self.problem(column, f"{number} is not a data quality rating of 1, 2 or 3")
            return None
        return int(number)


def _check_unit_fits(
    parser: _RowParser, unit: str, factor: Factor, calorific_unit: str, has_calorific: bool
) -> None:
    """Note at the right column when the line's unit cannot be brought to the factor's per-unit."""
    line_unit = lookup(unit)
    per_unit = parse_factor_unit(factor.unit).per_unit
    if line_unit.dimension == per_unit.dimension:
        return
    convertible = per_unit.dimension == ENERGY and line_unit.dimension in (MASS, VOLUME)
    if not convertible or not has_calorific:
        advice = " unless a net_calorific_value and ncv_unit are given" if convertible else ""
        parser.problem(
            "unit",
            f"{line_unit.symbol} ({line_unit.dimension}) does not fit factor {factor.code}, "
            f"which is per {per_unit.symbol} ({per_unit.dimension}){advice}",
        )
        return
    try:
        calorific = parse_ratio_unit(calorific_unit)
    except UnitError as error:
        parser.problem("ncv_unit", str(error))
        return
    if calorific.numerator.dimension != ENERGY or (
        calorific.denominator.dimension != line_unit.dimension
    ):
        parser.problem(
            "ncv_unit",
            f"{calorific_unit!r} must be energy per {line_unit.dimension}, as in GJ/t or MJ/m3",
        )


def _parse_row(
    parser: _RowParser, factor_lookup: FactorLookup, allowed_stages: Sequence[str]
) -> InventoryLine | None:
    issues_before = len(parser.issues)
    stage = parser.text("stage", required=True)
    if stage and stage not in allowed_stages:
        parser.problem("stage", f"unknown stage {stage!r}; allowed: {', '.join(allowed_stages)}")
    name = parser.text("name", required=True)
    amount = parser.decimal("amount", required=True)
    unit = parser.text("unit", required=True)
    unit_known = False
    if unit:
        try:
            unit = lookup(unit).symbol
            unit_known = True
        except UnitError as error:
            parser.problem("unit", str(error))
    factor_code = parser.text("factor_code", required=True)
    factor = factor_lookup(factor_code) if factor_code else None
    if factor_code and factor is None:
        parser.problem("factor_code", f"unknown emission factor code {factor_code!r}")
    calorific_value = parser.decimal("net_calorific_value")
    calorific_unit = parser.text("ncv_unit")
    if calorific_value is not None and calorific_value <= 0:
        parser.problem("net_calorific_value", "a net calorific value must be above zero")
    if (calorific_value is None) != (not calorific_unit):
        column = "ncv_unit" if calorific_value is not None else "net_calorific_value"
        parser.problem(column, "net_calorific_value and ncv_unit go together")
    if unit_known and factor is not None:
        _check_unit_fits(parser, unit, factor, calorific_unit, calorific_value is not None)
    ratings = {field: parser.rating(column) for column, field in RATING_COLUMNS.items()}
    gsd = parser.decimal("uncertainty_gsd")
    if gsd is not None and gsd < 1:
        parser.problem("uncertainty_gsd", "a geometric standard deviation is at least 1")
    relative_std = parser.decimal("uncertainty_relative_std")
    if relative_std is not None and relative_std < 0:
        parser.problem("uncertainty_relative_std", "a relative standard deviation is not negative")
    if gsd is not None and relative_std is not None:
        parser.problem("uncertainty_relative_std", "give uncertainty_gsd or this, not both")
    is_primary = parser.boolean("primary")
    is_biogenic = parser.boolean("biogenic")
    justification = parser.text("justification")
    if len(parser.issues) > issues_before or factor is None or amount is None:
        return None
    return InventoryLine(
        stage=stage,
        name=name,
        amount=amount,
        unit=unit,
        factor=factor,
        net_calorific_value=calorific_value,
        net_calorific_value_unit=calorific_unit or None,
        is_primary=is_primary,
        is_biogenic=is_biogenic,
        uncertainty_gsd=gsd,
        uncertainty_relative_std=relative_std,
        justification=justification,
        **ratings,
    )


def parse_inventory(
    content: bytes,
    factor_lookup: FactorLookup,
    *,
    allowed_stages: Sequence[str] = STANDARD_STAGES,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_rows: int = DEFAULT_MAX_ROWS,
    max_uncompressed_bytes: int = DEFAULT_MAX_UNCOMPRESSED_BYTES,
    max_compression_ratio: float = DEFAULT_MAX_COMPRESSION_RATIO,
) -> list[ImportedRow]:
    """Every data row as an ``InventoryLine``, or ``ImportErrors`` listing every problem."""
    rows = read_cells(
        content,
        max_bytes=max_bytes,
        max_uncompressed_bytes=max_uncompressed_bytes,
        max_compression_ratio=max_compression_ratio,
    )
    positions: dict[str, int] | None = None
    stages = tuple(allowed_stages)
    issues: list[ImportIssue] = []
    imported: list[ImportedRow] = []
    data_rows = 0
    for number, values in rows:
        if all(value is None or (isinstance(value, str) and not value.strip()) for value in values):
            continue
        if positions is None:
            positions = _header(values)
            continue
        data_rows += 1
        if data_rows > max_rows:
            issues.append(ImportIssue(number, None, f"more than {max_rows} data rows"))
            break
        cells = {name: values[at] for name, at in positions.items() if at < len(values)}
        parser = _RowParser(number, cells, issues)
        line = _parse_row(parser, factor_lookup, stages)
        if line is not None:
            imported.append(ImportedRow(number, line))
    if positions is None:
        raise file_error("the file has no header row and no data")
    if data_rows == 0:
        raise file_error("the file has a header row but no data rows")
    if issues:
        raise ImportErrors(issues)
    return imported
