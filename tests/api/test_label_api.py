"""The label API for marketplaces: keys, scopes, rate limits, lookups, batch, ETag, badge."""

import pytest
from django.urls import reverse

from accounts.apikeys import api_key_revoke
from accounts.models import ApiKey
from accounts.roles import ApiScope
from config.throttles import AnonymousLookupThrottle, ApiKeyThrottle
from labels import services
from labels.apis import BATCH_LIMIT

pytestmark = pytest.mark.django_db

VALID_GREEN = "#1f7a4d"


def lookup_url(serial: str) -> str:
    return reverse("api-label", args=[serial])


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert {"type", "title", "status", "detail", "code"} <= set(body)
    assert body["status"] == status
    return body


# --- keys ---------------------------------------------------------------------------------


def test_a_key_is_stored_hashed_and_found_by_its_prefix(make_key) -> None:
    key = make_key()
    stored = ApiKey.objects.get()
    assert key.startswith(f"clk_{stored.prefix}_")
    assert key not in stored.key_hash and len(stored.key_hash) == 64
    assert not ApiKey.objects.filter(key_hash__contains=key.split("_")[-1]).exists()


def test_single_lookups_work_without_a_key(key_client, label) -> None:
    response = key_client().get(lookup_url(label.serial))
    assert response.status_code == 200
    assert response.json()["serial"] == label.serial


def test_a_bad_key_is_refused(key_client, label) -> None:
    response = key_client("clk_000000000000_not-a-real-key").get(lookup_url(label.serial))
    body = assert_problem(response, 401)
    assert body["code"] == "invalid_api_key"


def test_a_revoked_key_is_refused(key_client, make_key, marketplace_admin, label) -> None:
    key = make_key()
    api_key_revoke(actor=marketplace_admin, api_key=ApiKey.objects.get())
    body = assert_problem(key_client(key).get(lookup_url(label.serial)), 401)
    assert body["code"] == "revoked_api_key"


def test_a_key_without_the_read_scope_is_forbidden(key_client, make_key, label) -> None:
    key = make_key(scopes=(ApiScope.WEBHOOKS_MANAGE,))
    body = assert_problem(key_client(key).get(lookup_url(label.serial)), 403)
    assert "api:labels:read" in body["detail"]


def test_last_used_is_recorded(key_client, make_key, label) -> None:
    key = make_key()
    key_client(key).get(lookup_url(label.serial))
    assert ApiKey.objects.get().last_used_at is not None


# --- rate limits --------------------------------------------------------------------------


def test_anonymous_lookups_are_limited_with_retry_after(key_client, label, monkeypatch) -> None:
    monkeypatch.setattr(AnonymousLookupThrottle, "rate", "2/minute", raising=False)
    client = key_client()
    assert [client.get(lookup_url(label.serial)).status_code for _ in range(2)] == [200, 200]
    response = client.get(lookup_url(label.serial))
    assert_problem(response, 429)
    assert int(response["Retry-After"]) > 0


