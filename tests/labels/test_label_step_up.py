"""Suspending, restoring (reinstating), revoking and cancelling a label, and rotating or revoking
a signing key, ask for the second factor again when it was given more than 15 minutes ago."""

import pytest
from django.test import Client

from labels import services
from labels.models import LabelStatus, SigningKey
from tests.second_factor import asks_for_step_up, sign_in, sign_in_long_ago

pytestmark = pytest.mark.django_db


def _client() -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.mark.parametrize(
    ("action", "before", "after"),
    [
        ("suspend", LabelStatus.VALID, LabelStatus.SUSPENDED),
        ("restore", LabelStatus.SUSPENDED, LabelStatus.VALID),
        ("revoke", LabelStatus.VALID, LabelStatus.REVOKED),
        ("cancel", LabelStatus.VALID, LabelStatus.CANCELLED),
    ],
)
def test_a_label_status_change_asks_for_a_fresh_second_factor(
    label, world, action, before, after
) -> None:
    if before == LabelStatus.SUSPENDED:
        services.label_change_status(
            actor=world.body_admin, label_id=label.pk, action="suspend", reason="Audit."
        )
    url = f"/portal/labels/{label.serial}/status/"
    # With the box that confirms an irreversible change ticked: only the second factor is missing.
    data = {"action": action, "reason": "Surveillance audit.", "confirm": "1"}

    stale = sign_in_long_ago(_client(), world.body_admin).post(url, data)

    assert asks_for_step_up(stale, f"/portal/labels/{label.serial}/")
    label.refresh_from_db()
    assert label.status == before

    fresh = sign_in(_client(), world.body_admin).post(url, data)

    assert fresh.status_code == 302
    assert fresh["Location"] == f"/portal/labels/{label.serial}/"
    label.refresh_from_db()
    assert label.status == after


def test_rotating_the_signing_key_asks_for_a_fresh_second_factor(label, world) -> None:
    url = f"/portal/labels/keys/{world.body.pk}/rotate/"

    stale = sign_in_long_ago(_client(), world.body_admin).post(url)

    assert asks_for_step_up(stale, "/portal/labels/keys/")
    assert SigningKey.objects.filter(body=world.body).count() == 1

    sign_in(_client(), world.body_admin).post(url)

    assert SigningKey.objects.filter(body=world.body).count() == 2


def test_revoking_a_signing_key_asks_for_a_fresh_second_factor(label, world) -> None:
    key = label.signing_key
    url = f"/portal/labels/keys/{key.pk}/revoke/"
    data = {"reason": "The key file was exposed.", "confirm": "1"}

    stale = sign_in_long_ago(_client(), world.body_admin).post(url, data)

    assert asks_for_step_up(stale, "/portal/labels/keys/")
    key.refresh_from_db()
    assert key.revoked_at is None

    sign_in(_client(), world.body_admin).post(url, data)

    key.refresh_from_db()
    assert key.revoked_at is not None
