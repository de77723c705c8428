"""Every write to appeals: file, take up, uphold or overturn (with the effects applied through
the services that own them: the application's workflow and the label's status)."""

import secrets
from collections.abc import Sequence
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import Role
from accounts.selectors import user_has_role
from audits.chain.services import chain_append
from certification import services as certification_services
from certification.errors import ActorNotPermitted, GuardFailed, TransitionNotAllowed
from certification.models import Application, ApplicationEvent, Notification, Status
from certification.workflow import Action
from config.uploads import check_upload
from labels import services as label_services
from labels.models import Label, LabelStatus, ReasonCode
from labels.services import NOT_LIFTED_BY_THE_BODY
from oversight.appeals.models import Appeal, AppealAttachment, AppealEvent, AppealKind
from oversight.appeals.selectors import withdrawal_under_regulators_suspension
from oversight.appeals.workflow import (
    APPEAL_TRANSITIONS,
    DECIDER_ROLES,
    STEP_LABELS,
    AppealContext,
    AppealStep,
    appeal_relations,
)

REFERENCE_ATTEMPTS = 20


def _new_reference() -> str:
    return f"APL-{timezone.localdate().year}-{secrets.randbelow(1_000_000):06d}"


def appeal_window_open(decision_at, now=None) -> bool:
    """The named rule `appeal_window`: within APPEAL_WINDOW_DAYS of the decision appealed."""
    now = now or timezone.now()
    return now <= decision_at + timedelta(days=settings.APPEAL_WINDOW_DAYS)


# What a label's appeal contests: the label's status, and the event that recorded the decision.
LABEL_DECISIONS: dict[str, tuple[LabelStatus, str]] = {
    AppealKind.SUSPENSION: (LabelStatus.SUSPENDED, "suspended"),
    AppealKind.WITHDRAWAL: (LabelStatus.REVOKED, "revoked"),
}


def _decision_appealed(kind: str, application: Application | None, label: Label | None):
    """The recorded decision an appeal of `kind` contests, or a refusal with the reason."""
    if kind == AppealKind.REFUSAL:
        if application is None or application.status != Status.REFUSED:
            raise TransitionNotAllowed(_("Only a refused application can be appealed."))
        return application.events.filter(action=Action.REFUSE).latest("created_at", "pk")
    if label is None:
        raise TransitionNotAllowed(_("Name the label whose suspension or withdrawal you appeal."))
    expected = LABEL_DECISIONS[kind]
    if label.status != expected[0]:
        raise TransitionNotAllowed(
            _("The label is %(status)s: there is no such decision to appeal.")
            % {"status": label.get_status_display()}
        )
    decision = label.events.filter(action=expected[1]).latest("created_at", "pk")
    if decision.reason_code in NOT_LIFTED_BY_THE_BODY or withdrawal_under_regulators_suspension(
        decision
    ):
        raise TransitionNotAllowed(
            _(
                "This decision was taken by the regulator or its random-sampling inspector, or "
                "while a suspension of theirs was in force: contest it with the regulator, not "
                "by an appeal to the body."
            )
        )
    return decision


def decision_in_force(appeal: Appeal) -> bool:
    """Whether the suspension or withdrawal ``appeal`` contests is still the label's latest:
    an overturn then lifts that decision, and not one taken since for another reason."""
    if appeal.label is None or appeal.kind not in LABEL_DECISIONS:
        return True
    action = LABEL_DECISIONS[appeal.kind][1]
    latest = appeal.label.events.filter(action=action).order_by("-created_at", "-pk").first()
    return latest is not None and latest.pk == appeal.label_event_id


