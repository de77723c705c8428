"""双随机: the draw is reproducible from its seed and population, stratified when asked, and never
sends a body's own people to re-inspect its certificates."""

import hashlib
import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.roles import Role
from audits.models import BlacklistEntry, PeerReview, TeamMember
from certification.errors import ActorNotPermitted
from certification.models import ApplicationEvent, CertificateStatus
from oversight.models import SamplingDraw, SamplingItem
from oversight.sampling import (
    allocate,
    inspector_pool,
    sampling_draw_compute,
    sampling_draw_record,
)
from tests.factories import member_of


@pytest.fixture
def population(world, third_body, certificate_of, other_category) -> list:
    """12 valid certificates: 6 of body X, 4 of body Y, 2 of body Z; 3 in another category;
    plus a suspended and a revoked one that are not part of the population."""
    certificates = [certificate_of(world.body) for _ in range(6)]
    certificates += [certificate_of(world.peer_body) for _ in range(3)]
    certificates += [certificate_of(world.peer_body, category=other_category)]
    certificates += [certificate_of(third_body, category=other_category) for _ in range(2)]
    certificate_of(world.body, status=CertificateStatus.SUSPENDED)
    certificate_of(world.body, status=CertificateStatus.REVOKED)
    return certificates


def run(*args: str) -> list[str]:
    out = StringIO()
    call_command("sampling_draw", *args, stdout=out)
    return out.getvalue().splitlines()


def test_the_same_seed_and_population_give_the_same_lines(population) -> None:
    first = run("--seed", "2026-Q4-public", "--size", "5", "--dry-run")
    second = run("--seed", "2026-Q4-public", "--size", "5", "--dry-run")

    assert first == second
    assert len(first) == 6


def test_another_seed_gives_another_draw(population) -> None:
    draws = {
        tuple(run("--seed", seed, "--size", "4", "--dry-run")[:-1])
        for seed in ("alpha", "beta", "gamma")
    }

    assert len(draws) == 3


def test_the_output_is_one_line_per_certificate_then_the_population_hash(
    population,
    world,
) -> None:
    lines = run("--seed", "s", "--size", "3", "--dry-run")

    numbers = sorted(c.number for c in population)
    expected_hash = hashlib.sha256("\n".join(numbers).encode()).hexdigest()
    assert lines[-1] == f"population {expected_hash}"
    for line in lines[:-1]:
        assert re.fullmatch(r"CFP-[A-Z0-9]+-\d{4}-\d{5} [\w.@+-]+", line)
    assert {line.split()[0] for line in lines[:-1]} <= set(numbers)


def test_the_draw_is_the_published_recipe(population) -> None:
    """Anyone can replay it with SHA-256 alone: smallest keys drawn, in key order."""
    seed = "replay-me"
    numbers = sorted(c.number for c in population)
    expected = sorted(numbers, key=lambda n: hashlib.sha256(f"{seed}\n{n}".encode()).hexdigest())[
        :4
    ]

    drawn = [line.split()[0] for line in run("--seed", seed, "--size", "4", "--dry-run")[:-1]]

    assert drawn == expected


def test_suspended_and_revoked_certificates_are_not_in_the_population(population) -> None:
    draw = sampling_draw_compute(seed="all", size=100)

    assert draw.population_size == 12
    assert {item.certificate.status for item in draw.items} == {CertificateStatus.VALID}
    assert len(draw.items) == 12


def test_the_population_hash_changes_with_the_population(population, world, certificate_of) -> None:
    before = run("--seed", "s", "--size", "2", "--dry-run")[-1]
    certificate_of(world.body)
    after = run("--seed", "s", "--size", "2", "--dry-run")[-1]
    population[0].status = CertificateStatus.SUSPENDED
    population[0].save()
    later = run("--seed", "s", "--size", "2", "--dry-run")[-1]

    assert len({before, after, later}) == 3


@pytest.mark.parametrize("seed", [f"seed-{n}" for n in range(60)])
def test_the_issuing_bodys_staff_are_never_drawn_as_inspectors(population, world, seed) -> None:
    member_of(world.body, Role.REVIEWER, username="x_reviewer_3")
    member_of(world.peer_body, Role.REVIEWER, username="y_reviewer_2")

    draw = sampling_draw_compute(seed=seed, size=12)

    assert len(draw.items) == 12
    for item in draw.items:
        staff = set(
            item.certificate.certification_body.memberships.values_list("user_id", flat=True)
        )
        assert item.inspector.pk not in staff
        assert not item.inspector.memberships.filter(
            organisation=item.certificate.enterprise
        ).exists()


@pytest.mark.parametrize("seed", [f"seed-{n}" for n in range(20)])
def test_who_took_part_in_the_certification_is_never_its_inspector(
    world, issue_label, seed
) -> None:
    """The built application's evaluation team, its peer reviewer (of a second body) and
    whoever took a step of its procedure."""
    label = issue_label()
    application = label.certificate.application
    # People of other bodies, who are in the pool: a technical expert on the team, and someone
    # who took a step of the procedure (the World's own staff are out as the issuing body's).
    expert = member_of(world.peer_body, Role.REVIEWER, username="expert-y")
    TeamMember.objects.create(application=application, user=expert)
    stepped = member_of(world.peer_body, Role.REVIEWER, username="stepped-y")
    ApplicationEvent.objects.create(
        application=application,
        actor=stepped,
        action="accept",
        from_status="submitted",
        to_status="accepted",
    )
    took_part = (
        set(application.team.values_list("user_id", flat=True))
        | set(PeerReview.objects.filter(application=application).values_list("reviewer", flat=True))
        | set(application.events.exclude(actor=None).values_list("actor_id", flat=True))
    )
    assert {world.peer_reviewer.pk, expert.pk, stepped.pk} <= took_part

    (item,) = sampling_draw_compute(seed=seed, size=1).items

    assert item.certificate == label.certificate
    assert item.inspector.pk not in took_part


