"""Reads. Every object read takes the user; missing and forbidden both raise Http404."""

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from accounts.models import User
from accounts.roles import Role
from accounts.selectors import (
    memberships_for,
    user_body_ids,
    user_enterprise_ids,
    user_is_platform_admin,
    user_is_regulator,
)
from audits.models import PeerReview

from .models import Application, ApplicationEvent, EvidenceFile, Product, Status, TeamMember

BODY_ROLES = {Role.BODY_ADMIN, Role.REVIEWER, Role.TECHNICAL_REVIEWER, Role.DECISION_MAKER}


def application_visibility(user: User) -> Q | None:
    """A filter for the applications `user` may read; None means all of them."""
    if not user.is_authenticated or user.pk is None:  # anonymous, or an API key: not a person
        return Q(pk__in=[])
    if user_is_regulator(user) or user_is_platform_admin(user):
        return None
    body_ids = {m.organisation_id for m in memberships_for(user) if m.role in BODY_ROLES}
    # A peer reviewer who was replaced loses access with the assignment.
    peer = PeerReview.objects.filter(application=OuterRef("pk"), reviewer=user, is_current=True)
    # The chosen body sees an application once it has been submitted to it: never a draft,
    # nor a draft the enterprise withdrew.
    withdrawn_draft = ApplicationEvent.objects.filter(
        application=OuterRef("pk"), action="withdraw", from_status=Status.DRAFT)
    return (
        Q(enterprise_id__in=user_enterprise_ids(user))
        | (Q(certification_body_id__in=body_ids) & ~Q(status=Status.DRAFT)
           & ~Q(Exists(withdrawn_draft)))
        | Q(Exists(peer))
    )


def application_list_for_actor(user: User) -> QuerySet[Application]:
    queryset = Application.objects.select_related(
        "enterprise", "certification_body", "product", "product__category"
    )
    visibility = application_visibility(user)
    return queryset if visibility is None else queryset.filter(visibility)


def application_get_for_actor(user: User, pk: int | str) -> Application:
    try:
        return application_list_for_actor(user).get(pk=pk)
    except (Application.DoesNotExist, ValueError) as error:
        raise Http404 from error


def application_can_read_dossier(user: User, application: Application) -> bool:
    """The dossier and its files are confidential: the enterprise, the assigned body's people,
    the peer reviewer and the regulator. A platform administrator does not read them."""
    if user_is_regulator(user):
        return True
    if application.enterprise_id in user_enterprise_ids(user):
        return True
    if application.certification_body_id in user_body_ids(user):
        return application.status != Status.DRAFT and not application.events.filter(
            action="withdraw", from_status=Status.DRAFT).exists()
    return PeerReview.objects.filter(application=application, reviewer=user,
                                     is_current=True).exists()


def evidence_get_for_actor(user: User, application: Application, pk: int | str) -> EvidenceFile:
    if not application_can_read_dossier(user, application):
        raise Http404
    try:
        return application.evidence_files.get(pk=pk)
    except (EvidenceFile.DoesNotExist, ValueError) as error:
        raise Http404 from error


def product_list_for_actor(user: User) -> QuerySet[Product]:
    queryset = Product.objects.select_related("category", "enterprise")
    if user_is_regulator(user) or user_is_platform_admin(user):
        return queryset
    return queryset.filter(enterprise_id__in=user_enterprise_ids(user))


def product_get_for_actor(user: User, pk: int | str) -> Product:
    try:
        return product_list_for_actor(user).get(pk=pk)
    except (Product.DoesNotExist, ValueError) as error:
        raise Http404 from error


def work_queue_for(user: User) -> QuerySet[Application]:
    """Applications waiting for this person to act ("waiting for me")."""
    enterprise_ids = user_enterprise_ids(user)
    roles_by_body: dict[int, set[str]] = {}
    for membership in memberships_for(user):
        roles_by_body.setdefault(membership.organisation_id, set()).add(membership.role)
    on_team = TeamMember.objects.filter(application=OuterRef("pk"), user=user)
    condition = Q(enterprise_id__in=enterprise_ids,
                  status__in=[Status.DRAFT, Status.AWAITING_ENTERPRISE])
    for body_id, roles in roles_by_body.items():
        if Role.BODY_ADMIN in roles:
            condition |= Q(certification_body_id=body_id,
                           status__in=[Status.SUBMITTED, Status.ACCEPTED])
        if Role.REVIEWER in roles:
            condition |= Q(Exists(on_team), certification_body_id=body_id,
                           status__in=[Status.PLANNED, Status.IN_EVALUATION])
        if Role.TECHNICAL_REVIEWER in roles:
            condition |= Q(~Exists(on_team), certification_body_id=body_id,
                           status=Status.TECHNICAL_REVIEW)
        if Role.DECISION_MAKER in roles:
            condition |= Q(~Exists(on_team), certification_body_id=body_id,
                           status=Status.DECISION)
    peer = PeerReview.objects.filter(application=OuterRef("pk"), reviewer=user, is_current=True)
    condition |= Q(Exists(peer), status=Status.PEER_REVIEW)
    return application_list_for_actor(user).filter(condition)
