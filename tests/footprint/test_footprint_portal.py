"""The inventory pages and the reviewer's workbench in the portal."""

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from certification import services as certification_services
from certification.models import Status
from footprint import services
from footprint.models import InventoryLine, Recomputation
from tests.footprint.footprint_data import GRID, HAND_LINES

pytestmark = pytest.mark.django_db


def lines_of(application) -> list:
    return list(
        InventoryLine.objects.filter(dossier_version__application=application)
        .order_by("dossier_version__number", "position")
        .values_list("dossier_version__number", "position", "name", "amount")
    )


LINE_FORM = {
    "stage": "production",
    "name": "assembly electricity",
    "amount": "20",
    "unit": "kWh",
    "factor_code": GRID,
    "is_primary": "on",
    "dq_temporal": "1",
}


@pytest.fixture
def in_evaluation(application_at, write_lines):
    """In evaluation, the submitted inventory written and recomputed at submission."""
    application = application_at(Status.IN_EVALUATION)
    version = application.dossier_versions.get(number=1)
    write_lines(version)
    services.recomputation_run(dossier_version=version)
    return application


# --- the inventory page -------------------------------------------------------------------


def test_the_enterprise_adds_a_line_and_sees_the_computed_figures(
    portal, world, application_at, factor_library
):
    application = application_at(Status.DRAFT)
    client = portal(world.enterprise_admin)
    url = reverse("footprint:inventory", args=[application.pk])

    response = client.post(url, LINE_FORM)

    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert 'data-testid="line-1"' in page
    assert GRID in page and "0.6205 kgCO2e/kWh" in page
    # 20 kWh × 0.6205 = 12.41 against the declared 14.8 for production.
    preview = page[page.index('data-testid="preview"') :]
    assert "12.410" in preview and "14.800" in preview
    assert 'data-testid="import-form"' in page and 'data-testid="add-line"' in page


def test_a_line_with_a_unit_that_does_not_fit_shows_a_field_error(
    portal, world, application_at, factor_library
):
    application = application_at(Status.DRAFT)

    response = portal(world.enterprise_admin).post(
        reverse("footprint:inventory", args=[application.pk]), {**LINE_FORM, "unit": "km"}
    )

    assert response.status_code == 400
    page = response.content.decode()
    errors = re.findall(r'<p class="field-error" role="alert">(.*?)</p>', page)
    assert errors == [f"km (distance) does not fit factor {GRID}, which is per kWh (energy)."]
    assert lines_of(application) == []


def test_the_enterprise_edits_and_removes_a_line(
    portal, world, application_at, enterprise_admin, enter_lines
):
    application = application_at(Status.DRAFT)
    line, *_rest = enter_lines(application, enterprise_admin, HAND_LINES[1:3])
    client = portal(enterprise_admin)
    edit = reverse("footprint:inventory_line_edit", args=[application.pk, line.pk])

    form = client.get(edit).content.decode()
    assert f'value="{GRID}"' in form
    client.post(edit, {**LINE_FORM, "name": "assembly line electricity", "amount": "25"})
    client.post(reverse("footprint:inventory_line_delete", args=[application.pk, line.pk]))

    assert lines_of(application) == [(1, 2, "natural gas for drying", Decimal("0.04"))]


def test_a_submitted_inventory_is_read_only(portal, world, in_evaluation):
    client = portal(world.enterprise_admin)
    line = InventoryLine.objects.filter(dossier_version__application=in_evaluation).first()
    assert line is not None
    before = lines_of(in_evaluation)

    page = client.get(reverse("footprint:inventory", args=[in_evaluation.pk])).content.decode()
    response = client.post(reverse("footprint:inventory", args=[in_evaluation.pk]), LINE_FORM)
    client.post(reverse("footprint:inventory_line_delete", args=[in_evaluation.pk, line.pk]))

    assert 'data-testid="add-line"' not in page and 'data-testid="import-form"' not in page
    assert response.status_code == 302
    assert "can only be changed as a draft" in client.get(response.url).content.decode()
    assert lines_of(in_evaluation) == before


