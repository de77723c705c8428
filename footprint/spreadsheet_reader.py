"""Turn uploaded bytes into rows of cells, refusing anything that is not a safe spreadsheet.

An upload is untrusted bytes. The file's kind is decided by its content, never by its name: an
.xlsx is a zip holding ``[Content_Types].xml`` and ``xl/workbook.xml``; a .csv is UTF-8 text
(with or without a byte order mark). Size, entry count, total uncompressed size and compression
ratio are checked from the zip central directory before openpyxl opens anything, so a zip bomb
is refused without being inflated. (Python's zip reader also stops at each entry's declared size,
so the declared sizes checked here bound what openpyxl can inflate later.)
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from openpyxl import load_workbook

from config.exports import FORMULA_TRIGGERS
from footprint.messages import Message, Translate, gettext_noop, message

MEBIBYTE = 1024 * 1024
DEFAULT_MAX_BYTES = 5 * MEBIBYTE
DEFAULT_MAX_UNCOMPRESSED_BYTES = 100 * MEBIBYTE
# Worksheet XML of repetitive rows compresses about 10-30 times; a bomb of zeros about 1000 times.
DEFAULT_MAX_COMPRESSION_RATIO = 100
MAX_ZIP_ENTRIES = 1000
NOT_A_SPREADSHEET = gettext_noop("not a spreadsheet: upload an .xlsx workbook or a UTF-8 .csv file")

Cell = object
Rows = Iterator[tuple[int, tuple[Cell, ...]]]


@dataclass(frozen=True, slots=True)
class ImportIssue:
    """One problem of an upload: where (spreadsheet row, column name) and what, in English.

    ``problem`` keeps the message's template and parameters so that ``translated`` can give
    it in the reader's language; an issue made from text already translated has none.
    """

    row: int | None
    column: str | None
    message: str
    problem: Message | None = field(default=None, compare=False)

    @classmethod
    def of(cls, row: int | None, column: str | None, problem: Message) -> ImportIssue:
        return cls(row, column, str(problem), problem)

    def translated(self, translate: Translate) -> ImportIssue:
        if self.problem is None:
            return self
        return ImportIssue(self.row, self.column, self.problem.render(translate), self.problem)

    def __str__(self) -> str:
        where = ", ".join(
            part
            for part in (
                f"row {self.row}" if self.row is not None else "",
                f"column {self.column}" if self.column else "",
            )
            if part
        )
        return f"{where}: {self.message}" if where else self.message


class ImportErrors(ValueError):
    """Every problem found in an upload; raised instead of returning any row."""

    def __init__(self, errors: Sequence[ImportIssue]) -> None:
        self.errors: tuple[ImportIssue, ...] = tuple(errors)
        shown = "; ".join(str(error) for error in self.errors[:5])
        more = f" (and {len(self.errors) - 5} more)" if len(self.errors) > 5 else ""
        super().__init__(shown + more)


def file_error(template: str, **params: object) -> ImportErrors:
    return ImportErrors([ImportIssue.of(None, None, message(template, **params))])


def _check_zip(content: bytes, max_uncompressed_bytes: int, max_compression_ratio: float) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as error:
        raise file_error(NOT_A_SPREADSHEET) from error
    if len(entries) > MAX_ZIP_ENTRIES:
        raise file_error(
            gettext_noop("the workbook has %(parts)s parts, more than %(limit)s"),
            parts=len(entries),
            limit=MAX_ZIP_ENTRIES,
        )
    names = {entry.filename for entry in entries}
    if not {"[Content_Types].xml", "xl/workbook.xml"} <= names:
        raise file_error(
            gettext_noop(
                "not a spreadsheet: upload an .xlsx workbook or a UTF-8 .csv file "
                "(this zip file is not an .xlsx workbook)"
            )
        )
    uncompressed = sum(entry.file_size for entry in entries)
    compressed = sum(entry.compress_size for entry in entries)
    if uncompressed > max_uncompressed_bytes:
        raise file_error(
            gettext_noop(
                "the workbook would unpack to %(size)s bytes, more than the limit of %(limit)s"
            ),
            size=uncompressed,
            limit=max_uncompressed_bytes,
        )
    ratios = [uncompressed / max(compressed, 1)] + [
        entry.file_size / max(entry.compress_size, 1)
        for entry in entries
        if entry.file_size > MEBIBYTE
    ]
    if max(ratios) > max_compression_ratio:
        raise file_error(
            gettext_noop(
                "the workbook is compressed %(ratio)s to 1, more than %(limit)s to 1: refused "
                "as a possible zip bomb"
            ),
            ratio=f"{max(ratios):.0f}",
            limit=f"{max_compression_ratio:.0f}",
        )


def _xlsx_rows(content: bytes, sheet_name: str) -> Rows:
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds on a malformed workbook
        raise file_error(
            gettext_noop("the .xlsx workbook could not be read (%(error)s)"), error=str(error)
        ) from error
    try:
        sheets = {sheet.title.strip().lower(): sheet for sheet in workbook.worksheets}
        if not sheets:
            return
        sheet = sheets.get(sheet_name, workbook.worksheets[0])
        # Some writers record a wrong sheet size; without this, read-only mode would trust it.
        sheet.reset_dimensions()
        rows = enumerate(sheet.iter_rows(values_only=True), start=1)
        while True:
            try:  # the sheet's XML is parsed as it is read: a broken one fails here
                number, values = next(rows)
            except StopIteration:
                return
            except Exception as error:  # as for load_workbook: many kinds
                raise file_error(
                    gettext_noop("the .xlsx workbook could not be read (%(error)s)"),
                    error=str(error),
                ) from error
            yield number, tuple(values)
    finally:
        workbook.close()


def _unescape(value: str) -> str:
    if value[:1] == "'" and value[1:2] in FORMULA_TRIGGERS:
        return value[1:]
    return value


def _csv_rows(text: str) -> Rows:
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for number, values in enumerate(reader, start=1):
            yield number, tuple(_unescape(value) for value in values)
    except csv.Error as error:
        raise file_error(
            gettext_noop("the .csv file could not be read (%(error)s)"), error=str(error)
        ) from error


def read_cells(
    content: bytes,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_uncompressed_bytes: int = DEFAULT_MAX_UNCOMPRESSED_BYTES,
    max_compression_ratio: float = DEFAULT_MAX_COMPRESSION_RATIO,
    sheet: str = "inventory",
) -> Rows:
    """Check the upload as a file, then yield (row number, cell values) for every row: of a
    workbook, the rows of the sheet named `sheet` (any case), or else of its first sheet."""
    if not content:
        raise file_error(gettext_noop("the file is empty"))
    if len(content) > max_bytes:
        raise file_error(
            gettext_noop("the file is %(size)s bytes, more than the limit of %(limit)s"),
            size=len(content),
            limit=max_bytes,
        )
    if content.startswith((b"PK\x03\x04", b"PK\x05\x06")):  # a zip, or an empty zip
        _check_zip(content, max_uncompressed_bytes, max_compression_ratio)
        return _xlsx_rows(content, sheet.lower())
    if content.startswith(b"\xd0\xcf\x11\xe0"):
        raise file_error(
            gettext_noop("old .xls workbooks are not accepted: save the file as .xlsx")
        )
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise file_error(NOT_A_SPREADSHEET) from error
    if "\x00" in text:
        raise file_error(NOT_A_SPREADSHEET)
    return _csv_rows(text)
