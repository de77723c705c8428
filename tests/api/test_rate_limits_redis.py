"""The key memory and the rate limit on the real Redis (the production cache backend,
``config.cache.RedisCache``), the way production runs them."""

import os
import uuid

import pytest
import redis
from django.core.cache import caches
from django.urls import reverse

from accounts.apikeys import api_key_revoke
from accounts.models import ApiKey
from config.throttles import LIMITER, ApiKeyThrottle
from labels import services
from tests.api.conftest import STORED_READ, rendered

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


@pytest.fixture
def redis_cache(settings):
    url = os.environ.get("INTEGRATION_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        if os.environ.get("REQUIRE_INTEGRATION"):
            pytest.fail(f"Redis at {url} is not reachable: {error}")
        pytest.skip(f"Redis at {url} is not reachable: {error}")
    # A prefix of its own instead of a flush: the Celery test shares this database.
    settings.CACHES = {
        "default": {
            "BACKEND": "config.cache.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        }
    }
    LIMITER.reset()
    yield caches["default"]
    LIMITER.reset()


def test_a_remembered_key_needs_no_query_and_a_change_shows_at_once(
    redis_cache, key_client, make_key, label, body_admin, django_assert_num_queries
) -> None:
    assert type(redis_cache).__module__ == "config.cache"
    rendered(label)
    client = key_client(make_key())
    url = reverse("api-label", args=[label.serial])
    first = client.get(url)
    with django_assert_num_queries(STORED_READ):  # no query of the key: it is remembered
        second = client.get(url)
    assert second.content == first.content
    services.label_change_status(
        actor=body_admin, label_id=label.pk, action="suspend", reason="Overdue surveillance."
    )
    assert client.get(url).json()["status"] == "suspended"


def test_a_revocation_bites_on_the_next_call(
    redis_cache, key_client, make_key, marketplace_admin, label
) -> None:
    key = make_key()
    url = reverse("api-label", args=[label.serial])
    assert key_client(key).get(url).status_code == 200
    api_key_revoke(actor=marketplace_admin, api_key=ApiKey.objects.get())
    assert key_client(key).get(url).status_code == 401


def test_the_rate_limit_counts_in_redis(
    redis_cache, key_client, make_key, label, monkeypatch
) -> None:
    monkeypatch.setattr(ApiKeyThrottle, "rate", "3/minute", raising=False)
    client = key_client(make_key())
    url = reverse("api-label", args=[label.serial])
    assert [client.get(url).status_code for _ in range(4)] == [200, 200, 200, 429]
    LIMITER.reset()  # another process: its leases are its own, the count is shared
    response = client.get(url)
    assert response.status_code == 429 and int(response["Retry-After"]) >= 1


def test_leases_never_grant_more_than_the_rate(redis_cache) -> None:
    bucket = f"test:{uuid.uuid4().hex}"
    granted = 0
    for _process in range(5):  # five processes taking leases from one shared count
        LIMITER.reset()
        granted += sum(LIMITER.consume(bucket, 1000, 3600) is None for _ in range(300))
    assert granted == 1000


def test_with_redis_down_each_process_still_limits(settings) -> None:
    settings.CACHES = {
        "default": {
            "BACKEND": "config.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    LIMITER.reset()
    bucket = f"test:{uuid.uuid4().hex}"
    allowed = sum(LIMITER.consume(bucket, 5, 3600) is None for _ in range(12))
    assert allowed == 5
