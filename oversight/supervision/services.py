"""Writes of the certificate's life after issuance: surveillance steps, surveillance findings,
the holder's requests (voluntary suspension, cancellation, changes) and renewal.

Status changes of the certificate and its labels all go through
`labels.services.certificate_status_apply`, so the status list, the public page, the label API,
the badge, the webhooks, the inbox and the PDF follow each one.
"""

from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import Role
from accounts.selectors import user_has_role
from audits.chain.services import chain_append
from audits.dashboard import facts as dashboard_facts
from audits.models import Finding, FindingStatus, Severity
from audits.reviews import finding_chain_append, team_members_check, team_seat_give
from audits.selectors import blacklist_ensure_clear
from certification.errors import ActorNotPermitted, TransitionNotAllowed
from certification.models import Application, Certificate, CertificateStatus
from certification.notifications import notify_team_change
from labels.models import Label, LabelStatus, ReasonCode
from labels.services import (
    certificate_status_apply,
    certificate_suspension_reason_change,
    label_issue,
    label_supervision_refresh,
)
from oversight.models import (
    CertificateRequest,
    ChangeKind,
    RequestKind,
    RequestStatus,
    Surveillance,
    SurveillanceEvent,
    SurveillanceKind,
    SurveillanceMode,
    SurveillanceOutcome,
    SurveillanceStatus,
    SurveillanceTeamMember,
)
from oversight.supervision.schedule import suspend_after
from oversight.supervision.selectors import overdue_certificate_ids
from oversight.supervision.workflow import (
    STEP_LABELS,
    TRANSITIONS,
    Context,
    Relation,
    Step,
    relations_to,
)

# Suspensions a passed surveillance lifts: the ones the surveillance itself caused.
LIFTED_BY_SURVEILLANCE = {
    ReasonCode.SURVEILLANCE_OVERDUE,
    ReasonCode.FINDINGS_OVERDUE,
    ReasonCode.DECISION_OVERDUE,
}


def _locked(surveillance: Surveillance) -> Surveillance:
    """The surveillance, locked after its certificate: the order the sweep and the label
    services take (certificate, then what hangs from it), so that they never deadlock."""
    certificate_id = Surveillance.objects.values_list("certificate_id", flat=True).get(
        pk=surveillance.pk
    )
    Certificate.objects.select_for_update(no_key=True).filter(pk=certificate_id).first()
    return (
        Surveillance.objects.select_for_update(of=("self",), no_key=True)
        .select_related(
            "certificate",
            "certificate__enterprise",
            "certificate__certification_body",
            "certificate__application",
        )
        .get(pk=surveillance.pk)
    )


def _ensure(relation: str, actor: User, surveillance: Surveillance, message: str) -> None:
    if relation not in relations_to(actor, surveillance):
        raise ActorNotPermitted(message)
    if relation == Relation.TEAM:
        # A listed body, or a person listed since the plan, runs no surveillance.
        blacklist_ensure_clear(
            organisations=[surveillance.certificate.certification_body], people=[actor]
        )


# --- planning -----------------------------------------------------------------------------


@transaction.atomic
def surveillance_plan_update(
    *,
    actor: User,
    surveillance: Surveillance,
    planned_date: date,
    mode: str,
    members: list[User],
    lead: User,
) -> Surveillance:
    """Set the date, the mode and a team free of conflicts (reviewers of the body)."""
    surveillance = _locked(surveillance)
    certificate = surveillance.certificate
    _ensure(
        Relation.BODY_ADMIN,
        actor,
        surveillance,
        _("Only the body's administrator plans a surveillance."),
    )
    if surveillance.status != SurveillanceStatus.DUE:
        raise TransitionNotAllowed(_("The plan is set before the surveillance starts."))
    if mode not in SurveillanceMode.values:
        raise ValidationError({"mode": _("Choose on site or remote.")})
    if planned_date is None:
        raise ValidationError({"planned_date": _("Give the date.")})
    if lead not in members:
        members = [*members, lead]
    team_members_check(
        body=certificate.certification_body, enterprise=certificate.enterprise, members=members
    )
    surveillance.planned_date = planned_date
    surveillance.mode = mode
    surveillance.save(update_fields=["planned_date", "mode"])
    surveillance.team.all().delete()
    SurveillanceTeamMember.objects.bulk_create(
        SurveillanceTeamMember(surveillance=surveillance, user=member, is_lead=member == lead)
        for member in members
    )
    return surveillance


