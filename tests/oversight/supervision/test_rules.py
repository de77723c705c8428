"""Every rule of a certificate's life, on a frozen clock, asserted where the world sees it: the
status list bit, the public page, the label API, the webhook outbox and the certificate PDF."""

from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client

from audits.models import FindingStatus, Severity
from certification.errors import GuardFailed, TransitionNotAllowed
from certification.models import Certificate, Notification
from labels.models import Label
from oversight.models import SupervisionNotice, SurveillanceOutcome, SurveillanceStatus
from oversight.supervision import services
from oversight.supervision.sweep import supervision_sweep, sweep_plan
from tests.oversight.supervision.conftest import (
    ISSUED_ON,
    at,
    first_surveillance,
    label_of,
    observe,
)

SUSPENSION = {"revocation": False, "suspension": True}
REVOCATION = {"revocation": True, "suspension": False}
CLEAR = {"revocation": False, "suspension": False}


def sweep(day: date, *, dry_run: bool = False) -> list[str]:
    """`manage.py supervision_sweep --as-of day`: its stdout lines."""
    out = StringIO()
    call_command(
        "supervision_sweep",
        "--as-of",
        day.isoformat(),
        *(["--dry-run"] if dry_run else []),
        stdout=out,
    )
    return out.getvalue().splitlines()


def start_surveillance(world, surveillance, *, member=None) -> None:
    """Plan a surveillance with one reviewer (`member`, else the World's) who declares and
    starts it."""
    member = member or world.reviewer
    services.surveillance_plan_update(
        actor=world.body_admin,
        surveillance=surveillance,
        planned_date=surveillance.due_on,
        mode="on_site",
        members=[member],
        lead=member,
    )
    services.surveillance_transition(
        actor=world.body_admin, surveillance_id=surveillance.pk, step="plan"
    )
    services.surveillance_declare(actor=member, surveillance=surveillance, has_conflict=False)
    services.surveillance_transition(actor=member, surveillance_id=surveillance.pk, step="start")


def run_surveillance(
    world,
    certificate,
    *,
    decide: str = "continue",
    clock=None,
    on: date | None = None,
    surveillance=None,
):
    """A surveillance (the first, unless given) through every step: plan, declare, start,
    report, decision."""
    surveillance = surveillance or first_surveillance(certificate)
    if on is not None:
        clock.move_to(at(on))
    start_surveillance(world, surveillance)
    services.surveillance_report_save(
        actor=world.reviewer, surveillance=surveillance, report="Plant, product and data conform."
    )
    services.surveillance_transition(
        actor=world.reviewer, surveillance_id=surveillance.pk, step="submit_report"
    )
    services.surveillance_transition(
        actor=world.decision_maker,
        surveillance_id=surveillance.pk,
        step=decide,
        comment="Decided on the report.",
    )
    surveillance.refresh_from_db()
    return surveillance


# --- issuance ---------------------------------------------------------------------------


def test_issuance_records_the_rules_and_plans_the_surveillance(certificate, settings) -> None:
    label = label_of(certificate)
    surveillance = first_surveillance(certificate)

    assert (
        certificate.surveillance_interval_months,
        certificate.surveillance_grace_days,
        certificate.suspension_decision_days,
        certificate.suspension_max_days,
        certificate.renewal_window_days,
    ) == (12, 30, 5, 180, 90)
    assert list(certificate.surveillances.values_list("due_on", "suspend_after")) == [
        (date(2027, 1, 10), date(2027, 2, 9))
    ]
    assert certificate.next_surveillance_due == date(2027, 1, 10)
    seen = observe(label)
    assert seen["bits"] == CLEAR
    assert seen["api_status"] == "valid" and seen["api_reason"] == "issued"
    assert seen["page_next"] == seen["api_next"] == "2027-01-10"
    assert seen["api_last"] is None
    assert seen["webhooks"] == ["issued"]
    assert "Valid" in seen["pdf"]

    # A later change of a setting does not move an issued certificate's dates.
    settings.SURVEILLANCE_GRACE_DAYS = 1
    assert sweep(date(2027, 1, 12)) == []
    assert surveillance.suspend_after == date(2027, 2, 9)


# --- notices ------------------------------------------------------------------------------


