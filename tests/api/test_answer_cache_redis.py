"""The answer cache, the key memory and the rate limit on the real Redis (the production cache
backend, ``config.cache.RedisCache``), the way production runs them."""

import json
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


def test_a_hit_needs_no_query_and_a_change_shows_at_once(
    redis_cache,
    key_client,
    make_key,
    label,
    body_admin,
    django_assert_num_queries,
    django_capture_on_commit_callbacks,
) -> None:
    assert type(redis_cache).__module__ == "config.cache"
    client = key_client(make_key())
    url = reverse("api-label", args=[label.serial])
    first = client.get(url)
    with django_assert_num_queries(0):
        second = client.get(url)
    assert second.content == first.content and dict(second.items()) == dict(first.items())
    with django_capture_on_commit_callbacks(execute=True):
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


def test_the_batch_reads_cached_fragments_from_redis(
    redis_cache, key_client, make_key, issue_label, body_admin, django_assert_num_queries
) -> None:
    first, second = issue_label(), issue_label()
    client = key_client(make_key())
    body = {"keys": [{"serial": first.serial}, {"serial": second.serial}]}
    url = reverse("api-label-batch")
    answer = client.post(url, body, format="json")
    with django_assert_num_queries(0):
        again = client.post(url, body, format="json")
    assert again.content == answer.content and again["ETag"] == answer["ETag"]
    services.label_change_status(
        actor=body_admin, label_id=first.pk, action="suspend", reason="Overdue surveillance."
    )
    statuses = [
        r["labels"][0]["status"] for r in client.post(url, body, format="json").json()["results"]
    ]
    assert statuses == ["suspended", "valid"]


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


def test_the_wsgi_door_splices_batches_from_redis(
    redis_cache, make_key, issue_label, body_admin
) -> None:
    """Tokens as integers, fragments as pickles, the generation: as the Redis backend keeps them."""
    from django.core.signals import request_started

    from labels.answer_cache import FRAGMENT_MEMORY
    from tests.api.wsgi import wsgi_batch

    first, second = issue_label(), issue_label()
    key = make_key()
    keys = [{"serial": first.serial}, {"serial": second.serial}]
    reached: list[int] = []

    def count(**kwargs) -> None:
        reached.append(1)

    request_started.connect(count)
    try:
        answer = wsgi_batch(keys, key)
        assert wsgi_batch(keys, key) == answer  # tokens read, fragments from memory
        FRAGMENT_MEMORY.clear()  # another process: the fragments come from Redis
        assert wsgi_batch(keys, key) == answer
        assert wsgi_batch(keys, key) == answer  # the generation: no token read
        assert len(reached) == 1
        services.label_change_status(
            actor=body_admin, label_id=second.pk, action="suspend", reason="Overdue surveillance."
        )
        _status, _headers, body = wsgi_batch(keys, key)
    finally:
        request_started.disconnect(count)
    results = json.loads(body)["results"]
    assert [result["labels"][0]["status"] for result in results] == ["valid", "suspended"]
    assert len(reached) == 2
