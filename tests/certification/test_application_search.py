"""The portal's application list: its search finds an application by every key a certifier or an
enterprise has at hand, and its exports hold the rows the list shows under its filters, never
another organisation's."""

import csv
import io
from collections.abc import Callable

import pytest
from django.db import connection
from django.http import StreamingHttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.translation import gettext
from openpyxl import load_workbook

from certification.models import Application, Status
from labels.models import Label
from tests.factories import ApplicationFactory, ProductFactory
from tests.second_factor import sign_in

LIST = "/portal/applications/"


def signed_in(user, language: str = "en") -> Client:
    return sign_in(Client(HTTP_ACCEPT_LANGUAGE=language), user)


def found(client: Client, query: str) -> list[str]:
    response = client.get(LIST, {"q": query})
    assert response.status_code == 200
    return [application.reference for application in response.context["page"]]


def csv_rows(response) -> list[list[str]]:
    assert response.streaming
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def xlsx_rows(response) -> list[tuple]:
    workbook = load_workbook(io.BytesIO(response.content))
    return list(workbook.worksheets[0].iter_rows(values_only=True))


@pytest.fixture
def certified(label: Label) -> Application:
    """Enterprise A's approved application, with its certificate and label."""
    return label.certificate.application


@pytest.fixture
def rival(world) -> Application:
    """Enterprise B's submitted application to the same body, for the same kind of product."""
    product = ProductFactory(
        enterprise=world.other_enterprise, category=world.category, name="Sodium-ion cell"
    )
    return ApplicationFactory(
        product=product,
        certification_body=world.body,
        created_by=world.other_enterprise_user,
        status=Status.SUBMITTED,
    )


def _given(value: str | None) -> str:
    assert value is not None
    return value


SEARCH_KEYS: dict[str, Callable[[Application], str]] = {
    "reference": lambda a: a.reference,
    "product name": lambda a: a.product.name,
    "enterprise name": lambda a: "voltia battery",  # part of it, whatever the case
    "enterprise legal name": lambda a: a.enterprise.legal_name or a.enterprise.name,
    "USCC": lambda a: _given(a.enterprise.uscc).lower(),
    "product model": lambda a: a.product.model,
    "GTIN-14": lambda a: _given(a.product.gtin),
    "GTIN-13, as printed under the barcode": lambda a: _given(a.product.gtin).lstrip("0"),
    "certificate number": lambda a: a.certificate.number,
    "label serial": lambda a: a.certificate.labels.get().serial,
}


@pytest.mark.parametrize("key", SEARCH_KEYS)
def test_each_key_finds_the_application_for_its_enterprise_and_body_only(
    key, world, certified, rival
) -> None:
    query = SEARCH_KEYS[key](certified)

    assert found(signed_in(world.enterprise_member), query) == [certified.reference]
    assert certified.reference in found(signed_in(world.body_admin), query)
    assert certified.reference in found(signed_in(world.regulator), query)
    assert found(signed_in(world.other_enterprise_user), query) == []


def test_a_key_several_enterprises_share_finds_only_ones_own(world, certified, rival) -> None:
    shared = "lb-"  # the start of both products' models

    assert found(signed_in(world.enterprise_admin), shared) == [certified.reference]
    assert found(signed_in(world.other_enterprise_user), shared) == [rival.reference]
    assert set(found(signed_in(world.body_admin), shared)) == {
        certified.reference,
        rival.reference,
    }


def test_a_renewal_is_found_by_the_certificate_it_renews(world, certified) -> None:
    renewal = ApplicationFactory(
        product=certified.product,
        certification_body=world.body,
        created_by=world.enterprise_admin,
        renews=certified.certificate,
    )

    assert set(found(signed_in(world.enterprise_admin), certified.certificate.number)) == {
        certified.reference,
        renewal.reference,
    }


def test_a_body_does_not_find_a_draft_it_has_not_received(world, application_at) -> None:
    draft = application_at(Status.DRAFT)

    assert found(signed_in(world.enterprise_admin), draft.product.model) == [draft.reference]
    assert found(signed_in(world.body_admin), draft.product.model) == []


def test_a_search_that_names_nothing_finds_nothing(world, certified) -> None:
    assert found(signed_in(world.enterprise_admin), "no such thing") == []


@pytest.mark.parametrize("query", ["1234567²", "٠٠٠١٢٣٤٥٦٧٨٩٥"])
def test_digits_of_other_scripts_are_searched_as_text_not_read_as_a_gtin(
    world, certified, query
) -> None:
    client = signed_in(world.enterprise_admin)
    assert found(client, query) == []
    assert client.get(LIST + "export.csv", {"q": query}).status_code == 200


def test_the_list_links_its_exports_with_its_filters(world, certified) -> None:
    page = signed_in(world.enterprise_admin).get(LIST, {"q": "LB-", "status": "approved"})

    assert page.context["exports"] == {
        "csv": "/portal/applications/export.csv?status=approved&q=LB-",
        "xlsx": "/portal/applications/export.xlsx?status=approved&q=LB-",
    }
    assert 'data-testid="export-applications-xlsx"' in page.content.decode()


# --- exports ------------------------------------------------------------------------------