def test_notices_30_and_7_days_ahead_one_digest_per_recipient_and_day(
    world, certify, clock
) -> None:
    first, second = certify(), certify()
    deadline = date(2027, 2, 9)  # both surveillances: due 2027-01-10 plus 30 days' grace

    assert sweep(deadline - timedelta(days=31)) == []
    assert not Notification.objects.filter(digest_on__isnull=False).exists()

    assert sweep(deadline - timedelta(days=30)) == []  # notices are not status changes
    digests = Notification.objects.filter(digest_on=deadline - timedelta(days=30))
    recipients = set(digests.values_list("recipient__username", flat=True))
    assert recipients == {"ent_admin", "ent_member", "body_admin"}
    digest = digests.get(recipient=world.enterprise_admin)
    assert first.number in digest.body and second.number in digest.body
    assert "2027-02-09" in digest.body

    # A second sweep the same day, and the days until the next lead time, send nothing more.
    sweep(deadline - timedelta(days=30))
    sweep(deadline - timedelta(days=8))
    assert Notification.objects.filter(digest_on__isnull=False).count() == 3

    sweep(deadline - timedelta(days=7))
    assert Notification.objects.filter(digest_on=deadline - timedelta(days=7)).count() == 3


def test_a_notice_another_sweep_recorded_is_not_written_twice(world, certify, monkeypatch) -> None:
    """Another sweep running at once records one of the notices due between this sweep's
    reading them and recording them, and writes it into its own digests: this sweep's digests
    leave it out."""
    from oversight.supervision import sweep as sweep_module

    first, second = certify(), certify()
    deadline = date(2027, 2, 9)
    day = deadline - timedelta(days=30)
    due = sweep_module.notices_due

    def meanwhile(as_of):
        notices = due(as_of)
        SupervisionNotice.objects.create(
            certificate=first, kind="surveillance", deadline=deadline, days_before=30, sent_on=day
        )
        return notices

    monkeypatch.setattr(sweep_module, "notices_due", meanwhile)

    sweep(day)

    digest = Notification.objects.get(digest_on=day, recipient=world.enterprise_admin)
    assert second.number in digest.body
    assert first.number not in digest.body


def test_a_notice_is_written_in_the_recipient_language(world, certificate) -> None:
    world.enterprise_admin.language = "zh-hans"
    world.enterprise_admin.save()
    world.body_admin.language = "en"
    world.body_admin.save()

    sweep(date(2027, 1, 10))

    chinese = Notification.objects.get(recipient=world.enterprise_admin, digest_on__isnull=False)
    english = Notification.objects.get(recipient=world.body_admin, digest_on__isnull=False)
    assert "监督" in chinese.body or "证书" in chinese.subject
    assert "surveillance must be completed by 2027-02-09" in english.body


# --- suspension, withdrawal, expiry by rule ---------------------------------------------


def test_overdue_surveillance_suspends_after_the_grace(certificate) -> None:
    label = label_of(certificate)
    line = f"{certificate.number} valid -> suspended surveillance_overdue"

    assert sweep(date(2027, 2, 9)) == []  # the last day of the grace
    assert sweep(date(2027, 2, 10), dry_run=True) == [line]
    assert Certificate.objects.get(pk=certificate.pk).status == "valid"

    assert sweep(date(2027, 2, 10)) == [line]
    assert sweep(date(2027, 2, 10)) == []

    seen = observe(label)
    assert seen["bits"] == SUSPENSION
    assert seen["page"] == "! SUSPENDED"
    assert "Surveillance overdue" in seen["page_history"]
    assert (seen["api_status"], seen["api_reason"]) == ("suspended", "surveillance_overdue")
    assert seen["webhooks"] == ["issued", "suspended"]
    assert "SUSPENDED" in seen["pdf"]
    certificate.refresh_from_db()
    assert (certificate.suspended_on, certificate.suspension_ends_on) == (
        date(2027, 2, 10),
        date(2027, 8, 9),
    )


def test_the_sweeps_reason_is_shown_in_the_readers_language(certificate) -> None:
    label = label_of(certificate)
    sweep(date(2027, 2, 10))

    reasons = {}
    for language in ("en", "zh-hans"):
        page = Client().get(f"/labels/{label.serial}/?lang={language}")
        reasons[language] = [
            line for line in page.content.decode().splitlines() if "verdict-reason" in line
        ]
    assert "Surveillance not completed by its due date and grace." in reasons["en"][0]
    assert "监督未在到期日及宽限期内完成" in reasons["zh-hans"][0]
    assert "Surveillance not completed" not in reasons["zh-hans"][0]


