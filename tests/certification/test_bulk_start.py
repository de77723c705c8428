"""Starting several applications from one spreadsheet: the rows go through the same services
and gates as one application at a time, the preview creates nothing, the confirmation creates
every draft or none, and only the enterprise's own products are found."""

import csv
import io

import pytest
from django.test import Client
from openpyxl import Workbook, load_workbook

from accounts.models import BodyStatus
from accounts.roles import Role
from certification import bulk
from certification.errors import ActorNotPermitted
from certification.models import Application, ApplicationBatch, DossierVersion, Product
from footprint.spreadsheet_reader import ImportErrors
from tests.certification.test_guards import blacklist, blacklist_message
from tests.factories import EnterpriseFactory, MembershipFactory, ProductFactory, make_gtin
from tests.second_factor import sign_in

RULE = {"scheme": "national_pilot", "product_rule": "Li-ion PCR", "product_rule_version": "2025"}
HEADER = list(bulk.COLUMNS)


def csv_bytes(rows: list[dict]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=HEADER)
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode()


def registered(product: Product, **changes) -> dict:
    """A row applying for a product the enterprise registered, found by its GTIN."""
    return {"gtin": product.gtin, "body": "cqc", **RULE, **changes}


def product_row(world, **changes) -> dict:
    return {
        "gtin": make_gtin(900),
        "model": "PB-NEW",
        "product_name": "Power bank",
        "trademark": "Voltia",
        "manufacturer": "Voltia",
        "plant_address": "Ningde, Fujian",
        "category": world.category.code,
        "body": "cqc",
        **RULE,
        **changes,
    }


def rows_of(content: bytes) -> list[bulk.Row]:
    return bulk.rows_read(content)


def start(world, rows: list[dict], *, commit: bool, actor=None, token: str = "first"):  # noqa: S107
    return bulk.applications_start(
        actor=actor or world.enterprise_member,
        enterprise=world.enterprise,
        rows=rows_of(csv_bytes(rows)),
        commit=commit,
        token=token if commit else "",
    )


def counts() -> tuple[int, int, int, int]:
    return (
        Application.objects.count(),
        Product.objects.count(),
        DossierVersion.objects.count(),
        ApplicationBatch.objects.count(),
    )


# --- the service --------------------------------------------------------------------------


def test_the_preview_says_what_each_row_creates_and_creates_nothing(world) -> None:
    before = counts()

    outcome = start(world, [registered(world.product), product_row(world)], commit=False)

    assert outcome.ok
    assert [(row.line, row.product, row.new_product, row.body) for row in outcome.rows] == [
        (2, str(world.product), False, str(world.body)),
        (3, "Power bank PB-NEW", True, str(world.body)),
    ]
    assert [row.reference for row in outcome.rows] == ["", ""]
    assert counts() == before


def test_confirming_creates_every_draft_with_its_first_dossier_version(world) -> None:
    outcome = start(world, [registered(world.product), product_row(world)], commit=True)

    assert outcome.ok
    created = list(Application.objects.order_by("reference"))
    assert [row.reference for row in outcome.rows] == [a.reference for a in created]
    assert {(a.status, a.enterprise_id, a.certification_body_id) for a in created} == {
        ("draft", world.enterprise.pk, world.body.pk)
    }
    assert created[0].product == world.product
    assert created[1].product.gtin == make_gtin(900)
    assert created[1].product.enterprise == world.enterprise
    assert all(a.dossier_versions.get().number == 1 for a in created)
    assert list(outcome.batch.applications.order_by("reference")) == created
    assert (outcome.batch.enterprise, outcome.batch.created_by) == (
        world.enterprise,
        world.enterprise_member,
    )


def test_one_refused_row_and_nothing_is_created(world) -> None:
    before = counts()
    rows = [product_row(world), registered(world.product, body="nosuchbody")]

    outcome = start(world, rows, commit=True)

    assert not outcome.ok
    assert outcome.batch is None
    assert outcome.rows[0].errors == []
    assert outcome.rows[1].errors == ["body: no certification body has the code “nosuchbody”."]
    assert counts() == before


