"""The label list's exports: the labels of the reader's organisations, with the status the
world is told."""

import csv
import io
from datetime import timedelta

from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from labels.models import Label
from tests.second_factor import sign_in

EXPORT = "/portal/labels/export"


def signed_in(user) -> Client:
    return sign_in(Client(HTTP_ACCEPT_LANGUAGE="en"), user)


def csv_rows(response) -> list[list[str]]:
    assert response.streaming
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def xlsx_rows(response) -> list[tuple]:
    return list(
        load_workbook(io.BytesIO(response.content)).worksheets[0].iter_rows(values_only=True)
    )


def test_the_holder_and_the_issuing_body_export_the_label(world, label: Label) -> None:
    for person in (world.enterprise_member, world.body_admin, world.regulator):
        rows = csv_rows(signed_in(person).get(f"{EXPORT}.csv"))

        assert rows[0][:4] == ["Serial", "Version", "Certificate number", "Product"]
        assert [row[:3] for row in rows[1:]] == [[label.serial, "1", label.certificate.number]]
        assert rows[1][8] == "Valid"

    workbook_rows = xlsx_rows(signed_in(world.enterprise_admin).get(f"{EXPORT}.xlsx"))
    assert workbook_rows[1][:3] == (label.serial, 1, label.certificate.number)
    assert workbook_rows[1][5] == label.gtin


def test_another_enterprise_and_another_body_export_no_label(
    world, label: Label, other_body_admin
) -> None:
    for person in (world.other_enterprise_user, other_body_admin):
        assert csv_rows(signed_in(person).get(f"{EXPORT}.csv"))[1:] == []
        assert xlsx_rows(signed_in(person).get(f"{EXPORT}.xlsx"))[1:] == []


def test_a_label_past_its_end_is_exported_as_expired(world, label: Label) -> None:
    Label.objects.filter(pk=label.pk).update(valid_until=timezone.now() - timedelta(days=1))

    rows = csv_rows(signed_in(world.enterprise_admin).get(f"{EXPORT}.csv"))

    assert rows[1][8] == "Expired"


def test_an_anonymous_visitor_is_sent_to_sign_in(client, label: Label) -> None:
    response = client.get(f"{EXPORT}.xlsx")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_list_links_its_exports(world, label: Label) -> None:
    page = signed_in(world.enterprise_admin).get("/portal/labels/")

    assert page.context["exports"] == {
        "csv": f"{EXPORT}.csv",
        "xlsx": f"{EXPORT}.xlsx",
    }
