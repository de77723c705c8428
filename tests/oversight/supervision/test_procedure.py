"""Surveillance as a procedure: its table over (status, step, person), its guards (four eyes,
conflicts, blacklist), the holder's requests and who may make them, the data collected and
recomputed with the current factor library, the portal pages, the stale-PDF guard and the factor
impact report."""

from datetime import date, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.utils.html import escape

from audits.models import BlacklistEntry, FindingStatus, Severity
from certification.errors import (
    ActorNotPermitted,
    Blacklisted,
    GuardFailed,
    TransitionNotAllowed,
    WorkflowError,
)
from certification.inventory.services import inventory_line_update
from certification.models import Certificate
from footprint import services as footprint_services
from footprint.models import EmissionFactor, EmissionFactorDataset
from labels.models import Label
from labels.tasks import certificate_documents_refresh
from oversight.models import Surveillance, SurveillanceEvent, SurveillanceStatus
from oversight.supervision import services
from oversight.supervision.impact import factor_impact
from oversight.supervision.workflow import TRANSITIONS, Step
from tests.footprint.footprint_data import GRID, HAND_LINES
from tests.oversight.supervision.conftest import at, first_surveillance, label_of
from tests.second_factor import sign_in

PERSONAS = (
    "enterprise_admin",
    "enterprise_member",
    "other_enterprise_user",
    "body_admin",
    "reviewer",
    "second_reviewer",
    "technical_reviewer",
    "decision_maker",
    "peer_reviewer",
    "regulator",
)


def snapshot(surveillance: Surveillance) -> tuple:
    fresh = Surveillance.objects.get(pk=surveillance.pk)
    certificate = Certificate.objects.get(pk=fresh.certificate_id)
    return (
        fresh.status,
        fresh.outcome,
        fresh.decide_by,
        certificate.status,
        SurveillanceEvent.objects.filter(surveillance=fresh).count(),
    )


def at_status(world, certificate, status: str) -> Surveillance:
    """The certificate's first surveillance brought to `status` through the services, with
    `reviewer` on the team (not `second_reviewer`)."""
    surveillance = first_surveillance(certificate)
    if status == SurveillanceStatus.DUE:
        return surveillance
    services.surveillance_plan_update(
        actor=world.body_admin,
        surveillance=surveillance,
        planned_date=surveillance.due_on,
        mode="remote",
        members=[world.reviewer],
        lead=world.reviewer,
    )
    services.surveillance_transition(
        actor=world.body_admin, surveillance_id=surveillance.pk, step=Step.PLAN
    )
    services.surveillance_declare(
        actor=world.reviewer, surveillance=surveillance, has_conflict=False
    )
    if status == SurveillanceStatus.PLANNED:
        return _fresh(surveillance)
    services.surveillance_transition(
        actor=world.reviewer, surveillance_id=surveillance.pk, step=Step.START
    )
    if status == SurveillanceStatus.IN_PROGRESS:
        return _fresh(surveillance)
    services.surveillance_report_save(
        actor=world.reviewer, surveillance=surveillance, report="Conforms."
    )
    services.surveillance_transition(
        actor=world.reviewer, surveillance_id=surveillance.pk, step=Step.SUBMIT_REPORT
    )
    if status == SurveillanceStatus.DECISION:
        return _fresh(surveillance)
    services.surveillance_transition(
        actor=world.decision_maker,
        surveillance_id=surveillance.pk,
        step=Step.CONTINUE,
        comment="Continue.",
    )
    return Surveillance.objects.get(pk=surveillance.pk)


def _fresh(surveillance: Surveillance) -> Surveillance:
    return Surveillance.objects.get(pk=surveillance.pk)


