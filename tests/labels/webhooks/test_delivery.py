"""Sending: signed as Standard Webhooks, a CloudEvents body, retried with exponential backoff
after a failure, abandoned after the 24-hour window, every attempt recorded."""

import json
import socket
import threading
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from labels.webhooks import sending
from labels.webhooks.models import DeliveryStatus, WebhookAttempt, WebhookDelivery
from labels.webhooks.sending import delivery_attempt, retry_delay
from labels.webhooks.tasks import webhook_deliveries_due
from labels.webhooks.validation import endpoint_url_validate
from tests.labels.webhooks.conftest import deliveries_of, make_due, standard_webhooks_verify

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run a block's on-commit work as a commit runs it (tasks are eager in tests)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def test_a_delivery_reaches_the_receiver_signed_and_as_a_cloudevent(
    label,
    register,
    change_status,
    receiver,
    committed,
) -> None:
    registered = register(receiver.url)

    with committed():
        change_status(label, "suspend", reason="Surveillance overdue.")

    [request] = receiver.requests
    [delivery] = deliveries_of(registered.endpoint)
    assert request.path == "/hooks/carbon"
    # Standard Webhooks: the three headers, and a signature a receiver verifies on its own.
    assert request.headers["webhook-id"] == str(delivery.event_id)
    assert request.headers["webhook-signature"].startswith("v1,")
    assert standard_webhooks_verify(registered.secret, request.headers, request.body)
    # CloudEvents 1.0, structured mode.
    assert request.headers["content-type"].startswith("application/cloudevents+json")
    event = request.event
    assert {
        key: event[key]
        for key in ("specversion", "id", "type", "source", "subject", "datacontenttype")
    } == {
        "specversion": "1.0",
        "id": str(delivery.event_id),
        "type": "cn.carbonlabel.label.suspended",
        "source": "https://labels.example.cn",
        "subject": label.serial,
        "datacontenttype": "application/json",
    }
    assert event["time"].endswith("Z")
    assert event["data"]["status"] == "suspended"
    assert event["data"]["gtin"] == label.gtin
    assert event == delivery.payload
    # The log.
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert delivery.attempts == 1
    assert delivery.last_status_code == 200
    assert delivery.delivered_at is not None
    [attempt] = WebhookAttempt.objects.filter(delivery=delivery)
    assert (attempt.status_code, attempt.response_excerpt, attempt.error) == (200, "ok", "")


def test_the_independent_verifier_refuses_what_was_not_signed_so(
    label,
    register,
    change_status,
    receiver,
    committed,
) -> None:
    """The verifier in this test is not a yes-machine: any change breaks the signature."""
    registered = register(receiver.url)
    with committed():
        change_status(label, "suspend")
    [request] = receiver.requests

    tampered = request.body.replace(b'"suspended"', b'"restored"', 1)
    assert tampered != request.body
    assert not standard_webhooks_verify(registered.secret, request.headers, tampered)
    other_secret = register(receiver.url).secret
    assert not standard_webhooks_verify(other_secret, request.headers, request.body)
    replayed = {**request.headers, "webhook-id": "msg_other"}
    assert not standard_webhooks_verify(registered.secret, replayed, request.body)
    stale = {
        **request.headers,
        "webhook-timestamp": str(int(request.headers["webhook-timestamp"]) - 3600),
    }
    assert not standard_webhooks_verify(registered.secret, stale, request.body)


def test_a_500_is_recorded_retried_with_backoff_and_then_delivered(
    label,
    register,
    change_status,
    receiver,
    committed,
) -> None:
    registered = register(receiver.url)
    receiver.responses = [500]

    with committed():
        change_status(label, "revoke", reason="Data falsified.")

    [delivery] = deliveries_of(registered.endpoint)
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == 1
    assert delivery.last_status_code == 500
    [attempt] = WebhookAttempt.objects.filter(delivery=delivery)
    assert attempt.status_code == 500
    assert len(attempt.response_excerpt) == 500  # the excerpt is cut at 500 characters
    assert attempt.response_excerpt.startswith("receiver failed")
    # First retry after 30 s ± 20% jitter.
    delay = delivery.next_attempt_at - attempt.attempted_at
    assert timedelta(seconds=23) < delay < timedelta(seconds=37)

    # Not yet due: the sweep sends nothing.
    assert webhook_deliveries_due() == 0
    assert len(receiver.requests) == 1

    make_due(delivery)
    assert webhook_deliveries_due() == 1

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert delivery.attempts == 2
    assert delivery.last_status_code == 200
    assert [a.status_code for a in WebhookAttempt.objects.filter(delivery=delivery)] == [500, 200]
    first, second = receiver.requests
    # The same message (id and body), signed afresh for its own timestamp.
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert first.body == second.body
    assert standard_webhooks_verify(registered.secret, second.headers, second.body)
    assert webhook_deliveries_due() == 0


