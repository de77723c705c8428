"""Writes of labels: issuance and every status change, each recorded as a LabelEvent.

Issuance is idempotent (one label per certificate version, enforced by a unique constraint and
re-checked under a lock). A status change updates the label row and the status list bit in one
transaction, so the public page, the API and the signed list change together.
"""

import hashlib
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from accounts.models import Organisation, User
from accounts.roles import Role
from accounts.selectors import user_has_role, user_is_regulator, user_organisations
from audits.chain.services import ChainEvent, chain_append_many
from audits.dashboard import facts as dashboard_facts
from audits.selectors import (
    blacklist_ensure_body_may_act,
    blacklist_ensure_clear,
    blacklist_in_force,
)
from audits.transparency import services as transparency
from certification import hooks as certification_hooks
from certification.errors import ActorNotPermitted, TransitionNotAllowed
from certification.models import (
    ApplicationVariant,
    Certificate,
    CertificateStatus,
    Notification,
    SurveillanceOutcome,
)
from certification.notifications import certificate_people, notification_emails_queue

from . import answers, hooks, keys, statuslists
from .credentials import build_label_credential
from .documents import certificate_render
from .models import Label, LabelEvent, LabelStatus, ReasonCode, SigningKey
from .rendering.qr import new_serial
from .vc.dataintegrity import sign
from .vc.dates import format_date_time
from .vc.jcs import canonicalize
from .webhooks.outbox import webhook_deliveries_create

# What each LabelEvent action reads as, for people.
EVENT_LABELS = {
    "issued": gettext_lazy("issued"),
    "suspended": gettext_lazy("suspended"),
    "restored": gettext_lazy("restored"),
    "revoked": gettext_lazy("revoked"),
    "cancelled": gettext_lazy("cancelled"),
    "expired": gettext_lazy("expired"),
    "key_revoked": gettext_lazy("signing key revoked"),
    "superseded": gettext_lazy("superseded by a new version"),
}


def notify_label_event(
    *, label: Label, event: str, reason: str, reason_code: str
) -> list[Notification]:
    """Inbox rows (and e-mails after commit) about a label's status change, each written in
    its recipient's language."""
    certificate = label.certificate
    url = reverse("labels_portal:manage", args=[label.serial])
    rows = []
    for recipient in sorted(certificate_people(certificate), key=lambda u: u.pk):
        with translation.override(recipient.notification_language):
            what = str(EVENT_LABELS.get(event, event))
            why = (
                str(ReasonCode(reason_code).label)
                if reason_code in ReasonCode.values
                else reason_code
            )
            subject = _("Certificate %(number)s: label %(event)s") % {
                "number": certificate.number,
                "event": what,
            }
            body = _(
                "The label %(serial)s of %(product)s (%(enterprise)s) was %(event)s: %(why)s."
            ) % {
                "serial": label.serial,
                "product": certificate.product,
                "enterprise": certificate.enterprise,
                "event": what,
                "why": why,
            }
            if reason:
                body += "\n\n" + _("Comment: %(comment)s") % {"comment": reason}
        rows.append(
            Notification(
                recipient=recipient,
                application=certificate.application,
                subject=subject,
                body=body,
                url=url,
            )
        )
    Notification.objects.bulk_create(rows)
    notification_emails_queue([row.pk for row in rows])
    return rows


