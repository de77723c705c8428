"""What a step does besides moving the status: the effects the transition table names beside its
guards (``workflow.TRANSITIONS``). Each takes the step's context and runs in its transaction,
after the status is saved and the event recorded; a failure rolls the whole step back.
"""

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organisation
from audits.models import PeerReviewOutcome
from footprint.services import recomputation_store_at_freeze

from . import hooks
from .dossiers import current_dossier_version, dossier_version_open_next
from .errors import WorkflowError
from .models import Application, Certificate, SurveillanceOutcome
from .steps import StepContext


def dossier_freeze(step: StepContext) -> None:
    """The submitted version is frozen, with the footprint recomputed from its inventory."""
    version = current_dossier_version(step.application)
    version.frozen_at = timezone.now()
    version.save(update_fields=["frozen_at"])
    recomputation_store_at_freeze(version=version, actor=step.actor)


def dossier_open_next(step: StepContext) -> None:
    """The enterprise answers findings in a new version, a copy of the frozen one."""
    dossier_version_open_next(step.application)


def peer_review_pending(step: StepContext) -> None:
    step.application.peer_reviews.filter(is_current=True).update(outcome=PeerReviewOutcome.PENDING)


def peer_review_sent_back(step: StepContext) -> None:
    step.application.peer_reviews.filter(is_current=True).update(
        outcome=PeerReviewOutcome.SENT_BACK, comments=step.comment
    )


def peer_review_endorsed(step: StepContext) -> None:
    step.application.peer_reviews.filter(is_current=True).update(
        outcome=PeerReviewOutcome.ENDORSED, comments=step.comment
    )


def certificate_issue(step: StepContext) -> None:
    """The certificate is created now; its label is issued by a task once the approval is
    committed, with no manual step. (A function, not a partial: Django names it when it logs a
    failure, such as the broker being down, which the pending-label sweep then makes good.)"""
    certificate_id = certificate_create(application=step.application).pk
    transaction.on_commit(lambda: hooks.certificate_approved(certificate_id), robust=True)


def certificate_create(*, application: Application) -> Certificate:
    """Create the certificate record at approval; its label is issued after commit."""
    body = application.certification_body
    today = timezone.localdate()
    # Lock the body row so two approvals at once cannot take the same sequence number.
    Organisation.objects.select_for_update(no_key=True).get(pk=body.pk)
    sequence = (
        Certificate.objects.filter(certification_body=body).aggregate(Max("sequence"))[
            "sequence__max"
        ]
        or 0
    ) + 1
    number = settings.CERTIFICATE_NUMBER_FORMAT.format(
        body_code=(body.code or "").upper(), year=today.year, sequence=sequence
    )
    version = (
        application.dossier_versions.filter(frozen_at__isnull=False).order_by("-number").first()
    )
    if version is None or version.declared_total is None:
        raise WorkflowError(_("No frozen dossier with a declared footprint."))
    validity = timedelta(days=settings.CERTIFICATE_VALIDITY_DAYS)
    renewed = application.renews
    # A renewal continues the old certificate without a gap: its validity runs on from the
    # old one's end, however early the renewal was approved.
    valid_until = (max(renewed.valid_until, today) if renewed else today) + validity
    certificate = Certificate(
        application=application,
        number=number,
        sequence=sequence,
        certification_body=body,
        enterprise=application.enterprise,
        product=application.product,
        dossier_version=version,
        scheme=application.scheme,
        declared_total=Decimal(version.declared_total),
        issued_on=today,
        valid_until=valid_until,
        renews=renewed,
    )
    certificate_rules_record(certificate)
    certificate.save()
    hooks.surveillance_schedule_create(certificate)
    if renewed:
        # The renewal's evaluation replaces what was left of the old certificate's surveillance.
        hooks.surveillances_close(renewed, SurveillanceOutcome.RENEWED)
    return certificate


def certificate_rules_record(certificate: Certificate) -> None:
    """Copy today's settings onto a new certificate: later changes do not move its dates."""
    certificate.surveillance_interval_months = settings.SURVEILLANCE_INTERVAL_MONTHS
    certificate.surveillance_grace_days = settings.SURVEILLANCE_GRACE_DAYS
    certificate.suspension_decision_days = settings.SUSPENSION_DECISION_DAYS
    certificate.suspension_max_days = settings.SUSPENSION_MAX_DAYS
    certificate.renewal_window_days = settings.RENEWAL_WINDOW_DAYS
