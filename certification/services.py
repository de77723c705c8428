"""Every write to products, applications and dossiers goes through these functions.

Each takes the acting user, runs in one transaction and checks the rules itself, so the portal,
the API, the admin and tasks share one behaviour.
"""

from typing import cast

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Field
from django.forms.models import model_to_dict
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organisation, User
from accounts.roles import OrganisationKind, Role
from accounts.selectors import user_has_role
from audits.chain.services import ChainEvent, chain_append, chain_append_many
from audits.dashboard import facts as dashboard_facts
from audits.models import (
    FindingStatus,
    PeerReview,
    TeamMember,
)
from audits.reviews import team_members_check, team_seat_give
from audits.selectors import blacklist_ensure_clear, blacklist_hits
from config.uploads import check_upload

from . import hooks, notifications
from .dossiers import DOSSIER_FIELDS, current_dossier_version
from .errors import ActorNotPermitted, GuardFailed, TransitionNotAllowed
from .identifiers import gtin_normalize
from .models import (
    Application,
    ApplicationEvent,
    Certificate,
    DossierVersion,
    EvidenceFile,
    EvidenceKind,
    Product,
    ProductCategory,
    Status,
)
from .selectors import product_submitted_applications
from .steps import StepContext
from .workflow import (
    ACTION_LABELS,
    COMMENT_REQUIRED,
    TRANSITIONS,
    Action,
    Actor,
    actor_relations,
    body_accredited,
    dossier_complete,
)

# --- products -----------------------------------------------------------------------------


def product_create(
    *,
    actor: User,
    enterprise: Organisation,
    name: str,
    model: str,
    category: ProductCategory,
    manufacturer: str,
    plant_address: str,
    trademark: str = "",
    gtin: str | None = None,
) -> Product:
    _ensure_enterprise_user(actor, enterprise)
    product = Product(
        enterprise=enterprise,
        name=name,
        model=model,
        category=category,
        manufacturer=manufacturer,
        plant_address=plant_address,
        trademark=trademark,
        gtin=gtin_normalize(gtin) if gtin else None,
    )
    product.full_clean()
    product.save()
    return product


PRODUCT_FIELDS = (
    "name",
    "model",
    "trademark",
    "manufacturer",
    "plant_address",
    "gtin",
    "category",
)


def product_update(*, actor: User, product_id: int, data: dict) -> Product:
    """Correct a product until it is first submitted; after that its name, model and GTIN are
    on a file a body holds (and on any certificate and label), and change by a change report."""
    with transaction.atomic():
        product = Product.objects.select_for_update(no_key=True).get(pk=product_id)
        _ensure_enterprise_user(actor, product.enterprise)
        if product_submitted_applications(product).exists():
            raise TransitionNotAllowed(
                _(
                    "This product has been submitted for certification: it can no longer be "
                    "changed here. Report a change on the certificate's page instead."
                )
            )
        for name, value in data.items():
            if name not in PRODUCT_FIELDS:
                raise ValidationError({name: _("Unknown product field.")})
            setattr(product, name, value)
        product.gtin = gtin_normalize(product.gtin) if product.gtin else None
        product.full_clean()
        product.save()
    return product


def _ensure_enterprise_user(actor: User, enterprise: Organisation) -> None:
    if not (
        user_has_role(actor, Role.ENTERPRISE_ADMIN, enterprise)
        or user_has_role(actor, Role.ENTERPRISE_MEMBER, enterprise)
    ):
        raise ActorNotPermitted(_("Only the enterprise's own people may do this."))


# --- applications -------------------------------------------------------------------------


def _next_reference() -> str:
    year = timezone.localdate().year
    prefix = f"APP-{year}-"
    last = (
        Application.objects.filter(reference__startswith=prefix)
        .order_by("-reference")
        .values_list("reference", flat=True)
        .first()
    )
    number = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{number:06d}"


@transaction.atomic
def application_create(
    *,
    actor: User,
    product: Product,
    certification_body: Organisation,
    scheme: str,
    product_rule_name: str,
    product_rule_version: str,
    plant_address: str = "",
    renews: Certificate | None = None,
) -> Application:
    """Open a draft application with an empty first dossier version."""
    enterprise = product.enterprise
    _ensure_enterprise_user(actor, enterprise)
    if certification_body.kind != OrganisationKind.CERTIFICATION_BODY:
        raise ValidationError({"certification_body": _("Choose a certification body.")})
    application = Application(
        reference=_next_reference(),
        enterprise=enterprise,
        product=product,
        plant_address=plant_address or product.plant_address,
        scheme=scheme,
        product_rule_name=product_rule_name,
        product_rule_version=product_rule_version,
        certification_body=certification_body,
        created_by=actor,
        renews=renews,
    )
    application.full_clean()
    context = StepContext(application=application, actor=actor, action="create", comment="")
    try:
        body_accredited(context)
        blacklist_ensure_clear(organisations=[enterprise, certification_body], people=[actor])
    except GuardFailed as error:
        raise ValidationError({"certification_body": error.message}) from error
    _saved_with_a_free_reference(application)
    DossierVersion.objects.create(application=application, number=1)
    return application


