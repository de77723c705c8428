"""The import's three ways to a factor, in the pure core: a library code, a supplier factor
(value, unit, source, evidence file) and a gas given by mass; every wrong combination is named
at its row and column, and nothing is returned."""

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from footprint.engine import (
    DIRECT,
    LIBRARY,
    SUPPLIER,
    Factor,
    direct_gas_factor,
    recompute,
)
from footprint.exporter import build_template_xlsx, export_csv, export_xlsx
from footprint.importer import COLUMNS, ImportErrors, ImportIssue, parse_inventory
from footprint.messages import Message, Term
from tests.footprint.footprint_data import (
    GRID,
    NATURAL_GAS,
    REALISTIC_BY_STAGE,
    REALISTIC_ROWS,
    REALISTIC_TOTAL,
    REALISTIC_TOTAL_AR5,
    SUPPLIER_EVIDENCE,
    inventory_csv,
    inventory_xlsx,
)

AR5 = {"CO2": Decimal(1), "CH4": Decimal(28), "N2O": Decimal(265)}
AR6 = {"CO2": Decimal(1), "CH4": Decimal("27.9"), "N2O": Decimal(273)}
FACTORS = {
    GRID: Factor(GRID, Decimal("0.6205"), "kgCO2e/kWh"),
    NATURAL_GAS: Factor(NATURAL_GAS, Decimal(56100), "kgCO2/TJ"),
}
SUPPLIER_ROW = REALISTIC_ROWS[0]
METHANE_ROW = REALISTIC_ROWS[5]


def parse(content: bytes, **options):
    options.setdefault("evidence_names", SUPPLIER_EVIDENCE)
    return parse_inventory(content, FACTORS.get, **options)


def errors_of(rows: list[dict], **options) -> list[tuple[int | None, str | None]]:
    with pytest.raises(ImportErrors) as raised:
        parse(inventory_csv(rows), **options)
    return [(issue.row, issue.column) for issue in raised.value.errors]


def only_error(rows: list[dict], **options) -> ImportIssue:
    with pytest.raises(ImportErrors) as raised:
        parse(inventory_csv(rows), **options)
    (issue,) = raised.value.errors
    return issue


def changed(row: dict, **cells: str) -> dict:
    return {**row, **cells}


def without(row: dict, *columns: str) -> dict:
    return {name: value for name, value in row.items() if name not in columns}


# --- a realistic inventory in one file ----------------------------------------------------


@pytest.mark.parametrize("build", [inventory_csv, inventory_xlsx], ids=["csv", "xlsx"])
def test_a_realistic_inventory_imports_in_one_file(build):
    rows = parse(build(REALISTIC_ROWS))

    lines = [row.line for row in rows]
    assert [row.row for row in rows] == list(range(2, 12))
    cathode, graphite, casing, electricity, gas, methane, freight, _use, co2, n2o = lines
    assert (cathode.factor.kind, cathode.factor.value, cathode.factor.unit) == (
        SUPPLIER,
        Decimal("15.2"),
        "kgCO2e/kg",
    )
    assert (cathode.factor.source, cathode.factor.evidence) == (
        "Supplier EPD S-P-10231 (2024)",
        "cathode-epd-2024.pdf",
    )
    # A name matched without regard to case is kept as the file is named.
    assert (graphite.unit, graphite.factor.evidence) == ("kg", "graphite-lca-2024.pdf")
    assert casing.uncertainty_gsd == Decimal("1.2")
    assert (electricity.unit, electricity.factor.kind, electricity.is_primary) == (
        "kWh",
        LIBRARY,
        True,
    )
    assert gas.net_calorific_value_unit == "MJ/m3"
    assert (methane.factor, methane.unit, methane.amount) == (
        direct_gas_factor("CH4"),
        "kg",
        Decimal("0.015"),
    )
    assert methane.factor.kind == DIRECT
    assert (freight.unit, freight.factor.unit) == ("kg·km", "kgCO2e/(t*km)")
    assert (co2.factor.gas, n2o.factor.gas, n2o.unit) == ("CO2", "N2O", "g")

    result = recompute(lines, AR6)
    assert result.by_stage == REALISTIC_BY_STAGE
    assert result.total == REALISTIC_TOTAL
    assert recompute(lines, AR5).total == REALISTIC_TOTAL_AR5