def test_the_pool_is_reviewers_of_active_bodies_and_regulators_not_the_blacklisted(
    world,
    third_body,
) -> None:
    listed = member_of(third_body, Role.REVIEWER, username="listed_reviewer")
    BlacklistEntry.objects.create(
        person=listed,
        reason="r",
        source_document="d",
        effective_from="2020-01-01",
        created_by=world.regulator,
    )

    pool = {person.username for person, _ in inspector_pool()}

    assert pool == {"reviewer", "reviewer2", "peer_reviewer", "regulator", "third_reviewer"}


def test_a_listed_body_s_reviewers_leave_the_pool(world, third_body) -> None:
    BlacklistEntry.objects.create(
        organisation=third_body,
        reason="r",
        source_document="d",
        effective_from="2020-01-01",
        created_by=world.regulator,
    )

    assert "third_reviewer" not in {person.username for person, _ in inspector_pool()}


def test_stratified_by_body_allocates_in_proportion(population) -> None:
    lines = run("--seed", "strata", "--size", "6", "--by", "body", "--dry-run")

    bodies = [line.split()[0].split("-")[1] for line in lines[:-1]]
    # 6 / 4 / 2 of 12 → 3 / 2 / 1 of 6.
    assert sorted(bodies) == ["BPC", "BPC", "CQC", "CQC", "CQC", "STC"]


def test_stratified_by_category_allocates_in_proportion(population, other_category) -> None:
    draw = sampling_draw_compute(seed="strata", size=4, stratify_by="category")

    categories = sorted(item.certificate.product.category.code for item in draw.items)
    # 9 / 3 of 12 → 3 / 1 of 4.
    assert categories == ["CAT-STEEL", "LIB-CONSUMER", "LIB-CONSUMER", "LIB-CONSUMER"]


@pytest.mark.parametrize(
    ("sizes", "size", "expected"),
    [
        ({"a": 6, "b": 4, "c": 2}, 6, {"a": 3, "b": 2, "c": 1}),
        ({"a": 1, "b": 1, "c": 1}, 2, {"a": 1, "b": 1, "c": 0}),  # ties: the smaller code
        ({"a": 5, "b": 3}, 3, {"a": 2, "b": 1}),  # 1.875 / 1.125 → largest remainder to a
        ({"a": 2}, 10, {"a": 2}),  # never more than the stratum holds
    ],
)
def test_allocation_is_proportional_with_largest_remainders(sizes, size, expected) -> None:
    assert allocate(sizes, size) == expected


def test_a_dry_run_records_nothing(population) -> None:
    run("--seed", "s", "--size", "3", "--dry-run")

    assert SamplingDraw.objects.count() == 0
    assert SamplingItem.objects.count() == 0


def test_a_recorded_draw_keeps_seed_hash_and_tasks(population, world) -> None:
    lines = run("--seed", "recorded", "--size", "3", "--by", "body")

    draw = SamplingDraw.objects.get()
    assert (draw.seed, draw.size, draw.stratify_by, draw.population_size, draw.drawn_by) == (
        "recorded",
        3,
        "body",
        12,
        world.regulator,
    )
    assert lines[-1] == f"population {draw.population_hash}"
    assert [
        f"{i.certificate.number} {i.inspector.username}" for i in draw.items.order_by("position")
    ] == lines[:-1]
    assert set(draw.items.values_list("status", flat=True)) == {"assigned"}
    # The same seed over the same population replays the recorded draw.
    assert run("--seed", "recorded", "--size", "3", "--by", "body", "--dry-run") == lines


def test_only_the_regulator_records_a_draw(population, world) -> None:
    for persona in ("body_admin", "reviewer", "enterprise_admin", "platform_admin"):
        with pytest.raises(ActorNotPermitted):
            sampling_draw_record(actor=world.persona(persona), seed="s", size=2)
    assert SamplingDraw.objects.count() == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--seed", " ", "--size", "2"), "Give the seed to publish."),
        (("--seed", "s", "--size", "0"), "Draw at least one certificate."),
    ],
)
def test_bad_arguments_are_refused(population, args, message) -> None:
    with pytest.raises(CommandError, match=message):
        run(*args, "--dry-run")


def test_recording_needs_one_regulator(population, world, third_body) -> None:
    member_of(world.regulator_organisation, Role.REGULATOR, username="regulator2")

    with pytest.raises(CommandError, match="--as USERNAME"):
        run("--seed", "s", "--size", "1")
    run("--seed", "s", "--size", "1", "--as", "regulator2")
    assert SamplingDraw.objects.get().drawn_by.username == "regulator2"


@pytest.mark.parametrize(
    "arguments",
    [
        ["--seed", "s", "--size", "999999999999999999999"],
        ["--seed", "s", "--size", "10001"],
        ["--seed", "x" * 201, "--size", "1"],
    ],
)
def test_out_of_range_arguments_are_a_clear_error(db, arguments) -> None:
    with pytest.raises(CommandError):
        call_command("sampling_draw", *arguments, "--dry-run", stdout=StringIO())
