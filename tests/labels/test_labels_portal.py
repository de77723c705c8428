"""The portal at /portal/labels/: only the issuing body's administrator or decision maker changes
a label's status, always with a reason and only along the allowed moves; the holder views and
downloads the artwork; the body administrator rotates and revokes keys."""

import io

import pytest
from django.core.exceptions import ValidationError
from PIL import Image

from certification.errors import ActorNotPermitted, TransitionNotAllowed
from labels import services
from labels.models import Label, LabelStatus, ReasonCode, SigningKey, StatusList
from labels.vc.verifier import Reason
from labels.verification import verify
from tests.labels.conftest import label_state, public_verdict, served_bits, text_by_testid


def manage_url(label: Label) -> str:
    return f"/portal/labels/{label.serial}/"


def post_status(client, label: Label, action: str, reason: str, *, confirm: bool = True):
    """Post a status change as the page sends it, the consequence confirmed unless told."""
    data = {"action": action, "reason": reason}
    if confirm:
        data["confirm"] = "1"
    return client.post(f"/portal/labels/{label.serial}/status/", data, follow=True)


def messages_of(response) -> list[tuple[str, str]]:
    return [(message.level_tag, str(message)) for message in response.context["messages"]]


def served_lists(client, label: Label) -> dict[str, dict]:
    return {
        purpose: client.get(f"/status/cqc/{purpose}/1").json()
        for purpose in ("revocation", "suspension")
    }


# --- who may change the status ------------------------------------------------------------


@pytest.mark.parametrize("persona", ["body_admin", "decision_maker"])
def test_the_issuing_body_suspends_and_restores_through_the_portal(
    label,
    world,
    client_as,
    anon,
    persona,
) -> None:
    client = client_as(world.persona(persona))
    page = client.get(manage_url(label))
    assert page.status_code == 200
    assert text_by_testid(page, "label-status") == "Valid"
    html = page.content.decode()
    for action in ("suspend", "revoke", "cancel"):
        assert f'data-testid="label-{action}"' in html
    assert 'data-testid="label-restore"' not in html

    response = post_status(client, label, "suspend", "Surveillance audit found a deviation.")

    assert response.redirect_chain == [(manage_url(label), 302)]
    assert messages_of(response) == [("success", "The label is now: Suspended.")]
    assert text_by_testid(response, "label-status") == "Suspended"
    assert 'data-testid="label-restore"' in response.content.decode()
    assert served_bits(anon, label) == {"revocation": False, "suspension": True}
    assert public_verdict(anon, label) == {
        "page": "! SUSPENDED",
        "reason": "SUSPENDED",
        "status_json": "suspended",
    }
    label.refresh_from_db()
    assert label.status_reason == "Surveillance audit found a deviation."
    assert label.events.last().actor == world.persona(persona)

    response = post_status(client, label, "restore", "Deviation corrected.")

    assert messages_of(response) == [("success", "The label is now: Valid.")]
    assert served_bits(anon, label) == {"revocation": False, "suspension": False}
    assert public_verdict(anon, label)["page"] == "✓ VALID"


def test_another_bodys_admin_gets_404_and_the_service_refuses(
    label,
    other_body_admin,
    client_as,
    anon,
) -> None:
    before = label_state(label)
    lists_before = served_lists(anon, label)
    client = client_as(other_body_admin)

    assert client.get(manage_url(label)).status_code == 404
    assert (
        client.post(
            f"/portal/labels/{label.serial}/status/", {"action": "revoke", "reason": "Not ours."}
        ).status_code
        == 404
    )
    assert client.get(f"/portal/labels/{label.serial}/artwork-30mm.svg").status_code == 404
    with pytest.raises(ActorNotPermitted):
        services.label_change_status(
            actor=other_body_admin, label_id=label.pk, action="revoke", reason="Not ours."
        )

    assert label_state(label) == before
    assert served_lists(anon, label) == lists_before


@pytest.mark.parametrize("persona", ["enterprise_admin", "enterprise_member"])
def test_the_holder_views_but_cannot_change_the_status(
    label, world, client_as, anon, persona
) -> None:
    before = label_state(label)
    client = client_as(world.persona(persona))

    page = client.get(manage_url(label))
    assert page.status_code == 200
    html = page.content.decode()
    for action in services.LABEL_ACTIONS:
        assert f'data-testid="label-{action}"' not in html
        assert f'data-testid="reason-{action}"' not in html
    assert f'action="/portal/labels/{label.serial}/status/"' not in html
    assert "artwork-30mm.svg" in html

    response = post_status(client, label, "suspend", "We would like a pause.")
    assert messages_of(response) == [
        ("error", "Only the issuing body may change this label's status.")
    ]
    with pytest.raises(ActorNotPermitted):
        services.label_change_status(
            actor=world.persona(persona),
            label_id=label.pk,
            action="cancel",
            reason="Product discontinued.",
        )

    assert label_state(label) == before
    assert verify(label.credential).reason == Reason.VALID


