"""Write inventories out: a blank template to fill in, and exports that import back unchanged.

The columns are the importer's, in the same order, so a file exported here can be edited and
uploaded again: a library factor as its code, a supplier factor as its value, unit, source and
evidence file name, a direct gas line as its gas.

Text that a spreadsheet program would run as a formula (a name starting with ``=``, say) is
stored as plain text in .xlsx and prefixed with ``'`` in .csv; the importer drops that prefix
again.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from config.exports import csv_safe
from footprint.engine import DIRECT, LIBRARY, SUPPLIER, Factor, InventoryLine
from footprint.importer import COLUMNS, RATING_COLUMNS
from footprint.messages import Translate, gettext_noop
from footprint.units import DIRECT_GASES

INVENTORY_SHEET = "inventory"
ALLOWED_SHEET = "allowed values"
TEMPLATE_ROWS = 5000

COLUMN_HELP: dict[str, str] = {
    "stage": gettext_noop("life-cycle stage, from the allowed list"),
    "name": gettext_noop("what the activity is, e.g. 'grid electricity, assembly line'"),
    "amount": gettext_noop("activity amount, a plain number with a dot for decimals"),
    "unit": gettext_noop("unit of the amount, from the allowed list"),
    "factor_code": gettext_noop(
        "emission factor code, from the allowed list; or leave it empty and give a supplier "
        "factor or a gas"
    ),
    "factor_value": gettext_noop("a supplier-specific factor instead of a library one: its value"),
    "factor_unit": gettext_noop(
        "unit of the supplier factor: g, kg or t of CO2e (or of a gas) per unit, e.g. kgCO2e/kg, "
        "tCO2e/MWh, kgCO2e/(t*km)"
    ),
    "factor_source": gettext_noop(
        "where the supplier factor comes from: the supplier's EPD or report, its number and year"
    ),
    "factor_evidence": gettext_noop(
        "file name of the dossier's evidence file that shows the supplier factor (upload it first)"
    ),
    "gas": gettext_noop(
        "instead of a factor: CO2, CH4 or N2O emitted, with the amount as its mass in g, kg or "
        "t; the dossier's GWP set converts it"
    ),
    "net_calorific_value": gettext_noop(
        "for fuels given by mass or volume when the factor is per energy"
    ),
    "ncv_unit": gettext_noop("unit of the net calorific value, e.g. GJ/t or MJ/m3"),
    "primary": gettext_noop("yes if measured at the site (primary data), else no"),
    "biogenic": gettext_noop("yes if the emission is of biogenic carbon, else no"),
    "dq_technological": gettext_noop("data quality 1 (good) to 3 (poor)"),
    "dq_temporal": gettext_noop("data quality 1 (good) to 3 (poor)"),
    "dq_geographical": gettext_noop("data quality 1 (good) to 3 (poor)"),
    "dq_completeness": gettext_noop("data quality 1 (good) to 3 (poor)"),
    "dq_reliability": gettext_noop("data quality 1 (good) to 3 (poor)"),
    "uncertainty_gsd": gettext_noop("geometric standard deviation (≥ 1), if known"),
    "uncertainty_relative_std": gettext_noop(
        "standard deviation over mean, if known (instead of the GSD)"
    ),
    "justification": gettext_noop(
        "source of the data and why this factor applies; required with a supplier factor"
    ),
}


def _yes_no(flag: bool) -> str:
    return "yes" if flag else "no"


def _factor_values(factor: Factor) -> list[object]:
    """factor_code, the four supplier factor columns and gas, as the factor's kind fills them."""
    supplier = factor.kind == SUPPLIER
    return [
        factor.code if factor.kind == LIBRARY else None,
        factor.value if supplier else None,
        factor.unit if supplier else None,
        factor.source if supplier else None,
        factor.evidence if supplier else None,
        factor.gas if factor.kind == DIRECT else None,
    ]


