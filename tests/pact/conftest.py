"""Fixtures of the PACT host tests: labels issued through the real services, a partner client and
its token obtained from the token endpoint, an HTTPS test client on a named host, and a local
HTTP receiver standing in for the partner's events endpoint."""

import base64
import json
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from accounts.models import Organisation, User
from pact import services
from pact.models import PartnerClient
from tests.conftest import World

HOST = "pact.example.cn"
EVENT_TIME = "2026-03-01T09:30:00Z"


@pytest.fixture(autouse=True)
def _pact_settings(settings) -> None:
    """Production-shaped public URLs, HTTPS required, and calendar dates in UTC (the labels
    tests pin TIME_ZONE for the same reason: validFrom is the local midnight of the issue
    date)."""
    settings.LABEL_PUBLIC_HOST = "labels.example.cn"
    settings.LABEL_PUBLIC_SCHEME = "https"
    settings.TIME_ZONE = "UTC"
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, HOST]
    settings.PACT_ALLOW_HTTP = False


# --- labels -------------------------------------------------------------------------------


# --- the partner --------------------------------------------------------------------------


@dataclass
class Partner:
    client: PartnerClient
    secret: str


@pytest.fixture
def partner(world: World) -> Partner:
    """A buyer's system that enterprise A shares its footprints with."""
    client, secret = services.partner_client_create(
        name="Buyer Co. procurement system",
        data_owners=[world.enterprise],
        outbound_bearer_token="token-the-partner-issued-to-us",
    )
    return Partner(client, secret)


def basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


class Pact:
    """The PACT endpoints as a partner calls them: over HTTPS, on HOST."""

    def __init__(self) -> None:
        self.http = Client(HTTP_HOST=HOST)
        self.access_token = ""

    def url(self, name: str, **kwargs: Any) -> str:
        return reverse(f"pact:{name}", kwargs=kwargs or None)

    def token(self, authorization: str | None, data: dict | None = None, *, secure: bool = True):
        headers = {"Authorization": authorization} if authorization else {}
        return self.http.post(
            self.url("token"),
            data=data if data is not None else {"grant_type": "client_credentials"},
            secure=secure,
            headers=headers,
        )

    def _auth(self, token: str | None) -> dict[str, str]:
        token = self.access_token if token is None else token
        return {"Authorization": f"Bearer {token}"} if token else {}

    def get(
        self,
        path: str,
        params: Any = None,
        *,
        token: str | None = None,
        secure: bool = True,
        headers: dict | None = None,
    ):
        return self.http.get(
            path, params, secure=secure, headers={**self._auth(token), **(headers or {})}
        )

    def footprints(self, spec: int, params: Any = None, **options: Any):
        return self.get(self.url(f"footprints-{spec}"), params, **options)

    def footprint(self, spec: int, footprint_id: str, **options: Any):
        return self.get(self.url(f"footprint-{spec}", footprint_id=footprint_id), **options)

    def post_event(self, spec: int, event: Any, *, token: str | None = None, secure: bool = True):
        body = event if isinstance(event, bytes) else json.dumps(event)
        return self.http.post(
            self.url(f"events-{spec}"),
            data=body,
            content_type="application/cloudevents+json; charset=UTF-8",
            secure=secure,
            headers=self._auth(token),
        )


@pytest.fixture
def pact() -> Pact:
    return Pact()


@pytest.fixture
def signed_in(pact: Pact, partner: Partner) -> Pact:
    """The partner holding a token from POST /auth/token."""
    response = pact.token(basic(partner.client.client_id, partner.secret))
    assert response.status_code == 200, response.content
    pact.access_token = response.json()["access_token"]
    return pact


# --- events -------------------------------------------------------------------------------


def cloud_event(spec: int, kind: str, data: dict, **fields: Any) -> dict:
    from pact.events import EVENT_TYPES

    return {
        "type": EVENT_TYPES[spec][kind],
        "specversion": "1.0",
        "id": fields.pop("id", str(uuid.uuid4())),
        "source": fields.pop("source", "https://buyer.example/pact/events"),
        "time": fields.pop("time", EVENT_TIME),
        "data": data,
        **fields,
    }


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class Receiver:
    """The partner's events endpoint on 127.0.0.1. `statuses` are answered in turn, then 200."""

    url: str
    requests: list[Received] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            raw = self.rfile.read(length)
            state.requests.append(
                Received(self.path, dict(self.headers.items()), json.loads(raw or b"null"))
            )
            status = state.statuses.pop(0) if state.statuses else 200
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/3/events"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def answering_partner(partner: Partner, receiver: Receiver) -> Partner:
    """The partner with its events endpoint registered, so its requests can be answered."""
    PartnerClient.objects.filter(pk=partner.client.pk).update(outbound_events_url=receiver.url)
    partner.client.refresh_from_db()
    return partner


# --- the demo data ------------------------------------------------------------------------


@pytest.fixture
def demo(db, django_capture_on_commit_callbacks) -> dict[str, User]:
    """The demo data set with its factor library and inventory; the approved application's label
    is issued by the task its approval queued for after commit."""
    from oversight.demo import seed_demo

    call_command("load_reference", stdout=StringIO())
    call_command("load_factors", stdout=StringIO())
    with django_capture_on_commit_callbacks(execute=True):
        return seed_demo()


def demo_enterprise() -> Organisation:
    return Organisation.objects.get(uscc="91110000600037341L")


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
