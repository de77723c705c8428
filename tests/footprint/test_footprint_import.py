"""Importing an inventory from an uploaded spreadsheet, and exporting it back."""

import csv
import io
import math
import zipfile
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from footprint import spreadsheet_reader
from footprint.engine import STANDARD_STAGES, Factor, recompute
from footprint.exporter import build_template_xlsx, export_csv, export_xlsx
from footprint.importer import (
    COLUMNS,
    NOT_A_SPREADSHEET,
    ImportedRow,
    ImportErrors,
    ImportIssue,
    parse_inventory,
)

AR5 = {"CO2": Decimal(1), "CH4": Decimal(28), "N2O": Decimal(265)}
FACTORS = {
    factor.code: factor
    for factor in (
        Factor("CN-ELEC-CO2-2022-CN", Decimal("0.5366"), "kgCO2/kWh"),
        Factor("CN-ELEC-CFP-2023-CN", Decimal("0.6205"), "kgCO2e/kWh"),
        Factor("IPCC2006-STATIONARY-DIESEL", Decimal("74100"), "kgCO2/TJ"),
        Factor("TEST-ROAD-FREIGHT", Decimal("0.0712"), "kgCO2e/t·km"),
    )
}
# The template's columns before supplier factors and gases had their own: such files still import.
CLASSIC_COLUMNS = tuple(
    name
    for name in COLUMNS
    if name not in {"factor_value", "factor_unit", "factor_source", "factor_evidence", "gas"}
)
HEADER = [name for name in CLASSIC_COLUMNS if name != "uncertainty_relative_std"]
# fmt: off
GOOD_ROWS = [
    ["production", "注塑车间电力", "12345", "kWh", "CN-ELEC-CO2-2022-CN", "", "", "yes", "no",
     "1", "1", "1", "1", "1", "1.05", "meter readings Jan-Dec 2024"],
    ["production", "office electricity", "2.5", "MWh", "CN-ELEC-CFP-2023-CN", "", "", "no", "no",
     "2", "1", "1", "2", "2", "", ""],
    ["distribution", "diesel for delivery trucks", "3.2", "t", "IPCC2006-STATIONARY-DIESEL",
     "42.652", "GJ/t", "true", "false", "1", "2", "2", "1", "1", "", "fuel invoices"],
    ["distribution", "road freight", "1350", "tkm", "TEST-ROAD-FREIGHT", "", "", "0", "0",
     "", "", "", "", "", "", ""],
    ["use", "standby electricity", "100", "kWh", "CN-ELEC-CFP-2023-CN", "", "", "", "", "3",
     "3", "3", "3", "3", "", ""],
    ["end_of_life", "incineration energy", "50", "kWh", "CN-ELEC-CFP-2023-CN", "", "", "no",
     "yes", "", "", "", "", "", "", ""],
]
# fmt: on
# 6,624.327 + 1,551.25 + 10,113.64224 + 96.12 + 62.05 + 31.025
GOOD_TOTAL = Decimal("18478.41424")


def csv_bytes(rows: list[list[str]], header: list[str] = HEADER, bom: bool = False) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig" if bom else "utf-8")


