"""The public page's in-browser check (CONTRACTS §11): the browser verifies the credential the
page delivered (eddsa-jcs-2022 proof, inclusion in the transparency log, status lists) by itself,
reading nothing but this host, and says so in data-browser-verification / data-browser-checks."""

import json
import re
from io import StringIO
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, Request, Route, expect

from accounts.models import User
from labels import services
from labels.models import Label
from oversight.demo import seed_demo
from tests.e2e.conftest import TIMEOUT_MS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

VERDICT = "[data-browser-verification]"
CREDENTIAL_SCRIPT = re.compile(
    r'(<script id="label-credential" type="application/json">)(.*?)(</script>)', re.S
)


@pytest.fixture
def demo_label(transactional_db, live_server, settings) -> Label:
    """The demo data with the public host set to the live server first, so that the label's
    DID, status list URLs and log origin all point at it."""
    settings.LABEL_PUBLIC_HOST = urlsplit(live_server.url).netloc
    settings.LABEL_PUBLIC_SCHEME = "http"
    call_command("load_reference", stdout=StringIO())
    seed_demo()
    return Label.objects.get()


def hosts_contacted(page: Page) -> set[str]:
    hosts: set[str] = set()

    def record(request: Request) -> None:
        if request.url.startswith("http"):
            hosts.add(urlsplit(request.url).netloc)

    page.on("request", record)
    return hosts


def verdict_of(page: Page) -> dict[str, str]:
    """The one element the script marks, once the script has marked it."""
    expect(page.locator(VERDICT)).to_have_count(1, timeout=TIMEOUT_MS)
    element = page.locator(VERDICT)
    return {
        "verification": element.get_attribute("data-browser-verification") or "",
        "checks": element.get_attribute("data-browser-checks") or "",
        "reason": element.get_attribute("data-browser-reason") or "",
    }


def test_a_valid_label_verifies_in_the_browser(
    page: Page, live_server, server_errors, demo_label
) -> None:
    hosts = hosts_contacted(page)
    page.goto(f"{live_server.url}/labels/{demo_label.serial}/")

    assert verdict_of(page) == {
        "verification": "valid",
        "checks": "proof inclusion status",
        "reason": "VALID",
    }
    # Beside the server's own verdict, and no host but this one was asked for anything.
    expect(page.get_by_test_id("reason")).to_have_text("VALID")
    expect(page.get_by_test_id("browser-reason")).to_have_text("VALID")
    expect(page.get_by_test_id("browser-checks").locator("li.ok")).to_have_count(3)
    assert hosts == {urlsplit(live_server.url).netloc}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_browser_verdict_is_worded_in_the_page_language(
    page: Page, live_server, server_errors, demo_label, language
) -> None:
    """The script writes only texts the server rendered with gettext in the ?lang= language."""
    page.goto(f"{live_server.url}/labels/{demo_label.serial}/?lang={language}")

    assert verdict_of(page)["verification"] == "valid"
    assert page.locator("html").get_attribute("lang") == language
    rendered = page.locator('[data-testid="browser-messages"] [data-key="valid"]').text_content()
    expect(page.get_by_test_id("browser-message")).to_have_text(rendered or "")


def tamper_footprint(html: str) -> str:
    """One character of the footprint value inside the embedded credential, changed."""
    match = CREDENTIAL_SCRIPT.search(html)
    assert match is not None, "the page embeds no credential"
    embedded = match.group(2)
    value = json.loads(embedded)["credentialSubject"]["footprint"]["value"]
    start = embedded.index('"footprint"')
    at = embedded.index(f'"value": "{value}"', start) + len('"value": "')
    digit = embedded[at]
    changed = embedded[:at] + ("1" if digit != "1" else "2") + embedded[at + 1 :]
    assert json.loads(changed)["credentialSubject"]["footprint"]["value"] != value
    return html[: match.start(2)] + changed + html[match.end(2) :]


def test_a_tampered_credential_in_the_page_is_invalid(
    page: Page, live_server, server_errors, demo_label
) -> None:
    url = f"{live_server.url}/labels/{demo_label.serial}/"

    def alter(route: Route) -> None:
        response = route.fetch()
        route.fulfill(response=response, body=tamper_footprint(response.text()))

    page.route(url, alter)
    page.goto(url)

    assert verdict_of(page) == {"verification": "invalid", "checks": "proof", "reason": "TAMPERED"}
    expect(page.get_by_test_id("browser-checks").locator("li.fail")).to_have_count(1)
    # The server checked what it stored, which is untouched: the two verdicts differ visibly.
    expect(page.get_by_test_id("reason")).to_have_text("VALID")


def test_a_suspended_label_has_a_valid_proof_and_fails_its_status(
    page: Page, live_server, server_errors, demo_label
) -> None:
    services.label_change_status(
        actor=User.objects.get(username="body-admin"),
        label_id=demo_label.pk,
        action="suspend",
        reason="Surveillance audit: meter data missing.",
    )

    page.goto(f"{live_server.url}/labels/{demo_label.serial}/")

    assert verdict_of(page) == {
        "verification": "invalid",
        "checks": "proof inclusion status",
        "reason": "SUSPENDED",
    }
    expect(page.get_by_test_id("browser-checks").locator("li.ok")).to_have_count(2)
    expect(page.get_by_test_id("browser-checks").locator("li.fail")).to_contain_text("status")
    expect(page.get_by_test_id("reason")).to_have_text("SUSPENDED")


NO_WEBCRYPTO_ED25519 = """
(() => {
  const importKey = SubtleCrypto.prototype.importKey;
  SubtleCrypto.prototype.importKey = function (format, data, algorithm, ...rest) {
    const name = typeof algorithm === "string" ? algorithm : algorithm && algorithm.name;
    if (String(name).toLowerCase() === "ed25519") {
      return Promise.reject(new DOMException("Algorithm: Unrecognized name", "NotSupportedError"));
    }
    return importKey.call(this, format, data, algorithm, ...rest);
  };
})();
"""


def test_without_webcrypto_ed25519_the_bundled_library_verifies(
    page: Page, live_server, server_errors, demo_label
) -> None:
    page.add_init_script(NO_WEBCRYPTO_ED25519)
    loaded: list[str] = []
    page.on("request", lambda request: loaded.append(request.url))

    page.goto(f"{live_server.url}/labels/{demo_label.serial}/")

    assert verdict_of(page) == {
        "verification": "valid",
        "checks": "proof inclusion status",
        "reason": "VALID",
    }
    assert any("/static/vendor/noble-ed25519-" in url for url in loaded)


def test_the_bundled_library_refuses_a_tampered_credential(
    page: Page, live_server, server_errors, demo_label
) -> None:
    page.add_init_script(NO_WEBCRYPTO_ED25519)
    url = f"{live_server.url}/labels/{demo_label.serial}/"
    page.route(
        url,
        lambda route: route.fulfill(
            response=(response := route.fetch()), body=tamper_footprint(response.text())
        ),
    )

    page.goto(url)

    assert verdict_of(page)["reason"] == "TAMPERED"
