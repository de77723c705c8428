"""What people found on the portal journey, checked in a browser at 1280 px and, for the
enterprise's pages, at a 390 px phone width: each step with its own comment, buttons disabled
with what is missing, irreversible steps confirmed, who acts next, the progress of the file."""

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import FloatRect, Locator, Page, ViewportSize, expect

from accounts.models import User
from certification.models import Application, ApplicationEvent, Status
from certification.services import application_create
from labels.models import Label, LabelStatus, SigningKey
from oversight.demo import seed_demo
from tests.e2e.test_portal_lifecycle import OVERFLOW_TOLERANCE_PX, PHONE, Portal

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DESKTOP: ViewportSize = {"width": 1280, "height": 800}
VIEWPORTS = [pytest.param(DESKTOP, id="1280"), pytest.param(PHONE, id="390")]


def box(locator: Locator) -> FloatRect:
    """Where the element is on the page (it is visible)."""
    found = locator.bounding_box()
    assert found is not None
    return found


@pytest.fixture
def demo(transactional_db) -> dict[str, User]:
    call_command("load_reference", stdout=StringIO())
    return seed_demo()


def drafts() -> list[Application]:
    return list(Application.objects.filter(status=Status.DRAFT).order_by("pk"))


def assert_fits(portal: Portal, width: int) -> None:
    scroll_width = portal.page_width()
    assert scroll_width <= width + OVERFLOW_TOLERANCE_PX, (
        f"{portal.page.url} is {scroll_width}px wide at a {width}px viewport"
    )


def open_application(portal: Portal, application: Application) -> None:
    portal.page.goto(f"{portal.base_url}/portal/applications/{application.pk}/")
    expect(portal.page.locator("h1")).to_contain_text(application.reference)


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_enterprise_submits_with_its_own_comment_and_sees_who_acts_next(
    page: Page, live_server, server_errors, demo, viewport
) -> None:
    page.set_viewport_size(viewport)
    portal = Portal(page, live_server.url, server_errors)
    application = drafts()[0]
    portal.login("ent-admin")
    open_application(portal, application)

    # Two steps, each with its own comment box inside its own form.
    submit_form = page.get_by_test_id("form-submit")
    withdraw_form = page.get_by_test_id("form-withdraw")
    expect(submit_form.locator("textarea")).to_have_count(1)
    expect(withdraw_form.locator("textarea")).to_have_count(1)
    expect(
        submit_form.get_by_label("Comment on “Submit for certification” (optional)")
    ).to_be_visible()
    expect(page.get_by_test_id("step-draft")).to_have_attribute("aria-current", "step")
    assert_fits(portal, viewport["width"])

    portal.act("submit", then=Status.SUBMITTED, comment="Second plant line included.")
    event = ApplicationEvent.objects.get(application=application)
    assert (event.action, event.comment) == ("submit", "Second plant line included.")
    expect(page.get_by_test_id("timeline")).to_contain_text("Second plant line included.")

    # After submission: who acts next, the due date, and withdrawal apart with its consequence.
    next_step = page.get_by_test_id("next-step")
    expect(next_step).to_contain_text("What happens next")
    expect(page.get_by_test_id("next-who")).to_have_text("The certification body's administrator")
    expect(page.get_by_test_id("next-due")).to_contain_text("This step is due by")
    expect(page.get_by_test_id("your-part")).to_have_count(0)
    expect(page.locator("#actions-title")).to_have_text("Withdrawing the application")
    expect(page.get_by_test_id("step-submitted")).to_have_attribute("aria-current", "step")
    expect(page.get_by_test_id("step-submitted")).to_contain_text(timezone.localdate().isoformat())
    expect(page.get_by_test_id("step-draft")).to_have_class(re.compile(r"\bstep-done\b"))
    assert_fits(portal, viewport["width"])
    page.screenshot(path=f"/tmp/journey-submitted-{viewport['width']}.png", full_page=True)


