"""Reading labels through the API and the public page: a label's stored answer is served in two
queries (the answer with the log's head, the upper nodes of its proofs), and never after a change, a
revoked key, a missing scope, a rate limit or validUntil; the batch reads the stored answers of
all its labels at once."""

import base64
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer

from accounts.apikeys import api_key_revoke
from accounts.models import ApiKey
from accounts.roles import ApiScope
from audits.transparency.selectors import log_size
from audits.transparency.services import log_append_many
from config.throttles import AnonymousLookupThrottle, ApiKeyThrottle
from labels import answers, apis, services
from labels.apis import LabelBatchInput, batch_keys_plain
from labels.models import LabelAnswer
from tests.api.conftest import STORED_READ, rendered
from tests.second_factor import sign_in

pytestmark = pytest.mark.django_db


def lookup_url(serial: str) -> str:
    return reverse("api-label", args=[serial])


@pytest.fixture
def client(key_client, make_key, label):
    """A marketplace's client whose key has been used once (remembered, its use recorded)."""
    client = key_client(make_key())
    client.get(lookup_url(label.serial))
    return client


@pytest.mark.parametrize("kind", ["serial", "certificate", "gtin", "badge-svg"])
def test_a_lookup_of_a_stored_answer_is_two_queries(
    kind, client, label, django_assert_num_queries
) -> None:
    url = {
        "serial": lookup_url(label.serial),
        "certificate": reverse("api-certificate-label", args=[label.certificate.number]),
        "gtin": reverse("api-gtin-labels", args=[label.gtin]),
        "badge-svg": reverse("api-label-badge", args=[label.serial, "svg"]),
    }[kind]
    rendered(label)
    # The badge has no log part: one query.
    with django_assert_num_queries(1 if kind == "badge-svg" else STORED_READ):
        assert client.get(url).status_code == 200


def test_a_proof_stored_whole_needs_no_node_read(client, label, django_assert_num_queries) -> None:
    """A leaf inside a complete subtree as large as the tree: its whole proof is settled and
    stored with the answer, so the read is the one query."""
    log_append_many([("audits:chain:head", {"n": n}, "") for n in range(64 - log_size())])
    assert log_size() == 64
    assert answers.answers_render([label.pk]) == 1
    with django_assert_num_queries(1):
        body = client.get(lookup_url(label.serial)).json()
    assert body["transparencyLog"] == client.get(f"/labels/{label.serial}/log.json").json()


def test_anonymous_lookups_read_the_stored_answer_too(
    key_client, label, django_assert_num_queries
) -> None:
    rendered(label)
    with django_assert_num_queries(STORED_READ):
        assert key_client().get(lookup_url(label.serial)).status_code == 200


def test_a_status_change_shows_on_the_next_call(
    client, label, body_admin, django_capture_on_commit_callbacks
) -> None:
    rendered(label)
    assert client.get(lookup_url(label.serial)).json()["status"] == "valid"
    badge = client.get(reverse("api-label-badge", args=[label.serial, "svg"]))
    services.label_change_status(
        actor=body_admin, label_id=label.pk, action="revoke", reason="Fraud."
    )
    body = client.get(lookup_url(label.serial)).json()  # before its answers are rendered again
    assert (body["status"], body["valid"]) == ("revoked", False)
    assert (
        client.get(reverse("api-label-badge", args=[label.serial, "svg"])).content != badge.content
    )
    gtin = client.get(reverse("api-gtin-labels", args=[label.gtin])).json()
    assert gtin["labels"][0]["status"] == "revoked"


def test_a_new_label_for_the_gtin_shows_on_the_next_call(client, issue_label, world) -> None:
    first = issue_label()
    rendered(first)
    url = reverse("api-gtin-labels", args=[world.product.gtin])
    before = len(client.get(url).json()["labels"])
    second = issue_label()
    serials = {item["serial"] for item in client.get(url).json()["labels"]}
    assert {first.serial, second.serial} <= serials and len(serials) == before + 1


def test_a_revoked_key_is_refused_on_its_next_call(
    key_client, make_key, marketplace_admin, label
) -> None:
    rendered(label)
    key = make_key()
    assert key_client(key).get(lookup_url(label.serial)).status_code == 200
    api_key_revoke(actor=marketplace_admin, api_key=ApiKey.objects.get())
    response = key_client(key).get(lookup_url(label.serial))
    assert response.status_code == 401
    assert response.json()["code"] == "revoked_api_key"