def test_another_enterprises_product_is_not_found(world) -> None:
    theirs = ProductFactory(enterprise=world.other_enterprise, category=world.category)
    before = counts()

    outcome = start(world, [registered(world.product), registered(theirs)], commit=True)

    assert outcome.rows[1].errors == [
        f"gtin: none of your products has the GTIN {theirs.gtin}. To register it, fill in "
        "product_name and the new product's columns."
    ]
    assert counts() == before


def test_another_enterprises_model_is_not_found_either(world) -> None:
    theirs = ProductFactory(enterprise=world.other_enterprise, category=world.category)

    outcome = start(world, [{"model": theirs.model, "body": "cqc", **RULE}], commit=False)

    assert outcome.rows[0].errors == [
        f"model: none of your products is model {theirs.model}. To register it, fill in "
        "product_name and the new product's columns."
    ]


def test_a_person_of_another_enterprise_cannot_start_applications_for_it(world) -> None:
    before = counts()
    with pytest.raises(ActorNotPermitted):
        start(world, [registered(world.product)], commit=True, actor=world.other_enterprise_user)
    with pytest.raises(ActorNotPermitted):
        start(world, [registered(world.product)], commit=True, actor=world.body_admin)
    assert counts() == before


@pytest.mark.parametrize("subject", ["enterprise", "body", "enterprise_member"])
def test_the_blacklist_gate_of_a_single_application_refuses_each_row(world, subject) -> None:
    entry = blacklist(world, getattr(world, subject))
    before = counts()

    outcome = start(world, [registered(world.product), product_row(world)], commit=True)

    assert [row.errors for row in outcome.rows] == [[f"body: {blacklist_message(entry)}"]] * 2
    assert counts() == before


def test_a_body_not_accredited_or_not_active_is_refused_as_for_one_application(world) -> None:
    world.body.accredited_categories.clear()
    outcome = start(world, [registered(world.product)], commit=False)
    assert outcome.rows[0].errors == [
        f"body: {world.body} is not accredited for the category {world.category}."
    ]
    world.body.status = BodyStatus.SUSPENDED
    world.body.save()
    outcome = start(world, [registered(world.product)], commit=False)
    assert outcome.rows[0].errors == [f"body: {world.body} is not an active certification body."]


def test_each_row_lists_all_its_own_problems(world) -> None:
    row = {
        "gtin": "123",
        "body": "",
        "scheme": "gold",
        "product_rule": "",
        "product_rule_version": "",
    }

    outcome = start(world, [row], commit=False)

    assert outcome.rows[0].errors == [
        "body: give the certification body's code.",
        "scheme: “gold” is not a scheme; write national_pilot or self_filed.",
        "gtin: A GTIN has 8, 12, 13 or 14 digits, not 3.",
    ]


def test_a_new_products_fields_are_checked_by_the_product_service(world) -> None:
    outcome = start(world, [product_row(world, manufacturer="", model="")], commit=False)

    assert sorted(outcome.rows[0].errors) == [
        "manufacturer: This field cannot be blank.",
        "model: This field cannot be blank.",
    ]


def test_a_new_product_with_a_registered_gtin_is_pointed_to_the_registered_one(world) -> None:
    outcome = start(world, [product_row(world, gtin=world.product.gtin)], commit=False)

    assert outcome.rows[0].errors == [
        f"gtin: one of your products already has the GTIN {world.product.gtin}: leave "
        "product_name empty to apply for it."
    ]


def test_a_row_repeating_another_is_refused(world) -> None:
    outcome = start(world, [registered(world.product), registered(world.product)], commit=False)

    assert outcome.rows[1].errors == [
        "This row repeats line 2 (same product, body and rule).",
    ]


def test_a_registered_product_by_model_and_a_gtin_model_mismatch(world) -> None:
    by_model = {"model": world.product.model, "body": "cqc", **RULE}
    mismatch = registered(world.product, model="OTHER-1", product_rule_version="2026")

    outcome = start(world, [by_model, mismatch], commit=False)

    assert outcome.rows[0].errors == []
    assert outcome.rows[0].product == str(world.product)
    assert outcome.rows[1].errors == [
        f"model: the product with GTIN {world.product.gtin} is model "
        f"{world.product.model}, not OTHER-1."
    ]


def test_the_same_token_confirms_once(world) -> None:
    start(world, [registered(world.product)], commit=True, token="once")
    before = counts()

    with pytest.raises(bulk.BatchTaken):
        start(world, [registered(world.product)], commit=True, token="once")
    assert counts() == before


