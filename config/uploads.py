"""Evidence files are accepted by what they contain, never by their name.

libmagic reads the first bytes; Office files are zip containers and are told apart by the
parts they hold. A file whose name claims one type and whose content is another is refused, and
so is a PDF carrying active content (`pdfcheck.py`).
"""

import hashlib
import io
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

import magic
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.db import models
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .pdfcheck import Unchecked, has_active_content

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

# content type → file name endings that may carry it
ALLOWED = {
    "application/pdf": {".pdf"},
    "image/png": {".png"},
    "image/jpeg": {".jpg", ".jpeg"},
    XLSX: {".xlsx"},
    DOCX: {".docx"},
    "text/csv": {".csv", ".txt"},
    "text/plain": {".txt", ".csv"},
}
MAX_ZIP_EXPANSION = 100  # an Office file inflating more than 100× is treated as a zip bomb


@dataclass(frozen=True)
class CheckedUpload:
    content_type: str
    size: int
    sha256: str


def _office_type(head: bytes, data: io.BytesIO) -> str | None:
    try:
        with zipfile.ZipFile(data) as archive:
            names = set(archive.namelist())
            total = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        return None
    if total > max(len(data.getbuffer()), 1) * MAX_ZIP_EXPANSION:
        raise ValidationError(
            _("The file expands to an implausible size and was refused."), code="zip_bomb"
        )
    if "[Content_Types].xml" not in names:
        return None
    if "xl/workbook.xml" in names:
        return XLSX
    if "word/document.xml" in names:
        return DOCX
    return None


def detect_content_type(data: bytes) -> str:
    detected = magic.from_buffer(data[:8192], mime=True)
    if detected in ("application/zip", "application/octet-stream") or detected in (XLSX, DOCX):
        office = _office_type(data[:4], io.BytesIO(data))
        if office:
            return office
    if detected == "text/plain" or detected == "text/csv":
        try:
            data.decode("utf-8-sig")
        except UnicodeDecodeError:
            return "application/octet-stream"
    return detected


def _check_pdf(data: bytes) -> None:
    try:
        active = has_active_content(data)
    except Unchecked:
        raise ValidationError(
            _(
                "The PDF could not be checked for active content (it is encrypted or compressed "
                "in an unusual way). Print or export it again as a plain PDF."
            ),
            code="pdf_unchecked",
        ) from None
    if active:
        raise ValidationError(
            _(
                "The PDF contains active content (JavaScript, actions, launch actions, embedded "
                "files or media) and was refused. Print or export it again as a plain PDF."
            ),
            code="pdf_active_content",
        )


class CappedTemporaryFileUploadHandler(TemporaryFileUploadHandler):
    """Django's handler for files too large for memory, which writes no more than
    UPLOAD_MAX_BYTES of a file to disk: the rest is read and dropped, and the file keeps its
    whole size, so ``check_upload`` refuses it by size with the usual message. A large upload
    does not fill the disk before it is refused."""

    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        self.written = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        room = settings.UPLOAD_MAX_BYTES + 1 - self.written
        if room > 0:
            self.file.write(raw_data[:room])
            self.written += min(room, len(raw_data))


def check_upload(upload: UploadedFile) -> CheckedUpload:
    """Return what the file is, or raise ValidationError with a message for the person."""
    limit = settings.UPLOAD_MAX_BYTES
    if upload.size is None or upload.size == 0:
        raise ValidationError(_("The file is empty."), code="empty")
    if upload.size > limit:
        raise ValidationError(
            _("The file is %(size)s; the limit is %(limit)s.")
            % {"size": filesizeformat(upload.size), "limit": filesizeformat(limit)},
            code="too_large",
        )
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    content_type = detect_content_type(data)
    if content_type not in ALLOWED:
        raise ValidationError(
            _(
                "This kind of file (%(type)s) is not accepted. Upload PDF, PNG, JPEG, XLSX, "
                "DOCX or CSV."
            )
            % {"type": content_type},
            code="file_type",
        )
    suffix = PurePath(upload.name or "").suffix.lower()
    if suffix not in ALLOWED[content_type]:
        raise ValidationError(
            _("The file's name ends in “%(suffix)s” but its content is %(type)s.")
            % {"suffix": suffix or "—", "type": content_type},
            code="name_mismatch",
        )
    if content_type == "application/pdf":
        _check_pdf(data)
    return CheckedUpload(
        content_type=content_type, size=len(data), sha256=hashlib.sha256(data).hexdigest()
    )


class UploadRecord(models.Model):
    """What a stored upload keeps of its check: the name it came with, its size, SHA-256 and
    content type (``check_upload``), who uploaded it and when. The concrete model adds ``file``
    with its own storage path."""

    original_name = models.CharField(gettext_lazy("file name"), max_length=255)
    size = models.PositiveBigIntegerField(gettext_lazy("size"))
    sha256 = models.CharField(gettext_lazy("SHA-256"), max_length=64)
    content_type = models.CharField(gettext_lazy("content type"), max_length=100)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.original_name

    def record_check(self, upload: UploadedFile, checked: CheckedUpload, uploaded_by) -> None:
        """Fill the record from the upload and its check."""
        self.original_name = (upload.name or "file")[:255]
        self.size = checked.size
        self.sha256 = checked.sha256
        self.content_type = checked.content_type
        self.uploaded_by = uploaded_by
