"""The regulator's dashboard: who may see it, each figure on hand-built data, filters, sorting,
exports, a constant number of queries, and the public statistics page."""

import csv
import io
import itertools
import zipfile
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import Organisation, User
from accounts.roles import Role
from audits.dashboard import facts
from audits.dashboard.facts import dashboard_facts_rebuild
from audits.models import DashboardCount, Finding, Severity
from certification import services as application_services
from certification.models import Application, ApplicationEvent, DossierVersion, Status
from footprint.models import Recomputation
from labels import services as label_services
from labels.models import LabelEvent, LabelStatus
from oversight.appeals.models import Appeal
from oversight.complaints.models import Complaint
from oversight.dashboard import figures, pending
from oversight.dashboard.figures import dashboard
from oversight.dashboard.filters import default_filters, filter_choices
from oversight.models import SamplingDraw, SamplingItem, Surveillance
from tests.conftest import World, category_from_reference, certificate_create_directly
from tests.factories import (
    ApplicationFactory,
    CertificationBodyFactory,
    DossierVersionFactory,
    EnterpriseFactory,
    ProductFactory,
    make_uscc,
    member_of,
)
from tests.second_factor import sign_in

DASHBOARD = "/portal/oversight/dashboard/"
DAY = timedelta(days=1)

JOURNEYS = {
    "A1": [
        (Status.SUBMITTED, 0),
        (Status.ACCEPTED, 2),
        (Status.PLANNED, 3),
        (Status.IN_EVALUATION, 4),
        (Status.TECHNICAL_REVIEW, 10),
        (Status.PEER_REVIEW, 12),
        (Status.DECISION, 13),
        (Status.APPROVED, 14),
    ],
    "A2": [
        (Status.SUBMITTED, 0),
        (Status.ACCEPTED, 4),
        (Status.PLANNED, 5),
        (Status.IN_EVALUATION, 6),
        (Status.TECHNICAL_REVIEW, 10),
        (Status.PEER_REVIEW, 11),
        (Status.DECISION, 12),
        (Status.REFUSED, 20),
    ],
    "A3": [
        (Status.SUBMITTED, 0),
        (Status.ACCEPTED, 6),
        (Status.PLANNED, 7),
        (Status.IN_EVALUATION, 9),
    ],
    "B1": [
        (Status.SUBMITTED, 0),
        (Status.ACCEPTED, 1),
        (Status.PLANNED, 2),
        (Status.IN_EVALUATION, 3),
        (Status.TECHNICAL_REVIEW, 20),
        (Status.PEER_REVIEW, 25),
        (Status.DECISION, 27),
        (Status.APPROVED, 30),
    ],
    "B2": [(Status.SUBMITTED, 0), (Status.REJECTED, 3)],
}


def journey(world: World, body: Organisation, steps, *, product, start) -> Application:
    application = ApplicationFactory(
        product=product,
        certification_body=body,
        created_by=world.enterprise_admin,
        status=steps[-1][0],
        created_at=start - DAY,
    )
    previous = Status.DRAFT
    events = []
    for status, day in steps:
        events.append(
            ApplicationEvent(
                application=application,
                action=f"to_{status}",
                from_status=previous,
                to_status=status,
                created_at=start + day * DAY,
            )
        )
        previous = status
    ApplicationEvent.objects.bulk_create(events)
    return application


def recompute(version: DossierVersion, deviation: str | None) -> Recomputation:
    return Recomputation.objects.create(
        dossier_version=version,
        gwp_set="AR6",
        total=Decimal("100"),
        fossil=Decimal("100"),
        biogenic=Decimal("0"),
        declared_total=None if deviation is None else Decimal("100"),
        deviation=None if deviation is None else Decimal(deviation),
        materiality=Decimal("0.05"),
        lines_count=3,
    )


def finding(
    application: Application, version: DossierVersion, number: int, severity: str, world: World
) -> Finding:
    return Finding.objects.create(
        application=application,
        dossier_version=version,
        number=number,
        severity=severity,
        description="x",
        raised_by=world.reviewer,
    )


