"""PACT settings, each with a default, so the settings module needs no entry until a deployment
wants to change one (docs/pact.md lists them)."""

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


def delivery_max_retries() -> int:
    """Read once, when the task is defined. With a 30 s base doubling to a 1 h cap, 80 retries
    outlast the 72-hour window, which is what ends a delivery in practice."""
    return int(getattr(settings, "PACT_DELIVERY_MAX_RETRIES", 80))
