"""The blank spreadsheet for starting several applications at once (certification/bulk.py): its
columns, with drop-down lists of the codes to write in them and what each column means."""

import csv
import io

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from accounts.models import BodyStatus, Organisation, Scheme
from accounts.roles import OrganisationKind

from .bulk import COLUMNS, SHEET
from .models import ProductCategory

LISTS_SHEET = "lists"
HELP_SHEET = "columns"
TEMPLATE_ROWS = 1000


def template_csv() -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerow(COLUMNS)
    # With a byte order mark, spreadsheet programs open the file as UTF-8 (Chinese names).
    return buffer.getvalue().encode("utf-8-sig")


def _header(sheet: Worksheet, names: list[str]) -> None:
    sheet.append(names)
    for cell in sheet[1]:
        cell.font = Font(bold=True)


def _text(sheet: Worksheet, row: int, column: int, value: str) -> None:
    cell = sheet.cell(row, column, value)
    cell.data_type = "s"  # never a formula, whatever the text starts with


def _drop_down(sheet: Worksheet, column: str, source_letter: str, count: int) -> None:
    letter = get_column_letter(list(COLUMNS).index(column) + 1)
    validation = DataValidation(
        type="list",
        formula1=f"{LISTS_SHEET}!${source_letter}$2:${source_letter}${max(count, 1) + 1}",
        allow_blank=True,
    )
    sheet.add_data_validation(validation)
    validation.add(f"{letter}2:{letter}{TEMPLATE_ROWS}")


def template_xlsx() -> bytes:
    bodies = list(
        Organisation.objects.filter(
            kind=OrganisationKind.CERTIFICATION_BODY, status=BodyStatus.ACTIVE
        )
        .prefetch_related("accredited_categories")
        .order_by("code")
    )
    categories = list(ProductCategory.objects.filter(level="catalogue_product").order_by("code"))
    workbook = Workbook()
    applications = workbook.active
    assert isinstance(applications, Worksheet)
    applications.title = SHEET
    _header(applications, list(COLUMNS))
    applications.freeze_panes = "A2"
    for index, name in enumerate(COLUMNS, start=1):
        applications.column_dimensions[get_column_letter(index)].width = max(len(name) + 4, 16)

    lists = workbook.create_sheet(LISTS_SHEET)
    _header(lists, ["body", "body name", "accredited categories", "category", "category name"])
    for row, body in enumerate(bodies, start=2):
        _text(lists, row, 1, body.code or "")
        _text(lists, row, 2, body.name)
        _text(lists, row, 3, ", ".join(c.code for c in body.accredited_categories.all()))
    for row, category in enumerate(categories, start=2):
        _text(lists, row, 4, category.code)
        _text(lists, row, 5, category.name)
    _drop_down(applications, "body", "A", len(bodies))
    _drop_down(applications, "category", "D", len(categories))
    schemes = DataValidation(type="list", formula1=f'"{",".join(Scheme.values)}"')
    applications.add_data_validation(schemes)
    letter = get_column_letter(list(COLUMNS).index("scheme") + 1)
    schemes.add(f"{letter}2:{letter}{TEMPLATE_ROWS}")

    meanings = workbook.create_sheet(HELP_SHEET)
    _header(meanings, ["column", "meaning"])
    for name, meaning in COLUMNS.items():
        meanings.append([name, str(meaning)])
    meanings.column_dimensions["B"].width = 100
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