def xlsx_bytes(rows: list[list[str]], header: list[str] = HEADER) -> bytes:
    """A workbook as a person would type it: numbers as numbers, empty cells empty."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        cells: list[object] = []
        for column, value in zip(header, row, strict=True):
            if value == "":
                cells.append(None)
            elif column in {"amount", "net_calorific_value", "uncertainty_gsd"}:
                cells.append(float(value))
            elif column.startswith("dq_"):
                cells.append(int(value))
            else:
                cells.append(value)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def parse(content: bytes, **limits: object) -> list[ImportedRow]:
    return parse_inventory(content, FACTORS.get, **limits)  # type: ignore[arg-type]


def errors_of(content: bytes, **limits: object) -> tuple[ImportIssue, ...]:
    with pytest.raises(ImportErrors) as raised:
        parse(content, **limits)
    return raised.value.errors


# Good files


@pytest.mark.parametrize(
    "content",
    [xlsx_bytes(GOOD_ROWS), csv_bytes(GOOD_ROWS), csv_bytes(GOOD_ROWS, bom=True)],
    ids=["xlsx", "csv", "csv-with-bom"],
)
def test_good_file_imports_every_row(content):
    rows = parse(content)
    assert [row.row for row in rows] == [2, 3, 4, 5, 6, 7]
    first, _, diesel, freight, use, end_of_life = (row.line for row in rows)
    assert (first.stage, first.name, first.amount, first.unit) == (
        "production",
        "注塑车间电力",
        Decimal(12345),
        "kWh",
    )
    assert (first.is_primary, first.is_biogenic, first.uncertainty_gsd) == (
        True,
        False,
        Decimal("1.05"),
    )
    assert first.justification == "meter readings Jan-Dec 2024"
    assert (diesel.net_calorific_value, diesel.net_calorific_value_unit) == (
        Decimal("42.652"),
        "GJ/t",
    )
    assert (diesel.is_primary, diesel.temporal, diesel.geographical) == (True, 2, 2)
    assert freight.unit == "t·km"
    assert use.reliability == 3
    assert end_of_life.is_biogenic is True
    assert recompute([row.line for row in rows], AR5).total == GOOD_TOTAL


def test_semicolon_separated_csv_imports():
    content = csv_bytes(GOOD_ROWS).decode().replace(",", ";").encode()
    assert len(parse(content)) == 6


def test_blank_rows_are_skipped():
    content = csv_bytes([GOOD_ROWS[0], [""] * len(HEADER), GOOD_ROWS[1]])
    assert [row.row for row in parse(content)] == [2, 4]


# Bad rows: every problem is reported, nothing is returned


def test_bad_unit_in_row_7_is_reported_there_and_nothing_is_returned():
    rows = [list(row) for row in GOOD_ROWS]
    rows[5][3] = "kWhh"  # the sixth data row is spreadsheet row 7
    for content in (csv_bytes(rows), xlsx_bytes(rows)):
        errors = errors_of(content)
        assert len(errors) == 1
        assert (errors[0].row, errors[0].column) == (7, "unit")
        assert "unknown unit 'kWhh'" in errors[0].message


def test_non_numeric_amount_in_csv():
    rows = [list(GOOD_ROWS[0]), list(GOOD_ROWS[1])]
    rows[1][2] = "twelve"
    (error,) = errors_of(csv_bytes(rows))
    assert (error.row, error.column) == (3, "amount")
    assert "'twelve' is not a number" in error.message


def test_thousands_separator_gets_a_hint():
    rows = [list(GOOD_ROWS[0])]
    rows[0][2] = "12,345"
    (error,) = errors_of(csv_bytes(rows))
    assert "use a dot for decimals" in error.message


def test_every_problem_in_every_row_is_collected():
    rows = [list(row) for row in GOOD_ROWS[:4]]
    rows[0][0] = "manufacturing"  # unknown stage
    rows[1][4] = "NO-SUCH-FACTOR"
    rows[2][5], rows[2][6] = "", ""  # diesel by mass without a calorific value
    rows[3][7] = "maybe"
    rows[3][10] = "4"
    errors = errors_of(csv_bytes(rows))
    assert [(error.row, error.column) for error in errors] == [
        (2, "stage"),
        (3, "factor_code"),
        (4, "unit"),
        (5, "dq_temporal"),
        (5, "primary"),
    ]
    assert "net_calorific_value" in errors[2].message


def test_unit_of_the_wrong_dimension_for_the_factor():
    rows = [list(GOOD_ROWS[0])]
    rows[0][3] = "kg"
    (error,) = errors_of(csv_bytes(rows))
    assert (error.row, error.column) == (2, "unit")
    assert "kg (mass) does not fit factor CN-ELEC-CO2-2022-CN, which is per kWh" in error.message


def test_calorific_value_unit_must_match_the_amount():
    rows = [list(GOOD_ROWS[2])]
    rows[0][6] = "GJ/m3"  # the diesel is given in tonnes
    (error,) = errors_of(csv_bytes(rows))
    assert (error.row, error.column) == (2, "ncv_unit")


def test_missing_and_unknown_columns_are_reported_on_the_header_row():
    header = [name for name in HEADER if name != "factor_code"] + ["colour"]
    rows = [
        [value for name, value in zip(HEADER, GOOD_ROWS[0], strict=True) if name != "factor_code"]
        + ["red"]
    ]
    errors = errors_of(csv_bytes(rows, header=header))
    assert {(error.row, error.column) for error in errors} == {(1, "colour"), (1, "factor_code")}


def test_too_many_rows():
    (error,) = errors_of(csv_bytes(GOOD_ROWS), max_rows=3)
    assert (error.row, error.message) == (5, "more than 3 data rows")


# Bad files


def test_empty_file():
    assert errors_of(b"") == (ImportIssue(None, None, "the file is empty"),)


def test_file_with_a_header_but_no_data_rows():
    for content in (csv_bytes([]), xlsx_bytes([])):
        (error,) = errors_of(content)
        assert error.message == "the file has a header row but no data rows"


def test_blank_text_file_has_no_header():
    (error,) = errors_of(b"\r\n \r\n")
    assert error.message == "the file has no header row and no data"


def test_png_named_xlsx_is_not_a_spreadsheet():
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06"
    assert errors_of(png) == (ImportIssue(None, None, NOT_A_SPREADSHEET),)


def test_zip_that_is_not_a_workbook_is_not_a_spreadsheet():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    (error,) = errors_of(buffer.getvalue())
    assert error.message.startswith(NOT_A_SPREADSHEET)


def test_legacy_xls_is_refused_with_advice():
    (error,) = errors_of(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100))
    assert "save the file as .xlsx" in error.message


def test_file_over_the_size_limit():
    content = csv_bytes(GOOD_ROWS)
    (error,) = errors_of(content, max_bytes=len(content) - 1)
    assert error.message == (
        f"the file is {len(content)} bytes, more than the limit of {len(content) - 1}"
    )


def test_default_size_limit_is_five_mebibytes():
    content = csv_bytes(GOOD_ROWS)
    padded = content + b" " * (5 * 1024 * 1024 + 1 - len(content))
    (error,) = errors_of(padded)
    assert "more than the limit of 5242880" in error.message


def test_zip_bomb_posing_as_xlsx_is_refused_before_it_is_opened(monkeypatch):
    def must_not_open(*arguments: object, **keywords: object) -> None:
        raise AssertionError("openpyxl must not open a zip bomb")

    monkeypatch.setattr(spreadsheet_reader, "load_workbook", must_not_open)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", bytes(8 * 1024 * 1024))
    content = buffer.getvalue()
    assert len(content) < 100_000  # small enough to pass the size limit
    (error,) = errors_of(content)
    assert "possible zip bomb" in error.message


def test_workbook_that_unpacks_beyond_the_limit_is_refused():
    (error,) = errors_of(xlsx_bytes(GOOD_ROWS), max_uncompressed_bytes=1000)
    assert "would unpack to" in error.message


def test_a_workbooks_computed_numbers_are_read_as_the_workbook_shows_them():
    """A formula's result (=10/3, =EXP(0.4)) carries binary noise and a repeating tail past the
    columns' decimals: it is read to 15 significant digits and rounded to the column."""
    row = list(GOOD_ROWS[0])
    row[HEADER.index("amount")] = str(10 / 3)
    row[HEADER.index("uncertainty_gsd")] = str(math.exp(0.4))
    (imported,) = parse(xlsx_bytes([row]))
    line = imported.line
    assert line.amount == Decimal("3.333333333333")
    assert line.uncertainty_gsd == Decimal("1.491825")


