"""Hand-computed inventories and spreadsheets for the footprint engine's Django tests."""

import csv
import io
import zipfile
from decimal import Decimal

from django.conf import settings
from openpyxl import Workbook

from footprint.dataset_reader import DATASET_COLUMNS
from footprint.importer import COLUMNS, SUPPLIER_COLUMNS

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

# The template's columns before supplier factors and gases had their own: such files still import.
CLASSIC_COLUMNS = tuple(name for name in COLUMNS if name not in {*SUPPLIER_COLUMNS, "gas"})

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


def csv_bytes(rows: list[list[str]], header: tuple[str, ...] = CLASSIC_COLUMNS) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def xlsx_bytes(rows: list[list[str]], header: tuple[str, ...] = CLASSIC_COLUMNS) -> bytes:
    """A workbook as a person types it: numbers as numbers, empty cells empty."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(header))
    for row in rows:
        cells: list[object] = []
        for column, value in zip(header, row, strict=True):
            if value == "":
                cells.append(None)
            elif column in NUMBER_COLUMNS:
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


# --- a realistic inventory in one file: library factors, supplier factors, gases ---------

# The evidence files the supplier factors name, uploaded to the dossier version beforehand.
SUPPLIER_EVIDENCE = (
    "cathode-epd-2024.pdf",
    "graphite-lca-2024.pdf",
    "casing-declaration-2024.pdf",
    "logistics-report-2024.pdf",
)


REALISTIC_ROWS = [
    dict(
        stage="raw_material",
        name="Cathode active material NCM811",
        amount="2.1",
        unit="kg",
        factor_value="15.2",
        factor_unit="kgCO2e/kg",
        factor_source="Supplier EPD S-P-10231 (2024)",
        factor_evidence="cathode-epd-2024.pdf",
        justification="Sole cathode supplier; the EPD covers this grade.",
        dq_technological="1",
        dq_temporal="1",
        dq_geographical="1",
        dq_completeness="2",
        dq_reliability="1",
    ),
    dict(
        stage="raw_material",
        name="Anode graphite",
        amount="1.2",
        unit="千克",
        factor_value="8",
        factor_unit="kgCO2e/kg",
        factor_source="Supplier LCA report 2024-07",
        factor_evidence="Graphite-LCA-2024.PDF",
        justification="Supplier's own cradle-to-gate study, third-party reviewed.",
    ),
    dict(
        stage="raw_material",
        name="Aluminium casing",
        amount="1.6",
        unit="kg",
        factor_value="12",
        factor_unit="tCO2e/t",
        factor_source="Casing supplier's declaration, 2024",
        factor_evidence="casing-declaration-2024.pdf",
        justification="Declared per tonne of casings delivered in 2024.",
        uncertainty_gsd="1.2",
    ),
    dict(
        stage="production",
        name="Cell assembly electricity",
        amount="19.5",
        unit="度",
        factor_code=GRID,
        primary="yes",
        justification="Plant meters, 2024.",
    ),
    dict(
        stage="production",
        name="Natural gas for electrode drying",
        amount="1",
        unit="m3",
        factor_code=NATURAL_GAS,
        net_calorific_value="36.4",
        ncv_unit="MJ/m3",
        primary="yes",
    ),
    dict(
        stage="production",
        name="Methane vented from electrolyte degassing",
        amount="0.015",
        unit="kg",
        gas="CH4",
        primary="yes",
        justification="Mass balance of the degassing step.",
    ),
    dict(
        stage="distribution",
        name="Road freight to the customer",
        amount="30000",
        unit="kg·km",
        factor_value="0.07",
        factor_unit="kgCO2e/(t*km)",
        factor_source="Logistics provider's carbon report 2024, table 3",
        factor_evidence="logistics-report-2024.pdf",
        justification="The provider's fleet average for this route.",
    ),
    dict(
        stage="use",
        name="Charging losses over the service life",
        amount="9.5",
        unit="kWh",
        factor_code=GRID,
    ),
    dict(
        stage="end_of_life",
        name="Incineration of plastic parts, fossil CO2",
        amount="1.35",
        unit="kg",
        gas="CO2",
    ),
    dict(
        stage="end_of_life",
        name="Incineration of plastic parts, N2O",
        amount="0.2",
        unit="g",
        gas="N2O",
    ),
]
# By hand, AR6 (CH4 27.9, N2O 273):
#   raw material   2.1 × 15.2 = 31.92; 1.2 × 8 = 9.6; 1.6 kg × 12 tCO2e/t = 19.2     → 60.72
#   production     19.5 × 0.6205 = 12.09975; 36.4 MJ = 0.0000364 TJ × 56,100 = 2.04204;
#                  0.015 kg CH4 × 27.9 = 0.4185                                   → 14.56029
#   distribution   30,000 kg·km = 30 t·km × 0.07                                   →  2.1
#   use            9.5 × 0.6205                                                    →  5.89475
#   end of life    1.35 kg CO2 + 0.0002 kg N2O × 273 = 1.35 + 0.0546               →  1.4046
#   total 84.67964, 0.72036 under the declared 85.4 (0.84 %)
REALISTIC_BY_STAGE = {
    "raw_material": Decimal("60.72"),
    "production": Decimal("14.56029"),
    "distribution": Decimal("2.1"),
    "use": Decimal("5.89475"),
    "end_of_life": Decimal("1.4046"),
}
REALISTIC_TOTAL = Decimal("84.67964")
# AR5 (CH4 28, N2O 265) moves the two gas lines only: 0.42 and 0.053.
REALISTIC_TOTAL_AR5 = (
    REALISTIC_TOTAL - Decimal("0.4185") - Decimal("0.0546") + Decimal("0.42") + Decimal("0.053")
)
NUMBER_COLUMNS = {
    "amount",
    "factor_value",
    "net_calorific_value",
    "uncertainty_gsd",
    "uncertainty_relative_std",
}


def inventory_csv(rows: list[dict[str, str]], header: tuple[str, ...] = COLUMNS) -> bytes:
    return csv_bytes([[row.get(name, "") for name in header] for row in rows], header)


def inventory_xlsx(rows: list[dict[str, str]], header: tuple[str, ...] = COLUMNS) -> bytes:
    return xlsx_bytes([[row.get(name, "") for name in header] for row in rows], header)


# --- an additional factor dataset file (test values, not published factors) ---------------

DATASET_ROW = {
    "dataset": "TEST-MATERIALS",
    "dataset_name": "Test material factors",
    "code": "TEST-MATERIALS:2023:cement",
    "name": "cement, test value",
    "region": "CN",
    "data_year": "2023",
    "published": "2025-01",
    "publisher": "Test publisher",
    "source": "Test fixture, table 1",
    "licence_note": "",
    "factor_kind": "national_average",
    "value": "0.5",
    "unit": "tCO2e/t",
    "gwp_set": "AR6",
}


def dataset_row(**changes: str) -> dict[str, str]:
    return {**DATASET_ROW, **changes}


def dataset_csv(rows: list[dict[str, str]], header: tuple[str, ...] = DATASET_COLUMNS) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows([[values.get(name, "") for name in header] for values in rows])
    return buffer.getvalue().encode()
