"""The label API's answer cache: hits replay the whole stack's answer without the database, and
never outlive a change, a revoked key, a missing scope, a rate limit or validUntil."""

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st
from rest_framework import serializers

from accounts.apikeys import api_key_revoke
from accounts.models import ApiKey
from accounts.roles import ApiScope
from config.throttles import ApiKeyThrottle
from labels import answer_cache, apis, services
from labels.apis import LabelBatchInput, batch_keys_plain
from tests.api.wsgi import wsgi_batch, wsgi_call, wsgi_get
from tests.second_factor import sign_in

pytestmark = pytest.mark.django_db

# A label answer read anew also reads its transparency log entries and their proofs.
LOG_QUERIES = 3


def lookup_url(serial: str) -> str:
    return reverse("api-label", args=[serial])


def same_answer(first, second) -> None:
    assert second.status_code == first.status_code == 200
    assert second.content == first.content
    assert dict(second.items()) == dict(first.items())


@pytest.fixture
def client(key_client, make_key):
    return key_client(make_key())


def test_a_repeated_lookup_replays_the_answer_without_the_database(
    client, label, django_assert_num_queries
) -> None:
    first = client.get(lookup_url(label.serial))
    with django_assert_num_queries(0):
        second = client.get(lookup_url(label.serial))
    same_answer(first, second)


@pytest.mark.parametrize("kind", ["certificate", "gtin", "badge-svg", "badge-png-en"])
def test_every_lookup_kind_is_cached(kind, client, label, django_assert_num_queries) -> None:
    url = {
        "certificate": reverse("api-certificate-label", args=[label.certificate.number]),
        "gtin": reverse("api-gtin-labels", args=[label.gtin]),
        "badge-svg": reverse("api-label-badge", args=[label.serial, "svg"]),
        "badge-png-en": reverse("api-label-badge", args=[label.serial, "png"]) + "?lang=en",
    }[kind]
    first = client.get(url)
    with django_assert_num_queries(0):
        second = client.get(url)
    same_answer(first, second)


def test_anonymous_lookups_are_cached_too(key_client, label, django_assert_num_queries) -> None:
    first = key_client().get(lookup_url(label.serial))
    with django_assert_num_queries(0):
        second = key_client().get(lookup_url(label.serial))
    same_answer(first, second)


def test_a_status_change_shows_on_the_next_call(
    client, label, body_admin, django_capture_on_commit_callbacks
) -> None:
    assert client.get(lookup_url(label.serial)).json()["status"] == "valid"
    badge = client.get(reverse("api-label-badge", args=[label.serial, "svg"]))
    with django_capture_on_commit_callbacks(execute=True):
        services.label_change_status(
            actor=body_admin, label_id=label.pk, action="revoke", reason="Fraud."
        )
    body = client.get(lookup_url(label.serial)).json()
    assert (body["status"], body["valid"]) == ("revoked", False)
    assert (
        client.get(reverse("api-label-badge", args=[label.serial, "svg"])).content != badge.content
    )
    gtin = client.get(reverse("api-gtin-labels", args=[label.gtin])).json()
    assert gtin["labels"][0]["status"] == "revoked"


def test_a_new_label_for_the_gtin_shows_on_the_next_call(client, issue_label, world) -> None:
    first = issue_label()
    url = reverse("api-gtin-labels", args=[world.product.gtin])
    assert len(client.get(url).json()["labels"]) == 1
    second = issue_label()
    assert {item["serial"] for item in client.get(url).json()["labels"]} == {
        first.serial,
        second.serial,
    }


def test_an_answer_read_before_a_change_is_never_served_after_it(
    client, label, body_admin, monkeypatch
) -> None:
    """A status change committed while a lookup is being answered (after its database read):
    the answer stored from that read must not be served afterwards."""
    represent = apis.label_representation

    def change_meanwhile(read):
        body = represent(read)
        monkeypatch.setattr(apis, "label_representation", represent)
        services.label_change_status(
            actor=body_admin, label_id=label.pk, action="suspend", reason="Overdue surveillance."
        )
        return body

    monkeypatch.setattr(apis, "label_representation", change_meanwhile)
    assert client.get(lookup_url(label.serial)).json()["status"] == "valid"
    assert client.get(lookup_url(label.serial)).json()["status"] == "suspended"


