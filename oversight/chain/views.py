"""The regulator's view of the audit chain: the filtered entries, paginated, and their export
(CSV or JSON lines, streamed). Anyone else gets 404, as for every oversight page."""

import csv
import json
from collections.abc import Iterable, Iterator

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render

from accounts.http import AuthenticatedHttpRequest
from accounts.models import Organisation, User
from accounts.selectors import user_is_regulator
from audits.chain.selectors import EntryFilters, chain_head, entry_list, entry_rows
from certification.models import Application, Certificate
from oversight.chain.forms import EntryFilterForm

PAGE_SIZE = 50
EXPORT_PAGE = 2000  # rows per query of an export
CSV_COLUMNS = [
    "seq",
    "created_at",
    "kind",
    "actor",
    "application",
    "certificate",
    "body",
    "hash",
    "entry",
]


def _ensure_regulator(request: AuthenticatedHttpRequest) -> None:
    if not user_is_regulator(request.user):
        raise Http404


def _filters(request: HttpRequest) -> tuple[EntryFilterForm, EntryFilters | None]:
    form = EntryFilterForm(request.GET or None)
    if not request.GET:
        return form, EntryFilters()
    return form, form.filters() if form.is_valid() else None


@login_required
def entry_list_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    _ensure_regulator(request)
    form, filters = _filters(request)
    entries = entry_list(filters) if filters is not None else entry_list(EntryFilters()).none()
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    names = _names(page)
    rows = [
        {
            "entry": entry,
            "actor": names["actor"].get(entry.actor_id, entry.actor_id),
            "application": names["application"].get(entry.application_id, entry.application_id),
            "certificate": names["certificate"].get(entry.certificate_id, entry.certificate_id),
            "body": names["body"].get(entry.body_id, entry.body_id),
            "event": json.loads(bytes(entry.body))["event"],
            "hash": bytes(entry.hash).hex(),
        }
        for entry in page
    ]
    query = request.GET.copy()
    query.pop("page", None)
    seq, head = chain_head()
    return render(
        request,
        "oversight/audit_chain.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "query": query.urlencode(),
            "head_seq": seq,
            "head_hash": head.hex(),
        },
    )


def _names(entries) -> dict[str, dict]:
    """What the ids of a page stand for, one query each (an id whose row is gone stays an id)."""

    def lookup(model, column: str, name: str) -> dict:
        ids = {getattr(entry, column) for entry in entries if getattr(entry, column)}
        return dict(model.objects.filter(pk__in=ids).values_list("pk", name))

    return {
        "actor": lookup(User, "actor_id", "username"),
        "application": lookup(Application, "application_id", "reference"),
        "certificate": lookup(Certificate, "certificate_id", "number"),
        "body": lookup(Organisation, "body_id", "name"),
    }


@login_required
def entry_export(
    request: AuthenticatedHttpRequest, kind: str
) -> HttpResponse | StreamingHttpResponse:
    _ensure_regulator(request)
    if kind not in ("csv", "jsonl"):
        raise Http404
    form, filters = _filters(request)
    if filters is None:
        return HttpResponse(
            json.dumps({"errors": form.errors.get_json_data()}),
            status=400,
            content_type="application/problem+json",
        )
    rows = entry_rows(
        filters,
        [
            "created_at",
            "kind",
            "actor_id",
            "application_id",
            "certificate_id",
            "body_id",
            "hash",
            "body",
        ],
        page=EXPORT_PAGE,
    )
    if kind == "csv":
        response = StreamingHttpResponse(_csv(rows), content_type="text/csv; charset=utf-8")
    else:
        response = StreamingHttpResponse(_json_lines(rows), content_type="application/jsonl")
    response["Content-Disposition"] = f'attachment; filename="audit-chain.{kind}"'
    return response


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv(rows: Iterable[tuple]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_COLUMNS)
    for seq, created_at, kind, actor, application, certificate, body, digest, entry in rows:
        yield writer.writerow(
            [
                seq,
                created_at.isoformat(),
                kind,
                actor or "",
                application or "",
                certificate or "",
                body or "",
                bytes(digest).hex(),
                bytes(entry).decode(),
            ]
        )


def _json_lines(rows: Iterable[tuple]) -> Iterator[bytes]:
    """Each entry's bytes verbatim, one a line: SHA-256 of a line is the entry's hash."""
    for *_columns, entry in rows:
        yield bytes(entry) + b"\n"