def test_suspended_past_the_maximum_is_withdrawn(certificate) -> None:
    label = label_of(certificate)
    sweep(date(2027, 2, 10))

    assert sweep(date(2027, 8, 9)) == []
    line = f"{certificate.number} suspended -> revoked suspension_max_exceeded"
    assert sweep(date(2027, 8, 10), dry_run=True) == [line]
    assert sweep(date(2027, 8, 10)) == [line]
    assert sweep(date(2027, 8, 10)) == []

    seen = observe(label)
    assert seen["bits"] == REVOCATION
    assert seen["page"] == "✕ REVOKED"
    assert (seen["api_status"], seen["api_reason"]) == ("revoked", "suspension_max_exceeded")
    assert seen["webhooks"] == ["issued", "suspended", "revoked"]
    assert "REVOKED" in seen["pdf"]
    surveillance = first_surveillance(certificate)
    assert (surveillance.status, surveillance.outcome) == ("closed", "cancelled")
    assert seen["page_next"] == "—" and seen["api_next"] is None


def test_validity_end_expires_and_wins_over_other_rules(certificate) -> None:
    label = label_of(certificate)
    assert certificate.valid_until == date(2028, 1, 10)

    assert sweep(date(2028, 1, 11)) == [f"{certificate.number} valid -> expired validity_ended"]

    seen = observe(label)
    assert seen["bits"] == CLEAR  # expiry is read from validUntil, not from a bit
    assert seen["page"] == "⌛ EXPIRED"
    assert (seen["api_status"], seen["api_reason"]) == ("expired", "validity_ended")
    assert seen["webhooks"] == ["issued", "expired"]
    assert "EXPIRED" in seen["pdf"]


# --- surveillance -----------------------------------------------------------------------


def test_a_passed_surveillance_moves_the_next_due_date(world, certify, clock, settings) -> None:
    settings.SURVEILLANCE_INTERVAL_MONTHS = 6
    certificate = certify()
    label = label_of(certificate)
    assert list(certificate.surveillances.values_list("due_on", flat=True)) == [
        date(2026, 7, 10),
        date(2027, 1, 10),
        date(2027, 7, 10),
    ]

    surveillance = run_surveillance(world, certificate, clock=clock, on=date(2026, 7, 3))

    assert (surveillance.status, surveillance.outcome) == ("closed", "continued")
    seen = observe(label)
    assert seen["page_next"] == seen["api_next"] == "2027-01-10"
    assert seen["api_last"] == {"date": "2026-07-03", "outcome": "continued"}
    assert seen["page_last"] == "2026-07-03 · Certificate continued"
    assert seen["bits"] == CLEAR and seen["api_status"] == "valid"
    assert seen["webhooks"] == ["issued"]
    assert sweep(date(2026, 8, 10)) == []  # the first surveillance is closed: nothing overdue


def test_a_passed_surveillance_lifts_the_suspension_it_caused(world, certificate, clock) -> None:
    label = label_of(certificate)
    clock.move_to(at(date(2027, 2, 10)))
    sweep(date(2027, 2, 10))

    run_surveillance(world, certificate)

    seen = observe(label)
    assert seen["bits"] == CLEAR
    assert (seen["api_status"], seen["api_reason"]) == ("valid", "surveillance_passed")
    assert seen["webhooks"] == ["issued", "suspended", "restored"]
    assert "Valid" in seen["pdf"]


def test_passing_one_surveillance_does_not_lift_a_suspension_another_still_calls_for(
    world, certificate, clock
) -> None:
    clock.move_to(at(date(2027, 2, 10)))
    sweep(date(2027, 2, 10))  # the scheduled surveillance is overdue: suspended
    certificate.refresh_from_db()
    suspended_on = certificate.suspended_on
    special = services.surveillance_special_open(
        actor=world.body_admin, certificate=certificate, reason="A complaint about the data."
    )

    run_surveillance(world, certificate, surveillance=special)

    certificate.refresh_from_db()
    assert (certificate.status, certificate.suspension_reason_code) == (
        "suspended",
        "surveillance_overdue",
    )
    assert certificate.suspended_on == suspended_on  # its clock runs on
    assert sweep(date(2027, 2, 11)) == []
    run_surveillance(world, certificate)  # the overdue one passes: now it is lifted
    certificate.refresh_from_db()
    assert certificate.status == "valid"


