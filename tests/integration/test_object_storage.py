"""Files in an S3-compatible object store (STORAGE_URL), with moto's S3 server over real HTTP as
the store: what the portal and the API store lands in the bucket as a private object, comes back
only through the views that check who asks, and hashes to what the frozen dossier pinned."""

import hashlib
import json
import os
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from moto.server import ThreadedMotoServer
from storages.backends.s3 import S3Storage

from accounts.models import User
from accounts.roles import Role
from audits.chain.models import AuditEntry
from certification.models import EvidenceFile, EvidenceKind, Status
from config.storage import ObjectStore, default_storage_settings, object_store_parse
from labels import services as label_services
from labels.models import CertificateDocument
from oversight.complaints.models import Complaint
from tests.factories import make_pdf, make_png, member_of
from tests.fixtures.processes import free_port
from tests.second_factor import sign_in

ROOT = Path(__file__).resolve().parents[2]
REGION = "us-east-1"
# moto takes any key pair; they travel in the URL, as an operator may write them.
ACCESS_KEY, SECRET_KEY = "testing-key", "testing/secret+key"
EVERYONE = (
    "http://acs.amazonaws.com/groups/global/AllUsers",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
)


# --- the store ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """moto's S3 server on a free port of this machine, for the tests of this module."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@dataclass
class Bucket:
    """The test's bucket, seen from the store's side (not through the platform's storage)."""

    name: str
    endpoint: str
    client: Any

    def object_keys(self) -> set[str]:
        listing = self.client.list_objects_v2(Bucket=self.name)
        return {item["Key"] for item in listing.get("Contents", [])}

    def read(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.name, Key=key)["Body"].read()

    def grantees(self, key: str) -> list[str]:
        grants = self.client.get_object_acl(Bucket=self.name, Key=key)["Grants"]
        return [grant["Grantee"].get("URI") or grant["Grantee"]["Type"] for grant in grants]

    def anonymous_get(self, key: str) -> int:
        """The status an unsigned GET of the object's address answers."""
        try:
            with urllib.request.urlopen(f"{self.endpoint}/{self.name}/{key}") as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code


@pytest.fixture
def bucket(s3_endpoint, settings) -> Bucket:
    """A fresh bucket, and the platform's default storage pointed at it through STORAGE_URL's
    own parsing. Overriding STORAGES resets Django's cached storages (and default_storage)."""
    name = f"files-{uuid.uuid4().hex[:12]}"
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        config=Config(
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        ),
    )
    client.create_bucket(Bucket=name)
    secret = urllib.parse.quote(SECRET_KEY, safe="")
    url = f"s3://{ACCESS_KEY}:{secret}@{name}?endpoint_url={s3_endpoint}&region_name={REGION}"
    settings.STORAGES = {**settings.STORAGES, "default": default_storage_settings(url)}
    return Bucket(name=name, endpoint=s3_endpoint, client=client)


def portal_client(user: User | None) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        sign_in(client, user)
    return client


def served(response) -> bytes:
    return b"".join(response.streaming_content)


def test_the_default_storage_is_the_bucket(bucket) -> None:
    name = default_storage.save("probe/hello.txt", ContentFile(b"hello"))

    assert isinstance(storages["default"], S3Storage)
    assert EvidenceFile.file.field.storage is default_storage
    assert bucket.object_keys() == {name}


# --- evidence -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_portal_upload_lands_in_the_bucket_and_goes_back_only_to_its_readers(
    bucket, world, application_at
) -> None:
    draft = application_at(Status.DRAFT)
    content = make_pdf("Meter readings 2025")

    response = portal_client(world.enterprise_member).post(
        f"/portal/applications/{draft.pk}/files/",
        {"kind": EvidenceKind.EVIDENCE, "file": SimpleUploadedFile("meter.pdf", content)},
    )

    assert response.status_code == 302
    evidence = EvidenceFile.objects.get(application=draft, original_name="meter.pdf")
    assert evidence.file.name in bucket.object_keys()
    assert bucket.read(evidence.file.name) == content
    download = f"/portal/applications/{draft.pk}/files/{evidence.pk}/"
    for reader in (world.enterprise_member, world.enterprise_admin):
        response = portal_client(reader).get(download)
        assert response.status_code == 200
        assert served(response) == content
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == 'attachment; filename="meter.pdf"'
    assert portal_client(world.other_enterprise_user).get(download).status_code == 404
    anonymous = portal_client(None).get(download)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_an_api_upload_is_a_private_opaque_object_served_only_through_the_api(
    bucket, world, application_at, api_as
) -> None:
    draft = application_at(Status.DRAFT)
    content = make_pdf("Bill of materials")
    # The type an uploader claims is not what the store keeps.
    upload = SimpleUploadedFile("bom.pdf", content, content_type="text/html")

    response = api_as(world.enterprise_member).post(
        f"/api/v1/applications/{draft.pk}/files/",
        {"kind": EvidenceKind.EVIDENCE, "file": upload},
        format="multipart",
    )

    assert response.status_code == 201
    evidence = EvidenceFile.objects.get(pk=response.json()["id"])
    key = evidence.file.name
    assert bucket.read(key) == content
    head = bucket.client.head_object(Bucket=bucket.name, Key=key)
    assert (head["ContentType"], head["ContentDisposition"]) == (
        "application/octet-stream",
        "attachment",
    )
    assert not set(bucket.grantees(key)) & set(EVERYONE)
    assert bucket.anonymous_get(key) == 403
    url = f"/api/v1/applications/{draft.pk}/files/{evidence.pk}/"
    response = api_as(world.enterprise_member).get(url)
    assert response.status_code == 200
    assert served(response) == content
    assert response["Content-Type"] == "application/pdf"
    refused = api_as(world.other_enterprise_user).get(url)
    assert refused.status_code == 404
    assert refused["Content-Type"] == "application/problem+json"
    assert api_as(None).get(url).status_code in (401, 403)