@pytest.mark.parametrize("export", [export_csv, export_xlsx], ids=["csv", "xlsx"])
def test_supplier_factors_and_gases_export_and_import_back_unchanged(export):
    lines = [row.line for row in parse(inventory_csv(REALISTIC_ROWS))]

    assert [row.line for row in parse(export(lines))] == lines


def test_the_template_offers_the_new_columns_and_the_gases():
    content = build_template_xlsx(["production"], ["kg"], [GRID], ["CO2", "CH4"])
    workbook = load_workbook(io.BytesIO(content))
    header = tuple(cell.value for cell in workbook["inventory"][1])
    assert header == COLUMNS
    assert header[4:10] == (
        "factor_code",
        "factor_value",
        "factor_unit",
        "factor_source",
        "factor_evidence",
        "gas",
    )
    allowed = workbook["allowed values"]
    assert [cell.value for cell in allowed[1]] == [
        "stage",
        "unit",
        "factor_code",
        "gas",
        "column",
        "meaning",
    ]
    assert [cell.value for cell in allowed["D"][1:3]] == ["CO2", "CH4"]
    meanings = {row[4].value: row[5].value for row in allowed.iter_rows(min_row=2)}
    assert "EPD" in meanings["factor_source"]
    assert "mass" in meanings["gas"]


def test_the_template_notes_are_given_in_the_readers_language():
    def shout(text: str) -> str:
        return text.upper()

    content = build_template_xlsx(["production"], ["kg"], [GRID], translate=shout)
    allowed = load_workbook(io.BytesIO(content))["allowed values"]
    meanings = {row[4].value: row[5].value for row in allowed.iter_rows(min_row=2)}
    assert meanings["gas"].startswith("INSTEAD OF A FACTOR")


# --- one way to a factor per row ----------------------------------------------------------


def test_a_library_code_and_a_supplier_factor_on_one_row_are_refused():
    issue = only_error([changed(SUPPLIER_ROW, factor_code=GRID)])
    assert (issue.row, issue.column) == (2, "factor_value")
    assert "not several" in issue.message


def test_a_gas_beside_a_factor_is_refused_at_the_gas():
    issue = only_error([changed(REALISTIC_ROWS[3], gas="CH4", unit="kg")])
    assert (issue.row, issue.column) == (2, "gas")


def test_a_row_without_any_factor_says_what_it_needs():
    issue = only_error([without(METHANE_ROW, "gas")])
    assert (issue.row, issue.column) == (2, "factor_code")
    assert "supplier factor" in issue.message and "gas" in issue.message


def test_a_file_without_any_factor_column_is_refused_at_the_header():
    header = ("stage", "name", "amount", "unit")
    with pytest.raises(ImportErrors) as raised:
        parse(inventory_csv([METHANE_ROW], header=header))
    assert [(issue.row, issue.column) for issue in raised.value.errors] == [(1, "factor_code")]


# --- supplier factors ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("missing", "column"),
    [
        ("factor_value", "factor_value"),
        ("factor_unit", "factor_unit"),
        ("factor_evidence", "factor_evidence"),
        ("justification", "justification"),
    ],
)
def test_a_supplier_factor_without_a_part_names_the_missing_column(missing, column):
    issue = only_error([without(SUPPLIER_ROW, missing)])
    assert (issue.row, issue.column) == (2, column)


