"""Fixtures for the footprint engine's Django layer: the loaded library, inventories entered
through the services or written as a frozen version holds them, and a submission."""

from collections.abc import Callable

import pytest

from accounts.models import User
from certification import services as certification_services
from certification.inventory import services as inventory_services
from certification.models import Application, DossierVersion, EvidenceKind
from certification.workflow import Action
from footprint import services
from footprint.models import EmissionFactor, InventoryLine
from footprint.selectors import factor_current_by_code
from tests.footprint.footprint_data import HAND_LINES, REFERENCE
from tests.second_factor import sign_in


@pytest.fixture
def factor_library(db) -> None:
    services.factor_library_load(
        factors_csv=REFERENCE / "emission_factors.csv", gwp_csv=REFERENCE / "gwp.csv"
    )


def _evidence(application: Application):
    return application.evidence_files.get(kind=EvidenceKind.STUDY_REPORT)


def line_data(application: Application, spec: dict) -> dict:
    """A HAND_LINES entry as the services take it, with the evidence an own factor needs."""
    data = dict(spec)
    if "custom_factor_value" in data:
        data["custom_factor_evidence"] = _evidence(application)
    return data


@pytest.fixture
def enter_lines(factor_library) -> Callable[..., list[InventoryLine]]:
    """`enter_lines(application, actor, specs=HAND_LINES)` through the service, on the open
    version."""

    def enter(application: Application, actor: User, specs: list[dict] = HAND_LINES):
        return [
            inventory_services.inventory_line_create(
                actor=actor, application=application, data=line_data(application, spec)
            )
            for spec in specs
        ]

    return enter


@pytest.fixture
def write_lines(factor_library) -> Callable[..., list[InventoryLine]]:
    """`write_lines(version, specs=HAND_LINES)`: lines written directly, as a frozen version
    would hold them after its submission."""

    def write(version: DossierVersion, specs: list[dict] = HAND_LINES):
        lines = []
        for position, spec in enumerate(specs, start=1):
            data = line_data(version.application, spec)
            code = data.pop("factor_code", None)
            factor = None
            if code:
                current = factor_current_by_code(code)
                assert current is not None
                factor = EmissionFactor.objects.get(pk=current.pk)
            lines.append(
                InventoryLine.objects.create(
                    dossier_version=version, position=position, factor=factor, **data
                )
            )
        return lines

    return write


@pytest.fixture
def submit(django_capture_on_commit_callbacks) -> Callable[[User, Application], Application]:
    def take(actor: User, application: Application) -> Application:
        with django_capture_on_commit_callbacks(execute=True):
            return certification_services.application_transition(
                actor=actor, application_id=application.pk, action=Action.SUBMIT
            )

    return take


@pytest.fixture
def portal(client, settings) -> Callable[[User], object]:
    """`portal(user)`: the test client signed in as `user`, with the pages in English."""

    def signed_in(user: User):
        client.logout()
        sign_in(client, user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return signed_in
