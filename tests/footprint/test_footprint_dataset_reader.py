"""An additional factor dataset file: every row with its source, every problem named at its row
and column. The values here are test data, not published factors."""

from decimal import Decimal

import pytest

from footprint.dataset_reader import (
    DATASET_COLUMNS,
    ImportErrors,
    parse_factor_dataset,
)
from tests.footprint.footprint_data import DATASET_ROW as ROW
from tests.footprint.footprint_data import dataset_csv
from tests.footprint.footprint_data import dataset_row as row


def problems(rows: list[dict[str, str]], **options) -> list[tuple[int | None, str | None, str]]:
    with pytest.raises(ImportErrors) as raised:
        parse_factor_dataset(dataset_csv(rows), **options)
    return [(issue.row, issue.column, issue.message) for issue in raised.value.errors]


def test_a_good_file_gives_the_dataset_and_its_factors():
    second = row(
        code="TEST-MATERIALS:2023:road_freight",
        name="road freight, test value",
        value="0.07",
        unit="kgCO2e/(t*km)",
        data_year="",
        published="2024",
        gwp_set="",
    )
    dataset = parse_factor_dataset(dataset_csv([ROW, second]))

    assert (dataset.code, dataset.name, dataset.publisher) == (
        "TEST-MATERIALS",
        "Test material factors",
        "Test publisher",
    )
    cement, freight = dataset.factors
    assert (cement.row, cement.value, cement.gas, cement.data_year, cement.gwp_set) == (
        2,
        Decimal("0.5"),
        "CO2e",
        2023,
        "AR6",
    )
    assert (freight.unit, freight.data_year, freight.published) == ("kgCO2e/(t*km)", None, "2024")


def test_the_digest_depends_on_the_factors_not_on_row_order():
    second = row(code="TEST-MATERIALS:2023:lime", name="lime", value="0.9")
    forwards = parse_factor_dataset(dataset_csv([ROW, second])).digest()
    backwards = parse_factor_dataset(dataset_csv([second, ROW])).digest()
    changed = parse_factor_dataset(dataset_csv([ROW, row(**{**second, "value": "0.91"})]))

    assert forwards == backwards
    assert changed.digest() != forwards


@pytest.mark.parametrize(
    "column",
    [
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
    ],
)
def test_every_required_value_is_named_when_missing(column):
    found = problems([row(**{column: ""})])
    assert (2, column, "a value is required") in found


@pytest.mark.parametrize(
    ("changes", "column", "message"),
    [
        (
            {"code": "OTHER:2023:cement"},
            "code",
            "a code of this dataset starts with 'TEST-MATERIALS:'",
        ),
        ({"data_year": "23"}, "data_year", "'23' is not a year such as 2023"),
        ({"data_year": "2023²"}, "data_year", "'2023²' is not a year such as 2023"),
        ({"data_year": "٢٠٢٣"}, "data_year", "'٢٠٢٣' is not a year such as 2023"),
        (
            {"published": "2025-13"},
            "published",
            "'2025-13' is not a date as YYYY, YYYY-MM or YYYY-MM-DD",
        ),
        (
            {"published": "2025-02-30"},
            "published",
            "'2025-02-30' is not a date as YYYY, YYYY-MM or YYYY-MM-DD",
        ),
        (
            {"published": "Jan 2025"},
            "published",
            "'Jan 2025' is not a date as YYYY, YYYY-MM or YYYY-MM-DD",
        ),
        ({"value": "0,5"}, "value", "'0,5' is not a number"),
        ({"value": "Infinity"}, "value", "'Infinity' is not a number"),
        ({"unit": "kgCO2e"}, "unit", "'kgCO2e' is not of the form '<unit>/<unit>'"),
        ({"unit": "kgCO2/t"}, "gwp_set", "a GWP set goes with a factor in CO2e only"),
        ({"gwp_set": "AR3"}, "gwp_set", "'AR3' is not one of AR4, AR5, AR6"),
        ({"source": "same"}, "source", "write the source out on every row, not 'same'"),
        (
            {"source": "same (Hebei)"},
            "source",
            "write the source out on every row, not 'same (Hebei)'",
        ),
    ],
)
def test_a_wrong_value_is_named_at_its_row_and_column(changes, column, message):
    assert problems([row(**changes)]) == [(2, column, message)]


def test_one_file_holds_one_dataset_with_one_name_and_each_code_once():
    rows = [
        ROW,
        row(dataset="OTHER", code="OTHER:2023:x"),
        row(dataset_name="Another name", code="TEST-MATERIALS:2023:y"),
        row(),
    ]
    assert [(found_row, column) for found_row, column, _message in problems(rows)] == [
        (3, "dataset"),
        (3, "code"),
        (4, "dataset_name"),
        (5, "code"),
    ]


def test_the_gwp_sets_allowed_are_the_callers():
    assert problems([ROW], gwp_sets=["AR5"]) == [(2, "gwp_set", "'AR6' is not one of AR5")]


def test_unknown_and_missing_columns_are_named_on_the_header_row():
    header = (*(name for name in DATASET_COLUMNS if name != "source"), "comment")
    with pytest.raises(ImportErrors) as raised:
        parse_factor_dataset(dataset_csv([ROW], header=header))
    assert {(issue.row, issue.column) for issue in raised.value.errors} == {
        (1, "comment"),
        (1, "source"),
    }


def test_a_header_without_rows_is_refused():
    with pytest.raises(ImportErrors) as raised:
        parse_factor_dataset(dataset_csv([]))
    assert [issue.message for issue in raised.value.errors] == [
        "the file has a header row but no data rows"
    ]