def _row_values(line: InventoryLine) -> list[object]:
    ratings: list[object] = [getattr(line, field) for field in RATING_COLUMNS.values()]
    return [
        line.stage,
        line.name,
        line.amount,
        line.unit,
        *_factor_values(line.factor),
        line.net_calorific_value,
        line.net_calorific_value_unit,
        _yes_no(line.is_primary),
        _yes_no(line.is_biogenic),
        *ratings,
        line.uncertainty_gsd,
        line.uncertainty_relative_std,
        line.justification,
    ]


def export_csv(lines: Iterable[InventoryLine]) -> bytes:
    """UTF-8 with a byte order mark, so that spreadsheet programs show Chinese text correctly."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for line in lines:
        writer.writerow([csv_safe(value) for value in _row_values(line)])
    return buffer.getvalue().encode("utf-8-sig")


def _cell(sheet: Worksheet, value: object) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # never a formula, whatever the text starts with
    return cell


def export_xlsx(lines: Iterable[InventoryLine]) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(INVENTORY_SHEET)
    sheet.append([_cell(sheet, name) for name in COLUMNS])
    for line in lines:
        sheet.append([_cell(sheet, value) for value in _row_values(line)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _column_letter(column: str) -> str:
    return get_column_letter(COLUMNS.index(column) + 1)


def _add_validation(sheet: Worksheet, validation: DataValidation, columns: Iterable[str]) -> None:
    for column in columns:
        letter = _column_letter(column)
        validation.add(f"{letter}2:{letter}{TEMPLATE_ROWS + 1}")
    sheet.add_data_validation(validation)


def _allowed_list(column_letter: str, count: int) -> DataValidation:
    source = f"'{ALLOWED_SHEET}'!${column_letter}$2:${column_letter}${max(count, 1) + 1}"
    return DataValidation(type="list", formula1=source, allow_blank=True)


def _bold_header(sheet: Worksheet, names: Sequence[str]) -> None:
    sheet.append(list(names))
    for cell in sheet[1]:
        cell.font = Font(bold=True)


def _same(text: str) -> str:
    return text


def build_template_xlsx(
    stages: Sequence[str],
    units: Sequence[str],
    factor_codes: Sequence[str],
    gases: Sequence[str] = DIRECT_GASES,
    translate: Translate = _same,
) -> bytes:
    """A workbook with an empty inventory sheet whose cells offer drop-down lists, and a second
    sheet listing the allowed stages, units, factor codes and gases with what each column
    means (in the language ``translate`` gives; the column names stay as the importer reads
    them)."""
    workbook = Workbook()
    inventory = workbook.active
    assert isinstance(inventory, Worksheet)
    inventory.title = INVENTORY_SHEET
    _bold_header(inventory, COLUMNS)
    inventory.freeze_panes = "A2"
    for name in COLUMNS:
        inventory.column_dimensions[_column_letter(name)].width = max(len(name) + 2, 14)

    allowed = workbook.create_sheet(ALLOWED_SHEET)
    _bold_header(allowed, ["stage", "unit", "factor_code", "gas", "column", "meaning"])
    meanings = [translate(COLUMN_HELP[name]) for name in COLUMNS]
    lists = (stages, units, factor_codes, gases, COLUMNS, meanings)
    for offset in range(max(len(values) for values in lists)):
        allowed.append([values[offset] if offset < len(values) else None for values in lists])

    _add_validation(inventory, _allowed_list("A", len(stages)), ["stage"])
    _add_validation(inventory, _allowed_list("B", len(units)), ["unit"])
    _add_validation(inventory, _allowed_list("C", len(factor_codes)), ["factor_code"])
    _add_validation(inventory, _allowed_list("D", len(gases)), ["gas"])
    yes_no = DataValidation(type="list", formula1='"yes,no"', allow_blank=True)
    _add_validation(inventory, yes_no, ["primary", "biogenic"])
    rating = DataValidation(
        type="whole", operator="between", formula1="1", formula2="3", allow_blank=True
    )
    _add_validation(inventory, rating, RATING_COLUMNS)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