# (from status, action) → to status. Expiry comes from the clock, not from a person.
LABEL_TRANSITIONS = {
    (LabelStatus.VALID, "suspend"): LabelStatus.SUSPENDED,
    (LabelStatus.SUSPENDED, "restore"): LabelStatus.VALID,
    (LabelStatus.VALID, "revoke"): LabelStatus.REVOKED,
    (LabelStatus.SUSPENDED, "revoke"): LabelStatus.REVOKED,
    (LabelStatus.VALID, "cancel"): LabelStatus.CANCELLED,
    (LabelStatus.SUSPENDED, "cancel"): LabelStatus.CANCELLED,
    (LabelStatus.VALID, "expire"): LabelStatus.EXPIRED,
    (LabelStatus.SUSPENDED, "expire"): LabelStatus.EXPIRED,
    # Only when an appeal overturned the withdrawal (see `_ensure_withdrawal_overturned`).
    (LabelStatus.REVOKED, "reinstate"): LabelStatus.VALID,
}
LABEL_ACTIONS = ("suspend", "restore", "revoke", "cancel")
APPEAL_ACTIONS = ("reinstate",)
CERTIFICATE_STATUS = {
    LabelStatus.VALID: CertificateStatus.VALID,
    LabelStatus.SUSPENDED: CertificateStatus.SUSPENDED,
    LabelStatus.REVOKED: CertificateStatus.REVOKED,
    LabelStatus.CANCELLED: CertificateStatus.CANCELLED,
    LabelStatus.EXPIRED: CertificateStatus.EXPIRED,
}


def label_issue(*, certificate_id: int, certificate_version: int = 1) -> Label:
    """Issue and sign the label of an approved certificate; a second call returns the first.

    A certificate covering a product family gets, in the same transaction, one label of its
    own for each variant (its own serial, status entries, QR and public page, and the value
    computed from the representative's); the representative's label is the one returned.
    """
    existing = Label.objects.filter(
        certificate_id=certificate_id, certificate_version=certificate_version, variant=None
    ).first()
    if existing:
        return existing
    try:
        with transaction.atomic():
            certificate = (
                Certificate.objects.select_for_update(no_key=True)
                .select_related(
                    "application", "certification_body", "enterprise", "product", "dossier_version"
                )
                .get(pk=certificate_id)
            )
            existing = Label.objects.filter(
                certificate=certificate, certificate_version=certificate_version, variant=None
            ).first()
            if existing:
                return existing
            # A listed body's approval produces no label: the certificate stays "approved,
            # label pending" until the body is delisted (the pending sweep then issues it).
            blacklist_ensure_body_may_act(certificate.certification_body)
            # Read under the lock: a suspension or withdrawal committed since the caller looked
            # must not get a new valid label beside its own.
            if certificate.status not in (CertificateStatus.PENDING_LABEL, CertificateStatus.VALID):
                raise TransitionNotAllowed(_("Only a valid certificate's label is re-issued."))
            variants = list(
                certificate.application.variants.select_related("product").order_by("pk")
            )
            issued = [
                _label_sign(certificate, certificate_version, variant)
                for variant in [None, *variants]
            ]
            label = issued[0]
            reason_code = (
                ReasonCode.ISSUED if certificate_version == 1 else ReasonCode.EDITORIAL_CHANGE
            )
            previous = []
            for each in issued:
                LabelEvent.objects.create(label=each, action="issued", reason_code=reason_code)
                notify_label_event(label=each, event="issued", reason="", reason_code=reason_code)
                previous += _supersede(certificate, each)
                webhook_deliveries_create(label=each, action="issued")
            answers.labels_changed([*issued, *previous])
            if certificate.status == CertificateStatus.PENDING_LABEL:
                certificate.status = CertificateStatus.VALID
                history_append(
                    certificate,
                    day=timezone.localdate(),
                    status=certificate.status,
                    reason=ReasonCode.ISSUED,
                )
                certificate.save(update_fields=["status", "status_history"])
            label_supervision_refresh(certificate)
            if certificate.renews is not None:
                label_supervision_refresh(certificate.renews)
            for each in issued:
                # A function, not a partial: Django names it when it logs a failure.
                def after_issue(label_id: int = each.pk) -> None:
                    _after_issue(label_id)

                transaction.on_commit(after_issue, robust=True)
            # The chain, then the log: the lock order of audits/chain/services.py.
            chain_append_many(
                [
                    *(
                        _label_chain_event(each, "issued", reason_code=reason_code)
                        for each in issued
                    ),
                    *(
                        _label_chain_event(old, "superseded", reason=superseding.serial)
                        for old in previous
                        if (superseding := old.superseded_by) is not None
                    ),
                ]
            )
            for each in issued:
                transparency.log_label_issued(
                    each, reason_code=reason_code, credential_sha256=credential_sha256(each)
                )
            return label
    except IntegrityError:
        # Another worker issued it between our check and our insert.
        return Label.objects.get(
            certificate_id=certificate_id, certificate_version=certificate_version, variant=None
        )