def test_withdrawal_needs_the_confirmation_in_the_browser_and_on_the_server(
    page: Page, live_server, server_errors, demo
) -> None:
    page.set_viewport_size(PHONE)
    portal = Portal(page, live_server.url, server_errors)
    application = drafts()[1]
    portal.login("ent-admin")
    open_application(portal, application)
    confirm = page.get_by_test_id("confirm-withdraw")
    expect(confirm).to_be_visible()
    expect(page.get_by_test_id("form-withdraw")).to_contain_text(
        "I understand that withdrawing ends this application for good"
    )

    # The browser does not send the form without the box ticked...
    page.get_by_test_id("action-withdraw").click()
    assert page.evaluate(
        "document.querySelector('[data-testid=confirm-withdraw]').validity.valueMissing"
    )
    portal.expect_status(Status.DRAFT)

    # ...and the server refuses it too, should an old page or a script send it.
    page.evaluate("document.querySelector('[data-testid=confirm-withdraw]').required = false")
    with page.expect_navigation():
        page.get_by_test_id("action-withdraw").click()
    expect(page.locator(".message.error")).to_contain_text(
        "Nothing was done: this step cannot be undone."
    )
    portal.expect_status(Status.DRAFT)
    assert Application.objects.get(pk=application.pk).status == Status.DRAFT

    page.get_by_test_id("confirm-withdraw").check()
    portal.act("withdraw", then=Status.WITHDRAWN)
    expect(page.get_by_test_id("step-outcome")).to_contain_text("Withdrawn")
    expect(page.get_by_test_id("step-submitted")).to_have_class(re.compile(r"\bstep-skipped\b"))
    assert_fits(portal, PHONE["width"])


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_submit_on_an_empty_dossier_is_disabled_with_what_is_missing(
    page: Page, live_server, server_errors, demo, viewport
) -> None:
    page.set_viewport_size(viewport)
    draft = drafts()[0]
    empty = application_create(
        actor=demo["ent-admin"],
        product=draft.product,
        certification_body=draft.certification_body,
        scheme=draft.scheme,
        product_rule_name=draft.product_rule_name,
        product_rule_version=draft.product_rule_version,
    )
    portal = Portal(page, live_server.url, server_errors)
    portal.login("ent-admin")
    open_application(portal, empty)

    button = page.get_by_test_id("action-submit")
    expect(button).to_be_disabled()
    expect(button).to_have_attribute("aria-describedby", "why-submit")
    why = page.get_by_test_id("why-submit")
    expect(why).to_contain_text("The dossier is incomplete:")
    expect(why.get_by_role("link", name="go to the section")).to_have_attribute("href", "#dossier")
    # Withdrawing stays possible, apart from the forward step.
    expect(page.get_by_test_id("action-withdraw")).to_be_enabled()
    assert_fits(portal, viewport["width"])


def test_the_body_and_the_team_see_why_a_step_waits_and_the_forms_come_first(
    page: Page, live_server, server_errors, demo
) -> None:
    page.set_viewport_size(DESKTOP)
    application = drafts()[0]
    portal = Portal(page, live_server.url, server_errors)
    portal.login("ent-admin")
    open_application(portal, application)
    portal.act("submit", then=Status.SUBMITTED)
    portal.logout()

    people = {username: str(user) for username, user in demo.items()}
    portal.login("body-admin")
    open_application(portal, application)
    portal.act("accept", then=Status.ACCEPTED, comment="Within our scope.")
    plan = page.get_by_test_id("action-plan")
    expect(plan).to_be_disabled()
    expect(page.get_by_test_id("why-plan")).to_contain_text("Assign an evaluation team first.")
    # The team form comes before the button that needs it.
    assign = page.get_by_test_id("assign-team")
    assert box(assign)["y"] < box(plan)["y"]
    team_form = page.locator("form", has=assign)
    team_form.get_by_label(people["reviewer"], exact=True).check()
    team_form.get_by_label("Team lead").select_option(label=people["reviewer"])
    portal.submit(assign)
    expect(page.get_by_test_id("action-plan")).to_be_enabled()
    portal.act("plan", then=Status.PLANNED)
    portal.logout()

    portal.login("reviewer")
    open_application(portal, application)
    start = page.get_by_test_id("action-start_evaluation")
    expect(start).to_be_disabled()
    expect(page.get_by_test_id("why-start_evaluation")).to_contain_text(
        "has not declared freedom from conflicts of interest"
    )
    declaration = page.get_by_test_id("declare-team")
    assert box(declaration)["y"] < box(start)["y"]
    portal.declare_no_conflict("declare-team")
    expect(page.get_by_test_id("action-start_evaluation")).to_be_enabled()
    portal.act("start_evaluation", then=Status.IN_EVALUATION)

    # An unanswered finding: "Close" is shown disabled with the reason.
    finding_form = page.get_by_test_id("finding-form")
    finding_form.get_by_label("Severity").select_option("major")
    finding_form.get_by_label("Description").fill("The grid factor is from 2021.")
    portal.submit(page.get_by_test_id("raise-finding"))
    close = page.get_by_test_id("close-1")
    expect(close).to_be_disabled()
    described_by = close.get_attribute("aria-describedby")
    assert described_by is not None
    expect(page.locator("#" + described_by)).to_contain_text(
        "Only an answered finding can be closed"
    )
    expect(page.get_by_test_id("why-complete_evaluation")).to_contain_text(
        "Close every finding first."
    )