@pytest.mark.parametrize(
    "persona", ["reviewer", "technical_reviewer", "peer_reviewer", "regulator"]
)
def test_other_roles_cannot_change_the_status(label, world, persona) -> None:
    before = label_state(label)

    with pytest.raises(ActorNotPermitted):
        services.label_change_status(
            actor=world.persona(persona), label_id=label.pk, action="suspend", reason="Audit."
        )

    assert label_state(label) == before


def test_other_enterprises_and_anonymous_visitors_cannot_open_the_manage_page(
    label,
    world,
    client_as,
    anon,
) -> None:
    assert client_as(world.other_enterprise_user).get(manage_url(label)).status_code == 404
    response = anon.get(manage_url(label))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# --- reason and allowed moves -------------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "   \n\t"])
def test_a_reason_is_required(label, world, client_as, reason) -> None:
    before = label_state(label)

    with pytest.raises(ValidationError) as raised:
        services.label_change_status(
            actor=world.body_admin, label_id=label.pk, action="suspend", reason=reason
        )
    assert raised.value.message_dict == {"reason": ["Give the reason for this change."]}

    response = post_status(client_as(world.body_admin), label, "suspend", reason)
    assert messages_of(response) == [("error", "Choose an action and give the reason.")]
    assert label_state(label) == before


ILLEGAL = {
    "restore a valid label": ([], "restore"),
    "suspend a suspended label": (["suspend"], "suspend"),
    "suspend a revoked label": (["revoke"], "suspend"),
    "restore a revoked label": (["revoke"], "restore"),
    "revoke a revoked label": (["revoke"], "revoke"),
    "cancel a revoked label": (["revoke"], "cancel"),
    "restore a cancelled label": (["cancel"], "restore"),
    "revoke a cancelled label": (["cancel"], "revoke"),
}


@pytest.mark.parametrize("before_actions, action", ILLEGAL.values(), ids=ILLEGAL.keys())
def test_illegal_moves_are_refused_and_change_nothing(
    label,
    world,
    client_as,
    anon,
    before_actions,
    action,
) -> None:
    for step in before_actions:
        services.label_change_status(
            actor=world.body_admin, label_id=label.pk, action=step, reason=f"Reason to {step}."
        )
    before = label_state(label)
    lists_before = served_lists(anon, label)
    verdict_before = public_verdict(anon, label)

    with pytest.raises(TransitionNotAllowed):
        services.label_change_status(
            actor=world.body_admin, label_id=label.pk, action=action, reason="Try anyway."
        )
    response = post_status(client_as(world.body_admin), label, action, "Try anyway.")

    [(level, text)] = messages_of(response)
    assert level == "error"
    assert text.startswith(f"A {LabelStatus(before['status']).label} label cannot be")
    assert label_state(label) == before
    assert served_lists(anon, label) == lists_before
    assert public_verdict(anon, label) == verdict_before


def test_an_expired_label_cannot_be_restored_or_suspended(label, world) -> None:
    services.label_change_status(
        actor=None, label_id=label.pk, action="expire", reason="Validity period ended."
    )
    before = label_state(label)

    for action in ("restore", "suspend", "revoke", "cancel"):
        with pytest.raises(TransitionNotAllowed):
            services.label_change_status(
                actor=world.body_admin, label_id=label.pk, action=action, reason="Try anyway."
            )

    assert label_state(label) == before


@pytest.mark.parametrize("action", ["revoke", "cancel"])
def test_a_final_status_change_needs_its_consequence_confirmed(
    label, world, client_as, anon, action
) -> None:
    client = client_as(world.body_admin)
    html = client.get(manage_url(label)).content.decode()
    form = html[html.index(f'data-testid="form-{action}"') :]
    form = form[: form.index("</form>")]
    assert f'data-testid="confirm-{action}"' in form
    assert "I understand that" in form
    before = label_state(label)

    response = post_status(client, label, action, "Fraud.", confirm=False)

    assert messages_of(response) == [
        (
            "error",
            "Nothing was done: this change cannot be undone. Tick the box that says what it does "
            "to confirm it.",
        )
    ]
    assert label_state(label) == before
    assert public_verdict(anon, label)["page"] == "✓ VALID"
    # Suspending can be undone: it asks for no confirmation.
    assert 'data-testid="confirm-suspend"' not in html
    response = post_status(client, label, "suspend", "Audit.", confirm=False)
    assert messages_of(response) == [("success", "The label is now: Suspended.")]


