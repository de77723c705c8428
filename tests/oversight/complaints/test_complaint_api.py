"""POST /api/v1/complaints/ (CONTRACTS §10), its rate limit and content check, and who reads
complaints through the API."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from config.throttles import ComplaintThrottle
from labels.models import Label
from oversight.complaints.models import Complaint

URL = "/api/v1/complaints/"


def body(labelled: Label, **fields) -> dict:
    return {
        "label": labelled.serial,
        "category": "false_value",
        "description": "The value printed is not the certified one.",
        "contact": "shopper@example.cn",
        **fields,
    }


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(buffer, format="PNG")
    return buffer.getvalue()


def test_anyone_may_complain_and_gets_a_reference_and_a_private_link(api, certified) -> None:
    response = api.post(URL, body(certified), format="json")

    assert response.status_code == 201
    answer = response.json()
    assert set(answer) == {"reference", "followUrl"}
    complaint = Complaint.objects.get()
    assert answer["reference"] == complaint.reference
    assert answer["reference"].startswith("CMP-") and len(answer["reference"]) == 15
    assert answer["followUrl"].startswith("http://testserver/complaints/follow/")
    assert complaint.complainant is None
    assert complaint.body == certified.certificate.certification_body
    assert (complaint.category, complaint.contact, complaint.status) == (
        "false_value",
        "shopper@example.cn",
        "received",
    )
    follow = api.get(answer["followUrl"].removeprefix("http://testserver"))
    assert follow.status_code == 200
    assert complaint.reference in follow.content.decode()


def test_a_description_keeps_no_bidirectional_controls(api, certified) -> None:
    described = "\u202eThe value\u2066 printed is wrong.\u2069\u202c"

    response = api.post(URL, body(certified, description=described), format="json")

    assert response.status_code == 201
    assert Complaint.objects.get().description == "The value printed is wrong."


def test_contact_is_optional_and_may_be_null(api, certified) -> None:
    response = api.post(URL, body(certified, contact=None), format="json")
    assert response.status_code == 201
    assert Complaint.objects.get().contact == ""


def test_a_signed_in_person_is_recorded_as_the_complainant(api_as, world, certified) -> None:
    response = api_as(world.other_enterprise_user).post(URL, body(certified), format="json")
    assert response.status_code == 201
    assert Complaint.objects.get().complainant == world.other_enterprise_user


@pytest.mark.parametrize(
    ("fields", "error_field"),
    [
        ({"label": "NOSUCHLABEL"}, "label"),
        ({"category": "rude"}, "category"),
        ({"description": ""}, "description"),
    ],
)
def test_invalid_complaints_are_refused(api, certified, fields, error_field) -> None:
    response = api.post(URL, body(certified, **fields), format="json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert error_field in response.json()["errors"]
    assert Complaint.objects.count() == 0


def test_an_attachment_is_accepted_by_its_content(api, certified, media_root) -> None:
    upload = SimpleUploadedFile("photo.png", png_bytes(), content_type="image/png")
    response = api.post(URL, {**body(certified), "attachment": upload}, format="multipart")
    assert response.status_code == 201
    complaint = Complaint.objects.get()
    assert complaint.attachment_content_type == "image/png"
    assert complaint.attachment.read() == png_bytes()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("photo.png", b"MZ\x90\x00 this is a Windows executable"),
        ("report.pdf", png_bytes()),  # a PNG posing as a PDF
    ],
)
def test_an_attachment_is_refused_by_its_content(api, certified, media_root, name, content) -> None:
    upload = SimpleUploadedFile(name, content, content_type="application/pdf")
    response = api.post(URL, {**body(certified), "attachment": upload}, format="multipart")
    assert response.status_code == 400
    assert "attachment" in response.json()["errors"]
    assert Complaint.objects.count() == 0
    assert list(media_root.rglob("*.*")) == []


def test_anonymous_complaints_are_rate_limited_in_their_own_scope(
    api, certified, monkeypatch
) -> None:
    monkeypatch.setattr(ComplaintThrottle, "rate", "2/hour", raising=False)
    statuses = [api.post(URL, body(certified), format="json").status_code for _ in range(3)]
    assert statuses == [201, 201, 429]
    assert Complaint.objects.count() == 2
    # Label lookups from the same address are counted apart and still answer.
    assert api.get(f"/api/v1/labels/{certified.serial}/").status_code == 200


def test_an_api_key_cannot_file_a_complaint(api, certified, world) -> None:
    from accounts.apikeys import api_key_create
    from accounts.roles import Role
    from tests.factories import MarketplaceFactory, member_of

    marketplace = MarketplaceFactory(name="GreenMall")
    admin = member_of(marketplace, Role.MARKETPLACE_ADMIN, username="mall_admin")
    _key, secret = api_key_create(
        actor=admin, organisation=marketplace, name="shop", scopes=["api:labels:read"]
    )
    response = api.post(URL, body(certified), format="json", HTTP_X_API_KEY=secret)
    assert response.status_code == 403
    assert Complaint.objects.count() == 0
    chinese = api.post(
        URL, body(certified), format="json", HTTP_X_API_KEY=secret, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert (response.json()["detail"], chinese.json()["detail"]) == (
        "A complaint is filed by a person, not with an API key.",
        "投诉须由个人提交，不能使用 API 密钥提交。",
    )
    assert Complaint.objects.count() == 0


# --- reading ------------------------------------------------------------------------------


@pytest.fixture
def filed(api, certified) -> Complaint:
    api.post(URL, body(certified), format="json")
    api.logout()
    return Complaint.objects.get()


@pytest.mark.parametrize(
    ("persona", "sees"),
    [
        ("body_admin", True),
        ("decision_maker", True),
        ("reviewer", True),
        ("regulator", True),
        ("enterprise_admin", False),
        ("other_enterprise_user", False),
        ("peer_reviewer", False),
        ("platform_admin", False),
    ],
)
def test_the_list_shows_complaints_to_the_body_and_the_regulator_only(
    api_as, world, filed, persona, sees
) -> None:
    response = api_as(world.persona(persona)).get(URL)
    assert response.status_code == 200
    references = [row["reference"] for row in response.json()["results"]]
    assert references == ([filed.reference] if sees else [])


def test_another_bodys_administrator_sees_nothing(api_as, filed, other_body_admin) -> None:
    assert api_as(other_body_admin).get(URL).json()["results"] == []
    detail = api_as(other_body_admin).get(f"{URL}{filed.reference}/")
    assert detail.status_code == 404


def test_anonymous_callers_cannot_list(api, filed) -> None:
    assert api.get(URL).status_code == 401
    assert api.get(f"{URL}{filed.reference}/").status_code == 401


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("body_admin", 200),
        ("regulator", 200),
        ("enterprise_admin", 404),
        ("other_enterprise_user", 404),
        ("peer_reviewer", 404),
    ],
)
def test_the_detail_answers_404_to_everyone_else(api_as, world, filed, persona, status) -> None:
    response = api_as(world.persona(persona)).get(f"{URL}{filed.reference}/")
    assert response.status_code == status
    if status == 200:
        assert response.json()["label"] == filed.label.serial
        assert response.json()["contact"] == "shopper@example.cn"


def test_a_missing_complaint_answers_404(api_as, world) -> None:
    assert api_as(world.regulator).get(f"{URL}CMP-2026-000000/").status_code == 404