def test_who_worked_on_a_surveillance_does_not_decide_it_after_leaving_the_team(
    world, certificate
) -> None:
    """A decision maker who also reviews starts the surveillance, gives their seat to another
    reviewer, who reports: they may not then decide it, nor handle a complaint about it."""
    from accounts.selectors import forget_memberships
    from oversight.supervision.selectors import took_part_in_supervision
    from tests.factories import MembershipFactory

    both = world.decision_maker
    MembershipFactory(user=both, organisation=world.body, role="reviewer")
    forget_memberships(both)
    surveillance = first_surveillance(certificate)
    start_surveillance(world, surveillance, member=both)
    services.surveillance_team_member_replace(
        actor=world.body_admin, surveillance=surveillance, member=both, replacement=world.reviewer
    )
    services.surveillance_declare(
        actor=world.reviewer, surveillance=surveillance, has_conflict=False
    )
    services.surveillance_report_save(
        actor=world.reviewer, surveillance=surveillance, report="Plant, product and data conform."
    )
    services.surveillance_transition(
        actor=world.reviewer, surveillance_id=surveillance.pk, step="submit_report"
    )

    with pytest.raises(GuardFailed) as refused:
        services.surveillance_transition(
            actor=both, surveillance_id=surveillance.pk, step="continue", comment="Conforms."
        )
    assert refused.value.guard == "not_on_team"
    assert took_part_in_supervision(both, certificate.pk)
    surveillance.refresh_from_db()
    assert surveillance.status == SurveillanceStatus.DECISION


def test_one_surveillance_of_a_certificate_collects_data_at_a_time(world, certificate) -> None:
    first = first_surveillance(certificate)
    start_surveillance(world, first)
    special = services.surveillance_special_open(
        actor=world.body_admin, certificate=certificate, reason="A complaint about the data."
    )

    with pytest.raises(GuardFailed) as refused:
        start_surveillance(world, special, member=world.second_reviewer)
    assert refused.value.guard == "no_other_collecting"
    special.refresh_from_db()
    assert special.status == SurveillanceStatus.PLANNED and special.dossier_version is None
    first.refresh_from_db()
    assert first.dossier_version is not None
    assert first.dossier_version == certificate.application.dossier_versions.latest("number")


def test_a_surveillance_decision_to_suspend_or_withdraw(world, certify, clock) -> None:
    suspended, withdrawn = certify(), certify()

    run_surveillance(world, suspended, decide="suspend")
    run_surveillance(world, withdrawn, decide="withdraw")

    assert observe(label_of(suspended))["bits"] == SUSPENSION
    seen = observe(label_of(withdrawn))
    assert seen["bits"] == REVOCATION
    assert (seen["api_status"], seen["api_reason"]) == ("revoked", "surveillance_decision")
    assert seen["api_last"]["outcome"] == SurveillanceOutcome.WITHDRAWN


def _running(world, certificate):
    surveillance = first_surveillance(certificate)
    services.surveillance_plan_update(
        actor=world.body_admin,
        surveillance=surveillance,
        planned_date=surveillance.due_on,
        mode="remote",
        members=[world.reviewer],
        lead=world.reviewer,
    )
    services.surveillance_transition(
        actor=world.body_admin, surveillance_id=surveillance.pk, step="plan"
    )
    services.surveillance_declare(
        actor=world.reviewer, surveillance=surveillance, has_conflict=False
    )
    return services.surveillance_transition(
        actor=world.reviewer, surveillance_id=surveillance.pk, step="start"
    )


def test_unanswered_surveillance_findings_suspend_at_their_deadline(world, certificate) -> None:
    label = label_of(certificate)
    surveillance = _running(world, certificate)
    finding = services.surveillance_finding_raise(
        actor=world.reviewer,
        surveillance=surveillance,
        severity=Severity.MAJOR,
        description="Metering of the drying line is missing.",
        due_on=date(2026, 3, 1),
    )

    assert sweep(date(2026, 3, 1)) == []
    line = f"{certificate.number} valid -> suspended findings_overdue"
    assert sweep(date(2026, 3, 2), dry_run=True) == [line]
    assert sweep(date(2026, 3, 2)) == [line]

    seen = observe(label)
    assert seen["bits"] == SUSPENSION
    assert seen["api_reason"] == "findings_overdue"
    assert "Surveillance findings not answered in time" in seen["page_history"]
    assert seen["webhooks"] == ["issued", "suspended"]
    assert Label.objects.get(pk=label.pk).status == "suspended"
    finding.refresh_from_db()
    assert finding.status == FindingStatus.OPEN