# Who may take each step of the table (the guards pass in `at_status`'s set-up).
ALLOWED = {
    Step.PLAN: {"body_admin"},
    Step.START: {"reviewer"},
    Step.SUBMIT_REPORT: {"reviewer"},
    Step.RETURN: {"decision_maker"},
    Step.CONTINUE: {"decision_maker"},
    Step.SUSPEND: {"decision_maker"},
    Step.WITHDRAW: {"decision_maker"},
}
STATUSES = [s for s in SurveillanceStatus.values]


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("step", sorted(ALLOWED))
def test_the_surveillance_table_over_every_status_step_and_person(
    world, certificate, status, step
) -> None:
    surveillance = at_status(world, certificate, status)
    for persona in PERSONAS:
        before = snapshot(surveillance)
        allowed = (status, step) in TRANSITIONS and persona in ALLOWED[step]
        if allowed:
            continue
        with pytest.raises((TransitionNotAllowed, ActorNotPermitted)):
            services.surveillance_transition(
                actor=world.persona(persona),
                surveillance_id=surveillance.pk,
                step=step,
                comment="A reason.",
            )
        assert snapshot(surveillance) == before, (persona, step)
    # What the guards ask before the allowed step (see the guard tests for each refusal).
    if (status, step) == (SurveillanceStatus.DUE, Step.PLAN):
        services.surveillance_plan_update(
            actor=world.body_admin,
            surveillance=surveillance,
            planned_date=date(2027, 1, 5),
            mode="remote",
            members=[world.reviewer],
            lead=world.reviewer,
        )
    if (status, step) == (SurveillanceStatus.IN_PROGRESS, Step.SUBMIT_REPORT):
        services.surveillance_report_save(
            actor=world.reviewer, surveillance=surveillance, report="Conforms."
        )
    for persona in ALLOWED[step]:
        if (status, step) in TRANSITIONS:
            services.surveillance_transition(
                actor=world.persona(persona),
                surveillance_id=surveillance.pk,
                step=step,
                comment="A reason.",
            )
            assert (
                Surveillance.objects.get(pk=surveillance.pk).status
                == TRANSITIONS[(status, step)].target
            )


def test_the_plan_needs_a_date_a_mode_and_a_lead(world, certificate) -> None:
    surveillance = first_surveillance(certificate)
    before = snapshot(surveillance)
    with pytest.raises(GuardFailed, match="date"):
        services.surveillance_transition(
            actor=world.body_admin, surveillance_id=surveillance.pk, step=Step.PLAN
        )
    assert snapshot(surveillance) == before


def test_nobody_of_the_enterprise_sits_on_the_team(world, certificate) -> None:
    from accounts.models import Membership
    from accounts.roles import Role

    Membership.objects.create(
        user=world.second_reviewer, organisation=world.enterprise, role=Role.ENTERPRISE_MEMBER
    )
    surveillance = first_surveillance(certificate)
    with pytest.raises(GuardFailed, match="belongs to the enterprise"):
        services.surveillance_plan_update(
            actor=world.body_admin,
            surveillance=surveillance,
            planned_date=date(2027, 1, 5),
            mode="on_site",
            members=[world.second_reviewer],
            lead=world.second_reviewer,
        )
    assert not surveillance.team.exists()


def test_only_reviewers_of_the_body_sit_on_the_team(world, certificate) -> None:
    surveillance = first_surveillance(certificate)
    with pytest.raises(ValidationError):
        services.surveillance_plan_update(
            actor=world.body_admin,
            surveillance=surveillance,
            planned_date=date(2027, 1, 5),
            mode="on_site",
            members=[world.peer_reviewer],
            lead=world.peer_reviewer,
        )


def _blacklist(world, **subject) -> BlacklistEntry:
    return BlacklistEntry.objects.create(
        reason="False conclusions.",
        source_document="SAMR 2026-17",
        effective_from=date(2026, 1, 1),
        created_by=world.regulator,
        **subject,
    )


def test_a_blacklisted_person_cannot_sit_on_the_team(world, certificate) -> None:
    _blacklist(world, person=world.reviewer)
    with pytest.raises(Blacklisted):
        services.surveillance_plan_update(
            actor=world.body_admin,
            surveillance=first_surveillance(certificate),
            planned_date=date(2027, 1, 5),
            mode="on_site",
            members=[world.reviewer],
            lead=world.reviewer,
        )


def test_a_blacklisted_body_cannot_run_surveillance(world, certificate) -> None:
    surveillance = first_surveillance(certificate)
    services.surveillance_plan_update(
        actor=world.body_admin,
        surveillance=surveillance,
        planned_date=date(2027, 1, 5),
        mode="on_site",
        members=[world.reviewer],
        lead=world.reviewer,
    )
    _blacklist(world, organisation=world.body)
    before = snapshot(surveillance)
    with pytest.raises(Blacklisted):
        services.surveillance_transition(
            actor=world.body_admin, surveillance_id=surveillance.pk, step=Step.PLAN
        )
    assert snapshot(surveillance) == before