def _label_sign(
    certificate: Certificate, certificate_version: int, variant: ApplicationVariant | None
) -> Label:
    """One signed label row with its own serial and status list entries."""
    body = certificate.certification_body
    key = keys.signing_key_active(body)
    revocation_list, revocation_index = statuslists.allocate_index(
        body, "revocation", "revocation_index"
    )
    suspension_list, suspension_index = statuslists.allocate_index(
        body, "suspension", "suspension_index"
    )
    serial = _unused_serial()
    fields = {
        "revocation_list": revocation_list,
        "revocation_index": revocation_index,
        "suspension_list": suspension_list,
        "suspension_index": suspension_index,
    }
    unsigned = build_label_credential(
        certificate=certificate, serial=serial, label_fields=fields, variant=variant
    )
    now = timezone.now()
    credential = sign(
        unsigned,
        keys.private_key(key),
        keys.verification_method(key),
        format_date_time(now),
    )
    product = variant.product if variant else certificate.product
    label = Label.objects.create(
        certificate=certificate,
        certificate_version=certificate_version,
        variant=variant,
        serial=serial,
        gtin=product.gtin or "",
        credential=credential,
        issuer=keys.body_did(body),
        signing_key=key,
        issued_at=now,
        valid_from=_parse(unsigned["validFrom"]),
        valid_until=_parse(unsigned["validUntil"]),
        **fields,
    )
    for status_list in (revocation_list, suspension_list):
        if status_list.signed_at is None:
            statuslists.sign_list(status_list)
    return label


def credential_sha256(label: Label) -> str:
    """What pins the content of an issued label in the chain and the transparency log: SHA-256
    of its signed credential's RFC 8785 form."""
    return hashlib.sha256(canonicalize(label.credential)).hexdigest()


def _label_chain_event(
    label: Label,
    event: str,
    *,
    actor: User | None = None,
    reason: str = "",
    reason_code: str = "",
    certificate: Certificate | None = None,
) -> ChainEvent:
    """The audit chain's entry of a label's issuance or status change."""
    certificate = certificate or label.certificate
    data = {
        "label": label.serial,
        "certificate": certificate.number,
        "certificateVersion": label.certificate_version,
        "status": label.status,
        "reason": reason,
        "reasonCode": reason_code,
    }
    if event == "issued":
        data["credentialSha256"] = credential_sha256(label)
        data["signingKey"] = label.signing_key_id
    return ChainEvent(
        kind=f"labels:label:{event}",
        data=data,
        actor_id=actor.pk if actor is not None else None,
        application_id=certificate.application_id,
        certificate_id=certificate.pk,
        body_id=certificate.certification_body_id,
    )


def _supersede(certificate: Certificate, label: Label) -> list[Label]:
    """An editorial re-issue: the versions before it stay verifiable and point to it."""
    # A renewal's first label supersedes the renewed certificate's labels the same way. Each
    # product of a family has its own line of versions: a label supersedes its own product's.
    certificates = (
        [certificate.pk, certificate.renews_id] if certificate.renews_id else [certificate.pk]
    )
    product_id = label.variant.product_id if label.variant is not None else certificate.product_id
    previous = list(
        Label.objects.select_for_update(of=("self",), no_key=True)
        .filter(certificate_id__in=certificates, superseded_by__isnull=True)
        .filter(
            Q(variant__isnull=True, certificate__product_id=product_id)
            | Q(variant__product_id=product_id)
        )
        .exclude(pk=label.pk)
    )
    for old in previous:
        old.superseded_by = label
        old.content_version += 1
        old.document_stale = True
        old.save(update_fields=["superseded_by", "content_version", "document_stale"])
        LabelEvent.objects.create(
            label=old,
            action="superseded",
            reason_code=ReasonCode.EDITORIAL_CHANGE,
            reason=label.serial,
        )
    return previous


