"""Read an inventory from an uploaded .xlsx or .csv, all or nothing.

The file itself is checked by ``spreadsheet_reader`` (kind by content, size, zip bomb); this
module checks what the rows say. Every problem is collected as (row, column, message), with rows
numbered as a spreadsheet shows them (the header is row 1). If any problem is found, nothing is
returned: a half-imported inventory would be recomputed as if it were whole.

Each row takes its factor in one of three ways:

- ``factor_code``: a factor of the library;
- ``factor_value``, ``factor_unit``, ``factor_source``, ``factor_evidence``: the enterprise's
  own or its supplier's factor, with where it comes from and the name of the dossier's evidence
  file that shows it (a ``justification`` is required too);
- ``gas``: no factor; the amount is a mass of CO2, CH4 or N2O emitted, which the dossier's GWP
  set turns into CO2e.

Messages are English templates with parameters (``messages.Message``); the Django layer shows
them in the reader's language.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation, localcontext

from footprint.engine import (
    STANDARD_STAGES,
    SUPPLIER,
    SUPPLIER_FACTOR_CODE,
    Factor,
    InventoryLine,
    direct_gas_factor,
)
from footprint.messages import Message, gettext_noop, message
from footprint.spreadsheet_reader import (
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
from footprint.units import (
    DIRECT_GASES,
    ENERGY,
    MASS,
    VOLUME,
    UnitError,
    lookup,
    normalise_gas,
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

SUPPLIER_COLUMNS: tuple[str, ...] = (
    "factor_value",
    "factor_unit",
    "factor_source",
    "factor_evidence",
)
COLUMNS: tuple[str, ...] = (
    "stage",
    "name",
    "amount",
    "unit",
    "factor_code",
    *SUPPLIER_COLUMNS,
    "gas",
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
# Files made from the template before supplier factors and gases had columns still import.
REQUIRED_COLUMNS: tuple[str, ...] = ("stage", "name", "amount", "unit")
RATING_COLUMNS: dict[str, str] = {
    "dq_technological": "technological",
    "dq_temporal": "temporal",
    "dq_geographical": "geographical",
    "dq_completeness": "completeness",
    "dq_reliability": "reliability",
}
TRUE_WORDS = frozenset({"yes", "y", "true", "1"})
FALSE_WORDS = frozenset({"no", "n", "false", "0", ""})
# How many of the dossier's evidence file names a message lists.
NAMES_SHOWN = 10

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
            issues.append(
                ImportIssue.of(
                    1,
                    name,
                    message(
                        gettext_noop("unknown column; expected: %(columns)s"),
                        columns=", ".join(COLUMNS),
                    ),
                )
            )
        elif name in positions:
            issues.append(ImportIssue.of(1, name, message(gettext_noop("column appears twice"))))
        else:
            positions[name] = position
    for name in REQUIRED_COLUMNS:
        if name not in positions:
            issues.append(
                ImportIssue.of(1, name, message(gettext_noop("required column is missing")))
            )
    if not {"factor_code", *SUPPLIER_COLUMNS, "gas"} & positions.keys():
        issues.append(
            ImportIssue.of(
                1,
                "factor_code",
                message(
                    gettext_noop(
                        "required column is missing: factor_code, or the supplier factor's "
                        "columns, or gas"
                    )
                ),
            )
        )
    if issues:
        raise ImportErrors(issues)
    return positions


class EvidenceIndex:
    """The evidence files a supplier factor may name, matched by file name, ignoring case.

    Without names (``None``), any non-empty reference is taken as it is written: the pure core
    has no dossier to check against.
    """

    def __init__(self, names: Collection[str] | None) -> None:
        self.names = None if names is None else sorted(names)
        self.by_key: dict[str, list[str]] = {}
        for name in self.names or ():
            self.by_key.setdefault(name.strip().casefold(), []).append(name)

    def resolve(self, reference: str) -> tuple[str | None, Message | None]:
        """(the file's name, None), or (None, what is wrong)."""
        if self.names is None:
            return reference, None
        matches = self.by_key.get(reference.strip().casefold(), [])
        if len(matches) == 1:
            return matches[0], None
        if matches:
            return None, message(
                gettext_noop(
                    "%(count)s evidence files of this dossier version are named %(name)r; "
                    "upload the document again under a name of its own"
                ),
                count=len(matches),
                name=reference,
            )
        if not self.names:
            return None, message(
                gettext_noop(
                    "no evidence file of this dossier version is named %(name)r, and the "
                    "version has no evidence files yet: upload the document first"
                ),
                name=reference,
            )
        shown = ", ".join(self.names[:NAMES_SHOWN])
        if len(self.names) > NAMES_SHOWN:
            shown += ", …"
        return None, message(
            gettext_noop(
                "no evidence file of this dossier version is named %(name)r; its files are: "
                "%(names)s"
            ),
            name=reference,
            names=shown,
        )


def _without_noise(number: Decimal, places: int, statistic: bool) -> Decimal:
    """``number`` to ``places`` decimals when that changes it by less than a billionth of
    itself (any change, for a ``statistic`` that stays above zero), else as it is."""
    with localcontext() as context:
        context.prec = 80
        try:
            rounded = number.quantize(Decimal(1).scaleb(-places))
        except ArithmeticError:  # more digits than any column holds: the checks say so
            return number
        if statistic and rounded:
            return rounded
        if number and abs(rounded - number) <= abs(number) * Decimal("1E-9"):
            return rounded
    return number


class _RowParser:
    """Turns one row's cells into typed values, noting each problem against its column."""

    def __init__(self, number: int, cells: dict[str, Cell], issues: list[ImportIssue]) -> None:
        self.number = number
        self.cells = cells
        self.issues = issues

    def problem(self, column: str | None, problem: Message) -> None:
        self.issues.append(ImportIssue.of(self.number, column, problem))

    def given(self, column: str) -> bool:
        value = self.cells.get(column)
        return value is not None and not (isinstance(value, str) and not value.strip())

    def text(self, column: str, *, required: bool = False) -> str:
        value = self.cells.get(column)
        text = "" if value is None else str(value).strip()
        if required and not text:
            self.problem(column, message(gettext_noop("a value is required")))
        return text

    def decimal(
        self, column: str, *, required: bool = False, places: int = 12, statistic: bool = False
    ) -> Decimal | None:
        """The cell as a number. A workbook's number (a float, often a formula's result) is
        read to 15 significant digits, as the workbook shows it, and rounded to the column's
        ``places`` where that only drops binary noise or a repeating tail (``=10/3``); a
        quantity the rounding would change, such as 1E-13, is kept for the checks to refuse.
        A ``statistic`` (a standard deviation) is rounded to its places unless it would
        become zero."""
        value = self.cells.get(column)
        if not self.given(column):
            if required:
                self.problem(column, message(gettext_noop("a number is required")))
            return None
        if isinstance(value, bool):
            self.problem(column, message(gettext_noop("%(value)r is not a number"), value=value))
            return None
        text = format(value, ".15g") if isinstance(value, float) else str(value).strip()
        try:
            number = Decimal(text)
        except InvalidOperation:
            template = (
                gettext_noop(
                    "%(value)r is not a number (use a dot for decimals and no thousands separator)"
                )
                if "," in text
                else gettext_noop("%(value)r is not a number")
            )
            self.problem(column, message(template, value=text))
            return None
        if not number.is_finite():
            self.problem(
                column, message(gettext_noop("%(value)r is not a finite number"), value=text)
            )
            return None
        if isinstance(value, float):
            number = _without_noise(number, places, statistic)
        return number

    def boolean(self, column: str) -> bool:
        value = self.cells.get(column)
        if isinstance(value, bool | int | float) and value in (0, 1):
            return bool(value)  # a boolean or numeric cell of a workbook
        word = "" if value is None else str(value).strip().lower()
        if word in TRUE_WORDS:
            return True
        if word not in FALSE_WORDS:
            self.problem(
                column,
                message(gettext_noop("%(value)r is not yes/no, true/false or 1/0"), value=value),
            )
        return False

    def rating(self, column: str) -> int | None:
        number = self.decimal(column)
        if number is None:
            return None
        if number not in (1, 2, 3):
            self.problem(
                column,
                message(
                    gettext_noop("%(value)s is not a data quality rating of 1, 2 or 3"),
                    value=number,
                ),
            )
            return None
        return int(number)


@dataclass(frozen=True)
class _Context:
    """What a row is checked against besides itself."""

    factor_lookup: FactorLookup
    stages: tuple[str, ...]
    evidence: EvidenceIndex
    gases: tuple[str, ...]


# (supplier factor?, convertible through a net calorific value?) → what is wrong.
_MISMATCH = {
    (False, False): gettext_noop(
        "%(unit)s (%(dimension)s) does not fit factor %(factor)s, which is per %(per_unit)s "
        "(%(per_dimension)s)"
    ),
    (False, True): gettext_noop(
        "%(unit)s (%(dimension)s) does not fit factor %(factor)s, which is per %(per_unit)s "
        "(%(per_dimension)s) unless a net_calorific_value and ncv_unit are given"
    ),
    (True, False): gettext_noop(
        "%(unit)s (%(dimension)s) does not fit the supplier factor, which is per %(per_unit)s "
        "(%(per_dimension)s)"
    ),
    (True, True): gettext_noop(
        "%(unit)s (%(dimension)s) does not fit the supplier factor, which is per %(per_unit)s "
        "(%(per_dimension)s) unless a net_calorific_value and ncv_unit are given"
    ),
}


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
        parser.problem(
            "unit",
            message(
                _MISMATCH[(factor.kind == SUPPLIER, convertible)],
                unit=line_unit.symbol,
                dimension=line_unit.dimension,
                factor=factor.code,
                per_unit=per_unit.symbol,
                per_dimension=per_unit.dimension,
            ),
        )
        return
    try:
        calorific = parse_ratio_unit(calorific_unit)
    except UnitError as error:
        parser.problem("ncv_unit", error.message)
        return
    if calorific.numerator.dimension != ENERGY or (
        calorific.denominator.dimension != line_unit.dimension
    ):
        parser.problem(
            "ncv_unit",
            message(
                gettext_noop("%(ncv_unit)r must be energy per %(dimension)s, as in GJ/t or MJ/m3"),
                ncv_unit=calorific_unit,
                dimension=line_unit.dimension,
            ),
        )


def _library_factor(parser: _RowParser, context: _Context) -> Factor | None:
    code = parser.text("factor_code")
    factor = context.factor_lookup(code)
    if factor is None:
        parser.problem(
            "factor_code",
            message(gettext_noop("unknown emission factor code %(code)r"), code=code),
        )
    return factor


def _supplier_factor(parser: _RowParser, context: _Context) -> Factor | None:
    issues_before = len(parser.issues)
    value = parser.decimal("factor_value", required=True)
    unit = parser.text("factor_unit", required=True)
    if unit:
        try:
            parse_factor_unit(unit)
        except UnitError as error:
            parser.problem("factor_unit", error.message)
    source = parser.text("factor_source")
    reference = parser.text("factor_evidence")
    evidence = None
    if not reference:
        parser.problem(
            "factor_evidence",
            message(
                gettext_noop(
                    "name the evidence file of this dossier version that shows the supplier factor"
                )
            ),
        )
    else:
        evidence, problem = context.evidence.resolve(reference)
        if problem is not None:
            parser.problem("factor_evidence", problem)
    if not parser.text("justification"):
        parser.problem(
            "justification",
            message(gettext_noop("a supplier factor needs a justification: why it applies here")),
        )
    if len(parser.issues) > issues_before or value is None or evidence is None:
        return None
    return Factor(
        code=SUPPLIER_FACTOR_CODE,
        value=value,
        unit=unit,
        kind=SUPPLIER,
        source=source,
        evidence=evidence,
    )


def _direct_gas(parser: _RowParser, context: _Context, unit: str | None) -> Factor | None:
    """A mass of a gas. ``unit`` is the line's unit symbol when it is known."""
    issues_before = len(parser.issues)
    text = parser.text("gas")
    try:
        gas: str | None = normalise_gas(text)
    except UnitError:
        gas = None  # reported below, with the gases a line may name
    if gas not in context.gases:
        parser.problem(
            "gas",
            message(
                gettext_noop("%(gas)r is not a gas a line can give by mass; use one of %(gases)s"),
                gas=text,
                gases=", ".join(context.gases),
            ),
        )
    if unit is not None and lookup(unit).dimension != MASS:
        parser.problem(
            "unit",
            message(
                gettext_noop(
                    "a line with a gas gives the mass emitted: use g, kg or t, not %(unit)s "
                    "(%(dimension)s)"
                ),
                unit=unit,
                dimension=lookup(unit).dimension,
            ),
        )
    for column in ("net_calorific_value", "ncv_unit"):
        if parser.given(column):
            parser.problem(
                column, message(gettext_noop("a line with a gas takes no net calorific value"))
            )
    if len(parser.issues) > issues_before or gas is None:
        return None
    return direct_gas_factor(gas)


def _factor(parser: _RowParser, context: _Context, unit: str | None) -> Factor | None:
    """The row's factor, taken one of the three ways, or None with the problem noted."""
    ways = {
        "factor_code": parser.given("factor_code"),
        "supplier": any(parser.given(column) for column in SUPPLIER_COLUMNS),
        "gas": parser.given("gas"),
    }
    chosen = [way for way, given in ways.items() if given]
    if len(chosen) > 1:
        second = chosen[1]
        column = (
            next(column for column in SUPPLIER_COLUMNS if parser.given(column))
            if second == "supplier"
            else second
        )
        parser.problem(
            column,
            message(
                gettext_noop(
                    "give one of a factor_code, a supplier factor (factor_value, factor_unit, "
                    "factor_source, factor_evidence) or a gas, not several"
                )
            ),
        )
        return None
    if not chosen:
        parser.problem(
            "factor_code",
            message(
                gettext_noop(
                    "give a factor_code from the library, a supplier factor (factor_value, "
                    "factor_unit, factor_source, factor_evidence) or a gas whose mass the "
                    "amount is"
                )
            ),
        )
        return None
    if chosen == ["factor_code"]:
        return _library_factor(parser, context)
    if chosen == ["supplier"]:
        return _supplier_factor(parser, context)
    return _direct_gas(parser, context, unit)


def _stage(parser: _RowParser, context: _Context) -> str:
    stage = parser.text("stage", required=True)
    if stage and stage not in context.stages:
        parser.problem(
            "stage",
            message(
                gettext_noop("unknown stage %(stage)r; allowed: %(stages)s"),
                stage=stage,
                stages=", ".join(context.stages),
            ),
        )
    return stage


def _unit(parser: _RowParser) -> tuple[str, bool]:
    """The unit as its symbol, and whether the unit table knows it."""
    unit = parser.text("unit", required=True)
    if not unit:
        return unit, False
    try:
        return lookup(unit).symbol, True
    except UnitError as error:
        parser.problem("unit", error.message)
        return unit, False


def _calorific_value(parser: _RowParser) -> tuple[Decimal | None, str]:
    calorific_value = parser.decimal("net_calorific_value")
    calorific_unit = parser.text("ncv_unit")
    if calorific_value is not None and calorific_value <= 0:
        parser.problem(
            "net_calorific_value",
            message(gettext_noop("a net calorific value must be above zero")),
        )
    if (calorific_value is None) != (not calorific_unit):
        column = "ncv_unit" if calorific_value is not None else "net_calorific_value"
        parser.problem(
            column, message(gettext_noop("net_calorific_value and ncv_unit go together"))
        )
    return calorific_value, calorific_unit


def _uncertainty(parser: _RowParser) -> tuple[Decimal | None, Decimal | None]:
    """The geometric standard deviation and the relative one, at most one of them."""
    gsd = parser.decimal("uncertainty_gsd", places=6, statistic=True)
    if gsd is not None and gsd < 1:
        parser.problem(
            "uncertainty_gsd",
            message(gettext_noop("a geometric standard deviation is at least 1")),
        )
    relative_std = parser.decimal("uncertainty_relative_std", places=6, statistic=True)
    if relative_std is not None and relative_std < 0:
        parser.problem(
            "uncertainty_relative_std",
            message(gettext_noop("a relative standard deviation is not negative")),
        )
    if gsd is not None and relative_std is not None:
        parser.problem(
            "uncertainty_relative_std",
            message(gettext_noop("give uncertainty_gsd or this, not both")),
        )
    return gsd, relative_std


def _parse_row(parser: _RowParser, context: _Context) -> InventoryLine | None:
    # One column group after another: a row's problems are reported in this order.
    issues_before = len(parser.issues)
    stage = _stage(parser, context)
    name = parser.text("name", required=True)
    amount = parser.decimal("amount", required=True)
    unit, unit_known = _unit(parser)
    factor = _factor(parser, context, unit if unit_known else None)
    calorific_value, calorific_unit = _calorific_value(parser)
    if unit_known and factor is not None:
        _check_unit_fits(parser, unit, factor, calorific_unit, calorific_value is not None)
    ratings = {field: parser.rating(column) for column, field in RATING_COLUMNS.items()}
    gsd, relative_std = _uncertainty(parser)
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
    evidence_names: Collection[str] | None = None,
    gases: Sequence[str] = DIRECT_GASES,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_rows: int = DEFAULT_MAX_ROWS,
    max_uncompressed_bytes: int = DEFAULT_MAX_UNCOMPRESSED_BYTES,
    max_compression_ratio: float = DEFAULT_MAX_COMPRESSION_RATIO,
) -> list[ImportedRow]:
    """Every data row as an ``InventoryLine``, or ``ImportErrors`` listing every problem.

    ``evidence_names`` are the file names a supplier factor's ``factor_evidence`` may name
    (the dossier version's evidence files); ``gases`` those a ``gas`` column may name.
    """
    rows = read_cells(
        content,
        max_bytes=max_bytes,
        max_uncompressed_bytes=max_uncompressed_bytes,
        max_compression_ratio=max_compression_ratio,
    )
    context = _Context(
        factor_lookup=factor_lookup,
        stages=tuple(allowed_stages),
        evidence=EvidenceIndex(evidence_names),
        gases=tuple(gases),
    )
    positions: dict[str, int] | None = None
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
            issues.append(
                ImportIssue.of(
                    number,
                    None,
                    message(gettext_noop("more than %(limit)s data rows"), limit=max_rows),
                )
            )
            break
        cells = {name: values[at] for name, at in positions.items() if at < len(values)}
        parser = _RowParser(number, cells, issues)
        line = _parse_row(parser, context)
        if line is not None:
            imported.append(ImportedRow(number, line))
    if positions is None:
        raise file_error(gettext_noop("the file has no header row and no data"))
    if data_rows == 0:
        raise file_error(gettext_noop("the file has a header row but no data rows"))
    if issues:
        raise ImportErrors(issues)
    return imported
