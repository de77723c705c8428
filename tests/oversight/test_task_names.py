"""Queued messages and beat schedules name the tasks: their registered names stay those they had
in audits."""

from oversight.complaints.tasks import complaint_outcome_email_send
from oversight.tasks import supervision_sweep


def test_the_tasks_keep_their_registered_names() -> None:
    assert supervision_sweep.name == "audits.tasks.supervision_sweep"
    assert complaint_outcome_email_send.name == (
        "audits.complaints.tasks.complaint_outcome_email_send"
    )