def _after_issue(label_id: int) -> None:
    _render_later([label_id])


def _unused_serial() -> str:
    while True:
        serial = new_serial()
        if not Label.objects.filter(serial=serial).exists():
            return serial


def _parse(text: str):
    from .vc.dates import parse_date_time

    return parse_date_time(text)


def _ensure_body_admin(actor: User | None, body: Organisation) -> None:
    if actor is None:
        return  # the clock (expiry) and the platform's own tasks act without a person
    if not (
        user_has_role(actor, Role.BODY_ADMIN, body)
        or user_has_role(actor, Role.DECISION_MAKER, body)
    ):
        raise ActorNotPermitted(_("Only the issuing body may change this label's status."))


# Besides the issuing body, oversight may act on a label, each within its own narrow reason:
# the inspector drawn to re-inspect its certificate (while that re-inspection is open) suspends
# or withdraws it; the regulator suspends a label flagged for review after its body's listing.
INSPECTOR_ACTIONS = ("suspend", "revoke")
REGULATOR_ACTIONS = ("suspend",)


# Suspensions only the regulator lifts: it ordered them, or its random sampling's inspector
# imposed them. Nothing the body decides replaces them, and they are not appealed to the body.
NOT_LIFTED_BY_THE_BODY = {ReasonCode.REGULATOR_ORDER, ReasonCode.REINSPECTION}
NOT_LIFTED_MESSAGE = gettext_lazy(
    "This suspension was imposed by the regulator or a random-sampling re-inspection: only "
    "the regulator lifts it."
)
# What a listed body or person may still do to a label: protect the public, not undo.
PROTECTIVE_ACTIONS = ("suspend", "revoke")


def _ensure_may_change(actor: User | None, label: Label, action: str) -> None:
    body = label.certificate.certification_body
    if actor is None:
        return
    if user_has_role(actor, Role.BODY_ADMIN, body) or user_has_role(
        actor, Role.DECISION_MAKER, body
    ):
        if action not in PROTECTIVE_ACTIONS:
            blacklist_ensure_body_may_act(body)
            blacklist_ensure_clear(people=[actor])
        return
    if action in INSPECTOR_ACTIONS and hooks.reinspection_assigned(actor, label.certificate_id):
        blacklist_ensure_clear(people=[actor], organisations=user_organisations(actor))
        return
    if user_is_regulator(actor) and _regulator_may(label, action):
        return
    _ensure_body_admin(actor, body)


def _regulator_may(label: Label, action: str) -> bool:
    """The regulator lifts a suspension it ordered or its re-inspection imposed, and suspends a
    label flagged under a listing in force."""
    if action == "restore":
        return label.certificate.suspension_reason_code in NOT_LIFTED_BY_THE_BODY
    return (
        action in REGULATOR_ACTIONS
        and label.blacklist_reviews.filter(blacklist_in_force(prefix="entry__")).exists()
    )


def label_actions_for(actor: User, label: Label, manages: bool) -> list[str]:
    """The status changes ``actor`` may make to ``label`` by hand (the portal's buttons), as
    ``label_change_status`` accepts them; ``manages``: a person of the issuing body who decides.
    The body does not lift a suspension only the regulator lifts; the regulator lifts it, and
    suspends a label flagged under a listing in force."""
    possible = [a for a in LABEL_ACTIONS if (label.status, a) in LABEL_TRANSITIONS]
    if manages:
        regulators = label.certificate.suspension_reason_code in NOT_LIFTED_BY_THE_BODY
        return [a for a in possible if not (a == "restore" and regulators)]
    if not user_is_regulator(actor):
        return []
    return [a for a in possible if _regulator_may(label, a)]