def test_the_team_must_declare_before_it_starts(world, certificate) -> None:
    surveillance = first_surveillance(certificate)
    services.surveillance_plan_update(
        actor=world.body_admin,
        surveillance=surveillance,
        planned_date=date(2027, 1, 5),
        mode="on_site",
        members=[world.reviewer],
        lead=world.reviewer,
    )
    services.surveillance_transition(
        actor=world.body_admin, surveillance_id=surveillance.pk, step=Step.PLAN
    )
    before = snapshot(surveillance)
    with pytest.raises(GuardFailed, match="conflicts of interest"):
        services.surveillance_transition(
            actor=world.reviewer, surveillance_id=surveillance.pk, step=Step.START
        )
    assert snapshot(surveillance) == before


def test_four_eyes_a_team_member_never_decides(world, certificate) -> None:
    from accounts.models import Membership
    from accounts.roles import Role

    Membership.objects.create(
        user=world.reviewer, organisation=world.body, role=Role.DECISION_MAKER
    )
    surveillance = at_status(world, certificate, SurveillanceStatus.DECISION)
    before = snapshot(surveillance)
    for step in (Step.CONTINUE, Step.SUSPEND, Step.WITHDRAW):
        with pytest.raises(GuardFailed, match="surveillance team"):
            services.surveillance_transition(
                actor=world.reviewer,
                surveillance_id=surveillance.pk,
                step=step,
                comment="My own file.",
            )
    assert snapshot(surveillance) == before


def test_the_decision_needs_reasons_closed_findings_and_a_clear_team(
    world, certificate, clock
) -> None:
    surveillance = at_status(world, certificate, SurveillanceStatus.IN_PROGRESS)
    finding = services.surveillance_finding_raise(
        actor=world.reviewer,
        surveillance=surveillance,
        severity=Severity.MINOR,
        description="Meter calibration certificate expired.",
    )
    with pytest.raises(GuardFailed, match="report"):
        services.surveillance_transition(
            actor=world.reviewer, surveillance_id=surveillance.pk, step=Step.SUBMIT_REPORT
        )
    services.surveillance_report_save(
        actor=world.reviewer, surveillance=surveillance, report="One minor finding."
    )
    with pytest.raises(GuardFailed, match="answered"):
        services.surveillance_transition(
            actor=world.reviewer, surveillance_id=surveillance.pk, step=Step.SUBMIT_REPORT
        )
    services.surveillance_finding_answer(
        actor=world.enterprise_member, finding=finding, response="Recalibrated."
    )
    services.surveillance_report_save(
        actor=world.reviewer, surveillance=surveillance, report="One minor finding."
    )
    services.surveillance_transition(
        actor=world.reviewer, surveillance_id=surveillance.pk, step=Step.SUBMIT_REPORT
    )
    before = snapshot(surveillance)
    with pytest.raises(GuardFailed, match="reasons"):
        services.surveillance_transition(
            actor=world.decision_maker, surveillance_id=surveillance.pk, step=Step.CONTINUE
        )
    with pytest.raises(GuardFailed, match="Close every finding"):
        services.surveillance_transition(
            actor=world.decision_maker,
            surveillance_id=surveillance.pk,
            step=Step.CONTINUE,
            comment="Continue.",
        )
    _blacklist(world, person=world.reviewer)  # listed since the plan: no favourable decision
    from audits.models import Finding

    Finding.objects.filter(pk=finding.pk).update(status=FindingStatus.CLOSED)
    with pytest.raises(Blacklisted):
        services.surveillance_transition(
            actor=world.decision_maker,
            surveillance_id=surveillance.pk,
            step=Step.CONTINUE,
            comment="Continue.",
        )
    BlacklistEntry.objects.all().delete()
    _blacklist(world, person=world.decision_maker)
    with pytest.raises(Blacklisted):
        services.surveillance_transition(
            actor=world.decision_maker,
            surveillance_id=surveillance.pk,
            step=Step.SUSPEND,
            comment="Suspend.",
        )
    assert snapshot(surveillance) == before


# --- findings and data ------------------------------------------------------------------