def test_the_regulator_reads_the_inventory_but_cannot_change_it(
    portal, world, application_at, enterprise_admin, enter_lines
):
    application = application_at(Status.DRAFT)
    (line,) = enter_lines(application, enterprise_admin, HAND_LINES[1:2])
    client = portal(world.regulator)
    # A draft never submitted is the enterprise's alone; once submitted the regulator reads it.
    assert client.get(reverse("footprint:inventory", args=[application.pk])).status_code == 404
    certification_services.application_transition(
        actor=enterprise_admin, application_id=application.pk, action="submit"
    )
    before = lines_of(application)

    page = client.get(reverse("footprint:inventory", args=[application.pk]))
    added = client.post(reverse("footprint:inventory", args=[application.pk]), LINE_FORM)
    client.post(reverse("footprint:inventory_line_delete", args=[application.pk, line.pk]))

    assert page.status_code == 200
    assert "assembly electricity" in page.content.decode()
    assert 'data-testid="add-line"' not in page.content.decode()
    assert "Only the enterprise" in client.get(added.url).content.decode()
    assert lines_of(application) == before


def test_the_next_version_starts_from_the_previous_inventory(
    portal, world, application_at, write_lines
):
    application = application_at(Status.AWAITING_ENTERPRISE)
    write_lines(application.dossier_versions.get(number=1))
    client = portal(world.enterprise_admin)
    url = reverse("footprint:inventory", args=[application.pk])

    assert 'data-testid="copy-previous"' in client.get(url).content.decode()
    client.post(reverse("footprint:inventory_copy", args=[application.pk]))

    assert [row for row in lines_of(application) if row[0] == 2] == [
        (2, position, spec["name"], spec["amount"])
        for position, spec in enumerate(HAND_LINES, start=1)
    ]
    assert 'data-testid="copy-previous"' not in client.get(url).content.decode()


def _page_urls(application, line) -> list[tuple[str, str]]:
    pk = application.pk
    return [
        ("get", reverse("footprint:inventory", args=[pk])),
        ("post", reverse("footprint:inventory", args=[pk])),
        ("get", reverse("footprint:inventory_line_edit", args=[pk, line.pk])),
        ("post", reverse("footprint:inventory_line_delete", args=[pk, line.pk])),
        ("post", reverse("footprint:inventory_import", args=[pk])),
        ("post", reverse("footprint:inventory_copy", args=[pk])),
        ("get", reverse("footprint:inventory_export", args=[pk, "xlsx"])),
        ("get", reverse("footprint:inventory_export", args=[pk, "csv"])),
        ("get", reverse("footprint:workbench", args=[pk])),
        ("post", reverse("footprint:workbench_recompute", args=[pk])),
    ]


def test_another_enterprise_gets_404_on_every_page(portal, world, in_evaluation):
    line = InventoryLine.objects.filter(dossier_version__application=in_evaluation).first()
    client = portal(world.other_enterprise_user)
    before = (lines_of(in_evaluation), list(Recomputation.objects.values()))

    statuses = [
        getattr(client, method)(url).status_code for method, url in _page_urls(in_evaluation, line)
    ]

    assert statuses == [404] * 10
    assert (lines_of(in_evaluation), list(Recomputation.objects.values())) == before


def test_the_inventory_page_costs_the_same_for_5_and_50_lines(
    portal, world, application_at, enterprise_admin, enter_lines
):
    few, many = application_at(Status.DRAFT), application_at(Status.DRAFT)
    enter_lines(few, enterprise_admin, (HAND_LINES * 8)[:5])
    enter_lines(many, enterprise_admin, (HAND_LINES * 8)[:50])
    client = portal(enterprise_admin)

    counts = []
    for application in (few, many):
        with CaptureQueriesContext(connection) as context:
            response = client.get(reverse("footprint:inventory", args=[application.pk]))
        assert response.status_code == 200
        counts.append(len(context.captured_queries))

    assert counts[0] == counts[1]
    assert len(re.findall(r'data-testid="line-\d+"', response.content.decode())) == 50


# --- the workbench ------------------------------------------------------------------------


def test_the_workbench_shows_declared_against_recomputed_with_interval_and_chart(
    portal, world, in_evaluation
):
    stored = Recomputation.objects.get()

    page = (
        portal(world.reviewer)
        .get(reverse("footprint:workbench", args=[in_evaluation.pk]))
        .content.decode()
    )

    production = page[page.index('data-testid="stage-production"') :]
    production = production[: production.index("</tr>")]
    assert "14.800" in production and "14.933" in production and "0.90 %" in production
    assert 'data-testid="declared-total">85.400 kgCO2e' in page
    assert "<strong>85.528 kgCO2e</strong>" in page
    # 0.12775 / 85.4 = 0.1496 %
    assert re.search(r'data-testid="deviation">0\.15 %', page)
    assert 'data-testid="immaterial">within the 5 % threshold' in page
    assert 'data-testid="split">84.128 / 1.400 kgCO2e' in page
    assert 'data-testid="primary-share">17.5 %' in page
    low, high = (f"{value:.3f}" for value in (stored.uncertainty_p2_5, stored.uncertainty_p97_5))
    assert f"95% interval {low} – {high} kgCO2e" in page
    assert f"10000 draws, seed {stored.dossier_version_id}" in page
    svg = page[page.index("<svg") : page.index("</svg>")]
    assert svg.count('class="bar-declared"') == 6 and svg.count('class="bar-recomputed"') == 6
    assert 'data-testid="interval"' in svg
    assert "Raw material acquisition" in svg and "Total" in svg
    assert 'data-testid="recompute"' in page  # the reviewer is on the team


