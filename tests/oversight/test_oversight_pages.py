"""The oversight pages: who may open and post each, and what the public pages leave out."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from accounts.roles import Role
from audits.models import BlacklistEntry
from certification.models import Application, Status
from labels.models import LabelStatus
from oversight.models import BlacklistLabelOrder, SamplingDraw, SamplingItem
from oversight.sampling import reinspection_record, sampling_draw_compute, sampling_draw_record
from tests.factories import make_pdf, member_of
from tests.second_factor import asks_for_step_up, sign_in, sign_in_long_ago

SECRET_FINDINGS = "Meter 7 reading falsified on 2026-03-02."


def client_as(user=None, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    if user is not None:
        sign_in(client, user)
    return client


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


@pytest.fixture
def recorded(world, issue_label):
    """A recorded draw of the label's certificate, whose inspector is a reviewer of another body
    (the first seed that draws one), not the regulator."""
    label = issue_label()
    inspector = member_of(world.peer_body, Role.REVIEWER, username="inspector-y")
    seed = next(
        seed
        for seed in (f"public-2026-{n}" for n in range(100))
        if sampling_draw_compute(seed=seed, size=1).items[0].inspector == inspector
    )
    record, _ = sampling_draw_record(actor=world.regulator, seed=seed, size=1)
    item = SamplingItem.objects.get()
    return record, item, label


# --- public pages -------------------------------------------------------------------------


def test_the_public_sampling_page_shows_the_draw_and_outcome_without_confidential_data(
    world,
    recorded,
) -> None:
    record, item, label = recorded
    reinspection_record(
        actor=item.inspector,
        item_id=item.pk,
        outcome="nonconforming",
        findings=SECRET_FINDINGS,
        action="suspend",
    )

    response = client_as().get(reverse("oversight_public:sampling"))

    html = response.content.decode()
    assert response.status_code == 200
    for shown in (
        record.seed,
        record.population_hash,
        label.certificate.number,
        label.certificate.product.name,
        world.body.name,
        "Nonconforming",
        "Suspend the certificate",
    ):
        assert shown in html
    application = label.certificate.application
    goal = application.dossier_versions.get(number=1).goal
    for hidden in (SECRET_FINDINGS, item.inspector.username, goal, application.reference):
        assert hidden not in html


def test_the_public_blacklist_lists_bodies_in_force_only(world, list_subject, third_body) -> None:
    body_entry = list_subject(world.body)
    list_subject(world.enterprise)
    list_subject(world.reviewer)
    ended = list_subject(third_body)
    from audits.services import blacklist_entry_delist

    blacklist_entry_delist(actor=world.regulator, entry_id=ended.pk, reason="Repaired.")

    html = client_as().get(reverse("oversight_public:blacklist")).content.decode()

    assert world.body.name in html
    assert body_entry.source_document in html
    for hidden in (
        world.enterprise.name,
        world.reviewer.username,
        third_body.name,
        body_entry.reason,
    ):
        assert hidden not in html


def test_the_public_pages_speak_chinese(db) -> None:
    html = client_as(language="zh-hans").get(reverse("oversight_public:blacklist")).content
    assert "被列入黑名单的认证机构" in html.decode()


# --- the regulator's pages ----------------------------------------------------------------

PORTAL_PAGES = ["oversight:sampling_draws", "oversight:blacklist_list"]


@pytest.mark.parametrize("page", PORTAL_PAGES)
@pytest.mark.parametrize(
    "persona", ["body_admin", "reviewer", "enterprise_admin", "platform_admin"]
)
def test_only_the_regulator_opens_the_oversight_pages(world, page, persona) -> None:
    assert client_as(world.persona(persona)).get(reverse(page)).status_code == 404
    assert client_as(world.regulator).get(reverse(page)).status_code == 200


def test_the_regulator_draws_in_the_portal(world, issue_label) -> None:
    issue_label()

    response = client_as(world.regulator).post(
        reverse("oversight:sampling_draws"),
        {"seed": "portal-seed", "size": "1", "stratify_by": "body"},
        follow=True,
    )

    draw = SamplingDraw.objects.get()
    assert (draw.seed, draw.stratify_by, draw.drawn_by) == ("portal-seed", "body", world.regulator)
    assert messages_of(response) == ["Drawn 1 certificates with the seed “portal-seed”."]


def test_others_cannot_post_a_draw(world, issue_label) -> None:
    issue_label()
    response = client_as(world.body_admin).post(
        reverse("oversight:sampling_draws"), {"seed": "x", "size": "1"}
    )
    assert response.status_code == 404
    assert SamplingDraw.objects.count() == 0


def test_the_regulator_lists_with_a_document_checked_by_content(world, media_root) -> None:
    url = reverse("oversight:blacklist_list")
    fields = {
        "organisation": world.body.pk,
        "reason": "False conclusions.",
        "legal_basis": "Regulations art. 62",
        "source_document": "SAMR 2026 No. 9",
        "effective_from": "2026-01-01",
    }

    refused = client_as(world.regulator).post(
        url, {**fields, "documents": SimpleUploadedFile("decision.pdf", b"not a pdf")}
    )
    assert BlacklistEntry.objects.count() == 0
    assert "but its content is text/plain" in " ".join(messages_of(refused))

    client_as(world.regulator).post(
        url, {**fields, "documents": SimpleUploadedFile("decision.pdf", make_pdf("SAMR"))}
    )
    entry = BlacklistEntry.objects.get()
    assert (entry.organisation, entry.legal_basis, entry.effective_from) == (
        world.body,
        "Regulations art. 62",
        date(2026, 1, 1),
    )
    assert entry.documents.get().content_type == "application/pdf"


def test_others_cannot_list(world) -> None:
    response = client_as(world.body_admin).post(
        reverse("oversight:blacklist_list"),
        {
            "organisation": world.peer_body.pk,
            "reason": "r",
            "legal_basis": "l",
            "source_document": "d",
            "effective_from": "2026-01-01",
        },
    )
    assert response.status_code == 404
    assert BlacklistEntry.objects.count() == 0


def test_the_regulator_orders_and_delists_in_the_portal(world, issue_label, list_subject) -> None:
    label = issue_label()
    entry = list_subject(world.body)
    client = client_as(world.regulator)

    page = client.get(reverse("oversight:blacklist_detail", args=[entry.pk]))
    assert label.certificate.number in page.content.decode()
    client.post(
        reverse("oversight:blacklist_order", args=[entry.pk]),
        {"kind": "suspension", "reason": "Body listed."},
    )
    label.refresh_from_db()
    assert label.status == LabelStatus.SUSPENDED

    client.post(reverse("oversight:blacklist_delist", args=[entry.pk]), {"reason": "Repaired."})
    entry.refresh_from_db()
    assert entry.delisted_by == world.regulator


@pytest.mark.parametrize("persona", ["body_admin", "decision_maker", "enterprise_admin"])
def test_others_cannot_order_or_delist(world, issue_label, list_subject, persona) -> None:
    label = issue_label()
    entry = list_subject(world.body)
    client = client_as(world.persona(persona))

    assert (
        client.post(
            reverse("oversight:blacklist_order", args=[entry.pk]),
            {"kind": "suspension", "reason": "x"},
        ).status_code
        == 404
    )
    assert (
        client.post(
            reverse("oversight:blacklist_delist", args=[entry.pk]), {"reason": "x"}
        ).status_code
        == 404
    )
    label.refresh_from_db()
    entry.refresh_from_db()
    assert (label.status, entry.delisted_at, BlacklistLabelOrder.objects.count()) == (
        LabelStatus.VALID,
        None,
        0,
    )


# --- the inspector's page -----------------------------------------------------------------


def test_the_drawn_inspector_records_in_the_portal(world, recorded) -> None:
    _, item, label = recorded
    client = client_as(item.inspector)

    assert (
        item.certificate.number
        in client.get(reverse("oversight:reinspection_list")).content.decode()
    )
    client.post(
        reverse("oversight:reinspection_detail", args=[item.pk]),
        {"outcome": "nonconforming", "action": "withdraw", "findings": SECRET_FINDINGS},
    )

    item.refresh_from_db()
    label.refresh_from_db()
    assert (item.status, item.outcome, label.status) == (
        "completed",
        "nonconforming",
        LabelStatus.REVOKED,
    )


@pytest.mark.parametrize(
    ("action", "after"), [("suspend", LabelStatus.SUSPENDED), ("withdraw", LabelStatus.REVOKED)]
)
def test_recording_a_reinspection_asks_for_a_fresh_second_factor(
    world, recorded, action, after
) -> None:
    _, item, label = recorded
    url = reverse("oversight:reinspection_detail", args=[item.pk])
    data = {"outcome": "nonconforming", "action": action, "findings": SECRET_FINDINGS}
    stale = sign_in_long_ago(Client(HTTP_ACCEPT_LANGUAGE="en"), item.inspector)

    assert stale.get(url).status_code == 200  # reading the page is not an operation
    assert asks_for_step_up(stale.post(url, data), url)
    item.refresh_from_db()
    label.refresh_from_db()
    assert (item.status, item.outcome, item.findings, label.status) == (
        "assigned",
        "",
        "",
        LabelStatus.VALID,
    )

    client_as(item.inspector).post(url, data)

    item.refresh_from_db()
    label.refresh_from_db()
    assert (item.status, label.status) == ("completed", after)


def test_another_reviewer_cannot_see_or_record_the_reinspection(world, recorded) -> None:
    _, item, label = recorded
    stranger = member_of(world.peer_body, Role.REVIEWER, username="stranger")
    url = reverse("oversight:reinspection_detail", args=[item.pk])

    assert client_as(stranger).get(url).status_code == 404
    assert (
        client_as(stranger).post(url, {"outcome": "conforming", "findings": "x"}).status_code == 404
    )
    assert client_as(world.body_admin).get(url).status_code == 404
    item.refresh_from_db()
    label.refresh_from_db()
    assert (item.status, label.status) == ("assigned", LabelStatus.VALID)


def test_the_regulator_sees_the_reinspection_but_cannot_record_it(world, recorded) -> None:
    _, item, label = recorded
    url = reverse("oversight:reinspection_detail", args=[item.pk])

    response = client_as(world.regulator).post(
        url, {"outcome": "nonconforming", "action": "suspend", "findings": "x"}
    )

    assert messages_of(response) == [
        "Only the inspector drawn for this certificate records its re-inspection."
    ]
    item.refresh_from_db()
    label.refresh_from_db()
    assert (item.status, label.status) == ("assigned", LabelStatus.VALID)


# --- the enterprise's transfer page -------------------------------------------------------


def test_the_enterprise_transfers_a_frozen_file_in_the_portal(
    world, application_at, list_subject, third_body
) -> None:
    application = application_at(Status.PLANNED)
    list_subject(world.body)
    url = reverse("oversight:transfer", args=[application.pk])
    client = client_as(world.enterprise_admin)

    page = client.get(url).content.decode()
    assert third_body.name in page
    assert f'value="{world.peer_body.pk}"' in page  # accredited and unlisted
    assert f'value="{world.body.pk}"' not in page
    client.post(url, {"certification_body": third_body.pk})

    application = Application.objects.get(pk=application.pk)
    assert (application.certification_body, application.status) == (third_body, Status.SUBMITTED)


def test_another_enterprise_cannot_open_the_transfer_page(
    world, application_at, list_subject
) -> None:
    application = application_at(Status.PLANNED)
    list_subject(world.body)
    url = reverse("oversight:transfer", args=[application.pk])

    assert client_as(world.other_enterprise_user).get(url).status_code == 404
    assert client_as(world.body_admin).get(url).status_code == 404