class Scenario:
    """Body X (the World's) with A1 approved, A2 refused, A3 in evaluation, all of enterprise
    A in Shanghai (province field) and category LIB; body Y with B1 approved and B2 rejected at
    acceptance, of an enterprise whose province is only in its USCC (44: Guangdong), category
    PV. Left out by default: a draft of X, and an approved application of X created 400 days
    ago (with a finding and a recomputation)."""

    built = 0

    def __init__(self, world: World) -> None:
        self.world = world
        Scenario.built += 1
        now = timezone.now()
        self.start = now - 60 * DAY
        self.southern = EnterpriseFactory(
            name="Shenzhen Sun Modules",
            province="",
            uscc=make_uscc(f"91440300MA5{Scenario.built:06d}"),
        )
        self.pv = category_from_reference("PV-MODULE")
        self.apps = {}
        for name, steps in JOURNEYS.items():
            body = world.body if name.startswith("A") else world.peer_body
            product = (
                ProductFactory(
                    enterprise=world.enterprise,
                    category=world.category,
                    name="Secret Battery",
                    model="SB-1",
                )
                if name.startswith("A")
                else ProductFactory(enterprise=self.southern, category=self.pv)
            )
            self.apps[name] = journey(world, body, steps, product=product, start=self.start)
        ApplicationFactory(
            product=world.product,
            certification_body=world.body,
            created_by=world.enterprise_admin,
            status=Status.DRAFT,
        )
        self.old = journey(
            world, world.body, JOURNEYS["A1"], product=world.product, start=now - 400 * DAY
        )

        versions = {
            name: DossierVersionFactory(application=app, number=1, complete=True)
            for name, app in self.apps.items()
        }
        a1_second = DossierVersionFactory(application=self.apps["A1"], number=2, complete=True)
        old_version = DossierVersionFactory(application=self.old, number=1, complete=True)
        finding(self.apps["A1"], versions["A1"], 1, Severity.MAJOR, world)
        finding(self.apps["A1"], versions["A1"], 2, Severity.MINOR, world)
        finding(self.apps["A2"], versions["A2"], 1, Severity.OBSERVATION, world)
        finding(self.old, old_version, 1, Severity.MAJOR, world)
        recompute(versions["A1"], "0.004")
        recompute(a1_second, "0.07")
        recompute(versions["B1"], "0.25")
        recompute(versions["A2"], None)
        recompute(old_version, "0.5")

        self.labels = {}
        for name in ("A1", "B1"):
            certificate = certificate_create_directly(self.apps[name], versions[name])
            self.labels[name] = label_services.label_issue(certificate_id=certificate.pk)
        self.suspended_at = now - 40 * DAY
        self.revoked_at = now - 10 * DAY
        LabelEvent.objects.create(
            label=self.labels["A1"], action="suspended", created_at=self.suspended_at
        )
        LabelEvent.objects.create(
            label=self.labels["B1"], action="revoked", created_at=self.revoked_at
        )
        LabelEvent.objects.create(
            label=self.labels["B1"], action="suspended", created_at=now - 500 * DAY
        )  # outside the period
        dashboard_facts_rebuild()  # the rows above were written around the services


@pytest.fixture
def scenario(world: World) -> Scenario:
    return Scenario(world)


def signed_in(user: User | None) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        sign_in(client, user)
    return client


def board_for(**query):
    from oversight.dashboard.filters import DashboardFilterForm, filters_from

    choices = filter_choices()
    form = DashboardFilterForm(query or None, choices=choices)
    filters = filters_from(form) if query else default_filters()
    return dashboard(filters, choices)


def by_name(board):
    return {row.name: row for row in board.bodies}


# --- who may see it ---------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["regulator", "platform_admin"])
def test_regulators_and_platform_admins_see_the_dashboard(world, persona):
    response = signed_in(world.persona(persona)).get(DASHBOARD)
    assert response.status_code == 200
    assert b'data-testid="table-bodies"' in response.content


@pytest.mark.parametrize(
    "persona", ["body_admin", "decision_maker", "enterprise_admin", "peer_reviewer"]
)
@pytest.mark.parametrize(
    "url", [DASHBOARD, DASHBOARD + "export/bodies.csv", DASHBOARD + "export/bodies.xlsx"]
)
def test_everybody_else_gets_not_found(world, persona, url):
    assert signed_in(world.persona(persona)).get(url).status_code == 404


@pytest.mark.parametrize("url", [DASHBOARD, DASHBOARD + "export/bodies.csv"])
def test_anonymous_visitors_are_sent_to_the_login(db, url):
    response = signed_in(None).get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_an_unknown_export_is_not_found(world):
    client = signed_in(world.regulator)
    assert client.get(DASHBOARD + "export/secrets.csv").status_code == 404
    assert client.get(DASHBOARD + "export/bodies.pdf").status_code == 404


def test_the_navigation_shows_the_dashboard_to_regulators_only(world):
    link = b'href="/portal/oversight/dashboard/"'
    assert link in signed_in(world.regulator).get("/portal/").content
    assert link not in signed_in(world.body_admin).get("/portal/").content


# --- the figures ------------------------------------------------------------------------------


def test_applications_by_status_leave_out_drafts_and_other_periods(scenario):
    board = board_for()
    counts = {status: count for status, _label, count in board.status_counts}
    assert counts == {
        Status.SUBMITTED: 0,
        Status.ACCEPTED: 0,
        Status.PLANNED: 0,
        Status.IN_EVALUATION: 1,
        Status.AWAITING_ENTERPRISE: 0,
        Status.TECHNICAL_REVIEW: 0,
        Status.PEER_REVIEW: 0,
        Status.DECISION: 0,
        Status.APPROVED: 2,
        Status.REFUSED: 1,
        Status.REJECTED: 1,
        Status.WITHDRAWN: 0,
    }
    assert (board.applications, board.certified, board.refused) == (5, 2, 1)