def test_a_workbook_number_that_rounding_would_change_is_not_rounded():
    row = list(GOOD_ROWS[0])
    row[HEADER.index("amount")] = "1e-13"
    (imported,) = parse(xlsx_bytes([row]))
    assert imported.line.amount == Decimal("1E-13")  # the field's checks refuse it later


def test_a_workbook_whose_sheet_is_broken_xml_is_reported():
    """The workbook opens (its parts are listed), but its sheet fails as it is read."""
    good = io.BytesIO(xlsx_bytes(GOOD_ROWS))
    buffer = io.BytesIO()
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(buffer, "w") as archive:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                data = data[: len(data) // 2]  # cut off mid-element
            archive.writestr(item, data)
    (error,) = errors_of(buffer.getvalue())
    assert error.message.startswith("the .xlsx workbook could not be read")


def test_corrupt_workbook_is_reported():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "not xml")
        archive.writestr("xl/workbook.xml", "not xml")
    (error,) = errors_of(buffer.getvalue())
    assert error.message.startswith("the .xlsx workbook could not be read")


# Exports and the template


def test_csv_export_imports_back_unchanged():
    lines = [row.line for row in parse(csv_bytes(GOOD_ROWS))]
    assert [row.line for row in parse(export_csv(lines))] == lines


def test_xlsx_export_imports_back_unchanged():
    lines = [row.line for row in parse(xlsx_bytes(GOOD_ROWS))]
    assert [row.line for row in parse(export_xlsx(lines))] == lines


def test_formula_like_text_is_neutralised_in_exports_and_restored_on_import():
    rows = [list(GOOD_ROWS[0])]
    rows[0][1] = '=HYPERLINK("http://example.invalid")'
    rows[0][15] = "+1 from the meter"
    lines = [row.line for row in parse(csv_bytes(rows))]
    exported_csv = export_csv(lines)
    assert b"'=HYPERLINK" in exported_csv
    assert [row.line for row in parse(exported_csv)] == lines
    exported_xlsx = export_xlsx(lines)
    cell = load_workbook(io.BytesIO(exported_xlsx))["inventory"]["B2"]
    assert (cell.data_type, cell.value) == ("s", lines[0].name)
    assert [row.line for row in parse(exported_xlsx)] == lines


def test_template_has_the_columns_and_the_allowed_values():
    content = build_template_xlsx(STANDARD_STAGES, ["kWh", "MWh", "t"], sorted(FACTORS))
    workbook = load_workbook(io.BytesIO(content))
    assert workbook.sheetnames == ["inventory", "allowed values"]
    assert tuple(cell.value for cell in workbook["inventory"][1]) == COLUMNS
    allowed = workbook["allowed values"]
    assert [cell.value for cell in allowed["A"][1:6]] == list(STANDARD_STAGES)
    assert [cell.value for cell in allowed["B"][1:4]] == ["kWh", "MWh", "t"]
    assert [cell.value for cell in allowed["C"][1:5]] == sorted(FACTORS)
    assert [cell.value for cell in allowed["D"][1:4]] == ["CO2", "CH4", "N2O"]
    assert len(workbook["inventory"].data_validations.dataValidation) == 6
    (error,) = errors_of(content)
    assert error.message == "the file has a header row but no data rows"
