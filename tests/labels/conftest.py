"""Fixtures for the label tests that go through the database and the Django layer: issued labels,
signed-in clients, the demo data, and helpers that read what the public endpoints serve."""

import copy
import json
import re
from collections.abc import Callable
from html.parser import HTMLParser
from io import StringIO
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.http import HttpResponse
from django.test import Client

from accounts.models import Organisation, User
from accounts.roles import Role
from labels.models import Label, LabelEvent, StatusList
from labels.vc.statuslist import Bitstring
from tests.conftest import World
from tests.factories import member_of
from tests.second_factor import sign_in

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse

PUBLIC_HOST = "labels.example.cn"
PUBLIC = f"https://{PUBLIC_HOST}"


@pytest.fixture(autouse=True)
def _label_settings(settings) -> None:
    """A fixed public host in its production form (https), set before anything is issued: every
    URL and DID a label carries is built from these settings."""
    settings.LABEL_PUBLIC_HOST = PUBLIC_HOST
    settings.LABEL_PUBLIC_SCHEME = "https"


@pytest.fixture
def other_body_admin(world: World) -> User:
    """The administrator of body Y, which did not issue the World's labels."""
    return member_of(world.peer_body, Role.BODY_ADMIN, username="peer_body_admin")


@pytest.fixture
def client_as() -> Callable[[User | None], Client]:
    """`client_as(user)`: a fresh English test client signed in as `user` (None: anonymous)."""

    def signed_in(user: User | None) -> Client:
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        if user is not None:
            sign_in(client, user)
        return client

    return signed_in


@pytest.fixture
def anon(client_as) -> Client:
    return client_as(None)


@pytest.fixture
def demo(db, django_capture_on_commit_callbacks) -> dict[str, User]:
    """The demo data set with its on-commit work run as a commit runs it (tasks are eager in
    tests), so the approved application's label is issued by the task queued at approval."""
    from oversight.demo import seed_demo

    call_command("load_reference", stdout=StringIO())
    with django_capture_on_commit_callbacks(execute=True):
        return seed_demo()


def demo_body() -> Organisation:
    return Organisation.objects.get(code="cqc-demo")


# --- reading what is served ---------------------------------------------------------------


def path_of(url: str) -> str:
    """The path (and query) of one of our public URLs, for the test client."""
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc) == ("https", PUBLIC_HOST), url
    return parts.path + (f"?{parts.query}" if parts.query else "")


def status_entries(label: Label) -> dict[str, dict[str, str]]:
    """The label's credentialStatus entries by purpose."""
    return {entry["statusPurpose"]: entry for entry in label.credential["credentialStatus"]}


def served_list(client: Client, label: Label, purpose: str) -> "TestResponse":
    response = client.get(path_of(status_entries(label)[purpose]["statusListCredential"]))
    assert response.status_code == 200
    return response


def served_bit(client: Client, label: Label, purpose: str) -> bool:
    """The label's bit in the list as GET /status/... serves it now."""
    credential = served_list(client, label, purpose).json()
    bitstring = Bitstring.decode(credential["credentialSubject"]["encodedList"])
    return bitstring.get(int(status_entries(label)[purpose]["statusListIndex"]))


def served_bits(client: Client, label: Label) -> dict[str, bool]:
    return {purpose: served_bit(client, label, purpose) for purpose in ("revocation", "suspension")}


def stored_bits(label: Label) -> dict[str, bool]:
    """The label's two bits as stored in the database."""
    label = Label.objects.get(pk=label.pk)
    lists = {
        "revocation": (label.revocation_list_id, label.revocation_index),
        "suspension": (label.suspension_list_id, label.suspension_index),
    }
    return {
        purpose: Bitstring.from_bytes(bytes(StatusList.objects.get(pk=pk).bits)).get(index)
        for purpose, (pk, index) in lists.items()
    }


def label_state(label: Label) -> dict[str, Any]:
    """Everything a refused status change must leave as it was."""
    fresh = Label.objects.select_related("certificate").get(pk=label.pk)
    return {
        "status": fresh.status,
        "reason": fresh.status_reason,
        "changed_at": fresh.status_changed_at,
        "certificate_status": fresh.certificate.status,
        "bits": stored_bits(fresh),
        "events": list(LabelEvent.objects.filter(label=fresh).values_list("action", "reason")),
        "lists": sorted(
            StatusList.objects.filter(
                pk__in=[fresh.revocation_list_id, fresh.suspension_list_id]
            ).values_list("pk", "signed_at")
        ),
    }


def unsigned(credential: dict[str, Any]) -> dict[str, Any]:
    document = copy.deepcopy(credential)
    del document["proof"]
    return document


def json_bytes(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode()


class _TestIdText(HTMLParser):
    """The text of every element carrying a data-testid (void elements have none)."""

    VOID = {"input", "img", "br", "hr", "meta", "link", "source", "area", "col", "wbr"}

    def __init__(self) -> None:
        super().__init__()
        self.texts: dict[str, list[str]] = {}
        self.open: list[tuple[str, int]] = []  # (testid, depth at which it opened)
        self.depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.VOID:
            return
        self.depth += 1
        testid = dict(attrs).get("data-testid")
        if testid:
            self.texts.setdefault(testid, [])
            self.open.append((testid, self.depth))

    def handle_endtag(self, tag: str) -> None:
        if tag in self.VOID:
            return
        while self.open and self.open[-1][1] >= self.depth:
            self.open.pop()
        self.depth -= 1

    def handle_data(self, data: str) -> None:
        for testid, _ in self.open:
            self.texts[testid].append(data)


def text_by_testid(response: "HttpResponse | TestResponse", testid: str) -> str:
    """The whitespace-normalised text of the element with this data-testid."""
    parser = _TestIdText()
    parser.feed(response.content.decode())
    assert testid in parser.texts, f"no element with data-testid={testid!r}"
    return " ".join("".join(parser.texts[testid]).split())


def page_checks(response: "HttpResponse | TestResponse") -> list[tuple[str, bool]]:
    """The verification checks the public page lists: (name, ok) in order."""
    html = response.content.decode()
    block = re.search(r'data-testid="checks">(.*?)</ol>', html, re.S)
    assert block is not None, "the page lists no checks"
    return [
        (name, css == "ok")
        for css, name in re.findall(
            r'<li class="(ok|fail)">.*?<strong>([^<]+)</strong>', block.group(1)
        )
    ]


def public_verdict(client: Client, label: Label) -> dict[str, Any]:
    """What the public page and status.json say about the label now."""
    page = client.get(f"/labels/{label.serial}/")
    assert page.status_code == 200
    status = client.get(f"/labels/{label.serial}/status.json")
    assert status.status_code == 200
    return {
        "page": text_by_testid(page, "label-status"),
        "reason": text_by_testid(page, "reason"),
        "status_json": status.json()["status"],
    }


def run_verify_label(*args: str) -> tuple[int, str]:
    """`manage.py verify_label ARGS`: its exit status and output."""
    out = StringIO()
    try:
        call_command("verify_label", *args, stdout=out)
    except SystemExit as exit_:
        return int(exit_.code or 0), out.getvalue()
    return 0, out.getvalue()
