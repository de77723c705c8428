"""The whole certification procedure through the portal, as people do it in a browser.

Each demo person logs in through the login form, finds the application in "Waiting for me",
presses the buttons the page offers and logs out. One application goes from draft to approved
with one round of findings and one send-back from peer review.
"""

import re
from decimal import Decimal
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone, translation
from django.utils.translation import gettext
from playwright.sync_api import Locator, Page, ViewportSize, expect

from accounts.models import User
from certification.models import Application, Certificate, Status
from oversight.demo import seed_demo
from tests.e2e.sign_in import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE: ViewportSize = {"width": 390, "height": 844}
OVERFLOW_TOLERANCE_PX = 2


def status_label(status: str) -> str:
    with translation.override("en"):
        return str(Status(status).label)


class Portal:
    """One browser tab and the person currently logged in to it."""

    def __init__(self, page: Page, base_url: str, server_errors: list[str]) -> None:
        self.page = page
        self.base_url = base_url
        self.server_errors = server_errors
        self.user: User | None = None

    # --- session --------------------------------------------------------------------------

    def login(self, username: str) -> None:
        log_in(self.page, self.base_url, username)
        assert self.server_errors == [], f"the server answered with errors: {self.server_errors}"
        self.user = User.objects.get(username=username)
        expect(self.page.get_by_test_id("who")).to_have_text(str(self.user))

    def logout(self) -> None:
        self.submit(self.page.locator("header").get_by_role("button", name="Log out"))
        expect(self.page.get_by_test_id("who")).to_have_count(0)
        self.user = None

    # --- finding the application ----------------------------------------------------------

    def open_from_queue(self, reference: str) -> None:
        """The application is in this person's "Waiting for me" list; open it from there."""
        page = self.page
        self.submit(page.locator("nav.mainnav").get_by_role("link", name="Waiting for me"))
        table = page.get_by_test_id("application-table")
        self.submit(table.get_by_role("link", name=reference, exact=True))
        expect(page.locator("h1")).to_contain_text(reference)

    def open_from_list(self, reference: str) -> None:
        page = self.page
        nav = page.locator("nav.mainnav")
        self.submit(nav.get_by_role("link", name="Applications", exact=True))
        table = page.get_by_test_id("application-table")
        self.submit(table.get_by_role("link", name=reference, exact=True))
        expect(page.locator("h1")).to_contain_text(reference)

    # --- pressing buttons -----------------------------------------------------------------

    def submit(self, control: Locator) -> None:
        """Click something that loads a page (a link, or a form's button) and wait for it."""
        with self.page.expect_navigation(wait_until="load"):
            control.click()
        assert self.server_errors == [], f"the server answered with errors: {self.server_errors}"
        errors = self.page.locator(".message.error, .errors, .field-error")
        if errors.count():
            pytest.fail(
                f"{self.user} at {self.page.url}: the page reports {errors.all_inner_texts()}"
            )

    def act(self, action: str, then: str, comment: str = "") -> None:
        """Take a workflow step with the button the page offers, and check the new status."""
        if comment:
            self.page.get_by_test_id(f"comment-{action}").fill(comment)
        self.submit(self.page.get_by_test_id(f"action-{action}"))
        expect(self.page.locator(".message.success")).to_contain_text("Done:")
        self.expect_status(then)

    def expect_status(self, status: str) -> None:
        badge = self.page.get_by_test_id("status")
        expect(badge).to_have_text(status_label(status))
        expect(badge).to_have_class(re.compile(rf"\bstatus-{status}\b"))

    def declare_no_conflict(self, testid: str) -> None:
        form = self.page.get_by_test_id(testid)
        form.get_by_label("I have no conflict of interest with this enterprise").check()
        self.submit(form.get_by_role("button", name="Record my declaration"))
        expect(self.page.locator(".message.success")).to_have_text("Declaration recorded.")
        expect(self.page.get_by_test_id(testid)).to_have_count(0)

    def page_width(self) -> int:
        return self.page.evaluate("document.documentElement.scrollWidth")


@pytest.fixture
def demo(transactional_db) -> dict[str, User]:
    call_command("load_reference", stdout=StringIO())
    return seed_demo()