def _saved_with_a_free_reference(application: Application, attempts: int = 5) -> None:
    """Save a new application under the next reference. Two creates at once read the same
    highest reference; the second then meets the first's row in the unique index (waiting for
    its commit on PostgreSQL) and takes the one after it."""
    for attempt in range(attempts):
        try:
            with transaction.atomic():
                application.save()
            return
        except IntegrityError:
            taken = Application.objects.filter(reference=application.reference).exists()
            if not taken or attempt == attempts - 1:
                raise
            application.pk = None
            application.reference = _next_reference()


# --- the status writer --------------------------------------------------------------------


def application_transition(
    *, actor: User, application_id: int, action: str, comment: str = ""
) -> Application:
    """The only writer of Application.status.

    Locks the row, re-reads the status under the lock (two people may press the same button),
    checks the table, the actor's relation and every guard, then saves the new status, records
    the event, applies the action's effects and queues notifications for after commit. Any
    failure raises before anything is written, and the transaction rolls back the rest.
    """
    with transaction.atomic():
        application = (
            # Lock the application row only: the enterprise, body and product rows read along
            # with it must not serialise every transition of the same body.
            Application.objects.select_for_update(of=("self",), no_key=True)
            .select_related("enterprise", "certification_body", "product")
            .get(pk=application_id)
        )
        transition = TRANSITIONS.get((application.status, action))
        if transition is None:
            raise TransitionNotAllowed(
                _("“%(action)s” is not possible while the application is %(status)s.")
                % {
                    "action": ACTION_LABELS.get(action, action),
                    "status": application.get_status_display(),
                }
            )
        if not transition.actors & actor_relations(actor, application):
            raise ActorNotPermitted(_("Your role does not allow this step."))
        context = StepContext(application=application, actor=actor, action=action, comment=comment)
        if action in COMMENT_REQUIRED and not comment.strip():
            raise GuardFailed("comment_given", _("Give the reasons for this step."))
        for guard in transition.guards:
            guard(context)

        from_status = application.status
        application.status = transition.target
        application.updated_at = timezone.now()
        application.save(update_fields=["status", "updated_at"])
        event = ApplicationEvent.objects.create(
            application=application,
            actor=actor,
            action=action,
            from_status=from_status,
            to_status=transition.target,
            comment=comment,
        )
        for effect in transition.effects:
            effect(context)
        dashboard_facts.application_facts_update(application.pk)
        # After the step's row locks, the effects' included (see audits/chain/services.py).
        chained = [_chain_transition(event, application)]
        if action in (Action.SUBMIT, Action.RESUBMIT):
            chained.append(_chain_dossier_frozen(current_dossier_version(application), actor))
        chain_append_many(chained)
        notifications.notify_transition(event)
    return application


def _chain_transition(event: ApplicationEvent, application: Application) -> ChainEvent:
    """The audit chain's entry of a step: decisions (approve, refuse) are steps too."""
    certificate = Certificate.objects.filter(application=application).values_list("pk", flat=True)
    return ChainEvent(
        kind=f"certification:application:{event.action}",
        data={
            "reference": application.reference,
            "from": event.from_status,
            "to": event.to_status,
            "comment": event.comment,
        },
        actor_id=event.actor_id,
        application_id=application.pk,
        certificate_id=certificate.first(),
        body_id=application.certification_body_id,
    )


def _chain_dossier_frozen(version: DossierVersion, actor: User) -> ChainEvent:
    """A frozen dossier version, pinned by each evidence file's SHA-256 (taken at upload)."""
    application = version.application
    assert version.frozen_at is not None  # a frozen version
    return ChainEvent(
        kind="certification:dossier:frozen",
        data={
            "reference": application.reference,
            "version": version.number,
            "frozenAt": version.frozen_at.isoformat().replace("+00:00", "Z"),
            "declaredTotal": None
            if version.declared_total is None
            else str(version.declared_total),
            "files": [
                {
                    "kind": file.kind,
                    "name": file.original_name,
                    "size": file.size,
                    "sha256": file.sha256,
                }
                for file in version.files.order_by("pk")
            ],
        },
        actor_id=actor.pk,
        application_id=application.pk,
        body_id=application.certification_body_id,
    )


