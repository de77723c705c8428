"""The rules between a dossier's fields hold for every writer: the portal's form and the API's
PATCH refuse the same things, with a field error, and store nothing of the request."""

from decimal import Decimal

import pytest
from django.forms.models import model_to_dict

from certification.dossiers import DOSSIER_FIELDS
from certification.models import Status

pytestmark = pytest.mark.django_db


def patch(api_as, world, application, body: dict):
    return api_as(world.enterprise_admin).patch(
        f"/api/v1/applications/{application.pk}/dossier/", body, format="json"
    )


def stored(application) -> dict:
    return model_to_dict(application.dossier_versions.get(number=1), fields=DOSSIER_FIELDS)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"declared_total": "-5"}, "declared_total"),
        (
            {"reference_period_start": "2026-06-01", "reference_period_end": "2026-01-01"},
            "reference_period_end",
        ),
        ({"stages_excluded": [{"stage": "bogus", "reason": "n/a"}]}, "stages_excluded"),
        # A stage the study includes (the draft includes every stage it has a result for).
        ({"stages_excluded": [{"stage": "raw_material", "reason": "n/a"}]}, "stages_excluded"),
        # A result for a stage the study does not include.
        ({"stages_included": []}, "stage_results"),
        # Figures no other field of the dossier could hold, which the workbench cannot compute.
        *(
            ({"stage_results": {"raw_material": v}}, f)  # the draft includes every stage
            for v, f in [
                ("NaN", "stage_results"),
                ("Infinity", "stage_results"),
                ("-Infinity", "stage_results"),
                ("1e1000000", "stage_results"),
                ("1000000000000", "stage_results"),  # 13 digits before the point
                ("0.0000001", "stage_results"),  # 7 after it
            ]
        ),
    ],
)
def test_the_api_refuses_what_the_form_refuses_and_stores_nothing(
    api_as, world, application_at, body, field
) -> None:
    application = application_at(Status.DRAFT)
    before = stored(application)

    response = patch(api_as, world, application, body)

    assert response.status_code == 400, response.content
    assert list(response.json()["errors"]) == [field]
    assert stored(application) == before
    assert application.dossier_versions.count() == 1
    page = api_as(world.enterprise_admin).get(f"/portal/applications/{application.pk}/")
    assert page.status_code == 200


def test_figures_within_the_dossiers_precision_are_kept(api_as, world, application_at) -> None:
    application = application_at(Status.DRAFT)
    body = {
        "stages_included": ["raw_material", "production"],
        "stage_results": {"raw_material": "999999999999.999999", "production": "-2.5"},
        "declared_total": "0",
        "reference_period_start": "2026-01-01",
        "reference_period_end": "2026-01-01",
    }

    response = patch(api_as, world, application, body)

    assert response.status_code == 200, response.content
    kept = stored(application)
    assert kept["stage_results"] == body["stage_results"]
    assert kept["declared_total"] == Decimal("0")