# Until the report is submitted, a member of the team can be replaced.
TEAM_REPLACEABLE_STATUSES = {
    SurveillanceStatus.DUE,
    SurveillanceStatus.PLANNED,
    SurveillanceStatus.IN_PROGRESS,
}


@transaction.atomic
def surveillance_team_member_replace(
    *, actor: User, surveillance: Surveillance, member: User, replacement: User
) -> SurveillanceTeamMember:
    """Put `replacement` on the surveillance team in `member`'s place, as its lead if `member`
    led it. The newcomer passes the plan's checks (``team_members_check``) and declares on
    conflicts of interest before the team starts or reports (team_declared_no_conflict)."""
    surveillance = _locked(surveillance)
    certificate = surveillance.certificate
    _ensure(
        Relation.BODY_ADMIN,
        actor,
        surveillance,
        _("Only the body's administrator changes the team."),
    )
    if surveillance.status not in TEAM_REPLACEABLE_STATUSES:
        raise TransitionNotAllowed(
            _("The team can be changed until the surveillance report is submitted.")
        )
    blacklist_ensure_clear(organisations=[certificate.certification_body], people=[actor])
    seat = team_seat_give(
        seats=surveillance.team.all(),
        member=member,
        replacement=replacement,
        body=certificate.certification_body,
        enterprise=certificate.enterprise,
    )
    chain_append(
        "audits:surveillance:team_replaced",
        {
            "certificate": certificate.number,
            "number": surveillance.number,
            "status": surveillance.status,
            "replaced": member.pk,
            "replacement": replacement.pk,
            "lead": seat.is_lead,
        },
        actor=actor,
        application_id=certificate.application_id,
        certificate_id=certificate.pk,
        body_id=certificate.certification_body_id,
    )
    notify_team_change(
        application=certificate.application,
        actor=actor,
        member=member,
        replacement=replacement,
        reference=str(surveillance),
        url=reverse("audits:surveillance", args=[surveillance.pk]),
    )
    return seat


@transaction.atomic
def surveillance_declare(
    *, actor: User, surveillance: Surveillance, has_conflict: bool
) -> SurveillanceTeamMember:
    member = (
        SurveillanceTeamMember.objects.select_for_update(no_key=True)
        .filter(surveillance=surveillance, user=actor)
        .first()
    )
    if member is None:
        raise ActorNotPermitted(_("You are not on this surveillance team."))
    member.declaration = "conflict" if has_conflict else "no_conflict"
    member.declared_at = timezone.now()
    member.save(update_fields=["declaration", "declared_at"])
    return member


@transaction.atomic
def surveillance_special_open(
    *,
    actor: User | None,
    certificate: Certificate,
    reason: str,
    kind: str = SurveillanceKind.SPECIAL,
    due_on: date | None = None,
) -> Surveillance:
    """An unscheduled surveillance (a complaint, a change needing evaluation, a regulator's
    order). `actor` None: ordered by the platform's own services, which checked who may."""
    certificate = Certificate.objects.select_for_update(no_key=True).get(pk=certificate.pk)
    if actor is not None and not (
        user_has_role(actor, Role.BODY_ADMIN, certificate.certification_body)
        or user_has_role(actor, Role.DECISION_MAKER, certificate.certification_body)
    ):
        raise ActorNotPermitted(_("Only the issuing body orders a special surveillance."))
    if actor is not None:
        blacklist_ensure_clear(organisations=[certificate.certification_body], people=[actor])
    if certificate.status not in (CertificateStatus.VALID, CertificateStatus.SUSPENDED):
        raise TransitionNotAllowed(_("The certificate is no longer in force."))
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for this surveillance.")})
    due = due_on or timezone.localdate() + timedelta(days=certificate.surveillance_grace_days)
    number = (certificate.surveillances.aggregate(Max("number"))["number__max"] or 0) + 1
    surveillance = Surveillance.objects.create(
        certificate=certificate,
        number=number,
        kind=kind,
        due_on=due,
        suspend_after=suspend_after(certificate, due),
        reason=reason,
    )
    _next_due_refresh(certificate)
    _chain(surveillance, "opened", actor=actor, comment=reason)
    return surveillance