def test_a_supplier_factor_may_leave_its_source_empty():
    (row,) = parse(inventory_csv([without(SUPPLIER_ROW, "factor_source")]))
    assert row.line.factor.source == ""


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("1,5", "use a dot for decimals"),
        ("fifteen", "'fifteen' is not a number"),
        ("NaN", "is not a finite number"),
    ],
)
def test_a_supplier_factor_value_that_is_not_a_number(value, text):
    issue = only_error([changed(SUPPLIER_ROW, factor_value=value)])
    assert (issue.row, issue.column) == (2, "factor_value")
    assert text in issue.message


@pytest.mark.parametrize(
    ("unit", "text"),
    [
        ("kgCO2e", "is not of the form '<unit>/<unit>'"),
        ("CO2e/kg", "must start with g, kg or t followed by a gas"),
        ("kgSF6/kg", "unknown greenhouse gas 'SF6'"),
        ("kgCO2e/furlong", "unknown unit 'furlong'"),
        ("kgCO2e/t/km", "is not of the form '<unit>/<unit>'"),
    ],
)
def test_a_supplier_factor_unit_that_does_not_parse(unit, text):
    issue = only_error([changed(SUPPLIER_ROW, factor_unit=unit)])
    assert (issue.row, issue.column) == (2, "factor_unit")
    assert text in issue.message


def test_a_supplier_factor_whose_unit_does_not_fit_the_amount():
    issue = only_error([changed(REALISTIC_ROWS[6], unit="kg")])
    assert (issue.row, issue.column) == (2, "unit")
    assert issue.message == (
        "kg (mass) does not fit the supplier factor, which is per t·km (transport)"
    )


def test_a_supplier_factor_per_energy_meets_fuel_by_mass_through_its_calorific_value():
    fuel = changed(SUPPLIER_ROW, unit="t", amount="2", factor_unit="tCO2/TJ", factor_value="74.1")
    issue = only_error([fuel])
    assert (issue.row, issue.column) == (2, "unit")
    assert "unless a net_calorific_value and ncv_unit are given" in issue.message

    (row,) = parse(inventory_csv([{**fuel, "net_calorific_value": "42.652", "ncv_unit": "GJ/t"}]))
    # 2 t × 42.652 GJ/t = 0.085304 TJ × 74.1 tCO2/TJ = 6.3210264 t CO2
    assert recompute([row.line], AR6).total == Decimal("6321.0264")


# --- the evidence a supplier factor names -------------------------------------------------


def test_evidence_that_is_not_a_file_of_the_dossier_lists_its_files():
    issue = only_error([changed(SUPPLIER_ROW, factor_evidence="epd.pdf")])
    assert (issue.row, issue.column) == (2, "factor_evidence")
    assert issue.message == (
        "no evidence file of this dossier version is named 'epd.pdf'; its files are: "
        "casing-declaration-2024.pdf, cathode-epd-2024.pdf, graphite-lca-2024.pdf, "
        "logistics-report-2024.pdf"
    )


def test_evidence_when_the_dossier_has_no_files_asks_for_an_upload_first():
    issue = only_error([SUPPLIER_ROW], evidence_names=[])
    assert (issue.row, issue.column) == (2, "factor_evidence")
    assert "upload the document first" in issue.message


def test_evidence_named_by_two_files_is_ambiguous():
    names = ["cathode-epd-2024.pdf", "Cathode-EPD-2024.pdf"]
    issue = only_error([SUPPLIER_ROW], evidence_names=names)
    assert (issue.row, issue.column) == (2, "factor_evidence")
    assert issue.message.startswith("2 evidence files of this dossier version are named")


def test_without_a_dossier_any_evidence_reference_is_kept_as_written():
    (row,) = parse(
        inventory_csv([changed(SUPPLIER_ROW, factor_evidence="EPD no. 7")]), evidence_names=None
    )
    assert row.line.factor.evidence == "EPD no. 7"


# --- gases given by mass ------------------------------------------------------------------


@pytest.mark.parametrize("spelling", ["CH4", "ch4", "CH₄"])
def test_a_gas_is_read_in_its_usual_spellings(spelling):
    (row,) = parse(inventory_csv([changed(METHANE_ROW, gas=spelling)]))
    assert row.line.factor == direct_gas_factor("CH4")