def test_findings_of_a_surveillance_are_raised_answered_and_closed_by_the_right_people(
    world, certificate
) -> None:
    surveillance = at_status(world, certificate, SurveillanceStatus.IN_PROGRESS)
    with pytest.raises(ActorNotPermitted):
        services.surveillance_finding_raise(
            actor=world.enterprise_admin,
            surveillance=surveillance,
            severity=Severity.MINOR,
            description="x",
        )
    with pytest.raises(ValidationError):
        services.surveillance_finding_raise(
            actor=world.reviewer,
            surveillance=surveillance,
            severity=Severity.MINOR,
            description="Due today.",
            due_on=date(2026, 1, 10),
        )
    finding = services.surveillance_finding_raise(
        actor=world.reviewer,
        surveillance=surveillance,
        severity=Severity.MAJOR,
        description="Transport distances are estimates.",
    )
    assert finding.due_on == date(2026, 2, 9)  # SURVEILLANCE_FINDING_DAYS from today
    for stranger in (world.reviewer, world.other_enterprise_user, world.body_admin):
        with pytest.raises(ActorNotPermitted):
            services.surveillance_finding_answer(actor=stranger, finding=finding, response="No.")
    with pytest.raises(TransitionNotAllowed):
        services.surveillance_finding_close(actor=world.reviewer, finding=finding)
    services.surveillance_finding_answer(
        actor=world.enterprise_member, finding=finding, response="Freight invoices attached."
    )
    with pytest.raises(ActorNotPermitted):
        services.surveillance_finding_close(actor=world.enterprise_admin, finding=finding)
    closed = services.surveillance_finding_close(actor=world.reviewer, finding=finding)
    assert closed.status == FindingStatus.CLOSED


def test_the_enterprise_updates_its_data_and_the_team_recomputes_with_the_current_library(
    world, certificate, write_lines
) -> None:
    write_lines(certificate.dossier_version, HAND_LINES)
    surveillance = at_status(world, certificate, SurveillanceStatus.IN_PROGRESS)
    data = surveillance.dossier_version
    assert data is not None
    assert data.number == certificate.dossier_version.number + 1 and not data.is_frozen
    assert data.inventory_lines.count() == len(HAND_LINES)

    electricity = data.inventory_lines.get(name="assembly electricity")
    inventory_line_update(
        actor=world.enterprise_admin,
        application=certificate.application,
        line=electricity,
        data={"amount": Decimal("120")},
    )
    services.surveillance_recompute(actor=world.reviewer, surveillance=surveillance)

    surveillance.refresh_from_db()
    # 100 kWh more at 0.6205 kgCO2e/kWh on 85.52775, against the certified 85.4.
    expected = Decimal("85.52775") + Decimal("62.05")
    assert surveillance.recomputed_total == expected
    assert surveillance.deviation == ((expected - Decimal("85.4")) / Decimal("85.4")).quantize(
        Decimal("0.000001")
    )
    assert surveillance.material is True

    services.surveillance_report_save(
        actor=world.reviewer, surveillance=surveillance, report="Production energy rose."
    )
    services.surveillance_transition(
        actor=world.reviewer, surveillance_id=surveillance.pk, step=Step.SUBMIT_REPORT
    )
    surveillance.refresh_from_db()
    assert surveillance.decide_by == date(2026, 1, 15)  # material: decided within 5 days
    with pytest.raises(WorkflowError):  # the data is frozen with the report
        inventory_line_update(
            actor=world.enterprise_admin,
            application=certificate.application,
            line=electricity,
            data={"amount": Decimal("1")},
        )
    with pytest.raises(ActorNotPermitted):
        services.surveillance_recompute(actor=world.enterprise_admin, surveillance=surveillance)


# --- the holder's requests: who may ask ----------------------------------------------


@pytest.mark.parametrize(
    "persona", ["enterprise_member", "other_enterprise_user", "body_admin", "regulator"]
)
def test_only_the_holders_administrator_makes_requests(world, certificate, persona) -> None:
    actor = world.persona(persona)
    with pytest.raises(ActorNotPermitted):
        services.certificate_suspend_voluntarily(
            actor=actor, certificate=certificate, until=date(2026, 3, 1), reason="x"
        )
    with pytest.raises(ActorNotPermitted):
        services.certificate_cancel(actor=actor, certificate=certificate, reason="x")
    with pytest.raises(ActorNotPermitted):
        services.certificate_change_report(
            actor=actor, certificate=certificate, change_kind="plant", description="x"
        )
    with pytest.raises(ActorNotPermitted):
        services.renewal_start(actor=actor, certificate=certificate)
    certificate.refresh_from_db()
    assert certificate.status == "valid" and not certificate.requests.exists()


