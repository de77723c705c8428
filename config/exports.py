"""Portal lists written out as CSV or XLSX: the rows a person sees under the list's filters,
every page of them, in the columns the list declares.

A cell a spreadsheet program would run as a formula (text starting with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return: an enterprise may name its product ``=HYPERLINK(…)``) is
written as text: prefixed with ``'`` in CSV, typed as a string in XLSX.

CSV streams, so a list of many thousand rows never sits in memory whole; XLSX cannot (the
workbook is a zip written at the end), so it is built with openpyxl's write-only mode, which
keeps one row at a time.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar
from urllib.parse import urlencode

from django.db.models import Model, QuerySet
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import Promise
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

# Spreadsheet programs run a cell starting with these as a formula.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
ROWS_PER_QUERY = 500


Row = TypeVar("Row", bound=Model)


@dataclass(frozen=True, slots=True)
class Column(Generic[Row]):
    """One column: its header (translated when the file is written) and how a row fills it."""

    header: str | Promise
    value: Callable[[Row], object]


def csv_safe(value: object) -> object:
    """The value as a CSV cell a spreadsheet program shows as written, never runs."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def local_time(moment: datetime | None) -> datetime | None:
    """A moment as the portal shows it: local time, to the minute. Without its time zone, as
    spreadsheets store no zone (openpyxl refuses an aware datetime)."""
    if moment is None:
        return None
    return timezone.localtime(moment).replace(tzinfo=None, second=0, microsecond=0)


def _plain(value: object) -> object:
    """Lazy translations and choice labels as text; numbers and dates as they are."""
    return str(value) if isinstance(value, Promise) else value


class _Line:
    """csv.writer writes into this and gets the line back, so each row can be streamed."""

    def write(self, text: str) -> str:
        return text


def _csv_lines(
    rows: Iterable[Row], columns: Sequence[Column[Row]], language: str | None
) -> Iterator[str]:
    # The body is produced after the view has returned, when the request's language may no
    # longer be active: the headers and choice labels are translated in the request's.
    with translation.override(language):
        writer = csv.writer(_Line())
        yield "\ufeff"  # a byte order mark: spreadsheet programs then read Chinese as UTF-8
        yield writer.writerow([csv_safe(str(column.header)) for column in columns])
        for row in rows:
            yield writer.writerow([csv_safe(_plain(column.value(row))) for column in columns])


def _xlsx_bytes(rows: Iterable[Row], columns: Sequence[Column[Row]], sheet_title: str) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title[:31])  # Excel refuses longer sheet names

    def cell(value: object) -> WriteOnlyCell | None:
        value = _plain(value)
        if value is None:
            return None
        written = WriteOnlyCell(sheet, value=value)
        if isinstance(value, str):
            written.data_type = "s"  # never a formula, whatever the text starts with
        return written

    sheet.append([cell(str(column.header)) for column in columns])
    for row in rows:
        sheet.append([cell(column.value(row)) for column in columns])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _rows(queryset: QuerySet[Row]) -> Iterator[Row]:
    # A prefetch needs a chunk size; without one the iterator reads the rows in batches too.
    return queryset.iterator(chunk_size=ROWS_PER_QUERY)


def export_response(
    kind: str, queryset: QuerySet[Row], columns: Sequence[Column[Row]], name: str
) -> HttpResponse | StreamingHttpResponse:
    """The queryset as a download named `<name>-<today>.<kind>`; an unknown kind is a 404."""
    if kind not in CONTENT_TYPES:
        raise Http404
    filename = f"{name}-{timezone.localdate():%Y-%m-%d}.{kind}"
    response: HttpResponse | StreamingHttpResponse
    if kind == "csv":
        response = StreamingHttpResponse(
            _csv_lines(_rows(queryset), columns, translation.get_language()),
            content_type=CONTENT_TYPES[kind],
        )
    else:
        response = HttpResponse(
            _xlsx_bytes(_rows(queryset), columns, name), content_type=CONTENT_TYPES[kind]
        )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def export_links(url_name: str, filters: dict[str, str]) -> dict[str, str]:
    """The list's export addresses, carrying its filters (empty ones left out)."""
    query = urlencode({key: value for key, value in filters.items() if value})
    return {
        kind: reverse(url_name, args=[kind]) + (f"?{query}" if query else "")
        for kind in CONTENT_TYPES
    }