def reason_code_of(actor: User, manages: bool) -> str:
    """What a change ``actor`` makes by hand is recorded as: the regulator's order, or the
    body's decision."""
    if not manages and user_is_regulator(actor):
        return ReasonCode.REGULATOR_ORDER
    return ReasonCode.BODY_DECISION


def label_change_status(
    *,
    actor: User | None,
    label_id: int,
    action: str,
    reason: str,
    reason_code: str = ReasonCode.BODY_DECISION,
) -> Label:
    """Suspend, restore, revoke, cancel or expire a label (and every current version of its
    certificate) on the issuing body's decision, with the reason recorded."""
    with transaction.atomic():
        # The certificate's lock first: who may change it (the reason of its suspension)
        # is read as it is once no other change can commit in between.
        certificate_id = Label.objects.values_list("certificate_id", flat=True).get(pk=label_id)
        Certificate.objects.select_for_update(no_key=True).filter(pk=certificate_id).first()
        label = Label.objects.select_related("certificate__certification_body").get(pk=label_id)
        _ensure_may_change(actor, label, action)
        if actor is not None and action not in LABEL_ACTIONS + APPEAL_ACTIONS:
            raise TransitionNotAllowed(_("Expiry comes from the validity period, not a person."))
        if action in APPEAL_ACTIONS:
            _ensure_withdrawal_overturned(actor, label)
        if (
            action == "restore"
            and label.certificate.suspension_reason_code in NOT_LIFTED_BY_THE_BODY
            and (actor is None or not user_is_regulator(actor))
        ):
            raise ActorNotPermitted(NOT_LIFTED_MESSAGE)
        if actor is not None and not reason.strip():
            raise ValidationError({"reason": _("Give the reason for this change.")})
        certificate_status_apply(
            certificate_id=label.certificate_id,
            action=action,
            reason=reason,
            reason_code=reason_code,
            actor=actor,
        )
        label.refresh_from_db()
    return label