@pytest.mark.parametrize("gas", ["SF6", "CO2e", "methane"])
def test_a_gas_outside_the_gwp_table_is_refused(gas):
    issue = only_error([changed(METHANE_ROW, gas=gas)])
    assert (issue.row, issue.column) == (2, "gas")
    assert (
        issue.message == f"{gas!r} is not a gas a line can give by mass; use one of CO2, CH4, N2O"
    )


def test_the_gases_a_line_may_name_are_those_given():
    issue = only_error([METHANE_ROW], gases=["CO2"])
    assert (issue.column, issue.message) == (
        "gas",
        "'CH4' is not a gas a line can give by mass; use one of CO2",
    )


@pytest.mark.parametrize("unit", ["kWh", "m3", "t·km"])
def test_a_gas_line_is_a_mass(unit):
    issue = only_error([changed(METHANE_ROW, unit=unit)])
    assert (issue.row, issue.column) == (2, "unit")
    assert issue.message.startswith("a line with a gas gives the mass emitted: use g, kg or t")


def test_a_gas_line_takes_no_calorific_value():
    row = changed(METHANE_ROW, net_calorific_value="50", ncv_unit="MJ/kg")
    assert errors_of([row]) == [(2, "net_calorific_value"), (2, "ncv_unit")]


@pytest.mark.parametrize(
    ("amount", "unit", "kilograms"),
    [("15", "g", "0.015"), ("0.015", "kg", "0.015"), ("0.000015", "t", "0.015")],
)
def test_a_gas_mass_in_any_mass_unit_gives_the_same_co2e(amount, unit, kilograms):
    (row,) = parse(inventory_csv([changed(METHANE_ROW, amount=amount, unit=unit)]))
    (contribution,) = recompute([row.line], AR6).lines
    assert contribution.gas_kilograms == Decimal(kilograms)
    assert contribution.co2e_kilograms == Decimal("0.4185")


# --- every problem of every row, in the reader's language ---------------------------------


def test_problems_of_several_rows_are_all_listed_in_order():
    rows = [
        changed(SUPPLIER_ROW, factor_unit="kgCO2e"),
        REALISTIC_ROWS[3],
        changed(METHANE_ROW, gas="SF6", unit="kWh"),
        without(REALISTIC_ROWS[6], "factor_evidence"),
    ]
    assert errors_of(rows) == [(2, "factor_unit"), (4, "gas"), (4, "unit"), (5, "factor_evidence")]


def test_an_issue_is_given_in_the_language_of_the_translator():
    catalogue = {
        "%(unit)s (%(dimension)s) does not fit the supplier factor, which is per %(per_unit)s "
        "(%(per_dimension)s)": "%(unit)s（%(dimension)s）与供应商因子不符，该因子以 %(per_unit)s"
        "（%(per_dimension)s）计",
        "mass": "质量",
        "transport": "运输",
    }
    issue = only_error([changed(REALISTIC_ROWS[6], unit="kg")])

    translated = issue.translated(lambda text: catalogue.get(text, text))

    assert (translated.row, translated.column) == (2, "unit")
    assert translated.message == "kg（质量）与供应商因子不符，该因子以 t·km（运输）计"
    assert issue.message.startswith("kg (mass) does not fit")


def test_a_message_renders_nested_messages_and_terms_and_leaves_a_bare_percent_alone():
    inner = Message(
        "cannot convert %(unit)s (%(dimension)s)", {"unit": "kg", "dimension": Term("mass")}
    )
    outer = Message("line %(line)r: %(problem)s", {"line": "x", "problem": inner})
    catalogue = {"mass": "质量", "line %(line)r: %(problem)s": "第 %(line)r 行：%(problem)s"}

    assert outer.render(lambda text: catalogue.get(text, text)) == (
        "第 'x' 行：cannot convert kg (质量)"
    )
    assert Message("100% of the lines").render() == "100% of the lines"
