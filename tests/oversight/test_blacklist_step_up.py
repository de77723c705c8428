"""Listing on the blacklist, ordering the listed body's labels suspended or revoked, and
delisting ask for the second factor again when it was given more than 15 minutes ago."""

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from audits.models import BlacklistEntry
from labels.models import LabelStatus
from oversight.models import BlacklistLabelOrder
from tests.second_factor import asks_for_step_up, sign_in, sign_in_long_ago

pytestmark = pytest.mark.django_db


def _client() -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def test_listing_asks_for_a_fresh_second_factor(world) -> None:
    url = reverse("oversight:blacklist_list")
    fields = {
        "organisation": world.body.pk,
        "reason": "False conclusions.",
        "legal_basis": "Regulations art. 62",
        "source_document": "SAMR 2026 No. 9",
        "effective_from": "2026-01-01",
    }

    stale = sign_in_long_ago(_client(), world.regulator).post(url, fields)

    assert asks_for_step_up(stale, url)
    assert BlacklistEntry.objects.count() == 0
    # Reading the list is not an operation.
    assert sign_in_long_ago(_client(), world.regulator).get(url).status_code == 200

    sign_in(_client(), world.regulator).post(url, fields)

    assert BlacklistEntry.objects.get().effective_from == date(2026, 1, 1)


def test_ordering_and_delisting_ask_for_a_fresh_second_factor(
    world, issue_label, list_subject
) -> None:
    label = issue_label()
    entry = list_subject(world.body)
    detail = reverse("oversight:blacklist_detail", args=[entry.pk])
    order = reverse("oversight:blacklist_order", args=[entry.pk])
    delist = reverse("oversight:blacklist_delist", args=[entry.pk])
    stale = sign_in_long_ago(_client(), world.regulator)

    assert asks_for_step_up(stale.post(order, {"kind": "suspension", "reason": "Listed."}), detail)
    assert asks_for_step_up(stale.post(delist, {"reason": "Repaired."}), detail)
    label.refresh_from_db()
    entry.refresh_from_db()
    assert (label.status, entry.delisted_at, BlacklistLabelOrder.objects.count()) == (
        LabelStatus.VALID,
        None,
        0,
    )

    fresh = sign_in(_client(), world.regulator)
    fresh.post(order, {"kind": "suspension", "reason": "Listed."})
    fresh.post(delist, {"reason": "Repaired."})

    label.refresh_from_db()
    entry.refresh_from_db()
    assert label.status == LabelStatus.SUSPENDED
    assert entry.delisted_by == world.regulator
