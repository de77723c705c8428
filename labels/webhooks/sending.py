"""Sending one delivery: claim it, POST the signed CloudEvent, record the attempt, and either
finish or schedule the next attempt with exponential backoff until the retry window closes.

The POST happens outside any transaction (a slow receiver must not hold database locks); the
claim and the record are each one short write.
"""

import http.client
import io
import ipaddress
import random
import socket
import ssl
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from cryptography.fernet import InvalidToken
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import conf
from .crypto import secret_decrypt
from .events import CONTENT_TYPE, body_bytes
from .models import DeliveryStatus, WebhookAttempt, WebhookDelivery
from .signing import signed_headers
from .validation import address_public

USER_AGENT = "CarbonLabel-Webhooks/1.0"
# How long a claimed delivery belongs to its sender. Longer than any POST can take (connect and
# read timeouts), so only a sender that died mid-way loses its claim.
LEASE = timedelta(minutes=2)
DUE_STATUSES = (DeliveryStatus.PENDING, DeliveryStatus.FAILED, DeliveryStatus.SENDING)
EXCERPT_CHARS = 500


class AddressNotAllowed(Exception):
    pass


@dataclass(frozen=True)
class PostResult:
    status_code: int | None
    excerpt: str
    error: str
    duration_ms: int

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def retry_delay(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, … doubling per failed attempt, capped, with ±20% jitter so that
    deliveries failing together do not retry in lockstep."""
    doubled = conf.retry_base() * 2 ** min(max(attempts - 1, 0), 20)
    return min(doubled, conf.retry_cap()) * random.uniform(0.8, 1.2)


def deliveries_due_ids(limit: int = 500) -> list[int]:
    """Pending (never picked up), failed (retry due) and sending with an expired lease."""
    return list(
        WebhookDelivery.objects.filter(
            status__in=DUE_STATUSES,
            next_attempt_at__lte=timezone.now(),
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def delivery_attempt(delivery_id: int) -> str | None:
    """Send one due delivery; None when it is not due or another sender holds it."""
    now = timezone.now()
    lease_end = now + LEASE
    # Claim with a conditional update: of two workers handed the same id (the on-commit task and
    # the sweep), only one changes the row; the other sees 0 rows and stops.
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id,
        status__in=DUE_STATUSES,
        next_attempt_at__lte=now,
    ).update(status=DeliveryStatus.SENDING, next_attempt_at=lease_end)
    if not claimed:
        return None
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    endpoint = delivery.endpoint
    if not endpoint.is_active:
        return _record(delivery, lease_end, None, _("The endpoint is disabled."))
    try:
        secret = secret_decrypt(endpoint.secret_encrypted)
    except InvalidToken:
        # The master key changed without keeping the old one: nothing can be signed until an
        # operator restores it, so stop here instead of retrying in a loop.
        return _record(
            delivery,
            lease_end,
            None,
            _("The endpoint's secret cannot be decrypted with the master key."),
        )
    body = body_bytes(delivery.payload)
    headers = {
        "Content-Type": CONTENT_TYPE,
        "User-Agent": USER_AGENT,
        **signed_headers(
            secret=secret, message_id=str(delivery.event_id), timestamp=int(time.time()), body=body
        ),
    }
    result = post(endpoint.url, headers=headers, body=body)
    return _record(delivery, lease_end, result, result.error)


def _record(
    delivery: WebhookDelivery, lease_end: datetime, result: PostResult | None, error: str
) -> str:
    now = timezone.now()
    attempts = delivery.attempts + (1 if result is not None else 0)
    changes: dict = {"attempts": attempts, "last_error": error}
    if result is not None:
        changes["last_status_code"] = result.status_code
    if result is not None and result.succeeded:
        changes.update(status=DeliveryStatus.SUCCEEDED, delivered_at=now, next_attempt_at=now)
    else:
        next_attempt_at = now + retry_delay(max(attempts, 1))
        if result is None or next_attempt_at > delivery.window_started_at + conf.retry_window():
            changes.update(status=DeliveryStatus.ABANDONED, next_attempt_at=now)
        else:
            changes.update(status=DeliveryStatus.FAILED, next_attempt_at=next_attempt_at)
    with transaction.atomic():
        if result is not None:
            WebhookAttempt.objects.create(
                delivery=delivery,
                attempted_at=now - timedelta(milliseconds=result.duration_ms),
                status_code=result.status_code,
                response_excerpt=result.excerpt,
                duration_ms=result.duration_ms,
                error=result.error,
            )
        # Only while our claim stands: a sender whose lease ran out and was re-claimed by
        # another must not overwrite the newer outcome (its attempt is still recorded).
        WebhookDelivery.objects.filter(
            pk=delivery.pk, status=DeliveryStatus.SENDING, next_attempt_at=lease_end
        ).update(**changes)
    return changes["status"]


# --- HTTP ---------------------------------------------------------------------------------


class _Deadline:
    """A connected socket whose every read and write may take only what is left of the whole
    POST's time: a receiver that answers a byte at a time cannot hold the sender for longer
    (a socket timeout alone bounds each read, not their sum)."""

    def __init__(self, sock: socket.socket, deadline: float) -> None:
        self._sock = sock
        self._deadline = deadline
        self._files = 0  # as a socket does: closed once the connection and its files are done
        self._closed = False

    def _time_left(self) -> None:
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(_("The endpoint took longer than the time allowed."))
        self._sock.settimeout(left)

    def sendall(self, data: bytes) -> None:
        self._time_left()
        self._sock.sendall(data)

    def recv_into(self, buffer, nbytes: int = 0, flags: int = 0) -> int:
        self._time_left()
        return self._sock.recv_into(buffer, nbytes, flags)

    def makefile(self, mode: str = "rb", *args, **kwargs):
        self._files += 1
        return io.BufferedReader(socket.SocketIO(self, "rb"))  # type: ignore[arg-type]

    def _decref_socketios(self) -> None:
        self._files -= 1
        if self._closed and self._files <= 0:
            self._sock.close()

    def close(self) -> None:
        self._closed = True
        if self._files <= 0:
            self._sock.close()


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the address that was checked, not to a second DNS answer, and gives the
    whole POST ``timeout`` seconds from the start of the connection."""

    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address
        self._seconds = timeout

    def connect(self) -> None:
        deadline = time.monotonic() + self._seconds
        sock = socket.create_connection((self._address, self.port), self._seconds)
        sock.settimeout(max(deadline - time.monotonic(), 0.001))  # the TLS handshake's, in all
        self.sock = _Deadline(self._secured(sock), deadline)  # type: ignore[assignment]

    def _secured(self, sock: socket.socket) -> socket.socket:
        return sock


class _PinnedHTTPSConnection(_PinnedHTTPConnection):
    default_port = http.client.HTTPS_PORT

    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        super().__init__(host, port, address=address, timeout=timeout)
        self._tls = ssl.create_default_context()

    def _secured(self, sock: socket.socket) -> socket.socket:
        return self._tls.wrap_socket(sock, server_hostname=self.host)


def _checked_address(host: str, port: int) -> str:
    """Resolve once; outside development only public addresses may receive (no requests into
    the platform's own network from a URL a marketplace typed)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    if not infos:
        raise AddressNotAllowed(_("The host name does not resolve."))
    address = str(infos[0][4][0])
    if not conf.allow_http() and not address_public(ipaddress.ip_address(address.split("%")[0])):
        raise AddressNotAllowed(_("The endpoint's address is not public."))
    return address


def post(url: str, *, headers: dict[str, str], body: bytes) -> PostResult:
    """POST without following redirects (a 3xx is a failed attempt, as Standard Webhooks
    senders treat it) and read at most a short excerpt of the answer."""
    parts = urlsplit(url)
    https = parts.scheme == "https"
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    started = time.monotonic()
    connection: http.client.HTTPConnection | None = None
    try:
        port = parts.port or (443 if https else 80)  # ValueError above 65535: a failed attempt
        if parts.scheme not in ("http", "https") or (not https and not conf.allow_http()):
            raise AddressNotAllowed(_("Only https endpoints receive webhooks."))
        address = _checked_address(parts.hostname or "", port)
        connection_class = _PinnedHTTPSConnection if https else _PinnedHTTPConnection
        connection = connection_class(
            parts.hostname or "", port, address=address, timeout=conf.timeout_seconds()
        )
        connection.request("POST", target, body=body, headers=headers)
        response = connection.getresponse()
        excerpt = response.read(4 * EXCERPT_CHARS).decode("utf-8", "replace")[:EXCERPT_CHARS]
        return PostResult(response.status, excerpt, "", _elapsed_ms(started))
    except TimeoutError:
        message = _("The endpoint took longer than the time allowed.")
        return PostResult(None, "", message, _elapsed_ms(started))
    except (OSError, http.client.HTTPException, AddressNotAllowed, ValueError) as error:
        message = str(error) or error.__class__.__name__
        return PostResult(None, "", message[:EXCERPT_CHARS], _elapsed_ms(started))
    finally:
        if connection is not None:
            connection.close()


def _elapsed_ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