# --- reading the file ---------------------------------------------------------------------


def test_an_xlsx_workbook_is_read_from_its_applications_sheet(world) -> None:
    workbook = Workbook()
    workbook.active.title = "notes"
    workbook.active.append(["not", "this", "sheet"])
    sheet = workbook.create_sheet("Applications")
    sheet.append(["GTIN", "Body", "Scheme", "Product rule", "product_rule_version"])
    sheet.append([int(world.product.gtin), "CQC", "National pilot", "Li-ion PCR", 2025])
    buffer = io.BytesIO()
    workbook.save(buffer)

    rows = bulk.rows_read(buffer.getvalue())

    assert rows == [
        bulk.Row(
            line=2,
            values={
                "gtin": str(int(world.product.gtin)),
                "body": "CQC",
                "scheme": "National pilot",
                "product_rule": "Li-ion PCR",
                "product_rule_version": "2025",
            },
        )
    ]
    outcome = bulk.applications_start(
        actor=world.enterprise_admin, enterprise=world.enterprise, rows=rows, commit=False
    )
    assert outcome.ok, outcome.rows


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b"gtin,body,scheme,product_rule,product_rule_version,colour\n", "Unknown column"),
        (b"gtin,scheme,product_rule,product_rule_version\n1,2,3,4\n", "Columns missing: body."),
        (b"body,scheme,product_rule,product_rule_version\nx,y,z,w\n", "Give a gtin or a model"),
        (b"gtin,body,scheme,product_rule,product_rule_version\n", "lists no products"),
        (b"\xd0\xcf\x11\xe0old", "old .xls workbooks"),
    ],
)
def test_a_file_that_cannot_be_read_says_why(content: bytes, message: str) -> None:
    with pytest.raises(ImportErrors) as error:
        bulk.rows_read(content)
    assert message in str(error.value)


def test_more_rows_than_the_limit_are_refused(world, monkeypatch) -> None:
    monkeypatch.setattr(bulk, "MAX_ROWS", 2)
    with pytest.raises(ImportErrors, match="more than 2 products"):
        bulk.rows_read(csv_bytes([registered(world.product)] * 3))


# --- the pages ----------------------------------------------------------------------------


def signed_in(user) -> Client:
    return sign_in(Client(HTTP_ACCEPT_LANGUAGE="en"), user)


def upload(client: Client, content: bytes, name: str = "products.csv"):
    file = io.BytesIO(content)
    file.name = name
    return client.post("/portal/applications/bulk/", {"file": file})


def test_upload_preview_confirm_and_the_result_page(world) -> None:
    client = signed_in(world.enterprise_admin)
    before = counts()

    preview = upload(client, csv_bytes([registered(world.product), product_row(world)]))

    assert preview.status_code == 200
    page = preview.content.decode()
    assert 'data-testid="bulk-confirm"' in page
    assert "2 draft applications will be created for Ningde Voltia Battery Co." in page
    assert counts() == before

    token = preview.context["token"]
    done = client.post("/portal/applications/bulk/confirm/", {"token": token}, follow=True)

    batch = ApplicationBatch.objects.get()
    assert done.redirect_chain == [(f"/portal/applications/bulk/{batch.pk}/", 302)]
    assert batch.file_name == "products.csv"
    assert "2 draft applications created." in done.content.decode()
    for application in batch.applications.all():
        assert application.reference in done.content.decode()
    # Pressing the button again creates nothing more.
    again = client.post("/portal/applications/bulk/confirm/", {"token": token}, follow=True)
    assert "This preview is no longer current" in again.content.decode()
    assert Application.objects.count() == before[0] + 2


def test_a_preview_with_problems_offers_no_confirmation(world) -> None:
    theirs = ProductFactory(enterprise=world.other_enterprise, category=world.category)
    client = signed_in(world.enterprise_admin)

    response = upload(client, csv_bytes([registered(world.product), registered(theirs)]))

    assert response.status_code == 400
    page = response.content.decode()
    assert 'data-testid="bulk-confirm"' not in page
    assert "1 row cannot be applied for." in page
    assert f"none of your products has the GTIN {theirs.gtin}" in page
    # Nor does a token from elsewhere confirm anything.
    client.post("/portal/applications/bulk/confirm/", {"token": "guessed"})
    assert Application.objects.count() == 0


