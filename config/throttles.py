"""Rate limits: per API key, per signed-in person, and per address for anonymous calls.
Each answers 429 with Retry-After (problem+json)."""

from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle


def _api_key(request):
    return getattr(request.user, "api_key", None)


class ApiKeyThrottle(SimpleRateThrottle):
    scope = "api_key"

    def get_cache_key(self, request, view):
        api_key = _api_key(request)
        if api_key is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": api_key.pk}


class PersonThrottle(UserRateThrottle):
    def get_cache_key(self, request, view):
        if _api_key(request) is not None:
            return None
        return super().get_cache_key(request, view)


class AnonymousThrottle(AnonRateThrottle):
    pass


class AnonymousLookupThrottle(AnonRateThrottle):
    """Anonymous label lookups are allowed, at a low rate."""

    scope = "labels_anon"