def test_an_answered_finding_does_not_suspend(world, certificate) -> None:
    surveillance = _running(world, certificate)
    finding = services.surveillance_finding_raise(
        actor=world.reviewer,
        surveillance=surveillance,
        severity=Severity.MINOR,
        description="Reference period is one month short.",
        due_on=date(2026, 3, 1),
    )
    services.surveillance_finding_answer(
        actor=world.enterprise_member, finding=finding, response="Data extended to 12 months."
    )

    assert sweep(date(2026, 3, 2)) == []


def test_a_confirmed_nonconformity_not_decided_in_time_suspends(world, certificate, clock) -> None:
    surveillance = _running(world, certificate)
    clock.move_to(at(date(2026, 2, 1)))
    finding = services.surveillance_finding_raise(
        actor=world.reviewer,
        surveillance=surveillance,
        severity=Severity.MAJOR,
        description="Allocation changed without notice.",
    )
    services.surveillance_finding_answer(
        actor=world.enterprise_admin, finding=finding, response="Acknowledged."
    )
    services.surveillance_report_save(
        actor=world.reviewer, surveillance=surveillance, report="A major nonconformity stands."
    )
    services.surveillance_transition(
        actor=world.reviewer, surveillance_id=surveillance.pk, step="submit_report"
    )
    surveillance.refresh_from_db()
    assert surveillance.decide_by == date(2026, 2, 6)

    assert sweep(date(2026, 2, 6)) == []
    assert sweep(date(2026, 2, 7)) == [
        f"{certificate.number} valid -> suspended nonconformity_undecided"
    ]


# --- the holder's requests ----------------------------------------------------------------


def test_a_voluntary_suspension_ends_on_its_date(world, certificate) -> None:
    label = label_of(certificate)
    services.certificate_suspend_voluntarily(
        actor=world.enterprise_admin,
        certificate=certificate,
        until=date(2026, 3, 1),
        reason="Seasonal production stops until spring.",
    )
    seen = observe(label)
    assert seen["bits"] == SUSPENSION and seen["api_reason"] == "voluntary"

    assert sweep(date(2026, 2, 28)) == []
    line = f"{certificate.number} suspended -> valid voluntary_ended"
    assert sweep(date(2026, 3, 1), dry_run=True) == [line]
    assert sweep(date(2026, 3, 1)) == [line]
    assert sweep(date(2026, 3, 1)) == []

    seen = observe(label)
    assert seen["bits"] == CLEAR
    assert (seen["api_status"], seen["api_reason"]) == ("valid", "voluntary_ended")
    assert seen["webhooks"] == ["issued", "suspended", "restored"]
    assert "Valid" in seen["pdf"]


def test_a_voluntary_suspension_is_bounded_by_the_maximum(world, certificate) -> None:
    with pytest.raises(ValidationError):
        services.certificate_suspend_voluntarily(
            actor=world.enterprise_admin,
            certificate=certificate,
            until=ISSUED_ON + timedelta(days=181),
            reason="A long pause.",
        )
    with pytest.raises(ValidationError):
        services.certificate_suspend_voluntarily(
            actor=world.enterprise_admin,
            certificate=certificate,
            until=ISSUED_ON,
            reason="Ends today.",
        )
    certificate.refresh_from_db()
    assert certificate.status == "valid" and not certificate.requests.exists()


def test_a_voluntary_suspension_to_its_maximum_is_restored_by_a_sweep_that_runs_late(
    world, certificate
) -> None:
    """The holder chose the longest pause allowed; the sweep of its last day did not run (an
    outage): the next one restores the certificate, it does not withdraw it."""
    last_day = ISSUED_ON + timedelta(days=180)
    services.certificate_suspend_voluntarily(
        actor=world.enterprise_admin,
        certificate=certificate,
        until=last_day,
        reason="A long pause.",
    )
    certificate.refresh_from_db()
    assert certificate.suspension_ends_on == last_day

    sweep(last_day - timedelta(days=30))  # no notice threatens a withdrawal
    assert not SupervisionNotice.objects.filter(kind="withdrawal").exists()
    late = last_day + timedelta(days=3)
    assert sweep(late) == [f"{certificate.number} suspended -> valid voluntary_ended"]
    assert sweep(late) == []
    certificate.refresh_from_db()
    assert certificate.status == "valid"


