"""Writes of the findings and the evaluation record.

Who may take a step and at which status of the application is the workflow's, one app up:
`certification/reviews.py` locks the application, checks both and calls these writers inside
its transaction; they check the records themselves. Audits names an application only by what
it reads of it.
"""

from decimal import Decimal
from typing import Any, Protocol

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from config.domain_errors import TransitionNotAllowed

from .chain.services import chain_append
from .dashboard import facts as dashboard_facts
from .models import DocumentReviewItem, Evaluation, Finding, FindingStatus


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
