"""Rate limits: per API key, per signed-in person, and per address for anonymous calls.
Each answers 429 with Retry-After (problem+json).

Every limit (per key, per person, per address, anonymous label lookups, complaints) counts in
fixed windows shared by every process through the cache, and each process takes its calls from
the shared count in leases: one atomic ``INCRBY`` grants it a small batch, which it then spends
without a round trip. The batch is 1 % of the rate (at most 100, at least 1), so a limit of a
few calls counts every call exactly, and a caller can never get more than the rate in one
window; at the worst it is refused a little early, by the unspent leases of the other processes
(under 1 % of the rate per process). If the cache cannot be reached, each process counts on its
own (the limit then holds per process) and says so in the log, rather than refusing every call.
"""

import logging
import threading
import time
from dataclasses import dataclass

from django.core.cache import cache
from rest_framework.throttling import SimpleRateThrottle

logger = logging.getLogger(__name__)

LEASE_SHARE = 100  # a lease is 1/LEASE_SHARE of the rate…
LEASE_MAX = 100  # …and never more than this many calls
PRUNE_AT = 10_000  # buckets kept per process before the stale ones are dropped


@dataclass
class _Lease:
    window: int
    remaining: int


class LeasedRateLimiter:
    """Fixed-window counters in the cache, spent per process in leases (see the module text)."""

    def __init__(self) -> None:
        self._leases: dict[str, _Lease] = {}
        self._alone: dict[str, _Lease] = {}  # calls counted here while the cache is down
        self._prune_at = PRUNE_AT
        self._warned_at = 0.0
        self._lock = threading.Lock()

    def reset(self) -> None:
        """Forget this process's leases (the shared counts live in the cache)."""
        with self._lock:
            self._leases.clear()
            self._alone.clear()

    def consume(self, bucket: str, num_requests: int, duration: int) -> float | None:
        """Count one call; None if it is allowed, else the seconds until the window ends."""
        now = time.time()
        window = int(now // duration)
        with self._lock:
            lease = self._leases.get(bucket)
            if lease is not None and lease.window == window and lease.remaining > 0:
                lease.remaining -= 1
                return None
        granted = self._lease(bucket, window, num_requests, duration)
        with self._lock:
            if len(self._leases) >= self._prune_at:
                self._leases = {k: v for k, v in self._leases.items() if v.window == window}
                self._alone = {k: v for k, v in self._alone.items() if v.window == window}
                # Next time only when the live buckets have doubled: pruning stays linear.
                self._prune_at = max(PRUNE_AT, 2 * len(self._leases))
            if granted == 0:
                self._leases[bucket] = _Lease(window, 0)
                return max(1.0, (window + 1) * duration - now)
            self._leases[bucket] = _Lease(window, granted - 1)
        return None

    def _lease(self, bucket: str, window: int, num_requests: int, duration: int) -> int:
        chunk = max(1, min(LEASE_MAX, num_requests // LEASE_SHARE))
        key = f"ratelimit:{bucket}:{window}"
        try:
            total = self._add(key, chunk, duration)
        except Exception:  # the cache is down: this process counts on its own
            return self._lease_alone(bucket, window, chunk, num_requests)
        before = total - chunk
        return max(0, min(chunk, num_requests - before))

    def _lease_alone(self, bucket: str, window: int, chunk: int, num_requests: int) -> int:
        now = time.monotonic()
        with self._lock:
            if now - self._warned_at > 60:
                self._warned_at = now
                logger.warning("rate limit counts unreachable; limiting per process")
            used = self._alone.get(bucket)
            if used is None or used.window != window:
                used = self._alone[bucket] = _Lease(window, 0)
            granted = max(0, min(chunk, num_requests - used.remaining))
            used.remaining += granted  # here: calls granted so far in the window
        return granted

    @staticmethod
    def _add(key: str, amount: int, duration: int) -> int:
        redis_client = getattr(cache, "redis_client", None)
        if redis_client is not None:
            full_key = cache.make_key(key)
            pipeline = redis_client().pipeline(transaction=False)
            pipeline.incrby(full_key, amount)
            pipeline.expire(full_key, duration + 5)
            return int(pipeline.execute()[0])
        cache.add(key, 0, duration + 5)
        return cache.incr(key, amount)


LIMITER = LeasedRateLimiter()


class LeasedRateThrottle(SimpleRateThrottle):
    """A DRF throttle counting through ``LIMITER``; subclasses say whom a call counts against."""

    retry_after: float | None = None
    num_requests: int  # set by SimpleRateThrottle from the rate (when there is one)
    duration: int

    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        bucket = self.get_cache_key(request, view)
        if bucket is None:
            return True
        self.retry_after = LIMITER.consume(bucket, self.num_requests, self.duration)
        return self.retry_after is None

    def wait(self) -> float | None:
        return self.retry_after


def _api_key(request):
    return getattr(request.user, "api_key", None)


class ApiKeyThrottle(LeasedRateThrottle):
    scope = "api_key"

    def get_cache_key(self, request, view):
        api_key = _api_key(request)
        if api_key is None:
            return None
        return self.bucket_for_key(api_key.pk)

    def bucket_for_key(self, key_id: int) -> str:
        return f"{self.scope}:{key_id}"


class PersonThrottle(LeasedRateThrottle):
    """Signed-in people; anonymous calls are counted by the anonymous throttles."""

    scope = "user"

    def get_cache_key(self, request, view):
        if _api_key(request) is not None or not request.user.is_authenticated:
            return None
        return f"{self.scope}:{request.user.pk}"


class AnonymousThrottle(LeasedRateThrottle):
    """Anonymous calls, per address (see ``API_NUM_PROXIES``)."""

    scope = "anon"

    def get_cache_key(self, request, view):
        if request.user and request.user.is_authenticated:
            return None
        return f"{self.scope}:{self.get_ident(request)}"


class AnonymousLookupThrottle(LeasedRateThrottle):
    """Anonymous label lookups are allowed, at a low rate, per address."""

    scope = "labels_anon"

    def get_cache_key(self, request, view):
        if request.user and request.user.is_authenticated:
            return None
        return self.bucket_for_address(self.get_ident(request))

    def bucket_for_address(self, address: str) -> str:
        return f"{self.scope}:{address}"


class ComplaintThrottle(LeasedRateThrottle):
    """Complaints, from the API and the public form alike: per signed-in person, else per
    address. Anyone may complain, so this is the only brake on a flood."""

    scope = "complaints"

    def get_cache_key(self, request, view):
        if request.user and request.user.is_authenticated:
            return f"{self.scope}:user:{request.user.pk}"
        return f"{self.scope}:{self.get_ident(request)}"


class RegistrationThrottle(LeasedRateThrottle):
    """Attempts at the public registration form, per address: each says whether an e-mail
    address or a user name already has an account, so their number is bounded."""

    scope = "registrations"

    def get_cache_key(self, request, view):
        return f"{self.scope}:{self.get_ident(request)}"