def appeal_file(
    *,
    actor: User,
    kind: str,
    reasons: str,
    application_id: int | None = None,
    label_id: int | None = None,
    attachments: Sequence[UploadedFile] = (),
) -> Appeal:
    """The enterprise's administrator appeals a refusal, a suspension or a withdrawal."""
    if kind not in AppealKind.values:
        raise ValidationError({"kind": _("Choose what you appeal.")})
    errors: dict[str, list[str]] = {}
    if not reasons.strip():
        errors["reasons"] = [_("Give the reasons for the appeal.")]
    checked = []
    for upload in attachments:
        try:
            checked.append((upload, check_upload(upload)))
        except ValidationError as error:
            errors.setdefault("attachments", []).extend(error.messages)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        label = None
        if kind == AppealKind.REFUSAL:
            application = (
                Application.objects.select_for_update(of=("self",), no_key=True)
                .select_related("enterprise", "certification_body")
                .get(pk=application_id)  # type: ignore[misc]  # stubs: pk=None is a lookup too
            )
        else:
            label = (
                Label.objects.select_for_update(of=("self",), no_key=True)
                .select_related("certificate__application")
                .get(pk=label_id)  # type: ignore[misc]  # stubs: pk=None is a lookup too
            )
            if label.superseded_by_id is not None:
                # A certificate's decision reaches every label version; it is appealed once,
                # through the version in force.
                raise GuardFailed(
                    "appeal_once",
                    _("This label version was superseded: appeal through the version in force."),
                )
            if label.variant_id is not None:
                # …and every label of its product family: appealed once, through its own label.
                raise GuardFailed(
                    "appeal_once",
                    _(
                        "A decision on the certificate reaches every variant of the product "
                        "family: appeal it through the certificate's own label."
                    ),
                )
            application = label.certificate.application
        if not user_has_role(actor, Role.ENTERPRISE_ADMIN, application.enterprise):
            raise ActorNotPermitted(_("Only the enterprise's administrator may appeal."))
        decision = _decision_appealed(kind, application, label)
        if not appeal_window_open(decision.created_at):
            raise GuardFailed(
                "appeal_window",
                _("The appeal window of %(days)s days after the decision has closed.")
                % {"days": settings.APPEAL_WINDOW_DAYS},
            )
        is_refusal = isinstance(decision, ApplicationEvent)
        if Appeal.objects.filter(
            **({"application_event": decision} if is_refusal else {"label_event": decision})
        ).exists():
            raise GuardFailed("appeal_once", _("This decision has already been appealed."))
        appeal = _create(
            kind=kind,
            enterprise=application.enterprise,
            body=application.certification_body,
            application=application,
            label=label,
            application_event=decision if is_refusal else None,
            label_event=None if is_refusal else decision,
            decision_actor_id=decision.actor_id,
            decision_at=decision.created_at,
            reasons=reasons.strip(),
            filed_by=actor,
        )
        for upload, info in checked:
            AppealAttachment.objects.create(
                appeal=appeal,
                file=upload,
                name=(upload.name or "")[:255],
                content_type=info.content_type,
                sha256=info.sha256,
            )
        AppealEvent.objects.create(
            appeal=appeal, actor=actor, action="submit", to_status=appeal.status, comment=""
        )
        _chain(
            appeal,
            "submit",
            actor=actor,
            data={"attachments": [info.sha256 for _upload, info in checked]},
        )
        _notify(
            appeal,
            _body_deciders(appeal),
            lambda: (
                _("Appeal %(reference)s filed") % {"reference": appeal.reference},
                _("%(enterprise)s appeals: %(kind)s.")
                % {"enterprise": appeal.enterprise, "kind": appeal.get_kind_display()},
            ),
        )
    return appeal


def _create(**fields) -> Appeal:
    for attempt in range(REFERENCE_ATTEMPTS):
        try:
            with transaction.atomic():
                return Appeal.objects.create(reference=_new_reference(), **fields)
        except IntegrityError:
            if attempt == REFERENCE_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def appeal_transition(*, actor: User, appeal_id: int, step: str, reason: str = "") -> Appeal:
    """The only writer of Appeal.status; an overturn applies its effect in the same
    transaction, so a refused effect (the label changed meanwhile) undoes the decision too."""
    with transaction.atomic():
        appeal = (
            Appeal.objects.select_for_update(of=("self",), no_key=True)
            .select_related("body", "enterprise", "application", "label")
            .get(pk=appeal_id)
        )
        transition = APPEAL_TRANSITIONS.get((appeal.status, step))
        if transition is None:
            raise TransitionNotAllowed(
                _("“%(step)s” is not possible while the appeal is %(status)s.")
                % {"step": STEP_LABELS.get(step, step), "status": appeal.get_status_display()}
            )
        if not transition.relations & appeal_relations(actor, appeal):
            raise ActorNotPermitted(_("Your role does not allow this step."))
        context = AppealContext(appeal=appeal, actor=actor, reason=reason)
        for guard in transition.guards:
            guard(context)
        from_status = appeal.status
        appeal.status = transition.target
        fields = ["status"]
        if step == AppealStep.START_REVIEW:
            appeal.decider = actor
            fields.append("decider")
        else:
            appeal.decision_reason = reason.strip()
            appeal.decided_at = timezone.now()
            fields += ["decision_reason", "decided_at"]
        appeal.save(update_fields=fields)
        AppealEvent.objects.create(
            appeal=appeal,
            actor=actor,
            action=step,
            from_status=from_status,
            to_status=appeal.status,
            comment=reason,
        )
        if step == AppealStep.OVERTURN:
            _apply_overturn(appeal, actor)
        # After the overturn's effect: it locks the application or the certificate first.
        _chain(appeal, step, actor=actor, data={"from": from_status, "comment": reason})
        if step in (AppealStep.UPHOLD, AppealStep.OVERTURN):
            _notify(
                appeal,
                _enterprise_admins(appeal),
                lambda: (
                    _("Appeal %(reference)s: %(status)s")
                    % {"reference": appeal.reference, "status": appeal.get_status_display()},
                    _("Reasons: %(reason)s") % {"reason": appeal.decision_reason},
                ),
            )
    return appeal