def certificate_status_apply(
    *,
    certificate_id: int,
    action: str,
    reason: str,
    reason_code: str,
    actor: User | None = None,
    on: date | None = None,
    voluntary_until: date | None = None,
    expected_status: str | None = None,
) -> Certificate | None:
    """The only writer of a certificate's and its labels' status; callers check who may act.

    Locks the certificate, re-reads its status, checks the transition, then changes every label
    of the certificate that is still in force (an editorial re-issue leaves older versions
    verifiable, and they must not stay valid when the certificate is not), their status list
    bits, the public history, the suspension clock, the webhook outbox and the inbox, all in
    one transaction. `expected_status`: return None, changing nothing, when the status is no
    longer the one a sweep planned from.
    """
    day = on or timezone.localdate()
    with transaction.atomic():
        certificate = (
            Certificate.objects.select_for_update(of=("self",), no_key=True)
            .select_related("certification_body", "enterprise")
            .get(pk=certificate_id)
        )
        if expected_status is not None and certificate.status != expected_status:
            return None
        current = (
            LabelStatus(certificate.status) if certificate.status in LabelStatus.values else None
        )
        target = LABEL_TRANSITIONS.get((current, action)) if current else None
        if target is None:
            raise TransitionNotAllowed(
                _("A %(status)s label cannot be %(action)s.")
                % {
                    "status": certificate.get_status_display(),
                    "action": EVENT_LABELS.get(_event_name(action), action),
                }
            )
        labels = list(
            Label.objects.select_for_update(no_key=True)
            .filter(certificate=certificate, status=current)
            .order_by("pk")
        )
        now = timezone.now()
        event = _event_name(action)
        for label in labels:
            label.status = target
            label.status_reason = reason
            label.status_changed_at = now
            label.content_version += 1
            label.document_stale = True
            label.save(
                update_fields=[
                    "status",
                    "status_reason",
                    "status_changed_at",
                    "content_version",
                    "document_stale",
                ]
            )
            # The bits the world sees: revocation for revoked and cancelled (no reason code of
            # its own exists for cancellation), suspension while suspended.
            revoked = target in (LabelStatus.REVOKED, LabelStatus.CANCELLED)
            statuslists.set_bit(label.revocation_list_id, label.revocation_index, revoked)
            statuslists.set_bit(
                label.suspension_list_id, label.suspension_index, target == LabelStatus.SUSPENDED
            )
            dashboard_facts.label_event_counted(
                event=LabelEvent.objects.create(
                    label=label, action=event, reason=reason, reason_code=reason_code, actor=actor
                ),
                body_id=certificate.certification_body_id,
            )
            webhook_deliveries_create(label=label, action=event)
        answers.labels_changed(labels)
        certificate.status = CERTIFICATE_STATUS[target]
        _suspension_clock(certificate, target, day, reason_code, voluntary_until)
        history_append(certificate, day=day, status=certificate.status, reason=reason_code)
        certificate.save()
        _surveillance_follows(certificate, target, day)
        label_supervision_refresh(certificate)
        if labels:
            # A rule's change is explained by its reason code alone; a person's by their words.
            notify_label_event(
                label=labels[-1],
                event=event,
                reason=reason if actor is not None else "",
                reason_code=reason_code,
            )
        label_ids = [label.pk for label in labels]
        transaction.on_commit(lambda: _render_later(label_ids), robust=True)
        # The chain, then the log: the lock order of audits/chain/services.py.
        chain_append_many(
            [
                _label_chain_event(
                    label,
                    event,
                    actor=actor,
                    reason=reason,
                    reason_code=reason_code,
                    certificate=certificate,
                )
                for label in labels
            ]
            or [_certificate_chain_event(certificate, event, actor, reason, reason_code)]
        )
        transparency.log_label_status_changed(labels, event, reason_code=reason_code)
    return certificate


def _certificate_chain_event(
    certificate: Certificate, event: str, actor: User | None, reason: str, reason_code: str
) -> ChainEvent:
    """A certificate's status change when it has no label to change (pending its label)."""
    return ChainEvent(
        kind=f"labels:certificate:{event}",
        data={
            "certificate": certificate.number,
            "status": certificate.status,
            "reason": reason,
            "reasonCode": reason_code,
        },
        actor_id=actor.pk if actor is not None else None,
        application_id=certificate.application_id,
        certificate_id=certificate.pk,
        body_id=certificate.certification_body_id,
    )


def _surveillance_follows(certificate: Certificate, target: str, day: date) -> None:
    """A certificate no longer in force is not surveilled; one reinstated on appeal takes up
    the surveillance its schedule still holds."""
    if target in (LabelStatus.REVOKED, LabelStatus.CANCELLED, LabelStatus.EXPIRED):
        certification_hooks.surveillances_close(certificate, SurveillanceOutcome.CANCELLED)
        certificate.next_surveillance_due = None
    elif target == LabelStatus.VALID and certificate.next_surveillance_due is None:
        certificate.next_surveillance_due = certification_hooks.surveillance_schedule_resume(
            certificate, day
        )


