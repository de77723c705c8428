"""Who is told, and in which language: each recipient of one event reads it in their own
language; the enterprise hears when the body takes up its file; the holder hears of every
change of its label."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone, translation

from certification import services
from certification.models import Notification, Status
from certification.workflow import Action
from labels import services as label_services
from labels.models import Label, ReasonCode

S, A = Status, Action

ENGLISH_SUBJECT = "{reference} is now: Accepted"


def accept(world, application, django_capture_on_commit_callbacks) -> list[Notification]:
    with django_capture_on_commit_callbacks(execute=True):
        services.application_transition(
            actor=world.body_admin, application_id=application.pk, action=A.ACCEPT
        )
    return list(Notification.objects.filter(application=application).select_related("recipient"))


def written_to(notifications: list[Notification]) -> dict:
    return {n.recipient: n.subject for n in notifications}


def chinese_subject(reference: str) -> str:
    with translation.override("zh-hans"):
        accepted = str(S.ACCEPTED.label)
    return f"{reference} 当前状态：{accepted}"


def save_languages(*people_and_languages) -> None:
    for user, language, last_language in people_and_languages:
        user.language, user.last_language = language, last_language
        user.save(update_fields=["language", "last_language"])


def test_each_recipient_of_one_event_reads_it_in_their_chosen_language(
    world, application_at, django_capture_on_commit_callbacks
) -> None:
    english, chinese = world.enterprise_admin, world.enterprise_member
    # The choice wins over the language last used.
    save_languages((english, "en", "zh-hans"), (chinese, "zh-hans", "en"))
    application = application_at(S.SUBMITTED)

    notifications = accept(world, application, django_capture_on_commit_callbacks)

    reference = application.reference
    assert written_to(notifications) == {
        english: ENGLISH_SUBJECT.format(reference=reference),
        chinese: chinese_subject(reference),
    }
    bodies = {n.recipient: n.body for n in notifications}
    assert "moved to" in bodies[english] and "moved to" not in bodies[chinese]
    mails = {message.to[0]: message for message in mail.outbox}
    assert mails[english.email].subject == ENGLISH_SUBJECT.format(reference=reference)
    assert mails[chinese.email].subject == chinese_subject(reference)
    assert mails[chinese.email].body.startswith(bodies[chinese])


def test_without_a_choice_each_is_written_to_in_the_language_they_last_used(
    world, application_at, django_capture_on_commit_callbacks
) -> None:
    english, chinese = world.enterprise_admin, world.enterprise_member
    save_languages((english, "", "en"), (chinese, "", "zh-hans"))
    application = application_at(S.SUBMITTED)

    notifications = accept(world, application, django_capture_on_commit_callbacks)

    assert written_to(notifications) == {
        english: ENGLISH_SUBJECT.format(reference=application.reference),
        chinese: chinese_subject(application.reference),
    }


def test_the_enterprise_is_told_when_the_body_accepts_and_when_it_plans(
    world, application_at, django_capture_on_commit_callbacks
) -> None:
    enterprise_people = {world.enterprise_admin, world.enterprise_member}
    submitted = application_at(S.SUBMITTED)

    accepted = accept(world, submitted, django_capture_on_commit_callbacks)

    assert {n.recipient for n in accepted} == enterprise_people
    planned_application = application_at(S.ACCEPTED)
    with django_capture_on_commit_callbacks(execute=True):
        event_count = planned_application.events.count()
        services.application_transition(
            actor=world.body_admin, application_id=planned_application.pk, action=A.PLAN
        )
    event = planned_application.events.order_by("-pk").first()
    assert planned_application.events.count() == event_count + 1
    planned = Notification.objects.filter(event=event)
    assert {n.recipient for n in planned} == enterprise_people | set(world.team)
    assert {n.subject for n in planned if n.recipient in enterprise_people} == {
        f"{planned_application.reference} is now: Planned"
    }
    assert sorted(a for m in mail.outbox for a in m.to if "ent_" in a) == sorted(
        [p.email for p in enterprise_people] * 2
    )


# --- label events -------------------------------------------------------------------------

HOLDER = ("enterprise_admin", "enterprise_member")


def holder_told(world, label: Label, event: str) -> dict:
    rows = Notification.objects.filter(
        subject=f"Certificate {label.certificate.number}: label {event}"
    ).select_related("recipient")
    return {n.recipient.username: n.url for n in rows}


def expected(world, label: Label) -> dict:
    url = f"/portal/labels/{label.serial}/"
    people = [world.persona(name) for name in HOLDER] + [world.body_admin]
    return {person.username: url for person in people}


def test_the_holder_is_told_its_label_is_issued(world, issue_label) -> None:
    label = issue_label()

    assert holder_told(world, label, "issued") == expected(world, label)


@pytest.mark.parametrize(
    ("actions", "event"),
    [
        (["suspend"], "suspended"),
        (["suspend", "restore"], "restored"),
        (["revoke"], "revoked"),
        (["cancel"], "cancelled"),
    ],
)
def test_the_holder_is_told_of_each_change_of_its_label(
    world, issue_label, actions, event, django_capture_on_commit_callbacks
) -> None:
    label = issue_label()
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        for action in actions:
            label_services.label_change_status(
                actor=world.body_admin, label_id=label.pk, action=action, reason="Plant audit."
            )

    # The body's administrator acted; the holder is told, and so is the body (its record).
    assert holder_told(world, label, event) == expected(world, label)
    assert {world.enterprise_admin.email, world.enterprise_member.email} <= {
        m.to[0] for m in mail.outbox if event in m.subject
    }


def test_the_holder_is_told_its_label_is_reinstated_after_an_appeal(
    world, issue_label, django_capture_on_commit_callbacks
) -> None:
    label = issue_label()
    label_services.label_change_status(
        actor=world.body_admin, label_id=label.pk, action="revoke", reason="Plant audit."
    )
    Notification.objects.all().delete()

    # The appeal's service applies the reinstatement once the appeal overturned the withdrawal.
    label_services.certificate_status_apply(
        certificate_id=label.certificate_id,
        action="reinstate",
        reason="Appeal upheld.",
        reason_code=ReasonCode.APPEAL_OVERTURNED,
    )

    assert holder_told(world, label, "restored") == expected(world, label)


def test_the_holder_is_told_its_label_expired(world, issue_label) -> None:
    label = issue_label()
    Label.objects.filter(pk=label.pk).update(valid_until=timezone.now() - timedelta(seconds=1))

    assert label_services.labels_expire_due() == 1

    assert holder_told(world, label, "expired") == expected(world, label)


def test_a_label_event_reaches_each_holder_person_in_their_language(world, issue_label) -> None:
    save_languages((world.enterprise_admin, "en", ""), (world.enterprise_member, "", "zh-hans"))
    label = issue_label()

    rows = {
        n.recipient: n.subject
        for n in Notification.objects.filter(event=None).select_related("recipient")
    }

    number = label.certificate.number
    assert rows[world.enterprise_admin] == f"Certificate {number}: label issued"
    assert rows[world.enterprise_member] == f"证书 {number}：标识已签发"
