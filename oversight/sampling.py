"""Random sampling, 双随机、一公开: certificates and inspectors drawn at random with a published
seed, and the re-inspection each drawn certificate gets.

The draw is a pure function of the seed and the population, so anyone holding both can replay
it (docs/oversight.md gives the recipe in full):

- population: the certificates whose status is "valid" (suspended ones are already under
  corrective action), ordered by certificate number; its hash is the SHA-256 of the numbers
  joined by "\\n" (UTF-8, no trailing newline);
- each certificate's draw key is SHA-256("<seed>\\n<certificate number>"); the certificates with
  the smallest keys are drawn (in each stratum, when stratified), listed in key order;
- stratified by body or by product category, each stratum gets size × its share, rounded
  down, and the places left go to the largest remainders (ties: the stratum code, ascending);
- each drawn certificate's inspector is the eligible person with the smallest
  SHA-256("<seed>\\n<certificate number>\\n<username>").
"""

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from fractions import Fraction

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import BodyStatus, Membership, User
from accounts.roles import OrganisationKind, Role
from accounts.selectors import user_is_regulator, user_organisations
from audits.chain.services import chain_append
from audits.models import PeerReview, TeamMember
from audits.selectors import blacklist_ensure_clear, blacklist_hits
from certification.errors import ActorNotPermitted, GuardFailed, TransitionNotAllowed
from certification.models import ApplicationEvent, Certificate, CertificateStatus
from oversight.models import (
    ReinspectionAction,
    ReinspectionOutcome,
    ReinspectionStatus,
    SamplingDraw,
    SamplingItem,
    SamplingStratum,
)

POPULATION_STATUSES = (CertificateStatus.VALID,)


@dataclass(frozen=True)
class Drawn:
    certificate: Certificate
    inspector: User


@dataclass(frozen=True)
class Draw:
    seed: str
    size: int
    stratify_by: str
    population_hash: str
    population_size: int
    items: tuple[Drawn, ...]

    def lines(self) -> list[str]:
        """What `manage.py sampling_draw` prints."""
        return [f"{d.certificate.number} {d.inspector.username}" for d in self.items] + [
            f"population {self.population_hash}"
        ]


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def sampling_population() -> list[Certificate]:
    return list(
        Certificate.objects.filter(status__in=POPULATION_STATUSES)
        .select_related("certification_body", "product__category")
        .order_by("number")
    )


def population_hash(certificates: list[Certificate]) -> str:
    return _sha256("\n".join(c.number for c in certificates))


def _stratum(certificate: Certificate, stratify_by: str) -> str:
    if stratify_by == SamplingStratum.BODY:
        return certificate.certification_body.code or ""
    if stratify_by == SamplingStratum.CATEGORY:
        return certificate.product.category.code
    return ""


def allocate(sizes: dict[str, int], size: int) -> dict[str, int]:
    """Proportional allocation with largest remainders; ties go to the smaller stratum code."""
    total = sum(sizes.values())
    size = min(size, total)
    if total == 0:
        return dict.fromkeys(sizes, 0)
    shares = {key: Fraction(size * count, total) for key, count in sizes.items()}
    quota = {key: int(share) for key, share in shares.items()}
    left = size - sum(quota.values())
    by_remainder = sorted(shares, key=lambda key: (-(shares[key] - quota[key]), key))
    for key in by_remainder[:left]:
        quota[key] += 1
    return quota


def inspector_pool() -> list[tuple[User, set[int]]]:
    """Reviewers of active certification bodies and the regulator's people, each with the ids
    of the organisations they belong to; inactive and blacklisted people are left out, and so
    is everyone of a blacklisted organisation."""
    memberships = (
        Membership.objects.filter(user__is_active=True)
        .filter(
            Q(
                role=Role.REVIEWER,
                organisation__kind=OrganisationKind.CERTIFICATION_BODY,
                organisation__status=BodyStatus.ACTIVE,
            )
            | Q(role=Role.REGULATOR)
        )
        .values_list("user_id", flat=True)
    )
    people = list(User.objects.filter(pk__in=memberships).order_by("username"))
    organisations: dict[int, set[int]] = defaultdict(set)
    for user_id, organisation_id in Membership.objects.filter(user__in=people).values_list(
        "user_id", "organisation_id"
    ):
        organisations[user_id].add(organisation_id)
    listed = blacklist_hits(
        people=people,
        organisations=[
            m.organisation
            for m in Membership.objects.filter(user__in=people).select_related("organisation")
        ],
    )
    listed_people = {e.person_id for e in listed if e.person_id}
    listed_organisations = {e.organisation_id for e in listed if e.organisation_id}
    return [
        (person, organisations[person.pk])
        for person in people
        if person.pk not in listed_people and not organisations[person.pk] & listed_organisations
    ]