def _chain(surveillance: Surveillance, action: str, *, actor: User | None, comment: str) -> None:
    """The audit chain's entry of a surveillance's step (after the step's row locks)."""
    certificate = surveillance.certificate
    chain_append(
        f"audits:surveillance:{action}",
        {
            "certificate": certificate.number,
            "number": surveillance.number,
            "kind": surveillance.kind,
            "status": surveillance.status,
            "outcome": surveillance.outcome,
            "comment": comment,
        },
        actor=actor,
        application_id=certificate.application_id,
        certificate_id=certificate.pk,
        body_id=certificate.certification_body_id,
    )


# --- the status writer --------------------------------------------------------------------


def surveillance_transition(
    *, actor: User, surveillance_id: int, step: str, comment: str = ""
) -> Surveillance:
    """The only writer of Surveillance.status: lock, re-read, table, relation, guards, save,
    event, effects (the certificate's status among them), all in one transaction."""
    with transaction.atomic():
        surveillance = _locked(Surveillance(pk=surveillance_id))
        transition = TRANSITIONS.get((surveillance.status, step))
        if transition is None:
            raise TransitionNotAllowed(
                _("“%(step)s” is not possible while the surveillance is %(status)s.")
                % {"step": STEP_LABELS.get(step, step), "status": surveillance.get_status_display()}
            )
        if not transition.relations & relations_to(actor, surveillance):
            raise ActorNotPermitted(_("Your role does not allow this step."))
        context = Context(surveillance=surveillance, actor=actor, comment=comment)
        for guard in transition.guards:
            guard(context)
        from_status = surveillance.status
        surveillance.status = transition.target
        surveillance.save(update_fields=["status"])
        SurveillanceEvent.objects.create(
            surveillance=surveillance,
            actor=actor,
            action=step,
            from_status=from_status,
            to_status=transition.target,
            comment=comment,
        )
        EFFECTS.get(step, _no_effect)(surveillance, actor, comment)
        _chain(surveillance, step, actor=actor, comment=comment)
    return surveillance


def _no_effect(surveillance: Surveillance, actor: User, comment: str) -> None:
    return None


def _start(surveillance: Surveillance, actor: User, comment: str) -> None:
    """Open a dossier version for the latest reference period's activity data: a copy of the
    last version, its inventory lines pointing at the current factor library."""
    from certification.dossiers import dossier_version_open_next
    from footprint.models import InventoryLine
    from footprint.selectors import factors_current_by_code

    application = Application.objects.select_for_update(no_key=True).get(
        pk=surveillance.certificate.application_id
    )
    version = dossier_version_open_next(application)
    current = factors_current_by_code()
    lines = list(version.inventory_lines.select_related("factor"))
    for line in lines:
        if line.factor is not None and line.factor.code in current:
            line.factor = current[line.factor.code]
    InventoryLine.objects.bulk_update(lines, ["factor"], batch_size=500)
    surveillance.dossier_version = version
    surveillance.save(update_fields=["dossier_version"])


def _submit_report(surveillance: Surveillance, actor: User, comment: str) -> None:
    version = surveillance.dossier_version
    if version is not None and not version.is_frozen:
        version.frozen_at = timezone.now()
        version.save(update_fields=["frozen_at"])
    _recompute(surveillance, actor)
    confirmed = (
        surveillance.material or surveillance.findings.filter(severity=Severity.MAJOR).exists()
    )
    if confirmed:
        # A confirmed nonconformity: decided within the certificate's decision days, or the
        # sweep suspends.
        surveillance.decide_by = timezone.localdate() + timedelta(
            days=surveillance.certificate.suspension_decision_days
        )
        surveillance.save(update_fields=["decide_by"])


def _return(surveillance: Surveillance, actor: User, comment: str) -> None:
    surveillance.decide_by = None
    surveillance.save(update_fields=["decide_by"])
    version = surveillance.dossier_version
    if version is not None and version.is_frozen:
        version.frozen_at = None
        version.save(update_fields=["frozen_at"])


