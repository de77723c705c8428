"""Deciding a complaint (which may suspend or revoke the label) asks for the second factor again
when it was given more than 15 minutes ago; the steps before the decision do not."""

import pytest
from django.test import Client

from labels.models import Label, LabelEvent
from oversight.complaints.models import Complaint, ComplaintStatus
from tests.second_factor import asks_for_step_up, sign_in, sign_in_long_ago

pytestmark = pytest.mark.django_db


def _client() -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.mark.parametrize(
    ("outcome", "actions", "after"),
    [
        ("founded", ["revoke_label"], "revoked"),
        ("founded", ["suspend_label"], "suspended"),
        ("unfounded", [], "valid"),
    ],
)
def test_deciding_a_complaint_asks_for_a_fresh_second_factor(
    world, complaint_at, outcome, actions, after
) -> None:
    complaint = complaint_at(ComplaintStatus.INVESTIGATING)
    detail = f"/portal/complaints/{complaint.reference}/"
    decision = {
        "step": "decide",
        "outcome": outcome,
        "actions": actions,
        "comment": "The model on sale differs from the certified one.",
    }
    events_before = LabelEvent.objects.filter(label_id=complaint.label_id).count()

    stale = sign_in_long_ago(_client(), world.body_admin).post(f"{detail}step/", decision)

    assert asks_for_step_up(stale, detail)
    refused = Complaint.objects.get(pk=complaint.pk)
    assert (refused.status, refused.outcome, refused.actions) == (
        ComplaintStatus.INVESTIGATING,
        "",
        [],
    )
    assert Label.objects.get(pk=complaint.label_id).status == "valid"
    assert LabelEvent.objects.filter(label_id=complaint.label_id).count() == events_before

    fresh = sign_in(_client(), world.body_admin).post(f"{detail}step/", decision)

    assert fresh.status_code == 302
    assert fresh["Location"] == detail
    assert Complaint.objects.get(pk=complaint.pk).status == ComplaintStatus.DECIDED
    assert Label.objects.get(pk=complaint.label_id).status == after


def test_the_steps_before_the_decision_do_not(world, complaint_at) -> None:
    complaint = complaint_at(ComplaintStatus.RECEIVED)
    detail = f"/portal/complaints/{complaint.reference}/"
    client = sign_in_long_ago(_client(), world.body_admin)

    for step, status in (
        ("acknowledge", ComplaintStatus.ACKNOWLEDGED),
        ("investigate", ComplaintStatus.INVESTIGATING),
    ):
        response = client.post(f"{detail}step/", {"step": step})

        assert (response.status_code, response["Location"]) == (302, detail)
        assert Complaint.objects.get(pk=complaint.pk).status == status
