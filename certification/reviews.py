"""The evaluation team's steps and the enterprise's answers to findings: who may take each and
at which status of the application. The records are audits'; its writers (`audits/reviews.py`)
are called here with the application locked and the step allowed."""

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from audits import reviews as records
from audits.models import Evaluation, Finding

from .dossiers import current_dossier_version
from .errors import ActorNotPermitted, TransitionNotAllowed
from .models import Application, Status
from .workflow import Actor, actor_relations

EVALUATION_STATUSES = {Status.PLANNED, Status.IN_EVALUATION, Status.AWAITING_ENTERPRISE}


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
    return records.finding_create(
        actor=actor,
        application=application,
        dossier_version_id=current_dossier_version(application).pk,
        severity=severity,
        description=description,
        clause=clause,
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
    return records.finding_response_save(
        actor=actor, finding=finding, response=response, corrective_action=corrective_action
    )


@transaction.atomic
def finding_close(*, actor: User, finding: Finding, reopen: bool = False) -> Finding:
    """The team accepts an answer (closes) or finds it insufficient (reopens)."""
    application = _locked(finding.application)
    _ensure_team(actor, application)
    if application.status != Status.IN_EVALUATION:
        raise TransitionNotAllowed(_("Findings are closed during the evaluation."))
    return records.finding_closure_save(actor=actor, finding=finding, reopen=reopen)


@transaction.atomic
def evaluation_update(*, actor: User, application: Application, data: dict) -> Evaluation:
    application = _locked(application)
    _ensure_team(actor, application)
    if application.status not in EVALUATION_STATUSES:
        raise TransitionNotAllowed(_("The evaluation record is closed at this stage."))
    return records.evaluation_update(actor=actor, application=application, data=data)