@pytest.mark.parametrize("persona", ["enterprise_admin", "reviewer", "peer_reviewer", "regulator"])
def test_only_the_issuing_body_decides_on_a_change(world, certificate, persona) -> None:
    request = services.certificate_change_report(
        actor=world.enterprise_admin,
        certificate=certificate,
        change_kind="product",
        description="New cell chemistry.",
    )
    with pytest.raises(ActorNotPermitted):
        services.certificate_change_decide(
            actor=world.persona(persona), request=request, editorial=True, comment="x"
        )
    request.refresh_from_db()
    assert request.status == "open"
    assert Label.objects.filter(certificate=certificate).count() == 1


def test_only_the_issuing_body_orders_a_special_surveillance(world, certificate) -> None:
    with pytest.raises(ActorNotPermitted):
        services.surveillance_special_open(
            actor=world.enterprise_admin, certificate=certificate, reason="x"
        )
    special = services.surveillance_special_open(
        actor=world.decision_maker, certificate=certificate, reason="A complaint about the figures."
    )
    assert (special.kind, special.number, special.due_on) == ("special", 2, date(2026, 2, 9))
    certificate.refresh_from_db()
    assert certificate.next_surveillance_due == date(2026, 2, 9)


# --- the portal -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("enterprise_admin", 200),
        ("enterprise_member", 200),
        ("body_admin", 200),
        ("reviewer", 200),
        ("decision_maker", 200),
        ("regulator", 200),
        ("other_enterprise_user", 404),
        ("peer_reviewer", 404),
    ],
)
def test_certificate_and_surveillance_pages_answer_only_to_those_concerned(
    world, certificate, persona, status
) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    sign_in(client, world.persona(persona))
    surveillance = first_surveillance(certificate)
    for url in (
        f"/portal/supervision/certificates/{certificate.pk}/",
        f"/portal/supervision/surveillances/{surveillance.pk}/",
    ):
        assert client.get(url).status_code == status, url
    listed = client.get("/portal/supervision/certificates/")
    assert (certificate.number in listed.content.decode()) == (status == 200)
    refused = client.post(f"/portal/supervision/surveillances/{surveillance.pk}/step/plan/")
    assert refused.status_code in (302, 404)
    assert Surveillance.objects.get(pk=surveillance.pk).status == "due"


SURVEILLANCE_SECRETS = {
    "finding": "Meter 3 was read by the plant manager himself.",
    "answer": "An outside firm reads the meters from March.",
    "report": "The inventory holds except for meter 3.",
    "comment": "Report on meter 3 handed over.",
}


@pytest.mark.parametrize(
    ("persona", "reads"),
    [
        ("enterprise_admin", True),
        ("enterprise_member", True),
        ("reviewer", True),  # on the team
        ("body_admin", True),
        ("decision_maker", True),
        ("technical_reviewer", True),
        ("regulator", True),
        ("second_reviewer", False),  # of the body, off the team
        ("platform_admin", False),
    ],
)
def test_findings_answers_and_report_are_read_only_by_those_who_need_to_know_them(
    world, certificate, persona, reads
) -> None:
    surveillance = at_status(world, certificate, SurveillanceStatus.IN_PROGRESS)
    finding = services.surveillance_finding_raise(
        actor=world.reviewer,
        surveillance=surveillance,
        severity=Severity.MINOR,
        description=SURVEILLANCE_SECRETS["finding"],
    )
    services.surveillance_finding_answer(
        actor=world.enterprise_admin, finding=finding, response=SURVEILLANCE_SECRETS["answer"]
    )
    services.surveillance_finding_close(actor=world.reviewer, finding=finding)
    services.surveillance_report_save(
        actor=world.reviewer, surveillance=surveillance, report=SURVEILLANCE_SECRETS["report"]
    )
    services.surveillance_transition(
        actor=world.reviewer,
        surveillance_id=surveillance.pk,
        step=Step.SUBMIT_REPORT,
        comment=SURVEILLANCE_SECRETS["comment"],
    )
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    sign_in(client, world.persona(persona))

    response = client.get(f"/portal/supervision/surveillances/{surveillance.pk}/")

    assert response.status_code == 200
    page = response.content.decode()
    shown = {name for name, text in SURVEILLANCE_SECRETS.items() if escape(text) in page}
    assert shown == (set(SURVEILLANCE_SECRETS) if reads else set())
    assert ('data-testid="findings-withheld"' in page) == (not reads)
    # What the page said before stays for everyone who sees it: the status, the team.
    assert 'data-testid="surveillance-status"' in page
    assert str(world.reviewer) in page