def test_a_voluntary_suspension_ending_while_surveillance_is_overdue_stays_suspended(
    world, certify, clock
) -> None:
    certificate = certify()
    clock.move_to(at(date(2027, 1, 20)))
    services.certificate_suspend_voluntarily(
        actor=world.enterprise_admin,
        certificate=certificate,
        until=date(2027, 3, 1),
        reason="Plant maintenance.",
    )

    assert sweep(date(2027, 3, 1)) == []

    certificate.refresh_from_db()
    assert certificate.status == "suspended"
    assert certificate.suspension_reason_code == "surveillance_overdue"
    assert certificate.suspended_on == date(2027, 1, 20)  # the clock runs on from the start
    assert sweep(date(2027, 3, 1)) == []
    seen = observe(label_of(certificate))  # and the world is told why it continues
    assert (seen["api_status"], seen["api_reason"]) == ("suspended", "surveillance_overdue")
    assert "Surveillance overdue" in seen["page_history"]
    assert seen["webhooks"] == ["issued", "suspended", "suspended"]


def test_the_holder_cancels(world, certificate) -> None:
    label = label_of(certificate)
    services.certificate_cancel(
        actor=world.enterprise_admin, certificate=certificate, reason="Product discontinued."
    )

    seen = observe(label)
    assert seen["bits"] == REVOCATION
    assert (seen["api_status"], seen["api_reason"]) == ("cancelled", "holder_cancelled")
    assert seen["webhooks"] == ["issued", "cancelled"]
    assert "CANCELLED" in seen["pdf"]
    assert sweep(date(2027, 3, 1)) == []  # a cancelled certificate is not surveilled


def test_an_editorial_change_reissues_the_label_as_a_new_version(world, certificate) -> None:
    old = label_of(certificate)
    request = services.certificate_change_report(
        actor=world.enterprise_admin,
        certificate=certificate,
        change_kind="name_or_address",
        description="Registered address moved to Building 2.",
    )
    services.certificate_change_decide(
        actor=world.body_admin,
        request=request,
        editorial=True,
        comment="Editorial: no effect on the footprint.",
    )

    new = label_of(certificate)
    assert new.pk != old.pk and new.certificate_version == 2
    assert new.credential["credentialSubject"]["certificateNumber"] == certificate.number
    seen_old, seen_new = observe(old), observe(new)
    assert seen_old["api_status"] == "valid"  # the old version still verifies ...
    assert seen_old["api_superseded_by"] == new.serial  # ... and says it was superseded
    assert seen_new["api_superseded_by"] is None
    assert seen_new["webhooks"] == ["issued"]
    assert seen_old["bits"] == seen_new["bits"] == CLEAR
    assert seen_new["api_reason"] == seen_old["api_reason"] == "issued"
    assert "Valid" in seen_old["pdf"] and "Valid" in seen_new["pdf"]
    from django.test import Client

    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    page = client.get(f"/labels/{old.serial}/?lang=en")
    assert "superseded by a later version" in page.content.decode()
    assert new.serial in page.content.decode()
    from tests.labels.conftest import text_by_testid

    assert text_by_testid(page, "reason") == "VALID"
    assert text_by_testid(client.get(f"/labels/{new.serial}/"), "reason") == "VALID"
    # The QR printed with the old version resolves to the current one.
    resolved = client.get(f"/L/{old.serial}")
    assert resolved.status_code == 307 and new.serial in resolved["Location"]

    # A later suspension of the certificate reaches every version.
    services.certificate_suspend_voluntarily(
        actor=world.enterprise_admin,
        certificate=certificate,
        until=date(2026, 2, 1),
        reason="Pause.",
    )
    assert observe(old)["bits"] == observe(new)["bits"] == SUSPENSION


def test_no_new_label_version_for_a_certificate_suspended_since_the_change_was_decided(
    world, certificate
) -> None:
    """The body decided the change is editorial as a suspension committed: the label issued
    under the certificate's lock sees the suspension, and no valid label appears beside it."""
    from labels.services import label_issue

    services.certificate_suspend_voluntarily(
        actor=world.enterprise_admin,
        certificate=certificate,
        until=date(2026, 2, 1),
        reason="Pause.",
    )

    with pytest.raises(TransitionNotAllowed):
        label_issue(certificate_id=certificate.pk, certificate_version=2)

    assert list(Label.objects.filter(certificate=certificate).values_list("status", flat=True)) == [
        "suspended"
    ]


