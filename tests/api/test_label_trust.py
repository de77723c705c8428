"""A label signed with a key its body revoked as compromised reads as not valid in every answer:
the lookups by serial, certificate number and GTIN, the batch, the badge and status.json, live
or stored, with the verifier's reason code (KEY_REVOKED); a key retired by rotation leaves what
it signed valid (CONTRACTS §3, §6, §8)."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from labels import answers, keys, services
from labels.models import Label, LabelAnswer
from labels.verification import verify
from tests.api.conftest import STORED_READ, rendered

pytestmark = pytest.mark.django_db

VALID_GREEN = "#1f7a4d"


@pytest.fixture
def client(key_client, make_key):
    return key_client(make_key())


def revoke_key(label: Label, body_admin) -> None:
    services.signing_key_revoke(
        actor=body_admin, key_id=label.signing_key_id, reason="The HSM backup was lost."
    )


def verdicts(client, label: Label) -> dict[str, tuple[Any, Any, Any]]:
    """(status, valid, verdict) of the label as each lookup answers it."""
    bodies = {
        "serial": client.get(reverse("api-label", args=[label.serial])).json(),
        "certificate": client.get(
            reverse("api-certificate-label", args=[label.certificate.number])
        ).json(),
        "gtin": next(
            item
            for item in client.get(reverse("api-gtin-labels", args=[label.gtin])).json()["labels"]
            if item["serial"] == label.serial
        ),
    }
    keys_asked = [
        {"serial": label.serial},
        {"certificateNumber": label.certificate.number},
        {"gtin": label.gtin},
    ]
    results = client.post(reverse("api-label-batch"), {"keys": keys_asked}, format="json").json()[
        "results"
    ]
    for key, result in zip(("serial", "certificateNumber", "gtin"), results, strict=True):
        bodies[f"batch {key}"] = next(
            item for item in result["labels"] if item["serial"] == label.serial
        )
    return {read: (body["status"], body["valid"], body["verdict"]) for read, body in bodies.items()}


def badge(label: Label, language: str, fmt: str = "svg", etag: str | None = None):
    return Client().get(
        reverse("api-label-badge", args=[label.serial, fmt]),
        {"lang": language},
        headers={"If-None-Match": etag} if etag else None,
    )


def status_json(label: Label) -> dict:
    return Client().get(reverse("labels:status", args=[label.serial])).json()


NOT_VALID = ("valid", False, "KEY_REVOKED")
VALID = ("valid", True, "VALID")


@pytest.mark.parametrize("stored", [False, True], ids=["live", "stored"])
def test_every_lookup_answers_a_label_of_a_revoked_key_as_not_valid(
    client, label, body_admin, stored: bool
) -> None:
    rendered(label)
    assert set(verdicts(client, label).values()) == {VALID}

    revoke_key(label, body_admin)
    if stored:  # the render the revocation queues for after its commit
        assert answers.answers_render([label.pk]) == 1
        assert not LabelAnswer.objects.get(label=label).stale

    found = verdicts(client, label)
    assert len(found) == 6 and set(found.values()) == {NOT_VALID}
    # The reason code is the verifier's for the same credential.
    assert verify(Label.objects.get(pk=label.pk).credential).reason == "KEY_REVOKED"


def test_the_stored_answer_rendered_after_a_revocation_is_served_in_one_read(
    key_client, label, body_admin, django_assert_num_queries, django_capture_on_commit_callbacks
) -> None:
    client = key_client()  # anonymous: a key's first use is recorded
    rendered(label)
    with django_capture_on_commit_callbacks(execute=True):
        revoke_key(label, body_admin)

    assert not LabelAnswer.objects.get(label=label).stale  # rendered by the queued task
    with django_assert_num_queries(STORED_READ):
        body = client.get(reverse("api-label", args=[label.serial])).json()
    assert (body["status"], body["valid"], body["verdict"]) == NOT_VALID
    with django_assert_num_queries(1):
        svg = badge(label, "en")
    assert b"Not trusted" in svg.content


def test_only_the_labels_the_revoked_key_signed_are_not_valid(
    client, issue_label, world, body_admin
) -> None:
    older = issue_label()
    keys.signing_key_rotate(world.body)
    newer = issue_label()
    rendered(older, newer)

    revoke_key(older, body_admin)

    assert set(verdicts(client, older).values()) == {NOT_VALID}
    assert set(verdicts(client, newer).values()) == {VALID}


@pytest.mark.parametrize("stored", [False, True], ids=["live", "stored"])
@pytest.mark.parametrize(
    ("language", "word"), [("zh", "不可信"), ("en", "Not trusted")], ids=["zh", "en"]
)
def test_the_badge_says_not_trusted(
    label, body_admin, stored: bool, language: str, word: str
) -> None:
    rendered(label)
    before = badge(label, language)
    assert VALID_GREEN.encode() in before.content

    revoke_key(label, body_admin)
    if stored:
        assert answers.answers_render([label.pk]) == 1

    after = badge(label, language, etag=before["ETag"])
    assert after.status_code == 200 and after["ETag"] != before["ETag"]
    assert word.encode() in after.content
    assert VALID_GREEN.encode() not in after.content


def test_the_png_badge_changes_too(label, body_admin) -> None:
    before = badge(label, "en", fmt="png")
    revoke_key(label, body_admin)
    after = badge(label, "en", fmt="png", etag=before["ETag"])
    assert after.status_code == 200 and after.content != before.content


def test_status_json_says_not_valid_and_why(label, body_admin) -> None:
    assert status_json(label) == {
        "serial": label.serial,
        "status": "valid",
        "valid": True,
        "verdict": "VALID",
        "reason": "",
        "changedAt": label.status_changed_at.isoformat(),
    }

    revoke_key(label, body_admin)

    found = status_json(label)
    assert (found["status"], found["valid"], found["verdict"]) == NOT_VALID


def test_the_lookup_etag_changes_with_the_revocation(client, label, body_admin) -> None:
    rendered(label)
    url = reverse("api-label", args=[label.serial])
    etag = client.get(url)["ETag"]
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304

    revoke_key(label, body_admin)

    changed = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed.json()["valid"] is False


def test_a_key_retired_by_rotation_leaves_its_labels_valid(client, label, world) -> None:
    rendered(label)

    keys.signing_key_rotate(world.body)
    answers.answers_refresh()

    assert set(verdicts(client, label).values()) == {VALID}
    assert "有效".encode() in badge(label, "zh").content
    assert b"Valid" in badge(label, "en").content
    found = status_json(label)
    assert (found["status"], found["valid"], found["verdict"]) == VALID
    assert verify(label.credential).reason == "VALID"