def certification_participants(certificates: list[Certificate]) -> dict[int, set[int]]:
    """By application: the people who took part in certifying it (its evaluation team, its
    peer reviewers, whoever took a step of its procedure), who may not re-inspect it."""
    application_ids = [certificate.application_id for certificate in certificates]
    people: dict[int, set[int]] = defaultdict(set)
    for rows in (
        TeamMember.objects.filter(application_id__in=application_ids).values_list(
            "application_id", "user_id"
        ),
        PeerReview.objects.filter(application_id__in=application_ids).values_list(
            "application_id", "reviewer_id"
        ),
        ApplicationEvent.objects.filter(
            application_id__in=application_ids, actor__isnull=False
        ).values_list("application_id", "actor_id"),
    ):
        for application_id, user_id in rows:
            people[application_id].add(user_id)
    return people


def _inspector_for(
    seed: str,
    certificate: Certificate,
    pool: list[tuple[User, set[int]]],
    participants: set[int],
) -> User:
    excluded = {certificate.certification_body_id, certificate.enterprise_id}
    eligible = [
        person
        for person, organisations in pool
        if not organisations & excluded and person.pk not in participants
    ]
    if not eligible:
        raise ValidationError(
            _("No inspector outside %(body)s is eligible for %(number)s.")
            % {"body": certificate.certification_body, "number": certificate.number}
        )
    return min(eligible, key=lambda p: _sha256(f"{seed}\n{certificate.number}\n{p.username}"))


SEED_MAX_LENGTH = 200
SIZE_MAX = 10_000


def sampling_draw_compute(*, seed: str, size: int, stratify_by: str = "") -> Draw:
    """The draw, written nowhere: `--dry-run` shows it, `sampling_draw_record` records it."""
    if not seed.strip():
        raise ValidationError({"seed": _("Give the seed to publish.")})
    if len(seed) > SEED_MAX_LENGTH:
        raise ValidationError(
            {"seed": _("The seed is at most %(n)s characters.") % {"n": SEED_MAX_LENGTH}}
        )
    if size < 1:
        raise ValidationError({"size": _("Draw at least one certificate.")})
    if size > SIZE_MAX:
        raise ValidationError(
            {"size": _("Draw at most %(n)s certificates at a time.") % {"n": SIZE_MAX}}
        )
    if stratify_by not in SamplingStratum.values:
        raise ValidationError({"stratify_by": _("Stratify by body or by category.")})
    population = sampling_population()
    strata: dict[str, list[Certificate]] = defaultdict(list)
    for certificate in population:
        strata[_stratum(certificate, stratify_by)].append(certificate)
    quota = allocate({key: len(members) for key, members in strata.items()}, size)
    chosen: list[Certificate] = []
    for key in sorted(strata):
        ranked = sorted(strata[key], key=lambda c: _sha256(f"{seed}\n{c.number}"))
        chosen.extend(ranked[: quota[key]])
    chosen.sort(key=lambda c: _sha256(f"{seed}\n{c.number}"))
    pool = inspector_pool()
    participants = certification_participants(chosen)
    items = tuple(
        Drawn(
            certificate=c,
            inspector=_inspector_for(seed, c, pool, participants[c.application_id]),
        )
        for c in chosen
    )
    return Draw(
        seed=seed,
        size=size,
        stratify_by=stratify_by,
        population_hash=population_hash(population),
        population_size=len(population),
        items=items,
    )


def sampling_draw_record(
    *, actor: User, seed: str, size: int, stratify_by: str = ""
) -> tuple[SamplingDraw, Draw]:
    """Draw and record: the draw, and one re-inspection task per drawn certificate."""
    if not user_is_regulator(actor):
        raise ActorNotPermitted(_("Only the regulator draws certificates for re-inspection."))
    with transaction.atomic():
        draw = sampling_draw_compute(seed=seed, size=size, stratify_by=stratify_by)
        record = SamplingDraw.objects.create(
            seed=draw.seed,
            size=draw.size,
            stratify_by=draw.stratify_by,
            population_hash=draw.population_hash,
            population_size=draw.population_size,
            drawn_by=actor,
        )
        SamplingItem.objects.bulk_create(
            [
                SamplingItem(
                    draw=record,
                    position=position,
                    certificate=item.certificate,
                    inspector=item.inspector,
                )
                for position, item in enumerate(draw.items, start=1)
            ]
        )
        chain_append(
            "audits:sampling:drawn",
            {
                "draw": record.pk,
                "seed": draw.seed,
                "size": draw.size,
                "stratifyBy": draw.stratify_by,
                "populationHash": draw.population_hash,
                "populationSize": draw.population_size,
                "items": [
                    {"certificate": item.certificate.number, "inspector": item.inspector.pk}
                    for item in draw.items
                ],
            },
            actor=actor,
        )
    return record, draw


# --- the re-inspection: a small procedure of its own --------------------------------------