def test_the_label_page_links_the_certificate_pdf(label, world, client_as) -> None:
    html = client_as(world.enterprise_admin).get(manage_url(label)).content.decode()
    assert f'href="/labels/{label.serial}/certificate.pdf" data-testid="certificate-pdf"' in html


def test_the_portal_offers_no_action_it_would_refuse(label, world, client_as) -> None:
    client = client_as(world.body_admin)
    services.label_change_status(
        actor=world.body_admin, label_id=label.pk, action="revoke", reason="Fraud."
    )

    html = client.get(manage_url(label)).content.decode()

    assert 'action="/portal/labels/' not in html.split("Label artwork for print")[0]
    response = post_status(client, label, "expire", "Not a person's action.")
    assert messages_of(response) == [("error", "Choose an action and give the reason.")]


# --- artwork ------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["enterprise_admin", "enterprise_member", "body_admin"])
@pytest.mark.parametrize("size", [20, 30, 50])
def test_artwork_downloads_in_every_print_size(label, world, client_as, persona, size) -> None:
    client = client_as(world.persona(persona))

    svg = client.get(f"/portal/labels/{label.serial}/artwork-{size}mm.svg")
    png = client.get(f"/portal/labels/{label.serial}/artwork-{size}mm.png")

    assert svg.status_code == 200
    assert svg["Content-Type"] == "image/svg+xml"
    assert svg["Content-Disposition"] == f'attachment; filename="{label.serial}-{size}mm.svg"'
    assert b"<svg" in svg.content
    assert f'width="{size}mm"'.encode() in svg.content
    assert png.status_code == 200
    assert png["Content-Type"] == "image/png"
    assert png["Content-Disposition"] == f'attachment; filename="{label.serial}-{size}mm.png"'
    image = Image.open(io.BytesIO(png.content))
    assert image.format == "PNG"
    assert image.width == round(size / 25.4 * 300)


@pytest.mark.parametrize(
    "name", ["artwork-10mm.svg", "artwork-40mm.png", "artwork-0mm.svg", "artwork-500mm.png"]
)
def test_artwork_of_other_sizes_is_404(label, world, client_as, name) -> None:
    response = client_as(world.enterprise_admin).get(f"/portal/labels/{label.serial}/{name}")

    assert response.status_code == 404


@pytest.mark.parametrize("name", ["artwork-30mm.gif", "artwork-30mm.pdf"])
def test_artwork_in_other_formats_is_404(label, world, client_as, name) -> None:
    response = client_as(world.enterprise_admin).get(f"/portal/labels/{label.serial}/{name}")

    assert response.status_code == 404


@pytest.mark.parametrize("user", ["other_enterprise_user", "other_body_admin"])
def test_artwork_is_404_for_other_enterprises_and_bodies(
    label,
    world,
    other_body_admin,
    client_as,
    user,
) -> None:
    person = other_body_admin if user == "other_body_admin" else world.persona(user)
    client = client_as(person)

    for fmt in ("svg", "png"):
        assert client.get(f"/portal/labels/{label.serial}/artwork-30mm.{fmt}").status_code == 404


# --- keys ---------------------------------------------------------------------------------


def test_the_body_admin_rotates_the_key_on_the_keys_page(issue_label, world, client_as) -> None:
    older = issue_label()
    client = client_as(world.body_admin)
    page = client.get("/portal/labels/keys/")
    assert page.status_code == 200
    assert "did:web:labels.example.cn:bodies:cqc" in page.content.decode()

    response = client.post(f"/portal/labels/keys/{world.body.pk}/rotate/", follow=True)

    assert response.redirect_chain == [("/portal/labels/keys/", 302)]
    assert [level for level, _ in messages_of(response)] == ["success"]
    keys_of_body = list(SigningKey.objects.filter(body=world.body).order_by("created_at"))
    assert len(keys_of_body) == 2
    assert keys_of_body[0].retired_at is not None
    assert keys_of_body[1].is_active
    newer = issue_label()
    assert newer.signing_key == keys_of_body[1]
    assert verify(older.credential).reason == Reason.VALID
    assert verify(newer.credential).reason == Reason.VALID


