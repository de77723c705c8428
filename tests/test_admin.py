"""Every admin list and change page renders, domain state is read-only there, and the
confidential contents (dossier, evaluation, findings, peer review, complaints, appeals) are not
shown there."""

import pytest
from django.contrib import admin
from django.test import Client
from django.utils.html import escape

from accounts.apikeys import api_key_create
from accounts.models import ApiKey
from accounts.roles import ApiScope, Role
from audits.models import Evaluation, Finding, PeerReview
from certification.models import Application, DossierVersion, Status
from labels.services import label_change_status
from oversight.appeals.models import Appeal, AppealEvent
from oversight.appeals.services import appeal_file
from oversight.complaints.models import ComplaintEvent
from oversight.complaints.services import complaint_submit
from tests.factories import MarketplaceFactory, member_of
from tests.second_factor import sign_in


@pytest.fixture
def operator(world) -> Client:
    user = world.platform_admin
    user.is_staff = user.is_superuser = True
    user.save(update_fields=["is_staff", "is_superuser"])
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    sign_in(client, user)
    return client


def test_every_admin_page_renders(operator, application_at) -> None:
    application_at(Status.APPROVED)
    for model in admin.site._registry:
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        assert operator.get(url).status_code == 200, url
        first = model._default_manager.first()
        if first is not None:
            assert operator.get(f"{url}{first.pk}/change/").status_code == 200, url


def test_applications_cannot_be_edited_in_the_admin(operator, application_at) -> None:
    application = application_at(Status.SUBMITTED)
    response = operator.post(
        f"/admin/certification/application/{application.pk}/change/", {"status": Status.APPROVED}
    )
    assert response.status_code == 403
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    assert Application.objects.count() == 1


def test_api_keys_are_revoked_in_the_portal_never_deleted_in_the_admin(operator, world) -> None:
    mall = MarketplaceFactory(name="GreenMall")
    admin_user = member_of(mall, Role.MARKETPLACE_ADMIN, username="mall_admin")
    api_key, _text = api_key_create(
        actor=admin_user, organisation=mall, name="shop", scopes=[ApiScope.LABELS_READ]
    )

    response = operator.post(f"/admin/accounts/apikey/{api_key.pk}/delete/", {"post": "yes"})

    assert response.status_code == 403
    assert ApiKey.objects.filter(pk=api_key.pk).exists()


# --- confidential contents: not even the platform's administrators read them --------------

SECRETS = {
    "goal": "Goal: the cell line at the Ningde plant only.",
    "observations": "The night-shift meter was bypassed.",
    "finding": "The supplier's invoices disagree with the inventory.",
    "answer": "New invoices from the supplier attached.",
    "peer": "The allocation between the two plants is not justified.",
    "complaint": "The footprint printed is half the maker's own report.",
    "contact": "whistle@example.cn",
    "appeal": "The surveillance visit was never announced to us.",
    "comment": "Suspended after the third missed visit.",
}


@pytest.fixture
def confidential(world, application_at, label) -> dict[str, object]:
    """One record of each confidential kind, each holding a text of SECRETS."""
    application = application_at(Status.APPROVED, findings="answered")
    version = application.dossier_versions.get(number=1)
    DossierVersion.objects.filter(pk=version.pk).update(goal=SECRETS["goal"])
    Evaluation.objects.filter(application=application).update(
        onsite_observations=SECRETS["observations"]
    )
    Finding.objects.filter(application=application).update(
        description=SECRETS["finding"], response=SECRETS["answer"]
    )
    PeerReview.objects.filter(application=application).update(comments=SECRETS["peer"])
    complaint = complaint_submit(
        actor=None,
        label_serial=label.serial,
        category="false_value",
        description=SECRETS["complaint"],
        contact=SECRETS["contact"],
        language="en",
    ).complaint
    ComplaintEvent.objects.filter(complaint=complaint).update(comment=SECRETS["comment"])
    label_change_status(
        actor=world.decision_maker, label_id=label.pk, action="suspend", reason="Refused."
    )
    appeal = appeal_file(
        actor=world.enterprise_admin,
        kind="suspension",
        label_id=label.pk,
        reasons=SECRETS["appeal"],
    )
    Appeal.objects.filter(pk=appeal.pk).update(decision_reason=SECRETS["comment"])
    AppealEvent.objects.filter(appeal=appeal).update(comment=SECRETS["comment"])
    return {
        "certification/dossierversion": version,
        "audits/evaluation": Evaluation.objects.get(application=application),
        "audits/finding": Finding.objects.filter(application=application).first(),
        "audits/peerreview": PeerReview.objects.get(application=application),
        "oversight/complaint": complaint,
        "oversight/complaintevent": ComplaintEvent.objects.filter(complaint=complaint).first(),
        "oversight/appeal": appeal,
        "oversight/appealevent": AppealEvent.objects.filter(appeal=appeal).first(),
    }


def test_the_admin_shows_no_confidential_contents(operator, confidential) -> None:
    leaks = {}
    for model, record in confidential.items():
        assert record is not None, model
        for url in (f"/admin/{model}/", f"/admin/{model}/{record.pk}/change/"):
            response = operator.get(url)

            assert response.status_code == 200, url
            page = response.content.decode()
            leaks[url] = [name for name, text in SECRETS.items() if escape(text) in page]
    assert {url: leaked for url, leaked in leaks.items() if leaked} == {}
    # The pages still say which record it is, for the operator to find it in the portal.
    complaint = confidential["oversight/complaint"]
    page = operator.get(f"/admin/oversight/complaint/{complaint.pk}/change/")
    assert complaint.reference in page.content.decode()