def test_a_change_that_needs_evaluation_opens_a_change_surveillance(world, certificate) -> None:
    request = services.certificate_change_report(
        actor=world.enterprise_admin,
        certificate=certificate,
        change_kind="plant",
        description="Production moves to the Ningde plant.",
    )
    services.certificate_change_decide(
        actor=world.decision_maker,
        request=request,
        editorial=False,
        comment="A new plant is evaluated.",
    )

    request.refresh_from_db()
    assert request.status == "evaluation"
    assert request.surveillance is not None
    assert request.surveillance.kind == "change"
    assert request.surveillance.status == SurveillanceStatus.DUE
    certificate.refresh_from_db()
    assert certificate.next_surveillance_due == request.surveillance.due_on
    assert observe(label_of(certificate))["api_next"] == request.surveillance.due_on.isoformat()


# --- renewal ------------------------------------------------------------------------------


def test_renewal_opens_in_its_window_and_copies_the_dossier(world, certificate, clock) -> None:
    with pytest.raises(TransitionNotAllowed):
        services.renewal_start(actor=world.enterprise_admin, certificate=certificate)
    clock.move_to(at(date(2027, 10, 12)))  # 90 days before 2028-01-10

    application = services.renewal_start(actor=world.enterprise_admin, certificate=certificate)

    assert application.renews == certificate and application.status == "draft"
    copy = application.dossier_versions.get(number=1)
    certified = certificate.dossier_version
    assert copy.declared_total == certified.declared_total
    assert set(copy.files.values_list("pk", flat=True)) == set(
        certified.files.values_list("pk", flat=True)
    )
    with pytest.raises(TransitionNotAllowed):
        services.renewal_start(actor=world.enterprise_admin, certificate=certificate)


def test_a_renewal_continues_the_certificate_without_a_gap(
    world, certify, clock, django_capture_on_commit_callbacks
):
    from certification.services import application_transition
    from tests.conftest import build_application

    old = certify()
    old_label = label_of(old)
    run_surveillance(world, old, clock=clock, on=date(2027, 1, 5))
    clock.move_to(at(date(2027, 11, 20)))
    renewal = build_application(world, "decision")
    renewal.renews = old
    renewal.save(update_fields=["renews"])
    with django_capture_on_commit_callbacks(execute=True):
        application_transition(
            actor=world.decision_maker,
            application_id=renewal.pk,
            action="approve",
            comment="Renewed.",
        )

    new = Certificate.objects.get(application=renewal)
    assert new.renews == old
    assert not old.surveillances.exclude(status="closed").exists()
    assert new.issued_on <= old.valid_until + timedelta(days=1)
    assert new.valid_until == old.valid_until + timedelta(days=730)
    new_label = label_of(new)
    seen_old, seen_new = observe(old_label), observe(new_label)
    assert seen_old["api_superseded_by"] == new_label.serial
    assert (seen_old["api_status"], seen_new["api_status"]) == ("valid", "valid")
    assert seen_old["bits"] == seen_new["bits"] == CLEAR
    assert seen_new["webhooks"] == ["issued"]
    assert "Valid" in seen_new["pdf"]

    # The day the old certificate ends, the new one is already valid; the day after too.
    assert sweep(old.valid_until) == []
    assert sweep(old.valid_until + timedelta(days=1)) == [
        f"{old.number} valid -> expired validity_ended"
    ]
    assert observe(new_label)["api_status"] == "valid"
    assert observe(old_label)["webhooks"] == ["issued", "expired"]


# --- the sweep as a whole -----------------------------------------------------------------


def test_dry_run_lists_exactly_what_the_sweep_then_does(world, certify, clock) -> None:
    overdue, voluntary, maxed, expiring = certify(), certify(), certify(), certify()
    clock.move_to(at(date(2027, 1, 5)))
    services.certificate_suspend_voluntarily(
        actor=world.enterprise_admin,
        certificate=voluntary,
        until=date(2027, 2, 1),
        reason="Season.",
    )
    sweep(date(2027, 2, 10))  # suspends overdue, maxed and expiring; voluntary restored first
    Certificate.objects.filter(pk=expiring.pk).update(valid_until=date(2027, 6, 1))
    day = date(2027, 8, 10)
    before = dict(Certificate.objects.values_list("number", "status"))

    planned = sweep(day, dry_run=True)

    assert dict(Certificate.objects.values_list("number", "status")) == before
    assert planned == [change.line() for change in sweep_plan(day)]
    assert sweep(day) == planned
    assert sweep(day) == []
    assert sorted(planned) == sorted(
        [
            f"{overdue.number} suspended -> revoked suspension_max_exceeded",
            f"{maxed.number} suspended -> revoked suspension_max_exceeded",
            # Voluntarily suspended from 2027-01-05: the maximum counts from then.
            f"{voluntary.number} suspended -> revoked suspension_max_exceeded",
            f"{expiring.number} suspended -> expired validity_ended",
        ]
    )