def _decide(outcome: str):
    def effect(surveillance: Surveillance, actor: User, comment: str) -> None:
        certificate = surveillance.certificate
        today = timezone.localdate()
        surveillance.outcome = outcome
        surveillance.decided_by = actor
        surveillance.decided_at = timezone.now()
        surveillance.decide_by = None
        surveillance.save(update_fields=["outcome", "decided_by", "decided_at", "decide_by"])
        if outcome == SurveillanceOutcome.CONTINUED:
            # This surveillance, now closed, lifts the suspension only if nothing else overdue
            # (another surveillance, a decision, a finding) still calls for it.
            if (
                certificate.status == CertificateStatus.SUSPENDED
                and certificate.suspension_reason_code in LIFTED_BY_SURVEILLANCE
                and not overdue_certificate_ids(today, CertificateStatus.SUSPENDED, certificate.pk)
            ):
                certificate_status_apply(
                    certificate_id=certificate.pk,
                    action="restore",
                    reason=comment,
                    actor=actor,
                    reason_code=ReasonCode.SURVEILLANCE_PASSED,
                )
        elif outcome == SurveillanceOutcome.SUSPENDED:
            if certificate.status == CertificateStatus.VALID:
                certificate_status_apply(
                    certificate_id=certificate.pk,
                    action="suspend",
                    reason=comment,
                    actor=actor,
                    reason_code=ReasonCode.SURVEILLANCE_DECISION,
                )
            else:  # already suspended (voluntarily, say): it stays so, for this decision
                certificate_suspension_reason_change(
                    certificate_id=certificate.pk,
                    reason=comment,
                    actor=actor,
                    reason_code=ReasonCode.SURVEILLANCE_DECISION,
                )
        else:
            certificate_status_apply(
                certificate_id=certificate.pk,
                action="revoke",
                reason=comment,
                actor=actor,
                reason_code=ReasonCode.SURVEILLANCE_DECISION,
            )
        certificate = Certificate.objects.select_for_update(no_key=True).get(pk=certificate.pk)
        certificate.last_surveillance_on = today
        certificate.last_surveillance_outcome = outcome
        certificate.save(update_fields=["last_surveillance_on", "last_surveillance_outcome"])
        _next_due_refresh(certificate)

    return effect


EFFECTS = {
    Step.START: _start,
    Step.SUBMIT_REPORT: _submit_report,
    Step.RETURN: _return,
    Step.CONTINUE: _decide(SurveillanceOutcome.CONTINUED),
    Step.SUSPEND: _decide(SurveillanceOutcome.SUSPENDED),
    Step.WITHDRAW: _decide(SurveillanceOutcome.WITHDRAWN),
}


def _next_due_refresh(certificate: Certificate) -> None:
    """The next due date the public sees: the earliest surveillance not yet closed."""
    due = (
        certificate.surveillances.exclude(status=SurveillanceStatus.CLOSED)
        .order_by("due_on")
        .values_list("due_on", flat=True)
        .first()
    )
    if due != certificate.next_surveillance_due:
        Certificate.objects.filter(pk=certificate.pk).update(next_surveillance_due=due)
        certificate.next_surveillance_due = due
    # What the public page and the label API show of supervision changed with it.
    label_supervision_refresh(certificate)


# --- recomputation with the current factor library --------------------------------------


def _recompute(surveillance: Surveillance, actor: User | None) -> None:
    from footprint.services import materiality_threshold, recomputation_run

    version = surveillance.dossier_version
    if version is None:
        return
    recomputation = recomputation_run(dossier_version=version, actor=actor)
    if recomputation is not None:
        dashboard_facts.application_facts_update(version.application_id)
    if recomputation is None or recomputation.total is None:
        surveillance.recomputed_total = surveillance.deviation = surveillance.material = None
    else:
        certified = Decimal(surveillance.certificate.declared_total)
        total = Decimal(recomputation.total)
        surveillance.recomputed_total = total.quantize(Decimal("0.000001"))
        deviation = (total - certified) / certified if certified else Decimal(0)
        surveillance.deviation = deviation.quantize(Decimal("0.000001"))
        surveillance.material = abs(deviation) > materiality_threshold()
    surveillance.save(update_fields=["recomputed_total", "deviation", "material"])


@transaction.atomic
def surveillance_recompute(*, actor: User, surveillance: Surveillance) -> Surveillance:
    """The team's "recompute now" on the enterprise's latest activity data."""
    surveillance = _locked(surveillance)
    _ensure(Relation.TEAM, actor, surveillance, _("Only the surveillance team recomputes."))
    if surveillance.status != SurveillanceStatus.IN_PROGRESS:
        raise TransitionNotAllowed(_("The data is recomputed while the surveillance runs."))
    _recompute(surveillance, actor)
    return surveillance