def test_what_changed_since_the_preview_is_checked_again_at_the_confirmation(world) -> None:
    client = signed_in(world.enterprise_admin)
    preview = upload(client, csv_bytes([registered(world.product), product_row(world)]))
    entry = blacklist(world, world.enterprise)

    response = client.post(
        "/portal/applications/bulk/confirm/", {"token": preview.context["token"]}
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert "Nothing was created: since the preview, 2 row(s) can no longer be applied" in page
    assert blacklist_message(entry) in page
    assert counts()[0] == 0 and counts()[3] == 0


def test_a_file_that_is_not_a_spreadsheet_is_a_field_error(world) -> None:
    response = upload(signed_in(world.enterprise_admin), b"\x00\x01binary", "x.csv")

    assert response.status_code == 400
    assert response.context["form"].errors["file"] == [
        "not a spreadsheet: upload an .xlsx workbook or a UTF-8 .csv file"
    ]


@pytest.mark.parametrize("persona", ["body_admin", "reviewer", "regulator", "platform_admin"])
def test_the_pages_are_the_enterprises_only(world, persona) -> None:
    client = signed_in(world.persona(persona))
    for url in (
        "/portal/applications/bulk/",
        "/portal/applications/bulk/template.xlsx",
        "/portal/applications/bulk/template.csv",
    ):
        assert client.get(url).status_code == 404
    assert upload(client, csv_bytes([registered(world.product)])).status_code == 404


def test_another_enterprise_cannot_see_a_batch(world) -> None:
    start(world, [registered(world.product)], commit=True)
    batch = ApplicationBatch.objects.get()
    url = f"/portal/applications/bulk/{batch.pk}/"
    assert signed_in(world.enterprise_member).get(url).status_code == 200
    assert signed_in(world.other_enterprise_user).get(url).status_code == 404


def test_the_templates_have_the_columns_and_the_codes(world) -> None:
    client = signed_in(world.enterprise_member)

    csv_file = client.get("/portal/applications/bulk/template.csv")
    assert csv_file.content.decode("utf-8-sig").strip() == ",".join(HEADER)

    xlsx = client.get("/portal/applications/bulk/template.xlsx")
    workbook = load_workbook(io.BytesIO(xlsx.content))
    assert workbook.sheetnames == ["applications", "lists", "columns"]
    assert [cell.value for cell in workbook["applications"][1]] == HEADER
    lists = workbook["lists"]
    body_codes = [row[0] for row in lists.iter_rows(min_row=2, values_only=True) if row[0]]
    category_codes = [row[3] for row in lists.iter_rows(min_row=2, values_only=True) if row[3]]
    assert body_codes == ["bpc", "cqc"]
    assert category_codes == [world.category.code]


def test_a_filled_in_template_is_read_back(world) -> None:
    client = signed_in(world.enterprise_member)
    workbook = load_workbook(
        io.BytesIO(client.get("/portal/applications/bulk/template.xlsx").content)
    )
    sheet = workbook["applications"]
    sheet.append([registered(world.product).get(name, "") for name in HEADER])
    buffer = io.BytesIO()
    workbook.save(buffer)

    response = upload(client, buffer.getvalue(), "filled.xlsx")

    assert response.status_code == 200
    assert response.context["outcome"].ok


def test_a_person_of_two_enterprises_chooses_one_of_their_own(world) -> None:
    second = EnterpriseFactory(name="Second Enterprise")
    MembershipFactory(user=world.enterprise_member, organisation=second, role=Role.ENTERPRISE_ADMIN)
    theirs = ProductFactory(enterprise=second, category=world.category)
    client = signed_in(world.enterprise_member)

    def post(enterprise, product):
        file = io.BytesIO(csv_bytes([registered(product)]))
        file.name = "products.csv"
        return client.post(
            "/portal/applications/bulk/", {"file": file, "enterprise": enterprise.pk}
        )

    refused = post(world.other_enterprise, world.product)
    assert refused.status_code == 400
    assert "enterprise" in refused.context["form"].errors
    # The second enterprise's rows are looked up among its own products only.
    assert post(second, theirs).context["outcome"].ok
    assert not post(second, world.product).context["outcome"].ok