def test_the_body_admin_revokes_a_key_with_a_reason(label, world, client_as, anon) -> None:
    client = client_as(world.body_admin)
    key = label.signing_key

    refused = client.post(f"/portal/labels/keys/{key.pk}/revoke/", {"reason": " "}, follow=True)
    assert [level for level, _ in messages_of(refused)] == ["error"]
    assert SigningKey.objects.get(pk=key.pk).revoked_at is None

    unconfirmed = client.post(
        f"/portal/labels/keys/{key.pk}/revoke/", {"reason": "Laptop stolen."}, follow=True
    )
    assert messages_of(unconfirmed) == [
        (
            "error",
            "Nothing was done: this change cannot be undone. Tick the box that says what it does "
            "to confirm it.",
        )
    ]
    assert SigningKey.objects.get(pk=key.pk).revoked_at is None
    assert (
        "every label it signed stops verifying"
        in client.get("/portal/labels/keys/").content.decode()
    )

    response = client.post(
        f"/portal/labels/keys/{key.pk}/revoke/",
        {"reason": "Laptop stolen.", "confirm": "1"},
        follow=True,
    )

    assert messages_of(response) == [
        ("success", "The key is revoked; labels it signed now show so.")
    ]
    assert SigningKey.objects.get(pk=key.pk).revocation_reason == "Laptop stolen."
    assert verify(label.credential).reason == Reason.KEY_REVOKED
    assert public_verdict(anon, label)["reason"] == "KEY_REVOKED"
    # The lists were re-signed with the body's new key.
    new_key = SigningKey.objects.get(
        body=world.body, revoked_at__isnull=True, retired_at__isnull=True
    )
    for status_list in StatusList.objects.filter(body=world.body):
        assert status_list.credential["proof"]["verificationMethod"].endswith(
            f"#{new_key.fragment}"
        )


def test_a_label_signed_with_a_revoked_key_shows_not_trusted_in_the_portal(
    label, world, client_as
) -> None:
    client = client_as(world.body_admin)
    services.signing_key_revoke(actor=world.body_admin, key_id=label.signing_key_id, reason="Lost")

    assert text_by_testid(client.get(manage_url(label)), "label-status") == "Not trusted"
    listing = client.get("/portal/labels/").content.decode()
    assert '<td data-label="Status">Not trusted</td>' in listing


@pytest.mark.parametrize("persona", ["decision_maker", "enterprise_admin", "other_body_admin"])
def test_only_the_body_admin_reaches_the_keys(
    label, world, other_body_admin, client_as, persona
) -> None:
    person = other_body_admin if persona == "other_body_admin" else world.persona(persona)
    client = client_as(person)
    key = label.signing_key

    if persona != "other_body_admin":
        assert client.get("/portal/labels/keys/").status_code == 404
    assert client.post(f"/portal/labels/keys/{world.body.pk}/rotate/").status_code == 404
    assert (
        client.post(f"/portal/labels/keys/{key.pk}/revoke/", {"reason": "Because."}).status_code
        == 404
    )

    assert list(SigningKey.objects.filter(body=world.body)) == [key]
    assert SigningKey.objects.get(pk=key.pk).is_active


def suspended_by_regulator_order(label) -> None:
    services.label_change_status(
        actor=None,
        label_id=label.pk,
        action="suspend",
        reason="Ordered by the regulator.",
        reason_code=ReasonCode.REGULATOR_ORDER,
    )


def test_without_a_person_a_suspension_the_regulator_ordered_is_not_lifted(label) -> None:
    suspended_by_regulator_order(label)
    before = label_state(label)

    with pytest.raises(ActorNotPermitted):
        services.label_change_status(
            actor=None, label_id=label.pk, action="restore", reason="Lifted by nobody."
        )

    assert label_state(label) == before


def test_the_regulator_lifts_its_suspension_in_the_portal_and_the_body_is_not_offered_it(
    label, world, client_as, anon
) -> None:
    suspended_by_regulator_order(label)
    body_page = client_as(world.body_admin).get(manage_url(label)).content.decode()
    assert 'data-testid="label-restore"' not in body_page
    assert 'data-testid="label-revoke"' in body_page  # protecting the public stays the body's

    client = client_as(world.regulator)
    page = client.get(manage_url(label)).content.decode()
    assert 'data-testid="label-restore"' in page
    assert 'data-testid="label-revoke"' not in page

    response = post_status(client, label, "restore", "Corrective action verified.")

    assert messages_of(response) == [("success", "The label is now: Valid.")]
    assert served_bits(anon, label) == {"revocation": False, "suspension": False}
    event = label.events.last()
    assert (event.action, event.actor, event.reason_code) == (
        "restored",
        world.regulator,
        ReasonCode.REGULATOR_ORDER,
    )


def test_the_regulator_is_offered_nothing_on_a_label_of_the_bodys_own(
    label, world, client_as
) -> None:
    services.label_change_status(
        actor=world.body_admin, label_id=label.pk, action="suspend", reason="Data gaps."
    )
    page = client_as(world.regulator).get(manage_url(label))
    assert page.status_code == 200
    assert 'data-testid="form-' not in page.content.decode()