def certificate_suspension_reason_change(
    *,
    certificate_id: int,
    reason: str,
    reason_code: str,
    actor: User | None = None,
    on: date | None = None,
) -> Certificate:
    """A suspended certificate stays suspended for another reason (a voluntary suspension
    ends while surveillance is overdue; a surveillance decides to suspend a certificate already
    suspended). The clock runs on from the day the suspension began; the public history, the
    label events, the webhooks and the inbox say why it continues."""
    day = on or timezone.localdate()
    with transaction.atomic():
        certificate = (
            Certificate.objects.select_for_update(of=("self",), no_key=True)
            .select_related("certification_body", "enterprise")
            .get(pk=certificate_id)
        )
        if certificate.status != CertificateStatus.SUSPENDED:
            raise TransitionNotAllowed(_("Only a suspended certificate changes its reason."))
        if (
            certificate.suspension_reason_code in NOT_LIFTED_BY_THE_BODY
            and reason_code not in NOT_LIFTED_BY_THE_BODY
        ):
            # Its reason would become one the body lifts itself.
            raise TransitionNotAllowed(
                _(
                    "The certificate is already suspended by the regulator or a random-sampling "
                    "re-inspection; that suspension stays until the regulator lifts it. Decide "
                    "again once it is lifted, or withdraw the certificate."
                )
            )
        labels = list(
            Label.objects.select_for_update(no_key=True)
            .filter(certificate=certificate, status=LabelStatus.SUSPENDED)
            .order_by("pk")
        )
        for label in labels:
            label.status_reason = reason
            label.save(update_fields=["status_reason"])
            LabelEvent.objects.create(
                label=label, action="suspended", reason=reason, reason_code=reason_code, actor=actor
            )
            webhook_deliveries_create(label=label, action="suspended")
        certificate.suspension_reason_code = reason_code
        certificate.voluntary_until = None
        history_append(certificate, day=day, status=certificate.status, reason=reason_code)
        certificate.save(
            update_fields=["suspension_reason_code", "voluntary_until", "status_history"]
        )
        label_supervision_refresh(certificate)
        chain_append_many(
            [
                _label_chain_event(
                    label,
                    "suspended",
                    actor=actor,
                    reason=reason,
                    reason_code=reason_code,
                    certificate=certificate,
                )
                for label in labels
            ]
            or [_certificate_chain_event(certificate, "suspended", actor, reason, reason_code)]
        )
        if labels:
            notify_label_event(
                label=labels[-1],
                event="suspended",
                reason=reason if actor is not None else "",
                reason_code=reason_code,
            )
    return certificate


def _suspension_clock(
    certificate: Certificate, target: str, day: date, reason_code: str, voluntary_until: date | None
) -> None:
    if target == LabelStatus.SUSPENDED:
        certificate.suspended_on = day
        certificate.suspension_reason_code = reason_code
        certificate.suspension_ends_on = day + timedelta(days=certificate.suspension_max_days)
        certificate.voluntary_until = voluntary_until
    else:
        certificate.suspended_on = None
        certificate.suspension_reason_code = ""
        certificate.suspension_ends_on = None
        certificate.voluntary_until = None


def history_append(certificate: Certificate, *, day: date, status: str, reason: str) -> None:
    """The public status history: date, status and the reason's category, never free text."""
    certificate.status_history = [
        *certificate.status_history,
        {"date": day.isoformat(), "status": status, "reason": reason},
    ]


def _ensure_withdrawal_overturned(actor: User | None, label: Label) -> None:
    """A withdrawn label comes back only through the appeal service, which records the
    overturned appeal (decided by `actor`, effect still due) in the same transaction."""
    if actor is None or not hooks.withdrawal_overturned_on_appeal(label, actor):
        raise TransitionNotAllowed(
            _("A withdrawn label is reinstated only by an appeal that overturned the withdrawal.")
        )


def _event_name(action: str) -> str:
    return {
        "suspend": "suspended",
        "restore": "restored",
        "revoke": "revoked",
        "cancel": "cancelled",
        "expire": "expired",
        # A reinstatement is published as "restored": marketplaces already act on that event.
        "reinstate": "restored",
    }.get(action, action)


def _render_later(label_ids: list[int]) -> None:
    for label_id in label_ids:
        certificate_render.delay(label_id)


