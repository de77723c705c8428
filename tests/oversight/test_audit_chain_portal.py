"""The regulator's audit chain pages: who may see them, the filters, pagination and exports."""

import csv
import hashlib
import io
import json

import pytest
from django.http import StreamingHttpResponse
from django.test import Client
from django.urls import reverse

from audits.chain.models import AuditEntry
from audits.chain.services import chain_append
from oversight.chain import views
from tests.factories import CertificationBodyFactory
from tests.second_factor import sign_in

LIST = reverse("audit_chain:list")


def client_as(user=None, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    if user is not None:
        sign_in(client, user)
    return client


@pytest.fixture
def chained(world, application_at):
    """Entries about two applications of body X, and one about another body."""
    first = application_at("draft")
    second = application_at("draft")
    other_body = CertificationBodyFactory(name="Elsewhere Certification", code="elc")
    chain_append(
        "certification:application:submit",
        {"reference": first.reference},
        actor=world.enterprise_admin,
        application_id=first.pk,
        body_id=world.body.pk,
    )
    chain_append(
        "audits:finding:raised",
        {"reference": first.reference},
        actor=world.reviewer,
        application_id=first.pk,
        body_id=world.body.pk,
    )
    chain_append(
        "certification:application:submit",
        {"reference": second.reference},
        application_id=second.pk,
        body_id=world.body.pk,
    )
    chain_append("labels:key:created", {}, body_id=other_body.pk)
    return first, second, other_body


def _seqs(response) -> list[int]:
    return [row["entry"].seq for row in response.context["rows"]]


@pytest.mark.parametrize(
    "persona", ["enterprise_admin", "body_admin", "decision_maker", "reviewer", "platform_admin"]
)
def test_only_the_regulator_sees_the_chain(world, chained, persona) -> None:
    client = client_as(world.persona(persona))
    assert client.get(LIST).status_code == 404
    assert client.get(reverse("audit_chain:export", args=["csv"])).status_code == 404
    assert client.get(reverse("audit_chain:export", args=["jsonl"])).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(chained) -> None:
    response = client_as().get(LIST)
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_the_regulator_sees_every_entry_and_the_head(world, chained) -> None:
    response = client_as(world.regulator).get(LIST)
    assert response.status_code == 200
    assert _seqs(response) == [1, 2, 3, 4]
    head = bytes(AuditEntry.objects.get(seq=4).hash).hex()
    assert head in response.content.decode()
    first = response.context["rows"][0]
    assert (first["actor"], first["application"], first["body"]) == (
        world.enterprise_admin.username,
        chained[0].reference,
        world.body.name,
    )


def test_the_regulator_finds_the_chain_in_the_navigation(world) -> None:
    assert LIST in client_as(world.regulator).get(reverse("dashboard:dashboard")).content.decode()
    assert LIST not in client_as(world.body_admin).get("/").content.decode()


def test_filters_by_application_body_and_kind(world, chained) -> None:
    first, _second, other_body = chained
    client = client_as(world.regulator)
    assert _seqs(client.get(LIST, {"application": first.reference})) == [1, 2]
    assert _seqs(client.get(LIST, {"body": other_body.pk})) == [4]
    assert _seqs(client.get(LIST, {"kind": "certification:application"})) == [1, 3]
    assert _seqs(client.get(LIST, {"kind": "audits:finding:raised", "body": world.body.pk})) == [2]


def test_filters_by_certificate(world, issue_label) -> None:
    label = issue_label()
    issue_label()
    response = client_as(world.regulator).get(LIST, {"certificate": label.certificate.number})
    kinds = [row["entry"].kind for row in response.context["rows"]]
    assert kinds == ["labels:label:issued"]


def test_an_unknown_reference_is_a_field_error(world, chained) -> None:
    response = client_as(world.regulator).get(LIST, {"application": "APP-1999-000001"})
    assert response.status_code == 200
    assert response.context["form"].errors["application"] == ["No application has this reference."]
    assert _seqs(response) == []
    export = client_as(world.regulator).get(
        reverse("audit_chain:export", args=["csv"]), {"application": "APP-1999-000001"}
    )
    assert export.status_code == 400
    assert export["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("since", "until", "message"),
    [
        ("", "9999-12-31", "Choose dates between"),
        ("1970-01-01", "", "Choose dates between"),
        ("2026-05-02", "2026-05-01", "The period ends before it starts."),
    ],
)
def test_a_period_out_of_range_is_a_form_error(world, chained, since, until, message) -> None:
    client = client_as(world.regulator)
    response = client.get(LIST, {"since": since, "until": until})
    assert response.status_code == 200
    assert message in response.context["form"].non_field_errors()[0]
    assert _seqs(response) == []
    for fmt in ("csv", "jsonl"):
        export = client.get(
            reverse("audit_chain:export", args=[fmt]), {"since": since, "until": until}
        )
        assert export.status_code == 400
        assert export["Content-Type"] == "application/problem+json"


def test_pages_keep_the_filters(world, chained, monkeypatch) -> None:
    monkeypatch.setattr(views, "PAGE_SIZE", 1)
    client = client_as(world.regulator)
    response = client.get(LIST, {"body": world.body.pk})
    assert _seqs(response) == [1]
    assert f"body={world.body.pk}&amp;page=2" in response.content.decode()
    assert _seqs(client.get(LIST, {"body": world.body.pk, "page": 3})) == [3]


def test_the_csv_export_streams_the_filtered_entries(world, chained) -> None:
    first, _second, _other = chained
    response = client_as(world.regulator).get(
        reverse("audit_chain:export", args=["csv"]), {"application": first.reference}
    )
    assert response.status_code == 200
    assert response.streaming
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [int(row["seq"]) for row in rows] == [1, 2]
    stored = AuditEntry.objects.get(seq=2)
    assert rows[1]["kind"] == "audits:finding:raised"
    assert rows[1]["hash"] == bytes(stored.hash).hex()
    assert rows[1]["entry"].encode() == bytes(stored.body)
    assert rows[1]["actor"] == str(world.reviewer.pk)


def test_the_json_lines_export_is_each_entry_verbatim(world, chained) -> None:
    response = client_as(world.regulator).get(
        reverse("audit_chain:export", args=["jsonl"]), {"kind": "certification:application"}
    )
    assert response.status_code == 200
    assert response.streaming
    assert isinstance(response, StreamingHttpResponse)
    lines = b"".join(response.streaming_content).splitlines()
    assert [json.loads(line)["seq"] for line in lines] == [1, 3]
    for line in lines:
        stored = AuditEntry.objects.get(seq=json.loads(line)["seq"])
        assert hashlib.sha256(line).digest() == bytes(stored.hash)


def test_an_unknown_export_format_is_not_found(world, chained) -> None:
    response = client_as(world.regulator).get(reverse("audit_chain:export", args=["xml"]))
    assert response.status_code == 404


def test_the_export_reads_a_page_at_a_time_and_misses_nothing(
    world, chained, monkeypatch, django_assert_num_queries
) -> None:
    """Keyset pages of the filtered entries, each one query that holds nothing open after it."""
    monkeypatch.setattr(views, "EXPORT_PAGE", 1)
    response = client_as(world.regulator).get(
        reverse("audit_chain:export", args=["jsonl"]), {"kind": "certification:application"}
    )
    assert response.status_code == 200

    assert isinstance(response, StreamingHttpResponse)
    # Entries 1 and 3, a page each, and the empty page that ends the walk.
    with django_assert_num_queries(3):
        lines = b"".join(response.streaming_content).splitlines()
    assert [json.loads(line)["seq"] for line in lines] == [1, 3]