def test_the_sweep_is_what_beat_runs(world, certificate, clock) -> None:
    from oversight.tasks import supervision_sweep as task

    clock.move_to(at(date(2027, 2, 10)))
    assert task.delay().get() == 1
    assert task.delay().get() == 0
    assert supervision_sweep(as_of=date(2027, 2, 10)) == []


def test_a_bad_date_is_a_clear_error() -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("supervision_sweep", "--as-of", "10/02/2027", stdout=StringIO())


def test_label_events_notify_the_holder_and_the_body_in_their_language(world, certificate) -> None:
    world.enterprise_admin.language = "en"
    world.enterprise_admin.save()
    world.body_admin.language = "zh-hans"
    world.body_admin.save()
    issued = list(Notification.objects.values_list("pk", flat=True))  # the label's issue
    sweep(date(2027, 2, 10))

    rows = Notification.objects.filter(
        subject__contains=certificate.number, digest_on__isnull=True
    ).exclude(pk__in=issued)
    assert set(rows.values_list("recipient__username", flat=True)) == {
        "ent_admin",
        "ent_member",
        "body_admin",
    }
    english = rows.get(recipient=world.enterprise_admin)
    assert "suspended" in english.subject and "Surveillance overdue" in english.body
    chinese = rows.get(recipient=world.body_admin)
    assert "suspended" not in chinese.subject


@pytest.mark.django_db(transaction=True)
def test_the_command_prints_only_its_change_lines(world, certificate, settings, capsys) -> None:
    """The embedded default e-mails to the console as each change commits: that output must
    not reach stdout. (A transactional test: the sweep's commits are real.)"""
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    import sys

    from django.core.management import call_command as run

    capsys.readouterr()
    run("supervision_sweep", "--as-of", "2027-02-10", stdout=sys.stdout)

    out, err = capsys.readouterr()
    assert out.splitlines() == [f"{certificate.number} valid -> suspended surveillance_overdue"]
    assert "Subject:" in err


def test_a_change_the_plan_called_for_is_not_applied_once_a_person_acted(
    world, certificate, clock
) -> None:
    from oversight.supervision.sweep import change_apply

    day = date(2027, 2, 10)
    [planned] = sweep_plan(day)
    assert planned.line() == f"{certificate.number} valid -> suspended surveillance_overdue"
    clock.move_to(at(day))
    run_surveillance(world, certificate)  # the body completes it before the sweep gets there

    assert change_apply(planned, day) is False
    assert Certificate.objects.get(pk=certificate.pk).status == "valid"
    assert sweep(day) == []


def test_a_surveillance_suspension_on_a_voluntarily_suspended_certificate_holds(
    world, certificate, clock
) -> None:
    surveillance_done_on = date(2027, 1, 5)
    clock.move_to(at(date(2027, 1, 2)))
    services.certificate_suspend_voluntarily(
        actor=world.enterprise_admin,
        certificate=certificate,
        until=date(2027, 3, 1),
        reason="Season.",
    )
    run_surveillance(world, certificate, decide="suspend", clock=clock, on=surveillance_done_on)

    assert sweep(date(2027, 3, 1)) == []  # the voluntary end no longer restores it
    seen = observe(label_of(certificate))
    assert (seen["api_status"], seen["api_reason"]) == ("suspended", "surveillance_decision")


def test_a_withdrawal_by_a_person_ends_the_surveillance_schedule(world, certificate) -> None:
    from labels.services import label_change_status

    label = label_of(certificate)
    label_change_status(
        actor=world.body_admin, label_id=label.pk, action="revoke", reason="Fraudulent data."
    )

    assert not certificate.surveillances.exclude(status="closed").exists()
    seen = observe(label)
    assert seen["page_next"] == "—" and seen["api_next"] is None
    assert sweep(date(2027, 3, 1)) == []
