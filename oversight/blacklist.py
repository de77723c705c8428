"""What a listing does beyond blocking gates: the listed body's open files are frozen and their
enterprises told, its labels are flagged for review, and the regulator's bulk orders on them.

The gates themselves (a listed party may not act) are `audits.selectors.blacklist_ensure_clear`,
called by the workflow's guards and the services.
"""

from collections.abc import Iterable
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import Role
from accounts.selectors import user_is_regulator
from audits.models import BlacklistEntry
from audits.selectors import blacklist_in_force
from certification.errors import ActorNotPermitted, WorkflowError
from certification.models import Application, Notification, Status
from labels.models import Label, LabelStatus, ReasonCode
from oversight.models import BlacklistLabelOrder, BlacklistLabelReview, LabelOrderKind

# Files still moving at their body: the ones a listing freezes.
IN_PROGRESS = (
    Status.DRAFT,
    Status.SUBMITTED,
    Status.ACCEPTED,
    Status.PLANNED,
    Status.IN_EVALUATION,
    Status.AWAITING_ENTERPRISE,
    Status.TECHNICAL_REVIEW,
    Status.PEER_REVIEW,
    Status.DECISION,
)
# Labels whose status a regulator may still act on.
LIVE_LABELS = (LabelStatus.VALID, LabelStatus.SUSPENDED)


def blacklist_listing_effects(entry: BlacklistEntry) -> None:
    """Run once the listing is in force: in the transaction that creates it, or on the sweep
    of the day it starts (``blacklist_effects_due``). Only a certification body's listing has
    these effects; an enterprise or a person is stopped at the gates alone."""
    entry.effects_applied_at = timezone.now()
    entry.save(update_fields=["effects_applied_at"])
    body = entry.organisation
    if body is None or not body.is_certification_body:
        return
    frozen = list(
        Application.objects.filter(certification_body=body, status__in=IN_PROGRESS)
        .select_related("enterprise", "product")
        .order_by("pk")
    )
    _notify_frozen(entry, frozen)
    labels = Label.objects.filter(certificate__certification_body=body, status__in=LIVE_LABELS)
    BlacklistLabelReview.objects.bulk_create(
        [BlacklistLabelReview(entry=entry, label=label) for label in labels.only("pk")],
        ignore_conflicts=True,
    )