def test_a_surveillance_through_the_portal(world, certificate) -> None:
    surveillance = first_surveillance(certificate)
    admin, reviewer, decider = (Client(HTTP_ACCEPT_LANGUAGE="en") for _ in range(3))
    sign_in(admin, world.body_admin)
    sign_in(reviewer, world.reviewer)
    sign_in(decider, world.decision_maker)
    base = f"/portal/supervision/surveillances/{surveillance.pk}"

    page = admin.get(f"{base}/")
    assert 'data-testid="plan-form"' in page.content.decode()
    admin.post(
        f"{base}/plan/",
        {
            "planned_date": "2027-01-04",
            "mode": "remote",
            "members": [world.reviewer.pk],
            "lead": world.reviewer.pk,
        },
    )
    admin.post(f"{base}/step/plan/", {"comment": ""})
    reviewer.post(f"{base}/declare/", {"has_conflict": "no"})
    reviewer.post(f"{base}/step/start/", {"comment": ""})
    reviewer.post(f"{base}/report/", {"report": "All conforms."})
    reviewer.post(f"{base}/step/submit_report/", {"comment": ""})
    refused = decider.post(f"{base}/step/continue/", {"comment": ""}, follow=True)
    assert "Give the reasons" in refused.content.decode()
    decider.post(f"{base}/step/continue/", {"comment": "Surveillance passed."})
    decider.post(f"{base}/step/nonsense/", {"comment": ""})

    surveillance.refresh_from_db()
    assert (surveillance.status, surveillance.outcome) == ("closed", "continued")
    assert surveillance.planned_date == date(2027, 1, 4)


def test_the_holder_asks_through_the_portal_and_bad_input_is_a_message(world, certificate) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    sign_in(client, world.enterprise_admin)
    base = f"/portal/supervision/certificates/{certificate.pk}"
    bad = client.post(
        f"{base}/request/suspend/", {"until": "not a date", "reason": "x"}, follow=True
    )
    assert bad.status_code == 200 and "Enter a valid date" in bad.content.decode()
    assert client.post(f"{base}/request/unknown/").status_code == 404
    client.post(f"{base}/request/suspend/", {"until": "2026-03-01", "reason": "Season."})
    certificate.refresh_from_db()
    assert certificate.status == "suspended" and certificate.voluntary_until == date(2026, 3, 1)


# --- the certificate PDF never says what is no longer true ------------------------------


def test_a_lost_render_leaves_a_flag_and_the_pdf_is_never_served_stale(
    world, certificate, monkeypatch, clock
) -> None:
    label = label_of(certificate)
    assert not Label.objects.get(pk=label.pk).document_stale
    monkeypatch.setattr("labels.services._render_later", lambda label_ids: None)  # broker down
    services.certificate_suspend_voluntarily(
        actor=world.enterprise_admin,
        certificate=certificate,
        until=date(2026, 3, 1),
        reason="Season.",
    )
    assert Label.objects.get(pk=label.pk).document_stale

    clock.move_to(at(date(2026, 1, 10), hour=11))
    assert certificate_documents_refresh() == 1
    assert not Label.objects.get(pk=label.pk).document_stale
    from tests.oversight.supervision.conftest import pdf_text

    assert "SUSPENDED" in pdf_text(label)
    assert certificate_documents_refresh() == 0


def test_a_slow_render_of_older_facts_does_not_replace_a_newer_pdf(
    world, certificate, monkeypatch
) -> None:
    """A render of the suspension is still drawing when the withdrawal commits and its own
    render finishes: the older PDF, finishing last, is not stored over the newer one."""
    from labels.documents import certificate_render
    from labels.facts import label_facts
    from labels.models import CertificateDocument
    from labels.rendering import certificate as rendering
    from labels.services import label_change_status

    label = label_of(certificate)
    monkeypatch.setattr("labels.services._render_later", lambda label_ids: None)  # by hand
    services.certificate_suspend_voluntarily(
        actor=world.enterprise_admin,
        certificate=certificate,
        until=date(2026, 3, 1),
        reason="Season.",
    )
    draw = rendering.certificate_pdf
    overtaken: list[bool] = []

    def slow_draw(facts):
        pdf = draw(facts)
        if not overtaken:  # the first render: the withdrawal and its render happen meanwhile
            overtaken.append(True)
            label_change_status(
                actor=world.body_admin, label_id=label.pk, action="revoke", reason="Fraud."
            )
            assert certificate_render(label.pk) is True
        return pdf

    monkeypatch.setattr(rendering, "certificate_pdf", slow_draw)

    assert certificate_render(label.pk) is False

    label = Label.objects.get(pk=label.pk)
    assert label.status == "revoked" and not label.document_stale
    stored = CertificateDocument.objects.get(label=label)
    assert stored.fingerprint == rendering.content_fingerprint(label_facts(label))


