"""Each service that records a domain event appends exactly its entry to the audit chain, in
its own transaction: a refused step appends nothing."""

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from audits import services
from audits.chain.models import AuditEntry
from audits.models import Severity
from certification import reviews
from certification.errors import TransitionNotAllowed
from certification.models import EvidenceFile, Status
from certification.services import application_transition
from labels import keys
from labels import services as label_services
from labels.models import SigningKey
from oversight.appeals import services as appeal_services
from oversight.complaints import services as complaint_services
from oversight.sampling import sampling_draw_record
from oversight.supervision.services import surveillance_special_open


class Appended(list):
    """The entries a block appended, as (kind, parsed body, row)."""

    @property
    def kinds(self) -> list[str]:
        return [kind for kind, _event, _row in self]

    def event(self, kind: str) -> dict:
        return next(event for found, event, _row in self if found == kind)

    def row(self, kind: str) -> AuditEntry:
        return next(row for found, _event, row in self if found == kind)


@contextmanager
def appended() -> Iterator[Appended]:
    last = AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    found = Appended()
    yield found
    for row in AuditEntry.objects.filter(seq__gt=last).order_by("seq"):
        event = json.loads(bytes(row.body))["event"]
        found.append((row.kind, event, row))


@pytest.fixture(autouse=True)
def _chain_intact_after_each_test(db) -> Iterator[None]:
    yield
    call_command("audit_verify", "--deep", stdout=StringIO())


def test_a_submission_appends_the_step_and_the_frozen_dossier(world, application_at) -> None:
    application = application_at(Status.DRAFT)
    with appended() as entries:
        application_transition(
            actor=world.enterprise_admin, application_id=application.pk, action="submit"
        )
    assert entries.kinds == ["certification:application:submit", "certification:dossier:frozen"]
    step = entries.event("certification:application:submit")
    assert (step["actor"], step["application"], step["body"]) == (
        world.enterprise_admin.pk,
        application.pk,
        world.body.pk,
    )
    assert (step["data"]["from"], step["data"]["to"]) == ("draft", "submitted")
    frozen = entries.event("certification:dossier:frozen")["data"]
    version = application.dossier_versions.get(number=1)
    assert frozen["version"] == 1
    files = EvidenceFile.objects.filter(dossier_versions=version).order_by("pk")
    assert files
    assert [item["sha256"] for item in frozen["files"]] == [file.sha256 for file in files]


def test_a_decision_appends_the_step_with_its_certificate(world, application_at) -> None:
    application = application_at(Status.DECISION)
    with appended() as entries:
        application_transition(
            actor=world.decision_maker,
            application_id=application.pk,
            action="approve",
            comment="The evaluation supports the declared footprint.",
        )
    assert entries.kinds == ["certification:application:approve"]
    row = entries.row("certification:application:approve")
    assert row.certificate_id == application.certificate.pk
    assert row.body_id == world.body.pk
    data = entries.event("certification:application:approve")["data"]
    assert data["comment"] == "The evaluation supports the declared footprint."


def test_a_refused_step_appends_nothing(world, application_at) -> None:
    application = application_at(Status.DRAFT)
    with appended() as entries, pytest.raises(TransitionNotAllowed):
        application_transition(
            actor=world.enterprise_admin, application_id=application.pk, action="approve"
        )
    assert entries.kinds == []


def test_findings_raised_closed_and_answered(world, application_at, add_finding) -> None:
    evaluating = application_at(Status.IN_EVALUATION)
    with appended() as entries:
        finding = reviews.finding_raise(
            actor=world.reviewer,
            application=evaluating,
            severity=Severity.OBSERVATION,
            description="The meter calibration certificate is missing.",
        )
        reviews.finding_close(actor=world.reviewer, finding=finding)
    assert entries.kinds == ["audits:finding:raised", "audits:finding:closed"]
    assert (
        entries.event("audits:finding:raised")["data"]["description"]
        == "The meter calibration certificate is missing."
    )
    awaiting = application_at(Status.AWAITING_ENTERPRISE)
    open_finding = add_finding(awaiting, "open", number=3)
    with appended() as entries:
        reviews.finding_answer(
            actor=world.enterprise_admin, finding=open_finding, response="Certificate attached."
        )
    assert entries.kinds == ["audits:finding:answered"]
    assert entries.event("audits:finding:answered")["data"]["response"] == "Certificate attached."


