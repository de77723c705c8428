"""Webhook settings, each with a default, so the settings module needs no entry until a
deployment wants to change one."""

from datetime import timedelta

from django.conf import settings


def allow_http() -> bool:
    """Plain http and private or loopback addresses (a local receiver) are for development and
    tests only; production sends to public https endpoints."""
    return bool(getattr(settings, "WEBHOOK_ALLOW_HTTP", settings.EMBEDDED))


def timeout_seconds() -> float:
    return float(getattr(settings, "WEBHOOK_TIMEOUT_SECONDS", 10))


def retry_base() -> timedelta:
    return timedelta(seconds=getattr(settings, "WEBHOOK_RETRY_BASE_SECONDS", 30))


def retry_cap() -> timedelta:
    return timedelta(seconds=getattr(settings, "WEBHOOK_RETRY_MAX_SECONDS", 2 * 3600))


def retry_window() -> timedelta:
    return timedelta(hours=getattr(settings, "WEBHOOK_RETRY_WINDOW_HOURS", 24))


def public_origin() -> str:
    """The CloudEvents `source`: the platform's public URL."""
    return f"{settings.LABEL_PUBLIC_SCHEME}://{settings.LABEL_PUBLIC_HOST}"
