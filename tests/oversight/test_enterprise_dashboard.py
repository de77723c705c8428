"""An enterprise's dashboard: its certificates in force by expiry, the surveillance due on them,
its labels by the status the world is told, drawn as SVG; nothing of another enterprise's."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audits.models import Finding, Severity
from certification.models import CertificateStatus
from labels import services
from labels.models import Label
from oversight.dashboard.holder import holder_board
from oversight.models import Surveillance, SurveillanceStatus
from tests.second_factor import sign_in


@pytest.fixture
def holdings(world, certificate_of, issue_label) -> dict:
    today = timezone.localdate()

    def certificate(days_left: int, status=CertificateStatus.VALID, enterprise=None):
        made = certificate_of(world.body, status=status, enterprise=enterprise or world.enterprise)
        made.valid_until = today + timedelta(days=days_left)
        made.save()
        return made

    soon, later, pending = certificate(20), certificate(200), certificate(500, "pending_label")
    certificate(100, CertificateStatus.REVOKED)
    theirs = certificate(10, enterprise=world.other_enterprise)
    overdue = Surveillance.objects.create(
        certificate=soon, number=1, due_on=today - timedelta(days=3), suspend_after=today
    )
    Finding.objects.create(
        application=soon.application,
        dossier_version=soon.dossier_version,
        number=1,
        severity=Severity.MINOR,
        description="Meter calibration certificate missing.",
        raised_by=world.reviewer,
        surveillance=overdue,
        due_on=today + timedelta(days=12),
    )
    upcoming = Surveillance.objects.create(
        certificate=later,
        number=1,
        due_on=today + timedelta(days=40),
        suspend_after=today + timedelta(days=70),
    )
    Surveillance.objects.create(
        certificate=later,
        number=2,
        due_on=today - timedelta(days=300),
        suspend_after=today - timedelta(days=270),
        status=SurveillanceStatus.CLOSED,
    )
    Surveillance.objects.create(
        certificate=theirs, number=1, due_on=today, suspend_after=today + timedelta(days=30)
    )
    valid, ended = issue_label(), issue_label()
    Label.objects.filter(pk=ended.pk).update(valid_until=timezone.now() - timedelta(days=1))
    return {
        "soon": soon,
        "later": later,
        "pending": pending,
        "theirs": theirs,
        "overdue": overdue,
        "upcoming": upcoming,
        "labels": (valid, ended),
    }


def test_certificates_in_force_by_expiry_and_the_surveillance_due(world, holdings) -> None:
    board = holder_board(world.enterprise_member)

    # The two approved applications of the label fixture hold certificates too (730 days).
    numbers = [row.certificate.number for row in board.certificates]
    assert numbers[:3] == [
        holdings["soon"].number,
        holdings["later"].number,
        holdings["pending"].number,
    ]
    assert holdings["theirs"].number not in numbers
    assert [row.days_left for row in board.certificates[:3]] == [20, 200, 500]
    assert [row.renewal_open for row in board.certificates[:3]] == [True, False, False]
    assert board.expiry == [
        ("Past its end date", 0),
        ("Within 30 days", 1),
        ("31 to 90 days", 0),
        ("91 to 180 days", 0),
        ("181 to 365 days", 1),
        ("More than a year", 3),
    ]
    assert [
        (row.surveillance, row.overdue, row.findings_open, row.findings_due)
        for row in board.surveillances
    ] == [
        (holdings["overdue"], True, 1, timezone.localdate() + timedelta(days=12)),
        (holdings["upcoming"], False, 0, None),
    ]
    assert (board.expiring_soon, board.surveillances_overdue) == (1, 1)


def test_labels_by_the_status_the_world_is_told(world, holdings) -> None:
    board = holder_board(world.enterprise_admin)

    assert {status: count for status, _label, count in board.labels} == {
        "valid": 1,
        "suspended": 0,
        "revoked": 0,
        "cancelled": 0,
        "expired": 1,  # valid in the database, past its end date
        "key_revoked": 0,
    }
    assert all(count == 0 for _s, _l, count in holder_board(world.other_enterprise_user).labels)


def test_a_label_signed_with_a_revoked_key_counts_as_not_trusted(world, holdings) -> None:
    valid, _ended = holdings["labels"]
    services.signing_key_revoke(actor=world.body_admin, key_id=valid.signing_key_id, reason="Lost")

    board = holder_board(world.enterprise_admin)

    counts = {status: (name, count) for status, name, count in board.labels}
    assert counts["valid"] == ("Valid", 0)
    assert counts["key_revoked"] == ("Not trusted", 2)  # a revoked key comes before expiry


def test_the_page_draws_both_charts_and_marks_what_is_overdue(world, holdings) -> None:
    client = sign_in(Client(HTTP_ACCEPT_LANGUAGE="en"), world.enterprise_member)

    response = client.get("/portal/dashboards/enterprise/")

    assert response.status_code == 200
    page = response.content.decode()
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in page
    assert 'data-testid="chart-expiry"' in page and 'data-testid="chart-labels"' in page
    row = page.split(f'data-testid="surveillance-{holdings["overdue"].pk}"')[1].split("</tr>")[0]
    assert 'data-testid="overdue"' in row
    assert "1 finding, answer by" in row
    assert holdings["theirs"].number not in page
    assert "<script" not in page.split("<main>")[1]


def test_an_enterprise_without_certificates_sees_empty_charts(world) -> None:
    client = sign_in(Client(HTTP_ACCEPT_LANGUAGE="en"), world.other_enterprise_user)
    page = client.get("/portal/dashboards/enterprise/").content.decode()
    assert 'data-testid="chart-expiry-empty"' in page
    assert "No certificate in force." in page


@pytest.mark.parametrize("persona", ["body_admin", "reviewer", "regulator", "platform_admin"])
def test_the_page_is_for_the_enterprises_people(world, persona) -> None:
    client = sign_in(Client(HTTP_ACCEPT_LANGUAGE="en"), world.persona(persona))
    assert client.get("/portal/dashboards/enterprise/").status_code == 404


def test_the_page_costs_the_same_queries_for_5_certificates_as_for_50(
    world, certificate_of
) -> None:
    client = sign_in(Client(HTTP_ACCEPT_LANGUAGE="en"), world.enterprise_member)

    def measure(count: int) -> int:
        for _ in range(count):
            certificate = certificate_of(world.body, enterprise=world.enterprise)
            Surveillance.objects.create(
                certificate=certificate,
                number=1,
                due_on=certificate.issued_on,
                suspend_after=certificate.valid_until,
            )
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/portal/dashboards/enterprise/").status_code == 200
        return len(queries)

    assert measure(5) == measure(45)