def _apply_overturn(appeal: Appeal, actor: User) -> None:
    reason = _("Appeal %(reference)s overturned the decision: %(reason)s") % {
        "reference": appeal.reference,
        "reason": appeal.decision_reason,
    }
    if appeal.kind == AppealKind.REFUSAL:
        certification_services.application_transition(
            actor=actor,
            application_id=appeal.application_id,
            action=Action.REOPEN_ON_APPEAL,
            comment=reason,
        )
    elif not decision_in_force(appeal):
        raise TransitionNotAllowed(
            _(
                "The label's status was decided again since this appeal was filed: overturning "
                "it would undo that later decision. Uphold the appeal or decide the label's "
                "status itself."
            )
        )
    elif appeal.kind == AppealKind.SUSPENSION:
        assert appeal.label_id is not None  # an appeal of a suspension names its label
        label_services.label_change_status(
            actor=actor,
            label_id=appeal.label_id,
            action="restore",
            reason=reason,
            reason_code=ReasonCode.APPEAL_OVERTURNED,
        )
    else:
        assert appeal.label_id is not None  # an appeal of a withdrawal names its label
        label_services.label_change_status(
            actor=actor,
            label_id=appeal.label_id,
            action="reinstate",
            reason=reason,
            reason_code=ReasonCode.APPEAL_OVERTURNED,
        )
    appeal.effect_applied_at = timezone.now()
    appeal.save(update_fields=["effect_applied_at"])
    AppealEvent.objects.create(
        appeal=appeal,
        actor=actor,
        action="effect_applied",
        from_status=appeal.status,
        to_status=appeal.status,
        comment=reason,
    )


def _chain(appeal: Appeal, action: str, *, actor: User, data: dict) -> None:
    """The audit chain's entry of an appeal's step, with its reasons (they are the record)."""
    application = appeal.application
    chain_append(
        f"audits:appeal:{action}",
        {
            "reference": appeal.reference,
            "kind": appeal.kind,
            "status": appeal.status,
            "label": appeal.label.serial if appeal.label is not None else None,
            "reasons": appeal.reasons,
            "decisionReason": appeal.decision_reason,
            "effectApplied": appeal.effect_applied_at is not None,
            **data,
        },
        actor=actor,
        application_id=appeal.application_id,
        certificate_id=appeal.label.certificate_id if appeal.label is not None else None,
        body_id=appeal.body_id or (application.certification_body_id if application else None),
    )


def _body_deciders(appeal: Appeal) -> list[User]:
    return list(
        User.objects.filter(
            memberships__organisation=appeal.body,
            memberships__role__in=DECIDER_ROLES,
            is_active=True,
        )
        .distinct()
        .order_by("pk")
    )


def _enterprise_admins(appeal: Appeal) -> list[User]:
    return list(
        User.objects.filter(
            memberships__organisation=appeal.enterprise,
            memberships__role=Role.ENTERPRISE_ADMIN,
            is_active=True,
        )
        .distinct()
        .order_by("pk")
    )


def _notify(appeal: Appeal, recipients: list[User], texts) -> None:
    """Inbox rows, each in its recipient's language (texts() is evaluated per language)."""
    url = reverse("appeals:detail", args=[appeal.reference])
    rows = []
    for recipient in recipients:
        with translation.override(recipient.notification_language):
            subject, body = texts()
        rows.append(
            Notification(
                recipient=recipient,
                application=appeal.application,
                subject=subject,
                body=body,
                url=url,
            )
        )
    Notification.objects.bulk_create(rows)
