"""The decision maker's surveillance decisions (keep, suspend, withdraw the certificate) and the
holder's voluntary suspension or cancellation ask for the second factor again when it was given
more than 15 minutes ago; the steps before the decision do not."""

import pytest
from django.test import Client

from certification.models import Certificate
from oversight.supervision import services
from tests.oversight.supervision.conftest import first_surveillance
from tests.second_factor import asks_for_step_up, sign_in, sign_in_long_ago, totp_enrol

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("step", ["continue", "suspend", "withdraw"])
def test_a_surveillance_decision_asks_for_a_fresh_second_factor(world, certificate, step) -> None:
    surveillance = first_surveillance(certificate)
    base = f"/portal/supervision/surveillances/{surveillance.pk}"
    client = sign_in_long_ago(Client(HTTP_ACCEPT_LANGUAGE="en"), world.decision_maker)

    response = client.post(f"{base}/step/{step}/", {"comment": "Decided."})

    assert asks_for_step_up(response, f"{base}/")
    surveillance.refresh_from_db()
    assert surveillance.status == "due"


def test_a_step_before_the_decision_does_not(world, certificate) -> None:
    surveillance = first_surveillance(certificate)
    base = f"/portal/supervision/surveillances/{surveillance.pk}"
    client = sign_in_long_ago(Client(HTTP_ACCEPT_LANGUAGE="en"), world.body_admin)

    response = client.post(f"{base}/step/plan/", {"comment": ""})

    assert response.status_code == 302
    assert response["Location"] == f"{base}/"


@pytest.mark.parametrize("kind", ["suspend", "cancel"])
def test_an_enrolled_holder_suspending_or_cancelling_is_asked_too(world, certificate, kind) -> None:
    totp_enrol(world.enterprise_admin)
    client = sign_in_long_ago(Client(HTTP_ACCEPT_LANGUAGE="en"), world.enterprise_admin)

    response = client.post(
        f"/portal/supervision/certificates/{certificate.pk}/request/{kind}/",
        {"reason": "Production paused.", "until": "2030-01-01"},
    )

    assert asks_for_step_up(response, f"/portal/supervision/certificates/{certificate.pk}/")
    assert Certificate.objects.get(pk=certificate.pk).status == certificate.status


def test_deciding_a_change_asks_for_a_fresh_second_factor(world, certificate) -> None:
    change = services.certificate_change_report(
        actor=world.enterprise_admin,
        certificate=certificate,
        change_kind="product",
        description="New cell chemistry.",
    )
    url = f"/portal/supervision/certificates/{certificate.pk}/changes/{change.pk}/"
    data = {f"r{change.pk}-editorial": "editorial", f"r{change.pk}-comment": "Editorial."}

    stale = sign_in_long_ago(Client(HTTP_ACCEPT_LANGUAGE="en"), world.decision_maker)
    response = stale.post(url, data)

    assert asks_for_step_up(response, f"/portal/supervision/certificates/{certificate.pk}/")
    change.refresh_from_db()
    assert change.status == "open"

    sign_in(Client(HTTP_ACCEPT_LANGUAGE="en"), world.decision_maker).post(url, data)

    change.refresh_from_db()
    assert change.status != "open"