def blacklist_effects_due(as_of: date) -> int:
    """The effects of the listings that came into force since they were created (run by the
    supervision sweep); returns how many listings took effect."""
    ids = list(
        BlacklistEntry.objects.filter(blacklist_in_force(as_of), effects_applied_at__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    applied = 0
    for pk in ids:
        with transaction.atomic():
            entry = (
                BlacklistEntry.objects.select_for_update(of=("self",), no_key=True)
                .filter(blacklist_in_force(as_of), pk=pk, effects_applied_at__isnull=True)
                .select_related("organisation")
                .first()
            )
            if entry is not None:  # else another sweep took it, or it was delisted since
                blacklist_listing_effects(entry)
                applied += 1
    return applied


def _notify_frozen(entry: BlacklistEntry, applications: list[Application]) -> None:
    """Tell each enterprise, in its people's own language, that its file is frozen and may move
    to another body. Inbox rows only: the e-mail sweep sends them after commit."""
    rows = []
    for application in applications:
        people = (
            User.objects.filter(
                memberships__organisation=application.enterprise,
                memberships__role__in=[Role.ENTERPRISE_ADMIN, Role.ENTERPRISE_MEMBER],
                is_active=True,
            )
            .distinct()
            .order_by("pk")
        )
        url = reverse("oversight:transfer", args=[application.pk])
        for person in people:
            with translation.override(person.notification_language):
                subject = _("%(reference)s is frozen: its certification body is blacklisted") % {
                    "reference": application.reference
                }
                body = _(
                    "%(body)s has been placed on the blacklist (%(source)s). Your application "
                    "%(reference)s for %(product)s cannot move on at this body. You may "
                    "transfer it to another accredited certification body, which continues "
                    "from your submission, or withdraw it."
                ) % {
                    "body": entry.organisation,
                    "source": entry.source_document,
                    "reference": application.reference,
                    "product": application.product,
                }
            rows.append(
                Notification(
                    recipient=person, application=application, subject=subject, body=body, url=url
                )
            )
    Notification.objects.bulk_create(rows)


def labels_special_surveillance_ordered(labels: Iterable[Label], reason: str) -> None:
    """A special surveillance of each label's certificate still in force (once per
    certificate), ordered by the regulator: the order (`BlacklistLabelOrder`) is its record."""
    from certification.models import CertificateStatus
    from oversight.supervision.services import surveillance_special_open

    certificates = {
        label.certificate
        for label in labels
        if label.certificate.status in (CertificateStatus.VALID, CertificateStatus.SUSPENDED)
    }
    for certificate in sorted(certificates, key=lambda c: c.pk):
        surveillance_special_open(actor=None, certificate=certificate, reason=reason)


def blacklist_labels_order(
    *, actor: User, entry_id: int, kind: str, reason: str
) -> BlacklistLabelOrder:
    """One bulk decision on every label flagged after a body's listing: suspend them all
    (through the label services, so the status list, the API and the webhooks follow), or
    order a special surveillance of them all."""
    from labels.services import (  # labels imports this app's models
        certificate_suspension_reason_change,
        label_change_status,
    )

    if not user_is_regulator(actor):
        raise ActorNotPermitted(_("Only the regulator orders action on a listed body's labels."))
    if kind not in LabelOrderKind.values:
        raise ValidationError({"kind": _("Choose suspension or special surveillance.")})
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for this order.")})
    with transaction.atomic():
        entry = BlacklistEntry.objects.select_for_update(no_key=True).get(pk=entry_id)
        if entry.delisted_at is not None:
            raise WorkflowError(_("This entry has been delisted."))
        if not BlacklistEntry.objects.filter(blacklist_in_force(), pk=entry.pk).exists():
            raise WorkflowError(_("This listing is not in force today."))
        if not entry.label_reviews.exists():
            raise WorkflowError(_("No label of this body is under review."))
        # Each label takes each kind of order once.
        reviews = list(
            entry.label_reviews.exclude(orders__kind=kind)
            .select_related("label")
            .order_by("label_id")
        )
        if not reviews:
            raise WorkflowError(_("Every label under review already has this order."))
        order = BlacklistLabelOrder.objects.create(
            entry=entry, kind=kind, reason=reason, ordered_by=actor
        )
        acted = []
        suspended: set[int] = set()  # one suspension per certificate reaches all its versions
        for review in reviews:
            label = Label.objects.select_related("certificate").get(pk=review.label_id)
            if kind == LabelOrderKind.SUSPENSION:
                if label.certificate_id not in suspended:
                    if label.status == LabelStatus.VALID:
                        label = label_change_status(
                            actor=actor,
                            label_id=label.pk,
                            action="suspend",
                            reason=reason,
                            reason_code=ReasonCode.REGULATOR_ORDER,
                        )
                    elif label.status == LabelStatus.SUSPENDED:
                        # Suspended already (by the holder, say): it stays so on the order,
                        # which only the regulator lifts; a voluntary end no longer restores it.
                        certificate_suspension_reason_change(
                            certificate_id=label.certificate_id,
                            reason=reason,
                            reason_code=ReasonCode.REGULATOR_ORDER,
                            actor=actor,
                        )
                        label.refresh_from_db()
                    else:
                        continue
                    suspended.add(label.certificate_id)
            elif label.status not in LIVE_LABELS:
                continue
            acted.append(label)
        acted_ids = {label.pk for label in acted}
        order.reviews.add(*[review for review in reviews if review.label_id in acted_ids])
        order.label_count = len(acted)
        order.save(update_fields=["label_count"])
        if kind == LabelOrderKind.SPECIAL_SURVEILLANCE:
            labels_special_surveillance_ordered(acted, reason)
    return order