def test_refusal_rate_is_refusals_among_decisions(scenario):
    board = board_for()
    assert board.refusal_rate == Decimal("0.333")
    bodies = by_name(board)
    assert bodies[scenario.world.body.name].refusal_rate == Decimal("0.500")
    assert bodies[scenario.world.peer_body.name].refusal_rate == Decimal("0.000")


def test_lead_time_per_step_is_the_median_of_the_days_spent_in_it(scenario):
    board = board_for()
    steps = {step: (count, median) for step, _label, count, median in board.step_medians}
    assert steps[Status.SUBMITTED] == (5, Decimal("3.0"))  # 1, 2, 3, 4, 6
    assert steps[Status.IN_EVALUATION] == (3, Decimal("6.0"))  # 4, 6, 17 (A3 still there)
    assert steps[Status.DECISION] == (3, Decimal("3.0"))  # 1, 3, 8
    assert steps[Status.AWAITING_ENTERPRISE] == (0, None)
    x, y = scenario.world.body.pk, scenario.world.peer_body.pk
    assert board.step_medians_by_body[x][Status.SUBMITTED] == Decimal("4.0")  # 2, 4, 6
    assert board.step_medians_by_body[x][Status.IN_EVALUATION] == Decimal("5.0")  # 4, 6
    assert board.step_medians_by_body[y][Status.SUBMITTED] == Decimal("2.0")  # 1, 3


def test_lead_time_to_decision_per_body(scenario):
    board = board_for()
    assert board.median_lead_days == Decimal("20.0")  # 14, 20, 30
    bodies = by_name(board)
    assert bodies[scenario.world.body.name].median_lead_days == Decimal("17.0")  # 14, 20
    assert bodies[scenario.world.peer_body.name].median_lead_days == Decimal("30.0")


def test_findings_per_application(scenario):
    board = board_for()
    assert board.findings == 3
    assert board.findings_per_application == Decimal("0.60")
    assert {severity: count for severity, _l, count in board.findings_by_severity} == {
        Severity.MAJOR: 1,
        Severity.MINOR: 1,
        Severity.OBSERVATION: 1,
    }
    bodies = by_name(board)
    assert bodies[scenario.world.body.name].findings_per_application == Decimal("1.00")
    assert bodies[scenario.world.peer_body.name].findings_per_application == Decimal("0.00")


def test_deviation_distribution(scenario):
    board = board_for()
    assert {key: count for key, _label, count in board.deviation} == {
        "lt1": 1,
        "1to2": 0,
        "2to5": 0,
        "5to10": 1,
        "10to20": 0,
        "ge20": 1,
        "none": 1,
    }


def test_suspensions_and_withdrawals_per_month_and_body(scenario):
    board = board_for()
    months = {month: (suspensions, withdrawals) for month, suspensions, withdrawals in board.months}
    suspended = timezone.localtime(scenario.suspended_at).date().replace(day=1)
    revoked = timezone.localtime(scenario.revoked_at).date().replace(day=1)
    expected = {month: (0, 0) for month in months}
    expected[suspended] = (1, 0)
    expected[revoked] = (expected[revoked][0], 1)
    assert months == expected
    assert len(months) in (12, 13)  # every month of the year-long default period
    bodies = by_name(board)
    x, y = bodies[scenario.world.body.name], bodies[scenario.world.peer_body.name]
    assert (x.suspensions, x.withdrawals, y.suspensions, y.withdrawals) == (1, 0, 0, 1)


def test_the_page_shows_the_figures(scenario):
    content = signed_in(scenario.world.regulator).get(DASHBOARD).content.decode()
    assert 'data-testid="total-applications">5<' in content
    assert 'data-testid="refusal-rate">33%<' in content
    assert 'data-testid="median-lead">20.0<' in content
    for chart in (
        "chart-statuses",
        "chart-steps",
        "chart-refusals",
        "chart-findings",
        "chart-deviation",
        "chart-months",
    ):
        assert f'data-testid="{chart}"' in content
    for panel in ("complaints", "surveillance", "sampling"):
        assert f'data-testid="panel-{panel}-empty"' in content


# --- filters ----------------------------------------------------------------------------------


def test_filter_by_body(scenario):
    board = board_for(body=str(scenario.world.peer_body.pk))
    assert (board.applications, board.certified, board.refused) == (2, 1, 0)
    assert [row.name for row in board.bodies] == [scenario.world.peer_body.name]
    assert sum(withdrawals for _m, _s, withdrawals in board.months) == 1
    assert sum(suspensions for _m, suspensions, _w in board.months) == 0