def test_backoff_doubles_up_to_a_cap(settings) -> None:
    for attempts, seconds in ((1, 30), (2, 60), (3, 120), (4, 240), (8, 3840)):
        delay = retry_delay(attempts).total_seconds()
        assert seconds * 0.8 <= delay <= seconds * 1.2, attempts
    assert retry_delay(50) <= timedelta(hours=2) * 1.2


def test_abandoned_once_the_24_hour_window_is_over(
    label,
    register,
    change_status,
    receiver,
    django_capture_on_commit_callbacks,
) -> None:
    registered = register(receiver.url)
    receiver.responses = [503]
    with django_capture_on_commit_callbacks(execute=False):
        change_status(label, "suspend")
    [delivery] = deliveries_of(registered.endpoint)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        created_at=timezone.now() - timedelta(hours=24, minutes=1)
    )

    assert webhook_deliveries_due() == 1

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.ABANDONED
    assert delivery.last_status_code == 503
    assert delivery.attempts == 1
    assert WebhookAttempt.objects.filter(delivery=delivery).count() == 1
    assert webhook_deliveries_due() == 0
    assert len(receiver.requests) == 1


def test_a_retry_close_to_the_window_end_still_happens_within_it(
    label,
    register,
    change_status,
    receiver,
    django_capture_on_commit_callbacks,
) -> None:
    registered = register(receiver.url)
    receiver.responses = [500]
    with django_capture_on_commit_callbacks(execute=False):
        change_status(label, "suspend")
    [delivery] = deliveries_of(registered.endpoint)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        created_at=timezone.now() - timedelta(hours=23)
    )

    webhook_deliveries_due()

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED


def test_an_unreachable_receiver_is_an_attempt_with_an_error(
    label,
    register,
    change_status,
    committed,
) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    registered = register(f"http://127.0.0.1:{port}/hooks")

    with committed():
        change_status(label, "suspend")

    [delivery] = deliveries_of(registered.endpoint)
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.last_status_code is None
    assert delivery.last_error
    [attempt] = WebhookAttempt.objects.filter(delivery=delivery)
    assert attempt.status_code is None
    assert attempt.error == delivery.last_error


def test_a_redirect_is_not_followed(label, register, change_status, receiver, committed) -> None:
    registered = register(receiver.url)
    receiver.responses = [307]

    with committed():
        change_status(label, "suspend")

    [delivery] = deliveries_of(registered.endpoint)
    assert (delivery.status, delivery.last_status_code) == (DeliveryStatus.FAILED, 307)
    assert len(receiver.requests) == 1


def test_a_claimed_delivery_is_sent_once(
    label,
    register,
    change_status,
    receiver,
    django_capture_on_commit_callbacks,
) -> None:
    registered = register(receiver.url)
    with django_capture_on_commit_callbacks(execute=False):
        change_status(label, "suspend")
    [delivery] = deliveries_of(registered.endpoint)
    # Another sender holds it (its lease runs).
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.SENDING, next_attempt_at=timezone.now() + timedelta(minutes=1)
    )

    assert delivery_attempt(delivery.pk) is None
    assert webhook_deliveries_due() == 0
    assert receiver.requests == []

    # The holder died: after its lease the delivery is due again.
    make_due(delivery)
    assert delivery_attempt(delivery.pk) == DeliveryStatus.SUCCEEDED
    assert delivery_attempt(delivery.pk) is None  # done: a late duplicate task does nothing
    assert len(receiver.requests) == 1


