"""The certificate list's exports: every certificate the list shows under its status filter,
those of the reader's organisations only."""

import csv
import io

from django.test import Client
from openpyxl import load_workbook

from certification.models import CertificateStatus
from tests.second_factor import sign_in

EXPORT = "/portal/supervision/certificates/export"


def signed_in(user) -> Client:
    return sign_in(Client(HTTP_ACCEPT_LANGUAGE="en"), user)


def csv_numbers(response) -> list[str]:
    assert response.streaming
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:2] == ["Certificate number", "Application"]
    return [row[0] for row in rows[1:]]


def xlsx_numbers(response) -> list[str]:
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("Certificate number", "Application")
    return [row[0] for row in rows[1:]]


def test_the_holder_exports_its_certificates_under_the_status_filter(world, certificate_of) -> None:
    valid = certificate_of(world.body, enterprise=world.enterprise)
    suspended = certificate_of(
        world.body, enterprise=world.enterprise, status=CertificateStatus.SUSPENDED
    )
    foreign = certificate_of(world.body, enterprise=world.other_enterprise)
    client = signed_in(world.enterprise_admin)

    assert sorted(csv_numbers(client.get(f"{EXPORT}.csv"))) == sorted(
        [valid.number, suspended.number]
    )
    assert csv_numbers(client.get(f"{EXPORT}.csv", {"status": "suspended"})) == [suspended.number]
    assert xlsx_numbers(client.get(f"{EXPORT}.xlsx", {"status": "valid"})) == [valid.number]
    assert foreign.number not in csv_numbers(signed_in(world.enterprise_admin).get(f"{EXPORT}.csv"))


def test_the_body_exports_the_certificates_it_issued_only(
    world, certificate_of, third_body
) -> None:
    ours = certificate_of(world.body)
    theirs = certificate_of(third_body)

    numbers = csv_numbers(signed_in(world.body_admin).get(f"{EXPORT}.csv"))

    assert ours.number in numbers
    assert theirs.number not in numbers


def test_another_enterprise_exports_nothing_and_an_anonymous_visitor_signs_in_first(
    world, client, certificate_of
) -> None:
    certificate_of(world.body, enterprise=world.enterprise)

    assert csv_numbers(signed_in(world.other_enterprise_user).get(f"{EXPORT}.csv")) == []
    assert xlsx_numbers(signed_in(world.other_enterprise_user).get(f"{EXPORT}.xlsx")) == []
    response = client.get(f"{EXPORT}.csv")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_list_links_its_exports_with_its_filter(world, certificate_of) -> None:
    certificate_of(world.body, enterprise=world.enterprise)

    page = signed_in(world.enterprise_admin).get(
        "/portal/supervision/certificates/", {"status": "valid"}
    )

    assert page.context["exports"]["csv"] == f"{EXPORT}.csv?status=valid"
    assert 'data-testid="export-certificates-csv"' in page.content.decode()


def test_an_unknown_status_or_format_is_not_an_error(world, certificate_of) -> None:
    certificate = certificate_of(world.body, enterprise=world.enterprise)
    client = signed_in(world.enterprise_admin)

    assert csv_numbers(client.get(f"{EXPORT}.csv", {"status": "nonsense"})) == [certificate.number]
    assert client.get(f"{EXPORT}.ods").status_code == 404