@pytest.mark.django_db
def test_the_frozen_dossier_pins_the_digests_of_the_bytes_in_the_bucket(
    bucket, world, application_at, api_as
) -> None:
    draft = application_at(Status.DRAFT)
    client = api_as(world.enterprise_member)
    upload = SimpleUploadedFile("flow.pdf", make_pdf("Process flow, revised"))
    assert (
        client.post(
            f"/api/v1/applications/{draft.pk}/files/",
            {"kind": EvidenceKind.PROCESS_FLOW, "file": upload},
            format="multipart",
        ).status_code
        == 201
    )

    response = client.post(
        f"/api/v1/applications/{draft.pk}/transitions/", {"action": "submit"}, format="json"
    )

    assert response.status_code == 200
    entry = AuditEntry.objects.get(kind="certification:dossier:frozen", application_id=draft.pk)
    pinned = json.loads(bytes(entry.body))["event"]["data"]["files"]
    files = list(draft.dossier_versions.get(number=1).files.order_by("pk"))
    assert "flow.pdf" in [file.original_name for file in files]
    assert [item["sha256"] for item in pinned] == [
        hashlib.sha256(bucket.read(file.file.name)).hexdigest() for file in files
    ]
    assert {file.file.name for file in files} <= bucket.object_keys()


@pytest.mark.django_db
def test_the_admin_shows_an_evidence_file_without_a_link_to_it(
    bucket, world, application_at
) -> None:
    evidence = application_at(Status.DRAFT).evidence_files.first()
    operator = world.platform_admin
    operator.is_staff = operator.is_superuser = True
    operator.save(update_fields=["is_staff", "is_superuser"])

    response = portal_client(operator).get(
        f"/admin/certification/evidencefile/{evidence.pk}/change/"
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert evidence.file.name in html
    assert bucket.endpoint not in html
    assert "/media/" not in html


@pytest.mark.django_db
def test_a_complaint_attachment_is_kept_in_the_bucket_for_the_body_alone(
    bucket, world, application_at, api_as, settings
) -> None:
    settings.LABEL_PUBLIC_HOST = "labels.example.cn"
    application = application_at(Status.APPROVED)
    label = label_services.label_issue(certificate_id=application.certificate.pk)
    photo = make_png(8, 8)

    response = api_as(None).post(
        "/api/v1/complaints/",
        {
            "label": label.serial,
            "category": "false_value",
            "description": "The value printed is not the certified one.",
            "contact": "shopper@example.cn",
            "attachment": SimpleUploadedFile("shelf.png", photo),
        },
        format="multipart",
    )

    assert response.status_code == 201
    complaint = Complaint.objects.get(reference=response.json()["reference"])
    assert bucket.read(complaint.attachment.name) == photo
    assert bucket.anonymous_get(complaint.attachment.name) == 403
    download = f"/portal/complaints/{complaint.reference}/attachment/"
    response = portal_client(world.body_admin).get(download)
    assert response.status_code == 200
    assert served(response) == photo
    assert response["Content-Type"] == "image/png"
    other_body = member_of(world.peer_body, Role.BODY_ADMIN, username="peer_body_admin")
    assert portal_client(other_body).get(download).status_code == 404
    assert portal_client(None).get(download).status_code == 302


# --- certificate PDFs ---------------------------------------------------------------------


@pytest.mark.django_db
def test_a_certificate_pdf_is_rendered_into_the_bucket_and_served(
    bucket, world, application_at, settings
) -> None:
    settings.LABEL_PUBLIC_HOST = "labels.example.cn"
    application = application_at(Status.APPROVED)
    label = label_services.label_issue(certificate_id=application.certificate.pk)

    response = portal_client(None).get(f"/labels/{label.serial}/certificate.pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pdf = served(response)
    assert pdf.startswith(b"%PDF-")
    document = CertificateDocument.objects.get(label=label)
    assert (document.file.name or "").startswith("certificates/")
    assert bucket.read(document.file.name) == pdf
    assert not set(bucket.grantees(document.file.name)) & set(EVERYONE)
    assert bucket.anonymous_get(document.file.name) == 403
    # Served again from the bucket, not rendered again.
    again = portal_client(None).get(f"/labels/{label.serial}/certificate.pdf")
    assert served(again) == pdf
    assert CertificateDocument.objects.get(label=label).file.name == document.file.name


@pytest.mark.django_db
def test_a_certificate_pdf_gone_from_the_bucket_is_rendered_again(
    bucket, world, application_at, settings
) -> None:
    settings.LABEL_PUBLIC_HOST = "labels.example.cn"
    application = application_at(Status.APPROVED)
    label = label_services.label_issue(certificate_id=application.certificate.pk)
    url = f"/labels/{label.serial}/certificate.pdf"
    assert portal_client(None).get(url).status_code == 200
    name = CertificateDocument.objects.get(label=label).file.name
    # As after a database restored beside a bucket where that PDF was since replaced.
    bucket.client.delete_object(Bucket=bucket.name, Key=name)

    response = portal_client(None).get(url)

    assert response.status_code == 200
    pdf = served(response)
    assert pdf.startswith(b"%PDF-")
    document = CertificateDocument.objects.get(label=label)
    assert bucket.read(document.file.name) == pdf


def test_a_name_already_taken_gets_a_new_object_rather_than_replacing_it(bucket) -> None:
    first = default_storage.save("certificates/LABEL.pdf", ContentFile(b"first"))
    second = default_storage.save("certificates/LABEL.pdf", ContentFile(b"second"))

    assert first == "certificates/LABEL.pdf"
    assert second != first
    assert (bucket.read(first), bucket.read(second)) == (b"first", b"second")


# --- the store unreachable ----------------------------------------------------------------


def take_the_store_down(bucket: Bucket, settings) -> None:
    """The platform's storage pointed at the same bucket on a port nothing listens on, as when
    the store is down or unreachable: connections are refused."""
    secret = urllib.parse.quote(SECRET_KEY, safe="")
    url = (
        f"s3://{ACCESS_KEY}:{secret}@{bucket.name}"
        f"?endpoint_url=http://127.0.0.1:{free_port()}&region_name={REGION}"
    )
    settings.STORAGES = {**settings.STORAGES, "default": default_storage_settings(url)}


def assert_storage_unavailable(response) -> None:
    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"
    assert response["Retry-After"] == "30"
    assert response.json()["code"] == "storage_unavailable"


@pytest.mark.django_db
def test_an_api_upload_while_the_store_is_down_answers_503_and_keeps_nothing(
    bucket, world, application_at, api_as, settings
) -> None:
    draft = application_at(Status.DRAFT)
    files_before = draft.evidence_files.count()
    keys_before = bucket.object_keys()
    take_the_store_down(bucket, settings)

    response = api_as(world.enterprise_member).post(
        f"/api/v1/applications/{draft.pk}/files/",
        {"kind": EvidenceKind.EVIDENCE, "file": SimpleUploadedFile("m.pdf", make_pdf("m"))},
        format="multipart",
    )

    assert_storage_unavailable(response)
    assert draft.evidence_files.count() == files_before
    assert bucket.object_keys() == keys_before


@pytest.mark.django_db
def test_a_download_while_the_store_is_down_answers_503(
    bucket, world, application_at, api_as, settings
) -> None:
    draft = application_at(Status.DRAFT)
    client = api_as(world.enterprise_member)
    created = client.post(
        f"/api/v1/applications/{draft.pk}/files/",
        {"kind": EvidenceKind.EVIDENCE, "file": SimpleUploadedFile("m.pdf", make_pdf("m"))},
        format="multipart",
    )
    assert created.status_code == 201
    evidence_id = created.json()["id"]
    take_the_store_down(bucket, settings)

    assert_storage_unavailable(client.get(f"/api/v1/applications/{draft.pk}/files/{evidence_id}/"))
    portal = portal_client(world.enterprise_member)
    portal.raise_request_exception = False
    page = portal.get(f"/portal/applications/{draft.pk}/files/{evidence_id}/")
    assert page.status_code == 503
    assert page["Retry-After"] == "30"
    assert b"file store" in page.content


@pytest.mark.django_db
def test_readiness_reports_the_object_store(bucket, settings) -> None:
    ready = Client().get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"]["storage"] == "ok"

    take_the_store_down(bucket, settings)
    unready = Client().get("/readyz")

    assert unready.status_code == 503
    assert unready.json()["checks"]["storage"] == "error: EndpointConnectionError"


# --- local files --------------------------------------------------------------------------


@pytest.mark.django_db
def test_no_url_serves_local_files(world, application_at, media_root) -> None:
    evidence = application_at(Status.DRAFT).evidence_files.first()
    assert (media_root / evidence.file.name).is_file()

    for user in (None, world.enterprise_member):
        assert portal_client(user).get(f"/media/{evidence.file.name}").status_code == 404


# --- STORAGE_URL --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "store"),
    [
        ("s3://files", ObjectStore(bucket="files")),
        (
            "s3://carbon-label.files/platform/prod?region_name=cn-north-1",
            ObjectStore(
                bucket="carbon-label.files", prefix="platform/prod", region_name="cn-north-1"
            ),
        ),
        (
            "s3://files?endpoint_url=http://minio:9000&region_name=us-east-1",
            ObjectStore(
                bucket="files",
                endpoint_url="http://minio:9000",
                region_name="us-east-1",
                addressing_style="path",
            ),
        ),
        (
            "s3://AKIA1:se%2Fcr%40et@files/?endpoint_url=https://s3.example.cn"
            "&addressing_style=virtual&acl=none",
            ObjectStore(
                bucket="files",
                endpoint_url="https://s3.example.cn",
                addressing_style="virtual",
                acl=None,
                access_key="AKIA1",
                secret_key="se/cr@et",
            ),
        ),
    ],
)
def test_a_storage_url_names_the_store(url, store) -> None:
    assert object_store_parse(url) == store


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("files", "only s3:// URLs"),
        ("https://files.s3.amazonaws.com", "only s3:// URLs"),
        ("s3://", "the bucket name"),
        ("s3://ab", "the bucket name"),
        ("s3://Files", "the bucket name"),
        ("s3://files_2025", "the bucket name"),
        ("s3://files..2025", "the bucket name"),
        ("s3://files:9000", "a port belongs in endpoint_url"),
        ("s3://files/../other", "the prefix"),
        ("s3://files/a//b", "the prefix"),
        ("s3://files#x", "fragment"),
        ("s3://AKIA1@files", "give both keys"),
        ("s3://:secret@files", "give both keys"),
        ("s3://files?endpoint=http://minio:9000", "unknown option 'endpoint'"),
        ("s3://files?endpoint_url", "NAME=VALUE"),
        ("s3://files?region_name=", "region_name is empty"),
        ("s3://files?region_name=a&region_name=b", "region_name is given twice"),
        ("s3://files?endpoint_url=minio:9000", "endpoint_url must be an http"),
        ("s3://files?endpoint_url=ftp://minio", "endpoint_url must be an http"),
        ("s3://files?addressing_style=dns", "addressing_style must be one of"),
        ("s3://files?acl=public-read", "acl must be private or none"),
    ],
)
def test_a_bad_storage_url_is_refused_saying_why(url, problem) -> None:
    with pytest.raises(ImproperlyConfigured) as error:
        object_store_parse(url)
    assert str(error.value).startswith("STORAGE_URL: ")
    assert problem in str(error.value)