# (status, outcome) → status. The inspector records one outcome; the task then closes.
REINSPECTION_TRANSITIONS: dict[tuple[str, str], str] = {
    (ReinspectionStatus.ASSIGNED, ReinspectionOutcome.CONFORMING): ReinspectionStatus.COMPLETED,
    (ReinspectionStatus.ASSIGNED, ReinspectionOutcome.NONCONFORMING): ReinspectionStatus.COMPLETED,
}
# What a nonconforming outcome does to the label, through the label services.
LABEL_ACTION: dict[str, str] = {
    ReinspectionAction.SUSPEND: "suspend",
    ReinspectionAction.WITHDRAW: "revoke",
}


def reinspection_record(
    *, actor: User, item_id: int, outcome: str, findings: str, action: str = ""
) -> SamplingItem:
    """The drawn inspector records findings and the outcome; a nonconforming outcome suspends
    or withdraws the certificate's label in the same transaction."""
    from labels.models import Label, LabelStatus, ReasonCode  # labels imports this app's models
    from labels.services import certificate_suspension_reason_change, label_change_status

    with transaction.atomic():
        item = (
            SamplingItem.objects.select_for_update(of=("self",), no_key=True)
            .select_related("certificate")
            .get(pk=item_id)
        )
        if item.inspector_id != actor.pk:
            raise ActorNotPermitted(
                _("Only the inspector drawn for this certificate records its re-inspection.")
            )
        target = REINSPECTION_TRANSITIONS.get((item.status, outcome))
        if target is None:
            raise TransitionNotAllowed(
                _("This re-inspection has already been recorded.")
                if item.status == ReinspectionStatus.COMPLETED
                else _("Choose conforming or nonconforming.")
            )
        # The inspector's body too: a listing made since the draw stops its people.
        blacklist_ensure_clear(people=[actor], organisations=user_organisations(actor))
        if not findings.strip():
            raise GuardFailed("findings_given", _("Write down the findings."))
        if outcome == ReinspectionOutcome.NONCONFORMING and action not in LABEL_ACTION:
            raise GuardFailed(
                "action_given",
                _("A nonconforming outcome suspends or withdraws the certificate: choose which."),
            )
        if outcome == ReinspectionOutcome.CONFORMING:
            action = ReinspectionAction.NONE
        else:
            label = (
                Label.objects.filter(
                    certificate=item.certificate,
                    status__in=[LabelStatus.VALID, LabelStatus.SUSPENDED],
                )
                .order_by("-certificate_version")
                .first()
            )
            if label is None:
                raise TransitionNotAllowed(_("The certificate has no label that can change."))
            reason = _("Random sampling re-inspection %(draw)s: %(findings)s") % {
                "draw": item.draw.seed,
                "findings": findings,
            }
            if label.status == LabelStatus.SUSPENDED and action == ReinspectionAction.SUSPEND:
                # Already suspended: it stays so, now for the re-inspection's outcome.
                certificate_suspension_reason_change(
                    certificate_id=label.certificate_id,
                    reason=reason,
                    actor=actor,
                    reason_code=ReasonCode.REINSPECTION,
                )
            else:
                label_change_status(
                    actor=actor,
                    label_id=label.pk,
                    action=LABEL_ACTION[action],
                    reason=reason,
                    reason_code=ReasonCode.REINSPECTION,
                )
        item.status = target
        item.outcome = outcome
        item.action = action
        item.findings = findings
        item.outcome_date = timezone.localdate()
        item.recorded_at = timezone.now()
        item.save(
            update_fields=["status", "outcome", "action", "findings", "outcome_date", "recorded_at"]
        )
        # After the label's change: it locks the certificate and its labels first.
        certificate = item.certificate
        chain_append(
            "audits:sampling:reinspected",
            {
                "draw": item.draw_id,
                "position": item.position,
                "certificate": certificate.number,
                "outcome": outcome,
                "action": action,
                "findings": findings,
            },
            actor=actor,
            application_id=certificate.application_id,
            certificate_id=certificate.pk,
            body_id=certificate.certification_body_id,
        )
    return item


def reinspection_list_for_actor(user: User):
    """The re-inspection tasks a person sees: their own; the regulator sees every one."""
    items = SamplingItem.objects.select_related(
        "draw", "certificate__product", "certificate__certification_body", "inspector"
    )
    if user_is_regulator(user):
        return items
    return items.filter(inspector=user) if user.is_authenticated else items.none()


def reinspection_get_for_actor(user: User, item_id: int) -> SamplingItem:
    from django.http import Http404

    item = reinspection_list_for_actor(user).filter(pk=item_id).first()
    if item is None:
        raise Http404
    return item


def reinspection_assigned(user: User, certificate_id: int) -> bool:
    """Whether the person is the inspector drawn to re-inspect the certificate, while that
    re-inspection is open: they may then suspend or withdraw its label."""
    return SamplingItem.objects.filter(
        certificate_id=certificate_id, inspector=user, status=ReinspectionStatus.ASSIGNED
    ).exists()
