"""Deciding an appeal (upholding, or overturning, which restores or reinstates a label) asks for
the second factor again when it was given more than 15 minutes ago; taking it up does not."""

import pytest
from django.test import Client

from labels.models import Label
from labels.services import label_change_status
from oversight.appeals import services
from oversight.appeals.models import Appeal, AppealStatus
from tests.second_factor import asks_for_step_up, sign_in, sign_in_long_ago

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("step", "after"), [("overturn", "valid"), ("uphold", "suspended")])
def test_deciding_an_appeal_asks_for_a_fresh_second_factor(world, certified, step, after) -> None:
    label = label_change_status(
        actor=world.decision_maker, label_id=certified.pk, action="suspend", reason="Refused."
    )
    appeal = services.appeal_file(
        actor=world.enterprise_admin,
        kind="suspension",
        label_id=label.pk,
        reasons="The surveillance was never refused; see the e-mails attached.",
    )
    url = f"/portal/appeals/{appeal.reference}/step/"
    stale = sign_in_long_ago(Client(HTTP_ACCEPT_LANGUAGE="en"), world.body_admin)
    taken_up = stale.post(url, {"step": "start_review"})
    assert taken_up.status_code == 302
    assert Appeal.objects.get(pk=appeal.pk).status == AppealStatus.UNDER_REVIEW

    response = stale.post(url, {"step": step, "reason": "Reasons."})

    assert asks_for_step_up(response, f"/portal/appeals/{appeal.reference}/")
    assert Appeal.objects.get(pk=appeal.pk).status == AppealStatus.UNDER_REVIEW
    assert Label.objects.get(pk=label.pk).status == "suspended"

    sign_in(Client(HTTP_ACCEPT_LANGUAGE="en"), world.body_admin).post(
        url, {"step": step, "reason": "Reasons."}
    )

    assert Label.objects.get(pk=label.pk).status == after
