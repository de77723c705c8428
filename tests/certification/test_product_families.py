"""Product families: one application, one representative study, one certificate, one label
per model, where the product rule allows families; where it does not, the family is refused
and a new application starts from a certified sibling's dossier instead."""

import csv
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.http import StreamingHttpResponse
from django.test import Client

from certification import families, selectors
from certification.errors import ActorNotPermitted, GuardFailed, TransitionNotAllowed
from certification.models import (
    Application,
    ApplicationVariant,
    Certificate,
    CertificateStatus,
    Status,
)
from certification.services import application_transition, product_update
from labels import services as label_services
from labels.facts import label_qr_url
from labels.models import Label, LabelStatus
from labels.vc.verifier import Reason
from labels.verification import verify
from oversight.demo import certify_demo_application
from tests.conftest import build_application
from tests.factories import ProductFactory
from tests.second_factor import sign_in

RULE_REFUSAL = "does not allow product families: each model needs its own application"


def signed_in(user) -> Client:
    return sign_in(Client(HTTP_ACCEPT_LANGUAGE="en"), user)


@pytest.fixture
def families_allowed(world):
    world.category.allows_families = True
    world.category.save(update_fields=["allows_families"])
    return world.category


@pytest.fixture
def people(world) -> dict:
    """The World's people under the demo's usernames, to walk the procedure as the demo does."""
    return {
        "ent-admin": world.enterprise_admin,
        "body-admin": world.body_admin,
        "reviewer": world.reviewer,
        "reviewer2": world.second_reviewer,
        "tech-reviewer": world.technical_reviewer,
        "peer-reviewer": world.peer_reviewer,
        "decision-maker": world.decision_maker,
    }


def add_variant(world, application, product, factor="1.5", actor=None) -> ApplicationVariant:
    return families.application_variant_add(
        actor=actor or world.enterprise_admin,
        application=application,
        product=product,
        scaling_factor=Decimal(factor),
        justification="Same cells, more of them.",
    )


def certified_family(world, people, new_product, capture) -> tuple[Application, list]:
    """A draft under an allowing rule, two variants added on the portal, then the whole
    procedure walked with the services; the label task runs as a commit runs it."""
    application = build_application(world, Status.DRAFT)
    variants = [new_product(model="LB-20K"), new_product(model="LB-5K")]
    client = signed_in(world.enterprise_admin)
    for product, factor in zip(variants, ("1.92", "0.56"), strict=True):
        response = client.post(
            f"/portal/applications/{application.pk}/variants/",
            {"product": product.pk, "scaling_factor": factor, "justification": "Cell count."},
        )
        assert response.status_code == 302
    with capture(execute=True):
        certify_demo_application(application, people)
    return application, variants


