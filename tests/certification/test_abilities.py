"""What a person may do with an application: one selector (`certification.abilities`) answers
the application page, its template and the API alike."""

import pytest
from django.test import Client
from django.urls import reverse

from certification.models import Status
from tests.conftest import World, build_application
from tests.second_factor import sign_in

pytestmark = pytest.mark.django_db

S = Status
NOTHING = {
    "read_dossier": False,
    "edit_dossier": False,
    "assign_team": False,
    "assign_peer_reviewer": False,
    "declare_as_peer_reviewer": False,
    "raise_findings": False,
    "answer_findings": False,
    "close_findings": False,
    "edit_evaluation": False,
    "edit_variants": False,
}

# (status, persona) → the abilities that are true (every other one is false), and the actions.
CASES = [
    (
        S.DRAFT,
        "enterprise_admin",
        {"read_dossier", "edit_dossier", "edit_variants"},
        ["submit", "withdraw"],
    ),
    (S.DRAFT, "enterprise_member", {"read_dossier", "edit_dossier", "edit_variants"}, ["submit"]),
    (S.SUBMITTED, "enterprise_admin", {"read_dossier"}, ["withdraw"]),
    (S.SUBMITTED, "body_admin", {"read_dossier"}, ["accept", "reject"]),
    (S.ACCEPTED, "body_admin", {"read_dossier", "assign_team", "assign_peer_reviewer"}, ["plan"]),
    (S.PLANNED, "reviewer", {"read_dossier", "edit_evaluation"}, ["start_evaluation"]),
    (S.PLANNED, "body_admin", {"read_dossier", "assign_peer_reviewer"}, []),
    (
        S.IN_EVALUATION,
        "reviewer",
        {"read_dossier", "edit_evaluation", "raise_findings", "close_findings"},
        ["request_changes", "complete_evaluation"],
    ),
    (
        S.AWAITING_ENTERPRISE,
        "enterprise_member",
        {"read_dossier", "edit_dossier", "answer_findings"},
        ["resubmit"],
    ),
    (S.AWAITING_ENTERPRISE, "reviewer", {"read_dossier", "edit_evaluation"}, []),
    (S.TECHNICAL_REVIEW, "body_admin", {"read_dossier", "assign_peer_reviewer"}, []),
    (
        S.TECHNICAL_REVIEW,
        "technical_reviewer",
        {"read_dossier"},
        ["return_to_evaluation", "pass_technical_review"],
    ),
    (
        S.PEER_REVIEW,
        "peer_reviewer",
        {"read_dossier", "declare_as_peer_reviewer"},
        ["peer_send_back", "peer_endorse"],
    ),
    (S.DECISION, "decision_maker", {"read_dossier"}, ["approve", "refuse"]),
    (S.DECISION, "regulator", {"read_dossier"}, []),
]


def _api_abilities(world: World, user, application) -> dict:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    sign_in(client, user)
    answer = client.get(reverse("api-application", args=[application.pk]))
    assert answer.status_code == 200
    body = answer.json()
    assert body["available_actions"] == body["abilities"]["actions"]
    return body["abilities"]


@pytest.mark.parametrize(
    ("status", "persona", "granted", "actions"),
    CASES,
    ids=[f"{status}-{persona}" for status, persona, _, _ in CASES],
)
def test_the_page_and_the_api_give_the_same_abilities(
    world: World, status: str, persona: str, granted: set[str], actions: list[str]
) -> None:
    application = build_application(world, status)
    user = world.persona(persona)
    expected = {**NOTHING, **dict.fromkeys(granted, True)}

    abilities = _api_abilities(world, user, application)

    assert {k: v for k, v in abilities.items() if k != "actions"} == expected
    assert sorted(abilities["actions"]) == sorted(actions)
    page = Client(HTTP_ACCEPT_LANGUAGE="en")
    sign_in(page, user)
    may = page.get(reverse("certification:application_detail", args=[application.pk])).context[
        "may"
    ]
    assert may.as_api() == abilities


def test_a_frozen_dossier_is_not_editable_even_where_the_status_allows_it(world: World) -> None:
    application = build_application(world, S.AWAITING_ENTERPRISE)
    current = application.dossier_versions.last()
    assert current is not None
    current.frozen_at = application.updated_at
    current.save(update_fields=["frozen_at"])

    abilities = _api_abilities(world, world.enterprise_member, application)

    assert abilities["edit_dossier"] is False
    assert abilities["answer_findings"] is True


def test_the_template_shows_a_control_exactly_where_the_ability_is(world: World) -> None:
    application = build_application(world, S.DRAFT)
    page_of = {}
    for persona in ("enterprise_admin", "body_admin"):
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        sign_in(client, world.persona(persona))
        page_of[persona] = client.get(
            reverse("certification:application_detail", args=[application.pk])
        ).content.decode()

    assert 'data-testid="edit-dossier"' in page_of["enterprise_admin"]
    assert 'data-testid="edit-dossier"' not in page_of["body_admin"]
