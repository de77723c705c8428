"""Signing keys, signed labels, their status lists and their event record."""

from typing import NamedTuple

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .vc.verifier import Reason


class SigningKey(models.Model):
    """A certification body's Ed25519 key. The private half is stored encrypted with the
    platform master key and never leaves `labels.keys`."""

    body = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="signing_keys"
    )
    fragment = models.CharField(max_length=64)
    public_key_multibase = models.CharField(max_length=128, unique=True)
    private_key_encrypted = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now)
    retired_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revocation_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["body", "created_at"]
        constraints = [
            models.UniqueConstraint(fields=["body", "fragment"], name="unique_key_fragment"),
            models.UniqueConstraint(
                fields=["body"],
                condition=Q(retired_at__isnull=True, revoked_at__isnull=True),
                name="one_active_key_per_body",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.body.code}#{self.fragment}"

    @property
    def is_active(self) -> bool:
        return self.retired_at is None and self.revoked_at is None


class StatusPurpose(models.TextChoices):
    REVOCATION = "revocation", _("Revocation")
    SUSPENSION = "suspension", _("Suspension")


class StatusList(models.Model):
    """One W3C Bitstring Status List of a body. The signed credential is refreshed in the same
    transaction as every bit change, so what is served is always current."""

    body = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="status_lists"
    )
    purpose = models.CharField(max_length=16, choices=StatusPurpose.choices)
    number = models.PositiveIntegerField()
    length = models.PositiveIntegerField(default=131_072)
    bits = models.BinaryField()
    allocated = models.PositiveIntegerField(default=0)
    credential = models.JSONField(default=dict)
    signed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["body", "purpose", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["body", "purpose", "number"], name="unique_status_list"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.body.code}/{self.purpose}/{self.number}"


class LabelStatus(models.TextChoices):
    VALID = "valid", _("Valid")
    SUSPENDED = "suspended", _("Suspended")
    REVOKED = "revoked", _("Revoked")
    CANCELLED = "cancelled", _("Cancelled")
    EXPIRED = "expired", _("Expired")


class ReasonCode(models.TextChoices):
    """Why a certificate's status changed: shown publicly beside each change."""

    ISSUED = "issued", _("Certificate issued")
    BODY_DECISION = "body_decision", _("Decision of the certification body")
    SURVEILLANCE_OVERDUE = "surveillance_overdue", _("Surveillance overdue")
    FINDINGS_OVERDUE = "findings_overdue", _("Surveillance findings not answered in time")
    DECISION_OVERDUE = "nonconformity_undecided", _("Confirmed nonconformity not decided in time")
    SUSPENSION_MAX_EXCEEDED = (
        "suspension_max_exceeded",
        _("Suspension not lifted within its maximum length"),
    )
    VALIDITY_ENDED = "validity_ended", _("Validity period ended")
    VOLUNTARY = "voluntary", _("Voluntary suspension at the holder's request")
    VOLUNTARY_ENDED = "voluntary_ended", _("End of the voluntary suspension")
    HOLDER_CANCELLED = "holder_cancelled", _("Cancelled at the holder's request")
    SURVEILLANCE_DECISION = "surveillance_decision", _("Decision after surveillance")
    SURVEILLANCE_PASSED = "surveillance_passed", _("Surveillance passed")
    EDITORIAL_CHANGE = "editorial_change", _("Editorial change: new label version")
    REGULATOR_ORDER = "regulator_order", _("Order of the regulator")
    REINSPECTION = "reinspection", _("Random sampling re-inspection")
    COMPLAINT_FOUNDED = "complaint_founded", _("Founded complaint")
    APPEAL_OVERTURNED = "appeal_overturned", _("Appeal upheld against the decision")


# The reason code (CONTRACTS §8) of each effective status: a cancelled label's revocation bit is
# set, so the verifier reads it as REVOKED.
STATUS_REASONS = {
    LabelStatus.VALID: Reason.VALID,
    LabelStatus.SUSPENDED: Reason.SUSPENDED,
    LabelStatus.REVOKED: Reason.REVOKED,
    LabelStatus.CANCELLED: Reason.REVOKED,
    LabelStatus.EXPIRED: Reason.EXPIRED,
}
KEY_REVOKED = "key_revoked"  # what pages and badges show of a label whose key was revoked