def test_filter_by_category_includes_its_catalogue_products(scenario):
    pv = scenario.pv.parent
    assert pv is not None and pv.code == "PV"
    board = board_for(category=str(pv.pk))
    assert board.applications == 2
    assert board.findings == 0
    lib = scenario.world.category.parent
    assert board_for(category=str(lib.pk)).applications == 3


def test_filter_by_province_reads_the_field_then_the_uscc(scenario):
    assert board_for(province="SH").applications == 3  # enterprise A: province field
    guangdong = board_for(province="GD")  # the USCC's region code 44
    assert guangdong.applications == 2
    assert {k: c for k, _l, c in guangdong.deviation}["ge20"] == 1
    assert board_for(province="XJ").applications == 0


def test_filter_by_period(scenario):
    today = timezone.localdate()
    board = board_for(date_from=str(today - 500 * DAY), date_to=str(today))
    assert board.applications == 6
    assert board.findings == 4
    assert sum(suspensions for _m, suspensions, _w in board.months) == 2
    narrow = board_for(date_from=str(today - 450 * DAY), date_to=str(today - 300 * DAY))
    assert (narrow.applications, narrow.certified, narrow.median_lead_days) == (
        1,
        1,
        Decimal("14.0"),
    )


def test_a_period_ending_before_it_starts_is_refused_and_shows_the_defaults(scenario):
    today = timezone.localdate()
    response = signed_in(scenario.world.regulator).get(
        DASHBOARD, {"date_from": str(today), "date_to": str(today - 10 * DAY)}
    )
    assert response.status_code == 200
    assert b"The period ends before it starts." in response.content
    assert response.context["board"].applications == 5


def test_garbage_filters_answer_200(scenario):
    response = signed_in(scenario.world.regulator).get(
        DASHBOARD,
        {
            "body": "x",
            "category": "999999",
            "province": "ZZ",
            "date_from": "soon",
            "sort": "password",
            "order": "sideways",
        },
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    "period",
    [
        {"date_to": "9999-12-31"},
        {"date_from": "0001-01-01"},
        {"date_from": "0002-01-01", "date_to": "9999-12-30"},
    ],
)
def test_dates_out_of_range_fall_back_to_the_defaults(scenario, period):
    client = signed_in(scenario.world.regulator)
    response = client.get(DASHBOARD, period)
    assert response.status_code == 200
    assert response.context["board"] is not None
    for table in ("bodies", "statuses"):
        assert client.get(f"{DASHBOARD}export/{table}.csv", period).status_code == 200


# --- sorting ----------------------------------------------------------------------------------


def rows_of(response) -> list[str]:
    return [row.name for row in response.context["board"].bodies]


def test_the_body_table_sorts_by_any_column(scenario):
    empty = CertificationBodyFactory(name="Zeta Certification")
    x, y = scenario.world.body.name, scenario.world.peer_body.name
    client = signed_in(scenario.world.regulator)
    assert rows_of(client.get(DASHBOARD, {"sort": "refusal_rate", "order": "desc"})) == [
        x,
        y,
        empty.name,
    ]
    assert rows_of(client.get(DASHBOARD, {"sort": "refusal_rate", "order": "asc"})) == [
        y,
        x,
        empty.name,
    ]  # a body with no decision has no rate: last either way
    assert rows_of(client.get(DASHBOARD, {"sort": "applications", "order": "desc"})) == [
        x,
        y,
        empty.name,
    ]
    assert rows_of(client.get(DASHBOARD, {"sort": "median_lead_days", "order": "desc"})) == [
        y,
        x,
        empty.name,
    ]
    assert rows_of(client.get(DASHBOARD, {"sort": "withdrawals", "order": "desc"})) == [
        y,
        x,
        empty.name,
    ]
    assert rows_of(client.get(DASHBOARD, {"sort": "name", "order": "desc"})) == sorted(
        [x, y, empty.name], reverse=True
    )


def test_a_column_link_keeps_the_filters_and_flips_the_order(scenario):
    response = signed_in(scenario.world.regulator).get(
        DASHBOARD, {"sort": "refused", "order": "asc", "province": "SH"}
    )
    links = response.context["sort_links"]
    assert "sort=refused" in links["refused"] and "order=desc" in links["refused"]
    assert "province=SH" in links["refused"]
    assert "order=asc" in links["certified"]


# --- exports ----------------------------------------------------------------------------------


