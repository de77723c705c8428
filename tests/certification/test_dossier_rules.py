"""The rules between a dossier's fields hold for every writer: the portal's form and the API's
PATCH refuse the same things, with a field error, and store nothing of the request."""

from decimal import Decimal

import pytest
from django.forms.models import model_to_dict
from django.test import Client

from certification.dossiers import DOSSIER_FIELDS
from certification.forms import DossierForm
from certification.models import Status
from tests.second_factor import sign_in

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


# --- the portal's form ---------------------------------------------------------------------


def form_data(application) -> dict:
    """What the dossier page posts back untouched: every field as the form shows it."""
    form = DossierForm(instance=application.dossier_versions.get(number=1))
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is not None:
            data[name] = value
    return data


def test_unticking_a_stage_and_clearing_its_result_saves(world, application_at) -> None:
    application = application_at(Status.DRAFT)
    client = sign_in(Client(HTTP_ACCEPT_LANGUAGE="en"), world.enterprise_admin)
    data = form_data(application)
    data["stages_included"] = [s for s in data["stages_included"] if s != "production"]
    data["result_production"] = ""
    data["excluded_production"] = "Made by a supplier under its own footprint."

    response = client.post(f"/portal/applications/{application.pk}/dossier/", data)

    assert response.status_code == 302, response.content.decode()[:3000]
    kept = stored(application)
    assert "production" not in kept["stages_included"]
    assert "production" not in kept["stage_results"]
    assert {"stage": "production", "reason": "Made by a supplier under its own footprint."} in (
        kept["stages_excluded"]
    )


def test_ticking_an_excluded_stage_and_clearing_its_reason_saves(world, application_at) -> None:
    application = application_at(Status.DRAFT)
    client = sign_in(Client(HTTP_ACCEPT_LANGUAGE="en"), world.enterprise_admin)
    data = form_data(application)
    data["stages_included"] = [s for s in data["stages_included"] if s != "use"]
    data["result_use"] = ""
    data["excluded_use"] = "Not in the declared unit's boundary."
    assert client.post(f"/portal/applications/{application.pk}/dossier/", data).status_code == 302
    data["stages_included"] = [*data["stages_included"], "use"]
    data["excluded_use"] = ""
    data["result_use"] = "5.9"

    response = client.post(f"/portal/applications/{application.pk}/dossier/", data)

    assert response.status_code == 302, response.content.decode()[:3000]
    kept = stored(application)
    assert "use" in kept["stages_included"]
    assert all(item["stage"] != "use" for item in kept["stages_excluded"])


def test_the_form_shows_its_field_errors_without_a_server_error(world, application_at) -> None:
    application = application_at(Status.DRAFT)
    client = sign_in(Client(HTTP_ACCEPT_LANGUAGE="en"), world.enterprise_admin)
    before = stored(application)
    data = form_data(application)
    data["stages_included"] = [s for s in data["stages_included"] if s != "production"]
    data["declared_total"] = "-1"  # and a result left for the stage no longer included

    response = client.post(f"/portal/applications/{application.pk}/dossier/", data)

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "declared_total" in errors and "result_production" in errors
    assert stored(application) == before
