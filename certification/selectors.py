"""Reads. Every object read takes the user; missing and forbidden both raise Http404."""

from contextlib import suppress

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from accounts.identifiers import uscc_normalize
from accounts.models import User
from accounts.roles import Role
from accounts.selectors import (
    memberships_for,
    user_enterprise_ids,
    user_is_platform_admin,
    user_is_regulator,
)
from audits.models import PeerReview, TeamMember

from .identifiers import gtin_normalize
from .models import (
    Application,
    ApplicationEvent,
    ApplicationVariant,
    Certificate,
    EvidenceFile,
    Product,
    Status,
)

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
        application=OuterRef("pk"), action="withdraw", from_status=Status.DRAFT
    )
    return (
        Q(enterprise_id__in=user_enterprise_ids(user))
        | (
            Q(certification_body_id__in=body_ids)
            & ~Q(status=Status.DRAFT)
            & ~Q(Exists(withdrawn_draft))
        )
        | Q(Exists(peer))
    )


def application_list_for_actor(user: User) -> QuerySet[Application]:
    queryset = Application.objects.select_related(
        "enterprise", "certification_body", "product", "product__category"
    )
    visibility = application_visibility(user)
    return queryset if visibility is None else queryset.filter(visibility)


def application_search(applications: QuerySet[Application], text: str) -> QuerySet[Application]:
    """The applications of `applications` that `text` names: by reference, product name or
    model, enterprise name, legal name or USCC, GTIN, the number of its certificate (or of the
    one it renews) or a serial of its certificate's labels.

    It only narrows what it is given, so it finds nothing the caller may not read. A GTIN is
    stored as 14 digits: one typed as 8, 12 or 13 digits (as printed under a barcode) is found
    too. Several labels (versions) per certificate: matched with EXISTS, so no row repeats.
    """
    text = text.strip()
    if not text:
        return applications
    matches = (
        Q(reference__icontains=text)
        | Q(product__name__icontains=text)
        | Q(product__model__icontains=text)
        | Q(product__gtin__icontains=text)
        | Q(enterprise__name__icontains=text)
        | Q(enterprise__legal_name__icontains=text)
        | Q(enterprise__uscc__icontains=uscc_normalize(text))
        | Q(renews__number__icontains=text)
        | Q(
            Exists(
                Certificate.objects.filter(application=OuterRef("pk")).filter(
                    Q(number__icontains=text) | Q(labels__serial__iexact=text)
                )
            )
        )
    )
    with suppress(ValidationError):  # not a GTIN: the other keys decide
        matches |= Q(product__gtin=gtin_normalize(text))
    return applications.filter(matches)


def application_get_for_actor(user: User, pk: int | str) -> Application:
    try:
        return application_list_for_actor(user).get(pk=pk)
    except (Application.DoesNotExist, ValueError) as error:
        raise Http404 from error


# Of a certification body, those who read every file it holds once submitted (ISO/IEC 17065
# §4.5 confidentiality, need to know): its administrators, who plan the work, and the
# technical reviewers and decision makers, who take files they were not on. A reviewer reads
# only the files whose team they are on.
FILE_READER_ROLES = {Role.BODY_ADMIN, Role.TECHNICAL_REVIEWER, Role.DECISION_MAKER}


def application_was_submitted(application: Application) -> bool:
    """Whether the enterprise ever submitted it: not a draft, nor a draft it withdrew."""
    return (
        application.status != Status.DRAFT
        and not application.events.filter(action="withdraw", from_status=Status.DRAFT).exists()
    )


def application_verifier_needs_to_know(user: User, application: Application) -> bool:
    """The verifier's side of a submitted file: the body's people who need to know it (see
    FILE_READER_ROLES), its current peer reviewer and the regulator."""
    if not user.is_authenticated or user.pk is None:
        return False
    if PeerReview.objects.filter(application=application, reviewer=user, is_current=True).exists():
        return True
    body_roles = {
        m.role
        for m in memberships_for(user)
        if m.organisation_id == application.certification_body_id
    }
    if not (user_is_regulator(user) or body_roles):
        return False
    if not application_was_submitted(application):
        return False
    if user_is_regulator(user) or body_roles & FILE_READER_ROLES:
        return True
    return application.team.filter(user=user).exists()


def application_can_read_dossier(user: User, application: Application) -> bool:
    """The dossier, its files, findings, evaluation and inventory are confidential: the
    enterprise, and the verifier's side as far as it needs to know them. A platform
    administrator does not read them."""
    if application.enterprise_id in user_enterprise_ids(user):
        return True
    return application_verifier_needs_to_know(user, application)


def application_evidence(application: Application) -> QuerySet[EvidenceFile]:
    """The files uploaded to this application, and those its dossier versions carry from
    another one's (a renewal's or a sibling template's copy, ``dossiers.dossier_copy_into``)."""
    return EvidenceFile.objects.filter(
        Q(application=application) | Q(dossier_versions__application=application)
    ).distinct()


def evidence_get_for_actor(user: User, application: Application, pk: int | str) -> EvidenceFile:
    if not application_can_read_dossier(user, application):
        raise Http404
    try:
        return application_evidence(application).get(pk=pk)
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


def product_submitted_applications(product: Product) -> QuerySet[Application]:
    """Its applications the enterprise submitted (not drafts, nor drafts it withdrew), as the
    representative or as a variant of a family: from then on the product's identity is on a
    file a body holds, and on any certificate and label."""
    withdrawn_draft = ApplicationEvent.objects.filter(
        application=OuterRef("pk"), action="withdraw", from_status=Status.DRAFT
    )
    as_variant = ApplicationVariant.objects.filter(product=product).values("application_id")
    return (
        Application.objects.filter(Q(product=product) | Q(pk__in=as_variant))
        .exclude(status=Status.DRAFT)
        .exclude(Exists(withdrawn_draft))
    )


def product_is_editable_by(user: User, product: Product) -> bool:
    """The enterprise's people change a product only until it is first submitted."""
    return (
        product.enterprise_id in user_enterprise_ids(user)
        and not product_submitted_applications(product).exists()
    )


def work_queue_for(user: User) -> QuerySet[Application]:
    """Applications waiting for this person to act ("waiting for me")."""
    enterprise_ids = user_enterprise_ids(user)
    roles_by_body: dict[int, set[str]] = {}
    for membership in memberships_for(user):
        roles_by_body.setdefault(membership.organisation_id, set()).add(membership.role)
    on_team = TeamMember.objects.filter(application=OuterRef("pk"), user=user)
    condition = Q(
        enterprise_id__in=enterprise_ids, status__in=[Status.DRAFT, Status.AWAITING_ENTERPRISE]
    )
    for body_id, roles in roles_by_body.items():
        if Role.BODY_ADMIN in roles:
            condition |= Q(
                certification_body_id=body_id, status__in=[Status.SUBMITTED, Status.ACCEPTED]
            )
        if Role.REVIEWER in roles:
            condition |= Q(
                Exists(on_team),
                certification_body_id=body_id,
                status__in=[Status.PLANNED, Status.IN_EVALUATION],
            )
        if Role.TECHNICAL_REVIEWER in roles:
            condition |= Q(
                ~Exists(on_team), certification_body_id=body_id, status=Status.TECHNICAL_REVIEW
            )
        if Role.DECISION_MAKER in roles:
            condition |= Q(~Exists(on_team), certification_body_id=body_id, status=Status.DECISION)
    peer = PeerReview.objects.filter(application=OuterRef("pk"), reviewer=user, is_current=True)
    condition |= Q(Exists(peer), status=Status.PEER_REVIEW)
    return application_list_for_actor(user).filter(condition)
