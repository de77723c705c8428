"""Evidence uploads are judged by content; a refused upload stores nothing."""

import hashlib
import io
import random
import re
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from certification import services
from certification.errors import ActorNotPermitted, TransitionNotAllowed
from certification.models import EvidenceFile, EvidenceKind, Status
from config.uploads import XLSX
from tests.factories import PDF_BYTES, PNG_BYTES, make_pdf

NOT_ACCEPTED = "is not accepted. Upload PDF, PNG, JPEG, XLSX, DOCX or CSV."
HTML = (
    b"<!DOCTYPE html><html><head><title>Invoice</title></head>"
    b"<body><script>document.location='https://evil.example'</script></body></html>"
)


def stored_files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


def zip_bomb() -> bytes:
    """An .xlsx-shaped zip whose one sheet inflates from ~20 KB to 20 MB."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (20 * 1024 * 1024))
    return buffer.getvalue()


def real_xlsx() -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active.append(["stage", "kgCO2e"])
    workbook.active.append(["production", 14.8])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def draft(application_at):
    return application_at(Status.DRAFT)


@pytest.fixture
def upload(world, draft):
    def send(name: str, content: bytes, kind: str = EvidenceKind.EVIDENCE, actor=None):
        return services.evidence_upload(
            actor=actor or world.enterprise_member,
            application=draft,
            kind=kind,
            upload=SimpleUploadedFile(name, content),
        )

    return send


@pytest.fixture
def refused(upload, draft, media_root):
    """Upload, expect a ValidationError, and check that nothing was stored."""

    def check(name: str, content: bytes) -> ValidationError:
        rows_before = EvidenceFile.objects.count()
        files_before = stored_files(media_root)
        version_files_before = set(draft.dossier_versions.get().files.all())
        with pytest.raises(ValidationError) as error:
            upload(name, content)
        assert EvidenceFile.objects.count() == rows_before
        assert stored_files(media_root) == files_before
        assert set(draft.dossier_versions.get().files.all()) == version_files_before
        return error.value

    return check


# --- refused by content -------------------------------------------------------------------


def test_an_executable_named_pdf_is_refused(refused) -> None:
    elf = Path(sys.executable).resolve().read_bytes()
    assert elf[:4] == b"\x7fELF"

    error = refused("energy-bill.pdf", elf)

    assert error.code == "file_type"
    assert re.fullmatch(
        r"This kind of file \(application/x-(sharedlib|executable|pie-executable)\) "
        + re.escape(NOT_ACCEPTED),
        error.message,
    )


def test_html_named_pdf_is_refused(refused) -> None:
    error = refused("energy-bill.pdf", HTML)

    assert error.code == "file_type"
    assert error.message == f"This kind of file (text/html) {NOT_ACCEPTED}"


def test_random_bytes_are_refused(refused) -> None:
    error = refused("readings.pdf", random.Random(7).randbytes(4096))

    assert error.code == "file_type"
    assert error.message == f"This kind of file (application/octet-stream) {NOT_ACCEPTED}"


@pytest.mark.parametrize(
    ("name", "content", "suffix", "content_type"),
    [
        ("meter.pdf", PNG_BYTES, ".pdf", "image/png"),
        ("report.png", PDF_BYTES, ".png", "application/pdf"),
        ("report", PDF_BYTES, "—", "application/pdf"),
        ("inventory.xlsx", PDF_BYTES, ".xlsx", "application/pdf"),
    ],
)
def test_a_name_that_does_not_match_the_content_is_refused(
    refused, name, content, suffix, content_type
) -> None:
    error = refused(name, content)

    assert error.code == "name_mismatch"
    assert error.message == (
        f"The file's name ends in “{suffix}” but its content is {content_type}."
    )


def test_a_zip_bomb_posing_as_a_spreadsheet_is_refused(refused) -> None:
    bomb = zip_bomb()
    assert len(bomb) < 100_000

    error = refused("inventory.xlsx", bomb)

    assert error.code == "zip_bomb"
    assert error.message == "The file expands to an implausible size and was refused."


def test_an_empty_file_is_refused(refused) -> None:
    error = refused("empty.pdf", b"")

    assert error.code == "empty"
    assert error.message == "The file is empty."


def test_a_file_over_the_limit_is_refused(refused, settings) -> None:
    settings.UPLOAD_MAX_BYTES = 1024
    content = PDF_BYTES + b"%" + b"x" * (2048 - len(PDF_BYTES) - 2) + b"\n"
    assert len(content) == 2048

    error = refused("report.pdf", content)

    assert error.code == "too_large"
    assert error.message == "The file is 2.0\xa0KB; the limit is 1.0\xa0KB."


def test_a_file_exactly_at_the_limit_is_accepted(upload, settings) -> None:
    settings.UPLOAD_MAX_BYTES = len(PDF_BYTES)

    evidence = upload("report.pdf", PDF_BYTES)

    assert evidence.size == len(PDF_BYTES)


# --- accepted -----------------------------------------------------------------------------


def test_a_good_pdf_is_stored_with_its_digest(upload, draft, media_root, world) -> None:
    content = make_pdf("Electricity bill 2024-03")

    evidence = upload("../../bill 2024-03.pdf", content, kind=EvidenceKind.EVIDENCE)

    evidence.refresh_from_db()
    assert evidence.sha256 == hashlib.sha256(content).hexdigest()
    assert (evidence.size, evidence.content_type, evidence.kind) == (
        len(content),
        "application/pdf",
        EvidenceKind.EVIDENCE,
    )
    assert evidence.original_name == "bill 2024-03.pdf"
    assert evidence.uploaded_by == world.enterprise_member
    assert re.fullmatch(rf"evidence/{draft.pk}/[0-9a-f]{{32}}", evidence.file.name)
    stored = media_root / evidence.file.name
    assert stored_files(media_root) == {stored}
    assert stored.read_bytes() == content
    assert evidence in draft.dossier_versions.get().files.all()


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("meter.png", PNG_BYTES, "image/png"),
        ("inventory.xlsx", real_xlsx(), XLSX),
        ("inventory.csv", b"stage,kgCO2e\nproduction,14.8\n", "text/plain"),
    ],
)
def test_other_allowed_kinds_are_accepted(upload, name, content, content_type) -> None:
    evidence = upload(name, content)

    assert evidence.content_type == content_type
    assert evidence.sha256 == hashlib.sha256(content).hexdigest()


# --- who and when -------------------------------------------------------------------------


def test_another_enterprise_cannot_upload_through_the_service(upload, world, media_root) -> None:
    with pytest.raises(ActorNotPermitted):
        upload("report.pdf", PDF_BYTES, actor=world.other_enterprise_user)

    assert stored_files(media_root) == set()


def test_nothing_is_uploaded_to_a_submitted_dossier(world, application_at, media_root) -> None:
    application = application_at(Status.SUBMITTED)
    rows_before = EvidenceFile.objects.count()
    files_before = stored_files(media_root)

    with pytest.raises(TransitionNotAllowed) as error:
        services.evidence_upload(
            actor=world.enterprise_member,
            application=application,
            kind=EvidenceKind.EVIDENCE,
            upload=SimpleUploadedFile("late.pdf", PDF_BYTES),
        )
    assert error.value.message == (
        "The dossier can only be changed as a draft or while findings are open."
    )
    assert EvidenceFile.objects.count() == rows_before
    assert stored_files(media_root) == files_before


def test_an_unknown_kind_is_refused(upload, media_root) -> None:
    with pytest.raises(ValidationError) as error:
        upload("report.pdf", PDF_BYTES, kind="invoice")

    assert error.value.message_dict == {"kind": ["Choose the kind of evidence."]}
    assert stored_files(media_root) == set()


# --- through the API ----------------------------------------------------------------------


def files_url(application) -> str:
    return f"/api/v1/applications/{application.pk}/files/"


def test_api_upload_of_another_enterprise_answers_404(api_as, world, draft, media_root) -> None:
    rows_before = EvidenceFile.objects.count()
    client = api_as(world.other_enterprise_user)

    response = client.post(
        files_url(draft),
        {
            "kind": EvidenceKind.EVIDENCE,
            "file": SimpleUploadedFile("report.pdf", PDF_BYTES),
        },
        format="multipart",
    )

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "not_found"
    assert EvidenceFile.objects.count() == rows_before
    assert stored_files(media_root) == set()


def test_api_refusal_is_a_400_problem_naming_the_reason(api_as, world, draft, media_root) -> None:
    client = api_as(world.enterprise_member)

    response = client.post(
        files_url(draft),
        {
            "kind": EvidenceKind.EVIDENCE,
            "file": SimpleUploadedFile("meter.pdf", PNG_BYTES),
        },
        format="multipart",
    )

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "invalid"
    assert body["errors"] == {
        "file": ["The file's name ends in “.pdf” but its content is image/png."]
    }
    assert stored_files(media_root) == set()


def test_api_upload_answers_201_with_the_digest(api_as, world, draft, media_root) -> None:
    client = api_as(world.enterprise_member)

    response = client.post(
        files_url(draft),
        {
            "kind": EvidenceKind.EVIDENCE,
            "file": SimpleUploadedFile("bill.pdf", PDF_BYTES),
        },
        format="multipart",
    )

    assert response.status_code == 201
    body = response.json()
    assert body["sha256"] == hashlib.sha256(PDF_BYTES).hexdigest()
    assert (body["original_name"], body["size"], body["content_type"]) == (
        "bill.pdf",
        len(PDF_BYTES),
        "application/pdf",
    )
    evidence = EvidenceFile.objects.get(pk=body["id"])
    assert (media_root / evidence.file.name).read_bytes() == PDF_BYTES
