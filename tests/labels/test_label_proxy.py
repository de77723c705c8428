"""The HTTP cache in front (labels/proxy.py, config/http_cache.py): which label reads it may
keep, for whom, for how long, and the bans sent to it once a label change or a key's
revocation commits. The proxy here is a plain HTTP server that
records what it is sent; tests/integration/test_varnish.py runs Varnish itself."""

import http.server
import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.apikeys import api_key_create, api_key_revoke
from accounts.roles import ApiScope, Role
from config import http_cache
from labels import answers, proxy, services
from labels.models import LabelAnswer, SigningKey
from tests.factories import MarketplaceFactory, member_of
from tests.fixtures.processes import free_port

pytestmark = pytest.mark.django_db


class Receiver(http.server.ThreadingHTTPServer):
    """Records the method and the ban header of every request; answers 200."""

    def __init__(self) -> None:
        self.received: list[tuple[str, str]] = []
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_BAN(self) -> None:
                receiver.received.append(
                    (self.command, self.headers.get(http_cache.BAN_HEADER, ""))
                )
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        super().__init__(("127.0.0.1", free_port()), Handler)


@pytest.fixture
def receiver(settings) -> Iterator[Receiver]:
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.LABEL_PROXY_URL = f"http://127.0.0.1:{server.server_address[1]}/"
    settings.LABEL_PROXY_SECONDS = 30
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def reads(label) -> dict[str, str]:
    return {
        "page": reverse("labels:public_page", args=[label.serial]),
        "lookup": reverse("api-label", args=[label.serial]),
        "badge": reverse("api-label-badge", args=[label.serial, "svg"]),
        "gtin": reverse("api-gtin-labels", args=[label.gtin]),
        "certificate": reverse("api-certificate-label", args=[label.certificate.number]),
    }


def tags_of(label, name: str) -> str:
    own = {
        "gtin": f"gtin:{label.gtin}",
        "certificate": f"cert:{label.certificate.number}",
    }.get(name, f"label:{label.serial}")
    return f"all,{own}"


def test_without_a_proxy_nothing_is_tagged(client, label, settings):
    settings.LABEL_PROXY_URL = ""
    answers.answers_render([label.pk])
    for url in reads(label).values():
        response = client.get(url)
        assert response.status_code == 200
        assert http_cache.TAGS_HEADER not in response and "Surrogate-Control" not in response


def test_stored_label_reads_are_tagged_for_the_proxy(client, label, receiver):
    answers.answers_render([label.pk])
    for name, url in reads(label).items():
        response = client.get(url)
        assert response.status_code == 200, name
        assert response[http_cache.TAGS_HEADER] == tags_of(label, name), name
        assert response["Surrogate-Control"] == "max-age=30", name
    # What browsers and other caches are told is unchanged.
    assert client.get(reads(label)["page"])["Cache-Control"] == "no-cache, max-age=0"


def test_live_answers_and_other_answers_are_not_tagged(client, label, receiver):
    """Right after a change (before the render) an answer is live, and stays out of the proxy;
    so do a 304, a 404 and the log's own pages."""
    stale = [client.get(url) for url in reads(label).values()]  # not rendered yet
    answers.answers_render([label.pk])
    lookup = reads(label)["lookup"]
    etag = client.get(lookup)["ETag"]
    others = [
        client.get(lookup, HTTP_IF_NONE_MATCH=etag),
        client.get(reverse("api-label", args=["NOSUCHLABEL1"])),
        client.get(f"/labels/{label.serial}/log.json"),
    ]

    assert [response.status_code for response in others] == [304, 404, 200]
    for response in [*stale, *others]:
        assert http_cache.TAGS_HEADER not in response


def test_the_proxy_keeps_an_answer_no_longer_than_the_label_is_valid(client, label, receiver):
    answers.answers_render([label.pk])
    soon = timezone.now() + timedelta(seconds=12)
    LabelAnswer.objects.filter(label=label).update(fresh_until=soon)

    response = client.get(reads(label)["page"])

    assert response["Surrogate-Control"] in ("max-age=11", "max-age=12")