def test_certification_lifecycle_through_the_portal(
    page: Page,
    live_server,
    server_errors,
    demo,
    tmp_path,
) -> None:
    application = Application.objects.order_by("pk").first()
    assert application is not None
    assert application.status == Status.DRAFT
    reference = application.reference
    portal = Portal(page, live_server.url, server_errors)
    people = {username: str(user) for username, user in demo.items()}

    # 1. The enterprise submits its complete draft.
    portal.login("ent-admin")
    portal.open_from_queue(reference)
    portal.expect_status(Status.DRAFT)
    expect(page.get_by_test_id("timeline")).to_contain_text("Created; not yet submitted.")
    portal.act("submit", then=Status.SUBMITTED)
    expect(page.get_by_test_id("edit-dossier")).to_have_count(0)
    portal.logout()

    # 2. The body accepts, names the team and the peer reviewer, and confirms the plan.
    portal.login("body-admin")
    portal.open_from_queue(reference)
    portal.act("accept", then=Status.ACCEPTED, comment="Scope within our accreditation.")
    team_form = page.locator("form", has=page.get_by_test_id("assign-team"))
    team_form.get_by_label(people["reviewer"], exact=True).check()
    team_form.get_by_label(people["reviewer2"], exact=True).check()
    team_form.get_by_label("Team lead").select_option(label=people["reviewer"])
    portal.submit(page.get_by_test_id("assign-team"))
    expect(page.locator(".message.success")).to_have_text("Team assigned.")
    peer_form = page.locator("form", has=page.get_by_test_id("assign-peer"))
    peer_form.get_by_label("Peer reviewer").select_option(label=people["peer-reviewer"])
    portal.submit(page.get_by_test_id("assign-peer"))
    expect(page.locator(".message.success")).to_have_text("Peer reviewer assigned.")
    portal.act("plan", then=Status.PLANNED)
    portal.logout()

    # 3. The team declares on conflicts of interest; the lead evaluates and raises a finding.
    portal.login("reviewer2")
    portal.open_from_queue(reference)
    portal.declare_no_conflict("declare-team")
    portal.logout()

    portal.login("reviewer")
    portal.open_from_queue(reference)
    portal.declare_no_conflict("declare-team")
    portal.act("start_evaluation", then=Status.IN_EVALUATION)
    finding_form = page.get_by_test_id("finding-form")
    finding_form.get_by_label("Severity").select_option("major")
    finding_form.get_by_label("Clause").fill("GB/T 24067-2024 6.3.5")
    finding_form.get_by_label("Description").fill(
        "The electricity emission factor is from 2021; the reference period is 2025."
    )
    portal.submit(page.get_by_test_id("raise-finding"))
    expect(page.locator(".message.success")).to_have_text("Finding raised.")
    expect(page.get_by_test_id("finding-1")).to_contain_text("Open")
    portal.act("request_changes", then=Status.AWAITING_ENTERPRISE)
    portal.logout()

    # 4. The enterprise answers, corrects the dossier (a new version) and resubmits.
    portal.login("ent-admin")
    portal.open_from_queue(reference)
    page.get_by_test_id("answer-1").fill("We replaced the factor with the 2025 grid factor.")
    page.locator("form", has=page.get_by_test_id("submit-answer-1")).get_by_label(
        "Corrective action"
    ).fill("Factor table updated; total recomputed.")
    portal.submit(page.get_by_test_id("submit-answer-1"))
    expect(page.locator(".message.success")).to_have_text("Answer saved.")
    expect(page.get_by_test_id("finding-1")).to_contain_text("Answered")
    portal.submit(page.get_by_test_id("edit-dossier"))
    expect(page.locator("h1")).to_contain_text("version 2")
    page.locator("[name=declared_total]").fill("75.5")
    page.locator("[name=limitations]").fill("Electricity factor updated to the 2025 grid.")
    portal.submit(page.get_by_role("button", name="Save the dossier"))
    expect(page.locator(".message.success")).to_have_text("Dossier saved.")
    expect(page.get_by_test_id("declared-total")).to_contain_text("75.5")
    portal.act("resubmit", then=Status.IN_EVALUATION)
    portal.submit(page.get_by_test_id("diff-2"))
    diff = page.get_by_test_id("diff")
    total_row = diff.locator("tr", has_text="declared footprint")
    expect(total_row.locator("td.before")).to_contain_text("75.4")
    expect(total_row.locator("td.after")).to_contain_text("75.5")
    expect(diff.locator("tr", has_text="limitations").locator("td.after")).to_have_text(
        "Electricity factor updated to the 2025 grid."
    )
    portal.submit(page.get_by_role("link", name=f"‹ {reference}"))
    portal.logout()

    # 5. The lead closes the finding, completes the evaluation record and the evaluation.
    portal.login("reviewer")
    portal.open_from_queue(reference)
    portal.submit(page.get_by_test_id("close-1"))
    expect(page.get_by_test_id("finding-1")).to_contain_text("Closed")
    portal.submit(page.get_by_test_id("edit-evaluation"))
    for box in page.locator("input[name=checklist_items]").all():
        box.check()
    page.locator("[name=onsite_date]").fill(timezone.localdate().isoformat())
    page.locator("[name=onsite_people]").fill("Plant manager, energy manager")
    page.locator("[name=onsite_observations]").fill("Metering matches the inventory.")
    page.locator("[name=verification_notes]").fill("Recomputed within 0.4% of the declared figure.")
    page.locator("[name=assurance_level]").select_option("reasonable")
    page.locator("[name=materiality_threshold]").fill("0.05")
    page.locator("[name=opinion]").select_option("unmodified")
    portal.submit(page.get_by_role("button", name="Save the evaluation record"))
    expect(page.locator(".message.success")).to_have_text("Evaluation record saved.")
    portal.act("complete_evaluation", then=Status.TECHNICAL_REVIEW)
    portal.logout()

    # 6. Technical review passes.
    portal.login("tech-reviewer")
    portal.open_from_queue(reference)
    portal.act("pass_technical_review", then=Status.PEER_REVIEW)
    portal.logout()

    # 7. The peer reviewer declares and sends the file back once.
    send_back = "Explain the cut-off for the electrolyte additives."
    portal.login("peer-reviewer")
    portal.open_from_queue(reference)
    portal.declare_no_conflict("declare-peer")
    portal.act("peer_send_back", then=Status.IN_EVALUATION, comment=send_back)
    portal.logout()

    # 8. Evaluation completed again, technical review passed again, the peer endorses.
    portal.login("reviewer")
    portal.open_from_queue(reference)
    portal.act("complete_evaluation", then=Status.TECHNICAL_REVIEW)
    portal.logout()
    portal.login("tech-reviewer")
    portal.open_from_queue(reference)
    portal.act("pass_technical_review", then=Status.PEER_REVIEW)
    portal.logout()
    portal.login("peer-reviewer")
    portal.open_from_queue(reference)
    portal.act("peer_endorse", then=Status.DECISION, comment="Cut-off explained; endorsed.")
    portal.logout()

    # 9. The decision: approved, with the certificate number on the page.
    portal.login("decision-maker")
    portal.open_from_queue(reference)
    portal.act("approve", then=Status.APPROVED, comment="All requirements met.")
    certificate = Certificate.objects.get(application=application)
    assert certificate.declared_total == Decimal("75.5")
    assert certificate.dossier_version.number == 2
    expect(page.get_by_test_id("certificate")).to_contain_text(certificate.number)
    expect(page.locator("section.actions")).to_have_count(0)

    events = list(application.events.order_by("created_at", "pk"))
    steps = [
        (event.actor.username if event.actor else None, event.action, event.to_status)
        for event in events
    ]
    assert steps == [
        ("ent-admin", "submit", Status.SUBMITTED),
        ("body-admin", "accept", Status.ACCEPTED),
        ("body-admin", "plan", Status.PLANNED),
        ("reviewer", "start_evaluation", Status.IN_EVALUATION),
        ("reviewer", "request_changes", Status.AWAITING_ENTERPRISE),
        ("ent-admin", "resubmit", Status.IN_EVALUATION),
        ("reviewer", "complete_evaluation", Status.TECHNICAL_REVIEW),
        ("tech-reviewer", "pass_technical_review", Status.PEER_REVIEW),
        ("peer-reviewer", "peer_send_back", Status.IN_EVALUATION),
        ("reviewer", "complete_evaluation", Status.TECHNICAL_REVIEW),
        ("tech-reviewer", "pass_technical_review", Status.PEER_REVIEW),
        ("peer-reviewer", "peer_endorse", Status.DECISION),
        ("decision-maker", "approve", Status.APPROVED),
    ]
    timeline = page.get_by_test_id("timeline").locator("li")
    expect(timeline).to_have_count(len(events))
    for item, event in zip(timeline.all(), events, strict=True):
        expect(item).to_contain_text(str(event.actor))
        expect(item).to_contain_text(
            f"{status_label(event.from_status)} → {status_label(event.to_status)}"
        )
    expect(timeline.nth(8)).to_contain_text(send_back)

    # On a phone the approved page fits the screen.
    page.set_viewport_size(PHONE)
    page.reload()
    expect(page.get_by_test_id("certificate")).to_be_visible()
    page.screenshot(path=tmp_path / "approved-390x844.png", full_page=True)
    assert (tmp_path / "approved-390x844.png").stat().st_size > 0
    width = portal.page_width()
    assert width <= PHONE["width"] + OVERFLOW_TOLERANCE_PX, (
        f"the approved page is {width}px wide at a {PHONE['width']}px viewport"
    )
    page.set_viewport_size({"width": 1280, "height": 720})
    portal.logout()

    # 10. The regulator reads the file but has no step to take.
    portal.login("regulator")
    portal.open_from_list(reference)
    portal.expect_status(Status.APPROVED)
    expect(page.get_by_test_id("certificate")).to_contain_text(certificate.number)
    expect(page.get_by_test_id("timeline").locator("li")).to_have_count(len(events))
    expect(page.get_by_test_id("declared-total")).to_contain_text("75.5")
    for testid in (
        "edit-dossier",
        "edit-evaluation",
        "assign-team",
        "assign-peer",
        "declare-team",
        "declare-peer",
        "finding-form",
        "upload",
        "close-1",
        "answer-1",
    ):
        expect(page.get_by_test_id(testid)).to_have_count(0)
    expect(page.locator("[data-testid^='action-']")).to_have_count(0)
    expect(page.locator("section.actions")).to_have_count(0)
    portal.logout()


