"""The language of a person's notifications, chosen on the account page in a browser at 1280
px and at a 390 px phone width: the inbox then holds the next notice in that language, whatever
language the portal is read in."""

from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from accounts.models import User
from certification import services
from certification.models import Application, Status
from certification.workflow import Action
from oversight.demo import seed_demo, seed_worklist_demo
from tests.e2e.test_portal_journey import VIEWPORTS, assert_fits
from tests.e2e.test_portal_lifecycle import Portal

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(transactional_db) -> dict[str, User]:
    call_command("load_reference", stdout=StringIO())
    return seed_demo()


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_enterprise_chooses_chinese_notifications_while_reading_the_portal_in_english(
    page: Page,
    live_server,
    server_errors,
    demo,
    viewport,
) -> None:
    page.set_viewport_size(viewport)
    portal = Portal(page, live_server.url, server_errors)
    portal.login("ent-admin")

    portal.submit(page.get_by_test_id("who"))
    expect(page.locator("h1")).to_have_text("My account")
    expect(page.get_by_test_id("notification-language")).to_contain_text("written in English")
    page.get_by_label("Language of notifications and e-mails").select_option("zh-hans")
    portal.submit(page.get_by_role("button", name="Save"))
    expect(page.get_by_test_id("notification-language")).to_contain_text("written in 简体中文")
    assert_fits(portal, viewport["width"])

    seed_worklist_demo(demo)  # the demo's applications waiting for the body
    submitted = Application.objects.get(status=Status.SUBMITTED, product__model="GC-ESS-70K")
    services.application_transition(
        actor=demo["body-admin"], application_id=submitted.pk, action=Action.ACCEPT
    )

    page.goto(f"{live_server.url}/portal/inbox/")
    expect(page.locator("main")).to_contain_text(f"{submitted.reference} 当前状态：已受理")
    expect(page.locator("nav.mainnav")).to_contain_text("Applications")  # still English
    assert_fits(portal, viewport["width"])