def test_an_overdue_step_is_marked(page: Page, live_server, server_errors, demo, settings) -> None:
    settings.DUE_DAYS_ACCEPTANCE = 10
    application = drafts()[0]
    portal = Portal(page, live_server.url, server_errors)
    portal.login("ent-admin")
    open_application(portal, application)
    portal.act("submit", then=Status.SUBMITTED)
    submitted = timezone.now() - timedelta(days=12)
    ApplicationEvent.objects.filter(application=application).update(created_at=submitted)

    for viewport in (DESKTOP, PHONE):
        page.set_viewport_size(viewport)
        page.reload()
        due = page.get_by_test_id("step-submitted").get_by_test_id("step-due")
        expect(due).to_have_class(re.compile(r"\boverdue\b"))
        overdue_on = (timezone.localdate(submitted) + timedelta(days=10)).isoformat()
        expect(due).to_have_text(f"overdue since {overdue_on}")
        expect(page.get_by_test_id("next-due")).to_contain_text("is overdue")
        assert_fits(portal, viewport["width"])


# --- labels and keys ------------------------------------------------------------------------


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_holder_finds_the_certificate_pdf_on_the_label_page(
    page: Page, live_server, server_errors, demo, viewport
) -> None:
    page.set_viewport_size(viewport)
    label = Label.objects.get()
    portal = Portal(page, live_server.url, server_errors)
    portal.login("ent-admin")
    page.goto(f"{live_server.url}/portal/labels/{label.serial}/")
    link = page.get_by_test_id("certificate-pdf")
    expect(link).to_have_text("Certificate (PDF)")
    response = page.request.get(live_server.url + link.get_attribute("href"))
    assert response.ok
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")
    assert_fits(portal, viewport["width"])


def test_revoking_a_label_or_a_key_asks_to_confirm_the_consequence(
    page: Page, live_server, server_errors, demo
) -> None:
    page.set_viewport_size(DESKTOP)
    label = Label.objects.get()
    portal = Portal(page, live_server.url, server_errors)
    portal.login("body-admin")
    page.goto(f"{live_server.url}/portal/labels/{label.serial}/")
    form = page.get_by_test_id("form-revoke")
    expect(form).to_contain_text("I understand that revoking is final")
    page.get_by_test_id("reason-revoke").fill("Certificate obtained by fraud.")
    page.get_by_test_id("label-revoke").click()
    assert page.evaluate(
        "document.querySelector('[data-testid=confirm-revoke]').validity.valueMissing"
    )
    expect(page.get_by_test_id("label-status")).to_have_text("Valid")
    page.get_by_test_id("confirm-revoke").check()
    portal.submit(page.get_by_test_id("label-revoke"))
    expect(page.locator(".message.success")).to_have_text("The label is now: Revoked.")
    assert Label.objects.get(pk=label.pk).status == LabelStatus.REVOKED

    page.goto(f"{live_server.url}/portal/labels/keys/")
    key = SigningKey.objects.get(pk=label.signing_key_id)
    revoke = page.get_by_test_id(f"revoke-key-{key.pk}")
    expect(revoke).to_contain_text("I understand that revoking this key cannot be undone")
    revoke.get_by_label("Reason for revoking the key").fill("Laptop stolen.")
    revoke.get_by_role("button", name="Revoke as compromised").click()
    assert SigningKey.objects.get(pk=key.pk).revoked_at is None
    revoke.get_by_role("checkbox").check()
    portal.submit(revoke.get_by_role("button", name="Revoke as compromised"))
    expect(page.locator(".message.success")).to_contain_text("The key is revoked")
    assert SigningKey.objects.get(pk=key.pk).revoked_at is not None
    assert_fits(portal, DESKTOP["width"])


# --- smaller things -------------------------------------------------------------------------


