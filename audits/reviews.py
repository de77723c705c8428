"""Writes of the findings and the evaluation record.

Who may take a step and at which status of the application is the workflow's, one app up:
`certification/reviews.py` locks the application, checks both and calls these writers inside
its transaction; they check the records themselves. Audits names an application only by what
it reads of it.
"""

from decimal import Decimal
from typing import Any, Protocol, TypeVar

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organisation, User
from accounts.roles import Role
from accounts.selectors import user_has_role
from config.domain_errors import GuardFailed, TransitionNotAllowed

from .chain.services import chain_append
from .dashboard import facts as dashboard_facts
from .models import ConflictDeclaration, DocumentReviewItem, Evaluation, Finding, FindingStatus
from .selectors import blacklist_ensure_clear


class ApplicationRecord(Protocol):
    """An application (`certification.models.Application`) as these writers read it."""

    @property
    def pk(self) -> Any: ...

    @property
    def renews_id(self) -> int | None: ...


def finding_create(
    *,
    actor: User,
    application: ApplicationRecord,
    dossier_version_id: int,
    severity: str,
    description: str,
    clause: str = "",
) -> Finding:
    """Run inside the caller's transaction, which holds the application's row lock: the lock
    keeps the numbers of two findings raised at once apart."""
    number = (
        Finding.objects.filter(application_id=application.pk).aggregate(Max("number"))[
            "number__max"
        ]
        or 0
    ) + 1
    finding = Finding(
        application_id=application.pk,
        dossier_version_id=dossier_version_id,
        number=number,
        severity=severity,
        clause=clause,
        description=description,
        raised_by=actor,
    )
    finding.full_clean()
    finding.save()
    dashboard_facts.application_facts_update(application.pk)
    finding_chain_append(finding, "raised", actor=actor)
    return finding


def finding_chain_append(finding: Finding, action: str, *, actor: User) -> None:
    """The audit chain's entry of a finding's step, with its words (they are the record)."""
    application = finding.application
    chain_append(
        f"audits:finding:{action}",
        {
            "reference": application.reference,
            "number": finding.number,
            "surveillance": finding.surveillance_id,
            "severity": finding.severity,
            "clause": finding.clause,
            "description": finding.description,
            "status": finding.status,
            "response": finding.response,
            "correctiveAction": finding.corrective_action,
        },
        actor=actor,
        application_id=application.pk,
        body_id=application.certification_body_id,
    )


def finding_response_save(
    *, actor: User, finding: Finding, response: str, corrective_action: str = ""
) -> Finding:
    finding = Finding.objects.select_for_update(no_key=True).get(pk=finding.pk)
    if finding.status == FindingStatus.CLOSED:
        raise TransitionNotAllowed(_("This finding is closed."))
    if not response.strip():
        raise ValidationError({"response": _("Write an answer.")})
    finding.response = response
    finding.corrective_action = corrective_action
    finding.responded_by = actor
    finding.responded_at = timezone.now()
    finding.status = FindingStatus.ANSWERED
    finding.save()
    finding_chain_append(finding, "answered", actor=actor)
    return finding


def finding_closure_save(*, actor: User, finding: Finding, reopen: bool = False) -> Finding:
    """The team accepts an answer (closes) or finds it insufficient (reopens)."""
    finding = Finding.objects.select_for_update(no_key=True).get(pk=finding.pk)
    if reopen:
        finding.status = FindingStatus.OPEN
        finding.closed_by = None
        finding.closed_at = None
    else:
        if finding.status != FindingStatus.ANSWERED and finding.severity != "observation":
            raise TransitionNotAllowed(_("Only an answered finding can be closed."))
        finding.status = FindingStatus.CLOSED
        finding.closed_by = actor
        finding.closed_at = timezone.now()
    finding.save()
    finding_chain_append(finding, "reopened" if reopen else "closed", actor=actor)
    return finding


EVALUATION_FIELDS = (
    "checklist",
    "onsite_date",
    "onsite_people",
    "onsite_observations",
    "verification_notes",
    "assurance_level",
    "materiality_threshold",
    "opinion",
    "onsite_skipped_reason",
)


@transaction.atomic
def evaluation_update(*, actor: User, application: ApplicationRecord, data: dict) -> Evaluation:
    """Write the evaluation record. The team's step, with who and when checked, is
    `certification.reviews.evaluation_update`."""
    evaluation, _created = Evaluation.objects.get_or_create(application_id=application.pk)
    for name, value in data.items():
        if name not in EVALUATION_FIELDS:
            raise ValidationError({name: _("Unknown evaluation field.")})
        setattr(evaluation, name, value)
    unknown = set(evaluation.checklist) - set(DocumentReviewItem.values)
    if unknown:
        raise ValidationError(
            {
                "checklist": _("Unknown checklist items: %(items)s")
                % {"items": ", ".join(sorted(unknown))}
            }
        )
    if evaluation.onsite_skipped_reason.strip() and application.renews_id is None:
        raise ValidationError(
            {"onsite_skipped_reason": _("Only a renewal may skip the on-site inspection.")}
        )
    threshold = evaluation.materiality_threshold
    if threshold is not None and not (Decimal(0) < Decimal(threshold) < Decimal(1)):
        raise ValidationError({"materiality_threshold": _("Give a fraction between 0 and 1.")})
    evaluation.updated_by = actor
    evaluation.updated_at = timezone.now()
    evaluation.full_clean(exclude=["application"])
    evaluation.save()
    return evaluation


# --- teams: an application's evaluation team and a certificate's surveillance team ------------


def team_members_check(
    *, body: Organisation, enterprise: Organisation, members: list[User]
) -> None:
    """Who may sit on an evaluation or surveillance team: a reviewer of the body, who does not
    belong to the enterprise (conflict of interest) and is not on the blacklist."""
    for member in members:
        if not user_has_role(member, Role.REVIEWER, body):
            raise ValidationError(
                {
                    "members": _("%(person)s is not a reviewer of %(body)s.")
                    % {"person": member, "body": body}
                }
            )
        if member.memberships.filter(organisation=enterprise).exists():
            raise GuardFailed(
                "conflict_of_interest",
                _("%(person)s belongs to the enterprise.") % {"person": member},
            )
    blacklist_ensure_clear(people=members)


SeatT = TypeVar("SeatT", bound=models.Model)  # TeamMember, SurveillanceTeamMember


def team_seat_give(
    *,
    seats: QuerySet[SeatT],
    member: User,
    replacement: User,
    body: Organisation,
    enterprise: Organisation,
) -> SeatT:
    """Give ``member``'s seat among ``seats`` (the team's queryset) to ``replacement``, who passes
    ``team_members_check`` and declares on conflicts of interest afresh. Call it holding the lock
    of the team's application or surveillance."""
    seat = seats.select_for_update(no_key=True).filter(user=member).first()
    if seat is None:
        raise ValidationError({"member": _("%(person)s is not on the team.") % {"person": member}})
    if seats.filter(user=replacement).exists():
        raise ValidationError(
            {"replacement": _("%(person)s is already on the team.") % {"person": replacement}}
        )
    team_members_check(body=body, enterprise=enterprise, members=[replacement])
    fresh = {"user": replacement, "declaration": ConflictDeclaration.PENDING, "declared_at": None}
    if any(field.name == "declaration_note" for field in seat._meta.fields):
        fresh["declaration_note"] = ""  # an evaluation team's seat keeps a note too
    for name, value in fresh.items():
        setattr(seat, name, value)
    seat.save(update_fields=list(fresh))
    return seat
