"""Every write to complaints: submit, assign, move through the table, decide.

Each function takes the acting person (None for an anonymous complainant), runs in one
transaction, locks the complaint row, re-reads it, checks the table and the guards, writes and
records a ComplaintEvent; e-mail goes out after commit.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import Role
from audits.chain.services import chain_append
from certification.errors import ActorNotPermitted, TransitionNotAllowed
from certification.models import CertificateStatus, Notification
from config.uploads import check_upload
from labels import services as label_services
from labels.models import Label, ReasonCode
from oversight.complaints import hooks
from oversight.complaints.models import (
    Complaint,
    ComplaintAction,
    ComplaintCategory,
    ComplaintEvent,
)
from oversight.complaints.texts import contact_email, outcome_text
from oversight.complaints.workflow import (
    ASSIGNABLE,
    COMPLAINT_TRANSITIONS,
    STEP_LABELS,
    ComplaintContext,
    ComplaintStep,
    Relation,
    add_working_days,
    complaint_relations,
    person_uninvolved,
)

REFERENCE_ATTEMPTS = 20


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_reference() -> str:
    """CMP-<year>-<six random digits>: easy to read out on the phone, not a running count a
    stranger could walk through (the follow-up link's token, not the reference, grants access)."""
    return f"CMP-{timezone.localdate().year}-{secrets.randbelow(1_000_000):06d}"


@dataclass(frozen=True)
class SubmittedComplaint:
    complaint: Complaint
    token: str  # shown once, in the answer to the complainant; only its hash is stored


def complaint_submit(
    *,
    actor: User | AnonymousUser | None,
    label_serial: str,
    category: str,
    description: str,
    contact: str = "",
    attachment: UploadedFile | None = None,
    language: str = "zh-hans",
) -> SubmittedComplaint:
    """Record a complaint about a label and route it to the label's issuing body."""
    errors: dict[str, list[str]] = {}
    label = (
        Label.objects.select_related("certificate__certification_body")
        .filter(serial=label_serial)
        .first()
    )
    # A complaint about a label another version superseded (an editorial change, a renewal)
    # concerns the label in force: its QR code resolves there too.
    while label is not None and label.superseded_by_id is not None:
        label = Label.objects.select_related("certificate__certification_body").get(
            pk=label.superseded_by_id
        )
    if label is None:
        errors["label"] = [_("No label has this serial.")]
    if category not in ComplaintCategory.values:
        errors["category"] = [_("Choose a category.")]
    if not description.strip():
        errors["description"] = [_("Describe the problem.")]
    checked = None
    if attachment is not None:
        try:
            checked = check_upload(attachment)
        except ValidationError as error:
            errors["attachment"] = error.messages
    if errors:
        raise ValidationError(errors)
    assert label is not None
    person = actor if actor is not None and actor.is_authenticated else None
    token = secrets.token_urlsafe(32)
    today = timezone.localdate()
    for attempt in range(REFERENCE_ATTEMPTS):
        try:
            with transaction.atomic():
                complaint = Complaint(
                    reference=_new_reference(),
                    token_hash=token_hash(token),
                    label=label,
                    certificate=label.certificate,
                    body=label.certificate.certification_body,
                    category=category,
                    description=description.strip(),
                    contact=contact.strip(),
                    language=language,
                    complainant=person,
                    acknowledge_due=add_working_days(
                        today, settings.COMPLAINT_ACKNOWLEDGE_WORKING_DAYS
                    ),
                    decision_due=today + timedelta(days=settings.COMPLAINT_DECISION_DAYS),
                )
                if checked is not None and attachment is not None:
                    complaint.attachment = attachment
                    complaint.attachment_content_type = checked.content_type
                    complaint.attachment_sha256 = checked.sha256
                complaint.save()
                ComplaintEvent.objects.create(
                    complaint=complaint,
                    actor=person,
                    action="submit",
                    to_status=complaint.status,
                    comment="",
                )
                _notify_body(complaint)
                _chain(complaint, "submit", actor=person)
            return SubmittedComplaint(complaint=complaint, token=token)
        except IntegrityError:
            if attempt == REFERENCE_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def _notify_body(complaint: Complaint) -> None:
    """Inbox rows for the body's administrators, in each one's language."""
    recipients = (
        User.objects.filter(
            memberships__organisation=complaint.body,
            memberships__role=Role.BODY_ADMIN,
            is_active=True,
        )
        .distinct()
        .order_by("pk")
    )
    url = reverse("complaints_portal:detail", args=[complaint.reference])
    rows = []
    for recipient in recipients:
        with translation.override(recipient.notification_language):
            rows.append(
                Notification(
                    recipient=recipient,
                    url=url,
                    subject=_("New complaint %(reference)s about label %(serial)s")
                    % {"reference": complaint.reference, "serial": complaint.label.serial},
                    body=_("Acknowledge it by %(date)s and decide by %(decision)s.")
                    % {"date": complaint.acknowledge_due, "decision": complaint.decision_due},
                )
            )
    Notification.objects.bulk_create(rows)


def _locked(complaint_id: int) -> Complaint:
    return (
        Complaint.objects.select_for_update(of=("self",), no_key=True)
        .select_related("body", "certificate", "label")
        .get(pk=complaint_id)
    )


def complaint_assign(*, actor: User, complaint_id: int, handler: User) -> Complaint:
    """The body's administrator names the handler; the handler must be uninvolved."""
    with transaction.atomic():
        complaint = _locked(complaint_id)
        if Relation.BODY_ADMIN not in complaint_relations(actor, complaint):
            raise ActorNotPermitted(_("Only the body's administrator assigns a handler."))
        if complaint.status not in ASSIGNABLE:
            raise TransitionNotAllowed(_("A decided complaint keeps its handler."))
        person_uninvolved(complaint, handler)
        complaint.handler = handler
        complaint.save(update_fields=["handler"])
        ComplaintEvent.objects.create(
            complaint=complaint,
            actor=actor,
            action="assign",
            from_status=complaint.status,
            to_status=complaint.status,
            comment=str(handler),
        )
        if handler.pk != actor.pk:
            with translation.override(handler.notification_language):
                Notification.objects.create(
                    recipient=handler,
                    url=reverse("complaints_portal:detail", args=[complaint.reference]),
                    subject=_("You handle complaint %(reference)s")
                    % {"reference": complaint.reference},
                    body=_("Decide by %(decision)s.") % {"decision": complaint.decision_due},
                )
        _chain(complaint, "assign", actor=actor, data={"handler": handler.pk})
    return complaint


def complaint_transition(
    *,
    actor: User,
    complaint_id: int,
    step: str,
    comment: str = "",
    outcome: str = "",
    actions: tuple[str, ...] | list[str] = (),
    finding: str = "",
) -> Complaint:
    """The only writer of Complaint.status: lock, re-read, table, relation, guards, write, event,
    then the decision's effects in the same transaction."""
    with transaction.atomic():
        complaint = _locked(complaint_id)
        transition = COMPLAINT_TRANSITIONS.get((complaint.status, step))
        if transition is None:
            raise TransitionNotAllowed(
                _("“%(step)s” is not possible while the complaint is %(status)s.")
                % {"step": STEP_LABELS.get(step, step), "status": complaint.get_status_display()}
            )
        if not transition.relations & complaint_relations(actor, complaint):
            raise ActorNotPermitted(_("Your role does not allow this step."))
        context = ComplaintContext(
            complaint=complaint,
            actor=actor,
            comment=comment,
            outcome=outcome,
            actions=tuple(dict.fromkeys(actions)),
            finding=finding,
        )
        for guard in transition.guards:
            guard(context)

        from_status = complaint.status
        now = timezone.now()
        complaint.status = transition.target
        fields = ["status"]
        if step == ComplaintStep.ACKNOWLEDGE:
            complaint.acknowledged_at = now
            fields.append("acknowledged_at")
        elif step == ComplaintStep.DECIDE:
            complaint.outcome = outcome
            complaint.actions = list(context.actions)
            complaint.decision_reason = comment.strip()
            complaint.finding_against_body = (
                finding.strip() if ComplaintAction.FINDING_AGAINST_BODY in context.actions else ""
            )
            complaint.decided_at = now
            fields += [
                "outcome",
                "actions",
                "decision_reason",
                "finding_against_body",
                "decided_at",
            ]
        elif step == ComplaintStep.CLOSE:
            complaint.closed_at = now
            fields.append("closed_at")
        complaint.save(update_fields=fields)
        ComplaintEvent.objects.create(
            complaint=complaint,
            actor=actor,
            action=step,
            from_status=from_status,
            to_status=complaint.status,
            comment=comment,
        )
        if step == ComplaintStep.DECIDE:
            _apply_outcome(complaint, actor)
        # After the decision's effects: they lock the certificate and its labels first.
        _chain(complaint, step, actor=actor, data={"from": from_status, "comment": comment})
    return complaint


def _chain(
    complaint: Complaint, action: str, *, actor: User | None, data: dict | None = None
) -> None:
    """The audit chain's entry of a complaint's step. The complainant's own words and contact
    stay in the complaint; the chain pins the description and attachment by their SHA-256."""
    chain_append(
        f"audits:complaint:{action}",
        {
            "reference": complaint.reference,
            "label": complaint.label.serial,
            "category": complaint.category,
            "status": complaint.status,
            "descriptionSha256": hashlib.sha256(complaint.description.encode()).hexdigest(),
            "attachmentSha256": complaint.attachment_sha256,
            "outcome": complaint.outcome,
            "actions": list(complaint.actions),
            "decisionReason": complaint.decision_reason,
            "findingAgainstBody": complaint.finding_against_body,
            **(data or {}),
        },
        actor=actor,
        application_id=complaint.certificate.application_id,
        certificate_id=complaint.certificate_id,
        body_id=complaint.body_id,
    )


def _apply_outcome(complaint: Complaint, actor: User) -> None:
    """Effects of the decision, through the services that own them; any refusal rolls the
    whole decision back."""
    reason = _("Complaint %(reference)s founded: %(reason)s") % {
        "reference": complaint.reference,
        "reason": complaint.decision_reason,
    }
    if ComplaintAction.SUSPEND_LABEL in complaint.actions:
        if complaint.certificate.status == CertificateStatus.SUSPENDED:
            # Already suspended (voluntarily, say): it stays so, now for this complaint.
            label_services.certificate_suspension_reason_change(
                certificate_id=complaint.certificate_id,
                reason=reason,
                actor=actor,
                reason_code=ReasonCode.COMPLAINT_FOUNDED,
            )
        else:
            label_services.label_change_status(
                actor=actor,
                label_id=complaint.label_id,
                action="suspend",
                reason=reason,
                reason_code=ReasonCode.COMPLAINT_FOUNDED,
            )
    if ComplaintAction.REVOKE_LABEL in complaint.actions:
        label_services.label_change_status(
            actor=actor,
            label_id=complaint.label_id,
            action="revoke",
            reason=reason,
            reason_code=ReasonCode.COMPLAINT_FOUNDED,
        )
    if ComplaintAction.SPECIAL_SURVEILLANCE in complaint.actions:
        ComplaintEvent.objects.create(
            complaint=complaint,
            actor=actor,
            action="special_surveillance_requested",
            from_status=complaint.status,
            to_status=complaint.status,
            comment=complaint.decision_reason,
        )
        hooks.complaint_special_surveillance_requested(complaint)
    _notify_complainant(complaint)


def _notify_complainant(complaint: Complaint) -> None:
    if complaint.complainant is not None:
        with translation.override(complaint.complainant.notification_language):
            Notification.objects.create(
                recipient=complaint.complainant,
                url="",
                subject=_("Your complaint %(reference)s was decided")
                % {"reference": complaint.reference},
                body=outcome_text(complaint),
            )
    if contact_email(complaint.contact):
        from oversight.complaints.tasks import complaint_outcome_email_send

        complaint_id = complaint.pk
        transaction.on_commit(lambda: complaint_outcome_email_send.delay(complaint_id), robust=True)