def test_a_refusal_never_repeats_the_secret_key() -> None:
    with pytest.raises(ImproperlyConfigured) as error:
        object_store_parse("s3://AKIA1:very-secret@Files")
    assert "very-secret" not in str(error.value)


def test_an_empty_storage_url_keeps_local_files() -> None:
    assert default_storage_settings("") == {
        "BACKEND": "django.core.files.storage.FileSystemStorage"
    }


def test_the_object_store_is_private_and_asks_checksums_only_when_required() -> None:
    entry = default_storage_settings("s3://files?endpoint_url=http://minio:9000")
    options = entry["OPTIONS"]

    assert entry["BACKEND"] == "storages.backends.s3.S3Storage"
    assert (options["bucket_name"], options["endpoint_url"]) == ("files", "http://minio:9000")
    assert options["default_acl"] == "private"
    assert options["file_overwrite"] is False
    assert options["querystring_auth"] is True
    assert options["querystring_expire"] <= 60
    config = options["client_config"]
    assert config.request_checksum_calculation == "when_required"
    assert config.response_checksum_validation == "when_required"
    assert config.s3 == {"addressing_style": "path"}
    # Without keys in the URL, boto3 finds them (AWS_ACCESS_KEY_ID…, a profile, a role).
    assert "access_key" not in options
    # A bucket whose ACLs are disabled is sent none.
    assert default_storage_settings("s3://files?acl=none")["OPTIONS"]["default_acl"] is None


def test_the_platform_refuses_to_start_with_a_bad_storage_url() -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={**os.environ, "STORAGE_URL": "s3://Evidence"},
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode != 0
    assert "ImproperlyConfigured: STORAGE_URL: the bucket name must be" in result.stderr