def test_each_key_has_its_own_limit(key_client, make_key, label, monkeypatch) -> None:
    monkeypatch.setattr(ApiKeyThrottle, "rate", "3/minute", raising=False)
    first, second = make_key(name="a"), make_key(name="b")
    codes = [key_client(first).get(lookup_url(label.serial)).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert key_client(second).get(lookup_url(label.serial)).status_code == 200


# --- lookups ------------------------------------------------------------------------------


def test_lookup_by_serial_gives_status_footprint_links_and_credential(
    key_client, make_key, label
) -> None:
    body = key_client(make_key()).get(lookup_url(label.serial)).json()
    subject = label.credential["credentialSubject"]
    assert body["status"] == "valid" and body["valid"] is True
    assert body["certificateNumber"] == label.certificate.number
    assert body["footprint"]["value"] == subject["footprint"]["value"]
    assert body["footprint"]["unit"] == "kgCO2e"
    assert body["footprint"]["declaredUnit"] == subject["footprint"]["declaredUnit"]
    assert body["footprint"]["boundary"] == subject["footprint"]["boundary"]
    assert body["credential"] == label.credential
    assert body["links"]["publicPage"] == f"https://labels.example.cn/labels/{label.serial}/"
    assert body["links"]["badge"].endswith(f"/api/v1/labels/{label.serial}/badge.svg")
    assert body["validUntil"] == label.credential["validUntil"]


def test_lookup_by_certificate_number(key_client, label) -> None:
    url = reverse("api-certificate-label", args=[label.certificate.number])
    assert key_client().get(url).json()["serial"] == label.serial


def test_lookup_by_gtin_gives_every_current_label(key_client, make_key, world, issue_label) -> None:
    first, second = issue_label(), issue_label()
    gtin = world.product.gtin
    for shown in (gtin, gtin.lstrip("0")):
        response = key_client(make_key()).get(reverse("api-gtin-labels", args=[shown]))
        assert response.status_code == 200
        assert response.json()["gtin"] == gtin
        assert {item["serial"] for item in response.json()["labels"]} == {
            first.serial,
            second.serial,
        }


def test_a_bad_gtin_is_a_400(key_client) -> None:
    body = assert_problem(
        key_client().get(reverse("api-gtin-labels", args=["06901234567893"])), 400
    )
    assert "gtin" in body["errors"]


def test_unknown_keys_are_404(key_client, db) -> None:
    assert_problem(key_client().get(lookup_url("ZZZZZZZZZZZZ")), 404)
    assert_problem(key_client().get(reverse("api-certificate-label", args=["NOPE-1"])), 404)
    assert_problem(key_client().get(reverse("api-gtin-labels", args=["06901234567892"])), 404)


@pytest.mark.parametrize("action", ["suspend", "revoke", "cancel"])
def test_a_label_that_is_not_valid_is_never_answered_as_valid(
    key_client, label, body_admin, action
) -> None:
    services.label_change_status(
        actor=body_admin,
        label_id=label.pk,
        action=action,
        reason="Surveillance found a nonconformity.",
    )
    body = key_client().get(lookup_url(label.serial)).json()
    assert body["valid"] is False
    assert (
        body["status"]
        == {"suspend": "suspended", "revoke": "revoked", "cancel": "cancelled"}[action]
    )
    assert body["statusReason"] == "Surveillance found a nonconformity."


def test_an_expired_label_is_answered_as_expired_before_the_beat_task_runs(
    key_client, label
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    type(label).objects.filter(pk=label.pk).update(
        valid_until=timezone.now() - timedelta(seconds=1)
    )
    body = key_client().get(lookup_url(label.serial)).json()
    assert (body["status"], body["valid"]) == ("expired", False)


# --- ETag ---------------------------------------------------------------------------------


def test_etag_gives_304_until_the_status_changes(key_client, label, body_admin) -> None:
    client = key_client()
    first = client.get(lookup_url(label.serial))
    assert "max-age=1" in first["Cache-Control"]
    etag = first["ETag"]
    assert client.get(lookup_url(label.serial), HTTP_IF_NONE_MATCH=etag).status_code == 304
    services.label_change_status(
        actor=body_admin, label_id=label.pk, action="suspend", reason="Overdue surveillance."
    )
    changed = client.get(lookup_url(label.serial), HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag
    assert changed.json()["status"] == "suspended"


# --- batch --------------------------------------------------------------------------------


def batch(client, keys):
    return client.post(reverse("api-label-batch"), {"keys": keys}, format="json")


def test_batch_answers_in_order_with_unknown_keys_marked(
    key_client, make_key, world, issue_label
) -> None:
    first, second = issue_label(), issue_label()
    keys = [
        {"serial": second.serial},
        {"serial": "ZZZZZZZZZZZZ"},
        {"certificateNumber": first.certificate.number},
        {"gtin": world.product.gtin},
    ]
    body = batch(key_client(make_key()), keys).json()
    results = body["results"]
    assert [r["found"] for r in results] == [True, False, True, True]
    assert [label["serial"] for label in results[0]["labels"]] == [second.serial]
    assert results[1]["labels"] == []
    assert [label["serial"] for label in results[2]["labels"]] == [first.serial]
    assert {label["serial"] for label in results[3]["labels"]} == {first.serial, second.serial}


def test_batch_needs_a_key(key_client, label) -> None:
    assert_problem(batch(key_client(), [{"serial": label.serial}]), 401)


def test_a_batch_of_101_keys_is_a_400(key_client, make_key, label) -> None:
    keys = [{"serial": label.serial}] * (BATCH_LIMIT + 1)
    body = assert_problem(batch(key_client(make_key()), keys), 400)
    assert "keys" in body["errors"]


def test_a_batch_key_must_name_exactly_one_kind(key_client, make_key, label) -> None:
    body = assert_problem(
        batch(key_client(make_key()), [{"serial": label.serial, "gtin": label.gtin}]), 400
    )
    assert "keys" in body["errors"]


def test_a_batch_of_100_runs_at_most_six_queries(
    key_client, make_key, issue_label, django_assert_max_num_queries
) -> None:
    labels = [issue_label() for _ in range(5)]
    keys = (
        [{"serial": label.serial} for label in labels]
        + [{"certificateNumber": label.certificate.number} for label in labels]
    ) * 10
    client = key_client(make_key())
    batch(client, keys[:1])  # records "last used", which is then fresh for a minute
    # The labels, then their transparency log entries for all at once: the head, the entries,
    # the nodes of their proofs.
    with django_assert_max_num_queries(3 + 3):
        response = batch(client, keys)
    assert response.status_code == 200
    assert len(response.json()["results"]) == 100


# --- badge --------------------------------------------------------------------------------


def badge(client, label, fmt="svg", lang="zh"):
    return client.get(reverse("api-label-badge", args=[label.serial, fmt]), {"lang": lang})


def test_the_badge_is_green_only_while_valid(key_client, label, body_admin) -> None:
    client = key_client()
    valid = badge(client, label)
    assert valid["Content-Type"] == "image/svg+xml"
    assert VALID_GREEN.encode() in valid.content and "有效".encode() in valid.content
    assert "max-age=1" in valid["Cache-Control"]
    services.label_change_status(
        actor=body_admin, label_id=label.pk, action="revoke", reason="Fraud."
    )
    revoked = badge(client, label)
    assert VALID_GREEN.encode() not in revoked.content
    assert "已撤销".encode() in revoked.content
    english = badge(client, label, lang="en")
    assert b"Revoked" in english.content


def test_the_badge_as_png(key_client, label) -> None:
    response = badge(key_client(), label, fmt="png")
    assert response["Content-Type"] == "image/png"
    assert response.content.startswith(b"\x89PNG")


def test_an_unknown_badge_is_404(key_client, db) -> None:
    assert (
        key_client().get(reverse("api-label-badge", args=["ZZZZZZZZZZZZ", "svg"])).status_code
        == 404
    )