# --- transfer away from a listed body -----------------------------------------------------

TRANSFER_ACTION = "transfer"
# Statuses a file can be transferred from: in progress at the listed body.
TRANSFERABLE = (
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


def application_transfer(
    *, actor: User, application_id: int, certification_body: Organisation
) -> Application:
    """Move a file frozen by its body's listing to another accredited, unlisted body.

    The new body continues from the enterprise's last completed step that does not rest on
    the listed body's judgement: a draft stays a draft; a submitted file lands in "submitted"
    at the new body, which runs its own acceptance, team, evaluation and reviews. The dossier
    versions and evidence go along; the listed body's team and peer review do not, and its
    findings are closed by the transfer (the event says so), so the new body starts clean.
    """
    with transaction.atomic():
        application = (
            Application.objects.select_for_update(of=("self",), no_key=True)
            .select_related("enterprise", "certification_body", "product")
            .get(pk=application_id)
        )
        if Actor.ENTERPRISE_ADMIN not in actor_relations(actor, application):
            raise ActorNotPermitted(_("Only the enterprise's administrator transfers a file."))
        if application.status not in TRANSFERABLE:
            raise TransitionNotAllowed(_("Only an application in progress can be transferred."))
        old_body = application.certification_body
        if not blacklist_hits(organisations=[old_body]):
            raise GuardFailed(
                "body_blacklisted",
                _("A file moves to another body only while its body is on the blacklist."),
            )
        if certification_body.pk == old_body.pk:
            raise ValidationError({"certification_body": _("Choose another body.")})
        application.certification_body = certification_body
        context = StepContext(
            application=application, actor=actor, action=TRANSFER_ACTION, comment=""
        )
        try:
            body_accredited(context)
            blacklist_ensure_clear(
                organisations=[certification_body, application.enterprise], people=[actor]
            )
        except GuardFailed as error:
            raise ValidationError({"certification_body": error.message}) from error
        from_status = application.status
        target = Status.DRAFT if from_status == Status.DRAFT else Status.SUBMITTED
        frozen = None
        if from_status == Status.AWAITING_ENTERPRISE:
            # The enterprise was answering findings: its open version is what it submits now.
            dossier_complete(context)
            frozen = current_dossier_version(application)
            frozen.frozen_at = timezone.now()
            frozen.save(update_fields=["frozen_at"])
        application.status = target
        application.updated_at = timezone.now()
        application.save(update_fields=["certification_body", "status", "updated_at"])
        application.team.all().delete()
        application.peer_reviews.filter(is_current=True).update(is_current=False)
        application.findings.exclude(status=FindingStatus.CLOSED).update(
            status=FindingStatus.CLOSED, closed_at=timezone.now()
        )
        event = ApplicationEvent.objects.create(
            application=application,
            actor=actor,
            action=TRANSFER_ACTION,
            from_status=from_status,
            to_status=target,
            comment=_("Transferred from %(old)s to %(new)s.")
            % {"old": old_body, "new": certification_body},
        )
        dashboard_facts.application_facts_update(application.pk)
        chained = [_chain_transition(event, application)]
        if frozen is not None:
            chained.append(_chain_dossier_frozen(frozen, actor))
        chain_append_many(chained)
        notifications.notify_transition(event)
    return application


# --- dossier ------------------------------------------------------------------------------

DOSSIER_EDITABLE_STATUSES = {Status.DRAFT, Status.AWAITING_ENTERPRISE}


def dossier_editable_version(*, actor: User, application: Application) -> DossierVersion:
    """The open version the enterprise may edit now, or a WorkflowError saying why not."""
    _ensure_enterprise_user(actor, application.enterprise)
    version = current_dossier_version(application)
    if application.status not in DOSSIER_EDITABLE_STATUSES and not hooks.surveillance_collects_data(
        version
    ):
        raise TransitionNotAllowed(
            _("The dossier can only be changed as a draft or while findings are open.")
        )
    if version.is_frozen:
        raise TransitionNotAllowed(_("This dossier version is frozen."))
    return version


def dossier_update(*, actor: User, application: Application, data: dict) -> DossierVersion:
    with transaction.atomic():
        application = Application.objects.select_for_update(no_key=True).get(pk=application.pk)
        version = dossier_editable_version(actor=actor, application=application)
        for name, value in data.items():
            if name not in DOSSIER_FIELDS:
                raise ValidationError({name: _("Unknown dossier field.")})
            setattr(version, name, value)
        version.full_clean(exclude=["application"])
        version.save()
        application.updated_at = timezone.now()
        application.save(update_fields=["updated_at"])
    return version


def dossier_diff(older: DossierVersion, newer: DossierVersion) -> list[dict]:
    """Fields and evidence files that changed between two versions, for reviewers."""
    older_values = model_to_dict(older, fields=DOSSIER_FIELDS)
    newer_values = model_to_dict(newer, fields=DOSSIER_FIELDS)
    changes = [
        {
            "field": name,
            "label": str(cast(Field, DossierVersion._meta.get_field(name)).verbose_name),
            "before": older_values.get(name),
            "after": newer_values.get(name),
        }
        for name in DOSSIER_FIELDS
        if older_values.get(name) != newer_values.get(name)
    ]
    older_files = {f.pk: f for f in older.files.all()}
    newer_files = {f.pk: f for f in newer.files.all()}
    for pk in newer_files.keys() - older_files.keys():
        changes.append(
            {
                "field": "files",
                "label": _("Evidence added"),
                "before": None,
                "after": newer_files[pk].original_name,
            }
        )
    for pk in older_files.keys() - newer_files.keys():
        changes.append(
            {
                "field": "files",
                "label": _("Evidence removed"),
                "before": older_files[pk].original_name,
                "after": None,
            }
        )
    return changes


# --- team ---------------------------------------------------------------------------------

TEAM_EDITABLE_STATUSES = {Status.ACCEPTED}


@transaction.atomic
def team_assign(
    *, actor: User, application: Application, members: list[User], lead: User
) -> list[TeamMember]:
    """Set the evaluation team. Each member is a reviewer of the body, not blacklisted."""
    application = Application.objects.select_for_update(no_key=True).get(pk=application.pk)
    body = application.certification_body
    if not user_has_role(actor, Role.BODY_ADMIN, body):
        raise ActorNotPermitted(_("Only the body's administrator assigns the team."))
    if application.status not in TEAM_EDITABLE_STATUSES:
        raise TransitionNotAllowed(_("The team is set after acceptance and before planning."))
    blacklist_ensure_clear(organisations=[body], people=[actor])
    members = list(dict.fromkeys([*members, lead]))  # each person once, the lead included
    team_members_check(body=body, enterprise=application.enterprise, members=members)
    application.team.all().delete()
    return [
        TeamMember.objects.create(application=application, user=member, is_lead=member == lead)
        for member in members
    ]


# Until the evaluation is complete, a member of the team can be replaced: the file has not yet
# left the team's hands.
TEAM_REPLACEABLE_STATUSES = {
    Status.ACCEPTED,
    Status.PLANNED,
    Status.IN_EVALUATION,
    Status.AWAITING_ENTERPRISE,
}


@transaction.atomic
def team_member_replace(
    *, actor: User, application: Application, member: User, replacement: User
) -> TeamMember:
    """Put `replacement` on the evaluation team in `member`'s place, as its lead if `member`
    led it. The newcomer passes the checks of `team_assign` (``team_members_check``) and declares
    on conflicts of interest before the team takes its next step (team_declared_no_conflict)."""
    application = (
        Application.objects.select_for_update(of=("self",), no_key=True)
        .select_related("enterprise", "certification_body")
        .get(pk=application.pk)
    )
    body = application.certification_body
    if not user_has_role(actor, Role.BODY_ADMIN, body):
        raise ActorNotPermitted(_("Only the body's administrator changes the team."))
    if application.status not in TEAM_REPLACEABLE_STATUSES:
        raise TransitionNotAllowed(
            _("The team can be changed from acceptance until the evaluation is complete.")
        )
    blacklist_ensure_clear(organisations=[body], people=[actor])
    seat = team_seat_give(
        seats=application.team.all(),
        member=member,
        replacement=replacement,
        body=body,
        enterprise=application.enterprise,
    )
    chain_append(
        "certification:team:replaced",
        {
            "reference": application.reference,
            "status": application.status,
            "replaced": member.pk,
            "replacement": replacement.pk,
            "lead": seat.is_lead,
        },
        actor=actor,
        application_id=application.pk,
        body_id=body.pk,
    )
    notifications.notify_team_change(
        application=application, actor=actor, member=member, replacement=replacement
    )
    return seat


@transaction.atomic
def team_declare(
    *, actor: User, application: Application, has_conflict: bool, note: str = ""
) -> TeamMember:
    member = (
        TeamMember.objects.select_for_update(no_key=True)
        .filter(application=application, user=actor)
        .first()
    )
    if member is None:
        raise ActorNotPermitted(_("You are not on this evaluation team."))
    if has_conflict and not note.strip():
        raise ValidationError({"note": _("Describe the conflict of interest.")})
    member.declaration = "conflict" if has_conflict else "no_conflict"
    member.declaration_note = note
    member.declared_at = timezone.now()
    member.save(update_fields=["declaration", "declaration_note", "declared_at"])
    return member


# --- peer review --------------------------------------------------------------------------

PEER_ASSIGNABLE_STATUSES = {
    Status.ACCEPTED,
    Status.PLANNED,
    Status.IN_EVALUATION,
    Status.AWAITING_ENTERPRISE,
    Status.TECHNICAL_REVIEW,
}


@transaction.atomic
def peer_review_assign(*, actor: User, application: Application, reviewer: User) -> PeerReview:
    application = Application.objects.select_for_update(no_key=True).get(pk=application.pk)
    if not user_has_role(actor, Role.BODY_ADMIN, application.certification_body):
        raise ActorNotPermitted(_("Only the body's administrator requests a peer review."))
    if application.status not in PEER_ASSIGNABLE_STATUSES:
        raise TransitionNotAllowed(_("A peer reviewer cannot be assigned at this stage."))
    blacklist_ensure_clear(organisations=[application.certification_body], people=[actor])
    peer_body = next(
        (
            m.organisation
            for m in reviewer.memberships.select_related("organisation")
            if m.role == Role.REVIEWER
            and m.organisation.is_active_body
            and m.organisation_id != application.certification_body_id
        ),
        None,
    )
    if peer_body is None:
        raise GuardFailed(
            "peer_body_differs",
            _("The peer reviewer must be a reviewer of another active certification body."),
        )
    if reviewer.memberships.filter(organisation=application.enterprise).exists():
        raise GuardFailed("conflict_of_interest", _("The peer reviewer belongs to the enterprise."))
    blacklist_ensure_clear(organisations=[peer_body], people=[reviewer])
    application.peer_reviews.filter(is_current=True).update(is_current=False)
    return PeerReview.objects.create(
        application=application, reviewer=reviewer, body=peer_body, assigned_by=actor
    )


@transaction.atomic
def peer_review_declare(
    *, actor: User, application: Application, has_conflict: bool, note: str = ""
) -> PeerReview:
    peer_review = (
        application.peer_reviews.select_for_update(no_key=True)
        .filter(is_current=True, reviewer=actor)
        .first()
    )
    if peer_review is None:
        raise ActorNotPermitted(_("You are not the peer reviewer of this application."))
    if has_conflict and not note.strip():
        raise ValidationError({"note": _("Describe the conflict of interest.")})
    peer_review.declaration = "conflict" if has_conflict else "no_conflict"
    peer_review.declared_at = timezone.now()
    if has_conflict:
        peer_review.comments = note
    peer_review.save(update_fields=["declaration", "declared_at", "comments"])
    return peer_review


# --- certificate --------------------------------------------------------------------------


# --- evidence -----------------------------------------------------------------------------


def evidence_upload(
    *, actor: User, application: Application, kind: str, upload: UploadedFile
) -> EvidenceFile:
    """Check the file by content, store it and attach it to the open dossier version.

    The check runs before anything is written; if storing or saving fails, the transaction
    rolls back and the stored bytes are removed, so a failed upload leaves nothing behind.
    """
    checked = check_upload(upload)
    if kind not in EvidenceKind.values:
        raise ValidationError({"kind": _("Choose the kind of evidence.")})
    with transaction.atomic():
        application = Application.objects.select_for_update(no_key=True).get(pk=application.pk)
        version = dossier_editable_version(actor=actor, application=application)
        evidence = EvidenceFile(application=application, kind=kind)
        evidence.record_check(upload, checked, actor)
        evidence.file.save("upload", upload, save=False)
        stored_name = evidence.file.name
        try:
            evidence.save()
            version.files.add(evidence)
        except Exception:
            if stored_name:
                evidence.file.storage.delete(stored_name)
            raise
    return evidence


@transaction.atomic
def evidence_remove(*, actor: User, application: Application, evidence: EvidenceFile) -> None:
    """Detach a file from the open version; frozen versions keep it."""
    application = Application.objects.select_for_update(no_key=True).get(pk=application.pk)
    version = dossier_editable_version(actor=actor, application=application)
    version.files.remove(evidence)