def test_a_status_change_bans_the_label_its_gtin_and_its_certificate_once_committed(
    label, world, receiver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.label_change_status(
            actor=world.body_admin, label_id=label.pk, action="suspend", reason="Audit."
        )
        assert receiver.received == []  # nothing before the commit

    expected = "|".join(
        sorted([f"cert:{label.certificate.number}", f"gtin:{label.gtin}", f"label:{label.serial}"])
    )
    # The ban and its repeat (for a read under way at the commit; run at once here, as tasks
    # are eager), for the status change and again for the PDF rendered after it.
    assert len(receiver.received) >= 2 and set(receiver.received) == {("BAN", expected)}


def test_a_signing_key_change_bans_every_label_read(
    label, world, receiver, django_capture_on_commit_callbacks
):
    key = SigningKey.objects.get(body=label.certificate.certification_body, revoked_at=None)
    with django_capture_on_commit_callbacks(execute=True):
        services.signing_key_revoke(actor=world.body_admin, key_id=key.pk, reason="Compromised")

    assert ("BAN", "all") in receiver.received


def test_a_rolled_back_change_sends_nothing(
    label, world, receiver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.label_change_status(
            actor=world.body_admin, label_id=label.pk, action="suspend", reason="Audit."
        )
    assert callbacks  # the ban waits for the commit, which never comes here
    assert receiver.received == []


def test_a_proxy_out_of_reach_raises_so_the_task_retries(settings):
    settings.LABEL_PROXY_URL = f"http://127.0.0.1:{free_port()}/"  # nobody listens
    settings.LABEL_PROXY_TIMEOUT = 2.0
    with pytest.raises(OSError):
        http_cache.ban(["label:ABC"])
    assert OSError in http_cache.ban_task.autoretry_for


@pytest.mark.parametrize("value", ["", "A B", "a|b", "x\ny", "签"])
def test_a_value_no_tag_can_hold_is_not_shared(value):
    assert proxy.tag("serial", value) is None


@pytest.fixture
def shop_key(db):
    """A marketplace's key with the label scope: (its row, its text, its admin)."""
    marketplace = MarketplaceFactory(name="GreenMall")
    admin = member_of(marketplace, Role.MARKETPLACE_ADMIN, username="mall_admin")
    api_key, text = api_key_create(
        actor=admin, organisation=marketplace, name="shop", scopes=[ApiScope.LABELS_READ]
    )
    return api_key, text, admin


def test_a_lookup_with_a_key_is_kept_for_that_key(client, label, receiver, shop_key):
    api_key, text, _admin = shop_key
    answers.answers_render([label.pk])
    for name in ("lookup", "gtin", "certificate"):
        response = client.get(reads(label)[name], HTTP_X_API_KEY=text)
        assert response.status_code == 200, name
        assert response[http_cache.TAGS_HEADER] == f"{tags_of(label, name)},key:{api_key.prefix}"
    # The badge is the same for everyone: shared, without the key's tag.
    badge = client.get(reads(label)["badge"], HTTP_X_API_KEY=text)
    assert badge[http_cache.TAGS_HEADER] == tags_of(label, "badge")


def test_a_refused_key_and_a_person_are_not_kept(client, label, receiver, shop_key):
    api_key, _text, admin = shop_key
    _other, without_scope = api_key_create(
        actor=admin, organisation=api_key.organisation, name="hooks", scopes=["api:webhooks:manage"]
    )
    answers.answers_render([label.pk])
    lookup = reads(label)["lookup"]
    unknown = client.get(lookup, HTTP_X_API_KEY="clk_000000000000_nothing")
    refused = client.get(lookup, HTTP_X_API_KEY=without_scope)
    client.force_login(admin)
    person = client.get(lookup)

    assert [unknown.status_code, refused.status_code, person.status_code] == [401, 403, 200]
    for response in (unknown, refused, person):
        assert http_cache.TAGS_HEADER not in response


def test_revoking_a_key_bans_what_was_kept_for_it_once_committed(
    receiver, shop_key, django_capture_on_commit_callbacks
):
    api_key, _text, admin = shop_key
    with django_capture_on_commit_callbacks(execute=True):
        api_key_revoke(actor=admin, api_key=api_key)
        assert receiver.received == []

    assert set(receiver.received) == {("BAN", f"key:{api_key.prefix}")}
