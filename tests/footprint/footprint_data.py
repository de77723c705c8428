"""Hand-computed inventories and spreadsheets for the footprint engine's Django tests."""

import csv
import io
import zipfile
from decimal import Decimal

from django.conf import settings
from openpyxl import Workbook

from certification.footprint.importer import COLUMNS

REFERENCE = settings.REFERENCE_DIR
GRID = "CN-ELEC-CFP:2023:national_average"  # 0.6205 kgCO2e/kWh
NATURAL_GAS = "IPCC2006-STATIONARY:2006:natural_gas"  # 56,100 kgCO2/TJ
GRID_CO2_2022 = "CN-ELEC-CO2:2022:national_average"  # 0.5366 kgCO2/kWh

# The dossier of tests/factories.py declares 85.4 kgCO2e (AR6): raw material 61.2, production
# 14.8, distribution 2.1, use 5.9, end of life 1.4. These lines recompute, by hand, to:
#   raw material   5.1 kg × 12 kgCO2e/kg                                  = 61.2
#   production     20 kWh × 0.6205                                         = 12.41
#                  0.04 GJ × 56,100 kgCO2/TJ = 0.00004 TJ × 56,100         =  2.244
#                  0.01 kg CH4 × 1 kgCH4/kg × 27.9 (AR6)                   =  0.279   → 14.933
#   distribution   30 t·km × 0.07 kgCO2e/t·km                              =  2.1
#   use            9.5 kWh × 0.6205                                        =  5.89475
#   end of life    1.4 kg × 1 kgCO2e/kg, biogenic                          =  1.4
#   total 85.52775; fossil 84.12775; biogenic 1.4; primary 14.933 / 85.52775
#   deviation |85.4 − 85.52775| / 85.4 = 0.12775 / 85.4
EXPECTED_TOTAL = Decimal("85.52775")
EXPECTED_BY_STAGE = {
    "raw_material": "61.2",
    "production": "14.933",
    "distribution": "2.1",
    "use": "5.89475",
    "end_of_life": "1.4",
}
EXPECTED_FOSSIL = Decimal("84.12775")
EXPECTED_BIOGENIC = Decimal("1.4")
EXPECTED_DEVIATION = Decimal("0.12775") / Decimal("85.4")
EXPECTED_PRIMARY_SHARE = Decimal("14.933") / Decimal("85.52775")

SUPPLIER = {"justification": "Supplier EPD, 2024."}
HAND_LINES = [
    {
        "stage": "raw_material",
        "name": "aluminium casing",
        "amount": Decimal("5.1"),
        "unit": "kg",
        "custom_factor_value": Decimal("12"),
        "custom_factor_unit": "kgCO2e/kg",
        **SUPPLIER,
    },
    {
        "stage": "production",
        "name": "assembly electricity",
        "amount": Decimal("20"),
        "unit": "kWh",
        "factor_code": GRID,
        "is_primary": True,
        "dq_technological": 1,
        "dq_temporal": 1,
        "dq_geographical": 1,
        "dq_completeness": 1,
        "dq_reliability": 1,
    },
    {
        "stage": "production",
        "name": "natural gas for drying",
        "amount": Decimal("0.04"),
        "unit": "GJ",
        "factor_code": NATURAL_GAS,
        "is_primary": True,
    },
    {
        "stage": "production",
        "name": "process methane",
        "amount": Decimal("0.01"),
        "unit": "kg",
        "custom_factor_value": Decimal("1"),
        "custom_factor_unit": "kgCH4/kg",
        "is_primary": True,
        "justification": "Mass balance of the process gas.",
    },
    {
        "stage": "distribution",
        "name": "road freight",
        "amount": Decimal("30"),
        "unit": "t·km",
        "custom_factor_value": Decimal("0.07"),
        "custom_factor_unit": "kgCO2e/tkm",
        **SUPPLIER,
    },
    {
        "stage": "use",
        "name": "charging losses",
        "amount": Decimal("9.5"),
        "unit": "kWh",
        "factor_code": GRID,
    },
    {
        "stage": "end_of_life",
        "name": "packaging incineration",
        "amount": Decimal("1.4"),
        "unit": "kg",
        "custom_factor_value": Decimal("1"),
        "custom_factor_unit": "kgCO2e/kg",
        "is_biogenic": True,
        **SUPPLIER,
    },
]


# --- spreadsheets -------------------------------------------------------------------------

# fmt: off
GOOD_ROWS = [
    ["production", "注塑车间电力", "12345", "kWh", GRID_CO2_2022, "", "", "yes", "no",
     "1", "1", "1", "1", "1", "1.05", "", "meter readings Jan-Dec 2024"],
    ["production", "office electricity", "2.5", "MWh", GRID, "", "", "no", "no",
     "2", "1", "1", "2", "2", "", "", ""],
    ["distribution", "natural gas boiler", "120", "m3", NATURAL_GAS, "36.4", "MJ/m3", "yes",
     "no", "1", "2", "2", "1", "1", "", "0.1", "gas bills"],
    ["use", "standby electricity", "100", "kWh", GRID, "", "", "", "", "3", "3", "3", "3", "3",
     "", "", ""],
    ["end_of_life", "incineration energy", "50", "kWh", GRID, "", "", "no", "yes",
     "", "", "", "", "", "", "", ""],
    ["raw_material", "upstream electricity", "10", "kWh", GRID, "", "", "no", "no",
     "", "", "", "", "", "", "", ""],
]
# fmt: on
# 12,345 × 0.5366 + 2,500 × 0.6205 + 120 × 36.4 MJ × 56,100 kgCO2/TJ + 160 × 0.6205
# = 6,624.327 + 1,551.25 + 245.0448 + 99.28 = 8,519.9018
GOOD_TOTAL = Decimal("8519.9018")


def csv_bytes(rows: list[list[str]], header: tuple[str, ...] = COLUMNS) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def xlsx_bytes(rows: list[list[str]], header: tuple[str, ...] = COLUMNS) -> bytes:
    """A workbook as a person types it: numbers as numbers, empty cells empty."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(header))
    for row in rows:
        cells: list[object] = []
        for column, value in zip(header, row, strict=True):
            if value == "":
                cells.append(None)
            elif column in {
                "amount",
                "net_calorific_value",
                "uncertainty_gsd",
                "uncertainty_relative_std",
            }:
                cells.append(float(value))
            elif column.startswith("dq_"):
                cells.append(int(value))
            else:
                cells.append(value)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def bad_unit_in_row_7() -> list[list[str]]:
    rows = [list(row) for row in GOOD_ROWS]
    rows[5][3] = "kWhh"  # the sixth data row is spreadsheet row 7
    return rows


def zip_bomb() -> bytes:
    """Small on disk, 8 MiB of zeros inside, dressed as a workbook."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", bytes(8 * 1024 * 1024))
    return buffer.getvalue()


PNG_NAMED_XLSX = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06"
