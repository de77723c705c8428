"""The application page tells each person what they can do now, what still stops a step, who
acts next and how far the file has come; an irreversible step needs its consequence confirmed.
(The browser side is in tests/e2e/test_portal_journey.py.)"""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from audits.models import ConflictDeclaration, FindingStatus
from certification import journey
from certification.models import Application, ApplicationEvent, DossierVersion, Status
from certification.workflow import Action
from tests.second_factor import sign_in


@pytest.fixture
def client_as():
    def signed_in(user) -> Client:
        return sign_in(Client(HTTP_ACCEPT_LANGUAGE="en"), user)

    return signed_in


def offers(user, application: Application) -> dict[str, journey.ActionOffer]:
    return {offer.action: offer for offer in journey.action_offers(user, application)}


def messages_of(response) -> list[tuple[str, str]]:
    return [(message.level_tag, str(message)) for message in response.context["messages"]]


def transition(client: Client, application: Application, **data):
    return client.post(f"/portal/applications/{application.pk}/transition/", data, follow=True)


# --- the guards, evaluated for the page ---------------------------------------------------


def test_submit_on_an_incomplete_dossier_is_offered_disabled_with_what_is_missing(
    world, application_at, client_as
) -> None:
    application = application_at(Status.DRAFT)
    DossierVersion.objects.filter(application=application).update(declared_total=None, goal="")

    offer = offers(world.enterprise_admin, application)[Action.SUBMIT]

    assert not offer.enabled
    assert len(offer.problems) == 1
    assert offer.problems[0].message.startswith("The dossier is incomplete: ")
    assert "declared" in offer.problems[0].message
    assert offer.problems[0].anchor == "dossier"
    html = client_as(world.enterprise_admin).get(f"/portal/applications/{application.pk}/")
    page = html.content.decode()
    assert 'data-testid="action-submit" class="" disabled aria-describedby="why-submit"' in page
    assert 'id="why-submit"' in page
    # Evaluating the guards wrote nothing.
    assert Application.objects.get(pk=application.pk).status == Status.DRAFT
    assert not ApplicationEvent.objects.filter(application=application).exists()


def test_a_complete_draft_can_be_submitted(world, application_at) -> None:
    application = application_at(Status.DRAFT)
    offer = offers(world.enterprise_admin, application)[Action.SUBMIT]
    assert offer.enabled
    assert offer.comment == "optional"


def test_plan_before_a_team_shows_why(world, application_at) -> None:
    application = application_at(Status.ACCEPTED)
    application.team.all().delete()

    offer = offers(world.body_admin, application)[Action.PLAN]

    assert [(p.message, p.anchor) for p in offer.problems] == [
        ("Assign an evaluation team first.", "team")
    ]


def test_start_and_endorse_wait_for_the_declarations(world, application_at) -> None:
    planned = application_at(Status.PLANNED)
    planned.team.filter(user=world.second_reviewer).update(declaration=ConflictDeclaration.PENDING)
    start = offers(world.reviewer, planned)[Action.START_EVALUATION]
    assert [p.anchor for p in start.problems] == ["team"]
    assert "has not declared freedom from conflicts of interest" in start.problems[0].message

    in_peer_review = application_at(Status.PEER_REVIEW)
    in_peer_review.peer_reviews.update(declaration=ConflictDeclaration.PENDING)
    peer = offers(world.peer_reviewer, in_peer_review)
    assert [p.anchor for p in peer[Action.PEER_ENDORSE].problems] == ["peer-review"]
    assert not peer[Action.PEER_SEND_BACK].enabled


def test_every_objection_is_listed_not_only_the_first(world, application_at) -> None:
    application = application_at(Status.IN_EVALUATION, findings="open")
    application.evaluation.delete()
    application = Application.objects.get(pk=application.pk)

    offer = offers(world.reviewer, application)[Action.COMPLETE_EVALUATION]

    assert [p.anchor for p in offer.problems] == ["findings", "evaluation"]


def test_an_unanswered_finding_offers_close_disabled_and_closing_confirms(
    world, application_at, add_finding, client_as
) -> None:
    application = application_at(Status.IN_EVALUATION, findings="open")
    add_finding(application, FindingStatus.ANSWERED, number=2)
    client = client_as(world.reviewer)

    page = client.get(f"/portal/applications/{application.pk}/").content.decode()

    assert 'data-testid="close-1" disabled aria-describedby="why-close-1"' in page
    assert 'data-testid="close-2">' in page
    second = application.findings.get(number=2)
    response = client.post(
        f"/portal/applications/{application.pk}/findings/{second.pk}/close/", follow=True
    )
    assert messages_of(response) == [("success", "Finding F2 closed.")]


# --- one comment per step -----------------------------------------------------------------


