"""An inventory file into a dossier version: every row checked before anything is written,
then the version's lines replaced in one go, so an import is whole or absent.

The caller (`certification.inventory.services`) decides who may import into which version and
holds the dossier's lock around `inventory_lines_replace`.
"""

from dataclasses import dataclass
from pathlib import PurePath
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from .. import bridge, engine
from ..importer import ImportErrors, ImportIssue, parse_inventory
from ..models import InventoryLine
from ..selectors import factors_current_by_code
from ..spreadsheet_reader import DEFAULT_MAX_BYTES

if TYPE_CHECKING:
    from footprint.dossiers import DossierVersionRecord

IMPORT_SUFFIXES = {".xlsx", ".csv"}


@dataclass(frozen=True)
class ImportOutcome:
    """What an import did: every line imported, or nothing and every problem found."""

    imported: int
    errors: tuple[ImportIssue, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors


def import_max_bytes() -> int:
    return getattr(settings, "INVENTORY_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES)


def import_refused(message: str) -> ImportOutcome:
    return ImportOutcome(imported=0, errors=(ImportIssue(None, None, message),))


def _translated(issues: tuple[ImportIssue, ...]) -> tuple[ImportIssue, ...]:
    return tuple(issue.translated(_) for issue in issues)


def _field_issues(row: int, line: InventoryLine) -> list[ImportIssue]:
    try:
        # Field limits (digits, decimal places, lengths) the core does not know about; the
        # factor and the evidence file were found already, so no query checks them again.
        line.clean_fields(
            exclude=["dossier_version", "position", "factor", "custom_factor_evidence"]
        )
    except ValidationError as error:
        return [
            ImportIssue(row, bridge.COLUMN_OF_FIELD.get(field, field), " ".join(texts))
            for field, texts in error.message_dict.items()
        ]
    return []


def inventory_file_check(
    *, version: "DossierVersionRecord", content: bytes, filename: str
) -> tuple[list[InventoryLine], ImportOutcome | None]:
    """The file's lines, unsaved, for `version`; or none and the outcome that refuses it."""
    if PurePath(filename or "").suffix.lower() not in IMPORT_SUFFIXES:
        return [], import_refused(_("Upload an .xlsx workbook or a .csv file."))
    factors = factors_current_by_code()
    core_factors = {code: bridge.core_factor(factor) for code, factor in factors.items()}
    files = list(version.files.all())
    # Names the core finds twice it refuses as ambiguous, so this mapping is only read for
    # names that are unique.
    evidence = {file.original_name: file for file in files}
    try:
        rows = parse_inventory(
            content,
            core_factors.get,
            evidence_names=[file.original_name for file in files],
            gases=bridge.direct_gases(),
            max_bytes=import_max_bytes(),
        )
    except ImportErrors as error:
        return [], ImportOutcome(imported=0, errors=_translated(error.errors))

    lines: list[InventoryLine] = []
    issues: list[ImportIssue] = []
    for row in rows:
        factor = row.line.factor
        line = bridge.model_line(
            row.line,
            factor=factors[factor.code] if factor.kind == engine.LIBRARY else None,
            evidence=evidence.get(factor.evidence) if factor.kind == engine.SUPPLIER else None,
        )
        issues.extend(_field_issues(row.row, line))
        lines.append(line)
    if issues:
        return [], ImportOutcome(imported=0, errors=tuple(issues))
    return lines, None


def inventory_lines_replace(
    *, version: "DossierVersionRecord", lines: list[InventoryLine]
) -> ImportOutcome:
    """`version`'s lines become `lines`, under the caller's lock of the dossier."""
    named = {line.custom_factor_evidence_id for line in lines} - {None}
    if named - set(version.files.values_list("pk", flat=True)):
        # A file the rows name was removed after they were checked and before the lock.
        return import_refused(_("An evidence file the rows name was removed meanwhile."))
    version.inventory_lines.all().delete()
    for position, line in enumerate(lines, start=1):
        line.dossier_version_id = version.pk
        line.position = position
    InventoryLine.objects.bulk_create(lines, batch_size=1000)
    return ImportOutcome(imported=len(lines))


def inventory_upload_read(upload: UploadedFile) -> tuple[bytes, ImportOutcome | None]:
    """The upload's bytes, refusing an oversized file before reading it."""
    limit = import_max_bytes()
    if upload.size is not None and upload.size > limit:
        return b"", import_refused(
            _("The file is %(size)s; the limit is %(limit)s.")
            % {"size": filesizeformat(upload.size), "limit": filesizeformat(limit)}
        )
    upload.seek(0)
    # One byte past the limit is enough for the core to refuse a file whose size was misstated.
    return upload.read(limit + 1), None
