"""PDFs carrying active content (JavaScript, actions run on opening or on events, launch
actions, embedded files, rich media) are refused with a field error, also when the dictionaries
hide in compressed object streams or behind #xx escapes in names; plain PDFs pass."""

import random
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from certification import services
from certification.models import EvidenceFile, EvidenceKind, Status
from config.uploads import check_upload
from tests.factories import PDF_BYTES

ACTIVE = (
    "The PDF contains active content (JavaScript, actions, launch actions, embedded files "
    "or media) and was refused. Print or export it again as a plain PDF."
)
UNCHECKED = (
    "The PDF could not be checked for active content (it is encrypted or compressed "
    "in an unusual way). Print or export it again as a plain PDF."
)

PAGE = (
    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
    b"/Resources << /Font << /F1 5 0 R >> >> %s>>"
)


def stream(dictionary: bytes, data: bytes) -> bytes:
    return b"<< %s /Length %d >>\nstream\n" % (dictionary, len(data)) + data + b"\nendstream"


def pdf(
    *,
    catalog: bytes = b"",
    page: bytes = b"",
    extra: tuple[bytes, ...] = (),
    content: bytes = b"BT /F1 12 Tf 72 720 Td (Evidence) Tj ET",
) -> bytes:
    """A one-page PDF; `catalog` and `page` add entries, `extra` objects numbered from 6."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R %s>>" % catalog,
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        PAGE % page,
        stream(b"", content),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        *extra,
    ]
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def object_stream(*objects: bytes, compress=zlib.compress) -> bytes:
    """An /ObjStm holding `objects` (numbered from 20), FlateDecode."""
    body = b"".join(obj + b"\n" for obj in objects)
    header, offset = [], 0
    for number, obj in enumerate(objects, start=20):
        header.append(b"%d %d" % (number, offset))
        offset += len(obj) + 1
    head = b" ".join(header) + b"\n"
    return stream(
        b"/Type /ObjStm /N %d /First %d /Filter /FlateDecode" % (len(objects), len(head)),
        compress(head + body),
    )


JS = b"<< /S /JavaScript /JS (app.alert\\(1\\)) >>"

REFUSED = {
    "open action": pdf(catalog=b"/OpenAction 6 0 R ", extra=(JS,)),
    "open action opening a web address": pdf(
        catalog=b"/OpenAction << /S /URI /URI (https://evil.example) >> "
    ),
    "open action chaining another action": pdf(
        catalog=b"/OpenAction << /S /GoTo /D [3 0 R /Fit] /Next 6 0 R >> ",
        extra=(b"<< /S /SubmitForm /F (https://evil.example) >>",),
    ),
    "document JavaScript": pdf(
        catalog=b"/Names << /JavaScript 6 0 R >> ", extra=(b"<< /Names [(a) 7 0 R] >>", JS)
    ),
    "launch action": pdf(
        page=b"/Annots [6 0 R] ",
        extra=(
            b"<< /Type /Annot /Subtype /Link /Rect [0 0 9 9] /A << /S /Launch /F (cmd.exe) >> >>",
        ),
    ),
    "page additional actions": pdf(page=b"/AA << /O << /S /URI /URI (https://x.example) >> >> "),
    "embedded files": pdf(
        catalog=b"/Names << /EmbeddedFiles 6 0 R >> ",
        extra=(
            b"<< /Names [(a.exe) 7 0 R] >>",
            b"<< /Type /Filespec /F (a.exe) /EF << /F 8 0 R >> >>",
            stream(b"/Type /EmbeddedFile", b"MZ"),
        ),
    ),
    "rich media": pdf(
        page=b"/Annots [6 0 R] ", extra=(b"<< /Type /Annot /Subtype /RichMedia /Rect [0 0 9 9] >>",)
    ),
    "escaped name": pdf(catalog=b"/Open#41ction << /S /J#61va#53cript /J#53 (x) >> "),
    "in an object stream": pdf(
        extra=(object_stream(b"<< /Type /Catalog /Pages 2 0 R /OpenAction 21 0 R >>", JS),)
    ),
    "escaped in an object stream": pdf(
        extra=(object_stream(b"<< /A#41 << /O << /S /GoTo /D [3 0 R /Fit] >> >> >>"),)
    ),
}


def upload(content: bytes, name: str = "bill.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


@pytest.mark.parametrize("name", list(REFUSED))
def test_a_pdf_with_active_content_is_refused(name) -> None:
    with pytest.raises(ValidationError) as error:
        check_upload(upload(REFUSED[name]))

    assert (error.value.code, error.value.message) == ("pdf_active_content", ACTIVE)


def test_an_object_stream_that_cannot_be_read_is_refused() -> None:
    garbage = pdf(extra=(object_stream(b"<< >>", compress=lambda data: b"\x00garbage"),))

    with pytest.raises(ValidationError) as error:
        check_upload(upload(garbage))

    assert (error.value.code, error.value.message) == ("pdf_unchecked", UNCHECKED)


def test_an_object_stream_inflating_past_the_bound_is_refused(settings) -> None:
    settings.UPLOAD_MAX_BYTES = 100_000
    bomb = pdf(extra=(object_stream(b"<< /Pad (" + b"0" * 50_000_000 + b") >>"),))
    assert len(bomb) < settings.UPLOAD_MAX_BYTES

    with pytest.raises(ValidationError) as error:
        check_upload(upload(bomb))

    assert error.value.code == "pdf_unchecked"


def test_plain_pdfs_pass_with_binary_and_compressed_streams() -> None:
    noise = random.Random(13).randbytes(300_000)
    plain = pdf(
        content=zlib.compress(b"BT /F1 12 Tf 72 720 Td (/JS /AA Evidence) Tj ET"),
        extra=(
            stream(b"/Type /XObject /Subtype /Image /Width 1 /Height 1", noise),
            object_stream(b"<< /Type /Font /Subtype /Type1 /BaseFont /Courier >>"),
        ),
    )

    for content in (PDF_BYTES, plain):
        assert check_upload(upload(content)).content_type == "application/pdf"


@pytest.mark.parametrize(
    "opening",
    [
        pdf(catalog=b"/OpenAction [3 0 R /Fit] "),
        pdf(catalog=b"/OpenAction 6 0 R ", extra=(b"[3 0 R /XYZ 0 792 0]",)),
        pdf(catalog=b"/OpenAction << /S /GoTo /D [3 0 R /FitH 792] >> "),
        # TeX's hyperref: the catalog and its GoTo action packed in an object stream
        pdf(
            extra=(
                object_stream(
                    b"<< /Type /Catalog /Pages 2 0 R /OpenAction 21 0 R >>",
                    b"<< /S /GoTo /D [3 0 R /Fit] >>",
                ),
            )
        ),
    ],
    ids=["array", "referenced array", "GoTo", "GoTo in an object stream"],
)
def test_an_open_action_naming_the_first_page_passes(opening) -> None:
    assert check_upload(upload(opening)).content_type == "application/pdf"


@pytest.mark.django_db
def test_the_api_names_the_file_field_and_stores_nothing(
    api_as, application_at, world, media_root
) -> None:
    draft = application_at(Status.DRAFT)
    rows_before = EvidenceFile.objects.count()
    files_before = set(media_root.rglob("*"))

    response = api_as(world.enterprise_member).post(
        f"/api/v1/applications/{draft.pk}/files/",
        {"kind": EvidenceKind.EVIDENCE, "file": upload(REFUSED["open action"])},
        format="multipart",
    )

    assert response.status_code == 400
    assert response.json()["errors"] == {"file": [ACTIVE]}
    assert EvidenceFile.objects.count() == rows_before
    assert set(media_root.rglob("*")) == files_before


@pytest.mark.django_db
def test_the_service_refuses_it_too(application_at, world, media_root) -> None:
    draft = application_at(Status.DRAFT)
    rows_before = EvidenceFile.objects.filter(application=draft).count()

    with pytest.raises(ValidationError):
        services.evidence_upload(
            actor=world.enterprise_member,
            application=draft,
            kind=EvidenceKind.EVIDENCE,
            upload=upload(REFUSED["launch action"]),
        )

    assert EvidenceFile.objects.filter(application=draft).count() == rows_before
