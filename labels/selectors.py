"""Reads of labels. Public reads expose public fields only, never the dossier."""

from django.db.models import Q, QuerySet
from django.http import Http404

from accounts.models import User
from accounts.roles import Role
from accounts.selectors import memberships_for, user_is_platform_admin, user_is_regulator

from .models import Label

PUBLIC_RELATED = (
    "certificate",
    "certificate__certification_body",
    "certificate__enterprise",
    "certificate__product",
    "certificate__product__category",
    "certificate__application",
    "signing_key",
    "superseded_by",
    "variant__product",
)


def label_get_public(serial: str) -> Label:
    label = Label.objects.select_related(*PUBLIC_RELATED).filter(serial=serial).first()
    if label is None:
        raise Http404
    return label


def labels_for_gtin(gtin: str) -> QuerySet[Label]:
    return Label.objects.select_related(*PUBLIC_RELATED).filter(gtin=gtin)


def label_list_for_actor(user: User) -> QuerySet[Label]:
    """Labels a signed-in person manages or holds: the issuing body's people and the holder."""
    queryset = Label.objects.select_related(*PUBLIC_RELATED)
    if user_is_regulator(user) or user_is_platform_admin(user):
        return queryset
    organisation_ids = {m.organisation_id for m in memberships_for(user)}
    return queryset.filter(
        Q(certificate__certification_body_id__in=organisation_ids)
        | Q(certificate__enterprise_id__in=organisation_ids)
    )


def label_get_for_actor(user: User, serial: str) -> Label:
    label = label_list_for_actor(user).filter(serial=serial).first()
    if label is None:
        raise Http404
    return label


def user_manages_label(user: User, label: Label) -> bool:
    body_id = label.certificate.certification_body_id
    return any(
        m.organisation_id == body_id and m.role in (Role.BODY_ADMIN, Role.DECISION_MAKER)
        for m in memberships_for(user)
    )


def user_holds_label(user: User, label: Label) -> bool:
    return any(m.organisation_id == label.certificate.enterprise_id for m in memberships_for(user))


def status_history_public(certificate) -> list[dict]:
    """The certificate's public status history with readable names, newest first."""
    from certification.models import CertificateStatus

    from .models import ReasonCode

    def name(choices, value: str) -> str:
        return str(choices(value).label) if value in choices.values else value

    return [
        {
            **entry,
            "status_label": name(CertificateStatus, entry["status"]),
            "reason_label": name(ReasonCode, entry["reason"]),
        }
        for entry in reversed(certificate.status_history)
    ]