@pytest.fixture
def demo_with_inventory(transactional_db) -> dict[str, User]:
    """The demo with the factor library loaded first, so that its dossiers carry inventories."""
    call_command("load_reference", stdout=StringIO())
    call_command("load_factors", stdout=StringIO())
    return seed_demo()


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_inventory_table_stays_inside_its_card(
    page: Page, live_server, server_errors, demo_with_inventory, viewport
) -> None:
    page.set_viewport_size(viewport)
    application = drafts()[0]
    lines = application.dossier_versions.get().inventory_lines
    assert lines.exists()
    # Flow names as spreadsheets export them: long, without a place to break.
    lines.update(name="CathodeActiveMaterial_NCM811_SupplierBatch_2025Q3_" + "0" * 80)
    portal = Portal(page, live_server.url, server_errors)
    portal.login("ent-admin")
    page.goto(f"{live_server.url}/portal/footprint/applications/{application.pk}/inventory/")
    table = page.get_by_test_id("inventory-lines")
    expect(table).to_be_visible()
    card = page.locator("section.card", has=table)
    overflow = card.evaluate("card => card.scrollWidth - card.clientWidth")
    assert overflow <= OVERFLOW_TOLERANCE_PX, f"the table sticks out of its card by {overflow}px"
    card_box, scroller_box = (
        box(card),
        box(page.get_by_test_id("inventory-scroll")),
    )
    assert scroller_box["x"] + scroller_box["width"] <= card_box["x"] + card_box["width"] + 1
    assert_fits(portal, viewport["width"])


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_registration_keeps_the_password_after_another_error_and_names_a_too_long_field(
    page: Page, live_server, server_errors, viewport
) -> None:
    page.set_viewport_size(viewport)
    page.goto(f"{live_server.url}/accounts/register/")
    form = page.locator("main form")
    form.get_by_label("Enterprise name").fill("Suzhou Solar")
    form.get_by_label("Legal name").fill("Suzhou Solar Co., Ltd.")
    form.get_by_label("Unified Social Credit Code").fill("not a code")
    form.get_by_label("Address").fill("1 Solar Road, Suzhou")
    form.get_by_label("Your name").fill("Li Na")
    form.get_by_label("User name").fill("lina")
    form.get_by_label("E-mail").fill("lina@example.cn")
    form.get_by_label("Password").fill("Carbon-label-2026!")
    # An old page, or a paste the browser did not cut: a name longer than the limit.
    page.evaluate("document.querySelector('[name=name]').removeAttribute('maxlength')")
    form.get_by_label("Enterprise name").fill("S" * 230)
    with page.expect_navigation():
        form.get_by_role("button", name="Register").click()

    expect(page.locator(".field-error").first).to_be_visible()
    expect(page.locator(".has-error", has=page.locator("[name=name]"))).to_contain_text(
        "“Enterprise name” is too long: at most 200 characters (it has 230)."
    )
    expect(page.locator("[name=password]")).to_have_value("Carbon-label-2026!")
    assert_fits(Portal(page, live_server.url, server_errors), viewport["width"])


def test_the_lockout_page_says_when_to_try_again(
    page: Page, live_server, server_errors, demo, settings
) -> None:
    settings.AXES_FAILURE_LIMIT = 2
    page.set_viewport_size(PHONE)
    for _ in range(2):
        page.goto(f"{live_server.url}/accounts/login/")
        form = page.locator("main form")
        form.get_by_label("Username").fill("ent-admin")
        form.get_by_label("Password").fill("not the password")
        with page.expect_navigation():
            form.get_by_role("button", name="Log in").click()
    expect(page.get_by_test_id("lockout-wait")).to_have_text("Try again in 15 minutes.")
    assert_fits(Portal(page, live_server.url, server_errors), PHONE["width"])


def test_the_favicon(page: Page, live_server, server_errors) -> None:
    page.goto(f"{live_server.url}/")
    href = page.locator("link[rel=icon]").get_attribute("href")
    icon = page.request.get(live_server.url + href)
    assert icon.ok
    assert icon.headers["content-type"].startswith("image/svg+xml")
    legacy = page.request.get(f"{live_server.url}/favicon.ico")
    assert legacy.ok
    assert legacy.url.endswith("/static/favicon.svg")


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_enterprise_opens_and_corrects_a_product(
    page: Page, live_server, server_errors, demo, viewport
) -> None:
    page.set_viewport_size(viewport)
    draft = drafts()[0]
    certified = Application.objects.get(status=Status.APPROVED).product
    portal = Portal(page, live_server.url, server_errors)
    portal.login("ent-admin")
    portal.submit(page.locator("nav.mainnav").get_by_role("link", name="Products", exact=True))
    portal.submit(
        page.locator("tr", has_text=draft.product.model).get_by_role(
            "link", name=draft.product.name
        )
    )
    expect(page.get_by_test_id("product-title")).to_contain_text(draft.product.model)
    expect(page.get_by_test_id("application-table")).to_contain_text(draft.reference)
    assert_fits(portal, viewport["width"])

    portal.submit(page.get_by_test_id("edit-product"))
    page.get_by_label("Trademark").fill("GreenCell Pro")
    portal.submit(page.get_by_role("button", name="Save the product"))
    expect(page.locator(".message.success")).to_have_text("Product saved.")
    expect(page.locator("main dl")).to_contain_text("GreenCell Pro")
    assert_fits(portal, viewport["width"])

    page.goto(f"{live_server.url}/portal/products/{certified.pk}/")
    expect(page.get_by_test_id("edit-product")).to_have_count(0)
    expect(page.get_by_test_id("product-locked")).to_be_visible()
