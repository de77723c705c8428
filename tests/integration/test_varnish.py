"""The label reads through Varnish with the platform's configuration (docker/varnish/default.vcl)
in front of gunicorn in production mode, and a Celery worker sending the bans: what may be
shared is kept and served again, what may not passes every time, and a status change is shown
through the cache once the worker has banned the label's answers."""

import pytest

from accounts.apikeys import api_key_create, api_key_revoke
from accounts.roles import ApiScope, Role
from labels import services
from labels.models import LabelAnswer
from tests.factories import MarketplaceFactory, member_of
from tests.fixtures.effects import labels_done
from tests.fixtures.processes import free_port, wait_for
from tests.fixtures.web_client import WebClient

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

# From the service's commit to the ban, by a worker on a busy CI machine.
WORK_SECONDS = 60
PURGE_PORT = free_port()


@pytest.fixture
def process_environment(process_environment, settings):
    """Every process (and this one) sends its bans to the Varnish the test starts, which may
    keep an answer far longer than the test runs: only a ban can show a change."""
    settings.LABEL_PROXY_URL = f"http://127.0.0.1:{PURGE_PORT}/"
    return {
        **process_environment,
        "LABEL_PROXY_URL": settings.LABEL_PROXY_URL,
        "LABEL_PROXY_SECONDS": "3600",
    }


def twice(cache, path: str, **headers: str) -> list[tuple[int, str]]:
    return [
        (answer.status, answer.headers.get("x-cache", ""))
        for answer in (WebClient().get(cache, path, headers=headers) for _ in range(2))
    ]


def test_label_reads_are_kept_passed_and_banned_through_varnish(
    world, process_environment, private_redis, web_processes, celery_processes, varnish, issue_label
):
    web = web_processes(threads=4)
    cache = varnish(web.port, PURGE_PORT)
    worker = celery_processes("worker")
    label = issue_label()  # signed with this test's keys, which the processes share

    def settled() -> bool:
        """The worker has done all the issuance left it (the PDF, whose render changes the
        label, its answers rendered again, the bans) and nothing waits in the queue."""
        log = worker.text()
        return (
            labels_done([label.certificate])
            and not LabelAnswer.objects.filter(label=label, stale=True).exists()
            and private_redis.client().llen("celery") == 0
            and log.count("] received") == log.count("] succeeded")
        )

    wait_for(settled, "the label's PDF and answers rendered", WORK_SECONDS)
    page = f"/labels/{label.serial}/"
    lookup = f"/api/v1/labels/{label.serial}/"
    badge = f"/api/v1/labels/{label.serial}/badge.svg"

    # Shared reads: fetched once, then served from the cache.
    for path in (page, lookup, badge, f"/api/v1/gtins/{label.gtin}/labels/"):
        assert twice(cache, path) == [(200, "miss"), (200, "hit")], path
    assert WebClient().get(cache, page).headers["age"] != ""
    assert "x-label-tags" not in WebClient().get(cache, page).headers
    # The badge is public whoever asks. A lookup with a key is kept for that key alone, once
    # the platform has accepted the key; a refused key is asked about each time.
    assert twice(cache, badge, **{"X-API-Key": "clk_abc_def"})[1] == (200, "hit")
    assert twice(cache, lookup, **{"X-API-Key": "clk_abc_def"}) == [(401, "miss")] * 2
    mall = MarketplaceFactory(name="GreenMall")
    admin = member_of(mall, Role.MARKETPLACE_ADMIN, username="mall_admin")
    keys = [
        api_key_create(actor=admin, organisation=mall, name=name, scopes=[ApiScope.LABELS_READ])
        for name in ("shop", "app")
    ]
    (shop, shop_text), (_app, app_text) = keys
    assert twice(cache, lookup, **{"X-API-Key": shop_text}) == [(200, "miss"), (200, "hit")]
    assert twice(cache, lookup, **{"X-API-Key": app_text}) == [(200, "miss"), (200, "hit")]
    in_authorization = {"Authorization": f"Api-Key {app_text}"}
    assert twice(cache, lookup, **in_authorization) == [(200, "miss"), (200, "hit")]
    assert twice(cache, lookup, Authorization="Bearer abc") == [(200, "miss")] * 2  # passes
    # Revoking a key bans what was kept for it: the platform refuses it again.
    api_key_revoke(actor=admin, api_key=shop)

    def refused_again() -> bool:
        return WebClient().get(cache, lookup, headers={"X-API-Key": shop_text}).status == 401

    wait_for(refused_again, "the revoked key refused through the cache", WORK_SECONDS)
    assert twice(cache, lookup, **{"X-API-Key": app_text})[0] == (200, "hit")
    # A visitor with a session cookie gets the page from the platform; so does any other path.
    assert twice(cache, page, Cookie="sessionid=abc") == [(200, "miss")] * 2
    assert twice(cache, f"/labels/{label.serial}/log.json") == [(200, "miss")] * 2
    assert twice(cache, "/api/v1/labels/NOSUCHLABEL1/") == [(404, "miss")] * 2

    # Bans are taken on the platform's port only.
    refused = WebClient().request(cache, "BAN", "/", headers={"X-Label-Ban": "all"})
    assert refused.status == 405
    assert twice(cache, page)[0] == (200, "hit")

    before = WebClient().get(cache, page).body
    services.label_change_status(
        actor=world.body_admin, label_id=label.pk, action="suspend", reason="Audit."
    )

    def suspended() -> bool:
        return WebClient().get(cache, lookup).json()["status"] == "suspended"

    wait_for(suspended, "the suspension shown through the cache", WORK_SECONDS)
    assert WebClient().get(cache, page).body != before
    assert WebClient().get(cache, badge).body == WebClient().get(web, badge).body