def test_the_download_renders_a_stale_pdf_first(world, certificate, monkeypatch) -> None:
    label = label_of(certificate)
    monkeypatch.setattr("labels.services._render_later", lambda label_ids: None)
    services.certificate_cancel(
        actor=world.enterprise_admin, certificate=certificate, reason="Discontinued."
    )
    response = Client().get(f"/labels/{label.serial}/certificate.pdf")
    assert response.status_code == 200
    from tests.oversight.supervision.conftest import pdf_text

    assert "CANCELLED" in pdf_text(label)


# --- factor updates -----------------------------------------------------------------------


def _publish_grid_factor(world, value: str):
    dataset = EmissionFactorDataset.objects.get(code=GRID.split(":")[0])
    draft = footprint_services.dataset_version_create_draft(
        actor=world.platform_admin, dataset=dataset
    )
    factor = EmissionFactor.objects.get(version=draft, code=GRID)
    footprint_services.factor_update(
        actor=world.platform_admin, factor=factor, data={"value": Decimal(value)}
    )
    return footprint_services.dataset_version_publish(actor=world.platform_admin, version=draft)


def test_a_new_factor_version_lists_certificates_past_the_threshold(
    world, certify, write_lines
) -> None:
    touched, untouched = certify(), certify()
    write_lines(touched.dossier_version, HAND_LINES)
    version = _publish_grid_factor(world, "1.2410")  # the grid factor doubled

    impacts = factor_impact(version=version)

    assert [impact.certificate for impact in impacts] == [touched]
    impact = impacts[0]
    # 29.5 kWh at +0.6205 kgCO2e/kWh more: 85.52775 + 18.30475 against the certified 85.4.
    assert impact.recomputed == Decimal("103.832500")
    assert impact.material and impact.changed_factors == (GRID,)
    out = StringIO()
    call_command("factor_impact", stdout=out)
    assert out.getvalue().split()[:2] == [touched.number, "85.400000"]
    assert "MATERIAL" in out.getvalue() and untouched.number not in out.getvalue()


def test_a_small_factor_change_is_listed_within_the_threshold(world, certify, write_lines) -> None:
    certificate = certify()
    write_lines(certificate.dossier_version, HAND_LINES)
    version = _publish_grid_factor(world, "0.6300")

    [impact] = factor_impact(version=version)

    assert not impact.material
    assert abs(impact.deviation) < Decimal("0.05")


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("body_admin", 200),
        ("regulator", 200),
        ("enterprise_admin", 404),
    ],
)
def test_the_impact_report_is_for_bodies_and_the_regulator(
    world, certify, write_lines, persona, status
) -> None:
    certificate = certify()
    write_lines(certificate.dossier_version, HAND_LINES)
    _publish_grid_factor(world, "1.2410")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    sign_in(client, world.persona(persona))
    response = client.get("/portal/supervision/factor-impact/")
    assert response.status_code == status
    if status == 200:
        assert certificate.number in response.content.decode()


def test_the_peer_body_sees_none_of_another_bodys_certificates_in_the_report(
    world, certify, write_lines
) -> None:
    from accounts.roles import Role
    from tests.factories import member_of

    certificate = certify()
    write_lines(certificate.dossier_version, HAND_LINES)
    _publish_grid_factor(world, "1.2410")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    sign_in(client, member_of(world.peer_body, Role.BODY_ADMIN))
    response = client.get("/portal/supervision/factor-impact/")
    assert response.status_code == 200 and certificate.number not in response.content.decode()


def test_expiry_notice_is_not_sent_for_a_renewed_certificate(world, certificate) -> None:
    from oversight.supervision.sweep import notices_due

    due = {(n.kind, n.deadline) for n in notices_due(certificate.valid_until - timedelta(days=7))}
    assert ("expiry", certificate.valid_until) in due