def test_a_revoked_key_is_refused_even_when_the_answer_is_cached(
    key_client, make_key, marketplace_admin, label
) -> None:
    key = make_key()
    assert key_client(key).get(lookup_url(label.serial)).status_code == 200
    api_key_revoke(actor=marketplace_admin, api_key=ApiKey.objects.get())
    response = key_client(key).get(lookup_url(label.serial))
    assert response.status_code == 401
    assert response.json()["code"] == "revoked_api_key"


def test_a_key_without_the_scope_is_refused_even_when_the_answer_is_cached(
    key_client, make_key, label
) -> None:
    assert key_client(make_key()).get(lookup_url(label.serial)).status_code == 200
    other = make_key(scopes=(ApiScope.WEBHOOKS_MANAGE,), name="hooks")
    assert key_client(other).get(lookup_url(label.serial)).status_code == 403


def test_cached_answers_count_against_the_rate_limit(
    key_client, make_key, label, monkeypatch
) -> None:
    monkeypatch.setattr(ApiKeyThrottle, "rate", "2/minute", raising=False)
    client = key_client(make_key())
    codes = [client.get(lookup_url(label.serial)).status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def test_if_none_match_is_answered_304_from_the_cache(
    client, label, django_assert_num_queries
) -> None:
    etag = client.get(lookup_url(label.serial))["ETag"]
    with django_assert_num_queries(0):
        response = client.get(lookup_url(label.serial), HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    assert response["ETag"] == etag and "max-age=1" in response["Cache-Control"]
    assert response.content == b"" and "Content-Type" not in response


def test_expiry_shows_even_when_the_answer_is_cached(client, label, monkeypatch) -> None:
    assert client.get(lookup_url(label.serial)).json()["status"] == "valid"
    later = label.valid_until + timedelta(seconds=1)
    monkeypatch.setattr(answer_cache, "_now", later.timestamp)
    monkeypatch.setattr(timezone, "now", lambda: later)
    body = client.get(lookup_url(label.serial)).json()
    assert (body["status"], body["valid"]) == ("expired", False)


def test_a_signed_in_person_is_answered_by_the_whole_stack(
    client, api_as, body_admin, label, django_assert_max_num_queries
) -> None:
    client.get(lookup_url(label.serial))
    response = api_as(body_admin).get(lookup_url(label.serial))
    assert response.status_code == 200
    assert "Cookie" in response["Vary"]  # the session was read: not a replayed answer


def test_switched_off_it_stores_nothing(client, label, settings, django_assert_num_queries) -> None:
    settings.LABEL_API_CACHE = False
    client.get(lookup_url(label.serial))
    response = client.get(lookup_url(label.serial))
    assert response.status_code == 200
    settings.LABEL_API_CACHE = True
    # Still a miss: its stored answers are looked at (not rendered yet: stale), then the label is
    # read, and its log entries (the head, the entries, the nodes).
    with django_assert_num_queries(1 + 1 + LOG_QUERIES):
        client.get(lookup_url(label.serial))


# --- the batch ------------------------------------------------------------------------------


def batch(client, keys, **headers):
    return client.post(reverse("api-label-batch"), {"keys": keys}, format="json", **headers)


def test_the_batch_is_spliced_from_cached_labels(
    client, issue_label, world, body_admin, django_assert_num_queries
) -> None:
    first, second = issue_label(), issue_label()
    keys = [{"serial": first.serial}, {"serial": second.serial.lower()}, {"serial": "ZZZZZZZZZZZZ"}]
    answer = batch(client, keys)
    with django_assert_num_queries(1):  # only the unknown serial is read again
        again = batch(client, keys)
    assert again.content == answer.content and again["ETag"] == answer["ETag"]
    assert [r["found"] for r in answer.json()["results"]] == [True, True, False]
    assert answer.json()["results"][1]["key"] == {"serial": second.serial}
    services.label_change_status(
        actor=body_admin, label_id=second.pk, action="suspend", reason="Overdue surveillance."
    )
    changed = batch(client, keys)
    assert changed["ETag"] != answer["ETag"]
    assert changed.json()["results"][1]["labels"][0]["status"] == "suspended"
    assert changed.json()["results"][0] == answer.json()["results"][0]


def test_a_fragment_is_read_again_once_the_cache_time_is_over(
    client, label, monkeypatch, settings, django_assert_num_queries
) -> None:
    """The bound a failed token write leaves: no fragment outlives LABEL_API_CACHE_SECONDS."""
    import time

    keys = [{"serial": label.serial}]
    batch(client, keys)
    with django_assert_num_queries(0):
        batch(client, keys)
    later = time.time() + settings.LABEL_API_CACHE_SECONDS + 1
    monkeypatch.setattr(answer_cache, "_now", lambda: later)
    with django_assert_num_queries(1 + LOG_QUERIES):
        batch(client, keys)
    with django_assert_num_queries(0):  # read anew, it counts from then
        batch(client, keys)


def test_the_batch_answers_304_to_its_etag(client, label) -> None:
    etag = batch(client, [{"serial": label.serial}])["ETag"]
    assert batch(client, [{"serial": label.serial}], HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_the_batch_body_is_what_a_renderer_would_make_of_it(client, issue_label, world) -> None:
    first = issue_label()
    answer = batch(client, [{"serial": first.serial}, {"gtin": world.product.gtin}])
    from rest_framework.renderers import JSONRenderer

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


# --- the public verification page and its status -------------------------------------------


def page_url(label) -> str:
    return reverse("labels:public_page", args=[label.serial])


def test_the_public_page_is_cached_for_anonymous_visitors(label, django_assert_num_queries) -> None:
    visitor = Client(HTTP_ACCEPT_LANGUAGE="en")
    first = visitor.get(page_url(label))
    assert first.status_code == 200 and not first.cookies
    assert b"csrfmiddlewaretoken" not in first.content
    with django_assert_num_queries(0):
        second = Client(HTTP_ACCEPT_LANGUAGE="en").get(page_url(label))
    same_answer(first, second)


def test_the_public_page_and_its_status_show_a_change_at_once(label, body_admin) -> None:
    visitor = Client(HTTP_ACCEPT_LANGUAGE="en")
    status_url = reverse("labels:status", args=[label.serial])
    assert b"VALID" in visitor.get(page_url(label)).content
    assert visitor.get(status_url).json()["status"] == "valid"
    services.label_change_status(
        actor=body_admin, label_id=label.pk, action="suspend", reason="Overdue surveillance."
    )
    assert b"SUSPENDED" in visitor.get(page_url(label)).content
    assert visitor.get(status_url).json()["status"] == "suspended"


def test_a_revoked_signing_key_shows_on_the_cached_page(label, body_admin) -> None:
    visitor = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert b"NOT TRUSTED" not in visitor.get(page_url(label)).content
    services.signing_key_revoke(actor=body_admin, key_id=label.signing_key_id, reason="Key leaked.")
    assert b"NOT TRUSTED" in visitor.get(page_url(label)).content


def test_the_language_links_give_each_language_its_own_page(
    label, django_assert_num_queries
) -> None:
    visitor = Client(HTTP_ACCEPT_LANGUAGE="en")
    english = visitor.get(page_url(label) + "?lang=en")
    chinese = visitor.get(page_url(label) + "?lang=zh-hans")
    assert b'<html lang="en">' in english.content
    assert b'<html lang="zh-hans">' in chinese.content
    assert b'href="?lang=zh-hans"' in english.content
    with django_assert_num_queries(0):
        again = visitor.get(page_url(label) + "?lang=zh-hans")
    assert again.content == chinese.content


def test_a_signed_in_person_gets_the_page_from_the_whole_stack(label, body_admin) -> None:
    Client(HTTP_ACCEPT_LANGUAGE="en").get(page_url(label))
    person = Client(HTTP_ACCEPT_LANGUAGE="en")
    sign_in(person, body_admin)
    assert b'data-testid="who"' in person.get(page_url(label)).content


def test_public_page_visitors_are_not_held_to_the_api_rate_limit(
    label, monkeypatch, django_assert_num_queries
) -> None:
    from config.throttles import AnonymousLookupThrottle

    monkeypatch.setattr(AnonymousLookupThrottle, "rate", "1/minute", raising=False)
    Client().get(page_url(label))
    for _ in range(3):  # one address for many phones (a carrier's NAT): still from the cache
        with django_assert_num_queries(0):
            assert Client().get(page_url(label)).status_code == 200


def test_routes_match_path_info_under_a_script_prefix() -> None:
    from django.test.utils import override_script_prefix

    with override_script_prefix("/carbon/"):
        routes = answer_cache._Routes()
        assert routes.match("/api/v1/labels/ABC/") == ("serial:ABC", True)
        assert routes.match("/labels/ABC/") == ("serial:ABC", False)
        assert routes.match("/api/v1/gtins/123/labels/") == (None, True)  # the view says 400
        assert routes.match("/carbon/api/v1/labels/ABC/") == (None, False)


# --- the WSGI front door --------------------------------------------------------------------


@pytest.fixture
def django_requests():
    """Counts the requests that reach Django's request handling."""
    from django.core.signals import request_started

    seen = []

    def count(**kwargs):
        seen.append(1)

    request_started.connect(count)
    yield seen
    request_started.disconnect(count)


def test_the_wsgi_door_answers_a_hit_before_django(
    key_client, make_key, label, django_requests
) -> None:
    key = make_key()
    url = lookup_url(label.serial)
    status, headers, body = wsgi_get(url, HTTP_X_API_KEY=key)  # a miss: Django answers, fills
    assert status == "200 OK" and len(django_requests) == 1
    again = wsgi_get(url, HTTP_X_API_KEY=key)
    assert again == (status, headers, body)
    assert len(django_requests) == 1  # the hit never reached Django
    assert body == key_client(key).get(url).content


def test_the_wsgi_door_leaves_every_refusal_to_django(
    make_key, marketplace_admin, label, django_requests
) -> None:
    key = make_key()
    url = lookup_url(label.serial)
    wsgi_get(url, HTTP_X_API_KEY=key)
    status, _headers, _body = wsgi_get(url, HTTP_X_API_KEY="clk_000000000000_unknown")
    assert status.startswith("401")
    api_key_revoke(actor=marketplace_admin, api_key=ApiKey.objects.get())
    status, _headers, _body = wsgi_get(url, HTTP_X_API_KEY=key)
    assert status.startswith("401")
    status, _headers, _body = wsgi_get(url, HTTP_X_API_KEY=key, HTTP_HOST="evil.example")
    assert status.startswith("400")
    assert len(django_requests) == 4


def test_the_wsgi_door_answers_304_and_serves_the_public_page(label, django_requests) -> None:
    url = lookup_url(label.serial)
    _status, headers, _body = wsgi_get(url)
    status, again, body = wsgi_get(url, HTTP_IF_NONE_MATCH=headers["ETag"])
    assert status == "304 Not Modified" and body == b"" and "Content-Type" not in again
    page = reverse("labels:public_page", args=[label.serial])
    first = wsgi_get(page)
    assert wsgi_get(page) == first and first[0] == "200 OK"
    assert len(django_requests) == 2


def test_the_wsgi_door_hands_non_ascii_paths_to_django_unchanged(label) -> None:
    from urllib.parse import quote

    assert wsgi_get(quote("/labels/中文/"))[0].startswith("404")
    assert wsgi_get(quote("/api/v1/labels/é/"))[0].startswith("404")
    assert wsgi_get(quote("/api/v1/gtins/²²²²²²²²/labels/"))[0].startswith("400")


def test_the_wsgi_door_splices_a_batch_of_cached_labels(
    key_client, make_key, issue_label, django_requests
) -> None:
    first, second = issue_label(), issue_label()
    key = make_key()
    keys = [{"serial": second.serial}, {"serial": first.serial.lower()}, {"serial": second.serial}]
    status, headers, body = wsgi_batch(keys, key)  # Django answers and caches the pieces
    assert status == "200 OK" and len(django_requests) == 1
    again = wsgi_batch(keys, key)
    assert again == (status, headers, body)
    assert len(django_requests) == 1  # the door answered
    # What the door spliced is what the view answers, header for header.
    from_django = key_client(key).post(reverse("api-label-batch"), {"keys": keys}, format="json")
    assert from_django.content == body
    assert {name: value for name, value in from_django.items() if name != "Date"} == {
        name: value for name, value in headers.items() if name != "Date"
    }
    status, not_modified, empty = wsgi_batch(keys, key, HTTP_IF_NONE_MATCH=headers["ETag"])
    assert status == "304 Not Modified" and empty == b"" and "Content-Type" not in not_modified
    assert not_modified["ETag"] == headers["ETag"]
    assert len(django_requests) == 2  # the comparison above, not the 304


def test_the_wsgi_door_batch_shows_a_status_change_at_once(
    make_key, issue_label, body_admin, django_requests
) -> None:
    label, other = issue_label(), issue_label()
    key = make_key()
    keys = [{"serial": label.serial}]
    wsgi_batch(keys, key)  # Django renders it
    wsgi_batch(keys, key)  # the door reads its token and marks it checked
    _status, headers, _body = wsgi_batch(keys, key)  # the door: generation unchanged
    assert len(django_requests) == 1
    services.label_change_status(
        actor=body_admin, label_id=other.pk, action="suspend", reason="Overdue surveillance."
    )
    assert wsgi_batch(keys, key)[1]["ETag"] == headers["ETag"]  # another label: still the door
    assert len(django_requests) == 1
    services.label_change_status(
        actor=body_admin, label_id=label.pk, action="revoke", reason="Data falsified."
    )
    _status, changed, body = wsgi_batch(keys, key)
    assert json.loads(body)["results"][0]["labels"][0]["status"] == "revoked"
    assert changed["ETag"] != headers["ETag"] and len(django_requests) == 2


def test_the_wsgi_door_leaves_other_batches_to_django_with_their_body(
    make_key, marketplace_admin, issue_label, world, monkeypatch, django_requests
) -> None:
    label = issue_label()
    key = make_key()
    keys = [{"serial": label.serial}]
    wsgi_batch(keys, key)
    assert len(django_requests) == 1
    cases = [  # (keys, headers, the status Django answers)
        ([{"serial": label.serial}, {"gtin": world.product.gtin}], {}, 200),
        ([{"serial": label.serial}, {"serial": "ZZZZZZZZZZZZ"}], {}, 200),
        ([{"serial": label.serial}] * 101, {}, 400),
        ([{"serial": label.serial, "gtin": world.product.gtin}], {}, 400),
        (keys, {"HTTP_HOST": "evil.example"}, 400),
        (keys, {"content_type": "application/x-www-form-urlencoded"}, 400),
        (keys, {"HTTP_COOKIE": "sessionid=abc"}, 200),
    ]
    for count, (asked, headers, expected) in enumerate(cases, start=2):
        status, _headers, body = wsgi_batch(asked, key, **headers)
        assert status.startswith(str(expected)), (asked, headers, body)
        assert len(django_requests) == count
    broken = wsgi_call("POST", reverse("api-label-batch"), '{"keys": [', HTTP_X_API_KEY=key)
    assert broken[0].startswith("400") and json.loads(broken[2])["status"] == 400
    status, _headers, body = wsgi_batch(keys, "clk_000000000000_unknown")
    assert status.startswith("401")
    scoped = make_key(scopes=(ApiScope.WEBHOOKS_MANAGE,), name="hooks")
    assert wsgi_batch(keys, scoped)[0].startswith("403")
    api_key_revoke(actor=marketplace_admin, api_key=ApiKey.objects.get(name="shop"))
    assert wsgi_batch(keys, key)[0].startswith("401")
    monkeypatch.setattr(ApiKeyThrottle, "rate", "2/minute", raising=False)
    fresh = make_key(name="shop 2")
    assert wsgi_batch(keys, fresh)[0] == "200 OK"  # Django: the key is not remembered yet
    seen = len(django_requests)
    assert wsgi_batch(keys, fresh)[0] == "200 OK" and len(django_requests) == seen  # the door
    assert wsgi_batch(keys, fresh)[0].startswith("429")  # the door's call was counted


def test_the_wsgi_door_batch_never_outlives_validity(
    make_key, issue_label, monkeypatch, django_requests
) -> None:
    label = issue_label()
    key = make_key()
    keys = [{"serial": label.serial}]
    wsgi_batch(keys, key)
    later = label.valid_until + timedelta(seconds=1)
    monkeypatch.setattr(answer_cache, "_now", later.timestamp)
    monkeypatch.setattr(timezone, "now", lambda: later)
    _status, _headers, body = wsgi_batch(keys, key)
    assert json.loads(body)["results"][0]["labels"][0]["status"] == "expired"
    assert len(django_requests) == 2  # the door left it to Django


def test_the_wsgi_door_batch_reads_fragments_it_does_not_keep(
    make_key, issue_label, settings, django_requests
) -> None:
    """With no memory for fragments, each batch reads them from the cache, and still answers."""
    settings.LABEL_FRAGMENT_MEMORY_MB = 0
    first, second = issue_label(), issue_label()
    key = make_key()
    keys = [{"serial": first.serial}, {"serial": second.serial}]
    answer = wsgi_batch(keys, key)
    assert not answer_cache.FRAGMENT_MEMORY.items
    assert wsgi_batch(keys, key) == answer and len(django_requests) == 1


def test_the_fragment_memory_keeps_to_its_budget_oldest_out_first(settings) -> None:
    settings.LABEL_FRAGMENT_MEMORY_MB = 1
    memory = answer_cache._FragmentMemory()
    fragment = answer_cache.Fragment(b"x" * 100_000, (0.0, 1), "line\n", 0.0)
    for number in range(12):
        memory.put(f"S{number}", 1, fragment, 7)
    serials = [f"S{number}" for number in range(12)]
    found, unchecked = memory.checked(serials, 7)
    assert list(found) == serials[2:] and unchecked == serials[:2]  # ten of 100.4 KB fit
    assert memory.checked(serials, 8) == ({}, serials)  # another generation: all unchecked
    memory.put("S5", 2, fragment, 7)  # replacing one frees its place
    assert list(memory.checked(serials, 7)[0]) == serials[2:]  # none evicted for it
    assert next(iter(memory.items)) == "S2" and list(memory.items)[-1] == "S5"
    assert memory._bytes == 10 * (100_000 + memory.OVERHEAD)
    memory.put("S6", 1, fragment, None)
    assert "S6" in memory.checked(serials, 7)[1]  # never checked under any generation
    memory.mark("S6", 1, 7)
    memory.mark("S7", 99, 8)  # not its token: left as it was
    assert "S6" in memory.checked(serials, 7)[0] and "S7" in memory.checked(serials, 7)[0]


@settings(max_examples=300, deadline=None)
@given(st.lists(batch_items, max_size=4))
def test_the_door_s_serial_check_agrees_with_the_plain_check(items) -> None:
    serials = answer_cache.plain_serials({"keys": items})
    if serials is not None:
        assert [{"serial": serial} for serial in serials] == batch_keys_plain({"keys": items})


def test_plain_batch_keys_are_written_as_the_renderer_writes_them() -> None:
    from rest_framework.renderers import JSONRenderer

    @settings(max_examples=500, deadline=None)
    @given(st.sampled_from(["serial", "gtin", "certificateNumber"]), st.text(max_size=20))
    def check(kind: str, value: str) -> None:
        assert answer_cache.key_json({kind: value}) == JSONRenderer().render({kind: value})

    check()
    assert answer_cache.key_json({"serial": 'A"\\B\x01'}) == b'{"serial":"A\\"\\\\B\\u0001"}'


def test_a_weak_or_stale_etag_is_answered_from_the_cache_once_counted(
    key_client, make_key, label, monkeypatch, django_assert_num_queries
) -> None:
    monkeypatch.setattr(ApiKeyThrottle, "rate", "3/minute", raising=False)
    client = key_client(make_key())
    url = lookup_url(label.serial)
    first = client.get(url)
    with django_assert_num_queries(0):
        weak = client.get(url, HTTP_IF_NONE_MATCH=f"W/{first['ETag']}")
        stale = client.get(url, HTTP_IF_NONE_MATCH='"not-the-tag"')
    assert weak.status_code == 304
    assert stale.status_code == 200 and stale.content == first.content
    assert client.get(url).status_code == 429  # three calls counted, not more


def test_odd_batch_keys_get_a_400_not_a_500(client) -> None:
    url = reverse("api-label-batch")
    surrogate = client.post(
        url, data='{"keys": [{"serial": "AB\\ud800"}]}', content_type="application/json"
    )
    assert surrogate.status_code == 400
    assert batch(client, [{"gtin": "²²²²²²²²"}]).status_code == 400
    assert batch(client, [{"serial": "中"}]).json()["results"][0]["found"] is False


def test_behind_a_proxy_anonymous_callers_are_counted_by_the_address_it_saw(
    key_client, label, settings, monkeypatch
) -> None:
    from config.throttles import AnonymousLookupThrottle

    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    monkeypatch.setattr(AnonymousLookupThrottle, "rate", "1/minute", raising=False)
    url = lookup_url(label.serial)

    def get(forwarded: str) -> int:
        return key_client().get(url, HTTP_X_FORWARDED_FOR=forwarded).status_code

    # The proxy appends the address that connected to it; what comes before, the caller wrote.
    assert get("192.0.2.1, 203.0.113.7") == 200
    assert get("192.0.2.2, 203.0.113.7") == 429  # the same client, another forged entry
    assert get("203.0.113.8") == 200  # another client
