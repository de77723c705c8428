"""Need to know in the portal (ISO/IEC 17065 confidentiality), as tests/certification/
test_api_permissions.py checks it through the API: a reviewer of the body who is not on the
file's team reads none of its dossier, evidence, inventory or workbench; the regulator reads
nothing of a draft the enterprise never submitted."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.roles import Role
from certification.models import ApplicationEvent, Status
from tests.factories import member_of
from tests.second_factor import sign_in

pytestmark = pytest.mark.django_db


def pages(application) -> dict[str, str]:
    pk = application.pk
    evidence = application.dossier_versions.order_by("number").first().files.first()
    found = {
        "evidence": reverse(
            "certification:evidence_download", kwargs={"pk": pk, "file_id": evidence.pk}
        ),
        "inventory": reverse("footprint:inventory", kwargs={"pk": pk}),
        "inventory export": reverse(
            "footprint:inventory_export", kwargs={"pk": pk, "file_format": "csv"}
        ),
        "workbench": reverse("footprint:workbench", kwargs={"pk": pk}),
    }
    if application.dossier_versions.filter(number=2).exists():
        found["changes"] = reverse("certification:dossier_diff", kwargs={"pk": pk, "number": 2})
    return found


def signed_in(user) -> Client:
    client = Client()
    sign_in(client, user)
    return client


def detail_shows_dossier(client: Client, application) -> bool:
    response = client.get(
        reverse("certification:application_detail", kwargs={"pk": application.pk})
    )
    assert response.status_code == 200
    return response.context["may"].read_dossier


def test_a_reviewer_of_the_body_off_the_team_reads_nothing_of_the_file(
    world, application_at
) -> None:
    application = application_at(Status.AWAITING_ENTERPRISE)
    client = signed_in(member_of(world.body, Role.REVIEWER))

    answers = {name: client.get(url).status_code for name, url in pages(application).items()}

    assert answers == dict.fromkeys(pages(application), 404)
    assert detail_shows_dossier(client, application) is False


@pytest.mark.parametrize(
    "person", ["reviewer", "second_reviewer", "body_admin", "technical_reviewer", "decision_maker"]
)
def test_the_team_and_the_bodys_deciders_read_the_file(world, application_at, person) -> None:
    application = application_at(Status.AWAITING_ENTERPRISE)
    client = signed_in(getattr(world, person))

    answers = {name: client.get(url).status_code for name, url in pages(application).items()}

    assert answers == dict.fromkeys(pages(application), 200)
    assert detail_shows_dossier(client, application) is True


@pytest.mark.parametrize("withdrawn", [False, True], ids=["draft", "withdrawn draft"])
def test_the_regulator_reads_nothing_of_a_draft_never_submitted(
    world, application_at, withdrawn
) -> None:
    draft = application_at(
        Status.WITHDRAWN if withdrawn else Status.DRAFT, withdrawn_from=Status.DRAFT
    )
    if withdrawn:
        ApplicationEvent.objects.create(
            application=draft,
            actor=world.enterprise_admin,
            action="withdraw",
            from_status=Status.DRAFT,
            to_status=Status.WITHDRAWN,
        )
    client = signed_in(world.regulator)

    answers = {name: client.get(url).status_code for name, url in pages(draft).items()}

    assert answers == dict.fromkeys(pages(draft), 404)
    assert detail_shows_dossier(client, draft) is False


def test_the_regulator_reads_a_submitted_file(world, application_at) -> None:
    submitted = application_at(Status.SUBMITTED)
    client = signed_in(world.regulator)

    answers = {name: client.get(url).status_code for name, url in pages(submitted).items()}

    assert answers == dict.fromkeys(pages(submitted), 200)
    assert detail_shows_dossier(client, submitted) is True


def test_a_replaced_peer_reviewer_loses_the_workbench(world, application_at) -> None:
    application = application_at(Status.PEER_REVIEW)
    client = signed_in(world.peer_reviewer)
    workbench = reverse("footprint:workbench", kwargs={"pk": application.pk})
    assert client.get(workbench).status_code == 200

    application.peer_reviews.update(is_current=False)

    assert client.get(workbench).status_code == 404