def test_a_material_deviation_is_flagged_on_the_workbench(settings, portal, world, in_evaluation):
    settings.MATERIALITY_THRESHOLD = Decimal("0.001")
    client = portal(world.reviewer)

    client.post(reverse("footprint:workbench_recompute", args=[in_evaluation.pk]))
    page = client.get(reverse("footprint:workbench", args=[in_evaluation.pk])).content.decode()

    assert 'data-testid="material">material: above the 0.1 % threshold' in page
    production = page[page.index('data-testid="stage-production"') :]
    assert 'class="material"' in production[:200]


@pytest.mark.parametrize(
    "persona", ["body_admin", "technical_reviewer", "decision_maker", "regulator"]
)
def test_the_verifiers_open_the_workbench_without_the_recompute_button(
    portal, world, in_evaluation, persona
):
    response = portal(world.persona(persona)).get(
        reverse("footprint:workbench", args=[in_evaluation.pk])
    )

    assert response.status_code == 200
    assert 'data-testid="chart"' in response.content.decode()
    assert 'data-testid="recompute"' not in response.content.decode()


def test_the_peer_reviewer_opens_the_workbench(portal, world, application_at, write_lines):
    application = application_at(Status.PEER_REVIEW)
    version = application.dossier_versions.get(number=1)
    write_lines(version)
    services.recomputation_run(dossier_version=version)

    response = portal(world.peer_reviewer).get(
        reverse("footprint:workbench", args=[application.pk])
    )

    assert response.status_code == 200


@pytest.mark.parametrize("persona", ["enterprise_admin", "platform_admin"])
def test_the_workbench_is_not_for_the_enterprise_or_the_operator(
    portal, world, in_evaluation, persona
):
    client = portal(world.persona(persona))

    assert client.get(reverse("footprint:workbench", args=[in_evaluation.pk])).status_code == 404
    assert (
        client.post(reverse("footprint:workbench_recompute", args=[in_evaluation.pk])).status_code
        == 404
    )


def test_recompute_now_stores_a_missing_recomputation(portal, world, application_at, write_lines):
    application = application_at(Status.IN_EVALUATION)
    write_lines(application.dossier_versions.get(number=1))
    client = portal(world.reviewer)
    url = reverse("footprint:workbench", args=[application.pk])

    assert 'data-testid="no-recomputation"' in client.get(url).content.decode()
    client.post(reverse("footprint:workbench_recompute", args=[application.pk]))

    assert Recomputation.objects.get().computed_by == world.reviewer
    assert 'data-testid="chart"' in client.get(url).content.decode()


def test_a_body_member_off_the_team_cannot_recompute(portal, world, in_evaluation):
    before = list(Recomputation.objects.values())
    client = portal(world.technical_reviewer)

    response = client.post(reverse("footprint:workbench_recompute", args=[in_evaluation.pk]))

    assert "Only the evaluation team" in client.get(response.url).content.decode()
    assert list(Recomputation.objects.values()) == before


def test_the_application_page_links_to_the_inventory_and_the_workbench(
    portal, world, in_evaluation
):
    reviewer_page = (
        portal(world.reviewer)
        .get(reverse("certification:application_detail", args=[in_evaluation.pk]))
        .content.decode()
    )
    enterprise_page = (
        portal(world.enterprise_admin)
        .get(reverse("certification:application_detail", args=[in_evaluation.pk]))
        .content.decode()
    )

    inventory = reverse("footprint:inventory", args=[in_evaluation.pk])
    workbench = reverse("footprint:workbench", args=[in_evaluation.pk])
    assert inventory in reviewer_page and workbench in reviewer_page
    assert inventory in enterprise_page and workbench not in enterprise_page