def test_a_family_is_certified_end_to_end_with_a_label_per_model(
    world, families_allowed, people, new_product, django_capture_on_commit_callbacks, client
) -> None:
    application, variants = certified_family(
        world, people, new_product, django_capture_on_commit_callbacks
    )

    application.refresh_from_db()
    assert application.status == Status.APPROVED
    certificate = Certificate.objects.get()
    assert certificate.application == application
    assert certificate.status == CertificateStatus.VALID
    labels = list(certificate.labels.order_by("pk"))
    assert len(labels) == 3
    assert [label.product for label in labels] == [application.product, *variants]
    assert len({label.serial for label in labels}) == 3
    assert len({label_qr_url(label) for label in labels}) == 3
    representative = Decimal(str(certificate.declared_total))
    expected = [representative, representative * Decimal("1.92"), representative * Decimal("0.56")]
    for label, value, product in zip(labels, expected, labels, strict=True):
        subject = label.credential["credentialSubject"]
        assert Decimal(subject["footprint"]["value"]) == value.quantize(Decimal("0.000001"))
        assert subject["certificateNumber"] == certificate.number
        assert subject["product"]["model"] == product.product.model
        assert subject["product"]["gtin"] == f"urn:gtin:{product.product.gtin}"
        assert label.gtin == product.product.gtin
        assert verify(label.credential).reason == Reason.VALID
        page = client.get(f"/labels/{label.serial}/")
        assert page.status_code == 200
        assert product.product.model in page.content.decode()
        assert client.get(f"/labels/{label.serial}/qr.svg").status_code == 200
    # Stage results scale with the total: the variant's label still adds up.
    stages = labels[1].credential["credentialSubject"]["footprint"]["stages"]
    assert sum(Decimal(stage["value"]) for stage in stages) == Decimal(
        labels[1].credential["credentialSubject"]["footprint"]["value"]
    )

    found = client.get("/directory/", {"q": variants[0].model}).content.decode()
    assert labels[1].serial in found
    assert labels[0].serial not in found and labels[2].serial not in found

    page = signed_in(world.enterprise_admin).get("/portal/labels/").content.decode()
    for product in [application.product, *variants]:
        assert str(product) in page
    # The label list's export names each label's own model.
    export = signed_in(world.enterprise_admin).get("/portal/labels/export.csv")
    assert isinstance(export, StreamingHttpResponse)
    rows = list(csv.DictReader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig"))))
    assert {row["Serial"]: row["Model"] for row in rows} == {
        label.serial: label.product.model for label in labels
    }
    detail = signed_in(world.reviewer).get(f"/portal/applications/{application.pk}/")
    assert detail.status_code == 200
    assert detail.content.decode().count('data-testid="variant"') == 2


def test_suspending_the_certificate_suspends_every_label_of_the_family(
    world, families_allowed, people, new_product, django_capture_on_commit_callbacks
) -> None:
    application, _variants = certified_family(
        world, people, new_product, django_capture_on_commit_callbacks
    )
    labels = list(Label.objects.filter(certificate__application=application))

    label_services.label_change_status(
        actor=world.body_admin, label_id=labels[1].pk, action="suspend", reason="Audit pending."
    )

    assert set(Label.objects.values_list("status", flat=True)) == {LabelStatus.SUSPENDED}
    assert Certificate.objects.get().status == CertificateStatus.SUSPENDED
    for label in Label.objects.all():
        assert verify(label.credential).reason == Reason.SUSPENDED

    label_services.label_change_status(
        actor=world.body_admin, label_id=labels[0].pk, action="revoke", reason="Withdrawn."
    )
    for label in Label.objects.all():
        assert label.status == LabelStatus.REVOKED
        assert verify(label.credential).reason == Reason.REVOKED


def test_issuing_twice_creates_no_second_family(
    world, families_allowed, people, new_product, django_capture_on_commit_callbacks
) -> None:
    application, _variants = certified_family(
        world, people, new_product, django_capture_on_commit_callbacks
    )
    first = Label.objects.get(certificate__application=application, variant=None)

    again = label_services.label_issue(certificate_id=application.certificate.pk)

    assert again == first
    assert Label.objects.count() == 3


def test_an_editorial_reissue_gives_each_model_a_new_version_superseding_its_own(
    world, families_allowed, people, new_product, django_capture_on_commit_callbacks
) -> None:
    application, _variants = certified_family(
        world, people, new_product, django_capture_on_commit_callbacks
    )
    first = {label.product.pk: label for label in Label.objects.all()}

    label_services.label_issue(certificate_id=application.certificate.pk, certificate_version=2)

    second = Label.objects.filter(certificate_version=2)
    assert second.count() == 3
    for label in second:
        old = Label.objects.get(pk=first[label.product.pk].pk)
        assert old.superseded_by == label
        assert label.superseded_by is None
        assert verify(label.credential).reason == Reason.VALID


def test_a_certificate_number_names_the_current_label_of_each_model(
    world, families_allowed, people, new_product, django_capture_on_commit_callbacks
) -> None:
    """The single lookup answers the representative's current label; the batch, the current
    label of each model; neither the versions the re-issue superseded. Stored answers and
    live renders alike."""
    from rest_framework.test import APIClient

    from accounts.apikeys import api_key_create
    from accounts.models import Membership, Organisation, User
    from accounts.roles import ApiScope, OrganisationKind, Role
    from labels.models import LabelAnswer

    application, _variants = certified_family(
        world, people, new_product, django_capture_on_commit_callbacks
    )
    number = application.certificate.number
    with django_capture_on_commit_callbacks(execute=True):
        label_services.label_issue(certificate_id=application.certificate.pk, certificate_version=2)
    current = Label.objects.filter(certificate_version=2)
    representative = current.get(variant=None)
    mall = Organisation.objects.create(kind=OrganisationKind.MARKETPLACE, name="GreenMall")
    admin = User.objects.create_user(username="mall", email="mall@example.cn", password="x-pw-1")
    Membership.objects.create(user=admin, organisation=mall, role=Role.MARKETPLACE_ADMIN)
    _key, key = api_key_create(
        actor=admin, organisation=mall, name="shop", scopes=[ApiScope.LABELS_READ]
    )
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.credentials(HTTP_X_API_KEY=key)

    for stored in (True, False):
        if not stored:
            LabelAnswer.objects.all().delete()
        one = api.get(f"/api/v1/certificates/{number}/label/")
        assert one.status_code == 200
        assert one.json()["serial"] == representative.serial, stored
        batch = api.post(
            "/api/v1/labels/batch/", {"keys": [{"certificateNumber": number}]}, format="json"
        )
        [result] = batch.json()["results"]
        assert {label["serial"] for label in result["labels"]} == {
            label.serial for label in current
        }, stored


# --- what a family may hold ---------------------------------------------------------------


def test_a_rule_without_families_refuses_the_variant_and_offers_the_sibling_template(
    world, new_product
) -> None:
    application = build_application(world, Status.DRAFT)
    sibling = new_product()

    with pytest.raises(ValidationError) as error:
        add_variant(world, application, sibling)

    message = " ".join(error.value.messages)
    assert RULE_REFUSAL in message
    assert application.product_rule_name in message
    assert "Start from a certified sibling" in message
    assert not ApplicationVariant.objects.exists()


def test_the_portal_shows_the_refusal_and_the_sibling_template(world, new_product) -> None:
    application = build_application(world, Status.DRAFT)
    sibling = new_product()
    client = signed_in(world.enterprise_admin)

    page = client.get(f"/portal/applications/{application.pk}/").content.decode()
    assert 'data-testid="family-refusal"' in page
    assert 'data-testid="sibling-template-link"' in page
    assert 'data-testid="variant-form"' not in page
    response = client.post(
        f"/portal/applications/{application.pk}/variants/",
        {"product": sibling.pk, "scaling_factor": "1.5", "justification": "More cells."},
        follow=True,
    )

    assert RULE_REFUSAL in response.content.decode()
    assert not ApplicationVariant.objects.exists()


def test_variants_are_refused_when_they_do_not_belong(
    world, families_allowed, new_product, other_enterprise_user
) -> None:
    application = build_application(world, Status.DRAFT)
    theirs = ProductFactory(enterprise=world.other_enterprise, category=world.category)
    other_category = ProductFactory(enterprise=world.enterprise)
    mine = new_product()
    add_variant(world, application, mine)

    for product, field in (
        (theirs, "product"),
        (application.product, "product"),
        (other_category, "product"),
        (mine, "product"),
    ):
        with pytest.raises(ValidationError) as error:
            add_variant(world, application, product)
        assert field in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        add_variant(world, application, new_product(), factor="0")
    assert "scaling_factor" in error.value.message_dict
    with pytest.raises(ActorNotPermitted):
        add_variant(world, application, new_product(), actor=other_enterprise_user)
    assert list(ApplicationVariant.objects.values_list("product", flat=True)) == [mine.pk]


def test_variants_change_only_in_draft(world, families_allowed, new_product) -> None:
    application = build_application(world, Status.DRAFT)
    variant = add_variant(world, application, new_product())
    Application.objects.filter(pk=application.pk).update(status=Status.SUBMITTED)

    with pytest.raises(TransitionNotAllowed):
        add_variant(world, application, new_product())
    with pytest.raises(TransitionNotAllowed):
        families.application_variant_remove(
            actor=world.enterprise_admin, application=application, variant_id=variant.pk
        )
    assert ApplicationVariant.objects.count() == 1


def test_a_variant_product_is_locked_once_its_family_is_submitted(
    world, families_allowed, new_product
) -> None:
    application = build_application(world, Status.DRAFT)
    product = new_product()
    add_variant(world, application, product)
    assert selectors.product_is_editable_by(world.enterprise_admin, product)

    application_transition(
        actor=world.enterprise_admin, application_id=application.pk, action="submit"
    )

    assert not selectors.product_is_editable_by(world.enterprise_admin, product)
    page = signed_in(world.enterprise_admin).get(f"/portal/products/{product.pk}/")
    assert application.reference in page.content.decode()
    with pytest.raises(TransitionNotAllowed):
        product_update(
            actor=world.enterprise_admin, product_id=product.pk, data={"name": "Renamed"}
        )
    product.refresh_from_db()
    assert product.name != "Renamed"


def test_the_enterprise_removes_a_variant_of_its_draft(
    world, families_allowed, new_product
) -> None:
    application = build_application(world, Status.DRAFT)
    variant = add_variant(world, application, new_product())
    client = signed_in(world.enterprise_admin)

    client.post(f"/portal/applications/{application.pk}/variants/{variant.pk}/remove/")

    assert not ApplicationVariant.objects.exists()


def test_another_enterprise_cannot_reach_the_variants(
    world, families_allowed, new_product, other_enterprise_user
) -> None:
    application = build_application(world, Status.DRAFT)
    variant = add_variant(world, application, new_product())
    client = signed_in(other_enterprise_user)

    assert (
        client.post(
            f"/portal/applications/{application.pk}/variants/",
            {"product": new_product().pk, "scaling_factor": "1.1", "justification": "x"},
        ).status_code
        == 404
    )
    assert (
        client.post(
            f"/portal/applications/{application.pk}/variants/{variant.pk}/remove/"
        ).status_code
        == 404
    )
    assert ApplicationVariant.objects.count() == 1


def test_a_family_is_refused_at_submission_once_the_rule_no_longer_allows_it(
    world, families_allowed, new_product, nothing_changes
) -> None:
    application = build_application(world, Status.DRAFT)
    add_variant(world, application, new_product())
    families_allowed.allows_families = False
    families_allowed.save(update_fields=["allows_families"])

    with nothing_changes(application), pytest.raises(GuardFailed) as error:
        application_transition(
            actor=world.enterprise_admin, application_id=application.pk, action="submit"
        )
    assert error.value.code == "guard:family_allowed"
    assert RULE_REFUSAL in error.value.message


# --- the sibling template -----------------------------------------------------------------


def test_a_new_application_starts_from_a_certified_siblings_dossier(world, new_product) -> None:
    sibling = build_application(world, Status.APPROVED)
    certificate = sibling.certificate
    Certificate.objects.filter(pk=certificate.pk).update(status=CertificateStatus.VALID)
    product = new_product(model="LB-NEXT")
    client = signed_in(world.enterprise_admin)

    page = client.get(f"/portal/products/{product.pk}/").content.decode()
    assert 'data-testid="sibling-template"' in page and certificate.number in page
    response = client.post(
        f"/portal/products/{product.pk}/from-sibling/", {"certificate": certificate.pk}
    )

    application = Application.objects.get(product=product)
    assert response.status_code == 302
    assert response["Location"] == f"/portal/applications/{application.pk}/"
    assert application.status == Status.DRAFT
    assert application.copied_from == certificate
    assert (application.certification_body, application.product_rule_name) == (
        sibling.certification_body,
        sibling.product_rule_name,
    )
    copy = application.dossier_versions.get(number=1)
    assert copy.frozen_at is None
    assert copy.declared_total == certificate.dossier_version.declared_total
    assert set(copy.files.all()) == set(certificate.dossier_version.files.all())
    detail = client.get(f"/portal/applications/{application.pk}/").content.decode()
    assert 'data-testid="copied-from"' in detail and certificate.number in detail


def test_the_files_a_copied_dossier_carries_are_read_listed_and_removed_there(
    world, new_product, api_as
) -> None:
    """The copy's files were uploaded to the sibling's application; they are the new
    application's evidence all the same."""
    sibling = build_application(world, Status.APPROVED)
    certificate = sibling.certificate
    Certificate.objects.filter(pk=certificate.pk).update(status=CertificateStatus.VALID)
    product = new_product(model="LB-NEXT")
    client = signed_in(world.enterprise_admin)
    client.post(f"/portal/products/{product.pk}/from-sibling/", {"certificate": certificate.pk})
    application = Application.objects.get(product=product)
    carried = list(certificate.dossier_version.files.all())
    assert carried and all(item.application_id == sibling.pk for item in carried)
    first = carried[0]

    base = f"/portal/applications/{application.pk}/files/{first.pk}/"
    assert client.get(base).status_code == 200
    listed = api_as(world.enterprise_admin).get(f"/api/v1/applications/{application.pk}/files/")
    assert {item["id"] for item in listed.json()["results"]} == {item.pk for item in carried}
    assert client.post(base + "remove/").status_code == 302
    assert first not in application.dossier_versions.get(number=1).files.all()
    assert first in certificate.dossier_version.files.all()  # the sibling's frozen dossier keeps it
    # Another enterprise reaches none of them.
    outsider = signed_in(world.other_enterprise_user)
    file_url = f"/portal/applications/{application.pk}/files/{carried[-1].pk}/"
    assert outsider.get(file_url).status_code == 404


def test_only_a_valid_certificate_of_the_same_enterprise_is_a_template(
    world, new_product, other_enterprise_user
) -> None:
    sibling = build_application(world, Status.APPROVED)
    certificate = sibling.certificate
    product = new_product()

    with pytest.raises(ValidationError):  # approved, label pending: not yet certified
        families.application_start_from_sibling(
            actor=world.enterprise_admin, certificate=certificate, product=product
        )
    Certificate.objects.filter(pk=certificate.pk).update(status=CertificateStatus.VALID)
    theirs = ProductFactory(enterprise=world.other_enterprise, category=world.category)
    with pytest.raises(ValidationError):  # another enterprise's certificate
        families.application_start_from_sibling(
            actor=other_enterprise_user, certificate=certificate, product=theirs
        )
    with pytest.raises(ActorNotPermitted):
        families.application_start_from_sibling(
            actor=other_enterprise_user, certificate=certificate, product=product
        )
    with pytest.raises(ValidationError):
        families.application_start_from_sibling(
            actor=world.enterprise_admin, certificate=certificate, product=sibling.product
        )
    client = signed_in(other_enterprise_user)
    assert (
        client.post(
            f"/portal/products/{theirs.pk}/from-sibling/", {"certificate": certificate.pk}
        ).status_code
        == 302
    )
    assert (
        client.post(
            f"/portal/products/{product.pk}/from-sibling/", {"certificate": certificate.pk}
        ).status_code
        == 404
    )
    assert Application.objects.count() == 1


# --- the API ------------------------------------------------------------------------------


def test_the_api_refuses_a_family_under_a_rule_without_families(world, new_product, api_as):
    application = build_application(world, Status.DRAFT)
    api = api_as(world.enterprise_admin)

    response = api.post(
        f"/api/v1/applications/{application.pk}/variants/",
        {"product": new_product().pk, "scaling_factor": "1.5", "justification": "More cells."},
        format="json",
    )

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    [message] = response.json()["errors"]["non_field_errors"]
    assert RULE_REFUSAL in message and "Start from a certified sibling" in message
    assert not ApplicationVariant.objects.exists()


def test_the_api_adds_lists_and_removes_variants(
    world, families_allowed, new_product, api_as, other_enterprise_user
) -> None:
    application = build_application(world, Status.DRAFT)
    product = new_product()
    url = f"/api/v1/applications/{application.pk}/variants/"
    body = {"product": product.pk, "scaling_factor": "1.25", "justification": "More cells."}

    created = api_as(world.enterprise_admin).post(url, body, format="json")
    assert created.status_code == 201
    assert created.json()["scaling_factor"] == "1.250000"
    assert created.json()["product"]["id"] == product.pk
    assert api_as(world.enterprise_admin).get(url).json()["count"] == 1

    other = api_as(other_enterprise_user)
    assert other.get(url).status_code == 404
    assert other.post(url, body, format="json").status_code == 404
    theirs = ProductFactory(enterprise=world.other_enterprise, category=world.category)
    refused = api_as(world.enterprise_admin).post(
        url, {**body, "product": theirs.pk}, format="json"
    )
    assert refused.status_code == 400 and "product" in refused.json()["errors"]

    variant_url = f"{url}{created.json()['id']}/"
    Application.objects.filter(pk=application.pk).update(status=Status.SUBMITTED)
    assert api_as(world.enterprise_admin).delete(variant_url).status_code == 409
    Application.objects.filter(pk=application.pk).update(status=Status.DRAFT)
    assert api_as(world.enterprise_admin).delete(variant_url).status_code == 204
    assert api_as(world.enterprise_admin).delete(variant_url).status_code == 404
    assert not ApplicationVariant.objects.exists()


def test_the_pact_exchange_keeps_the_representative_alone_in_its_chain(
    world, families_allowed, people, new_product, django_capture_on_commit_callbacks
) -> None:
    """Variant labels are not exchanged over PACT yet, and do not deprecate the
    representative's footprint (they share the certificate's product)."""
    from pact.index import footprints_index
    from pact.models import Footprint
    from pact.selectors import footprint_views

    application, _variants = certified_family(
        world, people, new_product, django_capture_on_commit_callbacks
    )

    assert footprints_index() == 1
    footprint = Footprint.objects.get()
    assert footprint.label.variant is None
    assert footprint.label.certificate == application.certificate
    [view] = footprint_views([footprint])
    assert (view.preceding_ids, view.superseded_at) == ((), None)