@transaction.atomic
def surveillance_report_save(
    *, actor: User, surveillance: Surveillance, report: str
) -> Surveillance:
    surveillance = _locked(surveillance)
    _ensure(Relation.TEAM, actor, surveillance, _("Only the surveillance team writes the report."))
    if surveillance.status != SurveillanceStatus.IN_PROGRESS:
        raise TransitionNotAllowed(_("The report is written while the surveillance runs."))
    surveillance.report = report
    surveillance.save(update_fields=["report"])
    return surveillance


# --- findings of a surveillance ---------------------------------------------------------


@transaction.atomic
def surveillance_finding_raise(
    *,
    actor: User,
    surveillance: Surveillance,
    severity: str,
    description: str,
    clause: str = "",
    due_on: date | None = None,
) -> Finding:
    surveillance = _locked(surveillance)
    _ensure(Relation.TEAM, actor, surveillance, _("Only the surveillance team raises findings."))
    if surveillance.status != SurveillanceStatus.IN_PROGRESS:
        raise TransitionNotAllowed(_("Findings are raised while the surveillance runs."))
    today = timezone.localdate()
    due = due_on or today + timedelta(days=settings.SURVEILLANCE_FINDING_DAYS)
    if due <= today:
        raise ValidationError({"due_on": _("The answer is due after today.")})
    application = Application.objects.select_for_update(no_key=True).get(
        pk=surveillance.certificate.application_id
    )
    number = (application.findings.aggregate(Max("number"))["number__max"] or 0) + 1
    finding = Finding(
        application=application,
        surveillance=surveillance,
        number=number,
        dossier_version=surveillance.dossier_version or surveillance.certificate.dossier_version,
        severity=severity,
        clause=clause,
        description=description,
        raised_by=actor,
        due_on=due,
    )
    finding.full_clean()
    finding.save()
    dashboard_facts.application_facts_update(application.pk)
    finding_chain_append(finding, "raised", actor=actor)
    return finding


@transaction.atomic
def surveillance_finding_answer(
    *, actor: User, finding: Finding, response: str, corrective_action: str = ""
) -> Finding:
    finding = (
        Finding.objects.select_for_update(of=("self",), no_key=True)
        .select_related("surveillance")
        .get(pk=finding.pk)
    )
    surveillance = finding.surveillance
    if surveillance is None:
        raise TransitionNotAllowed(_("This finding belongs to the certification procedure."))
    _ensure(Relation.ENTERPRISE, actor, surveillance, _("Only the enterprise answers findings."))
    if surveillance.status != SurveillanceStatus.IN_PROGRESS:
        raise TransitionNotAllowed(_("Findings are answered while the surveillance runs."))
    if finding.status == FindingStatus.CLOSED:
        raise TransitionNotAllowed(_("This finding is closed."))
    if not response.strip():
        raise ValidationError({"response": _("Write your answer.")})
    finding.response = response
    finding.corrective_action = corrective_action
    finding.status = FindingStatus.ANSWERED
    finding.responded_by = actor
    finding.responded_at = timezone.now()
    finding.save()
    finding_chain_append(finding, "answered", actor=actor)
    return finding


@transaction.atomic
def surveillance_finding_close(*, actor: User, finding: Finding) -> Finding:
    finding = (
        Finding.objects.select_for_update(of=("self",), no_key=True)
        .select_related("surveillance")
        .get(pk=finding.pk)
    )
    surveillance = finding.surveillance
    if surveillance is None:
        raise TransitionNotAllowed(_("This finding belongs to the certification procedure."))
    _ensure(Relation.TEAM, actor, surveillance, _("Only the surveillance team closes findings."))
    if surveillance.status != SurveillanceStatus.IN_PROGRESS:
        raise TransitionNotAllowed(_("Findings are closed while the surveillance runs."))
    if finding.status != FindingStatus.ANSWERED and finding.severity != Severity.OBSERVATION:
        raise TransitionNotAllowed(_("Only an answered finding can be closed."))
    finding.status = FindingStatus.CLOSED
    finding.closed_by = actor
    finding.closed_at = timezone.now()
    finding.save()
    finding_chain_append(finding, "closed", actor=actor)
    return finding


