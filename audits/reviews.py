"""Writes of the evaluation team, the enterprise's answers and the evaluation record."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from certification.models import Application, Status
from certification.workflow import Actor, actor_relations, current_dossier_version
from config.domain_errors import ActorNotPermitted, TransitionNotAllowed

from .chain.services import chain_append
from .dashboard import facts as dashboard_facts
from .models import DocumentReviewItem, Evaluation, Finding, FindingStatus


def _ensure_team(actor: User, application: Application) -> None:
    if Actor.TEAM not in actor_relations(actor, application):
        raise ActorNotPermitted(_("Only the evaluation team may do this."))


def _locked(application: Application) -> Application:
    return Application.objects.select_for_update(no_key=True).get(pk=application.pk)


@transaction.atomic
def finding_raise(
    *, actor: User, application: Application, severity: str, description: str, clause: str = ""
) -> Finding:
    application = _locked(application)
    _ensure_team(actor, application)
    if application.status != Status.IN_EVALUATION:
        raise TransitionNotAllowed(_("Findings are raised during the evaluation."))
    number = (application.findings.aggregate(Max("number"))["number__max"] or 0) + 1
    finding = Finding(
        application=application,
        dossier_version=current_dossier_version(application),
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


@transaction.atomic
def finding_answer(
    *, actor: User, finding: Finding, response: str, corrective_action: str = ""
) -> Finding:
    application = _locked(finding.application)
    if Actor.ENTERPRISE not in actor_relations(actor, application):
        raise ActorNotPermitted(_("Only the enterprise answers findings."))
    if application.status != Status.AWAITING_ENTERPRISE:
        raise TransitionNotAllowed(_("Findings are answered while the file is with you."))
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


@transaction.atomic
def finding_close(*, actor: User, finding: Finding, reopen: bool = False) -> Finding:
    """The team accepts an answer (closes) or finds it insufficient (reopens)."""
    application = _locked(finding.application)
    _ensure_team(actor, application)
    if application.status != Status.IN_EVALUATION:
        raise TransitionNotAllowed(_("Findings are closed during the evaluation."))
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
EVALUATION_STATUSES = {Status.PLANNED, Status.IN_EVALUATION, Status.AWAITING_ENTERPRISE}


@transaction.atomic
def evaluation_update(*, actor: User, application: Application, data: dict) -> Evaluation:
    application = _locked(application)
    _ensure_team(actor, application)
    if application.status not in EVALUATION_STATUSES:
        raise TransitionNotAllowed(_("The evaluation record is closed at this stage."))
    evaluation, _created = Evaluation.objects.get_or_create(application=application)
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
