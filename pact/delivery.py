"""POSTing an event to a partner's Action Events endpoint.

No redirects are followed: a 3xx would drop the body or send the bearer token elsewhere, so it
counts as a failed attempt. Plain http is refused except to the machine itself (a local partner
under test), because the request carries the partner's bearer token.
"""

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlsplit

from . import conf

CONTENT_TYPE = "application/cloudevents+json; charset=UTF-8"
USER_AGENT = "CarbonLabel-PACT/1.0"
LOOPBACK_HOSTS = ("127.0.0.1", "::1", "localhost")
EXCERPT_CHARS = 500


class DeliveryFailed(Exception):
    """The partner did not take our event; the task retries it with backoff."""


@dataclass(frozen=True)
class PostResult:
    status_code: int | None
    error: str

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # urllib then raises HTTPError with the 3xx status


_OPENER = urllib.request.build_opener(_NoRedirect)


def post_event(url: str, event: dict, *, bearer_token: str = "") -> PostResult:
    parts = urlsplit(url)
    if parts.scheme != "https" and not (
        parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS
    ):
        return PostResult(None, "The partner's events endpoint must use https.")
    headers = {"Content-Type": CONTENT_TYPE, "User-Agent": USER_AGENT}
    if bearer_token:
        headers["Authorization"] = f"Bearer {bearer_token}"
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
        url, data=json.dumps(event, ensure_ascii=False).encode(), headers=headers, method="POST"
    )
    try:
        with _OPENER.open(request, timeout=conf.delivery_timeout_seconds()) as response:
            return PostResult(response.status, "")
    except urllib.error.HTTPError as error:
        excerpt = error.read(4 * EXCERPT_CHARS).decode("utf-8", "replace")[:EXCERPT_CHARS]
        return PostResult(error.code, f"HTTP {error.code}: {excerpt}".strip())
    except (urllib.error.URLError, OSError, ValueError) as error:
        return PostResult(None, (str(error) or error.__class__.__name__)[:EXCERPT_CHARS])
