"""Writes of labels: issuance and every status change, each recorded as a LabelEvent.

Issuance is idempotent (one label per certificate version, enforced by a unique constraint and
re-checked under a lock). A status change updates the label row and the status list bit in one
transaction, so the public page, the API and the signed list change together.
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Organisation, User
from accounts.roles import Role
from accounts.selectors import user_has_role
from certification.errors import ActorNotPermitted, TransitionNotAllowed
from certification.models import Certificate, CertificateStatus

from . import answer_cache, keys, statuslists
from .credentials import build_label_credential
from .models import Label, LabelEvent, LabelStatus, SigningKey
from .rendering.qr import new_serial
from .vc.dataintegrity import sign
from .vc.dates import format_date_time
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
}

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
    """Issue and sign the label of an approved certificate; a second call returns the first."""
    existing = Label.objects.filter(certificate_id=certificate_id,
                                    certificate_version=certificate_version).first()
    if existing:
        return existing
    try:
        with transaction.atomic():
            certificate = (Certificate.objects.select_for_update()
                           .select_related("application", "certification_body", "enterprise",
                                           "product", "dossier_version")
                           .get(pk=certificate_id))
            existing = Label.objects.filter(certificate=certificate,
                                            certificate_version=certificate_version).first()
            if existing:
                return existing
            body = certificate.certification_body
            key = keys.signing_key_active(body)
            revocation_list, revocation_index = statuslists.allocate_index(
                body, "revocation", "revocation_index")
            suspension_list, suspension_index = statuslists.allocate_index(
                body, "suspension", "suspension_index")
            serial = _unused_serial()
            fields = {
                "revocation_list": revocation_list, "revocation_index": revocation_index,
                "suspension_list": suspension_list, "suspension_index": suspension_index,
            }
            unsigned = build_label_credential(certificate=certificate, serial=serial,
                                              label_fields=fields)
            now = timezone.now()
            credential = sign(unsigned, keys.private_key(key), keys.verification_method(key),
                              format_date_time(now))
            label = Label.objects.create(
                certificate=certificate, certificate_version=certificate_version, serial=serial,
                gtin=certificate.product.gtin or "", credential=credential,
                issuer=keys.body_did(body), signing_key=key, issued_at=now,
                valid_from=_parse(unsigned["validFrom"]), valid_until=_parse(
                    unsigned["validUntil"]),
                **fields,
            )
            for status_list in (revocation_list, suspension_list):
                if status_list.signed_at is None:
                    statuslists.sign_list(status_list)
            LabelEvent.objects.create(label=label, action="issued")
            answer_cache.labels_changed([label])
            webhook_deliveries_create(label=label, action="issued")
            certificate.status = CertificateStatus.VALID
            certificate.save(update_fields=["status"])
            transaction.on_commit(lambda: _after_issue(label.pk), robust=True)
            return label
    except IntegrityError:
        # Another worker issued it between our check and our insert.
        return Label.objects.get(certificate_id=certificate_id,
                                 certificate_version=certificate_version)


def _after_issue(label_id: int) -> None:
    from .tasks import certificate_render

    certificate_render.delay(label_id)


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
    if not (user_has_role(actor, Role.BODY_ADMIN, body)
            or user_has_role(actor, Role.DECISION_MAKER, body)):
        raise ActorNotPermitted(_("Only the issuing body may change this label's status."))


def label_change_status(*, actor: User | None, label_id: int, action: str, reason: str) -> Label:
    """Suspend, restore, revoke, cancel or expire a label, with the reason recorded."""
    with transaction.atomic():
        label = Label.objects.select_for_update().select_related(
            "certificate__certification_body").get(pk=label_id)
        body = label.certificate.certification_body
        _ensure_body_admin(actor, body)
        if actor is not None and action not in LABEL_ACTIONS + APPEAL_ACTIONS:
            raise TransitionNotAllowed(_("Expiry comes from the validity period, not a person."))
        if action in APPEAL_ACTIONS:
            _ensure_withdrawal_overturned(actor, label)
        target = LABEL_TRANSITIONS.get((label.status, action))
        if target is None:
            raise TransitionNotAllowed(
                _("A %(status)s label cannot be %(action)s.")
                % {"status": label.get_status_display(),
                   "action": EVENT_LABELS.get(_event_name(action), action)})
        if actor is not None and not reason.strip():
            raise ValidationError({"reason": _("Give the reason for this change.")})
        label.status = target
        label.status_reason = reason
        label.status_changed_at = timezone.now()
        label.save(update_fields=["status", "status_reason", "status_changed_at"])
        answer_cache.labels_changed([label])
        # The bits the world sees: revocation for revoked and cancelled (no reason code of its
        # own exists for cancellation), suspension while suspended.
        revoked = target in (LabelStatus.REVOKED, LabelStatus.CANCELLED)
        statuslists.set_bit(label.revocation_list_id, label.revocation_index, revoked)
        statuslists.set_bit(label.suspension_list_id, label.suspension_index,
                            target == LabelStatus.SUSPENDED)
        LabelEvent.objects.create(label=label, action=_event_name(action), reason=reason,
                                  actor=actor)
        webhook_deliveries_create(label=label, action=_event_name(action))
        certificate = label.certificate
        certificate.status = CERTIFICATE_STATUS[target]
        certificate.save(update_fields=["status"])
        _on_status_change(label)
    return label


def _ensure_withdrawal_overturned(actor: User | None, label: Label) -> None:
    """A withdrawn label comes back only through the appeal service, which records the
    overturned appeal (decided by `actor`, effect still due) in the same transaction."""
    from audits.models import Appeal

    if actor is None or not Appeal.objects.filter(
        label=label, kind="withdrawal", status="overturned", decider=actor,
        effect_applied_at__isnull=True,
    ).exists():
        raise TransitionNotAllowed(
            _("A withdrawn label is reinstated only by an appeal that overturned the withdrawal."))


def _event_name(action: str) -> str:
    # A reinstatement is published as "restored": marketplaces already act on that event.
    return {"suspend": "suspended", "restore": "restored", "revoke": "revoked",
            "cancel": "cancelled", "expire": "expired", "reinstate": "restored"}[action]


def _on_status_change(label: Label) -> None:
    """Hook for effects that must follow every status change (webhooks, re-rendering)."""
    transaction.on_commit(lambda: _after_issue(label.pk), robust=True)


def labels_expire_due() -> int:
    """Expire every label whose validUntil has passed (run by Celery beat)."""
    due = Label.objects.filter(status__in=[LabelStatus.VALID, LabelStatus.SUSPENDED],
                               valid_until__lte=timezone.now()).values_list("pk", flat=True)
    count = 0
    for label_id in list(due):
        label_change_status(actor=None, label_id=label_id, action="expire",
                            reason=_("Validity period ended."))
        count += 1
    return count


@transaction.atomic
def signing_key_revoke(*, actor: User, key_id: int, reason: str) -> SigningKey:
    """A compromised key: everything it signed stops verifying (KEY_REVOKED) and says so."""
    key = SigningKey.objects.select_for_update().select_related("body").get(pk=key_id)
    if not user_has_role(actor, Role.BODY_ADMIN, key.body) and not actor.is_superuser:
        raise ActorNotPermitted(_("Only the body's administrator may revoke its keys."))
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for revoking the key.")})
    if key.revoked_at is not None:
        return key
    key.revoked_at = timezone.now()
    key.revocation_reason = reason
    key.save(update_fields=["revoked_at", "revocation_reason"])
    answer_cache.signing_keys_changed()
    for label in Label.objects.filter(signing_key=key):
        LabelEvent.objects.create(label=label, action="key_revoked", reason=reason, actor=actor)
    # Status lists signed with the revoked key must be re-signed with a new one.
    keys.signing_key_active(key.body)
    for status_list in key.body.status_lists.select_for_update():
        statuslists.sign_list(status_list)
    return key
