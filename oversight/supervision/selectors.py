"""Reads of certificates after issuance. Another organisation's certificate or surveillance
answers 404, exactly like a missing one."""

from datetime import date

from django.db.models import Q, QuerySet
from django.http import Http404

from accounts.models import User
from accounts.roles import Role
from accounts.selectors import memberships_for, user_is_platform_admin, user_is_regulator
from audits.models import Finding, FindingStatus
from certification.models import Certificate, DossierVersion
from labels.models import ReasonCode
from oversight.models import Surveillance, SurveillanceStatus

# Who of a body sees its certificates' supervision: those who plan, decide or inspect.
BODY_ROLES = (Role.BODY_ADMIN, Role.DECISION_MAKER, Role.REVIEWER, Role.TECHNICAL_REVIEWER)


def certificate_list_for_actor(user: User) -> QuerySet[Certificate]:
    queryset = Certificate.objects.select_related(
        "product", "enterprise", "certification_body", "application"
    )
    if user_is_regulator(user) or user_is_platform_admin(user):
        return queryset
    memberships = memberships_for(user)
    body_ids = [m.organisation_id for m in memberships if m.role in BODY_ROLES]
    holder_ids = [
        m.organisation_id
        for m in memberships
        if m.role in (Role.ENTERPRISE_ADMIN, Role.ENTERPRISE_MEMBER)
    ]
    return queryset.filter(Q(certification_body_id__in=body_ids) | Q(enterprise_id__in=holder_ids))


def certificate_get_for_actor(user: User, pk: int) -> Certificate:
    certificate = certificate_list_for_actor(user).filter(pk=pk).first()
    if certificate is None:
        raise Http404
    return certificate


def surveillance_get_for_actor(user: User, pk: int) -> Surveillance:
    surveillance = (
        Surveillance.objects.select_related(
            "certificate",
            "certificate__enterprise",
            "certificate__certification_body",
            "certificate__product",
            "certificate__application",
            "dossier_version",
        )
        .filter(pk=pk, certificate__in=certificate_list_for_actor(user))
        .first()
    )
    if surveillance is None:
        raise Http404
    return surveillance


def surveillances_due_for_body(user: User) -> QuerySet[Surveillance]:
    """Open surveillances of the certificates this person sees, soonest first."""
    return (
        Surveillance.objects.exclude(status="closed")
        .filter(
            certificate__in=certificate_list_for_actor(user),
            certificate__status__in=["valid", "suspended"],
        )
        .select_related("certificate", "certificate__product")
        .order_by("due_on")
    )


def user_supervises(user: User) -> bool:
    """Bodies' people and regulators see supervision reports; enterprises do not."""
    if user_is_regulator(user) or user_is_platform_admin(user):
        return True
    return any(m.role in BODY_ROLES for m in memberships_for(user))


# The steps of a surveillance that are its work (workflow.Step.START, Step.SUBMIT_REPORT), as
# against planning it and deciding on it.
WORK_STEPS = ("start", "submit_report")


def surveillance_worked_on(person: User, **surveillance: object) -> bool:
    """Whether `person` did the work of a surveillance matching `surveillance` (``pk=…`` or
    ``certificate_id=…``): sat on its team, started it, reported, or raised one of its
    findings. Recorded events and findings count after a seat was given to someone else."""
    where = {f"surveillance__{name}": value for name, value in surveillance.items()}
    from oversight.models import SurveillanceEvent, SurveillanceTeamMember

    return (
        SurveillanceTeamMember.objects.filter(user=person, **where).exists()
        or SurveillanceEvent.objects.filter(actor=person, action__in=WORK_STEPS, **where).exists()
        or Finding.objects.filter(raised_by=person, **where).exists()
    )


def took_part_in_supervision(person: User, certificate_id: int) -> bool:
    """Whether `person` did the work of a surveillance of the certificate, decided one of its
    surveillances or decided one of its change requests: involved, for complaints and
    appeals about it (ISO/IEC 17065 7.13)."""
    from oversight.models import CertificateRequest

    return (
        surveillance_worked_on(person, certificate_id=certificate_id)
        or Surveillance.objects.filter(certificate_id=certificate_id, decided_by=person).exists()
        or CertificateRequest.objects.filter(
            certificate_id=certificate_id, decided_by=person
        ).exists()
    )


def surveillance_collects_data(version: DossierVersion) -> bool:
    """A running surveillance collects the latest activity data in its own open version."""
    return Surveillance.objects.filter(
        dossier_version=version, status=SurveillanceStatus.IN_PROGRESS
    ).exists()


def overdue_certificate_ids(as_of: date, status: str, only: int | None = None) -> dict[int, str]:
    """Certificates in `status` with an overdue surveillance, decision or finding, and why."""
    reasons: dict[int, str] = {}
    one = {} if only is None else {"certificate_id": only}
    rules = (
        (
            ReasonCode.SURVEILLANCE_OVERDUE,
            Surveillance.objects.filter(
                ~Q(status=SurveillanceStatus.CLOSED),
                suspend_after__lt=as_of,
                certificate__status=status,
                **one,
            ).values_list("certificate_id", flat=True),
        ),
        (
            ReasonCode.DECISION_OVERDUE,
            Surveillance.objects.filter(
                status=SurveillanceStatus.DECISION,
                decide_by__lt=as_of,
                certificate__status=status,
                **one,
            ).values_list("certificate_id", flat=True),
        ),
        (
            ReasonCode.FINDINGS_OVERDUE,
            Finding.objects.filter(
                status=FindingStatus.OPEN,
                surveillance__isnull=False,
                due_on__lt=as_of,
                surveillance__certificate__status=status,
                **({} if only is None else {"surveillance__certificate_id": only}),
            ).values_list("surveillance__certificate_id", flat=True),
        ),
    )
    for reason, certificate_ids in rules:
        for certificate_id in certificate_ids:
            reasons.setdefault(certificate_id, reason)
    return reasons