def test_the_csv_export_holds_every_filtered_row_and_only_the_readers(
    world, certified, rival, application_at, new_product
) -> None:
    draft = application_at(Status.DRAFT, product=new_product())
    client = signed_in(world.enterprise_admin)

    everything = csv_rows(client.get("/portal/applications/export.csv"))
    approved = csv_rows(client.get("/portal/applications/export.csv", {"status": "approved"}))
    by_model = csv_rows(client.get("/portal/applications/export.csv", {"q": draft.product.model}))

    assert everything[0] == [
        "Reference",
        "Product",
        "Model",
        "GTIN",
        "Enterprise",
        "Unified Social Credit Code",
        "Certification body",
        "Status",
        "Certificate number",
        "Created",
        "Updated",
    ]
    assert {row[0] for row in everything[1:]} == {certified.reference, draft.reference}
    assert [row[0] for row in approved[1:]] == [certified.reference]
    assert approved[1][2:9] == [
        certified.product.model,
        certified.product.gtin,
        world.enterprise.name,
        world.enterprise.uscc,
        world.body.name,
        "Approved",
        certified.certificate.number,
    ]
    assert [row[0] for row in by_model[1:]] == [draft.reference]


def test_the_csv_export_is_a_dated_streamed_attachment(world, certified) -> None:
    response = signed_in(world.enterprise_admin).get("/portal/applications/export.csv")

    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="applications-20')
    assert response["Content-Disposition"].endswith('.csv"')


def test_more_rows_than_a_page_are_all_exported(world) -> None:
    products = [
        ProductFactory(enterprise=world.enterprise, category=world.category) for _ in range(3)
    ]
    applications = [
        ApplicationFactory(product=product, certification_body=world.body, status=Status.DRAFT)
        for product in products
        for _ in range(20)
    ]

    rows = csv_rows(signed_in(world.enterprise_admin).get("/portal/applications/export.csv"))

    assert len(applications) > 50  # the page size of the list
    assert sorted(row[0] for row in rows[1:]) == sorted(a.reference for a in applications)


def test_the_xlsx_export_parses_and_holds_the_filtered_rows(world, certified, rival) -> None:
    client = signed_in(world.body_admin)

    response = client.get("/portal/applications/export.xlsx", {"q": world.other_enterprise.uscc})

    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"].endswith('.xlsx"')
    rows = xlsx_rows(response)
    assert rows[0][:3] == ("Reference", "Product", "Model")
    assert [row[0] for row in rows[1:]] == [rival.reference]
    assert rows[1][7] == "Submitted"
    assert rows[1][8] is None  # no certificate yet


def test_another_enterprise_exports_none_of_its_rows(world, certified) -> None:
    client = signed_in(world.other_enterprise_user)

    assert csv_rows(client.get("/portal/applications/export.csv"))[1:] == []
    assert xlsx_rows(client.get("/portal/applications/export.xlsx"))[1:] == []


def test_a_formula_in_a_name_is_written_as_text(world) -> None:
    names = ['=HYPERLINK("http://x")', "+1+1", "-2", "@SUM(A1)", "\tTab", "\rReturn"]
    for name in names:
        ApplicationFactory(
            product=ProductFactory(enterprise=world.enterprise, category=world.category, name=name),
            certification_body=world.body,
        )
    client = signed_in(world.enterprise_admin)

    written = {row[1] for row in csv_rows(client.get("/portal/applications/export.csv"))[1:]}
    workbook = load_workbook(io.BytesIO(client.get("/portal/applications/export.xlsx").content))
    cells = [row[1] for row in workbook.worksheets[0].iter_rows(min_row=2)]

    assert written == {"'" + name for name in names}
    # XML keeps no carriage return in text: a spreadsheet reads it back as a line feed.
    assert {cell.value for cell in cells} == {name.replace("\r", "\n") for name in names}
    assert {cell.data_type for cell in cells} == {"s"}  # text, never a formula


def test_headers_and_statuses_are_in_the_readers_language(world, certified) -> None:
    response = signed_in(world.enterprise_admin, "zh-hans").get("/portal/applications/export.csv")

    rows = csv_rows(response)
    with translation.override("zh-hans"):
        assert rows[0][0] == gettext("Reference") != "Reference"
        assert rows[1][7] == str(Status.APPROVED.label) != "Approved"


def test_an_anonymous_visitor_is_sent_to_sign_in(client, certified) -> None:
    for kind in ("csv", "xlsx"):
        response = client.get(f"/portal/applications/export.{kind}")

        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_an_unknown_format_is_not_found(world) -> None:
    response = signed_in(world.enterprise_admin).get("/portal/applications/export.pdf")

    assert response.status_code == 404


def _export_queries(client: Client, kind: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/portal/applications/export.{kind}")
        if isinstance(response, StreamingHttpResponse):
            b"".join(response.streaming_content)
    return len(queries)


def test_an_export_costs_the_same_queries_whatever_its_length(world, label, new_product) -> None:
    client = signed_in(world.enterprise_admin)
    few = {kind: _export_queries(client, kind) for kind in ("csv", "xlsx")}
    for _ in range(5):
        ApplicationFactory(product=new_product(), certification_body=world.body)

    assert {kind: _export_queries(client, kind) for kind in ("csv", "xlsx")} == few