def test_a_key_without_the_scope_is_refused(key_client, make_key, label) -> None:
    rendered(label)
    other = make_key(scopes=(ApiScope.WEBHOOKS_MANAGE,), name="hooks")
    assert key_client(other).get(lookup_url(label.serial)).status_code == 403


def test_stored_answers_count_against_the_rate_limit(
    key_client, make_key, label, monkeypatch
) -> None:
    rendered(label)
    monkeypatch.setattr(ApiKeyThrottle, "rate", "2/minute", raising=False)
    client = key_client(make_key())
    codes = [client.get(lookup_url(label.serial)).status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def test_if_none_match_is_answered_304(client, label) -> None:
    rendered(label)
    first = client.get(lookup_url(label.serial))
    response = client.get(lookup_url(label.serial), HTTP_IF_NONE_MATCH=first["ETag"])
    assert response.status_code == 304
    assert response["ETag"] == first["ETag"] and "max-age=1" in response["Cache-Control"]
    assert response.content == b"" and "Content-Type" not in response
    weak = client.get(lookup_url(label.serial), HTTP_IF_NONE_MATCH=f"W/{first['ETag']}")
    assert weak.status_code == 304
    stale = client.get(lookup_url(label.serial), HTTP_IF_NONE_MATCH='"not-the-tag"')
    assert stale.status_code == 200 and stale.content == first.content


def test_expiry_shows_although_the_answer_is_stored(client, label, monkeypatch) -> None:
    rendered(label)
    assert client.get(lookup_url(label.serial)).json()["status"] == "valid"
    later = label.valid_until + timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    body = client.get(lookup_url(label.serial)).json()
    assert (body["status"], body["valid"]) == ("expired", False)


def test_a_signed_in_person_is_answered_too(api_as, body_admin, label) -> None:
    rendered(label)
    response = api_as(body_admin).get(lookup_url(label.serial))
    assert response.status_code == 200
    assert "Cookie" in response["Vary"]


# --- the batch ------------------------------------------------------------------------------


def batch(client, keys, **headers):
    return client.post(reverse("api-label-batch"), {"keys": keys}, format="json", **headers)


def test_the_batch_reads_the_stored_answers_in_two_queries(
    client, issue_label, world, body_admin, django_assert_num_queries
) -> None:
    first, second = issue_label(), issue_label()
    rendered(first, second)
    keys = [{"serial": first.serial}, {"serial": second.serial.lower()}, {"serial": "ZZZZZZZZZZZZ"}]
    with django_assert_num_queries(STORED_READ):
        answer = batch(client, keys)
    assert [r["found"] for r in answer.json()["results"]] == [True, True, False]
    assert answer.json()["results"][1]["key"] == {"serial": second.serial}
    single = client.get(lookup_url(first.serial)).json()
    assert answer.json()["results"][0]["labels"] == [single]
    services.label_change_status(
        actor=body_admin, label_id=second.pk, action="suspend", reason="Overdue surveillance."
    )
    changed = batch(client, keys)  # the second label's answer is stale: rendered live
    assert changed["ETag"] != answer["ETag"]
    assert changed.json()["results"][1]["labels"][0]["status"] == "suspended"
    before, after = (r.json()["results"][0]["labels"][0] for r in (answer, changed))
    assert before.pop("transparencyLog") != after.pop("transparencyLog")  # the log grew
    assert before == after


def test_the_batch_matches_every_kind_of_key_newest_first(client, issue_label, world) -> None:
    first, second = issue_label(), issue_label()
    rendered(first)  # the second is rendered live: both kinds in one answer
    results = batch(
        client,
        [
            {"gtin": world.product.gtin},
            {"certificateNumber": first.certificate.number},
            {"serial": second.serial},
        ],
    ).json()["results"]
    by_gtin = [item["serial"] for item in results[0]["labels"]]
    assert by_gtin.index(second.serial) < by_gtin.index(first.serial)
    assert [item["serial"] for item in results[1]["labels"]] == [first.serial]
    assert [item["serial"] for item in results[2]["labels"]] == [second.serial]


def test_the_batch_answers_412_to_its_etag_as_a_post_must(client, label) -> None:
    """RFC 9110 13.1.2: If-None-Match that matches on a POST is answered 412, never 304."""
    rendered(label)
    etag = batch(client, [{"serial": label.serial}])["ETag"]
    unchanged = batch(client, [{"serial": label.serial}], HTTP_IF_NONE_MATCH=etag)
    assert unchanged.status_code == 412
    assert unchanged["Content-Type"] == "application/problem+json"
    assert unchanged.json()["code"] == "unchanged"
    assert unchanged["ETag"] == etag
    other = batch(client, [{"serial": label.serial}], HTTP_IF_NONE_MATCH='"other"')
    assert other.status_code == 200


def test_the_batch_body_is_what_a_renderer_would_make_of_it(client, issue_label, world) -> None:
    first = issue_label()
    rendered(first)
    answer = batch(client, [{"serial": first.serial}, {"gtin": world.product.gtin}])
    assert answer.content == JSONRenderer().render(answer.json())


key_values = st.one_of(
    st.text(max_size=70),
    st.integers(),
    st.none(),
    st.booleans(),
    st.sampled_from(
        [
            "06901234567816",
            "6901234567816",
            "12345670",
            " ABC",
            "abc",
            "a\x00b",
            "CFP-CQC-2026-00001",
        ]
    ),
)
batch_items = st.one_of(
    st.dictionaries(
        st.sampled_from(["serial", "certificateNumber", "gtin", "other"]), key_values, max_size=2
    ),
    key_values,
)


@settings(max_examples=300, deadline=None)
@given(st.lists(batch_items, max_size=4))
def test_the_plain_batch_check_agrees_with_the_serializer(items) -> None:
    """Where the fast check accepts a batch, the serializer accepts it with the same keys."""
    plain = batch_keys_plain({"keys": items})
    if plain is None:
        return
    checked = LabelBatchInput(data={"keys": items})
    assert checked.is_valid(), checked.errors
    assert [dict(key) for key in checked.validated_data["keys"]] == plain


def test_the_plain_batch_check_leaves_errors_to_the_serializer() -> None:
    data: Any
    for data in (
        {"keys": []},
        {"keys": [{"gtin": "06901234567893"}]},
        {"keys": "x"},
        [],
        {"keys": [{"serial": "A", "gtin": "12345670"}]},
        {"keys": [{"serial": "A"}] * 101},
    ):
        assert batch_keys_plain(data) is None
        with pytest.raises(serializers.ValidationError):
            apis._batch_keys_validated(data)


def test_odd_batch_keys_get_a_400_not_a_500(client) -> None:
    url = reverse("api-label-batch")
    surrogate = client.post(
        url, data='{"keys": [{"serial": "AB\\ud800"}]}', content_type="application/json"
    )
    assert surrogate.status_code == 400
    assert batch(client, [{"gtin": "²²²²²²²²"}]).status_code == 400
    assert batch(client, [{"serial": "中"}]).json()["results"][0]["found"] is False


# --- the public verification page and its status -------------------------------------------


def page_url(label) -> str:
    return reverse("labels:public_page", args=[label.serial])


def test_an_anonymous_visitor_gets_the_stored_page(label, django_assert_num_queries) -> None:
    rendered(label)
    with django_assert_num_queries(STORED_READ):
        page = Client(HTTP_ACCEPT_LANGUAGE="en").get(page_url(label))
    assert page.status_code == 200 and not page.cookies
    assert b"csrfmiddlewaretoken" not in page.content
    assert page["Cache-Control"] == "no-cache, max-age=0"


def test_the_public_page_and_its_status_show_a_change_at_once(label, body_admin) -> None:
    rendered(label)
    visitor = Client(HTTP_ACCEPT_LANGUAGE="en")
    status_url = reverse("labels:status", args=[label.serial])
    assert b"VALID" in visitor.get(page_url(label)).content
    assert visitor.get(status_url).json()["status"] == "valid"
    services.label_change_status(
        actor=body_admin, label_id=label.pk, action="suspend", reason="Overdue surveillance."
    )
    assert b"SUSPENDED" in visitor.get(page_url(label)).content
    assert visitor.get(status_url).json()["status"] == "suspended"


def test_a_revoked_signing_key_shows_on_the_page_at_once(label, body_admin) -> None:
    rendered(label)
    visitor = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert b"NOT TRUSTED" not in visitor.get(page_url(label)).content
    services.signing_key_revoke(actor=body_admin, key_id=label.signing_key_id, reason="Key leaked.")
    assert b"NOT TRUSTED" in visitor.get(page_url(label)).content


def test_the_language_links_give_each_language_its_own_page(
    label, django_assert_num_queries
) -> None:
    rendered(label)
    visitor = Client(HTTP_ACCEPT_LANGUAGE="en")
    english = visitor.get(page_url(label) + "?lang=en")
    with django_assert_num_queries(STORED_READ):
        chinese = visitor.get(page_url(label) + "?lang=zh-hans")
    assert b'<html lang="en">' in english.content
    assert b'<html lang="zh-hans">' in chinese.content
    assert b'href="?lang=zh-hans"' in english.content


def test_a_signed_in_person_gets_the_page_rendered_for_them(label, body_admin) -> None:
    rendered(label)
    person = Client(HTTP_ACCEPT_LANGUAGE="en")
    sign_in(person, body_admin)
    assert b'data-testid="who"' in person.get(page_url(label)).content


def test_public_page_visitors_are_not_held_to_the_api_rate_limit(label, monkeypatch) -> None:
    rendered(label)
    monkeypatch.setattr(AnonymousLookupThrottle, "rate", "1/minute", raising=False)
    for _ in range(3):  # one address for many phones (a carrier's NAT)
        assert Client().get(page_url(label)).status_code == 200


def test_behind_a_proxy_anonymous_callers_are_counted_by_the_address_it_saw(
    key_client, label, settings, monkeypatch
) -> None:
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    monkeypatch.setattr(AnonymousLookupThrottle, "rate", "1/minute", raising=False)
    url = lookup_url(label.serial)

    def get(forwarded: str) -> int:
        return key_client().get(url, HTTP_X_FORWARDED_FOR=forwarded).status_code

    # The proxy appends the address that connected to it; what comes before, the caller wrote.
    assert get("192.0.2.1, 203.0.113.7") == 200
    assert get("192.0.2.2, 203.0.113.7") == 429  # the same client, another forged entry
    assert get("203.0.113.8") == 200  # another client


def test_the_batch_etag_tells_apart_batches_that_found_the_same_labels(client, label) -> None:
    rendered(label)
    one = batch(client, [{"serial": label.serial}])["ETag"]
    with_missing = batch(client, [{"serial": label.serial}, {"serial": "ZZZZZZZZZZZZ"}])["ETag"]
    reordered = batch(client, [{"serial": "ZZZZZZZZZZZZ"}, {"serial": label.serial}])["ETag"]
    assert len({one, with_missing, reordered}) == 3


@pytest.mark.parametrize(
    "path", ["/labels/A%00B/", "/labels/A%00B/status.json", "/labels/A%00B/log.json", "/L/A%00B"]
)
def test_a_nul_in_a_public_path_names_nothing(path) -> None:
    assert Client().get(path).status_code == 404


def test_a_nul_in_a_public_query_is_a_bad_request(label) -> None:
    assert Client().get(page_url(label) + "?lang=a%00b").status_code == 400


@pytest.mark.django_db(transaction=True)
def test_lookups_outside_a_transaction_prove_to_the_current_checkpoint(
    key_client, make_key, issue_label, body_admin
) -> None:
    """The production path: the process keeps the nodes it read, the log grows, and the next
    lookup's proof is still to the checkpoint current then."""
    from audits.transparency.merkle import leaf_hash, verify_inclusion
    from audits.transparency.selectors import NODE_MEMORY, log_head

    first, second = issue_label(), issue_label()  # their answers rendered after each commit
    assert LabelAnswer.objects.filter(stale=False).count() == 2
    client = key_client(make_key())

    def proved(serial: str) -> None:
        log = client.get(lookup_url(serial)).json()["transparencyLog"]
        size = int(log["checkpoint"].split("\n")[1])
        assert size == log_head()[0]
        for item in log["entries"]:
            verify_inclusion(
                leaf_hash(base64.b64decode(item["entry"])),
                item["index"],
                size,
                [base64.b64decode(node) for node in item["inclusionProof"]],
                log_head()[1],
            )

    proved(first.serial)
    assert NODE_MEMORY.nodes  # kept: read outside a transaction
    services.label_change_status(
        actor=body_admin, label_id=second.pk, action="suspend", reason="Overdue surveillance."
    )
    proved(first.serial)
    proved(second.serial)