def _zh_hans_brand() -> str | None:
    """The compiled Chinese brand name, or None while the catalogue is not compiled."""
    compiled = [path / "zh_Hans" / "LC_MESSAGES" / "django.mo" for path in settings.LOCALE_PATHS]
    if not any(path.exists() for path in compiled):
        return None
    with translation.override("zh-hans"):
        brand = gettext("Carbon label platform")
    return None if brand == "Carbon label platform" else brand


@pytest.mark.browser_context_args(locale="zh-CN")
def test_language_switch(page: Page, live_server, server_errors) -> None:
    """A Chinese-speaking browser gets the Chinese portal; the header switches languages."""
    portal = Portal(page, live_server.url, server_errors)
    response = page.goto(f"{live_server.url}/")
    assert response is not None and response.ok, response
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    # The buttons are found by language code: their names are shown in the page's language
    # (the English button reads 英语 on a Chinese page).
    english = page.locator("header form.langswitch button[value='en']")
    chinese = page.locator("header form.langswitch button[value='zh-hans']")

    portal.submit(english)
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("header .brand")).to_have_text("Carbon label platform")
    expect(page.locator("main h1")).to_have_text("Product carbon footprint label certification")
    expect(english).to_have_text("English")
    expect(english).to_have_class(re.compile(r"\bcurrent\b"))

    portal.submit(chinese)
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(chinese).to_have_text("简体中文")
    expect(chinese).to_have_class(re.compile(r"\bcurrent\b"))
    brand = _zh_hans_brand()
    if brand is None:
        pytest.skip(
            "locale/zh_Hans/LC_MESSAGES/django.mo is not compiled (or lacks "
            "'Carbon label platform'): run `make messages`; the Chinese text is unchecked"
        )
    assert brand == "碳标签平台"
    expect(page.locator("header .brand")).to_have_text(brand)