# --- the holder's requests --------------------------------------------------------------


def _ensure_holder_admin(actor: User, certificate: Certificate) -> None:
    if not user_has_role(actor, Role.ENTERPRISE_ADMIN, certificate.enterprise):
        raise ActorNotPermitted(_("Only the holder's administrator may ask this."))


def _request(
    certificate: Certificate, actor: User, kind: str, description: str, **fields
) -> CertificateRequest:
    if not description.strip():
        raise ValidationError({"description": _("Describe the request.")})
    request = CertificateRequest(
        certificate=certificate, kind=kind, description=description, requested_by=actor, **fields
    )
    request.full_clean()
    request.save()
    return request


@transaction.atomic
def certificate_suspend_voluntarily(
    *, actor: User, certificate: Certificate, until: date, reason: str
) -> CertificateRequest:
    """Seasonal production and the like: suspended at once, restored by the sweep on `until`
    (within the certificate's maximum suspension)."""
    certificate = Certificate.objects.select_for_update(no_key=True).get(pk=certificate.pk)
    _ensure_holder_admin(actor, certificate)
    if certificate.status != CertificateStatus.VALID:
        raise TransitionNotAllowed(_("Only a valid certificate can be suspended."))
    today = timezone.localdate()
    latest = today + timedelta(days=certificate.suspension_max_days)
    if until is None or until <= today or until > latest:
        raise ValidationError(
            {
                "until": _("Give an end date after today and no later than %(date)s.")
                % {"date": latest.isoformat()}
            }
        )
    request = _request(
        certificate,
        actor,
        RequestKind.VOLUNTARY_SUSPENSION,
        reason,
        suspend_until=until,
        status=RequestStatus.DONE,
        decided_at=timezone.now(),
    )
    certificate_status_apply(
        certificate_id=certificate.pk,
        action="suspend",
        reason=reason,
        reason_code=ReasonCode.VOLUNTARY,
        actor=actor,
        voluntary_until=until,
    )
    return request


@transaction.atomic
def certificate_cancel(*, actor: User, certificate: Certificate, reason: str) -> CertificateRequest:
    """The holder gives up the certificate (product discontinued): cancelled at once."""
    certificate = Certificate.objects.select_for_update(no_key=True).get(pk=certificate.pk)
    _ensure_holder_admin(actor, certificate)
    if certificate.status not in (CertificateStatus.VALID, CertificateStatus.SUSPENDED):
        raise TransitionNotAllowed(_("The certificate is no longer in force."))
    request = _request(
        certificate,
        actor,
        RequestKind.CANCELLATION,
        reason,
        status=RequestStatus.DONE,
        decided_at=timezone.now(),
    )
    certificate_status_apply(
        certificate_id=certificate.pk,
        action="cancel",
        reason=reason,
        reason_code=ReasonCode.HOLDER_CANCELLED,
        actor=actor,
    )
    return request


@transaction.atomic
def certificate_change_report(
    *, actor: User, certificate: Certificate, change_kind: str, description: str
) -> CertificateRequest:
    certificate = Certificate.objects.select_for_update(no_key=True).get(pk=certificate.pk)
    _ensure_holder_admin(actor, certificate)
    if certificate.status not in (CertificateStatus.VALID, CertificateStatus.SUSPENDED):
        raise TransitionNotAllowed(_("The certificate is no longer in force."))
    if change_kind not in ChangeKind.values:
        raise ValidationError({"change_kind": _("Choose what changed.")})
    return _request(certificate, actor, RequestKind.CHANGE, description, change_kind=change_kind)