def test_a_disabled_endpoint_gets_no_attempt(
    label,
    register,
    change_status,
    receiver,
    django_capture_on_commit_callbacks,
) -> None:
    registered = register(receiver.url)
    with django_capture_on_commit_callbacks(execute=False):
        change_status(label, "suspend")
    registered.endpoint.is_active = False
    registered.endpoint.save()

    webhook_deliveries_due()

    [delivery] = deliveries_of(registered.endpoint)
    assert delivery.status == DeliveryStatus.ABANDONED
    assert delivery.last_error == "The endpoint is disabled."
    assert receiver.requests == []


def test_https_only_outside_development(
    settings, label, register, change_status, receiver, committed
) -> None:
    registered = register(receiver.url)
    settings.WEBHOOK_ALLOW_HTTP = False

    with pytest.raises(Exception, match="https"):
        endpoint_url_validate("http://example.com/hooks")
    for private in (
        "https://127.0.0.1/hooks",
        "https://10.1.2.3/hooks",
        "https://[::1]/hooks",
        "https://localhost/hooks",
        "https://169.254.169.254/latest",
    ):
        with pytest.raises(Exception, match="internet"):
            endpoint_url_validate(private)
    assert (
        endpoint_url_validate("https://hooks.example.com/carbon")
        == "https://hooks.example.com/carbon"
    )

    # An http endpoint registered in development is not sent to in production.
    with committed():
        change_status(label, "suspend")
    assert receiver.requests == []
    [delivery] = deliveries_of(registered.endpoint)
    assert delivery.last_error == "Only https endpoints receive webhooks."


def test_private_addresses_are_refused_at_send_time(settings) -> None:
    settings.WEBHOOK_ALLOW_HTTP = False

    result = sending.post("https://127.0.0.1:9/hooks", headers={}, body=b"{}")

    assert result.status_code is None
    assert result.error == "The endpoint's address is not public."


@pytest.mark.parametrize(
    "address",
    [
        "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
        "64:ff9b::a00:5",  # NAT64 of 10.0.0.5
        "64:ff9b:1::a00:5",  # local-use NAT64
        "2002:7f00:1::1",  # 6to4 of 127.0.0.1
        "::127.0.0.1",  # IPv4-compatible
        "::ffff:10.0.0.5",  # IPv4-mapped
        "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
    ],
)
def test_ipv6_forms_that_carry_an_ipv4_address_are_refused(settings, address) -> None:
    settings.WEBHOOK_ALLOW_HTTP = False
    with pytest.raises(ValidationError, match="internet"):
        endpoint_url_validate(f"https://[{address}]/hooks")
    result = sending.post(f"https://[{address}]:9/hooks", headers={}, body=b"{}")
    assert result.error == "The endpoint's address is not public."
    assert endpoint_url_validate("https://[2606:4700::1111]/hooks")  # a global IPv6 address


def test_a_port_above_65535_is_refused_and_at_send_time_is_a_failed_attempt(settings) -> None:
    settings.WEBHOOK_ALLOW_HTTP = False
    with pytest.raises(ValidationError, match="65535"):
        endpoint_url_validate("https://hooks.example.com:99999/carbon")
    result = sending.post("https://hooks.example.com:99999/carbon", headers={}, body=b"{}")
    assert result.status_code is None and "out of range" in result.error


def test_a_receiver_that_answers_a_byte_at_a_time_is_cut_off_at_the_timeout(settings) -> None:
    """The timeout bounds the whole POST, not each read: a receiver dripping its answer cannot
    hold a worker past it."""
    settings.WEBHOOK_TIMEOUT_SECONDS = 1
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def drip() -> None:
        connection, _ = listener.accept()
        with connection:
            connection.recv(65536)
            for byte in b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok":
                if stop.wait(0.2):
                    return
                connection.sendall(bytes([byte]))

    thread = threading.Thread(target=drip, daemon=True)
    thread.start()
    try:
        port = listener.getsockname()[1]
        result = sending.post(f"http://127.0.0.1:{port}/hooks", headers={}, body=b"{}")
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()
    assert result.status_code is None
    assert result.error == "The endpoint took longer than the time allowed."  # not a 200


def test_the_body_is_the_stored_payload_as_compact_json(
    label,
    register,
    change_status,
    receiver,
    committed,
) -> None:
    register(receiver.url)
    with committed():
        change_status(label, "suspend")

    [request] = receiver.requests
    assert (
        request.body
        == json.dumps(request.event, ensure_ascii=False, separators=(",", ":")).encode()
    )