def test_each_step_has_its_own_comment_field(world, application_at, client_as) -> None:
    application = application_at(Status.DRAFT)
    page = client_as(world.enterprise_admin).get(f"/portal/applications/{application.pk}/")
    html = page.content.decode()
    for action in (Action.SUBMIT, Action.WITHDRAW):
        form_start = html.index(f'data-testid="form-{action}"')
        form = html[form_start : html.index("</form>", form_start)]
        assert form.count("<textarea") == 1
        assert f'data-testid="comment-{action}"' in form

    response = transition(
        client_as(world.enterprise_admin),
        application,
        action=Action.SUBMIT,
        comment="Second product line of the pack.",
    )

    assert messages_of(response) == [("success", "Done: Submit for certification.")]
    event = ApplicationEvent.objects.get(application=application)
    assert (event.action, event.comment) == ("submit", "Second product line of the pack.")


# --- irreversible steps -------------------------------------------------------------------


def test_withdrawal_without_the_confirmation_is_refused(
    world, application_at, client_as, nothing_changes
) -> None:
    application = application_at(Status.SUBMITTED)
    client = client_as(world.enterprise_admin)

    with nothing_changes(application):
        response = transition(client, application, action=Action.WITHDRAW, comment="Changed plans.")

    assert messages_of(response) == [
        (
            "error",
            "Nothing was done: this step cannot be undone. Tick the box that says what it does "
            "to confirm it.",
        )
    ]

    response = transition(client, application, action=Action.WITHDRAW, confirm="1")

    assert messages_of(response) == [("success", "Done: Withdraw the application.")]
    assert Application.objects.get(pk=application.pk).status == Status.WITHDRAWN


def test_after_submission_the_page_says_who_acts_next(world, application_at, client_as) -> None:
    application = application_at(Status.SUBMITTED)
    response = client_as(world.enterprise_admin).get(f"/portal/applications/{application.pk}/")
    html = response.content.decode()
    assert "The certification body&#x27;s administrator" in html
    assert 'data-testid="your-part"' not in html  # withdrawing is not a next step
    assert "I understand that withdrawing ends this application for good" in html


# --- progress and due dates ---------------------------------------------------------------


def _event(application, action, from_status, to_status, when, actor) -> None:
    ApplicationEvent.objects.create(
        application=application,
        actor=actor,
        action=action,
        from_status=from_status,
        to_status=to_status,
        created_at=when,
    )


def test_progress_dates_and_an_overdue_acceptance(world, application_at, settings) -> None:
    settings.DUE_DAYS_ACCEPTANCE = 10
    application = application_at(Status.SUBMITTED)
    submitted_at = timezone.now() - timedelta(days=11)
    _event(
        application, "submit", Status.DRAFT, Status.SUBMITTED, submitted_at, world.enterprise_admin
    )
    events = list(application.events.all())

    steps = {step.key: step for step in journey.progress(application, events)}

    assert [step.state for step in steps.values()] == ["done", "current"] + ["upcoming"] * 7
    assert steps["draft"].reached_at == application.created_at
    assert steps["submitted"].reached_at == submitted_at
    assert steps["submitted"].due == timezone.localdate(submitted_at) + timedelta(days=10)
    assert steps["submitted"].overdue

    settings.DUE_DAYS_ACCEPTANCE = 30
    due = journey.current_due(application, events)
    assert due is not None
    assert due[1] is False


def test_a_withdrawn_file_marks_the_steps_it_never_reached(world, application_at) -> None:
    application = application_at(Status.WITHDRAWN)
    now = timezone.now()
    _event(application, "submit", Status.DRAFT, Status.SUBMITTED, now, world.enterprise_admin)
    _event(application, "withdraw", Status.SUBMITTED, Status.WITHDRAWN, now, world.enterprise_admin)

    steps = journey.progress(application, list(application.events.all()))

    assert [step.state for step in steps] == ["done", "done"] + ["skipped"] * 6 + ["current"]
    assert steps[-1].label == "Withdrawn"
    assert steps[-1].due is None


def test_the_findings_answer_is_due_and_shown(world, application_at, client_as, settings) -> None:
    settings.DUE_DAYS_FINDING_ANSWER = 30
    application = application_at(Status.AWAITING_ENTERPRISE, findings="open")
    sent = timezone.now() - timedelta(days=2)
    _event(
        application,
        "request_changes",
        Status.IN_EVALUATION,
        Status.AWAITING_ENTERPRISE,
        sent,
        world.reviewer,
    )
    due = (timezone.localdate(sent) + timedelta(days=30)).isoformat()

    html = client_as(world.enterprise_admin).get(f"/portal/applications/{application.pk}/")

    page = html.content.decode()
    assert f"Answer due by {due}." in page
    assert f"This step is due by {due}." in page
