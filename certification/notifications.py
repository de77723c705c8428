"""Who must act next after each transition, and the inbox rows that tell them.

The rows are written in the transition's transaction; the e-mail task is queued on commit, so a
rolled-back step notifies nobody and a committed one is never lost (the sweep task resends what
a dead worker left unsent).
"""

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import Role

from .models import Application, ApplicationEvent, Notification, Status


def _enterprise_people(application: Application) -> set[User]:
    return set(
        User.objects.filter(
            memberships__organisation=application.enterprise,
            memberships__role__in=[Role.ENTERPRISE_ADMIN, Role.ENTERPRISE_MEMBER],
            is_active=True,
        )
    )


def _body_people(application: Application, role: str, exclude_team: bool = False) -> set[User]:
    people = User.objects.filter(
        memberships__organisation=application.certification_body,
        memberships__role=role,
        is_active=True,
    )
    if exclude_team:
        people = people.exclude(team_memberships__application=application)
    return set(people)


def _team(application: Application) -> set[User]:
    return {member.user for member in application.team.select_related("user")}


def _peer_reviewer(application: Application) -> set[User]:
    return {
        review.reviewer
        for review in application.peer_reviews.filter(is_current=True).select_related("reviewer")
    }


def recipients_for(application: Application, status: str) -> set[User]:
    """The people who must act next once the application reaches `status`, and the
    enterprise when the body takes up its file (accepts it, then plans the evaluation)."""
    if status == Status.SUBMITTED:
        return _body_people(application, Role.BODY_ADMIN)
    if status == Status.ACCEPTED:
        return _body_people(application, Role.BODY_ADMIN) | _enterprise_people(application)
    if status == Status.PLANNED:
        return _team(application) | _enterprise_people(application)
    if status == Status.IN_EVALUATION:
        return _team(application)
    if status in (Status.AWAITING_ENTERPRISE, Status.REJECTED):
        return _enterprise_people(application)
    if status == Status.TECHNICAL_REVIEW:
        return _body_people(application, Role.TECHNICAL_REVIEWER, exclude_team=True)
    if status == Status.PEER_REVIEW:
        return _peer_reviewer(application)
    if status == Status.DECISION:
        return _body_people(application, Role.DECISION_MAKER, exclude_team=True)
    if status in (Status.APPROVED, Status.REFUSED):
        return _enterprise_people(application) | _team(application)
    if status == Status.WITHDRAWN:
        if application.events.filter(action="withdraw", from_status=Status.DRAFT).exists():
            return set()  # withdrawn as a draft: the body never received it
        return _body_people(application, Role.BODY_ADMIN) | _team(application)
    return set()


def notify_transition(event: ApplicationEvent) -> list[Notification]:
    application = event.application
    url = reverse("certification:application_detail", args=[application.pk])
    created = []
    for recipient in sorted(recipients_for(application, event.to_status), key=lambda u: u.pk):
        if recipient.pk == event.actor_id:
            continue
        with translation.override(recipient.notification_language):
            status_label = str(Status(event.to_status).label)
            subject = _("%(reference)s is now: %(status)s") % {
                "reference": application.reference,
                "status": status_label,
            }
            body = _(
                "%(product)s (%(enterprise)s), application %(reference)s, moved to “%(status)s”."
            ) % {
                "product": application.product,
                "enterprise": application.enterprise,
                "reference": application.reference,
                "status": status_label,
            }
            if event.comment:
                body += "\n\n" + _("Comment: %(comment)s") % {"comment": event.comment}
        created.append(
            Notification(
                recipient=recipient,
                application=application,
                event=event,
                subject=subject,
                body=body,
                url=url,
            )
        )
    Notification.objects.bulk_create(created)
    if created:
        from .tasks import notification_emails_send

        event_id = event.pk
        transaction.on_commit(lambda: notification_emails_send.delay(event_id), robust=True)
    return created


def notify_team_change(
    *,
    application: Application,
    actor: User,
    member: User,
    replacement: User,
    reference: str = "",
    url: str = "",
) -> list[Notification]:
    """Tell the person taken off a team and the person put on it. A surveillance team's change
    names the surveillance as `reference` and links its page as `url`."""
    url = url or reverse("certification:application_detail", args=[application.pk])
    rows = []
    for recipient, taken_off in ((member, True), (replacement, False)):
        if recipient.pk == actor.pk:
            continue
        values = {
            "reference": reference or application.reference,
            "product": application.product,
            "member": member,
        }
        with translation.override(recipient.notification_language):
            subject = _("%(reference)s: team changed") % values
            if taken_off:
                body = _("You were taken off the team of %(reference)s (%(product)s).") % values
            else:
                body = (
                    _(
                        "You were put on the team of %(reference)s (%(product)s) in place of "
                        "%(member)s. Declare on conflicts of interest before you take part."
                    )
                    % values
                )
        rows.append(
            Notification(
                recipient=recipient, application=application, subject=subject, body=body, url=url
            )
        )
    Notification.objects.bulk_create(rows)
    notification_emails_queue([row.pk for row in rows])
    return rows


# --- after the certificate ------------------------------------------------------------------


def certificate_people(certificate) -> set[User]:
    """The holder's people and the issuing body's administrators."""
    return set(
        User.objects.filter(
            Q(
                memberships__organisation=certificate.enterprise_id,
                memberships__role__in=[Role.ENTERPRISE_ADMIN, Role.ENTERPRISE_MEMBER],
            )
            | Q(
                memberships__organisation=certificate.certification_body_id,
                memberships__role=Role.BODY_ADMIN,
            ),
            is_active=True,
        ).distinct()
    )


def notification_emails_queue(ids: list[int]) -> None:
    if ids:
        from .tasks import notification_emails_send_ids

        transaction.on_commit(lambda: notification_emails_send_ids.delay(ids), robust=True)