class Verdict(NamedTuple):
    """What the world is told of a label: its effective status and the reason code of the
    verdict, ``VALID`` or why the label is not valid (the verifier's vocabulary)."""

    status: str
    reason: Reason

    @property
    def valid(self) -> bool:
        return self.reason == Reason.VALID

    @property
    def shown(self) -> str:
        """The word pages and badges show: the status, or ``key_revoked``."""
        return KEY_REVOKED if self.reason == Reason.KEY_REVOKED else self.status

    @property
    def label(self) -> Promise:
        """``shown`` as people read it, in the active language."""
        return shown_label(self.shown)


def shown_label(shown: str) -> Promise:
    """A word of ``Verdict.shown`` as people read it: a status, or not trusted."""
    return _("Not trusted") if shown == KEY_REVOKED else LabelStatus(shown).label


class Label(models.Model):
    """The signed carbon label of one certificate version: of its representative product, or
    of one variant of the product family the certificate covers."""

    certificate = models.ForeignKey(
        "certification.Certificate", on_delete=models.PROTECT, related_name="labels"
    )
    variant = models.ForeignKey(
        "certification.ApplicationVariant",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="labels",
    )
    certificate_version = models.PositiveIntegerField(default=1)
    serial = models.CharField(_("label serial"), max_length=32, unique=True)
    gtin = models.CharField(max_length=14, blank=True, db_index=True)
    credential = models.JSONField()
    issuer = models.CharField(max_length=300)
    signing_key = models.ForeignKey(SigningKey, on_delete=models.PROTECT, related_name="labels")
    issued_at = models.DateTimeField(default=timezone.now)
    valid_from = models.DateTimeField()
    valid_until = models.DateTimeField()
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=LabelStatus.choices,
        default=LabelStatus.VALID,
        db_index=True,
    )
    status_reason = models.TextField(_("reason"), blank=True)
    status_changed_at = models.DateTimeField(default=timezone.now)
    revocation_list = models.ForeignKey(StatusList, on_delete=models.PROTECT, related_name="+")
    revocation_index = models.PositiveIntegerField()
    suspension_list = models.ForeignKey(StatusList, on_delete=models.PROTECT, related_name="+")
    suspension_index = models.PositiveIntegerField()
    # An editorial change re-issues the label as a new version of the same certificate; the old
    # version still verifies and says which one replaced it.
    superseded_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="supersedes"
    )
    # Set with every change of what the certificate PDF shows, cleared by the renderer once the
    # stored PDF shows this `content_version`: a lost render task leaves a flag a sweep finds.
    content_version = models.PositiveIntegerField(default=1)
    document_stale = models.BooleanField(default=True)
    # What the label API shows of the certificate's supervision (next and last surveillance,
    # the public status history, the version that superseded this one), written by the
    # services that change it, so a lookup stays one read of the label row.
    supervision = models.JSONField(default=dict, blank=True)
    # When the key that signed it was revoked as compromised (``SigningKey.revoked_at``, copied
    # by ``signing_key_revoke`` in its transaction): what it signed can no longer be trusted,
    # and every read of the label row alone knows it.
    key_revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-issued_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["certificate", "certificate_version"],
                condition=Q(variant__isnull=True),
                name="one_label_per_certificate_version",
            ),
            models.UniqueConstraint(
                fields=["certificate", "certificate_version", "variant"],
                condition=Q(variant__isnull=False),
                name="one_variant_label_per_certificate_version",
            ),
            models.UniqueConstraint(
                fields=["revocation_list", "revocation_index"], name="unique_revocation_index"
            ),
            models.UniqueConstraint(
                fields=["suspension_list", "suspension_index"], name="unique_suspension_index"
            ),
        ]
        indexes = [
            models.Index(
                fields=["status_changed_at"],
                name="label_document_stale",
                condition=Q(document_stale=True),
            ),
        ]

    def __str__(self) -> str:
        return self.serial

    @property
    def product(self):
        """The product this label is for: a variant's, or the certificate's own."""
        return self.variant.product if self.variant is not None else self.certificate.product

    def effective_status(self, now=None) -> str:
        """The status the world is told: a valid or suspended label past its validUntil is
        expired even before the sweep records it. The one place this rule lives."""
        if self.status in (LabelStatus.VALID, LabelStatus.SUSPENDED) and self.valid_until <= (
            now or timezone.now()
        ):
            return LabelStatus.EXPIRED
        return self.status

    def verdict(self, now=None) -> Verdict:
        """The trust verdict every answer gives (API, batch, badge, status.json, page, PACT,
        webhooks): the effective status, and not valid once the signing key was revoked, in
        the verifier's order (a revoked key first, then validity, then status). The one place
        this rule lives."""
        status = self.effective_status(now)
        if self.key_revoked_at is not None:
            return Verdict(status, Reason.KEY_REVOKED)
        return Verdict(status, STATUS_REASONS[LabelStatus(status)])


