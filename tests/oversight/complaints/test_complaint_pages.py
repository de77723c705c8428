"""The public report form and follow page, and the portal pages of complaints."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from config.throttles import ComplaintThrottle
from labels.models import Label
from oversight.complaints.models import Complaint, ComplaintStatus
from tests.labels.conftest import text_by_testid
from tests.second_factor import sign_in

FORM = {
    "category": "label_misuse",
    "description": "Printed on an uncertified model.",
    "contact": "+86 138 0000 0000",
}


def test_the_public_page_links_to_the_report_form_and_holds_no_csrf_token(anon, certified) -> None:
    page = anon.get(f"/labels/{certified.serial}/")
    html = page.content.decode()
    assert f'href="/complaints/report/{certified.serial}/"' in html
    assert text_by_testid(page, "report-problem") == "Report a problem with this label"
    assert "csrfmiddlewaretoken" not in html


def test_the_report_form_files_a_complaint_and_shows_the_reference_and_link(
    client_as, certified
) -> None:
    client = client_as(None)
    client.handler.enforce_csrf_checks = True
    form_page = client.get(f"/complaints/report/{certified.serial}/")
    token_match = re.search(
        r'name="csrfmiddlewaretoken" value="([^"]+)"', form_page.content.decode()
    )
    assert token_match is not None
    token = token_match.group(1)
    response = client.post(
        f"/complaints/report/{certified.serial}/", {**FORM, "csrfmiddlewaretoken": token}
    )

    assert response.status_code == 200
    complaint = Complaint.objects.get()
    assert text_by_testid(response, "complaint-reference") == complaint.reference
    link = text_by_testid(response, "follow-link")
    assert link.startswith("http://testserver/complaints/follow/")
    assert complaint.contact == "+86 138 0000 0000"
    follow = client.get(link.removeprefix("http://testserver"))
    assert text_by_testid(follow, "complaint-status") == "Received"
    assert follow["Cache-Control"] == "private, no-store"


def test_the_report_form_refuses_a_post_without_csrf(client_as, certified) -> None:
    client = client_as(None)
    client.handler.enforce_csrf_checks = True
    response = client.post(f"/complaints/report/{certified.serial}/", FORM)
    assert response.status_code == 403
    assert Complaint.objects.count() == 0


def test_the_report_form_shows_field_errors(anon, certified) -> None:
    response = anon.post(
        f"/complaints/report/{certified.serial}/", {"category": "", "description": ""}
    )
    assert response.status_code == 200
    assert response.content.decode().count('class="field-error"') == 2
    assert Complaint.objects.count() == 0


def test_an_attachment_over_the_limit_is_refused_without_being_kept_whole(
    anon, certified, media_root, settings, tmp_path, monkeypatch
) -> None:
    """An anonymous 4 MB upload against a 3 MB limit: the form says how large it was, and
    no more than the limit was written to disk meanwhile."""
    from config.uploads import CappedTemporaryFileUploadHandler

    settings.UPLOAD_MAX_BYTES = 3 * 1024 * 1024
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(uploads)
    written: list[int] = []
    complete = CappedTemporaryFileUploadHandler.file_complete

    def measured(handler, file_size):
        handler.file.flush()
        written.append(handler.file.tell())
        return complete(handler, file_size)

    monkeypatch.setattr(CappedTemporaryFileUploadHandler, "file_complete", measured)
    upload = SimpleUploadedFile("invoice.pdf", b"%PDF-1.4\n" + b"x" * (4 * 1024 * 1024))

    response = anon.post(f"/complaints/report/{certified.serial}/", {**FORM, "attachment": upload})

    assert response.status_code == 200
    assert "the limit is 3.0\xa0MB" in response.content.decode()
    assert written and written[0] <= settings.UPLOAD_MAX_BYTES + 1
    assert Complaint.objects.count() == 0
    assert list(uploads.iterdir()) == []  # the temporary file is gone too


def test_the_report_form_refuses_an_attachment_by_its_content(anon, certified, media_root) -> None:
    upload = SimpleUploadedFile("invoice.pdf", b"#!/bin/sh\nrm -rf /\n")
    response = anon.post(f"/complaints/report/{certified.serial}/", {**FORM, "attachment": upload})
    assert response.status_code == 200
    assert "is not accepted" in response.content.decode()
    assert Complaint.objects.count() == 0


def test_the_report_form_is_rate_limited(anon, certified, monkeypatch) -> None:
    monkeypatch.setattr(ComplaintThrottle, "rate", "1/hour", raising=False)
    first = anon.post(f"/complaints/report/{certified.serial}/", FORM)
    second = anon.post(f"/complaints/report/{certified.serial}/", FORM)
    assert (first.status_code, second.status_code) == (200, 429)
    assert Complaint.objects.count() == 1


def test_an_unknown_label_or_token_answers_404(anon, db) -> None:
    assert anon.get("/complaints/report/NOSUCHLABEL/").status_code == 404
    assert anon.get("/complaints/follow/not-a-token/").status_code == 404


def test_the_follow_page_shows_the_outcome_once_decided(
    anon, world, certified, complaint_at
) -> None:
    from oversight.complaints import services

    submitted = services.complaint_submit(
        actor=None, label_serial=certified.serial, category="other", description="Odd."
    )
    url = f"/complaints/follow/{submitted.token}/"
    assert "complaint-outcome" not in anon.get(url).content.decode()
    services.complaint_assign(
        actor=world.body_admin, complaint_id=submitted.complaint.pk, handler=world.body_admin
    )
    for step in ("acknowledge", "investigate", "decide"):
        services.complaint_transition(
            actor=world.body_admin,
            complaint_id=submitted.complaint.pk,
            step=step,
            comment="The label is used correctly.",
            outcome="unfounded",
        )
    page = anon.get(url)
    assert text_by_testid(page, "complaint-status") == "Decided"
    assert text_by_testid(page, "complaint-outcome") == "Unfounded"
    assert "The label is used correctly." in page.content.decode()


# --- portal -------------------------------------------------------------------------------


@pytest.fixture
def filed(submit) -> Complaint:
    return submit()


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("body_admin", 200),
        ("decision_maker", 200),
        ("regulator", 200),
        ("enterprise_admin", 404),
        ("other_enterprise_user", 404),
        ("peer_reviewer", 404),
    ],
)
def test_portal_detail_answers_404_outside_the_body_and_the_regulator(
    client_as, world, filed, persona, status
) -> None:
    client = client_as(world.persona(persona))
    reference = filed.reference
    assert client.get(f"/portal/complaints/{reference}/").status_code == status
    listed = client.get("/portal/complaints/").content.decode()
    assert (reference in listed) == (status == 200)


@pytest.mark.parametrize("path", ["", "assign/", "step/", "attachment/"])
def test_another_body_gets_404_on_every_portal_page(
    client_as, filed, other_body_admin, path
) -> None:
    client = client_as(other_body_admin)
    url = f"/portal/complaints/{filed.reference}/{path}"
    response = (
        client.post(url, {"step": "acknowledge", "handler": other_body_admin.pk})
        if path in ("assign/", "step/")
        else client.get(url)
    )
    assert response.status_code == 404
    assert Complaint.objects.get(pk=filed.pk).status == ComplaintStatus.RECEIVED


def test_the_body_handles_a_complaint_in_the_portal(
    client_as, world, filed, second_decision_maker
) -> None:
    admin = client_as(world.body_admin)
    base = f"/portal/complaints/{filed.reference}/"
    admin.post(f"{base}assign/", {"handler": second_decision_maker.pk})
    assert Complaint.objects.get(pk=filed.pk).handler == second_decision_maker
    admin.post(f"{base}step/", {"step": "acknowledge"})
    handler = client_as(second_decision_maker)
    handler.post(f"{base}step/", {"step": "investigate"})
    response = handler.post(
        f"{base}step/",
        {
            "step": "decide",
            "outcome": "founded",
            "actions": ["suspend_label"],
            "comment": "The model on sale differs from the certified one.",
        },
        follow=True,
    )
    complaint = Complaint.objects.get(pk=filed.pk)
    assert (complaint.status, complaint.outcome) == (ComplaintStatus.DECIDED, "founded")
    assert Label.objects.get(pk=complaint.label_id).status == "suspended"
    assert text_by_testid(response, "complaint-outcome") == "Founded: Suspend the label"


def test_assigning_an_involved_person_shows_the_rule(client_as, world, filed) -> None:
    response = client_as(world.body_admin).post(
        f"/portal/complaints/{filed.reference}/assign/",
        {"handler": world.decision_maker.pk},
        follow=True,
    )
    assert "reviewed or decided this certification" in response.content.decode()
    assert Complaint.objects.get(pk=filed.pk).handler is None


def test_the_regulator_reads_but_cannot_act(client_as, world, filed) -> None:
    client = client_as(world.regulator)
    page = client.get(f"/portal/complaints/{filed.reference}/").content.decode()
    assert '<form method="post" action="/portal/complaints/' not in page
    response = client.post(
        f"/portal/complaints/{filed.reference}/step/", {"step": "acknowledge"}, follow=True
    )
    assert "Your role does not allow this step." in response.content.decode()
    assert Complaint.objects.get(pk=filed.pk).status == ComplaintStatus.RECEIVED


def test_the_report_form_speaks_chinese(client_as, certified) -> None:
    from django.test import Client

    page = Client(HTTP_ACCEPT_LANGUAGE="zh-hans").get(f"/complaints/report/{certified.serial}/")
    html = page.content.decode()
    assert "举报此标识的问题" in html
    assert "5 个工作日内确认受理、30 天内作出决定" in html


def test_complaints_and_appeals_are_read_only_in_the_admin(world, filed) -> None:
    from django.test import Client

    world.platform_admin.is_staff = world.platform_admin.is_superuser = True
    world.platform_admin.save(update_fields=["is_staff", "is_superuser"])
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    sign_in(client, world.platform_admin)
    url = f"/admin/oversight/complaint/{filed.pk}/change/"
    assert client.get(url).status_code == 200
    assert client.post(url, {"status": "closed"}).status_code == 403
    assert Complaint.objects.get(pk=filed.pk).status == ComplaintStatus.RECEIVED
    assert client.get("/admin/oversight/appeal/").status_code == 200
