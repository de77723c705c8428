"""PACT settings, each with a default, so the settings module needs no entry until a deployment
wants to change one (docs/pact.md lists them)."""

import math
from datetime import timedelta

from django.conf import settings


def token_seconds() -> int:
    """Lifetime of an access token from POST {base}/auth/token."""
    return int(getattr(settings, "PACT_TOKEN_SECONDS", 3600))


def allow_http() -> bool:
    """The PACT endpoints are HTTPS only (CONTRACTS §7); plain HTTP is for local experiments."""
    return bool(getattr(settings, "PACT_ALLOW_HTTP", False))


def page_size() -> int:
    """Footprints per page when the request gives no `limit`."""
    return int(getattr(settings, "PACT_PAGE_SIZE", 100))


def max_page_size() -> int:
    """A larger `limit` is served in pages of this size (the spec lets a host return fewer)."""
    return int(getattr(settings, "PACT_MAX_PAGE_SIZE", 1000))


def request_max_footprints() -> int:
    """At most this many footprints go into one RequestFulfilled event, newest first."""
    return int(getattr(settings, "PACT_REQUEST_MAX_FOOTPRINTS", 100))


def delivery_timeout_seconds() -> float:
    return float(getattr(settings, "PACT_DELIVERY_TIMEOUT_SECONDS", 10))


def delivery_window() -> timedelta:
    """The spec: retry with exponential backoff, abandon after 72 hours."""
    return timedelta(hours=getattr(settings, "PACT_DELIVERY_WINDOW_HOURS", 72))


def retry_backoff_max() -> int:
    """The longest wait before a retry: an hour, or half the broker's visibility timeout if
    that is shorter, since a retry waits in a worker unacknowledged and one waiting longer than
    the timeout would be delivered again (docs/operations.md)."""
    return min(3600, int(getattr(settings, "BROKER_VISIBILITY_TIMEOUT", 7200)) // 2)


def delivery_max_retries() -> int:
    """Read once, when the task is defined. Enough retries, at waits of half the longest on
    average (full jitter), to outlast the 72-hour window, which is what ends a delivery."""
    average = retry_backoff_max() / 2
    default = math.ceil(delivery_window().total_seconds() / average) + 10
    return int(getattr(settings, "PACT_DELIVERY_MAX_RETRIES", default))