class LabelEvent(models.Model):
    """Append-only record of what happened to a label: issued, suspended, restored, revoked,
    cancelled, expired, key_revoked."""

    label = models.ForeignKey(Label, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(max_length=32)
    reason = models.TextField(blank=True)
    # The rule or request behind the change, shown publicly (the free text may not be).
    reason_code = models.CharField(max_length=40, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        # The oversight dashboard counts suspensions and withdrawals per month: without it, a
        # scan of every event (one "issued" per label at least).
        indexes = [models.Index(fields=["action", "created_at"], name="labelevent_action_time")]

    def __str__(self) -> str:
        return f"{self.label} {self.action}"


class CertificateDocument(models.Model):
    """The rendered certificate PDF of a label; re-rendered only when its content changes."""

    label = models.OneToOneField(Label, on_delete=models.CASCADE, related_name="document")
    fingerprint = models.CharField(max_length=64)
    file = models.FileField(upload_to="certificates/")
    rendered_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Certificate PDF of {self.label}"


class LabelAnswer(models.Model):
    """A label's public answers, rendered once when the label changed (``labels/answers.py``):
    the API representation, the public page in each language, the SVG badge in each language,
    with a placeholder where the transparency log's part goes (its proofs
    are to the checkpoint current when read). ``stale`` is set in the transaction that changes
    the label and cleared by the render after it commits; a stale row is never served."""

    label = models.OneToOneField(
        Label, on_delete=models.CASCADE, primary_key=True, related_name="answer"
    )
    stale = models.BooleanField(default=True)
    format = models.PositiveSmallIntegerField(default=0)
    rendered_at = models.DateTimeField(null=True, blank=True)
    # The earliest validUntil still ahead of a valid or suspended label: the label then shows as
    # expired, which the stored answers do not say.
    fresh_until = models.DateTimeField(null=True, blank=True)
    etag_line = models.TextField(blank=True)
    # [[leaf index, base64 entry, base64 of the settled hashes of its proof], …] (labels/stored.py)
    log_entries = models.JSONField(default=list, blank=True)
    # Text: PostgreSQL compresses it as it stores it (TOAST), about 3:1 for these answers.
    api = models.TextField(blank=True)
    page_zh = models.TextField(blank=True)
    page_en = models.TextField(blank=True)
    badge_zh = models.TextField(blank=True)
    badge_en = models.TextField(blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["label"], name="label_answer_stale", condition=Q(stale=True))
        ]

    def __str__(self) -> str:
        return f"Stored answers of label {self.label_id}"


# --- The VC-API test issuer (VC_API_TEST_ISSUER, never in production) ------------------------


class ConformanceIssuerKey(models.Model):
    """The test issuer's did:key, made on first use and kept, so that a conformance run can be
    repeated against the same issuer. Encrypted at rest like the bodies' keys."""

    public_key_multibase = models.CharField(max_length=128, unique=True)
    private_key_encrypted = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="conformance_issuer_single_key")
        ]

    def __str__(self) -> str:
        return f"did:key:{self.public_key_multibase}"


class ConformanceStatusList(models.Model):
    """The test issuer's Bitstring Status List for one purpose."""

    purpose = models.CharField(max_length=16, choices=StatusPurpose.choices, unique=True)
    length = models.PositiveIntegerField(default=131_072)
    bits = models.BinaryField()
    allocated = models.PositiveIntegerField(default=0)
    credential = models.JSONField(default=dict)
    signed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"test issuer {self.purpose} list"


class ConformanceCredential(models.Model):
    """A credential the test issuer gave status entries, by the id the caller will use for it
    (``credential.id`` or ``options.credentialId``), with its indexes."""

    credential_id = models.CharField(max_length=500, unique=True)
    revocation_index = models.PositiveIntegerField(null=True, blank=True)
    suspension_index = models.PositiveIntegerField(null=True, blank=True)
    issued_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.credential_id


from .webhooks.models import *  # noqa: E402,F403