def labels_expire_due() -> int:
    """Expire every label whose validUntil has passed (run by Celery beat)."""
    due = (
        Label.objects.filter(
            status__in=[LabelStatus.VALID, LabelStatus.SUSPENDED], valid_until__lte=timezone.now()
        )
        .values_list("certificate_id", flat=True)
        .distinct()
    )
    count = 0
    for certificate_id in list(due):
        status = Certificate.objects.values_list("status", flat=True).get(pk=certificate_id)
        if certificate_status_apply(
            certificate_id=certificate_id,
            action="expire",
            reason=gettext_noop("Validity period ended."),  # shown translated by the pages
            reason_code=ReasonCode.VALIDITY_ENDED,
            expected_status=status,
        ):
            count += 1
    return count


@transaction.atomic
def signing_key_revoke(*, actor: User, key_id: int, reason: str) -> SigningKey:
    """A compromised key: everything it signed stops verifying (KEY_REVOKED) and says so in
    every answer (``Label.verdict``), and the marketplaces subscribed are told of each label."""
    key = SigningKey.objects.select_for_update(no_key=True).select_related("body").get(pk=key_id)
    if not user_has_role(actor, Role.BODY_ADMIN, key.body) and not actor.is_superuser:
        raise ActorNotPermitted(_("Only the body's administrator may revoke its keys."))
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for revoking the key.")})
    if key.revoked_at is not None:
        return key
    key.revoked_at = timezone.now()
    key.revocation_reason = reason
    key.save(update_fields=["revoked_at", "revocation_reason"])
    # The labels first, each by pk: the lock order of certificate_status_apply, which may be
    # changing some of them meanwhile. Then the body (its new key: status lists signed with the
    # revoked key must be re-signed): an issuance under way holds the body until it commits,
    # and its labels, signed with the revoked key, are read once it has.
    labels = _labels_of_key_lock(key)
    keys.signing_key_active(key.body)
    labels += _labels_of_key_lock(key, after=labels[-1].pk if labels else 0)
    Label.objects.filter(signing_key=key).update(key_revoked_at=key.revoked_at)
    for label in labels:
        label.key_revoked_at = key.revoked_at
        LabelEvent.objects.create(label=label, action="key_revoked", reason=reason, actor=actor)
        webhook_deliveries_create(label=label, action="key_revoked")
    # Every answer of these labels now says KEY_REVOKED: rendered again once this commits (the
    # body's other labels are left to the sweep signing_keys_changed queues).
    answers.labels_changed(labels)
    answers.signing_keys_changed(key.body_id)
    for status_list in key.body.status_lists.select_for_update(no_key=True):
        statuslists.sign_list(status_list)
    keys.signing_key_chain_append(key, "revoked", actor=actor, reason=reason)
    transparency.log_key_event(key, "revoked", verification_method=keys.verification_method(key))
    return key


def _labels_of_key_lock(key: SigningKey, after: int = 0) -> list[Label]:
    """The labels the key signed, from pk ``after`` on (a body's issuances hold the body, so
    theirs come in the order of their pks)."""
    return list(
        Label.objects.select_for_update(no_key=True)
        .filter(signing_key=key, pk__gt=after)
        .order_by("pk")
    )


def label_supervision_refresh(certificate: Certificate) -> None:
    """Write the supervision summary the label API serves onto each label of the certificate
    (called by every service that changes it, in its transaction), and renew their cache
    tokens."""
    common = {
        "nextSurveillanceDue": _iso(certificate.next_surveillance_due),
        "lastSurveillance": (
            {
                "date": _iso(certificate.last_surveillance_on),
                "outcome": certificate.last_surveillance_outcome,
            }
            if certificate.last_surveillance_on
            else None
        ),
        "statusHistory": list(certificate.status_history),
    }
    labels = list(Label.objects.filter(certificate=certificate).select_related("superseded_by"))
    for label in labels:
        label.supervision = {
            **common,
            "supersededBy": label.superseded_by.serial if label.superseded_by else None,
        }
    Label.objects.bulk_update(labels, ["supervision"])
    answers.labels_changed(labels)


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None
