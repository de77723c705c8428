"""With the cache (Redis) unreachable, the API still answers: every rate limit counts per process.

The cache points at a closed port, as when Redis is down.
"""

import pytest
import redis
from django.core.cache import cache

from config.throttles import LIMITER, AnonymousThrottle, PersonThrottle

pytestmark = pytest.mark.django_db

CACHE_DOWN = {
    "default": {
        "BACKEND": "config.cache.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
    }
}


@pytest.fixture
def cache_down(settings) -> None:
    settings.CACHES = CACHE_DOWN
    LIMITER.reset()
    with pytest.raises(redis.exceptions.ConnectionError):
        cache.get("anything")


def test_a_signed_in_person_is_answered_and_limited_per_process(
    cache_down,
    monkeypatch,
    api_as,
    enterprise_admin,
) -> None:
    monkeypatch.setattr(PersonThrottle, "rate", "3/hour", raising=False)
    client = api_as(enterprise_admin)

    statuses = [client.get("/api/v1/applications/").status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]


def test_an_anonymous_caller_is_answered_and_limited_per_process(
    cache_down,
    monkeypatch,
    api_as,
) -> None:
    monkeypatch.setattr(AnonymousThrottle, "rate", "2/hour", raising=False)
    client = api_as(None)

    # Anyone may file a complaint: the anonymous limit counts before the body is read.
    statuses = [client.post("/api/v1/complaints/", {}, format="json").status_code for _ in range(3)]

    assert statuses == [400, 400, 429]
