"""The local demo of docs/pact.md: `manage.py pact_demo_client` registers a client with an
events endpoint, so its asynchronous footprint request is accepted and answered, and
`manage.py pact_demo_receiver` prints the answer."""

import io
import threading
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from pact.events import EVENT_TYPES
from pact.management.commands.pact_demo_client import DEMO_EVENTS_URL, DEMO_RECEIVER_PORT
from pact.management.commands.pact_demo_receiver import receiver_server
from pact.models import EventKind, OutboundEvent, PartnerClient
from tests.pact import openapi
from tests.pact.conftest import Pact, Receiver, basic, cloud_event

DEMO_GTIN = "06901234567816"


def demo_client(*arguments: str) -> dict[str, str]:
    out = StringIO()
    call_command("pact_demo_client", *arguments, stdout=out)
    return dict(line.split(": ", 1) for line in out.getvalue().splitlines() if ": " in line)


def test_the_demo_client_has_the_local_receiver_as_its_events_endpoint(demo) -> None:
    printed = demo_client()

    client = PartnerClient.objects.get(client_id=printed["client_id"])
    assert client.outbound_events_url == DEMO_EVENTS_URL == printed["events_url"]
    assert DEMO_EVENTS_URL.startswith(f"http://127.0.0.1:{DEMO_RECEIVER_PORT}/")
    assert [owner.uscc for owner in client.data_owners.all()] == ["91110000600037341L"]


def test_the_demo_client_needs_the_demo_data(db) -> None:
    with pytest.raises(CommandError, match="seed_demo"):
        call_command("pact_demo_client", stdout=StringIO())


@pytest.mark.parametrize("spec", [2, 3])
def test_a_request_of_the_demo_client_is_accepted_and_answered(
    demo, pact: Pact, receiver: Receiver, spec: int, django_capture_on_commit_callbacks
) -> None:
    printed = demo_client("--events-url", receiver.url)
    token = pact.token(basic(printed["client_id"], printed["client_secret"]))
    pact.access_token = token.json()["access_token"]
    data = (
        {"pf": {"productIds": [f"urn:gtin:{DEMO_GTIN}"]}}
        if spec == 2
        else {"productId": [f"urn:gtin:{DEMO_GTIN}"]}
    )
    request = cloud_event(spec, EventKind.REQUEST_CREATED, data)

    with django_capture_on_commit_callbacks(execute=True):
        response = pact.post_event(spec, request)

    assert response.status_code == 200, response.content
    [received] = receiver.requests
    answer = received.body
    assert answer["type"] == EVENT_TYPES[spec][EventKind.REQUEST_FULFILLED]
    openapi.assert_valid(spec, "RequestFulfilledEvent", answer)
    assert answer["data"]["requestEventId"] == request["id"]
    assert [f"urn:gtin:{DEMO_GTIN}" in pf["productIds"] for pf in answer["data"]["pfs"]] == [True]
    assert OutboundEvent.objects.get().status == "delivered"


def test_the_demo_receiver_prints_each_event_and_answers_200() -> None:
    from pact.delivery import post_event

    out = io.StringIO()
    server = receiver_server("127.0.0.1", 0, out)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/3/events"
        result = post_event(url, {"type": "x", "data": {"name": "绿能"}})
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

    assert result.succeeded
    assert out.getvalue().startswith("POST /3/events\n")
    assert '"name": "绿能"' in out.getvalue()