def test_a_label_issued_and_suspended(world, issue_label, body_admin) -> None:
    with appended() as entries:
        label = issue_label()
    assert entries.kinds[-1] == "labels:label:issued"
    issued = entries.row("labels:label:issued")
    assert (issued.certificate_id, issued.body_id) == (label.certificate_id, world.body.pk)
    assert entries.event("labels:label:issued")["data"]["label"] == label.serial
    with appended() as entries:
        label_services.label_change_status(
            actor=body_admin, label_id=label.pk, action="suspend", reason="Surveillance overdue"
        )
    assert entries.kinds == ["labels:label:suspended"]
    data = entries.event("labels:label:suspended")["data"]
    assert (data["status"], data["reason"], data["reasonCode"]) == (
        "suspended",
        "Surveillance overdue",
        "body_decision",
    )
    with appended() as entries, pytest.raises(TransitionNotAllowed):
        label_services.label_change_status(
            actor=body_admin, label_id=label.pk, action="suspend", reason="Again"
        )
    assert entries.kinds == []


def test_keys_created_retired_and_revoked(world, body_admin) -> None:
    with appended() as entries:
        first = keys.signing_key_active(world.body)
        second = keys.signing_key_rotate(world.body)
        label_services.signing_key_revoke(actor=body_admin, key_id=second.pk, reason="Leaked")
    third = SigningKey.objects.get(
        body=world.body, retired_at__isnull=True, revoked_at__isnull=True
    )
    assert entries.kinds == [
        "labels:key:created",
        "labels:key:retired",
        "labels:key:created",
        "labels:key:created",
        "labels:key:revoked",
    ]
    methods = [event["data"]["verificationMethod"] for _kind, event, _row in entries]
    assert methods == [
        keys.verification_method(key) for key in (first, first, second, third, second)
    ]
    revoked = entries.event("labels:key:revoked")
    assert (revoked["actor"], revoked["body"], revoked["data"]["reason"]) == (
        body_admin.pk,
        world.body.pk,
        "Leaked",
    )
    assert "private" not in json.dumps([event for _kind, event, _row in entries]).lower()


def test_a_listing_and_its_delisting(world, list_subject) -> None:
    with appended() as entries:
        entry = list_subject(world.peer_body)
    assert entries.kinds[-1] == "audits:blacklist:listed"
    listed = entries.event("audits:blacklist:listed")
    assert (listed["body"], listed["data"]["organisation"], listed["data"]["reason"]) == (
        world.peer_body.pk,
        world.peer_body.pk,
        "False certification conclusions.",
    )
    with appended() as entries:
        services.blacklist_entry_delist(actor=world.regulator, entry_id=entry.pk, reason="Ended")
    assert entries.kinds == ["audits:blacklist:delisted"]
    assert entries.event("audits:blacklist:delisted")["data"]["delistingReason"] == "Ended"


def test_a_complaint_submitted_and_assigned(world, issue_label) -> None:
    label = issue_label()
    with appended() as entries:
        complaint = complaint_services.complaint_submit(
            actor=None,
            label_serial=label.serial,
            category="false_value",
            description="Half the maker's own figure.",
            contact="shopper@example.cn",
            language="en",
        ).complaint
        complaint_services.complaint_assign(
            actor=world.body_admin, complaint_id=complaint.pk, handler=world.body_admin
        )
    assert entries.kinds == ["audits:complaint:submit", "audits:complaint:assign"]
    submitted = entries.row("audits:complaint:submit")
    assert (submitted.certificate_id, submitted.body_id) == (label.certificate_id, world.body.pk)
    assert "shopper@example.cn" not in bytes(submitted.body).decode()


def test_an_appeal_filed(world, issue_label, body_admin) -> None:
    label = issue_label()
    label_services.label_change_status(
        actor=body_admin, label_id=label.pk, action="suspend", reason="Data gaps"
    )
    with appended() as entries:
        appeal = appeal_services.appeal_file(
            actor=world.enterprise_admin,
            kind="suspension",
            label_id=label.pk,
            reasons="The data gaps were filled before the suspension.",
        )
    assert entries.kinds == ["audits:appeal:submit"]
    row = entries.row("audits:appeal:submit")
    assert (row.certificate_id, row.application_id) == (
        label.certificate_id,
        label.certificate.application_id,
    )
    assert entries.event("audits:appeal:submit")["data"]["reference"] == appeal.reference


def test_a_sampling_draw(world, issue_label) -> None:
    label = issue_label()
    with appended() as entries:
        sampling_draw_record(actor=world.regulator, seed="2026-12", size=1)
    assert entries.kinds == ["audits:sampling:drawn"]
    data = entries.event("audits:sampling:drawn")["data"]
    assert (data["seed"], data["items"][0]["certificate"]) == (
        "2026-12",
        label.certificate.number,
    )


def test_a_special_surveillance_opened(world, issue_label, body_admin) -> None:
    label = issue_label()
    with appended() as entries:
        surveillance_special_open(
            actor=body_admin,
            certificate=label.certificate,
            reason="A founded complaint.",
            due_on=timezone.localdate() + timedelta(days=20),
        )
    assert entries.kinds == ["audits:surveillance:opened"]
    assert entries.row("audits:surveillance:opened").certificate_id == label.certificate_id