@transaction.atomic
def certificate_change_decide(
    *, actor: User, request: CertificateRequest, editorial: bool, comment: str
) -> CertificateRequest:
    """The body classifies a change: editorial (the label is re-issued as a new version under
    the same certificate number) or needing a partial evaluation (a change surveillance)."""
    request = (
        CertificateRequest.objects.select_for_update(of=("self",), no_key=True)
        .select_related("certificate__certification_body")
        .get(pk=request.pk)
    )
    # Its status is read under the certificate's lock: a suspension committed meanwhile counts.
    certificate = (
        Certificate.objects.select_for_update(no_key=True)
        .select_related("certification_body", "enterprise")
        .get(pk=request.certificate_id)
    )
    body = certificate.certification_body
    if not (
        user_has_role(actor, Role.BODY_ADMIN, body)
        or user_has_role(actor, Role.DECISION_MAKER, body)
    ):
        raise ActorNotPermitted(_("Only the issuing body decides on a change."))
    if request.kind != RequestKind.CHANGE or request.status != RequestStatus.OPEN:
        raise TransitionNotAllowed(_("This request is not awaiting a decision."))
    if not comment.strip():
        raise ValidationError({"comment": _("Give the reasons for this decision.")})
    blacklist_ensure_clear(organisations=[body, certificate.enterprise], people=[actor])
    if editorial:
        if certificate.status != CertificateStatus.VALID:
            raise TransitionNotAllowed(_("Only a valid certificate's label is re-issued."))
        version = (
            Label.objects.filter(certificate=certificate).aggregate(Max("certificate_version"))[
                "certificate_version__max"
            ]
            or 0
        ) + 1
        label_issue(certificate_id=certificate.pk, certificate_version=version)
        request.status = RequestStatus.EDITORIAL
    else:
        request.surveillance = surveillance_special_open(
            actor=actor,
            certificate=certificate,
            kind=SurveillanceKind.CHANGE,
            reason=f"{request.get_change_kind_display()}: {request.description}",
        )
        request.status = RequestStatus.EVALUATION
    request.decided_by = actor
    request.decided_at = timezone.now()
    request.decision_comment = comment
    request.save()
    return request


# --- renewal ------------------------------------------------------------------------------


def renewal_window_opens(certificate: Certificate) -> date:
    return certificate.valid_until - timedelta(days=certificate.renewal_window_days)


@transaction.atomic
def renewal_start(*, actor: User, certificate: Certificate) -> Application:
    """Inside the renewal window, a new application whose dossier is a copy of the certified
    one; the body runs it shortened (the on-site inspection may be skipped, and is recorded
    as skipped), and its approval continues this certificate without a gap."""
    from certification.dossiers import dossier_copy_into
    from certification.services import application_create

    certificate = (
        Certificate.objects.select_for_update(of=("self",), no_key=True)
        .select_related("application", "product", "certification_body")
        .get(pk=certificate.pk)
    )
    _ensure_holder_admin(actor, certificate)
    today = timezone.localdate()
    if certificate.status != CertificateStatus.VALID:
        raise TransitionNotAllowed(_("Only a valid certificate can be renewed."))
    if not renewal_window_opens(certificate) <= today <= certificate.valid_until:
        raise TransitionNotAllowed(
            _("Renewal opens on %(date)s, %(days)s days before the certificate ends.")
            % {
                "date": renewal_window_opens(certificate).isoformat(),
                "days": certificate.renewal_window_days,
            }
        )
    if certificate.renewal_applications.exclude(
        status__in=["rejected", "refused", "withdrawn"]
    ).exists():
        raise TransitionNotAllowed(_("A renewal of this certificate is already under way."))
    old = certificate.application
    application = application_create(
        actor=actor,
        product=certificate.product,
        certification_body=certificate.certification_body,
        scheme=old.scheme,
        product_rule_name=old.product_rule_name,
        product_rule_version=old.product_rule_version,
        plant_address=old.plant_address,
        renews=certificate,
    )
    dossier_copy_into(
        source=certificate.dossier_version, target=application.dossier_versions.get(number=1)
    )
    return application


def label_in_force(certificate: Certificate) -> Label | None:
    return (
        Label.objects.filter(
            certificate=certificate,
            superseded_by__isnull=True,
            status__in=[LabelStatus.VALID, LabelStatus.SUSPENDED],
        )
        .order_by("-certificate_version")
        .first()
    )


__all__ = [
    "certificate_cancel",
    "certificate_change_decide",
    "certificate_change_report",
    "certificate_suspend_voluntarily",
    "renewal_start",
    "surveillance_declare",
    "surveillance_finding_answer",
    "surveillance_finding_close",
    "surveillance_finding_raise",
    "surveillance_plan_update",
    "surveillance_recompute",
    "surveillance_report_save",
    "surveillance_special_open",
    "surveillance_transition",
]
