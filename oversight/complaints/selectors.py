"""Reads of complaints. Missing and forbidden look the same (404)."""

from datetime import date

from django.db.models import Q, QuerySet
from django.http import Http404

from accounts.models import User
from accounts.selectors import user_body_ids, user_is_regulator
from oversight.complaints.models import Complaint
from oversight.complaints.workflow import OPEN_STATUSES, ComplaintStatus

RELATED = ("label", "body", "certificate", "certificate__product", "handler")


def complaint_list_for_actor(user: User) -> QuerySet[Complaint]:
    """The regulator sees every complaint; a body's people see the complaints about the labels
    it issued; anyone else sees none."""
    queryset = Complaint.objects.select_related(*RELATED)
    if user_is_regulator(user):
        return queryset
    return queryset.filter(body_id__in=user_body_ids(user))


def complaint_get_for_actor(user: User, reference: str) -> Complaint:
    complaint = complaint_list_for_actor(user).filter(reference=reference).first()
    if complaint is None:
        raise Http404
    return complaint


def complaint_get_by_token(token: str) -> Complaint:
    """The complaint a private follow-up link points to (404 for any other token)."""
    from oversight.complaints.services import token_hash

    complaint = (
        Complaint.objects.select_related("label", "body")
        .filter(token_hash=token_hash(token))
        .first()
    )
    if complaint is None:
        raise Http404
    return complaint


def overdue_condition(as_of: date) -> Q:
    """Past a deadline on `as_of`: not acknowledged by `acknowledge_due`, or not decided by
    `decision_due`."""
    return Q(status=ComplaintStatus.RECEIVED, acknowledge_due__lt=as_of) | Q(
        status__in=OPEN_STATUSES, decision_due__lt=as_of
    )


def complaints_overdue(as_of: date) -> QuerySet[Complaint]:
    """Complaints past a deadline on `as_of` (for the regulator's dashboard)."""
    return Complaint.objects.select_related(*RELATED).filter(overdue_condition(as_of))