def test_the_body_table_exports_as_csv(scenario):
    response = signed_in(scenario.world.regulator).get(
        DASHBOARD + "export/bodies.csv", {"sort": "refusal_rate", "order": "desc"}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows == [
        [
            "Certification body",
            "Applications",
            "Certified",
            "Refused",
            "Refusal rate",
            "Median days to decision",
            "Findings per application",
            "Suspensions",
            "Withdrawals",
        ],
        [scenario.world.body.name, "3", "1", "1", "0.500", "17.0", "1.00", "1", "0"],
        [scenario.world.peer_body.name, "2", "1", "0", "0.000", "30.0", "0.00", "0", "1"],
    ]


def test_the_body_table_exports_as_xlsx_with_numbers(scenario):
    response = signed_in(scenario.world.regulator).get(DASHBOARD + "export/bodies.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    # The default order is by name: "Beijing Peer Certification", then "China Quality …".
    assert rows[1] == [scenario.world.peer_body.name, 2, 1, 0, 0, 30, 0, 0, 1]
    assert rows[2] == [scenario.world.body.name, 3, 1, 1, 0.5, 17, 1, 1, 0]


@pytest.mark.parametrize(
    "name", ["statuses", "lead_times", "bodies", "findings", "deviation", "label_events"]
)
def test_every_table_exports_in_both_formats(scenario, name):
    client = signed_in(scenario.world.regulator)
    csv_rows = list(
        csv.reader(
            io.StringIO(client.get(f"{DASHBOARD}export/{name}.csv").content.decode("utf-8-sig"))
        )
    )
    sheet = load_workbook(io.BytesIO(client.get(f"{DASHBOARD}export/{name}.xlsx").content)).active
    assert len(csv_rows) == sheet.max_row > 1
    assert csv_rows[0] == [cell.value for cell in sheet[1]]


def test_the_exports_never_carry_a_formula(scenario):
    nasty = CertificationBodyFactory(name='=HYPERLINK("http://evil.example","x")')
    for other, name in (
        (CertificationBodyFactory, "+1+1"),
        (CertificationBodyFactory, "-2"),
        (CertificationBodyFactory, "@SUM(A1)"),
    ):
        other(name=name)
    client = signed_in(scenario.world.regulator)
    rows = list(
        csv.reader(
            io.StringIO(client.get(DASHBOARD + "export/bodies.csv").content.decode("utf-8-sig"))
        )
    )
    names = {row[0] for row in rows[1:]}
    assert {"'" + nasty.name, "'+1+1", "'-2", "'@SUM(A1)"} <= names
    content = client.get(DASHBOARD + "export/bodies.xlsx").content
    sheet_xml = zipfile.ZipFile(io.BytesIO(content)).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml
    cells = {
        cell.value: cell.data_type
        for row in load_workbook(io.BytesIO(content)).active.iter_rows()
        for cell in row
    }
    assert cells[nasty.name] == "s"
    # The lead-time table's headers carry body names too.
    lead = list(
        csv.reader(
            io.StringIO(client.get(DASHBOARD + "export/lead_times.csv").content.decode("utf-8-sig"))
        )
    )
    assert "'" + nasty.name in lead[0]


# --- a constant number of queries -------------------------------------------------------------


def count_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_dashboard_costs_the_same_queries_for_more_data(world, django_assert_num_queries):
    client = signed_in(world.regulator)
    Scenario(world)
    small = count_queries(client, DASHBOARD)
    for _ in range(3):
        Scenario(world)
    CertificationBodyFactory.create_batch(3)
    with django_assert_num_queries(small):
        client.get(DASHBOARD)
    with django_assert_num_queries(small):
        client.get(
            DASHBOARD,
            {
                "province": "GD",
                "category": str(world.category.parent.pk),
                "body": str(world.body.pk),
                "sort": "refusal_rate",
            },
        )


def test_the_statistics_page_costs_the_same_queries_for_more_data(world, django_assert_num_queries):
    client = signed_in(None)
    Scenario(world)
    small = count_queries(client, "/statistics/")
    Scenario(world)
    Scenario(world)
    with django_assert_num_queries(small):
        client.get("/statistics/")


# --- the public statistics page ---------------------------------------------------------------


def test_the_statistics_page_is_public_and_counts(scenario):
    scenario.labels["A1"].__class__.objects.filter(pk=scenario.labels["A1"].pk).update(
        status=LabelStatus.SUSPENDED
    )
    response = signed_in(None).get("/statistics/")
    assert response.status_code == 200
    numbers = response.context["numbers"]
    assert {status: count for status, _l, count in numbers.labels_by_status} == {
        "valid": 1,
        "suspended": 1,
        "revoked": 0,
        "cancelled": 0,
        "expired": 0,
    }
    # Certificates are created valid-pending-label; a label makes them valid.
    assert sum(count for _c, _b, count in numbers.certificates) == sum(
        1
        for label in scenario.labels.values()
        if label.certificate.__class__.objects.get(pk=label.certificate_id).status == "valid"
    )
    assert sum(s for _m, s, _w in numbers.months) == 1
    assert sum(w for _m, _s, w in numbers.months) == 1


def test_the_statistics_page_names_no_enterprise_product_or_label(scenario):
    content = signed_in(None).get("/statistics/").content.decode()
    world = scenario.world
    confidential = [
        world.enterprise.name,
        scenario.southern.name,
        "Secret Battery",
        "SB-1",
        world.enterprise.uscc,
        scenario.southern.uscc,
    ]
    for label in scenario.labels.values():
        confidential += [label.serial, label.certificate.number, label.gtin or "-none-"]
    for text in confidential:
        assert text not in content, text
    assert "/portal/oversight/" not in content.split("<main>")[1]  # no link into the portal


def test_the_dashboard_link_is_absent_for_anonymous_visitors(db):
    content = signed_in(None).get("/statistics/").content
    assert b'href="/portal/oversight/dashboard/"' not in content
    assert b'href="/statistics/"' in content


def test_a_body_admin_is_not_a_regulator(world):
    admin = member_of(world.body, Role.BODY_ADMIN)
    assert signed_in(admin).get(DASHBOARD).status_code == 404


def test_the_dashboard_and_the_statistics_speak_chinese(scenario):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    sign_in(client, scenario.world.regulator)
    assert "监管看板" in client.get(DASHBOARD).content.decode()
    anonymous = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "碳标签统计" in anonymous.get("/statistics/").content.decode()


# --- the panels of complaints, appeals, surveillance and sampling ----------------------------


REFERENCES = itertools.count(1)  # unique complaint references across the tests


def complaint(label, *, status="received", filed_days_ago=1, acknowledge_in=5, decide_in=30):
    number = next(REFERENCES)
    today = timezone.localdate()
    filed = timezone.now() - filed_days_ago * DAY
    return Complaint.objects.create(
        reference=f"CMP-T-{number:05d}",
        token_hash=f"{number:064d}",
        label=label,
        certificate=label.certificate,
        body=label.certificate.certification_body,
        category="false_value",
        description="x",
        status=status,
        outcome="founded" if status in ("decided", "closed") else "",
        created_at=filed,
        acknowledge_due=today - filed_days_ago * DAY + acknowledge_in * DAY,
        decision_due=today - filed_days_ago * DAY + decide_in * DAY,
    )


def appeal(scenario, name, *, status="submitted", filed_days_ago=1):
    application = scenario.apps[name]
    event = ApplicationEvent.objects.create(
        application=application,
        action="refuse",
        from_status=Status.DECISION,
        to_status=Status.REFUSED,
    )
    return Appeal.objects.create(
        reference=f"APL-T-{event.pk:05d}",
        kind="refusal",
        enterprise=application.enterprise,
        body=application.certification_body,
        application=application,
        application_event=event,
        decision_at=event.created_at,
        reasons="x",
        filed_by=scenario.world.enterprise_admin,
        status=status,
        created_at=timezone.now() - filed_days_ago * DAY,
    )


@pytest.fixture
def complaints(scenario):
    """Body X (label A1): a complaint received 10 days ago and never acknowledged (overdue), one
    acknowledged 40 days ago and undecided (overdue), one decided in time, one filed 400 days ago
    (outside the period); appeals: one upheld, one overturned, one pending. Body Y (label B1):
    one complaint received yesterday (not overdue) and no appeal."""
    a1, b1 = scenario.labels["A1"], scenario.labels["B1"]
    complaint(a1, filed_days_ago=10)
    complaint(a1, status="acknowledged", filed_days_ago=40)
    complaint(a1, status="decided", filed_days_ago=40)
    complaint(a1, filed_days_ago=400)
    complaint(b1, filed_days_ago=1)
    appeal(scenario, "A2", status="upheld")
    appeal(scenario, "A1", status="overturned")
    appeal(scenario, "A3")
    return scenario


def test_complaints_and_appeals_per_body(complaints):
    world = complaints.world
    assert pending.complaints_and_appeals_per_body(default_filters()) == sorted(
        [
            {
                "body_id": world.body.pk,
                "body": world.body.name,
                "complaints": 3,
                "complaints_overdue": 2,
                "appeals": 3,
                "appeals_upheld": 1,
            },
            {
                "body_id": world.peer_body.pk,
                "body": world.peer_body.name,
                "complaints": 1,
                "complaints_overdue": 0,
                "appeals": 0,
                "appeals_upheld": 0,
            },
        ],
        key=lambda row: row["body"],
    )


def test_complaints_and_appeals_honour_the_filters(complaints):
    world = complaints.world
    today = timezone.localdate()
    only_y = board_filters(body=world.peer_body.pk)
    assert [row["body_id"] for row in pending.complaints_and_appeals_per_body(only_y)] == [
        world.peer_body.pk
    ]
    assert pending.complaints_and_appeals_per_body(board_filters(province="GD")) == [
        {
            "body_id": world.peer_body.pk,
            "body": world.peer_body.name,
            "complaints": 1,
            "complaints_overdue": 0,
            "appeals": 0,
            "appeals_upheld": 0,
        }
    ]
    lib = world.category.parent
    assert [
        row["complaints"]
        for row in pending.complaints_and_appeals_per_body(board_filters(category=lib.pk))
    ] == [3]
    everything = board_filters(date_from=today - 500 * DAY)
    assert {
        row["body_id"]: row["complaints"]
        for row in pending.complaints_and_appeals_per_body(everything)
    }[world.body.pk] == 4
    assert pending.complaints_and_appeals_per_body(board_filters(province="XJ")) == []


def board_filters(**values):
    return replace(
        default_filters(),
        category_id=values.pop("category", None),
        province=values.pop("province", ""),
        body_id=values.pop("body", None),
        **values,
    )


def surveillance(certificate, number, *, due_days_ago, status="due"):
    due = timezone.localdate() - due_days_ago * DAY
    return Surveillance.objects.create(
        certificate=certificate,
        number=100 + number,
        due_on=due,
        suspend_after=due + 30 * DAY,
        status=status,
    )


def test_surveillance_overdue_per_body(scenario):
    world = scenario.world
    a1, b1 = scenario.labels["A1"].certificate, scenario.labels["B1"].certificate
    a1.refresh_from_db()
    b1.refresh_from_db()
    assert (a1.status, b1.status) == ("valid", "valid")
    surveillance(a1, 1, due_days_ago=20)  # overdue
    surveillance(a1, 2, due_days_ago=5, status="in_progress")  # overdue, same certificate
    surveillance(a1, 3, due_days_ago=50, status="closed")  # closed: not overdue
    surveillance(b1, 1, due_days_ago=0)  # due today: not yet overdue
    surveillance(b1, 2, due_days_ago=-10)  # due in ten days
    today = timezone.localdate()
    assert pending.surveillance_overdue(default_filters()) == [
        {
            "body_id": world.body.pk,
            "body": world.body.name,
            "overdue": 1,
            "oldest_due": today - 20 * DAY,
        }
    ]
    surveillance(b1, 3, due_days_ago=3)
    assert {
        row["body_id"]: row["overdue"] for row in pending.surveillance_overdue(default_filters())
    } == {world.body.pk: 1, world.peer_body.pk: 1}
    assert [
        row["body_id"] for row in pending.surveillance_overdue(board_filters(province="GD"))
    ] == [world.peer_body.pk]
    assert [
        row["body_id"] for row in pending.surveillance_overdue(board_filters(body=world.body.pk))
    ] == [world.body.pk]
    # Certificates no longer in force do not count.
    b1.__class__.objects.filter(pk=b1.pk).update(status="revoked")
    assert [row["body_id"] for row in pending.surveillance_overdue(default_filters())] == [
        world.body.pk
    ]
    # The period selects the surveillances that fell due in it.
    assert (
        pending.surveillance_overdue(board_filters(date_from=today - 10 * DAY))[0]["oldest_due"]
        == today - 5 * DAY
    )


def test_sampling_outcomes_per_draw(scenario):
    world = scenario.world
    a1, b1 = scenario.labels["A1"].certificate, scenario.labels["B1"].certificate
    first = SamplingDraw.objects.create(
        seed="alpha",
        size=2,
        population_hash="0" * 64,
        population_size=2,
        drawn_by=world.regulator,
        drawn_at=timezone.now() - 30 * DAY,
    )
    SamplingItem.objects.create(
        draw=first,
        position=1,
        certificate=a1,
        inspector=world.peer_reviewer,
        status="completed",
        outcome="nonconforming",
        action="suspend",
    )
    SamplingItem.objects.create(
        draw=first,
        position=2,
        certificate=b1,
        inspector=world.reviewer,
        status="completed",
        outcome="conforming",
    )
    second = SamplingDraw.objects.create(
        seed="beta", size=1, population_hash="1" * 64, population_size=2, drawn_by=world.regulator
    )
    SamplingItem.objects.create(draw=second, position=1, certificate=b1, inspector=world.reviewer)
    old = SamplingDraw.objects.create(
        seed="old",
        size=1,
        population_hash="2" * 64,
        population_size=2,
        drawn_by=world.regulator,
        drawn_at=timezone.now() - 400 * DAY,
    )
    SamplingItem.objects.create(draw=old, position=1, certificate=a1, inspector=world.reviewer)
    assert pending.sampling_outcomes(default_filters()) == [
        {
            "draw": second.pk,
            "drawn_on": timezone.localdate(),
            "seed": "beta",
            "certificates": 1,
            "conforming": 0,
            "nonconforming": 0,
            "pending": 1,
        },
        {
            "draw": first.pk,
            "drawn_on": timezone.localtime(first.drawn_at).date(),
            "seed": "alpha",
            "certificates": 2,
            "conforming": 1,
            "nonconforming": 1,
            "pending": 0,
        },
    ]
    only_x = pending.sampling_outcomes(board_filters(body=world.body.pk))
    assert [(row["seed"], row["certificates"], row["nonconforming"]) for row in only_x] == [
        ("alpha", 1, 1)
    ]
    assert [row["seed"] for row in pending.sampling_outcomes(board_filters(province="GD"))] == [
        "beta",
        "alpha",
    ]
    assert (
        pending.sampling_outcomes(board_filters(category=scenario.pv.parent.pk))[1]["conforming"]
        == 1
    )


def test_the_panels_show_their_rows(complaints):
    content = signed_in(complaints.world.regulator).get(DASHBOARD).content.decode()
    assert 'data-testid="panel-complaints-empty"' not in content
    assert 'data-testid="panel-surveillance-empty"' in content


# --- the kept counts ---------------------------------------------------------------------------


def figures_of(board):
    return (
        board.status_counts,
        board.step_medians,
        board.step_medians_by_body,
        board.median_lead_days,
        board.findings_by_severity,
        board.deviation,
        board.months,
        [
            (
                row.name,
                row.applications,
                row.median_lead_days,
                row.findings,
                row.suspensions,
                row.withdrawals,
            )
            for row in board.bodies
        ],
    )


def cells():
    return sorted(
        DashboardCount.objects.filter(total__gt=0).values_list(
            "month", "body_id", "figure", "key", "days", "total"
        )
    )


def test_the_services_keep_the_counts_the_rows_give(scenario, application_at):
    """The status writer, the transfer's neighbour the withdrawal, the label status writer and
    a finding write the counts in their transaction: afterwards the counts equal a recount
    from the rows, and the dashboard read from them equals the one computed from the rows."""
    world = scenario.world
    submitted = application_at(Status.SUBMITTED)
    application_services.application_transition(
        actor=world.enterprise_admin, application_id=submitted.pk, action="withdraw"
    )
    label_services.certificate_status_apply(
        certificate_id=scenario.labels["B1"].certificate_id,
        action="suspend",
        reason="Complaint founded.",
        reason_code="complaint",
    )
    kept = cells()
    dashboard_facts_rebuild()
    assert kept == cells()
    defaults = default_filters()
    assert figures.counted(defaults)
    from_rows = replace(defaults, date_from=defaults.date_from - DAY)  # no data on that day
    assert not figures.counted(from_rows)
    choices = filter_choices()
    counted_board, rows_board = dashboard(defaults, choices), dashboard(from_rows, choices)
    assert figures_of(counted_board)[:6] == figures_of(rows_board)[:6]
    assert counted_board.applications == rows_board.applications == 6
    assert {status: n for status, _l, n in counted_board.status_counts}[Status.WITHDRAWN] == 1
    assert sum(s for _m, s, _w in counted_board.months) == 2


def test_lead_times_count_whole_days_elapsed(scenario):
    """A step left 36 hours after it was entered took 1 day, read from the counts and from
    the rows alike."""
    world = scenario.world
    start = timezone.now() - 20 * DAY
    journey(
        world,
        world.peer_body,
        [
            (Status.SUBMITTED, 0),
            (Status.ACCEPTED, 1.5),
            (Status.PLANNED, 1.99),
            (Status.IN_EVALUATION, 4),
        ],
        product=ProductFactory(enterprise=scenario.southern, category=scenario.pv),
        start=start,
    )
    dashboard_facts_rebuild()
    assert facts.whole_days(start + 1.5 * DAY, start) == 1
    only_y = replace(default_filters(), body_id=world.peer_body.pk)
    from_rows = replace(only_y, date_from=only_y.date_from - DAY)
    for filters in (only_y, from_rows):
        board = dashboard(filters, filter_choices())
        steps = {step: (n, median) for step, _l, n, median in board.step_medians}
        assert steps[Status.SUBMITTED] == (3, Decimal("1.0"))  # 1 (B1), 3 (B2), 1 (36 h)
        assert steps[Status.ACCEPTED] == (2, Decimal("0.5"))  # 1 (B1), 0 (12 h)
        assert steps[Status.PLANNED] == (2, Decimal("1.5"))  # 1 (B1), 2 (49 h)


def test_histogram_medians_equal_medians_of_the_values():
    values = [3, 1, 4, 1, 5, 9, 2, 6]
    histogram = {value: values.count(value) for value in values}
    assert figures.histogram_median(histogram) == (8, 3.5)
    assert figures.histogram_median({7: 1}) == (1, 7)
    assert figures.histogram_median({2: 2, 10: 1}) == (3, 2)
    assert figures.histogram_median({}) == (0, None)
